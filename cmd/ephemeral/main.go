// Command ephemeral deploys a uniquely named, short-lived stack of the lab,
// verifies it, and always destroys and removes it — on success, on failure
// and on Ctrl-C/SIGTERM — unless -keep is given. State goes to -backend, else
// to the shared backend of PULUMI_BACKEND_URL or PULUMI_ACCESS_TOKEN, else
// (never in CI) to a local backend in a temporary directory. Every
// resource is tagged with the stack's name (lab:stack) and an expiry
// (lab:expires-at), and the stack carries the expiry as a stack tag, so a
// stray stack is reaped by cmd/reap and its resources found by cmd/orphans.
//
//	go build -o bin/ ./cmd/ephemeral
//	./bin/ephemeral [-region us-east-1] [-ttl 2h] [-keep] [-set key=value ...]
//
// Exit codes: 0 verified and cleaned up; 1 up failed or a claim did not hold;
// 2 could not run (no Pulumi CLI or AWS credentials); 3 some checks could not
// be made; 6 destroy failed (the stack is kept: destroy it again);
// 130 interrupted (cleaned up).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/awsclient"
	"github.com/platformlab/s3-gateway-lab/internal/ops/ephemeral"
	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
	"github.com/platformlab/s3-gateway-lab/internal/proof/verify"
)

func main() {
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	os.Exit(int(run(context.Background(), os.Args[1:], signals, os.Stdout, os.Stderr)))
}

// setFlags are repeatable -set key=value flags.
type setFlags map[string]string

func (s setFlags) String() string { return fmt.Sprint(map[string]string(s)) }

func (s setFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" || strings.Contains(k, ":") {
		return fmt.Errorf("want key=value with a lab setting as key (such as azCount=3), got %q", v)
	}
	s[k] = val
	return nil
}

func run(ctx context.Context, args []string, signals <-chan os.Signal, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("ephemeral", flag.ContinueOnError)
	fs.SetOutput(stderr)
	region := fs.String("region", envOr("AWS_REGION", "us-east-1"), "AWS region of the stack")
	ttl := fs.Duration("ttl", 2*time.Hour, "expiry tagged on every resource (now + ttl)")
	keep := fs.Bool("keep", false, "leave the stack deployed (and its state) after the run")
	backend := fs.String("backend", "", "state backend URL (default: "+pulumicli.ReviewBackendEnv+", else PULUMI_BACKEND_URL, Pulumi Cloud with PULUMI_ACCESS_TOKEN, "+
		"else outside CI a local backend in a new temporary directory)")
	root := fs.String("root", ".", "project directory (where Pulumi.yaml is)")
	useIMDS := fs.Bool("use-imds", false, "let the SDK take credentials from the EC2 instance metadata service")
	extra := setFlags{}
	fs.Var(extra, "set", "a lab setting for the stack, key=value (repeatable)")
	if err := fs.Parse(args); err != nil {
		return exitcode.CouldNotRun
	}
	absRoot, err := filepath.Abs(*root)
	if err != nil {
		fmt.Fprintln(stderr, "ephemeral: could not run:", err)
		return exitcode.CouldNotRun
	}

	// Preflight: nothing is created unless the CLI, a state backend that
	// outlives this run (in CI) and credentials are there.
	if err := pulumicli.Check(); err != nil {
		fmt.Fprintln(stderr, "ephemeral: could not run:", err)
		return exitcode.CouldNotRun
	}
	if *backend == "" {
		if *backend, err = pulumicli.ReviewBackend(os.Getenv); err != nil {
			fmt.Fprintln(stderr, "ephemeral: could not run:", err)
			return exitcode.CouldNotRun
		}
	}
	cfg, err := awsclient.Config(ctx, awsclient.Options{Region: *region, UseIMDS: *useIMDS})
	if err != nil {
		fmt.Fprintln(stderr, "ephemeral: could not run:", err)
		return exitcode.CouldNotRun
	}
	// The stack is pinned to the account of these credentials, and records
	// which repository created it, so that its reaper (and only its) acts.
	caller, err := awsclient.Account(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "ephemeral: could not run:", err)
		return exitcode.CouldNotRun
	}
	// The reaper's role among the stack's admins, beside the caller: the
	// bucket admits its destroy from outside the VPC only then.
	var admins []string
	if reaper := os.Getenv(pulumicli.ReaperRoleEnv); reaper != "" {
		id, err := awsclient.Caller(ctx, cfg)
		if err != nil {
			fmt.Fprintln(stderr, "ephemeral: could not run:", err)
			return exitcode.CouldNotRun
		}
		admins = []string{id.ARN, reaper}
	}
	if boundary := os.Getenv(pulumicli.BoundaryEnv); boundary != "" {
		if _, set := extra[settings.KeyPermissionsBoundary]; !set {
			extra[settings.KeyPermissionsBoundary] = boundary
		}
	}
	owner, err := pulumicli.Owner(os.Getenv, absRoot)
	if err != nil {
		fmt.Fprintln(stderr, "ephemeral: could not run:", err)
		return exitcode.CouldNotRun
	}

	stateDir := ""
	if *backend == "" {
		if stateDir, err = os.MkdirTemp("", "lab-state-*"); err != nil {
			fmt.Fprintln(stderr, "ephemeral: could not run:", err)
			return exitcode.CouldNotRun
		}
		*backend = "file://" + stateDir
	}
	now := time.Now()
	stack := ephemeral.StackName(now)
	fmt.Fprintf(stderr, "ephemeral: stack %s in %s, state in %s, expires %s\n",
		stack, *region, *backend, now.Add(*ttl).UTC().Format(time.RFC3339))

	verifyFn := func(ctx context.Context, outputs map[string]any) exitcode.Code {
		o, err := verify.ParseOutputs(outputs)
		if err != nil {
			fmt.Fprintln(stderr, "ephemeral: verify:", err)
			return exitcode.CouldNotRun
		}
		v := verify.NewClients(cfg).Verifier(o)
		v.Progress, v.RetryFor = stderr, verify.DefaultRetryFor
		results := v.Run(ctx)
		fmt.Fprint(stdout, verify.Table(results))
		return verify.ExitCode(results)
	}
	ops := ephemeral.Automation(ephemeral.Settings{
		Root: absRoot, BackendURL: *backend, Region: *region, TTL: *ttl, Config: extra, Progress: stderr,
		Account: caller.Account, Owner: owner, Admins: admins,
	}, now, verifyFn)
	r := &ephemeral.Runner{Ops: ops, Keep: *keep, Signals: signals, Out: stderr}
	code, phases := r.Run(ctx, stack)

	fmt.Fprintln(stderr, "\nephemeral: phases")
	for _, p := range phases {
		switch {
		case p.Skipped:
			fmt.Fprintf(stderr, "  %-8s skipped\n", p.Phase)
		case p.Err != nil:
			fmt.Fprintf(stderr, "  %-8s %-10s FAILED\n", p.Phase, p.Duration.Round(time.Second))
		default:
			fmt.Fprintf(stderr, "  %-8s %-10s ok\n", p.Phase, p.Duration.Round(time.Second))
		}
	}
	if stateDir != "" {
		if code == exitcode.CleanupFailed || *keep {
			fmt.Fprintf(stderr, "ephemeral: state kept in %s (PULUMI_BACKEND_URL=file://%s)\n", stateDir, stateDir)
		} else if err := os.RemoveAll(stateDir); err != nil {
			fmt.Fprintln(stderr, "ephemeral: remove state directory:", err)
		}
	}
	fmt.Fprintf(stderr, "ephemeral: exit code %d\n", code)
	return code
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
