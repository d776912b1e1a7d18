package main

// These tests build the command and the verifier and run the binary with the
// real Pulumi CLI (tools/bin/pulumi) on a file:// backend: the exit code is
// what the daily workflow reads. The verifier reads the stack's outputs
// through the real CLI (-stack) and checks them against a fake AWS endpoint
// (internal/testing/awsfake). The real engine cannot preview the lab's program here
// (no Go language host or AWS provider plugin), so the drifted cases use a
// stand-in for `pulumi preview` alone, as internal/ops/drift's tests do.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/testing/awsfake"
	"github.com/platformlab/s3-gateway-lab/internal/testing/cmdtest"
	"github.com/platformlab/s3-gateway-lab/internal/testing/pulumitest"
	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

const fakePulumiDrifted = `#!/bin/sh
if [ "$1" = preview ]; then
  echo "  ~ aws:ec2/routeTable:RouteTable lab-rt-0 update [diff: ~routes]"
  echo "error: no changes were expected but changes were proposed"
  exit 255
fi
exec "$REAL_PULUMI" "$@"
`

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

func TestBinaryExitCodes(t *testing.T) {
	b := pulumitest.NewBackend(t)
	bin := cmdtest.Build(t, "drift")
	verifyBin := filepath.Join(filepath.Dir(bin), "verify")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", verifyBin, "../verify").CombinedOutput(); err != nil {
		t.Fatalf("build the verifier: %v\n%s", err, out)
	}
	root := pulumitest.Project(t, "s3-gateway-lab")
	b.MustRun(t, root, "stack", "init", "dev", "--non-interactive")
	b.ImportState(t, root, "s3-gateway-lab", "dev", outputs)
	srv := awsfake.New(igwByHand())
	defer srv.Close()

	fakeDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(fakeDir, "pulumi"), []byte(fakePulumiDrifted), 0o755); err != nil {
		t.Fatal(err)
	}
	none := filepath.Join(t.TempDir(), "none")
	noCredentials := []string{"AWS_CONFIG_FILE=" + none, "AWS_SHARED_CREDENTIALS_FILE=" + none, "AWS_EC2_METADATA_DISABLED=true"}
	credentials := append([]string{"AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=secret"}, noCredentials...)
	realCLI := "PATH=" + filepath.Dir(b.Bin) + ":/usr/bin:/bin"
	standIn := []string{"PATH=" + fakeDir + ":/usr/bin:/bin", "REAL_PULUMI=" + b.Bin}
	toFake := []string{"-root", root, "-verify-arg", "-retry-for=0", "-verify-arg", "-endpoint-url=" + srv.URL}

	tests := []struct {
		name     string
		env      []string
		args     []string
		wantCode exitcode.Code
		wantOut  string
		wantErr  string
	}{
		{name: "a claim fails; the preview cannot run the program here", env: append([]string{realCLI}, credentials...),
			args: toFake, wantCode: exitcode.ClaimFailed, wantOut: "igw-by-hand"},
		{name: "drifted and a claim fails", env: append(standIn, credentials...),
			args: toFake, wantCode: exitcode.DriftedAndFailed, wantOut: "exit code 5: resources changed outside Pulumi and a claim"},
		{name: "drifted, the verifier has no credentials", env: append(standIn, noCredentials...),
			args: toFake, wantCode: exitcode.Drifted, wantOut: "no AWS credentials"},
		{name: "neither check can tell", env: append([]string{realCLI}, noCredentials...),
			args: toFake, wantCode: exitcode.CouldNotRun, wantOut: "no language plugin 'pulumi-language-go'"},
		{name: "no Pulumi CLI", env: []string{"PATH=" + t.TempDir()}, args: []string{"-root", root},
			wantCode: exitcode.CouldNotRun, wantErr: "the Pulumi CLI is not installed"},
		{name: "no verifier", env: []string{realCLI}, args: []string{"-root", root, "-verify", filepath.Join(t.TempDir(), "verify")},
			wantCode: exitcode.CouldNotRun, wantErr: "no verifier at"},
		{name: "an argument", env: []string{realCLI}, args: []string{"-root", root, "dev"},
			wantCode: exitcode.CouldNotRun, wantErr: "give the stack with -stack NAME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmdtest.Expect(t, bin, b.Env(tt.env...), "", tt.args, int(tt.wantCode), tt.wantOut, tt.wantErr)
		})
	}
}
