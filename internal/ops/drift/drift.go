// Package drift checks a long-lived stack of the lab for drift, two ways at
// once: `pulumi preview --refresh --expect-no-changes` (resources changed
// outside Pulumi: a route added in the console, a policy edited by hand) and
// the verifier (claims of the lab that no longer hold), and reports both in
// one summary with one exit code.
package drift

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
)

// PreviewOutcome is what the preview found.
type PreviewOutcome string

// Preview outcomes.
const (
	NoChanges    PreviewOutcome = "no changes"
	Drifted      PreviewOutcome = "drifted"
	PreviewError PreviewOutcome = "could not run"
)

// changesProposed is the error pulumi prints when --expect-no-changes finds
// changes (pkg/backend/backenderr in the Pulumi CLI).
const changesProposed = "no changes were expected but changes were proposed"

// Result is the outcome of both checks.
type Result struct {
	Stack          string
	Preview        PreviewOutcome
	PreviewOutput  string
	PreviewErr     error
	PreviewTime    time.Duration
	VerifyCode     exitcode.Code
	VerifyOutput   string
	VerifyErr      error
	VerifyTime     time.Duration
	VerifyCommand  []string
	PreviewCommand []string
}

// Checker runs the two checks.
type Checker struct {
	// CLI is the Pulumi CLI in the project directory; its directory,
	// environment (state backend included) and grace are the verifier's
	// too.
	CLI *pulumicli.CLI
	// Verify is the verifier command (the built cmd/verify binary and any
	// flags); the checker adds -stack and -root.
	Verify []string
	// PreviewTimeout and VerifyTimeout bound each check.
	PreviewTimeout, VerifyTimeout time.Duration
}

// Check runs the preview, then the verifier, on stack.
func (c *Checker) Check(ctx context.Context, stack string) Result {
	res := Result{Stack: stack}
	res.PreviewCommand = []string{c.CLI.Bin, "preview", "--refresh", "--expect-no-changes", "--diff",
		"--non-interactive", "--stack", stack}
	start := time.Now()
	out, err := c.preview(ctx, res.PreviewCommand[1:])
	res.PreviewTime, res.PreviewOutput = time.Since(start), out
	switch {
	case err == nil:
		res.Preview = NoChanges
	case strings.Contains(out, changesProposed):
		res.Preview = Drifted
	default:
		res.Preview, res.PreviewErr = PreviewError, err
	}

	res.VerifyCommand = append(append([]string{}, c.Verify...), "-stack", stack, "-root", c.CLI.Dir)
	start = time.Now()
	out, err = c.verify(ctx, res.VerifyCommand)
	res.VerifyTime, res.VerifyOutput = time.Since(start), out
	var exit *exec.ExitError
	switch {
	case err == nil:
		res.VerifyCode = exitcode.OK
	case errors.As(err, &exit) && exit.ExitCode() > 0 && ctx.Err() == nil:
		res.VerifyCode = exitcode.Code(exit.ExitCode())
	default:
		res.VerifyCode, res.VerifyErr = exitcode.CouldNotRun, err
	}
	return res
}

// preview runs pulumi with args, bounded by PreviewTimeout, and returns its
// combined output.
func (c *Checker) preview(ctx context.Context, args []string) (string, error) {
	ctx, cancel := bound(ctx, c.PreviewTimeout)
	defer cancel()
	var out strings.Builder
	_, err := c.CLI.Exec(ctx, &out, &out, args...)
	return out.String(), stopped(ctx, err, c.CLI.Bin, c.PreviewTimeout)
}

// verify runs the verifier, argv, with the CLI's directory and environment,
// bounded by VerifyTimeout, and returns its combined output. It is run and
// stopped as pulumi is (pulumicli.Run): a process group of its own, one
// interrupt, a kill after the CLI's grace.
func (c *Checker) verify(ctx context.Context, argv []string) (string, error) {
	ctx, cancel := bound(ctx, c.VerifyTimeout)
	defer cancel()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = c.CLI.Dir, c.CLI.Env
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	err := pulumicli.Run(ctx, cmd, c.CLI.Grace)
	return out.String(), stopped(ctx, err, argv[0], c.VerifyTimeout)
}

// bound bounds ctx by timeout, when set.
func bound(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout > 0 {
		return context.WithTimeout(ctx, timeout)
	}
	return ctx, func() {}
}

// stopped says, when ctx ended, that the command was stopped, instead of
// err.
func stopped(ctx context.Context, err error, command string, timeout time.Duration) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: stopped after %s: %w", command, timeout, ctx.Err())
	}
	return err
}

// ExitCode combines the two checks: drift first, then a failed claim, then
// could not run, then incomplete.
func (r Result) ExitCode() exitcode.Code {
	switch {
	case r.Preview == Drifted && r.VerifyCode == exitcode.ClaimFailed:
		return exitcode.DriftedAndFailed
	case r.Preview == Drifted:
		return exitcode.Drifted
	case r.VerifyCode == exitcode.ClaimFailed:
		return exitcode.ClaimFailed
	case r.Preview == PreviewError || r.VerifyCode == exitcode.CouldNotRun:
		return exitcode.CouldNotRun
	case r.VerifyCode == exitcode.Incomplete:
		return exitcode.Incomplete
	case r.VerifyCode != exitcode.OK:
		return exitcode.CouldNotRun
	}
	return exitcode.OK
}

// Summary renders the result for a person: one line per check and the exit
// code, then (for what did not pass) the checks' own output.
func (r Result) Summary() string {
	var s strings.Builder
	code := r.ExitCode()
	fmt.Fprintf(&s, "Drift check of stack %s\n", r.Stack)
	previewLine := string(r.Preview)
	switch r.Preview {
	case Drifted:
		previewLine = "DRIFTED: resources changed outside Pulumi (the refreshed state differs from the program)"
	case NoChanges:
		previewLine = "no changes: the refreshed state matches the program"
	case PreviewError:
		previewLine = "COULD NOT RUN: " + lastLines(r.PreviewOutput, 3)
		if r.PreviewErr != nil && strings.TrimSpace(r.PreviewOutput) == "" {
			previewLine = "COULD NOT RUN: " + r.PreviewErr.Error()
		}
	}
	fmt.Fprintf(&s, "  resources (pulumi preview --refresh --expect-no-changes, %s): %s\n",
		r.PreviewTime.Round(time.Second), previewLine)
	verifyLine := fmt.Sprintf("exit %d, %s", r.VerifyCode, exitcode.Claims.Meaning(r.VerifyCode))
	if r.VerifyErr != nil {
		verifyLine += " (" + r.VerifyErr.Error() + ")"
	}
	fmt.Fprintf(&s, "  claims (verify, %s): %s\n", r.VerifyTime.Round(time.Second), verifyLine)
	fmt.Fprintf(&s, "exit code %d: %s\n", code, exitcode.Claims.Meaning(code))
	return s.String()
}

// lastLines returns the last n non-empty lines of s, joined by " / ".
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}
