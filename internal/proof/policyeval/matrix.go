// The policy matrix: claims about who may do what in the lab, each checked by evaluating
// the policies rendered into every golden plan (testdata/plan-*.json) with a maintained
// third-party evaluator rather than code written here. Rows that need a variant's
// resources (access point, S3 interface endpoint, restricted tier, DynamoDB, interface
// endpoints, flow logs to CloudWatch) run only on the plans that have them and are
// skipped, saying so, on the others.
//
// Evaluator: @cloud-copilot/iam-simulate 0.1.173 (npm, AGPL-3.0-or-later), pinned in
// tools/iam-eval/package.json and package-lock.json and run by tools/iam-eval/evaluate.mjs.
// It evaluates identity, resource (bucket, access point, role trust) and VPC endpoint
// policies together, with the request context given below. Install it with:
// npm ci --prefix tools/iam-eval
//
// The request-context keys and their values follow:
//   - Global condition keys (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
//     aws:PrincipalServiceName, aws:SourceAccount, aws:SourceArn, aws:SourceVpce,
//     aws:SourceVpc, aws:VpcSourceIp, aws:SourceIp, aws:SecureTransport, aws:CurrentTime,
//     aws:EpochTime, aws:RequestedRegion):
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
//   - S3 condition keys (s3:authType, s3:signatureversion, s3:TlsVersion, s3:prefix) and
//     the access point keys (s3:DataAccessPointArn, s3:DataAccessPointAccount,
//     s3:AccessPointNetworkOrigin, "VPC" for an access point with a VPC configuration):
//     https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
//   - Access point requests: the access point's policy is evaluated for the access point
//     ARN, the bucket's policy (which may delegate with s3:DataAccessPointAccount) for the
//     bucket ARN, and a request by bucket name carries no s3:DataAccessPointArn:
//     https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html
//     https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-vpc.html
//   - DynamoDB condition keys (dynamodb:LeadingKeys, the item's partition key):
//     https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
//     and the DynamoDB gateway endpoint's policy:
//     https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-ddb.html
//   - EC2 condition keys (ec2:Vpc, ec2:Region) per resource of CreateNetworkInterface:
//     https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
//   - Gateway endpoint policies ("Principal": "*", principals named in conditions) and
//     aws:SourceVpce in bucket policies:
//     https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html
//     https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies-vpc-endpoint.html
//   - Interface endpoint policies for STS and Bedrock:
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sts_vpc_endpoint_policies.html
//     https://docs.aws.amazon.com/bedrock/latest/userguide/vpc-interface-endpoints.html
//   - The flow logs role's trust policy (aws:SourceAccount, aws:SourceArn of the flow log):
//     https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
//   - The policy evaluation logic (identity AND resource AND endpoint policy):
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
//
// What the evaluator does not model, and what the suite does about it:
//   - Access points. A Simulation holds one resource policy and one resource, so a request
//     through an access point is two simulations, combined: the access point ARN with the
//     access point's policy, and the bucket ARN with the bucket's policy, both within the
//     endpoint's policy. The evaluator's service data lists the access point keys for the
//     access point resource types only, so runSimulation drops them from the bucket-ARN
//     half; those simulations declare them carried and evaluate.mjs runs the evaluator's
//     own authorize() with them kept (see there). Any other dropped key still fails a row.
//   - An access point's VPC network origin is a network rule S3 enforces before any
//     policy; its row is skipped, saying so.
//   - sts:GetCallerIdentity: the evaluator allows it for any authenticated principal before
//     reading any policy, the endpoint policy included; its rows skip when the verdict
//     carries no reason (matrixCase.evaluatorLimit).
//   - S3 Block Public Access, SCPs and RCPs are not simulated: the lab sets none that
//     the claims depend on.
//
// POLICYEVAL_PLANS (a path list, ':'-separated) adds plan files to the committed ones; it
// exists to try the suite on a hand-edited plan before the golden is regenerated.

package policyeval

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"
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
	byResource = "resource" // any resource policy: an access point's, a role's trust policy
	byIdentity = "identity"
	byBoundary = "pb" // the role's permissions boundary
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
	otherAccount    = "210987654321"

	// Stack settings the claims name: Pulumi.yaml's defaults, which the scenario
	// stacks keep.
	configuredModel  = "amazon.nova-micro-v1:0"
	otherModel       = "anthropic.claude-3-haiku-20240307-v1:0"
	restrictedPrefix = "reports/"
)

// Context keys of a request made through an S3 access point (S3 service authorization
// reference). AWS supplies them both when it evaluates the access point's policy for the
// access point ARN and when it evaluates the bucket's policy for the bucket ARN, which is
// how a bucket policy delegates to access points; iam-simulate's data lists them for the
// access point resource types only, so the bucket-side simulations declare them carried.
var accessPointKeys = []string{"s3:DataAccessPointArn", "s3:DataAccessPointAccount", "s3:AccessPointNetworkOrigin"}

// route is the path a request takes, which decides its network context keys and
// whether an endpoint policy applies.
type route int

const (
	viaLabEndpoint      route = iota // HTTPS from the lab VPC through the lab's S3 gateway endpoint
	viaLabEndpointPlain              // plain HTTP through the lab's endpoint
	viaOtherEndpoint                 // HTTPS through another VPC's endpoint (AWS's default full-access policy)
	fromInternet                     // HTTPS from outside any VPC
	awsAPI                           // a call to a regional AWS API (EC2, CloudWatch Logs) with the principal's credentials
	viaEndpoint                      // HTTPS from the lab VPC through the lab endpoint named by matrixCase.through
)

// principal is who makes a request.
type principal struct {
	arn          string // the request's principal: an STS session for a role, or a service principal
	principalARN string // aws:PrincipalArn: the role itself; empty for a service principal
	identity     []namedPolicy
	boundary     []namedPolicy // the role's permissions boundary, if any
}

// servicePrincipal is an AWS service acting on the account's behalf.
func servicePrincipal(name string) principal { return principal{arn: name} }

// matrixCase is one claim: who does what to which resources by which route, and the
// evaluator's expected verdict. Every resource must be allowed for the request to be.
type matrixCase struct {
	name      string
	who       principal
	action    string
	resources []string
	via       route
	context   map[string]any // keys specific to the request (ec2:Vpc)
	through   string         // with viaEndpoint: the lab endpoint's logical name
	accessPt  bool           // the request goes through the lab's access point: it carries accessPointKeys
	want      string
	by        string // for a deny: the policy layer that must block it ("" = not checked)
	skip      string // non-empty: the plan lacks what the case needs
	// evaluatorLimit, when set, says why the evaluator may answer without reading any
	// policy; a verdict with no grant and no denial then skips the row with that text
	// rather than pass or fail it.
	evaluatorLimit string
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
	// The probe function tests network paths (internet, other region) with a role that
	// may list the other region's bucket and nothing of the lab's data. The lab function's
	// role may list the denied probe bucket and read the denied table, so that the
	// endpoint policy is what refuses its negative probes.
	probeFn := fn
	if l.probeRole != nil {
		probeFn = l.probeRole.session()
	}
	restrictedFn := fn
	if l.restrictedRole != nil {
		restrictedFn = l.restrictedRole.session()
	}
	deployer := roleSession("platform-deployer", "deployer")
	otherAdmin := roleSession("team-admin", "someone")
	otherApp := roleSession("other-app", "other-app")

	bucket := l.bucketARN
	object := l.bucketARN + "/hello.txt"
	probe := "arn:" + partition + ":s3:::" + l.probeBucket
	labVPC := map[string]any{"ec2:Vpc": l.vpcARN()}
	otherVPC := map[string]any{"ec2:Vpc": l.ec2ARN("vpc", otherVPCID)}
	placeholderVPC := map[string]any{"ec2:Vpc": l.ec2ARN("vpc", "vpc-00000000")}
	newENI := l.ec2ARN("network-interface", newENIID)
	labSubnet := l.ec2ARN("subnet", l.subnetIDs[0])
	labSG := l.ec2ARN("security-group", l.sgID)

	cs := []matrixCase{
		// The function's own path to its data.
		{name: "function lists the lab bucket through the endpoint", who: fn, action: "s3:ListBucket", resources: []string{bucket}, via: viaLabEndpoint, want: allowed},
		{name: "function reads a lab object through the endpoint", who: fn, action: "s3:GetObject", resources: []string{object}, via: viaLabEndpoint, want: allowed},
		{name: "function cannot put an object in the lab bucket", who: fn, action: "s3:PutObject", resources: []string{object}, via: viaLabEndpoint, want: explicitlyDenied, by: byBucket},
		{name: "function cannot delete a lab object", who: fn, action: "s3:DeleteObject", resources: []string{object}, via: viaLabEndpoint, want: explicitlyDenied, by: byBucket},
		{name: "function cannot change the lab bucket policy", who: fn, action: "s3:PutBucketPolicy", resources: []string{bucket}, via: viaLabEndpoint, want: explicitlyDenied, by: byBucket},
		{name: "function cannot list the denied probe bucket through the endpoint although its role may", who: fn, action: "s3:ListBucket", resources: []string{probe}, via: viaLabEndpoint, want: implicitlyDenied, by: byEndpoint},
		{name: "function's role may list the denied probe bucket, so the endpoint policy is what refuses it", who: fn, action: "s3:ListBucket", resources: []string{probe}, via: fromInternet, want: allowed},
		{name: "probe function cannot list the denied probe bucket", who: probeFn, action: "s3:ListBucket", resources: []string{probe}, via: fromInternet, want: implicitlyDenied, by: byIdentity},
		{name: "probe function cannot read the lab bucket through the endpoint", who: probeFn, action: "s3:GetObject", resources: []string{object}, via: viaLabEndpoint, want: implicitlyDenied},
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
		{name: "deployer puts an object from outside the VPC", who: deployer, action: "s3:PutObject", resources: []string{object}, via: fromInternet, want: allowed},
		{name: "deployer deletes the bucket from outside the VPC", who: deployer, action: "s3:DeleteBucket", resources: []string{bucket}, via: fromInternet, want: allowed},

		// Nobody else writes to the bucket or changes it, from anywhere.
		{name: "non-admin principal with s3:* cannot put an object from outside the VPC", who: otherAdmin, action: "s3:PutObject", resources: []string{object}, via: fromInternet, want: explicitlyDenied, by: byBucket},
		{name: "non-admin principal with s3:* cannot put an object through the endpoint", who: otherAdmin, action: "s3:PutObject", resources: []string{object}, via: viaLabEndpoint, want: explicitlyDenied, by: byBucket},
		{name: "non-admin principal with s3:* cannot delete an object version", who: otherAdmin, action: "s3:DeleteObjectVersion", resources: []string{object}, via: fromInternet, want: explicitlyDenied, by: byBucket},
		{name: "non-admin principal with s3:* cannot change the bucket policy", who: otherAdmin, action: "s3:PutBucketPolicy", resources: []string{bucket}, via: fromInternet, want: explicitlyDenied, by: byBucket},
		{name: "non-admin principal with s3:* cannot delete the bucket policy", who: otherAdmin, action: "s3:DeleteBucketPolicy", resources: []string{bucket}, via: fromInternet, want: explicitlyDenied, by: byBucket},
		{name: "non-admin principal with s3:* cannot change the bucket's ACL", who: otherAdmin, action: "s3:PutBucketAcl", resources: []string{bucket}, via: fromInternet, want: explicitlyDenied, by: byBucket},
		{name: "non-admin principal with s3:* cannot change an object's ACL", who: otherAdmin, action: "s3:PutObjectAcl", resources: []string{object}, via: fromInternet, want: explicitlyDenied, by: byBucket},
		{name: "non-admin principal with s3:* cannot turn off the bucket's block public access", who: otherAdmin, action: "s3:PutBucketPublicAccessBlock", resources: []string{bucket}, via: fromInternet, want: explicitlyDenied, by: byBucket},
		{name: "non-admin principal with s3:* cannot delete the bucket", who: otherAdmin, action: "s3:DeleteBucket", resources: []string{bucket}, via: fromInternet, want: explicitlyDenied, by: byBucket},

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
		{name: "role cannot create a network interface in another VPC", who: fn, action: "ec2:CreateNetworkInterface", resources: []string{newENI, l.ec2ARN("subnet", otherSubnetID), l.ec2ARN("security-group", otherSGID)}, via: awsAPI, context: otherVPC, want: implicitlyDenied, by: byIdentity},
		// Accepted (policy.ENI): the interface statements carry no condition,
		// as AWSLambdaVPCAccessExecutionRole's, so the role may delete other interfaces of
		// the account and region. The row states it, so that the grant is seen.
		{name: "role may delete a network interface of another VPC (accepted: no condition Lambda's check could trip on)", who: fn, action: "ec2:DeleteNetworkInterface", resources: []string{l.ec2ARN("network-interface", otherENIID)}, via: awsAPI, context: otherVPC, want: allowed},
		// Lambda checks the role before any interface exists (CreateFunction, and
		// the security group swap on destroy), with a request context AWS does not
		// document: with no ec2:Vpc, and with one naming a VPC that is not the lab's (a
		// placeholder), the interface statements must hold.
		{name: "Lambda's check of the role before an interface exists passes for DeleteNetworkInterface", who: fn, action: "ec2:DeleteNetworkInterface", resources: []string{l.ec2ARN("network-interface", labENIID)}, via: awsAPI, want: allowed},
		{name: "Lambda's check of the role before an interface exists passes for CreateNetworkInterface in a lab subnet", who: fn, action: "ec2:CreateNetworkInterface", resources: []string{newENI}, via: awsAPI, want: allowed},
		{name: "Lambda's check of the role passes for DeleteNetworkInterface when ec2:Vpc names a placeholder", who: fn, action: "ec2:DeleteNetworkInterface", resources: []string{l.ec2ARN("network-interface", labENIID)}, via: awsAPI, context: placeholderVPC, want: allowed},
		{name: "Lambda's check of the role passes for CreateNetworkInterface when ec2:Vpc names a placeholder", who: fn, action: "ec2:CreateNetworkInterface", resources: []string{newENI}, via: awsAPI, context: placeholderVPC, want: allowed},
	}

	cs = append(cs,
		matrixCase{name: "function cannot list the bucket through another endpoint", who: fn, action: "s3:ListBucket", resources: []string{bucket}, via: viaOtherEndpoint, want: explicitlyDenied, by: byBucket})

	// With an access point, the gateway endpoint admits the function's reads through it
	// only, so the reads by bucket name above are refused there (see the access point rows).
	if l.accessPointARN != "" {
		for i := range cs {
			if cs[i].via == viaLabEndpoint && cs[i].want == allowed {
				cs[i].skip = "the plan has an access point: its gateway endpoint admits the function's reads through the access point only (the access point rows prove both)"
			}
		}
	}

	// Rows that need a resource only some plans have.
	cross := matrixCase{name: "probe function cannot list the cross-region bucket through the endpoint", who: probeFn, action: "s3:ListBucket", via: viaLabEndpoint, want: implicitlyDenied, by: byEndpoint}
	if l.crossRegionBucket == "" {
		cross.skip = "the plan has no crossRegionBucket output"
	} else {
		cross.resources = []string{"arn:" + partition + ":s3:::" + l.crossRegionBucket}
	}
	cs = append(cs, cross)
	cs = append(cs, accessPointCases(l, fn, otherApp)...)
	cs = append(cs, s3InterfaceCases(l, fn, probeFn, otherApp)...)
	cs = append(cs, restrictedCases(l, restrictedFn)...)
	cs = append(cs, dynamoDBCases(l, fn, probeFn, otherApp)...)
	cs = append(cs, interfaceEndpointCases(l, fn, otherApp)...)
	cs = append(cs, flowLogsCases(l)...)
	cs = append(cs, boundaryCases(l, fn, probeFn, restrictedFn)...)
	return cs
}

// labBoundary is policy.PermissionsBoundary, the boundary the README
// offers to organizations that require one (permissionsBoundaryArn), as the
// evaluator takes it.
func labBoundary() (namedPolicy, error) {
	data, err := json.Marshal(policy.PermissionsBoundary())
	if err != nil {
		return namedPolicy{}, fmt.Errorf("render the lab's permissions boundary: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return namedPolicy{}, fmt.Errorf("read the lab's permissions boundary: %w", err)
	}
	return namedPolicy{Name: "lab-permissions-boundary", Policy: doc}, nil
}

// anything is an identity policy an administrator might add to a role by
// mistake: every action on every resource.
var anything = namedPolicy{Name: "added-by-mistake", Policy: map[string]any{
	"Version":   "2012-10-17",
	"Statement": []any{map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}},
}}

// boundaryCases: with permissionsBoundaryArn set to the lab's boundary, each
// function keeps what it uses, and a grant added to its role beyond the
// boundary has no effect: the boundary caps every role.
// bounded is p with the lab's permissions boundary and, added to its
// identity policies, extra.
func bounded(l *lab, p principal, extra ...namedPolicy) principal {
	p.identity = append(slices.Clone(p.identity), extra...)
	p.boundary = []namedPolicy{l.boundary}
	return p
}

func boundaryCases(l *lab, fn, probeFn, restrictedFn principal) []matrixCase {
	bounded := func(p principal, extra ...namedPolicy) principal { return bounded(l, p, extra...) }
	elsewhere := "arn:" + partition + ":s3:::another-teams-bucket/data.csv"
	cs := []matrixCase{
		{name: "with the lab's boundary, the function still lists the lab bucket through the endpoint", who: bounded(fn), action: "s3:ListBucket",
			resources: []string{l.bucketARN}, via: viaLabEndpoint, want: allowed},
		{name: "with the lab's boundary, the function still writes to its own log group", who: bounded(fn), action: "logs:PutLogEvents",
			resources: []string{l.logGroupARN + ":log-stream:2026/11/23/[$LATEST]0123456789abcdef"}, via: awsAPI, want: allowed},
		{name: "with the lab's boundary, the function role still creates its network interfaces", who: bounded(fn), action: "ec2:CreateNetworkInterface",
			resources: []string{l.ec2ARN("network-interface", newENIID), l.ec2ARN("subnet", l.subnetIDs[0]), l.ec2ARN("security-group", l.sgID)},
			via:       awsAPI, context: map[string]any{"ec2:Vpc": l.vpcARN()}, want: allowed},
		{name: "the boundary caps the function role: a grant of everything added to it cannot write to another bucket", who: bounded(fn, anything),
			action: "s3:PutObject", resources: []string{elsewhere}, via: fromInternet, want: implicitlyDenied, by: byBoundary},
		{name: "the boundary caps the function role: a grant of everything added to it cannot create a role", who: bounded(fn, anything),
			action: "iam:CreateRole", resources: []string{"arn:" + partition + ":iam::" + account + ":role/escalated"}, via: awsAPI,
			want: implicitlyDenied, by: byBoundary},
		{name: "the boundary caps the probe function role: a grant of everything added to it cannot write to another bucket", who: bounded(probeFn, anything),
			action: "s3:PutObject", resources: []string{elsewhere}, via: fromInternet, want: implicitlyDenied, by: byBoundary},
		{name: "the boundary caps the restricted function role: a grant of everything added to it cannot write to another bucket", who: bounded(restrictedFn, anything),
			action: "s3:PutObject", resources: []string{elsewhere}, via: fromInternet, want: implicitlyDenied, by: byBoundary},
	}
	if l.restrictedRole == nil {
		cs[len(cs)-1].skip = "the plan has no restricted tier"
	}
	if l.accessPointARN != "" {
		cs[0].skip = "the plan has an access point: its gateway endpoint admits the function's reads through the access point only"
	}
	return cs
}

// skipUnless marks every case skipped, with why, when the plan lacks what they need.
func skipUnless(have bool, why string, cs []matrixCase) []matrixCase {
	if !have {
		for i := range cs {
			cs[i].skip = why
		}
	}
	return cs
}

// accessPointCases: the lab's access point (VPC network origin) is the function's only
// way through the gateway endpoint. A request through it is evaluated twice, both
// within the gateway endpoint's policy: for the access point ARN against the access
// point's policy, and for the bucket ARN against the bucket's policy, which delegates to
// the account's access points. Each case names both resources.
func accessPointCases(l *lab, fn, otherApp principal) []matrixCase {
	ap, bucket := l.accessPointARN, l.bucketARN
	list := []string{ap, bucket}
	read := []string{ap + "/object/hello.txt", bucket + "/hello.txt"}
	cs := []matrixCase{
		{name: "function lists the bucket through the access point via the gateway endpoint", who: fn, action: "s3:ListBucket", resources: list, via: viaLabEndpoint, accessPt: true, want: allowed},
		{name: "function reads an object through the access point via the gateway endpoint", who: fn, action: "s3:GetObject", resources: read, via: viaLabEndpoint, accessPt: true, want: allowed},
		{name: "function cannot list the bucket by name through the gateway endpoint", who: fn, action: "s3:ListBucket", resources: []string{bucket}, via: viaLabEndpoint, want: implicitlyDenied, by: byEndpoint},
		{name: "function cannot read an object by name through the gateway endpoint", who: fn, action: "s3:GetObject", resources: []string{bucket + "/hello.txt"}, via: viaLabEndpoint, want: implicitlyDenied, by: byEndpoint},
		{name: "function cannot read through the access point from outside the VPC", who: fn, action: "s3:GetObject", resources: read, via: fromInternet, accessPt: true,
			skip: "S3 refuses every request to an access point with VPC network origin that does not come from its VPC before it evaluates any policy (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-vpc.html); that is a network rule, not a policy, so no evaluator can prove it"},
		{name: "function cannot read through the access point via another endpoint", who: fn, action: "s3:GetObject", resources: read, via: viaOtherEndpoint, accessPt: true, want: explicitlyDenied, by: byBucket},
		{name: "another principal cannot read through the access point", who: otherApp, action: "s3:GetObject", resources: read, via: viaLabEndpoint, accessPt: true, want: implicitlyDenied, by: byEndpoint},
		{name: "another principal cannot list through the access point", who: otherApp, action: "s3:ListBucket", resources: list, via: viaLabEndpoint, accessPt: true, want: implicitlyDenied, by: byEndpoint},
	}
	return skipUnless(ap != "", "the plan has no access point "+nameAccessPoint, cs)
}

// s3InterfaceCases: the S3 interface endpoint admits what the gateway endpoint admits,
// and the bucket policy admits reads through it (aws:SourceVpce).
func s3InterfaceCases(l *lab, fn, probeFn, otherApp principal) []matrixCase {
	object := l.bucketARN + "/hello.txt"
	probe := "arn:" + partition + ":s3:::" + l.probeBucket
	cs := []matrixCase{
		{name: "function lists the lab bucket through the S3 interface endpoint", who: fn, action: "s3:ListBucket", resources: []string{l.bucketARN}, want: allowed},
		{name: "function reads a lab object through the S3 interface endpoint", who: fn, action: "s3:GetObject", resources: []string{object}, want: allowed},
		{name: "function cannot put an object through the S3 interface endpoint", who: fn, action: "s3:PutObject", resources: []string{object}, want: explicitlyDenied, by: byBucket},
		{name: "function cannot list the denied probe bucket through the S3 interface endpoint although its role may", who: fn, action: "s3:ListBucket", resources: []string{probe}, want: implicitlyDenied, by: byEndpoint},
		{name: "another principal cannot use the S3 interface endpoint to read the bucket", who: otherApp, action: "s3:GetObject", resources: []string{object}, want: implicitlyDenied, by: byEndpoint},
		{name: "another principal cannot use the S3 interface endpoint to list the bucket", who: otherApp, action: "s3:ListBucket", resources: []string{l.bucketARN}, want: implicitlyDenied, by: byEndpoint},
	}
	for i := range cs {
		cs[i].via, cs[i].through = viaEndpoint, nameS3Interface
	}
	_, ok := l.endpoints[nameS3Interface]
	return skipUnless(ok, "the plan has no S3 interface endpoint "+nameS3Interface, cs)
}

// restrictedCases: the restricted tier's own gateway endpoint admits the function's
// reads under restrictedPrefix only.
func restrictedCases(l *lab, fn principal) []matrixCase {
	prefix := func(p string) map[string]any { return map[string]any{"s3:prefix": p} }
	cs := []matrixCase{
		{name: "restricted function reads under the restricted prefix through the restricted endpoint", who: fn, action: "s3:GetObject", resources: []string{l.bucketARN + "/" + restrictedPrefix + "README.md"}, want: allowed},
		{name: "restricted function cannot read outside the restricted prefix through the restricted endpoint although its role may", who: fn, action: "s3:GetObject", resources: []string{l.bucketARN + "/hello.txt"}, want: implicitlyDenied, by: byEndpoint},
		{name: "restricted function lists the restricted prefix through the restricted endpoint", who: fn, action: "s3:ListBucket", resources: []string{l.bucketARN}, context: prefix(restrictedPrefix), want: allowed},
		{name: "restricted function cannot list the whole bucket through the restricted endpoint", who: fn, action: "s3:ListBucket", resources: []string{l.bucketARN}, context: prefix(""), want: implicitlyDenied, by: byEndpoint},
		{name: "restricted function cannot list another prefix through the restricted endpoint", who: fn, action: "s3:ListBucket", resources: []string{l.bucketARN}, context: prefix("data/"), want: implicitlyDenied, by: byEndpoint},
	}
	for i := range cs {
		cs[i].via, cs[i].through = viaEndpoint, nameRestrictedEndpoint
	}
	_, ok := l.endpoints[nameRestrictedEndpoint]
	return skipUnless(ok, "the plan has no restricted tier endpoint "+nameRestrictedEndpoint, cs)
}

// dynamoDBCases: the DynamoDB gateway endpoint admits the function's reads of the lab
// table only; the role may read the denied table too, on purpose, so that the endpoint
// policy alone refuses it.
func dynamoDBCases(l *lab, fn, probeFn, otherApp principal) []matrixCase {
	item := map[string]any{"dynamodb:LeadingKeys": []string{"lab-item"}}
	cs := []matrixCase{
		{name: "function reads an item of the lab table through the DynamoDB endpoint", who: fn, action: "dynamodb:GetItem", resources: []string{l.tableARN}, want: allowed},
		{name: "function cannot read the denied table through the DynamoDB endpoint although its role may", who: fn, action: "dynamodb:GetItem", resources: []string{l.deniedTableARN}, want: implicitlyDenied, by: byEndpoint},
		{name: "probe function cannot read the denied table", who: probeFn, action: "dynamodb:GetItem", resources: []string{l.deniedTableARN}, want: implicitlyDenied, by: byIdentity},
		{name: "probe function cannot read the lab table", who: probeFn, action: "dynamodb:GetItem", resources: []string{l.tableARN}, want: implicitlyDenied},
		{name: "function cannot put an item in the lab table", who: fn, action: "dynamodb:PutItem", resources: []string{l.tableARN}, want: implicitlyDenied, by: byIdentity},
		{name: "another principal cannot read the lab table through the DynamoDB endpoint", who: otherApp, action: "dynamodb:GetItem", resources: []string{l.tableARN}, want: implicitlyDenied, by: byEndpoint},
	}
	for i := range cs {
		cs[i].via, cs[i].through, cs[i].context = viaEndpoint, nameDynamoDBEndpoint, item
	}
	_, ok := l.endpoints[nameDynamoDBEndpoint]
	return skipUnless(ok && l.tableARN != "", "the plan has no DynamoDB endpoint "+nameDynamoDBEndpoint+" and table "+nameTable, cs)
}

// interfaceEndpointCases: the sts and bedrock-runtime interface endpoints admit the
// function's one use of each.
func interfaceEndpointCases(l *lab, fn, otherApp principal) []matrixCase {
	model := func(id string) string {
		return "arn:" + partition + ":bedrock:" + l.region + "::foundation-model/" + id
	}
	sts := []matrixCase{
		{name: "function calls sts GetCallerIdentity through the sts endpoint", who: fn, action: "sts:GetCallerIdentity", resources: []string{"*"}, want: allowed},
		{name: "another principal cannot call sts GetCallerIdentity through the sts endpoint", who: otherApp, action: "sts:GetCallerIdentity", resources: []string{"*"}, want: implicitlyDenied, by: byEndpoint},
	}
	for i := range sts {
		sts[i].via, sts[i].through = viaEndpoint, nameSTSEndpoint
		sts[i].evaluatorLimit = "iam-simulate allows every authenticated sts:GetCallerIdentity before it reads any policy, the endpoint policy included " +
			"(StsServiceAuthorizer), following AWS's note that the call needs no permission; whether the STS endpoint policy refuses it is for the live verifier's probe"
	}
	_, ok := l.endpoints[nameSTSEndpoint]
	sts = skipUnless(ok, "the plan has no sts endpoint "+nameSTSEndpoint, sts)
	bedrock := []matrixCase{
		{name: "function invokes the configured model through the bedrock-runtime endpoint", who: fn, action: "bedrock:InvokeModel", resources: []string{model(configuredModel)}, want: allowed},
		{name: "function cannot invoke another model through the bedrock-runtime endpoint", who: fn, action: "bedrock:InvokeModel", resources: []string{model(otherModel)}, want: implicitlyDenied, by: byEndpoint},
		{name: "another principal cannot invoke the configured model through the bedrock-runtime endpoint", who: otherApp, action: "bedrock:InvokeModel", resources: []string{model(configuredModel)}, want: implicitlyDenied, by: byEndpoint},
	}
	for i := range bedrock {
		bedrock[i].via, bedrock[i].through = viaEndpoint, nameBedrockEndpoint
	}
	_, ok = l.endpoints[nameBedrockEndpoint]
	bedrock = skipUnless(ok, "the plan has no bedrock-runtime endpoint "+nameBedrockEndpoint, bedrock)
	return append(sts, bedrock...)
}

// flowLogsCases: only VPC Flow Logs, for this account's flow logs, assumes the flow
// logs' role, and the role writes to its log group only.
func flowLogsCases(l *lab) []matrixCase {
	fl := l.flowLogs
	if fl == nil {
		fl = &flowLogsRole{}
	}
	service := servicePrincipal("vpc-flow-logs.amazonaws.com")
	from := func(acct, flowLog string) map[string]any {
		return map[string]any{"aws:SourceAccount": acct, "aws:SourceArn": flowLog}
	}
	otherFlowLog := "arn:" + partition + ":ec2:" + l.region + ":" + otherAccount + ":vpc-flow-log/fl-0fedcba9876543210"
	role := principal{
		arn:          "arn:" + partition + ":sts::" + account + ":assumed-role/" + fl.roleName + "/vpc-flow-logs",
		principalARN: fl.roleARN,
		identity:     fl.policies,
	}
	stream := func(group string) string { return group + ":log-stream:" + labENIID + "-all" }
	cs := []matrixCase{
		{name: "VPC Flow Logs assumes the flow logs role for this account's flow log", who: service, action: "sts:AssumeRole", resources: []string{fl.roleARN}, via: awsAPI, context: from(account, fl.flowLogARN), want: allowed},
		{name: "VPC Flow Logs cannot assume the flow logs role for another account", who: service, action: "sts:AssumeRole", resources: []string{fl.roleARN}, via: awsAPI, context: from(otherAccount, otherFlowLog), want: implicitlyDenied, by: byResource},
		{name: "another service cannot assume the flow logs role", who: servicePrincipal("lambda.amazonaws.com"), action: "sts:AssumeRole", resources: []string{fl.roleARN}, via: awsAPI, context: from(account, fl.flowLogARN), want: implicitlyDenied, by: byResource},
		{name: "flow logs role writes to its log group", who: role, action: "logs:PutLogEvents", resources: []string{stream(fl.logGroupARN)}, via: awsAPI, want: allowed},
		{name: "flow logs role cannot write to another log group", who: role, action: "logs:PutLogEvents", resources: []string{stream(l.logGroupARN)}, via: awsAPI, want: implicitlyDenied, by: byIdentity},
		// With permissionsBoundaryArn set to the lab's boundary (boundaryCases).
		{name: "with the lab's boundary, the flow logs role still writes to its log group", who: bounded(l, role), action: "logs:PutLogEvents",
			resources: []string{stream(fl.logGroupARN)}, via: awsAPI, want: allowed},
		{name: "the boundary caps the flow logs role: a grant of everything added to it cannot delete a log group", who: bounded(l, role, anything),
			action: "logs:DeleteLogGroup", resources: []string{fl.logGroupARN}, via: awsAPI, want: implicitlyDenied, by: byBoundary},
	}
	return skipUnless(l.flowLogs != nil, "the plan has no flow logs role "+nameFlowLogsRole+" (flowLogs is not cloudwatch)", cs)
}

// requestContext returns the context keys a real request c carries.
func requestContext(l *lab, c matrixCase) map[string]any {
	t, _ := time.Parse(time.RFC3339, requestTime)
	ctx := map[string]any{
		"aws:CurrentTime":     requestTime,
		"aws:EpochTime":       strconv.FormatInt(t.Unix(), 10),
		"aws:RequestedRegion": l.region,
		"aws:SecureTransport": "true",
	}
	if c.who.principalARN != "" {
		ctx["aws:PrincipalArn"] = c.who.principalARN
		ctx["aws:PrincipalAccount"] = account
		ctx["aws:PrincipalType"] = "AssumedRole"
	} else {
		ctx["aws:PrincipalServiceName"] = c.who.arn
	}
	s3 := func() {
		if strings.HasPrefix(c.action, "s3:") {
			ctx["s3:authType"] = "REST-HEADER"
			ctx["s3:signatureversion"] = "AWS4-HMAC-SHA256"
			ctx["s3:TlsVersion"] = "1.3"
		}
	}
	inLab := func(endpointID, cidr string) {
		ctx["aws:SourceVpce"] = endpointID
		ctx["aws:SourceVpc"] = l.vpcID
		ctx["aws:VpcSourceIp"] = hostIn(cidr)
		s3()
	}
	switch c.via {
	case viaLabEndpoint, viaLabEndpointPlain:
		inLab(l.endpointID, l.subnetCIDR)
		if c.via == viaLabEndpointPlain {
			ctx["aws:SecureTransport"] = "false"
			delete(ctx, "s3:TlsVersion")
		}
	case viaEndpoint:
		cidr := l.subnetCIDR
		if c.through == nameRestrictedEndpoint {
			cidr = l.restrictedCIDR
		}
		inLab(l.endpoints[c.through].id, cidr)
	case viaOtherEndpoint:
		ctx["aws:SourceVpce"] = otherEndpointID
		ctx["aws:SourceVpc"] = otherVPCID
		ctx["aws:VpcSourceIp"] = "172.31.0.10"
		s3()
	case fromInternet:
		ctx["aws:SourceIp"] = internetIP
		s3()
	}
	if c.accessPt {
		ctx["s3:DataAccessPointArn"] = l.accessPointARN
		ctx["s3:DataAccessPointAccount"] = account
		ctx["s3:AccessPointNetworkOrigin"] = "VPC"
		if c.via == fromInternet {
			ctx["s3:AccessPointNetworkOrigin"] = "Internet"
		}
	}
	for k, v := range c.context {
		ctx[k] = v
	}
	return ctx
}

// resourcePolicy returns the resource policy AWS evaluates for res: a bucket's policy
// for a bucket or object ARN, the access point's policy for an ARN under the access
// point, a role's trust policy for sts:AssumeRole of the role.
func resourcePolicy(l *lab, action, res string) any {
	if b, ok := strings.CutPrefix(res, "arn:"+partition+":s3:::"); ok {
		bucket, _, _ := strings.Cut(b, "/")
		return l.bucketPolicies[bucket]
	}
	if l.accessPointARN != "" && (res == l.accessPointARN || strings.HasPrefix(res, l.accessPointARN+"/")) {
		return l.accessPointPolicy
	}
	if action == "sts:AssumeRole" && l.flowLogs != nil && res == l.flowLogs.roleARN {
		return l.flowLogs.trust
	}
	return nil
}

// simulations expands a case into one simulation per resource, with the policies that
// apply on its route: the principal's identity policies, the resource's policy, and the
// endpoint policy of the endpoint the request passes through.
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
		r.ContextVariables = requestContext(l, c)
		if strings.HasPrefix(c.action, "ec2:") && res != "*" {
			r.ContextVariables["ec2:Region"] = l.region
		}
		s.Simulation.IdentityPolicies = c.who.identity
		s.Simulation.PermissionBoundaryPolicies = c.who.boundary
		if s.Simulation.IdentityPolicies == nil {
			s.Simulation.IdentityPolicies = []namedPolicy{}
		}
		s.Simulation.ServiceControlPolicies = []any{}
		s.Simulation.ResourceControlPolicies = []any{}
		s.Simulation.ResourcePolicy = resourcePolicy(l, c.action, res)
		if c.accessPt {
			s.CarriedContextKeys = accessPointKeys
		}
		switch c.via {
		case viaLabEndpoint, viaLabEndpointPlain:
			s.Simulation.VPCEndpointPolicies = []namedPolicy{l.endpointPolicy}
		case viaEndpoint:
			s.Simulation.VPCEndpointPolicies = []namedPolicy{l.endpoints[c.through].policy}
		case viaOtherEndpoint:
			s.Simulation.VPCEndpointPolicies = []namedPolicy{defaultEndpointPolicy}
		}
		out = append(out, s)
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
