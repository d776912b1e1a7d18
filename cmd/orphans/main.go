// Command orphans lists the lab's orphaned AWS resources: resources tagged
// lab:project=s3-gateway-lab and lab:stack=<name> whose stack no longer
// exists in the state backend (state lost, stack removed with --force), found
// with the Resource Groups Tagging API, each with its fixed monthly cost (the
// plan's price table) and a command that deletes it. It deletes nothing.
//
//	go build -o bin/ ./cmd/orphans
//	./bin/orphans -regions us-east-1,us-west-2
//
// A stack is alive when any of the backends holds it: -backend (repeatable),
// else PULUMI_BACKEND_URL (or Pulumi Cloud) and, when set,
// LAB_REVIEW_BACKEND_URL, where review and ephemeral stacks live.
//
// Exit codes: 0 no orphans; 1 orphans found (listed); 2 could not run (no
// Pulumi CLI, no shared backend in CI, a backend or AWS cannot be read).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/awsclient"
	"github.com/platformlab/s3-gateway-lab/internal/ops/orphans"
	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
)

func main() { exitcode.Main(run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("orphans", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defaultRegion := os.Getenv("AWS_REGION")
	if defaultRegion == "" {
		defaultRegion = "us-east-1"
	}
	regions := fs.String("regions", defaultRegion, "comma-separated regions to search (the stacks' regions and crossRegion's)")
	var backends backendList
	fs.Var(&backends, "backend", "a state backend URL whose stacks are alive (repeatable; default: PULUMI_BACKEND_URL, Pulumi Cloud with "+
		"PULUMI_ACCESS_TOKEN, else outside CI the local backend; and "+pulumicli.ReviewBackendEnv+" when set)")
	root := fs.String("root", ".", "project directory (where Pulumi.yaml is)")
	endpointURL := fs.String("endpoint-url", "", "send every AWS call to this URL (an emulator)")
	useIMDS := fs.Bool("use-imds", false, "let the SDK take credentials from the EC2 instance metadata service")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return exitcode.CouldNotRun
	}
	var regionList []string
	for _, r := range strings.Split(*regions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			regionList = append(regionList, r)
		}
	}
	if fs.NArg() > 0 || len(regionList) == 0 {
		fmt.Fprintln(stderr, "orphans: give the regions with -regions (such as us-east-1,us-west-2), no arguments")
		return exitcode.CouldNotRun
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if len(backends) == 0 {
		backends = backendList{""} // the shared backend of the environment
		if review := os.Getenv(pulumicli.ReviewBackendEnv); review != "" {
			backends = append(backends, review)
		}
	}
	live := map[string]bool{}
	var where []string
	for _, b := range backends {
		cli, err := pulumicli.NewCLI(*root, b)
		if err != nil {
			fmt.Fprintln(stderr, "orphans: could not run:", err)
			return exitcode.CouldNotRun
		}
		stacks, err := cli.ProjectStacks(ctx, settings.Project)
		if err != nil {
			fmt.Fprintf(stderr, "orphans: could not run: list the backend's stacks: %v (backend %s)\n", err, cli.BackendURL)
			return exitcode.CouldNotRun
		}
		for _, s := range stacks {
			live[s] = true
		}
		where = append(where, fmt.Sprintf("%d in %s", len(stacks), cli.BackendURL))
	}
	fmt.Fprintf(stderr, "orphans: stacks of %s: %s; searching %s\n", settings.Project,
		strings.Join(where, ", "), strings.Join(regionList, ", "))
	var found []orphans.Resource
	for _, region := range regionList {
		cfg, err := awsclient.Config(ctx, awsclient.Options{Region: region, EndpointURL: *endpointURL, UseIMDS: *useIMDS})
		if err != nil {
			fmt.Fprintln(stderr, "orphans: could not run:", err)
			return exitcode.CouldNotRun
		}
		got, err := orphans.NewFinder(cfg, settings.Project).Find(ctx, live)
		if err != nil {
			fmt.Fprintln(stderr, "orphans: could not run:", err)
			return exitcode.CouldNotRun
		}
		found = append(found, got...)
	}
	fmt.Fprint(stdout, orphans.Report(found, regionList))
	if len(found) > 0 {
		return exitcode.LeftBehind
	}
	return exitcode.OK
}

// backendList is a repeatable -backend flag.
type backendList []string

func (b *backendList) String() string { return strings.Join(*b, ",") }

func (b *backendList) Set(v string) error {
	*b = append(*b, v)
	return nil
}
