package components

import (
	"encoding/json"
	"fmt"
	"sort"
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
	BucketName      string
	EndpointID      string
	FunctionRoleARN string
	// DeployerARN is the IAM principal (role or user, never an STS session)
	// that runs `pulumi up`; the bucket policy lets it manage the bucket from
	// outside the VPC.
	DeployerARN     string
	LogGroupARN     string
	SubnetIDs       []string
	SecurityGroupID string
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

// versionReads are the read actions on older object versions. The function
// is not granted them, but the bucket is versioned, so they are denied off
// the endpoint with the rest.
var versionReads = []string{"s3:GetObjectVersion", "s3:ListBucketVersions"}

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
func EndpointPolicy(in PolicyInputs) PolicyDocument {
	doc := PolicyDocument{Version: PolicyVersion}
	for _, g := range labReads {
		doc.Statement = append(doc.Statement, Statement{
			Sid:       "Allow" + g.sid,
			Effect:    "Allow",
			Principal: &Principal{AWS: []string{in.FunctionRoleARN}},
			Action:    g.actions,
			Resource:  []string{g.resource(in)},
		})
	}
	return doc
}

// BucketPolicy is the lab bucket's policy.
//
//   - DenyInsecureTransport: every request without TLS is denied
//     (cdk-nag AwsSolutions-S10).
//   - DenyReadsOffEndpoint: reads that do not come through the lab's endpoint
//     (aws:SourceVpce) are denied, except for the deployer, so that `pulumi up`,
//     `refresh` and `destroy` still work from outside the VPC: the provider
//     reads back the seeded objects and lists versions on a forced destroy.
func BucketPolicy(in PolicyInputs) PolicyDocument {
	bucket := []string{in.BucketARN(), in.ObjectsARN()}
	reads := append(LabReadActions(), versionReads...)
	sort.Strings(reads)
	return PolicyDocument{
		Version: PolicyVersion,
		Statement: []Statement{
			denyInsecureTransport(in),
			{
				Sid:       "DenyReadsOffEndpoint",
				Effect:    "Deny",
				Principal: &Principal{Everyone: true},
				Action:    reads,
				Resource:  bucket,
				Condition: Condition{
					"StringNotEquals": {"aws:SourceVpce": {in.EndpointID}},
					"ArnNotEquals":    {"aws:PrincipalArn": {in.DeployerARN}},
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

// RolePolicy is the function role's only policy: read the lab bucket, list
// the probe buckets, write to its own log group, manage its own network
// interfaces.
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
	eniResources := []string{in.ec2ARN("network-interface/*"), in.ec2ARN("security-group/" + in.SecurityGroupID)}
	for _, id := range in.SubnetIDs {
		eniResources = append(eniResources, in.ec2ARN("subnet/"+id))
	}
	doc.Statement = append(doc.Statement,
		Statement{
			Sid:      "WriteOwnLogGroup",
			Effect:   "Allow",
			Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resource: []string{in.LogGroupARN + ":*"},
		},
		// Deviation from cdk-nag AwsSolutions-IAM5 and Checkov CKV_AWS_355
		// (wildcard resource): ec2:DescribeNetworkInterfaces and
		// ec2:DescribeSubnets do not support resource-level permissions; AWS
		// only accepts "*" for them.
		Statement{
			Sid:      "DescribeNetwork",
			Effect:   "Allow",
			Action:   []string{"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"},
			Resource: []string{"*"},
		},
		Statement{
			Sid:      "CreateFunctionENIs",
			Effect:   "Allow",
			Action:   []string{"ec2:CreateNetworkInterface"},
			Resource: eniResources,
		},
		// The ENIs' IDs are not known before Lambda creates them, so this is
		// scoped to network interfaces of this account and region.
		Statement{
			Sid:    "ManageFunctionENIs",
			Effect: "Allow",
			Action: []string{"ec2:AssignPrivateIpAddresses", "ec2:DeleteNetworkInterface",
				"ec2:UnassignPrivateIpAddresses"},
			Resource: []string{in.ec2ARN("network-interface/*")},
		},
	)
	return doc
}
