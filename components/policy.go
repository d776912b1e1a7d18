package components

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// PolicyVersion is the IAM policy language version every lab policy uses.
const PolicyVersion = "2012-10-17"

// PolicyDocument is an IAM policy: identity, resource (bucket) or VPC endpoint.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	ID        string      `json:"Id,omitempty"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a PolicyDocument.
type Statement struct {
	Sid       string     `json:"Sid,omitempty"`
	Effect    string     `json:"Effect"`
	Principal *Principal `json:"Principal,omitempty"`
	Action    []string   `json:"Action"`
	Resource  []string   `json:"Resource,omitempty"`
	Condition Condition  `json:"Condition,omitempty"`
}

// Condition maps a condition operator (StringEquals, Bool, ...) to its keys
// and their values. encoding/json writes map keys sorted, so the rendered
// policy is stable.
type Condition map[string]map[string][]string

// Principal is either everyone ("*") or a set of AWS or service principals.
type Principal struct {
	Everyone bool
	AWS      []string
	Service  []string
}

// MarshalJSON renders "*" for everyone, otherwise {"AWS": [...], "Service": [...]}.
func (p Principal) MarshalJSON() ([]byte, error) {
	if p.Everyone {
		return json.Marshal("*")
	}
	m := map[string][]string{}
	if len(p.AWS) > 0 {
		m["AWS"] = p.AWS
	}
	if len(p.Service) > 0 {
		m["Service"] = p.Service
	}
	return json.Marshal(m)
}

// JSON renders the document; the lab's documents always marshal.
func (d PolicyDocument) JSON() (string, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("marshal policy: %w", err)
	}
	return string(b), nil
}

// PolicyInputs are the facts every lab policy is built from. They are known at
// deployment time; the Pulumi program resolves them and calls the builders.
type PolicyInputs struct {
	Partition       string
	Region          string
	AccountID       string
	VPCID           string
	BucketName      string
	EndpointID      string
	FunctionRoleARN string
	// AdminPrincipalARNs are the IAM roles and users (never STS sessions)
	// that may manage the lab bucket from outside the VPC: `pulumi up`,
	// `refresh` and `destroy` read its objects and versions. Entries may be
	// ArnLike patterns (for SSO roles' generated names).
	AdminPrincipalARNs []string
	LogGroupARN        string
	// ProbeBuckets are the buckets the function's negative probes list: the
	// role may list them, the endpoint policy does not allow them.
	ProbeBuckets []string
}

// BucketARN is the lab bucket's ARN.
func (in PolicyInputs) BucketARN() string {
	return fmt.Sprintf("arn:%s:s3:::%s", in.Partition, in.BucketName)
}

// ObjectsARN matches every object of the lab bucket.
func (in PolicyInputs) ObjectsARN() string { return in.BucketARN() + "/*" }

func (in PolicyInputs) ec2ARN(resource string) string {
	return fmt.Sprintf("arn:%s:ec2:%s:%s:%s", in.Partition, in.Region, in.AccountID, resource)
}

// VPCARN is the lab VPC's ARN, the value of the ec2:Vpc condition key.
func (in PolicyInputs) VPCARN() string { return in.ec2ARN("vpc/" + in.VPCID) }

// grant is one permission the lab's function needs on the lab bucket. The
// endpoint policy and the role policy are both built from labReads, and the
// bucket policy denies the same actions off the endpoint, so the three cannot
// drift apart.
type grant struct {
	sid      string
	actions  []string
	resource func(PolicyInputs) string
}

var labReads = []grant{
	{sid: "ListLabBucket", actions: []string{"s3:ListBucket"}, resource: PolicyInputs.BucketARN},
	{sid: "ReadLabObjects", actions: []string{"s3:GetObject"}, resource: PolicyInputs.ObjectsARN},
}

// offEndpointReads are the actions the bucket policy denies off the
// endpoint: every object read (GetObject, GetObjectVersion, GetObjectAcl,
// GetObjectAttributes, GetObjectTagging, ...) and every listing (ListBucket,
// ListBucketVersions, ListBucketMultipartUploads), by wildcard, so that no
// read action is forgotten by name. IAM action wildcards match within the
// service prefix: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
var offEndpointReads = []string{"s3:GetObject*", "s3:ListBucket*"}

// LabReadActions are the S3 actions the lab's function is granted.
func LabReadActions() []string {
	var out []string
	for _, g := range labReads {
		out = append(out, g.actions...)
	}
	return out
}

// EndpointPolicy is the S3 gateway endpoint's policy: the lab's function role
// may list the lab bucket and read its objects through the endpoint, nothing
// else, nobody else. Anything not allowed here is denied at the endpoint, for
// every bucket, which is what makes "a bucket the endpoint does not allow" fail.
//
// A gateway endpoint's policy must name Principal "*"; the principal is
// narrowed with the aws:PrincipalArn condition key ("Principals for gateway
// endpoints", https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
// For a Lambda function, aws:PrincipalArn is its execution role's ARN, not
// the STS session's
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
func EndpointPolicy(in PolicyInputs) PolicyDocument {
	doc := PolicyDocument{Version: PolicyVersion}
	for _, g := range labReads {
		doc.Statement = append(doc.Statement, Statement{
			Sid:       "Allow" + g.sid,
			Effect:    "Allow",
			Principal: &Principal{Everyone: true},
			Action:    g.actions,
			Resource:  []string{g.resource(in)},
			Condition: Condition{"ArnEquals": {"aws:PrincipalArn": {in.FunctionRoleARN}}},
		})
	}
	return doc
}

// BucketPolicy is the lab bucket's policy.
//
//   - DenyInsecureTransport: every request without TLS is denied
//     (cdk-nag AwsSolutions-S10).
//   - DenyReadsOffEndpoint: object reads and listings that do not come
//     through the lab's endpoint (aws:SourceVpce) are denied, except for the
//     admin principals (aws:PrincipalArn, ArnNotLike so that patterns work),
//     so that `pulumi up`, `refresh` and `destroy` still work from outside
//     the VPC: the provider reads back the seeded objects and lists versions
//     on a forced destroy. A negated operator with several values denies
//     only when the key matches none of them
//     (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html).
func BucketPolicy(in PolicyInputs) PolicyDocument {
	bucket := []string{in.BucketARN(), in.ObjectsARN()}
	return PolicyDocument{
		Version: PolicyVersion,
		Statement: []Statement{
			denyInsecureTransport(in),
			{
				Sid:       "DenyReadsOffEndpoint",
				Effect:    "Deny",
				Principal: &Principal{Everyone: true},
				Action:    slices.Clone(offEndpointReads),
				Resource:  bucket,
				Condition: Condition{
					"StringNotEquals": {"aws:SourceVpce": {in.EndpointID}},
					"ArnNotLike":      {"aws:PrincipalArn": slices.Clone(in.AdminPrincipalARNs)},
				},
			},
		},
	}
}

// TLSOnlyBucketPolicy is the probe buckets' policy: every request without
// TLS is denied (cdk-nag AwsSolutions-S10).
func TLSOnlyBucketPolicy(in PolicyInputs) PolicyDocument {
	return PolicyDocument{Version: PolicyVersion, Statement: []Statement{denyInsecureTransport(in)}}
}

func denyInsecureTransport(in PolicyInputs) Statement {
	return Statement{
		Sid:       "DenyInsecureTransport",
		Effect:    "Deny",
		Principal: &Principal{Everyone: true},
		Action:    []string{"s3:*"},
		Resource:  []string{in.BucketARN(), in.ObjectsARN()},
		Condition: Condition{"Bool": {"aws:SecureTransport": {"false"}}},
	}
}

// AssumeRolePolicy lets only the Lambda service, acting for this account,
// assume the function's role.
func AssumeRolePolicy(in PolicyInputs) PolicyDocument {
	return PolicyDocument{
		Version: PolicyVersion,
		Statement: []Statement{{
			Sid:       "LambdaAssumeRole",
			Effect:    "Allow",
			Principal: &Principal{Service: []string{"lambda.amazonaws.com"}},
			Action:    []string{"sts:AssumeRole"},
			// Confused-deputy protection: only Lambda acting for this account.
			Condition: Condition{"StringEquals": {"aws:SourceAccount": {in.AccountID}}},
		}},
	}
}

// RolePolicy is the function role's data policy: read the lab bucket, list
// the probe buckets, write to its own log group. Its network permissions are
// in ENIPolicy, which must outlive the function's network (see there).
func RolePolicy(in PolicyInputs) PolicyDocument {
	doc := PolicyDocument{Version: PolicyVersion}
	for _, g := range labReads {
		doc.Statement = append(doc.Statement, Statement{
			Sid: g.sid, Effect: "Allow", Action: g.actions, Resource: []string{g.resource(in)},
		})
	}
	if len(in.ProbeBuckets) > 0 {
		// Granted on purpose: with IAM allowing the listing, a refused probe
		// proves the endpoint policy (or the missing network path) refused it.
		var arns []string
		for _, name := range in.ProbeBuckets {
			arns = append(arns, fmt.Sprintf("arn:%s:s3:::%s", in.Partition, name))
		}
		doc.Statement = append(doc.Statement, Statement{
			Sid: "ListProbeBuckets", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: arns,
		})
	}
	doc.Statement = append(doc.Statement, Statement{
		Sid:      "WriteOwnLogGroup",
		Effect:   "Allow",
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resource: []string{in.LogGroupARN + ":*"},
	})
	return doc
}

// ENIActions are the EC2 actions Lambda takes with the execution role to
// attach a function to a VPC, beside the Describe calls
// (AWSLambdaVPCAccessExecutionRole;
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions).
var ENIActions = []string{
	"ec2:AssignPrivateIpAddresses",
	"ec2:CreateNetworkInterface",
	"ec2:DeleteNetworkInterface",
	"ec2:UnassignPrivateIpAddresses",
}

// ENIPolicy is the function role's network policy: Lambda creates, uses and
// deletes the function's network interfaces with it. It names no subnet or
// security group ID: on destroy, the provider's replaceSecurityGroupsOnDestroy
// moves the function to the VPC's default security group, and Lambda creates
// interfaces in it with this role; afterwards Lambda still needs the role to
// delete its interfaces while the subnets and security group are deleted.
// Scoping by the ec2:Vpc condition key on every resource the actions touch
// keeps the role out of every other VPC
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html).
// The program creates this policy before the subnets, security group and
// function, which depend on it, so it is deleted after all of them.
func ENIPolicy(in PolicyInputs) PolicyDocument {
	inVPC := Condition{"ArnEquals": {"ec2:Vpc": {in.VPCARN()}}}
	return PolicyDocument{
		Version: PolicyVersion,
		Statement: []Statement{
			// Deviation from cdk-nag AwsSolutions-IAM5 and Checkov CKV_AWS_355
			// (wildcard resource): ec2:DescribeNetworkInterfaces and
			// ec2:DescribeSubnets do not support resource-level permissions;
			// AWS only accepts "*" for them.
			{
				Sid:      "DescribeNetwork",
				Effect:   "Allow",
				Action:   []string{"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"},
				Resource: []string{"*"},
			},
			{
				Sid:    "CreateFunctionENIsInLabVPC",
				Effect: "Allow",
				Action: []string{"ec2:CreateNetworkInterface"},
				Resource: []string{in.ec2ARN("network-interface/*"), in.ec2ARN("security-group/*"),
					in.ec2ARN("subnet/*")},
				Condition: inVPC,
			},
			// The interfaces' IDs are not known before Lambda creates them.
			{
				Sid:    "ManageFunctionENIsInLabVPC",
				Effect: "Allow",
				Action: []string{"ec2:AssignPrivateIpAddresses", "ec2:DeleteNetworkInterface",
					"ec2:UnassignPrivateIpAddresses"},
				Resource:  []string{in.ec2ARN("network-interface/*")},
				Condition: inVPC,
			},
		},
	}
}

// ArnLike reports whether arn matches pattern as IAM's ArnLike condition
// operator does: each of the six colon-separated parts is matched on its own,
// * matching any run of characters (slashes included) and ? one character
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN).
// The program uses it only to check that the identity running an update is
// among the bucket's admins; the policies themselves are evaluated by AWS.
func ArnLike(pattern, arn string) bool {
	ps, as := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(ps) != 6 || len(as) != 6 {
		return false
	}
	for i := range ps {
		if !globMatch(ps[i], as[i]) {
			return false
		}
	}
	return true
}

// globMatch matches s against a pattern of literal characters, * and ?.
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globMatch(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && globMatch(pattern[1:], s[1:])
}
