// Command drift checks a long-lived stack (dev by default) for drift: it runs
// `pulumi preview --refresh --expect-no-changes` (resources changed outside
// Pulumi) and the verifier (claims of the lab that no longer hold), prints
// both outputs, and ends with one summary.
//
//	go build -o bin/ ./cmd/verify ./cmd/drift
//	./bin/drift                      # stack dev, ./bin/verify next to it
//	./bin/drift -stack my-lab -verify-arg -retry-for=0
//
// Exit codes: 0 no drift and every claim holds; 1 a claim did not hold (no
// resource drift); 2 could not run a check (and the other found nothing);
// 3 no drift, no failed claim, some checks could not be made; 4 resources
// changed outside Pulumi; 5 resources changed and a claim did not hold.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/drift"
	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
)

func main() { exitcode.Main(run) }

// args are repeatable string flags.
type args []string

func (a *args) String() string     { return strings.Join(*a, " ") }
func (a *args) Set(v string) error { *a = append(*a, v); return nil }

func run(ctx context.Context, argv []string, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("drift", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "dev", "the long-lived stack to check")
	root := fs.String("root", ".", "project directory (where Pulumi.yaml is)")
	backend := fs.String("backend", "", "state backend URL (default: PULUMI_BACKEND_URL, Pulumi Cloud with PULUMI_ACCESS_TOKEN, "+
		"else outside CI the local backend)")
	verifyBin := fs.String("verify", "", "the verifier binary (default: verify next to this binary)")
	var verifyArgs args
	fs.Var(&verifyArgs, "verify-arg", "an extra flag for the verifier, such as -wait-flow-logs (repeatable)")
	previewTimeout := fs.Duration("preview-timeout", 30*time.Minute, "bound on the preview (its refresh reads every resource)")
	verifyTimeout := fs.Duration("verify-timeout", 30*time.Minute, "bound on the verifier")
	if err := fs.Parse(argv); err != nil {
		return exitcode.CouldNotRun
	}
	if fs.NArg() > 0 || *stack == "" {
		fmt.Fprintln(stderr, "drift: give the stack with -stack NAME (default dev), no arguments")
		return exitcode.CouldNotRun
	}
	if *previewTimeout <= 0 || *verifyTimeout <= 0 {
		fmt.Fprintln(stderr, "drift: -preview-timeout and -verify-timeout must be positive durations (such as 30m)")
		return exitcode.CouldNotRun
	}
	cli, err := pulumicli.NewCLI(*root, *backend)
	if err != nil {
		fmt.Fprintln(stderr, "drift: could not run:", err)
		return exitcode.CouldNotRun
	}
	if *verifyBin == "" {
		self, err := os.Executable()
		if err != nil {
			fmt.Fprintln(stderr, "drift: could not run: find the verifier:", err)
			return exitcode.CouldNotRun
		}
		*verifyBin = filepath.Join(filepath.Dir(self), "verify")
	}
	if _, err := os.Stat(*verifyBin); err != nil {
		fmt.Fprintf(stderr, "drift: could not run: no verifier at %s: build it (go build -o bin/ ./cmd/verify ./cmd/drift) or give -verify\n", *verifyBin)
		return exitcode.CouldNotRun
	}
	c := &drift.Checker{CLI: cli,
		Verify:         append([]string{*verifyBin}, verifyArgs...),
		PreviewTimeout: *previewTimeout, VerifyTimeout: *verifyTimeout}
	fmt.Fprintf(stderr, "drift: checking stack %s (backend %s)\n", *stack, cli.BackendURL)
	res := c.Check(ctx, *stack)
	fmt.Fprintf(stdout, "== pulumi preview --refresh --expect-no-changes --stack %s\n%s\n", *stack, strings.TrimRight(res.PreviewOutput, "\n"))
	fmt.Fprintf(stdout, "== verify -stack %s\n%s\n", *stack, strings.TrimRight(res.VerifyOutput, "\n"))
	fmt.Fprint(stdout, "== summary\n"+res.Summary())
	return res.ExitCode()
}
