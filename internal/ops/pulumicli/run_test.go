//go:build unix

package pulumicli

// These tests run real processes (/bin/sh scripts standing in for pulumi)
// and stop them the way Run stops pulumi. Their only timing checks are
// bounds with generous slack: the grace is waited before a kill, and nothing
// waits for the scripts' long sleeps.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// started runs cmd with Run in the background, once the file ready exists
// (the script's traps are set) ends ctx, and returns how long Run took
// after ctx ended and Run's error.
func started(t *testing.T, cmd *exec.Cmd, grace time.Duration, ready string) (time.Duration, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cmd, grace) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the script ended before it was ready: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the script was not ready after 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	stopped := time.Now()
	select {
	case err := <-done:
		return time.Since(stopped), err
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return 20s after its context ended")
		return 0, nil
	}
}

// TestRunOneInterruptThenWaits: a command that traps SIGINT gets exactly one
// interrupt when its context ends, and Run waits for it to finish what it
// does then (as pulumi saves its state) instead of killing it.
func TestRunOneInterruptThenWaits(t *testing.T) {
	dir := t.TempDir()
	log, ready := filepath.Join(dir, "log"), filepath.Join(dir, "ready")
	// On SIGINT: note it, then keep going for half a second (a second
	// interrupt would be noted too) and exit 3.
	script := `
trap 'echo interrupted >>"$LOG"; stopping=1' INT
touch "$READY"
n=0
while [ "$n" -lt 5 ]; do
  sleep 0.1
  if [ -n "$stopping" ]; then n=$((n+1)); fi
done
echo finished >>"$LOG"
exit 3
`
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = append(os.Environ(), "LOG="+log, "READY="+ready)
	took, err := started(t, cmd, 10*time.Second, ready)

	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("got %v, want the script's own exit 3 (not a kill)", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want it to say the context ended", err)
	}
	data, _ := os.ReadFile(log)
	if got := string(data); got != "interrupted\nfinished\n" {
		t.Errorf("the script noted %q, want one interrupt and its own end", got)
	}
	if took >= 10*time.Second {
		t.Errorf("Run took %s after the context ended: the grace ran out, want the script's own exit", took)
	}
}

// TestRunKillsTheGroupAfterGrace: a command that ignores SIGINT is killed
// once the grace has passed, and so is the rest of its process group (a
// grandchild it started, which ignores SIGINT too).
func TestRunKillsTheGroupAfterGrace(t *testing.T) {
	dir := t.TempDir()
	pidFile, ready := filepath.Join(dir, "pid"), filepath.Join(dir, "ready")
	// A background command of a script ignores SIGINT already.
	script := `
trap '' INT
sleep 30 &
echo $! >"$PIDFILE"
touch "$READY"
wait
`
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = append(os.Environ(), "PIDFILE="+pidFile, "READY="+ready)
	var out strings.Builder
	cmd.Stdout = &out // a pipe the grandchild holds as well
	const grace = 200 * time.Millisecond
	took, err := started(t, cmd, grace, ready)

	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("got %v, want the script's exit", err)
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("the script ended with %v, want SIGKILL", exit)
	}
	if took < grace {
		t.Errorf("killed %s after the context ended, before the grace of %s", took, grace)
	}
	if took >= 10*time.Second {
		t.Errorf("killed %s after the context ended, want about the grace of %s", took, grace)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); alive(pid); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the grandchild (pid %d) outlived the kill of its process group", pid)
		}
	}
}

// alive reports whether process pid runs: it exists and, where /proc tells,
// is not a zombie waiting for its new parent to reap it.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !os.IsNotExist(err) || !dirExists("/proc/self")
	}
	// pid (comm) state ...: the state follows the last ')'.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// TestCLIRunStopped: a pulumi command stopped by its context fails with an
// *Error that says so and carries what the command said on its interrupt.
func TestCLIRunStopped(t *testing.T) {
	script := filepath.Join(t.TempDir(), "pulumi")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsleep 30 >/dev/null 2>&1 &\ntrap 'kill $!; echo got SIGINT >&2; exit 3' INT\nwait\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := &CLI{Bin: script, Grace: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := c.Run(ctx, "destroy")
	var pe *Error
	if !errors.As(err, &pe) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "pulumi destroy: got SIGINT") {
		t.Fatalf("got %v, want an *Error naming the command, the deadline and the command's answer to SIGINT", err)
	}
}

// TestErrorMessage: an error names the command and what pulumi said: its
// standard error, else the error lines of its standard output, else how it
// exited.
func TestErrorMessage(t *testing.T) {
	exit := errors.New("exit status 255")
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{Args: []string{"stack", "ls"}, Stderr: "error: no backend\n", Err: exit}, "pulumi stack ls: error: no backend"},
		{Error{Args: []string{"destroy"}, Stdout: "Destroying\n  error: a\n error: b\nerror: a\n", Err: exit}, "pulumi destroy: error: a; error: b"},
		{Error{Args: []string{"up"}, Stdout: "nothing useful\n", Err: exit}, "pulumi up: exit status 255"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
		if !errors.Is(&tc.e, exit) {
			t.Errorf("%q does not unwrap to its exit", tc.e.Error())
		}
	}
}
