package verify

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/awsclient"
	"github.com/platformlab/s3-gateway-lab/internal/testing/awsfake"
	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

const declaredPolicy = `{"Version":"2012-10-17","Statement":[` +
	`{"Sid":"AllowListLabBucket","Effect":"Allow","Principal":"*","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::lab-bucket-1"],` +
	`"Condition":{"ArnEquals":{"aws:PrincipalArn":["arn:aws:iam::111122223333:role/lab-fn-role"]}}},` +
	`{"Sid":"AllowReadLabObjects","Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::lab-bucket-1/*"],` +
	`"Condition":{"ArnEquals":{"aws:PrincipalArn":["arn:aws:iam::111122223333:role/lab-fn-role"]}}}]}`

// deployedPolicy is declaredPolicy as AWS may hand it back: reformatted,
// keys reordered, single-element lists collapsed.
const deployedPolicy = `{
  "Statement": [
    {"Action": "s3:ListBucket", "Effect": "Allow", "Principal": "*",
     "Resource": "arn:aws:s3:::lab-bucket-1", "Sid": "AllowListLabBucket",
     "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/lab-fn-role"}}},
    {"Sid": "AllowReadLabObjects", "Effect": "Allow", "Principal": "*",
     "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::lab-bucket-1/*"],
     "Condition": {"ArnEquals": {"aws:PrincipalArn": ["arn:aws:iam::111122223333:role/lab-fn-role"]}}}
  ],
  "Version": "2012-10-17"
}`

var seeds = []string{"data/sample.json", "hello.txt", "reports/README.md"}

// Access-denied messages in the form AWS documents (S3 User Guide,
// "Troubleshoot access denied (403 Forbidden) errors", access denied message
// examples), for the lab's refusals.
const (
	endpointRefusal = `User: arn:aws:sts::111122223333:assumed-role/lab-fn-role/lab-fn-1 is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::lab-deny-1" because no VPC endpoint policy allows the s3:ListBucket action`
	identityRefusal = `User: arn:aws:sts::111122223333:assumed-role/lab-fn-role/lab-fn-1 is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::lab-deny-1" because no identity-based policy allows the s3:ListBucket action`
	bucketRefusal   = `User: arn:aws:sts::111122223333:assumed-role/lab-fn-role/lab-fn-1 is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::lab-bucket-1" with an explicit deny in a resource-based policy`
)

// refused is a report of probe refused with AWS's message, and the policy
// the handler reads from it (denial.Parse).
func refused(action, probe, target, message string, d *contract.Denial) contract.Report {
	return contract.Report{Action: action, Probe: probe, Target: target, ElapsedMS: 80,
		Error: &contract.ErrorReport{Kind: contract.KindAccessDenied, Message: "list objects: " + message,
			Code: "AccessDenied", AWSMessage: message, Denial: d}}
}

var (
	endpointDenial = &contract.Denial{PolicyType: contract.PolicyVPCEndpoint}
	identityDenial = &contract.Denial{PolicyType: contract.PolicyIdentityBased}
	bucketDenial   = &contract.Denial{PolicyType: contract.PolicyResourceBased, Explicit: true}
)

func outputs() Outputs {
	return Outputs{
		Region: "us-east-1", VPCID: "vpc-1", RouteTableIDs: []string{"rtb-a", "rtb-b"}, EndpointID: "vpce-1",
		PrefixListID: "pl-63a5400a", EndpointPolicy: declaredPolicy, FunctionName: "lab-fn-1", SeedKeys: seeds,
		DeniedProbeBucket: "lab-deny-1", SecurityGroupID: "sg-fn",
	}
}

// labSGRules are the lab function's security group's egress rules: HTTPS to
// S3's and DynamoDB's prefix lists.
func labSGRules() []awsfake.SecurityGroupRule {
	return []awsfake.SecurityGroupRule{
		{ID: "sgr-s3", GroupID: "sg-fn", Egress: true, Protocol: "tcp", FromPort: 443, ToPort: 443, PrefixListID: "pl-63a5400a"},
		{ID: "sgr-ddb", GroupID: "sg-fn", Egress: true, Protocol: "tcp", FromPort: 443, ToPort: 443, PrefixListID: "pl-02cd2c6b"},
		// The probe function's group is open; it is not the lab function's.
		{ID: "sgr-probe", GroupID: "sg-probe", Egress: true, Protocol: "tcp", FromPort: 443, ToPort: 443, CIDR: "0.0.0.0/0"},
	}
}

// prefixListEntries are entries of us-east-1's S3 and DynamoDB prefix
// lists, as GetManagedPrefixListEntries answers them.
func prefixListEntries() map[string][]string {
	return map[string][]string{
		"pl-63a5400a": {"3.5.0.0/19", "16.182.0.0/16", "18.34.0.0/19", "52.216.0.0/15", "54.231.0.0/16"},
		"pl-02cd2c6b": {"3.218.176.0/21", "35.71.64.0/22", "52.94.0.0/22", "52.119.224.0/20"},
	}
}

func privateTable(id string) awsfake.RouteTable {
	return awsfake.RouteTable{ID: id, VPCID: "vpc-1", Routes: []awsfake.Route{
		{DestinationCIDR: "10.42.0.0/16", GatewayID: "local", State: "active"},
		{DestinationPrefixList: "pl-63a5400a", GatewayID: "vpce-1", State: "active"},
	}}
}

// passingLab is a deployed lab whose every claim holds.
func passingLab() awsfake.Lab {
	return awsfake.Lab{
		RouteTables: []awsfake.RouteTable{privateTable("rtb-a"), privateTable("rtb-b")},
		Endpoint: awsfake.Endpoint{ID: "vpce-1", VPCID: "vpc-1", Type: "Gateway", State: "available",
			ServiceName: "com.amazonaws.us-east-1.s3", Policy: deployedPolicy, RouteTableIDs: []string{"rtb-b", "rtb-a"}},
		PrefixLists:        map[string]string{"com.amazonaws.us-east-1.s3": "pl-63a5400a", "com.amazonaws.us-east-1.dynamodb": "pl-02cd2c6b"},
		PrefixListEntries:  prefixListEntries(),
		SecurityGroupRules: labSGRules(),
		Reports: map[string]contract.Report{
			"list": {Action: "list", OK: true, Bucket: "lab-bucket-1", Keys: []string{"hello.txt", "data/sample.json", "reports/README.md"},
				KeyCount: 3, ElapsedMS: 120},
			"probe:internet": {Action: "probe", Probe: "internet", Target: "https://checkip.amazonaws.com/",
				Error: &contract.ErrorReport{Kind: contract.KindUnreachable, Message: "dial tcp: i/o timeout"}, ElapsedMS: 2001},
			"probe:denied-bucket": refused("probe", "denied-bucket", "lab-deny-1", endpointRefusal, endpointDenial),
			"probe:refused-egress": {Action: "probe", Probe: "refused-egress", Target: "checkip.amazonaws.com:443",
				Addresses: []string{"3.220.57.224", "52.6.9.148"},
				Error:     &contract.ErrorReport{Kind: contract.KindUnreachable, Message: "dial tcp: i/o timeout"}, ElapsedMS: 2001},
			"probe:cross-region": {Action: "probe", Probe: "cross-region", Target: "lab-xr-1",
				Error: &contract.ErrorReport{Kind: contract.KindUnreachable, Message: "dial tcp: i/o timeout"}, ElapsedMS: 2002},
		},
	}
}

// run verifies a fake lab and returns the results keyed by check name.
func run(t *testing.T, srv *awsfake.Server, o Outputs, opts ...func(*Verifier)) ([]Result, map[string]Result) {
	t.Helper()
	return runLogged(t, srv, o, nil, opts...)
}

// serveBroken serves lab, changed by breakLab, until t ends.
func serveBroken(t *testing.T, lab awsfake.Lab, breakLab func(*awsfake.Lab)) *awsfake.Server {
	t.Helper()
	breakLab(&lab)
	srv := awsfake.New(lab)
	t.Cleanup(srv.Close)
	return srv
}

// expectStatuses fails t for each check of names that byCheck lacks or whose
// status is not want(check).
func expectStatuses(t *testing.T, byCheck map[string]Result, names []string, want func(check string) Status) {
	t.Helper()
	for _, c := range names {
		r, ok := byCheck[c]
		if !ok {
			t.Errorf("no check %q", c)
			continue
		}
		if w := want(c); r.Status != w {
			t.Errorf("%s: got %s (%s), want %s", c, r.Status, r.Observed, w)
		}
	}
}

// expectFail stops t unless byCheck holds check, and fails it unless that
// check FAILed observing observed.
func expectFail(t *testing.T, results []Result, byCheck map[string]Result, check, observed string) {
	t.Helper()
	r, ok := byCheck[check]
	if !ok {
		t.Fatalf("no check %q:\n%s", check, Table(results))
	}
	if r.Status != Fail || !strings.Contains(r.Observed, observed) {
		t.Errorf("%s: got %s observed %q, want FAIL observing %q", check, r.Status, r.Observed, observed)
	}
}

// runLogged is run with every AWS call logged in calls.
func runLogged(t *testing.T, srv *awsfake.Server, o Outputs, calls *awsclient.CallLog, opts ...func(*Verifier)) ([]Result, map[string]Result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := awsclient.Config(ctx, awsclient.Options{
		Region: o.Region, EndpointURL: srv.URL, MaxAttempts: 3, MaxBackoff: 5 * time.Millisecond,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient:  srv.HTTPClient(), Calls: calls,
	})
	if err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	v := NewClients(cfg).Verifier(o)
	v.Progress = &progress
	for _, opt := range opts {
		opt(v)
	}
	results := v.Run(ctx)
	if !strings.Contains(progress.String(), "… route tables") || !strings.Contains(progress.String(), "PASS") && ExitCode(results) == exitcode.OK {
		t.Errorf("progress output does not show the checks: %q", progress.String())
	}
	byCheck := map[string]Result{}
	for _, r := range results {
		byCheck[r.Check] = r
	}
	return results, byCheck
}

func TestPassingLab(t *testing.T) {
	srv := awsfake.New(passingLab())
	defer srv.Close()
	results, byCheck := run(t, srv, outputs())
	wantChecks := []string{
		"route table rtb-a: S3 prefix-list route", "route table rtb-a: no default route",
		"route table rtb-b: S3 prefix-list route", "route table rtb-b: no default route",
		"no internet gateway attached to vpc-1", "no NAT gateway in vpc-1",
		"endpoint vpce-1: state", "endpoint vpce-1: type", "endpoint vpce-1: route tables", "endpoint vpce-1: policy",
		"function lab-fn-1 lists the seeded keys",
		"function lab-fn-1: a bucket the endpoint policy does not allow is refused by it",
		"function lab-fn-1: its security group refuses HTTPS to the internet",
		"private subnets cannot reach the internet",
		"the bucket in another region is unreachable",
	}
	for _, r := range results {
		// Every other row is a variant the dev lab does not deploy.
		if !slices.Contains(wantChecks, r.Check) && r.Status != Skip {
			t.Errorf("%s: got %s (%s), want SKIP (not deployed)", r.Check, r.Status, r.Observed)
		}
	}
	expectStatuses(t, byCheck, wantChecks, func(c string) Status {
		if c == "the bucket in another region is unreachable" {
			return Skip // crossRegion is empty in these outputs
		}
		return Pass
	})
	if code := ExitCode(results); code != exitcode.OK {
		t.Errorf("exit code: got %d, want %d\n%s", code, exitcode.OK, Table(results))
	}
	table := Table(results)
	for _, want := range []string{"CHECK", "EXPECTED", "OBSERVED", "RESULT", "TIME", "14 passed, 0 failed, 0 inconclusive, 0 errors, 18 skipped"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

func TestPassingLabWithCrossRegion(t *testing.T) {
	srv := awsfake.New(passingLab())
	defer srv.Close()
	o := outputs()
	o.CrossRegionBucket, o.CrossRegion = "lab-xr-1", "eu-west-1"
	results, byCheck := run(t, srv, o)
	if r := byCheck["the bucket in another region is unreachable"]; r.Status != Pass {
		t.Errorf("cross-region check: got %s (%s), want PASS", r.Status, r.Observed)
	}
	if code := ExitCode(results); code != exitcode.OK {
		t.Errorf("exit code: got %d, want 0\n%s", code, Table(results))
	}
}

// TestFailingClaims breaks one claim at a time and expects exactly that
// check to fail.
func TestFailingClaims(t *testing.T) {
	tests := []struct {
		name     string
		breakLab func(*awsfake.Lab)
		outputs  func(*Outputs)
		check    string
		observed string
	}{
		{name: "no prefix-list route", check: "route table rtb-a: S3 prefix-list route", observed: "none",
			breakLab: func(l *awsfake.Lab) { l.RouteTables[0].Routes = l.RouteTables[0].Routes[:1] }},
		{name: "prefix-list route to another endpoint", check: "route table rtb-b: S3 prefix-list route", observed: "vpce-other",
			breakLab: func(l *awsfake.Lab) { l.RouteTables[1].Routes[1].GatewayID = "vpce-other" }},
		{name: "blackholed prefix-list route", check: "route table rtb-a: S3 prefix-list route", observed: "blackhole",
			breakLab: func(l *awsfake.Lab) { l.RouteTables[0].Routes[1].State = "blackhole" }},
		{name: "default route to an internet gateway", check: "route table rtb-a: no default route", observed: "0.0.0.0/0 -> igw-1",
			breakLab: func(l *awsfake.Lab) {
				l.RouteTables[0].Routes = append(l.RouteTables[0].Routes, awsfake.Route{DestinationCIDR: "0.0.0.0/0", GatewayID: "igw-1", State: "active"})
			}},
		{name: "default route to a NAT gateway", check: "route table rtb-b: no default route", observed: "0.0.0.0/0 -> nat-1",
			breakLab: func(l *awsfake.Lab) {
				l.RouteTables[1].Routes = append(l.RouteTables[1].Routes, awsfake.Route{DestinationCIDR: "0.0.0.0/0", NatGatewayID: "nat-1", State: "active"})
			}},
		{name: "route table gone", check: "route table rtb-b: S3 prefix-list route", observed: "not found",
			breakLab: func(l *awsfake.Lab) { l.RouteTables = l.RouteTables[:1] }},
		{name: "internet gateway attached", check: "no internet gateway attached to vpc-1", observed: "igw-1",
			breakLab: func(l *awsfake.Lab) { l.InternetGateways = []string{"igw-1"} }},
		{name: "NAT gateway", check: "no NAT gateway in vpc-1", observed: "nat-1",
			breakLab: func(l *awsfake.Lab) { l.NatGateways = []awsfake.NatGateway{{ID: "nat-1"}} }},
		{name: "endpoint pending", check: "endpoint vpce-1: state", observed: "pending",
			breakLab: func(l *awsfake.Lab) { l.Endpoint.State = "pending" }},
		{name: "endpoint gone", check: "endpoint vpce-1: state", observed: "not found (InvalidVpcEndpointId.NotFound)",
			breakLab: func(l *awsfake.Lab) { l.Endpoint.ID = "vpce-other" }},
		{name: "interface endpoint", check: "endpoint vpce-1: type", observed: "Interface",
			breakLab: func(l *awsfake.Lab) { l.Endpoint.Type = "Interface" }},
		{name: "endpoint on another route table", check: "endpoint vpce-1: route tables", observed: "rtb-a, rtb-b, rtb-main",
			breakLab: func(l *awsfake.Lab) { l.Endpoint.RouteTableIDs = append(l.Endpoint.RouteTableIDs, "rtb-main") }},
		{name: "endpoint missing a route table", check: "endpoint vpce-1: route tables", observed: "rtb-a",
			breakLab: func(l *awsfake.Lab) { l.Endpoint.RouteTableIDs = []string{"rtb-a"} }},
		{name: "endpoint policy full access", check: "endpoint vpce-1: policy", observed: "differs",
			breakLab: func(l *awsfake.Lab) {
				l.Endpoint.Policy = `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`
			}},
		{name: "endpoint without policy", check: "endpoint vpce-1: policy", observed: "no policy",
			breakLab: func(l *awsfake.Lab) { l.Endpoint.Policy = "" }},
		{name: "listing misses a key", check: "function lab-fn-1 lists the seeded keys", observed: "hello.txt",
			breakLab: func(l *awsfake.Lab) {
				r := l.Reports["list"]
				r.Keys = []string{"hello.txt"}
				l.Reports["list"] = r
			}},
		{name: "listing has an extra key", check: "function lab-fn-1 lists the seeded keys", observed: "secret.txt",
			breakLab: func(l *awsfake.Lab) {
				r := l.Reports["list"]
				r.Keys = append(r.Keys, "secret.txt")
				l.Reports["list"] = r
			}},
		{name: "listing denied", check: "function lab-fn-1 lists the seeded keys", observed: "access_denied",
			breakLab: func(l *awsfake.Lab) {
				l.Reports["list"] = contract.Report{Action: "list", Error: &contract.ErrorReport{Kind: contract.KindAccessDenied, Message: "AccessDenied"}}
			}},
		{name: "internet reachable", check: "private subnets cannot reach the internet", observed: "reached https://checkip.amazonaws.com/",
			breakLab: func(l *awsfake.Lab) {
				l.Reports["probe:internet"] = contract.Report{Action: "probe", Probe: "internet", OK: true, Target: "https://checkip.amazonaws.com/"}
			}},
		{name: "internet blocked the wrong way", check: "private subnets cannot reach the internet", observed: "access_denied",
			breakLab: func(l *awsfake.Lab) {
				l.Reports["probe:internet"] = contract.Report{Action: "probe", Probe: "internet", Error: &contract.ErrorReport{Kind: contract.KindAccessDenied}}
			}},
		{name: "denied bucket readable", check: "function lab-fn-1: a bucket the endpoint policy does not allow is refused by it",
			observed: "reached lab-deny-1",
			breakLab: func(l *awsfake.Lab) {
				l.Reports["probe:denied-bucket"] = contract.Report{Action: "probe", Probe: "denied-bucket", OK: true, Target: "lab-deny-1"}
			}},
		// The endpoint policy is wide open, and the role lacks the
		// permission: S3 names the identity-based policy. Before the
		// refusals named their policy, this passed.
		{name: "denied bucket refused by the role, not the endpoint policy",
			check:    "function lab-fn-1: a bucket the endpoint policy does not allow is refused by it",
			observed: "refused, but because no identity-based policy allows it: the endpoint policy was not tested",
			breakLab: func(l *awsfake.Lab) {
				l.Reports["probe:denied-bucket"] = refused("probe", "denied-bucket", "lab-deny-1", identityRefusal, identityDenial)
			}},
		{name: "denied bucket refused by a bucket policy's deny",
			check:    "function lab-fn-1: a bucket the endpoint policy does not allow is refused by it",
			observed: "refused, but by an explicit deny in a resource-based policy",
			breakLab: func(l *awsfake.Lab) {
				l.Reports["probe:denied-bucket"] = refused("probe", "denied-bucket", "lab-deny-1", bucketRefusal, bucketDenial)
			}},
		{name: "denied bucket unreachable", check: "function lab-fn-1: a bucket the endpoint policy does not allow is refused by it",
			observed: "unreachable after 2000 ms: the endpoint policy was not tested",
			breakLab: func(l *awsfake.Lab) {
				l.Reports["probe:denied-bucket"] = contract.Report{Action: "probe", Probe: "denied-bucket", Target: "lab-deny-1", ElapsedMS: 2000,
					Error: &contract.ErrorReport{Kind: contract.KindUnreachable, Message: "dial tcp: i/o timeout"}}
			}},
		// The route table drops the packet, but the group would let it
		// out: the timeout proves nothing about the group.
		{name: "security group open, route closed", check: "function lab-fn-1: its security group refuses HTTPS to the internet",
			observed: "but sg-fn admits it (rule sgr-open, tcp to 0.0.0.0/0): a route table dropped it, not the group",
			breakLab: func(l *awsfake.Lab) {
				l.SecurityGroupRules = append(l.SecurityGroupRules,
					awsfake.SecurityGroupRule{ID: "sgr-open", GroupID: "sg-fn", Egress: true, Protocol: "tcp", FromPort: 0, ToPort: 65535, CIDR: "0.0.0.0/0"})
			}},
		// The probe's host answered from an address inside S3's public
		// ranges, and the group's rule to S3's prefix list admits it: the
		// list's entries are read, not assumed to exclude the host.
		{name: "tried address in the S3 prefix list", check: "function lab-fn-1: its security group refuses HTTPS to the internet",
			observed: "but sg-fn admits it (rule sgr-s3, tcp to prefix list pl-63a5400a, whose entry 52.216.0.0/15 holds a tried address)",
			breakLab: func(l *awsfake.Lab) {
				r := l.Reports["probe:refused-egress"]
				r.Addresses = []string{"52.217.10.4"}
				l.Reports["probe:refused-egress"] = r
			}},
		{name: "security group lets HTTPS out", check: "function lab-fn-1: its security group refuses HTTPS to the internet",
			observed: "reached checkip.amazonaws.com:443",
			breakLab: func(l *awsfake.Lab) {
				l.Reports["probe:refused-egress"] = contract.Report{Action: "probe", Probe: "refused-egress", OK: true,
					Target: "checkip.amazonaws.com:443", Addresses: []string{"3.220.57.224"}}
			}},
		{name: "cross-region bucket reachable", check: "the bucket in another region is unreachable", observed: "reached lab-xr-1",
			outputs: func(o *Outputs) { o.CrossRegionBucket, o.CrossRegion = "lab-xr-1", "eu-west-1" },
			breakLab: func(l *awsfake.Lab) {
				l.Reports["probe:cross-region"] = contract.Report{Action: "probe", Probe: "cross-region", OK: true, Target: "lab-xr-1"}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serveBroken(t, passingLab(), tt.breakLab)
			o := outputs()
			if tt.outputs != nil {
				tt.outputs(&o)
			}
			results, byCheck := run(t, srv, o)
			expectFail(t, results, byCheck, tt.check, tt.observed)
			for _, other := range results {
				if other.Check != tt.check && other.Status == Fail {
					t.Errorf("breaking %q also failed %q (%s)", tt.name, other.Check, other.Observed)
				}
			}
			if code := ExitCode(results); code != exitcode.ClaimFailed {
				t.Errorf("exit code: got %d, want %d", code, exitcode.ClaimFailed)
			}
		})
	}
}

func TestFunctionError(t *testing.T) {
	lab := passingLab()
	lab.FunctionError = "Runtime exited with error: exit status 1"
	srv := awsfake.New(lab)
	defer srv.Close()
	results, byCheck := run(t, srv, outputs())
	r := byCheck["function lab-fn-1 lists the seeded keys"]
	if r.Status != Errored || !strings.Contains(r.Observed, "function error Unhandled") {
		t.Errorf("listing with a crashing function: got %s %q, want ERROR naming the function error", r.Status, r.Observed)
	}
	if code := ExitCode(results); code != exitcode.Incomplete {
		t.Errorf("exit code: got %d, want %d", code, exitcode.Incomplete)
	}
}

// fakeClock is a clock that only moves when the verifier sleeps.
type fakeClock struct{ now time.Time }

func (c *fakeClock) options(retryFor time.Duration, progress *strings.Builder) func(*Verifier) {
	return func(v *Verifier) {
		v.Now = func() time.Time { return c.now }
		v.Sleep = func(_ context.Context, d time.Duration) error { c.now = c.now.Add(d); return nil }
		v.RetryFor, v.RetryEvery = retryFor, 10*time.Second
		if progress != nil {
			v.Progress = io.MultiWriter(v.Progress, progress)
		}
	}
}

// TestClaimsSettle: while an endpoint policy change propagates, the denied
// probe still gets through; the verifier tries again within its window, shows
// each try, and passes once the claim holds.
func TestClaimsSettle(t *testing.T) {
	lab := passingLab()
	lab.Unsettled = map[string]awsfake.Unsettled{"probe:denied-bucket": {Times: 2,
		Report: contract.Report{Action: "probe", Probe: "denied-bucket", OK: true, Target: "lab-deny-1", Keys: []string{}}}}
	srv := awsfake.New(lab)
	defer srv.Close()
	clock := &fakeClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	var progress strings.Builder
	results, byCheck := run(t, srv, outputs(), clock.options(3*time.Minute, &progress))
	if r := byCheck["function lab-fn-1: a bucket the endpoint policy does not allow is refused by it"]; r.Status != Pass {
		t.Errorf("denied probe after propagation: got %s (%s), want PASS", r.Status, r.Observed)
	}
	if code := ExitCode(results); code != exitcode.OK {
		t.Errorf("exit code: got %d, want 0\n%s", code, Table(results))
	}
	if got := strings.Count(progress.String(), "trying again in 10s"); got != 2 {
		t.Errorf("progress shows %d retries, want 2:\n%s", got, progress.String())
	}
	if got := clock.now.Sub(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)); got != 20*time.Second {
		t.Errorf("waited %s, want 20s", got)
	}
}

// TestClaimsFailAfterTheWindow: a claim that never holds fails once the
// retry window is over, saying how many tries it had; without a window it
// fails at the first try.
func TestClaimsFailAfterTheWindow(t *testing.T) {
	for _, tt := range []struct {
		window time.Duration
		tries  string
	}{{3 * time.Minute, "(after 18 tries)"}, {0, "reached lab-deny-1"}} {
		lab := passingLab()
		lab.Reports["probe:denied-bucket"] = contract.Report{Action: "probe", Probe: "denied-bucket", OK: true, Target: "lab-deny-1"}
		srv := awsfake.New(lab)
		clock := &fakeClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
		results, byCheck := run(t, srv, outputs(), clock.options(tt.window, nil))
		srv.Close()
		r := byCheck["function lab-fn-1: a bucket the endpoint policy does not allow is refused by it"]
		if r.Status != Fail || !strings.HasSuffix(r.Observed, tt.tries) {
			t.Errorf("window %s: got %s %q, want FAIL ending %q", tt.window, r.Status, r.Observed, tt.tries)
		}
		if tt.window == 0 && strings.Contains(r.Observed, "tries") {
			t.Errorf("no window: got %q, want one try", r.Observed)
		}
		if code := ExitCode(results); code != exitcode.ClaimFailed {
			t.Errorf("exit code: got %d, want 1", code)
		}
	}
}

// TestWrongCode: a function that does not answer with a report of the lab's
// handler for the event sent (here: it echoes its payload, or answers
// another probe) is reported as wrong code, an ERROR, never as a failed
// claim, and is not retried.
func TestWrongCode(t *testing.T) {
	lab := passingLab()
	lab.Echo = true
	srv := awsfake.New(lab)
	results, byCheck := run(t, srv, outputs(), (&fakeClock{}).options(3*time.Minute, nil))
	srv.Close()
	for _, c := range []string{"function lab-fn-1 lists the seeded keys", "private subnets cannot reach the internet"} {
		if r := byCheck[c]; r.Status != Errored || !strings.Contains(r.Observed, "wrong code") {
			t.Errorf("%s with an echoing function: got %s %q, want ERROR wrong code", c, r.Status, r.Observed)
		}
	}
	if code := ExitCode(results); code != exitcode.Incomplete {
		t.Errorf("exit code: got %d, want %d", code, exitcode.Incomplete)
	}
	if n := srv.Calls("Invoke"); n != 4 {
		t.Errorf("Invoke calls: got %d, want 4 (no retries of wrong code)", n)
	}

	lab = passingLab()
	lab.Reports["probe:internet"] = lab.Reports["probe:denied-bucket"]
	srv = awsfake.New(lab)
	defer srv.Close()
	_, byCheck = run(t, srv, outputs())
	if r := byCheck["private subnets cannot reach the internet"]; r.Status != Errored || !strings.Contains(r.Observed, `answers action "probe" probe "denied-bucket"`) {
		t.Errorf("a report of another probe: got %s %q, want ERROR naming the probe answered", r.Status, r.Observed)
	}
}

// TestThrottlingIsRetried: throttled EC2 and Lambda calls are retried by the
// SDK, and the claims still pass.
func TestThrottlingIsRetried(t *testing.T) {
	srv := awsfake.New(passingLab())
	defer srv.Close()
	srv.Throttle("DescribeRouteTables", 2)
	srv.Throttle("Invoke", 1)
	results, _ := run(t, srv, outputs())
	if code := ExitCode(results); code != exitcode.OK {
		t.Errorf("exit code: got %d, want 0 after retries\n%s", code, Table(results))
	}
	if n := srv.Calls("DescribeRouteTables"); n != 3 {
		t.Errorf("DescribeRouteTables calls: got %d, want 3 (two throttled, one served)", n)
	}
	if n := srv.Calls("Invoke"); n != 5 {
		t.Errorf("Invoke calls: got %d, want 5 (one throttled, four served)", n)
	}
}

// TestServerErrorsAreReported: an API that keeps failing makes its checks
// ERROR (not PASS, not a crash), after a bounded number of attempts.
func TestServerErrorsAreReported(t *testing.T) {
	srv := awsfake.New(passingLab())
	defer srv.Close()
	srv.Fail("DescribeVpcEndpoints")
	srv.Throttle("DescribeNatGateways", 10)
	results, byCheck := run(t, srv, outputs())
	r := byCheck["endpoint vpce-1: state"]
	if r.Status != Errored || !strings.Contains(r.Observed, "InternalError") {
		t.Errorf("endpoint check on a failing API: got %s %q, want ERROR with InternalError", r.Status, r.Observed)
	}
	if n := srv.Calls("DescribeVpcEndpoints"); n != 3 {
		t.Errorf("DescribeVpcEndpoints calls: got %d, want 3 (MaxAttempts)", n)
	}
	if r := byCheck["no NAT gateway in vpc-1"]; r.Status != Errored || !strings.Contains(r.Observed, "RequestLimitExceeded") {
		t.Errorf("NAT check while throttled throughout: got %s %q, want ERROR with RequestLimitExceeded", r.Status, r.Observed)
	}
	if code := ExitCode(results); code != exitcode.Incomplete {
		t.Errorf("exit code: got %d, want %d\n%s", code, exitcode.Incomplete, Table(results))
	}
}

func TestParseOutputs(t *testing.T) {
	full := map[string]any{
		"region": "us-east-1", "vpcId": "vpc-1", "routeTableIds": []any{"rtb-a", "rtb-b"}, "endpointId": "vpce-1",
		"prefixListId": "pl-1", "endpointPolicy": declaredPolicy, "functionName": "fn", "seedKeys": []any{"a"},
		"deniedProbeBucket": "deny", "crossRegionBucket": "", "crossRegion": "",
	}
	o, err := ParseOutputs(full)
	if err != nil {
		t.Fatal(err)
	}
	if o.VPCID != "vpc-1" || len(o.RouteTableIDs) != 2 || o.CrossRegionBucket != "" {
		t.Errorf("ParseOutputs: got %+v", o)
	}
	_, err = ParseOutputs(map[string]any{"region": "us-east-1", "vpcId": "vpc-1"})
	if err == nil {
		t.Fatal("ParseOutputs of a partial stack: got no error")
	}
	for _, k := range []string{"routeTableIds", "endpointId", "prefixListId", "functionName", "seedKeys", "deniedProbeBucket"} {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error %q does not name the missing output %s", err, k)
		}
	}
}

func TestNoCredentials(t *testing.T) {
	awsfake.WithoutCredentials(t)
	_, err := awsclient.Config(context.Background(), awsclient.Options{Region: "us-east-1"})
	if !errors.Is(err, awsclient.ErrNoCredentials) || !strings.Contains(err.Error(), "aws configure") {
		t.Fatalf("awsclient.Config without credentials: got %v, want ErrNoCredentials with advice", err)
	}
}

func TestSamePolicy(t *testing.T) {
	tests := []struct {
		deployed string
		want     bool
	}{
		{declaredPolicy, true},
		{deployedPolicy, true},
		{strings.Replace(declaredPolicy, "s3:GetObject", "s3:*", 1), false},
		{strings.Replace(declaredPolicy, "lab-bucket-1/*", "*", 1), false},
		{"not json", false},
		{"", false},
	}
	for _, tt := range tests {
		if got, note := samePolicy(declaredPolicy, tt.deployed); got != tt.want {
			t.Errorf("samePolicy(%.40q): got %v (%s), want %v", tt.deployed, got, note, tt.want)
		}
	}
}

// TestNegativeClaimsNeedTheirPolicy: a negative claim passes only on a
// refusal AWS attributes to the policy it names. A wide-open endpoint policy
// with a role that lacks the permission (S3 names the identity-based
// policy) fails; a refusal whose message names no policy type is
// INCONCLUSIVE (exit 3), never PASS; with a retry window, both are tried
// again until the window ends.
func TestNegativeClaimsNeedTheirPolicy(t *testing.T) {
	const check = "function lab-fn-1: a bucket the endpoint policy does not allow is refused by it"
	for _, tc := range []struct {
		name     string
		report   contract.Report
		want     Status
		observed string
		code     exitcode.Code
	}{
		{"endpoint policy", refused("probe", "denied-bucket", "lab-deny-1", endpointRefusal, endpointDenial), Pass,
			"refused because no VPC endpoint policy allows it", exitcode.OK},
		{"identity-based policy", refused("probe", "denied-bucket", "lab-deny-1", identityRefusal, identityDenial), Fail,
			"refused, but because no identity-based policy allows it: the endpoint policy was not tested", exitcode.ClaimFailed},
		{"no policy type", refused("probe", "denied-bucket", "lab-deny-1", "Access Denied", nil), Inconclusive,
			`refused, but AWS's message names no policy type: "Access Denied"`, exitcode.Incomplete},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lab := passingLab()
			lab.Reports["probe:denied-bucket"] = tc.report
			srv := awsfake.New(lab)
			defer srv.Close()
			clock := &fakeClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
			results, byCheck := run(t, srv, outputs(), clock.options(time.Minute, nil))
			r := byCheck[check]
			if r.Status != tc.want || !strings.Contains(r.Observed, tc.observed) {
				t.Errorf("got %s %q, want %s observing %q", r.Status, r.Observed, tc.want, tc.observed)
			}
			if tc.want != Pass && !strings.HasSuffix(r.Observed, "(after 6 tries)") {
				t.Errorf("got %q, want it tried for the whole window", r.Observed)
			}
			if code := ExitCode(results); code != tc.code {
				t.Errorf("exit code: got %d, want %d\n%s", code, tc.code, Table(results))
			}
		})
	}
}

// TestPositiveBeforeNegative: a refusal by the endpoint policy counts only
// after a claim of the same function that reads the same service passed in
// the run. When the listing fails (the role does not work yet), the denied
// bucket's refusal is INCONCLUSIVE, saying why.
func TestPositiveBeforeNegative(t *testing.T) {
	lab := passingLab()
	lab.Reports["list"] = refused("list", "", "", `User: arn:aws:sts::111122223333:assumed-role/lab-fn-role/lab-fn-1 is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::lab-bucket-1" because no identity-based policy allows the s3:ListBucket action`, identityDenial)
	srv := awsfake.New(lab)
	defer srv.Close()
	results, byCheck := run(t, srv, outputs())
	if r := byCheck["function lab-fn-1 lists the seeded keys"]; r.Status != Fail {
		t.Errorf("listing: got %s (%s), want FAIL", r.Status, r.Observed)
	}
	r := byCheck["function lab-fn-1: a bucket the endpoint policy does not allow is refused by it"]
	if r.Status != Inconclusive || !strings.Contains(r.Observed, "no claim of lab-fn-1 that reads s3 passed before it in this run") {
		t.Errorf("denied bucket without a passing listing: got %s %q, want INCONCLUSIVE naming the missing claim", r.Status, r.Observed)
	}
	if code := ExitCode(results); code != exitcode.ClaimFailed {
		t.Errorf("exit code: got %d, want %d", code, exitcode.ClaimFailed)
	}
}

// TestExitCodes: FAIL wins; INCONCLUSIVE and ERROR are incomplete.
func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		statuses []Status
		want     exitcode.Code
	}{
		{[]Status{Pass, Skip}, exitcode.OK},
		{[]Status{Pass, Inconclusive}, exitcode.Incomplete},
		{[]Status{Errored, Pass}, exitcode.Incomplete},
		{[]Status{Inconclusive, Fail, Errored}, exitcode.ClaimFailed},
	} {
		var rs []Result
		for _, s := range tc.statuses {
			rs = append(rs, Result{Status: s})
		}
		if got := ExitCode(rs); got != tc.want {
			t.Errorf("ExitCode(%v): got %d, want %d", tc.statuses, got, tc.want)
		}
	}
}

// TestRefusedEgressUnproved: a timeout proves the lab function's security
// group refused HTTPS only with an address tried and every egress rule of
// the group judged.
func TestRefusedEgressUnproved(t *testing.T) {
	const check = "function lab-fn-1: its security group refuses HTTPS to the internet"
	for _, tc := range []struct {
		name     string
		breakLab func(*awsfake.Lab)
		observed string
	}{
		{"no address tried", func(l *awsfake.Lab) {
			r := l.Reports["probe:refused-egress"]
			r.Addresses = nil
			l.Reports["probe:refused-egress"] = r
		}, "no address was tried"},
		{"a rule to another prefix list", func(l *awsfake.Lab) {
			l.SecurityGroupRules = append(l.SecurityGroupRules,
				awsfake.SecurityGroupRule{ID: "sgr-pl", GroupID: "sg-fn", Egress: true, Protocol: "-1", PrefixListID: "pl-0customer"})
		}, "has a rule to prefix list pl-0customer (sgr-pl) whose entries could not be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lab := passingLab()
			tc.breakLab(&lab)
			srv := awsfake.New(lab)
			defer srv.Close()
			results, byCheck := run(t, srv, outputs())
			if r := byCheck[check]; r.Status != Inconclusive || !strings.Contains(r.Observed, tc.observed) {
				t.Errorf("got %s %q, want INCONCLUSIVE observing %q", r.Status, r.Observed, tc.observed)
			}
			if code := ExitCode(results); code != exitcode.Incomplete {
				t.Errorf("exit code: got %d, want %d", code, exitcode.Incomplete)
			}
		})
	}
}
