package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/platformlab/s3-gateway-lab/internal/testing/awsfake"
	"github.com/platformlab/s3-gateway-lab/internal/testing/cmdtest"
	"github.com/platformlab/s3-gateway-lab/internal/testing/pulumitest"
	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// TestMain lets the scripts run the command as a process of its own: the
// exit code is what the daily workflow reads.
func TestMain(m *testing.M) { cmdtest.Main(m, "drift", main) }

const policy = `{"Version":"2012-10-17","Statement":[{"Sid":"AllowListLabBucket","Effect":"Allow","Principal":"*","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::b"]}]}`

// outputs are the dev stack's outputs the fake endpoint serves.
var outputs = map[string]any{
	"region": "us-east-1", "vpcId": "vpc-1", "routeTableIds": []string{"rtb-a"}, "endpointId": "vpce-1",
	"prefixListId": "pl-1", "endpointPolicy": policy, "functionName": "fn", "seedKeys": []string{"hello.txt"},
	"deniedProbeBucket": "deny", "crossRegionBucket": "", "crossRegion": "",
}

// igwByHand is the dev stack with an internet gateway attached in the
// console: the claim "no internet gateway" fails.
func igwByHand() awsfake.Lab {
	return awsfake.Lab{
		RouteTables: []awsfake.RouteTable{{ID: "rtb-a", VPCID: "vpc-1", Routes: []awsfake.Route{
			{DestinationCIDR: "10.42.0.0/16", GatewayID: "local", State: "active"},
			{DestinationPrefixList: "pl-1", GatewayID: "vpce-1", State: "active"}}}},
		InternetGateways: []string{"igw-by-hand"},
		Endpoint:         awsfake.Endpoint{ID: "vpce-1", Type: "Gateway", State: "available", Policy: policy, RouteTableIDs: []string{"rtb-a"}},
		Reports: map[string]contract.Report{
			"list":           {Action: "list", OK: true, Keys: []string{"hello.txt"}},
			"probe:internet": {Action: "probe", Probe: "internet", Error: &contract.ErrorReport{Kind: contract.KindUnreachable}},
		},
	}
}

// TestScripts runs testdata/script/*.txtar with ROOT the project of a
// file:// backend whose stack dev has outputs, and ENDPOINT a fake AWS
// endpoint serving igwByHand. The verifier is built next to the command,
// where the command looks for it by default (as in bin/ after go build -o
// bin/ ./cmd/verify ./cmd/drift). The state is Go setup, because `pulumi
// stack import` needs the CLI's checksum of its version
// (pulumitest.Backend.ImportState).
func TestScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not building the verifier")
	}
	b := pulumitest.NewBackend(t)
	root := pulumitest.Project(t, "s3-gateway-lab")
	b.MustRun(t, root, "stack", "init", "dev", "--non-interactive")
	b.ImportState(t, root, "s3-gateway-lab", "dev", outputs)
	srv := awsfake.New(igwByHand())
	t.Cleanup(srv.Close) // the scripts run after TestScripts returns (t.Parallel)

	self, err := exec.LookPath("drift")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	verifyBin := filepath.Join(filepath.Dir(self), "verify")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", verifyBin, "../verify").CombinedOutput(); err != nil {
		t.Fatalf("build the verifier: %v\n%s", err, out)
	}
	testscript.Run(t, cmdtest.Params("drift", cmdtest.Pulumi(t, b), func(e *testscript.Env) error {
		e.Setenv("ROOT", root)
		e.Setenv("ENDPOINT", srv.URL)
		return nil
	}))
}
