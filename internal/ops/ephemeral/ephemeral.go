// Package ephemeral runs a short-lived test stack of the lab: create a
// uniquely named stack, deploy it, verify it, and always destroy and remove
// it — on success, on failure, and on Ctrl-C/SIGTERM — unless asked to keep
// it. The orchestration is independent of Pulumi: the phases are functions,
// wired to the Automation API by Automation and to fakes by the tests.
package ephemeral

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
)

// Phase names, in the order they run.
const (
	PhaseCreate  = "create"
	PhaseUp      = "up"
	PhaseVerify  = "verify"
	PhaseDestroy = "destroy"
	PhaseRemove  = "remove"
)

// Ops are the phases' implementations.
type Ops struct {
	// Create creates the stack and sets its configuration.
	Create func(ctx context.Context, stack string) error
	// Up deploys it and returns its outputs.
	Up func(ctx context.Context) (map[string]any, error)
	// Verify checks the deployed stack and returns the verifier's exit code.
	Verify func(ctx context.Context, outputs map[string]any) exitcode.Code
	// Destroy deletes the stack's resources; Remove deletes the stack.
	Destroy func(ctx context.Context) error
	Remove  func(ctx context.Context) error
}

// PhaseResult is what a phase did.
type PhaseResult struct {
	Phase    string
	Duration time.Duration
	Err      error
	Skipped  bool
}

// DestroyTimeout bounds a destroy of a lab stack. Deleting the subnets and
// security groups of VPC-attached functions waits for Lambda's network
// interfaces: the AWS provider waits at least 45 minutes for them ("AWS
// Lambda service team confirms P99 deletion time of ~35 minutes",
// terraform-provider-aws internal/service/ec2/vpc_network_interface.go,
// deleteLingeringLambdaENI), and the rest of the stack (NAT gateway,
// endpoints, buckets) takes minutes more.
const DestroyTimeout = 60 * time.Minute

// Runner runs the phases.
type Runner struct {
	Ops Ops
	// Keep skips destroy and remove.
	Keep bool
	// Signals stops the run when a signal arrives; cleanup still runs.
	Signals <-chan os.Signal
	// CleanupTimeout bounds destroy and remove (default DestroyTimeout).
	CleanupTimeout time.Duration
	// Out gets a line per phase.
	Out io.Writer
	Now func() time.Time
}

// Run runs the stack's life and returns the exit code (of the claims family,
// internal/exitcode) and each phase's result.
func (r *Runner) Run(parent context.Context, stack string) (exitcode.Code, []PhaseResult) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	interrupted := make(chan os.Signal, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case sig := <-r.Signals:
				select {
				case interrupted <- sig:
					r.printf("ephemeral: %v received: stopping, then cleaning up stack %s (do not kill this process)", sig, stack)
					cancel()
				default:
					r.printf("ephemeral: %v received again: cleanup of %s goes on", sig, stack)
				}
			case <-done:
				return
			}
		}
	}()

	var results []PhaseResult
	phase := func(name string, ctx context.Context, do func(context.Context) error) error {
		start := r.now()
		r.printf("ephemeral: %s %s ...", name, stack)
		err := do(ctx)
		res := PhaseResult{Phase: name, Duration: r.now().Sub(start), Err: err}
		results = append(results, res)
		status := "ok"
		if err != nil {
			status = "failed: " + err.Error()
		}
		r.printf("ephemeral: %-7s %-8s %s", name, res.Duration.Round(time.Second), status)
		return err
	}
	skip := func(name string) { results = append(results, PhaseResult{Phase: name, Skipped: true}) }

	code := exitcode.OK
	created := phase(PhaseCreate, ctx, func(ctx context.Context) error { return r.Ops.Create(ctx, stack) }) == nil
	var outputs map[string]any
	deployed := false
	if !created {
		code = exitcode.CouldNotRun
		skip(PhaseUp)
	} else if err := phase(PhaseUp, ctx, func(ctx context.Context) (err error) {
		outputs, err = r.Ops.Up(ctx)
		return err
	}); err != nil {
		code = exitcode.ClaimFailed
	} else {
		deployed = true
	}
	if deployed && ctx.Err() == nil {
		vcode := exitcode.OK
		if err := phase(PhaseVerify, ctx, func(ctx context.Context) error {
			vcode = r.Ops.Verify(ctx, outputs)
			if vcode != exitcode.OK {
				return fmt.Errorf("verifier exit code %d", vcode)
			}
			return nil
		}); err != nil {
			code = vcode
		}
	} else {
		skip(PhaseVerify)
	}

	// A signal at any point, cleanup included, makes the exit code say so.
	final := func(code exitcode.Code) exitcode.Code {
		if len(interrupted) > 0 {
			return exitcode.Interrupted
		}
		return code
	}
	if r.Keep {
		r.printf("ephemeral: -keep: stack %s is left deployed; remove it with `pulumi destroy --stack %s && pulumi stack rm %s`",
			stack, stack, stack)
		skip(PhaseDestroy)
		skip(PhaseRemove)
		return final(code), results
	}

	// Cleanup must run even though ctx may be cancelled: it gets a context
	// of its own, bounded by CleanupTimeout, that signals do not cancel.
	timeout := r.CleanupTimeout
	if timeout == 0 {
		timeout = DestroyTimeout
	}
	cleanCtx, cleanCancel := context.WithTimeout(context.WithoutCancel(parent), timeout)
	defer cleanCancel()
	if created {
		if err := phase(PhaseDestroy, cleanCtx, r.Ops.Destroy); err != nil {
			r.printf("ephemeral: destroy of %s failed; the stack is kept: run `pulumi destroy --stack %s` again "+
				"(resources carry the tag lab:stack=%s)", stack, stack, stack)
			skip(PhaseRemove)
			return exitcode.CleanupFailed, results
		}
	} else {
		skip(PhaseDestroy)
	}
	if err := phase(PhaseRemove, cleanCtx, r.Ops.Remove); err != nil && created {
		return exitcode.CleanupFailed, results
	}
	return final(code), results
}

func (r *Runner) printf(format string, args ...any) {
	if r.Out != nil {
		fmt.Fprintf(r.Out, format+"\n", args...)
	}
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// StackName returns a unique stack name such as eph-20261122-193000-k3x9,
// valid for Pulumi and short enough for the lab's bucket prefixes.
func StackName(now time.Time) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b strings.Builder
	for range 4 {
		b.WriteByte(letters[rand.IntN(len(letters))])
	}
	return fmt.Sprintf("eph-%s-%s", now.UTC().Format("20060102-150405"), b.String())
}
