// Command verify checks a deployed stack of the lab against the real AWS APIs
// and prints a table: check, expected, observed, PASS/FAIL/INCONCLUSIVE/ERROR/SKIP,
// time.
//
//	go build -o bin/ ./cmd/verify
//	./bin/verify -stack dev [-json] [-retry-for 3m] [-wait-flow-logs]
//	pulumi stack output --json --stack dev | ./bin/verify -outputs - [-json]
//
// Run the built binary, not `go run`, where the exit code matters: go run
// turns every non-zero exit code into 1.
//
// Exit codes: 0 every check passed; 1 a claim of the lab did not hold;
// 2 could not run (no Pulumi CLI, no stack, missing outputs, no AWS
// credentials); 3 no claim failed but some were not proved (INCONCLUSIVE) or
// could not be checked (ERROR: the API kept failing, wrong code deployed).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/awsclient"
	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
	"github.com/platformlab/s3-gateway-lab/internal/proof/verify"
)

func main() {
	exitcode.Main(func(ctx context.Context, args []string, stdout, stderr io.Writer) exitcode.Code {
		return run(ctx, args, os.Stdin, stdout, stderr)
	})
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "read the outputs of this stack through the Automation API (needs the Pulumi CLI)")
	outputsPath := fs.String("outputs", "", "read the outputs from this file of `pulumi stack output --json`, or - for stdin")
	root := fs.String("root", ".", "project directory, for -stack")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	endpointURL := fs.String("endpoint-url", "", "send every AWS call to this URL (an emulator)")
	useIMDS := fs.Bool("use-imds", false, "let the SDK take credentials from the EC2 instance metadata service")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long")
	retryFor := fs.Duration("retry-for", verify.DefaultRetryFor,
		"try the function's claims again for this long before calling one failed (policy changes take minutes to apply); 0 tries once")
	waitFlowLogs := fs.Bool("wait-flow-logs", false, fmt.Sprintf(
		"with flowLogs cloudwatch, wait up to %s after the probes for the flow log to record a REJECT of HTTPS "+
			"(and make the default -timeout %s)", verify.DefaultFlowLogWait, verify.DefaultFlowLogWait+10*time.Minute))
	if err := fs.Parse(args); err != nil {
		return exitcode.CouldNotRun
	}
	if *waitFlowLogs && !flagSet(fs, "timeout") {
		*timeout = verify.DefaultFlowLogWait + 10*time.Minute
	}
	if (*stack == "") == (*outputsPath == "") {
		fmt.Fprintln(stderr, "verify: give exactly one of -stack NAME or -outputs FILE|-")
		fs.Usage()
		return exitcode.CouldNotRun
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	raw, err := loadOutputs(ctx, *stack, *outputsPath, *root, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "verify: could not run:", err)
		return exitcode.CouldNotRun
	}
	outputs, err := verify.ParseOutputs(raw)
	if err != nil {
		fmt.Fprintln(stderr, "verify: could not run:", err)
		return exitcode.CouldNotRun
	}
	cfg, err := awsclient.Config(ctx, awsclient.Options{Region: outputs.Region, EndpointURL: *endpointURL, UseIMDS: *useIMDS})
	if err != nil {
		fmt.Fprintln(stderr, "verify: could not run:", err)
		return exitcode.CouldNotRun
	}
	fmt.Fprintf(stderr, "verify: checking the lab in %s (function %s, internet egress %s, S3 gateway endpoint %s)\n",
		outputs.Region, outputs.FunctionName, firstNonEmpty(outputs.InternetEgress, verify.EgressNone),
		firstNonEmpty(outputs.EndpointID, "none"))
	v := verify.NewClients(cfg).Verifier(outputs)
	v.Progress, v.RetryFor = stderr, *retryFor
	if *waitFlowLogs {
		v.FlowLogWait = verify.DefaultFlowLogWait
	}
	results := v.Run(ctx)
	if *asJSON {
		b, err := verify.JSON(results)
		if err != nil {
			fmt.Fprintln(stderr, "verify:", err)
			return exitcode.CouldNotRun
		}
		if _, err := stdout.Write(b); err != nil {
			return exitcode.CouldNotRun
		}
	} else {
		fmt.Fprint(stdout, verify.Table(results))
	}
	return verify.ExitCode(results)
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// loadOutputs reads the stack outputs from the Automation API or from JSON.
func loadOutputs(ctx context.Context, stack, path, root string, stdin io.Reader) (map[string]any, error) {
	if stack != "" {
		return pulumicli.Outputs(ctx, root, stack)
	}
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	var m map[string]any
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return nil, fmt.Errorf("read stack outputs (the JSON of `pulumi stack output --json`): %w", err)
	}
	return m, nil
}
