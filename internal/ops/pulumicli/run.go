package pulumicli

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"
)

// Grace is how long a command stopped by its context gets to finish after
// its one interrupt, before it is killed. Interrupted, pulumi cancels its
// operation, waits for the resource operations under way, saves its state
// and releases its lock; a second interrupt makes it quit without saving,
// and a kill leaves the lock and the operations in flight in no state.
const Grace = 2 * time.Minute

// Run runs cmd (its path, arguments, directory, environment and I/O set by
// the caller) the way the lab's commands run the Pulumi CLI: in a process
// group of its own, so that a Ctrl-C at the terminal reaches only the
// command that runs it; when ctx ends, one interrupt to the group and, if
// it has not exited grace later (0: Grace), a kill of the group. Pipes a
// process left behind still holds are closed grace after cmd exits. Run
// returns cmd.Wait's error, with ctx's first when ctx ended.
func Run(ctx context.Context, cmd *exec.Cmd, grace time.Duration) error {
	if grace <= 0 {
		grace = Grace
	}
	// Stopped before it started (a Ctrl-C between two commands): it never
	// starts, as exec.CommandContext would have it.
	if err := ctx.Err(); err != nil {
		return err
	}
	ownProcessGroup(cmd)
	cmd.WaitDelay = grace
	if err := cmd.Start(); err != nil {
		return err
	}
	exited, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-exited:
			return
		case <-ctx.Done():
		}
		if err := interruptGroup(cmd.Process); err != nil {
			killGroup(cmd.Process) // no interrupt to send (Windows), or gone already
			return
		}
		timer := time.NewTimer(grace)
		defer timer.Stop()
		select {
		case <-exited:
		case <-timer.C:
			killGroup(cmd.Process)
		}
	}()
	err := cmd.Wait()
	close(exited)
	<-stopped
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}

// Run runs pulumi with args and returns its standard output; a failure is
// an *Error.
func (c *CLI) Run(ctx context.Context, args ...string) (string, error) {
	return c.Exec(ctx, nil, nil, args...)
}

// Exec runs pulumi with args as Run does and copies its standard output and
// error, as they come, to stdout and stderr when they are not nil (one
// writer may take both).
func (c *CLI) Exec(ctx context.Context, stdout, stderr io.Writer, args ...string) (string, error) {
	cmd := exec.Command(c.Bin, args...)
	cmd.Dir, cmd.Env = c.Dir, c.Env
	var outBuf, errBuf strings.Builder
	var mu sync.Mutex
	cmd.Stdout, cmd.Stderr = tee(&outBuf, stdout, &mu), tee(&errBuf, stderr, &mu)
	if err := Run(ctx, cmd, c.Grace); err != nil {
		return outBuf.String(), &Error{Args: args, Stdout: outBuf.String(), Stderr: errBuf.String(), Err: err}
	}
	return outBuf.String(), nil
}

// tee writes to buf and, if set, to w, holding mu for w: the two streams of
// a command are written by two goroutines.
func tee(buf io.Writer, w io.Writer, mu *sync.Mutex) io.Writer {
	if w == nil {
		return buf
	}
	return io.MultiWriter(buf, &lockedWriter{mu: mu, w: w})
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Error is a failed pulumi command.
type Error struct {
	Args   []string
	Stdout string
	Stderr string
	Err    error
}

// Error names the command and what pulumi said: its standard error, else the
// error lines of its standard output (where destroy reports a resource's
// failure), else how it exited.
func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		var lines []string
		for _, l := range strings.Split(e.Stdout, "\n") {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "error:") && !slices.Contains(lines, l) {
				lines = append(lines, l)
			}
		}
		msg = strings.Join(lines, "; ")
	}
	if msg == "" {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("pulumi %s: %s", strings.Join(e.Args, " "), msg)
}

func (e *Error) Unwrap() error { return e.Err }
