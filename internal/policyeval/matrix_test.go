// The policy matrix: claims about who may do what in the lab, each checked by evaluating
// the policies rendered into every golden plan (testdata/plan-*.json) with a maintained
// third-party evaluator rather than code written here.
//
// Evaluator: @cloud-copilot/iam-simulate 0.1.173 (npm, AGPL-3.0-or-later), pinned in
// tools/iam-eval/package.json and package-lock.json and run by tools/iam-eval/evaluate.mjs.
// It evaluates identity, resource (bucket) and VPC endpoint policies together, with the
// request context given below. Install it with: npm ci --prefix tools/iam-eval
//
// The request-context keys and their values follow:
//   - Global condition keys (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
//     aws:SourceVpce, aws:SourceVpc, aws:VpcSourceIp, aws:SourceIp, aws:SecureTransport,
//     aws:CurrentTime, aws:EpochTime, aws:RequestedRegion):
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
//   - S3 condition keys (s3:authType, s3:signatureversion, s3:TlsVersion):
//     https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
//   - EC2 condition keys (ec2:Vpc, ec2:Region) per resource of CreateNetworkInterface:
//     https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
//   - Gateway endpoint policies ("Principal": "*", principals named in conditions) and
//     aws:SourceVpce in bucket policies:
//     https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html
//     https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies-vpc-endpoint.html
//   - The policy evaluation logic (identity AND resource AND endpoint policy):
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
//
// POLICYEVAL_PLANS (a path list, ':'-separated) adds plan files to the committed ones; it
// exists to try the suite on a hand-edited plan before the golden is regenerated.

package policyeval

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Evaluator results.
const (
	allowed          = "Allowed"
	implicitlyDenied = "ImplicitlyDenied"
	explicitlyDenied = "ExplicitlyDenied"
)

// Policy layers as the evaluator names them in blockedBy.
const (
	byEndpoint = "vpce"
	byBucket   = "resource"
	byIdentity = "identity"
)

// Identifiers of things outside the lab.
const (
	otherVPCID      = "vpc-0fedcba9876543210"
	otherSubnetID   = "subnet-0fedcba9876543210"
	otherSGID       = "sg-0fedcba9876543210"
	otherEndpointID = "vpce-0fedcba9876543210"
	otherENIID      = "eni-0fedcba9876543210"
	labENIID        = "eni-0123456789abcdef0"
	newENIID        = "eni-0123456789abcdef1" // stands for the network-interface/* of an ENI being created
	internetIP      = "203.0.113.10"          // TEST-NET-3
	requestTime     = "2026-11-23T12:00:00Z"
)

// route is the path a request takes, which decides its network context keys and
// whether an endpoint policy applies.
type route int

const (
	viaLabEndpoint      route = iota // HTTPS from the lab VPC through the lab's S3 gateway endpoint
	viaLabEndpointPlain              // plain HTTP through the lab's endpoint
	viaOtherEndpoint                 // HTTPS through another VPC's endpoint (AWS's default full-access policy)
	fromInternet                     // HTTPS from outside any VPC
	awsAPI                           // a call to a regional AWS API (EC2, CloudWatch Logs) with the principal's credentials
)

// principal is who makes a request.
type principal struct {
	arn          string // the request's principal: an STS session for a role
	principalARN string // aws:PrincipalArn: the role itself
	identity     []namedPolicy
}

// matrixCase is one claim: who does what to which resources by which route, and the
// evaluator's expected verdict. Every resource must be allowed for the request to be.
type matrixCase struct {
	name      string
	who       principal
	action    string
	resources []string
	via       route
	context   map[string]any // keys specific to the request (ec2:Vpc)
	want      string
	by        string // for a deny: the policy layer that must block it ("" = not checked)
	skip      string // non-empty: the plan lacks what the case needs
}

var administratorAccess = namedPolicy{Name: "AdministratorAccess", Policy: map[string]any{
	"Version":   "2012-10-17",
	"Statement": []any{map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}},
}}

// defaultEndpointPolicy is the policy AWS gives an endpoint created without one.
var defaultEndpointPolicy = namedPolicy{Name: "other-endpoint-default", Policy: map[string]any{
	"Version":   "2012-10-17",
	"Statement": []any{map[string]any{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}},
}}

func roleSession(role, session string) principal {
	return principal{
		arn:          "arn:" + partition + ":sts::" + account + ":assumed-role/" + role + "/" + session,
		principalARN: "arn:" + partition + ":iam::" + account + ":role/" + role,
		identity:     []namedPolicy{administratorAccess},
	}
}

// cases returns the matrix for one lab. Names are the claims they prove.
func cases(l *lab) []matrixCase {
	fn := principal{arn: l.sessionARN(), principalARN: l.roleARN, identity: l.rolePolicies}
	deployer := roleSession("platform-deployer", "deployer")
	otherAdmin := roleSession("team-admin", "someone")
	otherApp := roleSession("other-app", "other-app")

	bucket := l.bucketARN
	object := l.bucketARN + "/hello.txt"
	probe := "arn:" + partition + ":s3:::" + l.probeBucket
	labVPC := map[string]any{"ec2:Vpc": l.vpcARN()}
	otherVPC := map[string]any{"ec2:Vpc": l.ec2ARN("vpc", otherVPCID)}
	newENI := l.ec2ARN("network-interface", newENIID)
	labSubnet := l.ec2ARN("subnet", l.subnetIDs[0])
	labSG := l.ec2ARN("security-group", l.sgID)

	cs := []matrixCase{
		// The function's own path to its data.
		{name: "function lists the lab bucket through the endpoint", who: fn, action: "s3:ListBucket", resources: []string{bucket}, via: viaLabEndpoint, want: allowed},
		{name: "function reads a lab object through the endpoint", who: fn, action: "s3:GetObject", resources: []string{object}, via: viaLabEndpoint, want: allowed},
		{name: "function cannot put an object in the lab bucket", who: fn, action: "s3:PutObject", resources: []string{object}, via: viaLabEndpoint, want: implicitlyDenied},
		{name: "function cannot delete a lab object", who: fn, action: "s3:DeleteObject", resources: []string{object}, via: viaLabEndpoint, want: implicitlyDenied},
		{name: "function cannot change the lab bucket policy", who: fn, action: "s3:PutBucketPolicy", resources: []string{bucket}, via: viaLabEndpoint, want: implicitlyDenied},
		{name: "function cannot list another bucket through the endpoint", who: fn, action: "s3:ListBucket", resources: []string{probe}, via: viaLabEndpoint, want: implicitlyDenied, by: byEndpoint},
		{name: "function cannot read without TLS", who: fn, action: "s3:GetObject", resources: []string{object}, via: viaLabEndpointPlain, want: explicitlyDenied, by: byBucket},
		{name: "function cannot read off the endpoint", who: fn, action: "s3:GetObject", resources: []string{object}, via: fromInternet, want: explicitlyDenied, by: byBucket},
		{name: "function cannot list the bucket off the endpoint", who: fn, action: "s3:ListBucket", resources: []string{bucket}, via: fromInternet, want: explicitlyDenied, by: byBucket},
		{name: "function cannot read through another endpoint", who: fn, action: "s3:GetObject", resources: []string{object}, via: viaOtherEndpoint, want: explicitlyDenied, by: byBucket},

		// Admins manage the bucket from outside the VPC.
		{name: "deployer lists the bucket from outside the VPC", who: deployer, action: "s3:ListBucket", resources: []string{bucket}, via: fromInternet, want: allowed},
		{name: "deployer reads an object from outside the VPC", who: deployer, action: "s3:GetObject", resources: []string{object}, via: fromInternet, want: allowed},
		{name: "deployer lists object versions from outside the VPC", who: deployer, action: "s3:ListBucketVersions", resources: []string{bucket}, via: fromInternet, want: allowed},
		{name: "deployer deletes an object version from outside the VPC", who: deployer, action: "s3:DeleteObjectVersion", resources: []string{object}, via: fromInternet, want: allowed},
		{name: "deployer puts the bucket policy from outside the VPC", who: deployer, action: "s3:PutBucketPolicy", resources: []string{bucket}, via: fromInternet, want: allowed},

		// Nobody else reads the bucket, on or off the endpoint.
		{name: "non-admin principal with an admin identity policy cannot read off the endpoint", who: otherAdmin, action: "s3:GetObject", resources: []string{object}, via: fromInternet, want: explicitlyDenied, by: byBucket},
		{name: "non-admin principal with an admin identity policy cannot read object attributes off the endpoint", who: otherAdmin, action: "s3:GetObjectAttributes", resources: []string{object}, via: fromInternet, want: explicitlyDenied, by: byBucket},
		{name: "non-admin principal with an admin identity policy cannot list the bucket off the endpoint", who: otherAdmin, action: "s3:ListBucket", resources: []string{bucket}, via: fromInternet, want: explicitlyDenied, by: byBucket},
		{name: "another principal cannot use the endpoint to read the bucket", who: otherApp, action: "s3:GetObject", resources: []string{object}, via: viaLabEndpoint, want: implicitlyDenied, by: byEndpoint},
		{name: "another principal cannot use the endpoint to list the bucket", who: otherApp, action: "s3:ListBucket", resources: []string{bucket}, via: viaLabEndpoint, want: implicitlyDenied, by: byEndpoint},

		// The function's logs.
		{name: "function writes to its own log group", who: fn, action: "logs:PutLogEvents", resources: []string{l.logGroupARN + ":log-stream:2026/11/23/[$LATEST]0123456789abcdef"}, via: awsAPI, want: allowed},
		{name: "function cannot write to another log group", who: fn, action: "logs:PutLogEvents", resources: []string{"arn:" + partition + ":logs:" + l.region + ":" + account + ":log-group:/aws/lambda/other:log-stream:x"}, via: awsAPI, want: implicitlyDenied, by: byIdentity},

		// The role's network interfaces stay in the lab VPC.
		{name: "role creates a network interface in a lab subnet with the lab VPC's default security group", who: fn, action: "ec2:CreateNetworkInterface", resources: []string{newENI, labSubnet, labSG}, via: awsAPI, context: labVPC, want: allowed},
		{name: "role describes network interfaces", who: fn, action: "ec2:DescribeNetworkInterfaces", resources: []string{"*"}, via: awsAPI, want: allowed},
		{name: "role deletes a network interface in the lab VPC", who: fn, action: "ec2:DeleteNetworkInterface", resources: []string{l.ec2ARN("network-interface", labENIID)}, via: awsAPI, context: labVPC, want: allowed},
		{name: "role assigns private addresses to a network interface in the lab VPC", who: fn, action: "ec2:AssignPrivateIpAddresses", resources: []string{l.ec2ARN("network-interface", labENIID)}, via: awsAPI, context: labVPC, want: allowed},
		{name: "role cannot create a network interface in a subnet of another VPC", who: fn, action: "ec2:CreateNetworkInterface", resources: []string{l.ec2ARN("subnet", otherSubnetID)}, via: awsAPI, context: otherVPC, want: implicitlyDenied, by: byIdentity},
		{name: "role cannot create a network interface with a security group of another VPC", who: fn, action: "ec2:CreateNetworkInterface", resources: []string{l.ec2ARN("security-group", otherSGID)}, via: awsAPI, context: otherVPC, want: implicitlyDenied, by: byIdentity},
		{name: "role cannot create a network interface in another VPC", who: fn, action: "ec2:CreateNetworkInterface", resources: []string{newENI}, via: awsAPI, context: otherVPC, want: implicitlyDenied, by: byIdentity},
		{name: "role cannot delete a network interface of another VPC", who: fn, action: "ec2:DeleteNetworkInterface", resources: []string{l.ec2ARN("network-interface", otherENIID)}, via: awsAPI, context: otherVPC, want: implicitlyDenied, by: byIdentity},
	}

	// Rows that need a resource only some plans have.
	cross := matrixCase{name: "function cannot list the cross-region bucket through the endpoint", who: fn, action: "s3:ListBucket", via: viaLabEndpoint, want: implicitlyDenied, by: byEndpoint}
	if l.crossRegionBucket == "" {
		cross.skip = "the plan has no crossRegionBucket output"
	} else {
		cross.resources = []string{"arn:" + partition + ":s3:::" + l.crossRegionBucket}
	}
	return append(cs, cross)
}

// requestContext returns the context keys a real request by who over route carries.
func requestContext(l *lab, who principal, via route, extra map[string]any) map[string]any {
	t, _ := time.Parse(time.RFC3339, requestTime)
	ctx := map[string]any{
		"aws:PrincipalArn":     who.principalARN,
		"aws:PrincipalAccount": account,
		"aws:PrincipalType":    "AssumedRole",
		"aws:CurrentTime":      requestTime,
		"aws:EpochTime":        strconv.FormatInt(t.Unix(), 10),
		"aws:RequestedRegion":  l.region,
		"aws:SecureTransport":  "true",
	}
	s3 := func() {
		ctx["s3:authType"] = "REST-HEADER"
		ctx["s3:signatureversion"] = "AWS4-HMAC-SHA256"
		ctx["s3:TlsVersion"] = "1.3"
	}
	switch via {
	case viaLabEndpoint, viaLabEndpointPlain:
		ctx["aws:SourceVpce"] = l.endpointID
		ctx["aws:SourceVpc"] = l.vpcID
		ctx["aws:VpcSourceIp"] = hostIn(l.subnetCIDR)
		s3()
		if via == viaLabEndpointPlain {
			ctx["aws:SecureTransport"] = "false"
			delete(ctx, "s3:TlsVersion")
		}
	case viaOtherEndpoint:
		ctx["aws:SourceVpce"] = otherEndpointID
		ctx["aws:SourceVpc"] = otherVPCID
		ctx["aws:VpcSourceIp"] = "172.31.0.10"
		s3()
	case fromInternet:
		ctx["aws:SourceIp"] = internetIP
		s3()
	}
	for k, v := range extra {
		ctx[k] = v
	}
	return ctx
}

// simulations expands a case into one simulation per resource, with the policies that
// apply on its route: the principal's identity policies, the bucket's policy for S3
// resources, and the endpoint policy of the endpoint the request passes through.
func simulations(l *lab, prefix string, c matrixCase) []simulation {
	var out []simulation
	for i, res := range c.resources {
		var s simulation
		s.ID = fmt.Sprintf("%s%s#%d", prefix, c.name, i)
		r := &s.Simulation.Request
		r.Principal = c.who.arn
		r.Action = c.action
		r.Resource.Resource = res
		r.Resource.AccountID = account
		r.ContextVariables = requestContext(l, c.who, c.via, c.context)
		if strings.HasPrefix(c.action, "ec2:") && res != "*" {
			r.ContextVariables["ec2:Region"] = l.region
		}
		s.Simulation.IdentityPolicies = c.who.identity
		s.Simulation.ServiceControlPolicies = []any{}
		s.Simulation.ResourceControlPolicies = []any{}
		if b, ok := strings.CutPrefix(res, "arn:"+partition+":s3:::"); ok {
			bucket, _, _ := strings.Cut(b, "/")
			s.Simulation.ResourcePolicy = l.bucketPolicies[bucket]
		}
		switch c.via {
		case viaLabEndpoint, viaLabEndpointPlain:
			s.Simulation.VPCEndpointPolicies = []namedPolicy{l.endpointPolicy}
		case viaOtherEndpoint:
			s.Simulation.VPCEndpointPolicies = []namedPolicy{defaultEndpointPolicy}
		}
		out = append(out, s)
	}
	return out
}

// planPaths lists the committed golden plans plus any named in POLICYEVAL_PLANS.
func planPaths(t *testing.T, root string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(root, "testdata", "plan-*.json"))
	if err != nil {
		t.Fatalf("glob plans: %v", err)
	}
	for _, p := range filepath.SplitList(os.Getenv("POLICYEVAL_PLANS")) {
		if p != "" {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		t.Fatal("no golden plans in testdata/plan-*.json")
	}
	return paths
}

// loadLabs loads and resolves every plan.
func loadLabs(t *testing.T, root string) []*lab {
	t.Helper()
	var labs []*lab
	for _, path := range planPaths(t, root) {
		p, err := loadPlan(path)
		if err != nil {
			t.Fatal(err)
		}
		l, err := newLab(p)
		if err != nil {
			t.Fatalf("%s: %v", p.label(), err)
		}
		labs = append(labs, l)
	}
	return labs
}

// runCases evaluates cs in one evaluator run and returns each case's combined verdict.
func runCases(t *testing.T, root, pinned string, l *lab, cs []matrixCase) map[string]verdict {
	t.Helper()
	var sims []simulation
	for _, c := range cs {
		if c.skip == "" {
			sims = append(sims, simulations(l, "", c)...)
		}
	}
	raw := evaluate(t, root, pinned, sims)
	out := map[string]verdict{}
	for _, c := range cs {
		if c.skip != "" {
			continue
		}
		var vs []verdict
		for _, s := range simulations(l, "", c) {
			vs = append(vs, raw[s.ID])
		}
		out[c.name] = combine(vs)
	}
	return out
}

// check reports whether v proves c, and why not.
func check(c matrixCase, v verdict) (bool, string) {
	switch {
	case v.Result != c.want:
		return false, fmt.Sprintf("got %s, want %s", v.Result, c.want)
	case len(v.IgnoredContextKeys) > 0:
		return false, fmt.Sprintf("got %s, but the evaluator ignored context keys %v that do not apply to %s", v.Result, v.IgnoredContextKeys, c.action)
	case c.want != allowed && c.by != "" && !slices.Contains(v.layers(), c.by):
		return false, fmt.Sprintf("got %s by %v, want it by the %s policy", v.Result, v.layers(), c.by)
	}
	return true, ""
}

func TestPolicyMatrix(t *testing.T) {
	root := repoRoot(t)
	pinned := requireEvaluator(t, root)
	for _, l := range loadLabs(t, root) {
		t.Run(l.plan.label(), func(t *testing.T) {
			cs := cases(l)
			verdicts := runCases(t, root, pinned, l, cs)
			for _, c := range cs {
				t.Run(c.name, func(t *testing.T) {
					if c.skip != "" {
						t.Skip(c.skip)
					}
					v := verdicts[c.name]
					if ok, why := check(c, v); !ok {
						t.Errorf("%s: %s: %s %s on %v\nevaluator: %s",
							c.name, why, c.who.principalARN, c.action, c.resources, v.explain())
					}
				})
			}
		})
	}
}
