package main

// These tests build the command and run the binary, because the exit code is
// its interface: the workflows and the README tell "a claim failed" (1) from
// "could not run" (2) and "incomplete" (3) by it. run() returning the right
// number is not enough: `go run` reports every non-zero exit of the program
// as its own exit status 1 (printing "exit status 2"), so only a built binary
// shows what a caller sees, and the workflows run ./bin/verify for that reason.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/testing/awsfake"
	"github.com/platformlab/s3-gateway-lab/internal/testing/cmdtest"
	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// awsEnv returns the test process's environment without any AWS setting, the
// shared config and credentials files pointing at a file that does not exist
// and the instance metadata service off, plus extra (KEY=value): the binary
// sees only the credentials a case gives it. A variable in extra replaces
// the test process's one (exec.Cmd uses the last value of a duplicate key).
func awsEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	none := filepath.Join(t.TempDir(), "none")
	env = append(env, "AWS_CONFIG_FILE="+none, "AWS_SHARED_CREDENTIALS_FILE="+none, "AWS_EC2_METADATA_DISABLED=true")
	return append(env, extra...)
}

// TestBinaryExitCodes runs the built command for each documented exit code.
func TestBinaryExitCodes(t *testing.T) {
	bin := cmdtest.Build(t, "verify")
	credentials := []string{"AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=secret"}
	full, err := json.Marshal(stackOutputs)
	if err != nil {
		t.Fatal(err)
	}
	withIGW := fakeLab()
	withIGW.InternetGateways = []string{"igw-1"}
	functionFails := fakeLab()
	functionFails.FunctionError = "exit status 2"
	// A refusal whose message names no policy: the endpoint policy is not
	// proved, and nothing failed.
	unnamedRefusal := fakeLab()
	unnamedRefusal.Reports["probe:denied-bucket"] = contract.Report{Action: "probe", Probe: "denied-bucket",
		Error: &contract.ErrorReport{Kind: contract.KindAccessDenied, Code: "AccessDenied", AWSMessage: "Access Denied"}}

	tests := []struct {
		name string
		// lab, when set, is served by a fake AWS endpoint given to the
		// command as -endpoint-url.
		lab *awsfake.Lab
		env []string
		// args; FULL and PARTIAL become files of complete and of partial
		// stack outputs.
		args     []string
		stdin    string
		wantCode exitcode.Code
		wantOut  string
		wantErr  string
	}{
		{name: "every check passes, outputs on stdin", lab: new(fakeLab()), env: credentials,
			args: []string{"-outputs", "-"}, stdin: string(full),
			wantCode: exitcode.OK, wantOut: "12 passed, 0 failed, 0 inconclusive, 0 errors, 18 skipped"},
		{name: "a claim fails", lab: &withIGW, env: credentials, args: []string{"-outputs", "FULL"},
			wantCode: exitcode.ClaimFailed, wantOut: "1 failed"},
		// Lambda answers every invocation with a function error. (An EC2
		// action failing with 500s would show the same code, but only after
		// the SDK's five attempts with up to 20 s of backoff each: the
		// command has no flag to bound them, and AWS_MAX_ATTEMPTS does not
		// apply to the retryer verify.NewClients sets.)
		{name: "the function keeps failing", lab: &functionFails, env: credentials, args: []string{"-outputs", "FULL"},
			wantCode: exitcode.Incomplete, wantOut: "function error Unhandled"},
		{name: "a claim is inconclusive", lab: &unnamedRefusal, env: credentials, args: []string{"-outputs", "FULL", "-retry-for", "0s"},
			wantCode: exitcode.Incomplete, wantOut: "1 inconclusive"},
		{name: "neither -stack nor -outputs", env: credentials,
			wantCode: exitcode.CouldNotRun, wantErr: "give exactly one of -stack NAME or -outputs"},
		{name: "no Pulumi CLI for -stack", env: append([]string{"PATH=" + t.TempDir()}, credentials...),
			args: []string{"-stack", "dev"}, wantCode: exitcode.CouldNotRun, wantErr: "the Pulumi CLI is not installed"},
		{name: "missing outputs", env: credentials, args: []string{"-outputs", "PARTIAL"},
			wantCode: exitcode.CouldNotRun, wantErr: "stack outputs missing: routeTableIds"},
		{name: "no AWS credentials", lab: new(fakeLab()), args: []string{"-outputs", "FULL"},
			wantCode: exitcode.CouldNotRun, wantErr: "no AWS credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args []string
			for _, a := range tt.args {
				switch a {
				case "FULL":
					a = writeOutputs(t, stackOutputs)
				case "PARTIAL":
					a = writeOutputs(t, map[string]any{"region": "us-east-1", "vpcId": "vpc-1"})
				}
				args = append(args, a)
			}
			var srv *awsfake.Server
			if tt.lab != nil {
				srv = awsfake.New(*tt.lab)
				defer srv.Close()
				args = append(args, "-endpoint-url", srv.URL)
			}
			cmdtest.Expect(t, bin, awsEnv(t, tt.env...), tt.stdin, args, int(tt.wantCode), tt.wantOut, tt.wantErr)
			if srv != nil && tt.wantCode == exitcode.CouldNotRun {
				for _, action := range []string{"DescribeRouteTables", "Invoke"} {
					if n := srv.Calls(action); n != 0 {
						t.Errorf("%s calls: got %d, want 0 (nothing is sent when the command cannot run)", action, n)
					}
				}
			}
		})
	}
}
