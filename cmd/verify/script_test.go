package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/platformlab/s3-gateway-lab/internal/testing/awsfake"
	"github.com/platformlab/s3-gateway-lab/internal/testing/cmdtest"
	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// TestMain lets the scripts run the command as a process of its own: the
// workflows and the README tell "a claim failed" (1) from "could not run"
// (2) and "incomplete" (3) by its exit code, which only a process shows
// (`go run` reports every non-zero exit as its own exit status 1).
func TestMain(m *testing.M) { cmdtest.Main(m, "verify", main) }

// labs are the fake AWS endpoints a script starts with awsfake NAME.
var labs = map[string]func() awsfake.Lab{
	"lab": fakeLab,
	"igw": func() awsfake.Lab {
		lab := fakeLab()
		lab.InternetGateways = []string{"igw-1"}
		return lab
	},
	"function-fails": func() awsfake.Lab {
		lab := fakeLab()
		lab.FunctionError = "exit status 2"
		return lab
	},
	// A refusal whose message names no policy: the endpoint policy is not
	// proved, and nothing failed.
	"unnamed-refusal": func() awsfake.Lab {
		lab := fakeLab()
		lab.Reports["probe:denied-bucket"] = contract.Report{Action: "probe", Probe: "denied-bucket",
			Error: &contract.ErrorReport{Kind: contract.KindAccessDenied, Code: "AccessDenied", AWSMessage: "Access Denied"}}
		return lab
	},
}

type serverKey struct{}

// TestScripts runs testdata/script/*.txtar. A script has full.json, the
// stack's complete outputs (stackOutputs), and the commands
//
//	awsfake LAB        serve LAB (labs) as AWS at $ENDPOINT
//	calls ACTION N     the fake endpoint was called N times for ACTION
func TestScripts(t *testing.T) {
	full, err := json.Marshal(stackOutputs)
	if err != nil {
		t.Fatal(err)
	}
	p := cmdtest.Params("verify", func(e *testscript.Env) error {
		e.Values[serverKey{}] = new(*awsfake.Server)
		return os.WriteFile(filepath.Join(e.WorkDir, "full.json"), full, 0o644)
	})
	p.Cmds["awsfake"] = func(ts *testscript.TestScript, neg bool, args []string) {
		lab, ok := labs[args[0]]
		if neg || len(args) != 1 || !ok {
			ts.Fatalf("usage: awsfake LAB (one of lab, igw, function-fails, unnamed-refusal)")
		}
		srv := awsfake.New(lab())
		ts.Defer(srv.Close)
		*ts.Value(serverKey{}).(**awsfake.Server) = srv
		ts.Setenv("ENDPOINT", srv.URL)
	}
	p.Cmds["calls"] = func(ts *testscript.TestScript, neg bool, args []string) {
		srv := *ts.Value(serverKey{}).(**awsfake.Server)
		if neg || len(args) != 2 || srv == nil {
			ts.Fatalf("usage: calls ACTION N, after awsfake")
		}
		if got := strconv.Itoa(srv.Calls(args[0])); got != args[1] {
			ts.Fatalf("%s calls: got %s, want %s", args[0], got, args[1])
		}
	}
	testscript.Run(t, p)
}
