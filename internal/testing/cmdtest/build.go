// The binary tests not yet scripts build their command with Build and run it with Run or Expect.

package cmdtest

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Build builds the package in the working directory (the command under
// test) into a temporary directory and returns the binary's path. It skips
// the test with -short.
func Build(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: not building the command to test its exit codes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), name)
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -o %s .: %v\n%s", bin, err, out)
	}
	return bin
}

// Run runs bin with args, the environment env and stdin, bounded by a
// minute, and returns its exit code, stdout and stderr.
func Run(t *testing.T, bin string, env []string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case ctx.Err() != nil:
		t.Fatalf("%s %v: still running after a minute\nstderr:\n%s", bin, args, stderr.String())
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	default:
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return -1, "", ""
}

// Expect runs bin as Run does and checks its exit code, and that its
// standard output and error contain wantOut and wantErr (empty: anything),
// logging the time it took and its output.
func Expect(t *testing.T, bin string, env []string, stdin string, args []string, wantCode int, wantOut, wantErr string) {
	t.Helper()
	start := time.Now()
	code, out, errOut := Run(t, bin, env, stdin, args...)
	t.Logf("exit %d after %s\n%s", code, time.Since(start).Round(time.Millisecond), out)
	if code != wantCode {
		t.Errorf("exit code: got %d, want %d\nstdout:\n%s\nstderr:\n%s", code, wantCode, out, errOut)
	}
	if !strings.Contains(out, wantOut) {
		t.Errorf("stdout does not contain %q:\n%s", wantOut, out)
	}
	if !strings.Contains(errOut, wantErr) {
		t.Errorf("stderr does not contain %q:\n%s", wantErr, errOut)
	}
}
