package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/proof/verify"
	"github.com/platformlab/s3-gateway-lab/internal/testing/awsfake"
	"github.com/platformlab/s3-gateway-lab/internal/testing/jsonfile"
	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

const policy = `{"Version":"2012-10-17","Statement":[{"Sid":"AllowListLabBucket","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:role/r"]},"Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::b"]}]}`

var stackOutputs = map[string]any{
	"region": "us-east-1", "vpcId": "vpc-1", "routeTableIds": []string{"rtb-a"}, "endpointId": "vpce-1",
	"prefixListId": "pl-1", "endpointPolicy": policy, "functionName": "fn", "seedKeys": []string{"hello.txt"},
	"deniedProbeBucket": "deny", "crossRegionBucket": "", "crossRegion": "", "securityGroupId": "sg-fn",
	"invokeCommand": "aws lambda invoke ...",
}

func fakeLab() awsfake.Lab {
	unreachable := &contract.ErrorReport{Kind: contract.KindUnreachable}
	return awsfake.Lab{
		RouteTables: []awsfake.RouteTable{{ID: "rtb-a", VPCID: "vpc-1", Routes: []awsfake.Route{
			{DestinationCIDR: "10.42.0.0/16", GatewayID: "local", State: "active"},
			{DestinationPrefixList: "pl-1", GatewayID: "vpce-1", State: "active"}}}},
		Endpoint: awsfake.Endpoint{ID: "vpce-1", Type: "Gateway", State: "available", Policy: policy, RouteTableIDs: []string{"rtb-a"}},
		Reports: map[string]contract.Report{
			"list":           {Action: "list", OK: true, Keys: []string{"hello.txt"}},
			"probe:internet": {Action: "probe", Probe: "internet", Error: unreachable},
			"probe:denied-bucket": {Action: "probe", Probe: "denied-bucket", Error: &contract.ErrorReport{Kind: contract.KindAccessDenied,
				Code: "AccessDenied", AWSMessage: `User: arn:aws:sts::1:assumed-role/r/fn is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::deny" because no VPC endpoint policy allows the s3:ListBucket action`,
				Denial: &contract.Denial{PolicyType: contract.PolicyVPCEndpoint}}},
			"probe:refused-egress": {Action: "probe", Probe: "refused-egress", Addresses: []string{"3.220.57.224"}, Error: unreachable},
		},
		NetworkInterfaces: []awsfake.NetworkInterface{{ID: "eni-1", GroupIDs: []string{"sg-fn"}}},
		PrefixLists:       map[string]string{"com.amazonaws.us-east-1.s3": "pl-1", "com.amazonaws.us-east-1.dynamodb": "pl-2"},
		PrefixListEntries: map[string][]string{"pl-1": {"3.5.0.0/19", "52.216.0.0/15"}},
		SecurityGroupRules: []awsfake.SecurityGroupRule{
			{ID: "sgr-1", GroupID: "sg-fn", Egress: true, Protocol: "tcp", FromPort: 443, ToPort: 443, PrefixListID: "pl-1"}},
	}
}

func writeOutputs(t *testing.T, m map[string]any) string {
	t.Helper()
	return jsonfile.Write(t, "outputs.json", m)
}

func withCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}

func runCmd(t *testing.T, stdin string, args ...string) (exitcode.Code, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestVerifyPassingStackFromStdin(t *testing.T) {
	withCredentials(t)
	srv := awsfake.New(fakeLab())
	defer srv.Close()
	b, err := json.Marshal(stackOutputs)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, string(b), "-outputs", "-", "-endpoint-url", srv.URL)
	if code != exitcode.OK {
		t.Fatalf("exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "12 passed, 0 failed, 0 inconclusive, 0 errors, 18 skipped") {
		t.Errorf("table summary missing:\n%s", out)
	}
	if !strings.Contains(errOut, "… route tables") {
		t.Errorf("no progress on stderr:\n%s", errOut)
	}
}

func TestVerifyJSON(t *testing.T) {
	withCredentials(t)
	lab := fakeLab()
	lab.InternetGateways = []string{"igw-1"}
	srv := awsfake.New(lab)
	defer srv.Close()
	code, out, _ := runCmd(t, "", "-outputs", writeOutputs(t, stackOutputs), "-endpoint-url", srv.URL, "-json")
	if code != exitcode.ClaimFailed {
		t.Errorf("exit code %d, want %d", code, exitcode.ClaimFailed)
	}
	var results []verify.Result
	if err := json.Unmarshal([]byte(out), &results); err != nil {
		t.Fatalf("-json output is not a list of results: %v\n%s", err, out)
	}
	failed := 0
	for _, r := range results {
		if r.Status == verify.Fail {
			failed++
			if r.Check != "no internet gateway attached to vpc-1" || r.Observed != "igw-1" {
				t.Errorf("unexpected failure %+v", r)
			}
		}
	}
	if failed != 1 {
		t.Errorf("got %d failures, want 1", failed)
	}
}

func TestVerifyCouldNotRun(t *testing.T) {
	partial := map[string]any{"region": "us-east-1", "vpcId": "vpc-1"}
	tests := []struct {
		name    string
		setup   func(t *testing.T)
		args    []string
		wantErr string
	}{
		{name: "no flags", args: nil, wantErr: "give exactly one of -stack NAME or -outputs"},
		{name: "both sources", args: []string{"-stack", "dev", "-outputs", "-"}, wantErr: "exactly one"},
		{name: "no pulumi CLI", setup: func(t *testing.T) { t.Setenv("PATH", t.TempDir()) },
			args: []string{"-stack", "dev"}, wantErr: "the Pulumi CLI is not installed"},
		{name: "missing outputs", setup: withCredentials,
			args: []string{"-outputs", "PARTIAL"}, wantErr: "stack outputs missing: routeTableIds"},
		{name: "not JSON", args: []string{"-outputs", "-"}, wantErr: "read stack outputs"},
		{name: "no credentials", setup: func(t *testing.T) { awsfake.WithoutCredentials(t) },
			args: []string{"-outputs", "FULL"}, wantErr: "no AWS credentials"},
		{name: "unknown flag", args: []string{"-nope"}, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup(t)
			}
			args := append([]string(nil), tt.args...)
			for i, a := range args {
				switch a {
				case "PARTIAL":
					args[i] = writeOutputs(t, partial)
				case "FULL":
					args[i] = writeOutputs(t, stackOutputs)
				}
			}
			code, _, errOut := runCmd(t, "this is not json", args...)
			if code != exitcode.CouldNotRun {
				t.Errorf("exit code %d, want %d", code, exitcode.CouldNotRun)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", errOut, tt.wantErr)
			}
		})
	}
}

// TestVerifyWaitFlowLogs: with flowLogs cloudwatch, -wait-flow-logs reads the
// flow log for a REJECT of HTTPS; without the flag the row is skipped.
func TestVerifyWaitFlowLogs(t *testing.T) {
	withCredentials(t)
	const group = "/aws/vpc-flow-logs/lab-1"
	lab := fakeLab()
	lab.FlowLogs = []awsfake.FlowLog{{ID: "fl-1", ResourceID: "vpc-1", Status: "ACTIVE", DeliverLogsStatus: "SUCCESS", LogGroupName: group}}
	lab.LogEvents = map[string][]string{group: {"2 1 eni-1 10.42.0.10 3.220.57.224 40312 443 6 1 60 1763900000 1763900060 REJECT OK"}}
	srv := awsfake.New(lab)
	defer srv.Close()
	m := map[string]any{}
	for k, v := range stackOutputs {
		m[k] = v
	}
	m["flowLogs"], m["flowLogId"], m["flowLogDestination"], m["securityGroupId"] = "cloudwatch", "fl-1", group, "sg-fn"
	path := writeOutputs(t, m)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "SKIP"},
		{[]string{"-wait-flow-logs"}, "PASS"},
	} {
		args := append([]string{"-outputs", path, "-endpoint-url", srv.URL, "-json"}, tt.args...)
		code, out, errOut := runCmd(t, "", args...)
		if code != exitcode.OK {
			t.Errorf("%v: exit code %d, want 0\n%s\n%s", tt.args, code, out, errOut)
		}
		var results []verify.Result
		if err := json.Unmarshal([]byte(out), &results); err != nil {
			t.Fatalf("-json output: %v\n%s", err, out)
		}
		found := false
		for _, r := range results {
			if r.Check == "flow log records the lab function's security group refusing HTTPS to the internet" {
				found = true
				if string(r.Status) != tt.want {
					t.Errorf("%v: flow log records: got %s (%s), want %s", tt.args, r.Status, r.Observed, tt.want)
				}
			}
		}
		if !found {
			t.Errorf("%v: no flow log records row", tt.args)
		}
	}
}
