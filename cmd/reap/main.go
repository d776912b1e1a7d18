// Command reap destroys and removes the lab's stacks whose expiry (the stack
// tag lab:expires-at) has passed and that this repository created (the stack
// tag lab:created-by names -owner), on any state backend. Without -yes it
// only prints what it would reap, with each stack's fixed monthly cost.
// Stacks without an expiry (dev), stacks other repositories created and
// other projects' stacks are listed and never touched.
//
//	go build -o bin/ ./cmd/reap
//	./bin/reap                 # dry run
//	./bin/reap -yes            # destroy and remove every expired stack
//
// State comes from -backend, else PULUMI_BACKEND_URL, else Pulumi Cloud with
// PULUMI_ACCESS_TOKEN, else (never in CI) the local backend. Before each
// destroy, the caller (its role's ARN with its path: sts:GetCallerIdentity,
// iam:GetRole on its own role) is checked against the stack's
// adminPrincipalArns, as scripts/destroy.sh does; when it cannot be named,
// the stack is kept.
//
// Exit codes: 0 every expired stack reaped (or listed, in a dry run); 1 an
// expired stack could not be reaped (kept; the next run tries again) or has
// an unreadable expiry; 2 could not run (no Pulumi CLI, no shared backend in
// CI, the backend cannot be listed, a bad flag); 130 interrupted (the running
// destroy stopped cleanly; the next run takes up the rest).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/awsclient"
	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
	"github.com/platformlab/s3-gateway-lab/internal/ops/reap"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
)

func main() { exitcode.Main(run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("reap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	yes := fs.Bool("yes", false, "destroy and remove the expired stacks (default: only print what would be reaped)")
	backend := fs.String("backend", "", "state backend URL (default: "+pulumicli.ReviewBackendEnv+", else PULUMI_BACKEND_URL, Pulumi Cloud with "+
		"PULUMI_ACCESS_TOKEN, else outside CI the local backend)")
	root := fs.String("root", ".", "project directory (where Pulumi.yaml is)")
	owner := fs.String("owner", "", "the repository whose stacks are reaped, as its commands record it in the stack tag "+
		settings.TagCreatedBy+" (default: "+pulumicli.OwnerEnv+", else GitHub Actions' repository, else the git remote origin as host/path)")
	destroyTimeout := fs.Duration("destroy-timeout", reap.DefaultDestroyTimeout,
		"bound on each stack's destroy (Lambda's network interfaces alone can take 45 minutes to go)")
	staleLock := fs.Duration("stale-lock-after", reap.DefaultStaleLockAfter,
		"remove a lock on an expired stack older than this (left by a killed run); 0 never")
	if err := fs.Parse(args); err != nil {
		return exitcode.CouldNotRun
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "reap: unexpected argument %q (flags: -yes, -backend, -root, -owner, -destroy-timeout, -stale-lock-after)\n", fs.Arg(0))
		return exitcode.CouldNotRun
	}
	if *destroyTimeout <= 0 {
		fmt.Fprintf(stderr, "reap: -destroy-timeout must be a positive duration (such as 60m), got %s\n", *destroyTimeout)
		return exitcode.CouldNotRun
	}
	if *staleLock < 0 {
		fmt.Fprintf(stderr, "reap: -stale-lock-after must be 0 (never) or a positive duration (such as 3h), got %s\n", *staleLock)
		return exitcode.CouldNotRun
	}
	if *staleLock == 0 {
		*staleLock = -1 // the package's "never"
	}
	if *backend == "" {
		// Review and ephemeral stacks live in a backend of their own.
		var err error
		if *backend, err = pulumicli.ReviewBackend(os.Getenv); err != nil {
			fmt.Fprintln(stderr, "reap: could not run:", err)
			return exitcode.CouldNotRun
		}
	}
	cli, err := pulumicli.NewCLI(*root, *backend)
	if err != nil {
		fmt.Fprintln(stderr, "reap: could not run:", err)
		return exitcode.CouldNotRun
	}
	if *owner == "" {
		if *owner, err = pulumicli.Owner(os.Getenv, cli.Dir); err != nil {
			fmt.Fprintln(stderr, "reap: could not run:", err)
			return exitcode.CouldNotRun
		}
	}
	// Only a destroy needs AWS: the caller is named then, with the
	// credentials of the environment (the job's role).
	caller := func(ctx context.Context) (string, error) {
		cfg, err := awsclient.Config(ctx, awsclient.Options{Region: awsclient.Region(os.Getenv)})
		if err != nil {
			return "", err
		}
		id, err := awsclient.Caller(ctx, cfg)
		return id.ARN, err
	}
	r := &reap.Reaper{
		CLI:            cli,
		Project:        settings.Project,
		Owner:          *owner,
		Yes:            *yes,
		DestroyTimeout: *destroyTimeout,
		StaleLockAfter: *staleLock,
		AdminCheck:     reap.AdminCheck(caller),
		Progress:       stderr,
	}
	start := time.Now()
	rep, err := r.Run(ctx)
	if ctx.Err() != nil {
		fmt.Fprint(stdout, rep.Text())
		fmt.Fprintln(stderr, "reap: interrupted; the next run takes up what is left")
		return exitcode.Interrupted
	}
	if err != nil {
		fmt.Fprintf(stderr, "reap: could not run: %v (backend %s)\n", err, cli.BackendURL)
		return exitcode.CouldNotRun
	}
	fmt.Fprint(stdout, rep.Text())
	code := rep.ExitCode()
	fmt.Fprintf(stderr, "reap: done in %s, exit code %d\n", time.Since(start).Round(time.Second), code)
	return code
}
