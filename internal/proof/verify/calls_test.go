package verify

import (
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/awsclient"
	"github.com/platformlab/s3-gateway-lab/internal/testing/awsfake"
	"github.com/platformlab/s3-gateway-lab/internal/testing/calltest"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// TestCallsOfTheVerifier logs every AWS call the verifier makes on a stack
// with every variant on, the flow log's records waited for, and keeps them
// in testdata/calls/verify.json, which the test of the CI roles' policies
// evaluates against each role whose jobs verify a stack.
func TestCallsOfTheVerifier(t *testing.T) {
	srv := awsfake.New(fullLab())
	defer srv.Close()
	o := fullOutputs()
	var calls awsclient.CallLog
	results, _ := runLogged(t, srv, o, &calls, waitFlowLogs)
	if code := ExitCode(results); code != exitcode.OK {
		t.Fatalf("the full stack does not pass (exit %d): the log would miss calls\n%s", code, Table(results))
	}
	names := map[string]string{
		o.BucketName: "{bucket}", o.FunctionName: "{function}", o.ProbeFunctionName: "{probeFunction}",
		o.RestrictedFunctionName: "{restrictedFunction}", "ap-lab-1": "{accessPoint}", o.FlowLogDestination: "{flowLogGroup}",
		"111122223333": calltest.Account,
	}
	placeholders := map[string]string{
		"{bucket}":             "the lab bucket (output bucketName)",
		"{function}":           "the lab function (functionName)",
		"{probeFunction}":      "the probe function (probeFunctionName)",
		"{restrictedFunction}": "the restricted tier's function (restrictedFunctionName)",
		"{accessPoint}":        "the access point's name (accessPointArn)",
		"{flowLogGroup}":       "the flow logs' log group (flowLogDestination)",
	}
	calltest.Check(t, repo.Root(t), "verify", "internal/proof/verify TestCallsOfTheVerifier: every variant, -wait-flow-logs, on the fake AWS endpoint",
		&calls, names, placeholders)
}
