package components

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

var testInputs = PolicyInputs{
	Partition:       "aws",
	Region:          "us-east-1",
	AccountID:       "111122223333",
	BucketName:      "s3-gw-lab-dev-abc",
	EndpointID:      "vpce-0abc",
	FunctionRoleARN: "arn:aws:iam::111122223333:role/lab-fn-role-1234",
	DeployerARN:     "arn:aws:iam::111122223333:role/platform-deployer",
	LogGroupARN:     "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/lab-1",
	SubnetIDs:       []string{"subnet-a", "subnet-b"},
	SecurityGroupID: "sg-1",
}

const (
	testBucketARN  = "arn:aws:s3:::s3-gw-lab-dev-abc"
	testObjectsARN = "arn:aws:s3:::s3-gw-lab-dev-abc/*"
)

// TestEndpointPolicyLeastPrivilege: the endpoint allows only the function's
// role, only the lab's read actions, only on the lab bucket and its objects.
// Enforces cdk-nag AwsSolutions-IAM5 and Checkov CKV_AWS_355/CKV_AWS_288 for
// the endpoint (no wildcard action or resource, no Principal "*" allow).
func TestEndpointPolicyLeastPrivilege(t *testing.T) {
	doc := EndpointPolicy(testInputs)
	if len(doc.Statement) == 0 {
		t.Fatal("endpoint policy has no statements")
	}
	var actions []string
	for _, s := range doc.Statement {
		if s.Effect != "Allow" {
			t.Errorf("statement %s: effect %s, want Allow", s.Sid, s.Effect)
		}
		if s.Principal == nil || s.Principal.Everyone || !slices.Equal(s.Principal.AWS, []string{testInputs.FunctionRoleARN}) {
			t.Errorf("statement %s: principal %+v, want only the function role %s", s.Sid, s.Principal, testInputs.FunctionRoleARN)
		}
		for _, r := range s.Resource {
			if r != testBucketARN && r != testObjectsARN {
				t.Errorf("statement %s: resource %s, want only the lab bucket or its objects", s.Sid, r)
			}
		}
		for _, a := range s.Action {
			if strings.Contains(a, "*") {
				t.Errorf("statement %s: wildcard action %s", s.Sid, a)
			}
		}
		actions = append(actions, s.Action...)
	}
	slices.Sort(actions)
	if want := []string{"s3:GetObject", "s3:ListBucket"}; !slices.Equal(actions, want) {
		t.Errorf("endpoint actions: got %v, want %v", actions, want)
	}
}

// TestBucketPolicy: TLS only (cdk-nag AwsSolutions-S10), and reads denied
// unless through the endpoint or by the deployer.
func TestBucketPolicy(t *testing.T) {
	doc := BucketPolicy(testInputs)
	tls := statement(t, doc, "DenyInsecureTransport")
	if tls.Effect != "Deny" || !tls.Principal.Everyone || !slices.Equal(tls.Action, []string{"s3:*"}) {
		t.Errorf("DenyInsecureTransport: got %+v, want Deny * s3:*", tls)
	}
	if got := tls.Condition["Bool"]["aws:SecureTransport"]; !slices.Equal(got, []string{"false"}) {
		t.Errorf("DenyInsecureTransport condition: got %v, want aws:SecureTransport false", got)
	}
	if want := []string{testBucketARN, testObjectsARN}; !slices.Equal(tls.Resource, want) {
		t.Errorf("DenyInsecureTransport resources: got %v, want %v", tls.Resource, want)
	}

	off := statement(t, doc, "DenyReadsOffEndpoint")
	if off.Effect != "Deny" || !off.Principal.Everyone {
		t.Errorf("DenyReadsOffEndpoint: got effect %s principal %+v, want Deny *", off.Effect, off.Principal)
	}
	for _, a := range LabReadActions() {
		if !slices.Contains(off.Action, a) {
			t.Errorf("DenyReadsOffEndpoint does not deny %s, which the function is granted", a)
		}
	}
	for _, a := range []string{"s3:GetObjectVersion", "s3:ListBucketVersions"} {
		if !slices.Contains(off.Action, a) {
			t.Errorf("DenyReadsOffEndpoint does not deny %s", a)
		}
	}
	for _, a := range off.Action {
		if strings.HasPrefix(a, "s3:Put") || strings.HasPrefix(a, "s3:Delete") || a == "s3:*" {
			t.Errorf("DenyReadsOffEndpoint denies %s: the deployer could not seed or destroy the bucket", a)
		}
	}
	if got := off.Condition["StringNotEquals"]["aws:SourceVpce"]; !slices.Equal(got, []string{testInputs.EndpointID}) {
		t.Errorf("DenyReadsOffEndpoint aws:SourceVpce: got %v, want [%s]", got, testInputs.EndpointID)
	}
	if got := off.Condition["ArnNotEquals"]["aws:PrincipalArn"]; !slices.Equal(got, []string{testInputs.DeployerARN}) {
		t.Errorf("DenyReadsOffEndpoint deployer exception: got %v, want [%s]", got, testInputs.DeployerARN)
	}
	for _, s := range doc.Statement {
		if s.Effect == "Allow" {
			t.Errorf("bucket policy statement %s allows: a Principal * allow would make the bucket public", s.Sid)
		}
	}
}

// TestRolePolicyLeastPrivilege enforces cdk-nag AwsSolutions-IAM5 and Checkov
// CKV_AWS_355 (wildcard resources only where AWS accepts nothing else),
// CKV_AWS_1/CKV_AWS_62 (no "*" actions) and CKV_AWS_290 (no unscoped writes).
func TestRolePolicyLeastPrivilege(t *testing.T) {
	doc := RolePolicy(testInputs)
	wildcardOK := map[string]bool{"ec2:DescribeNetworkInterfaces": true, "ec2:DescribeSubnets": true}
	want := map[string][]string{
		"s3:ListBucket":                  {testBucketARN},
		"s3:GetObject":                   {testObjectsARN},
		"logs:CreateLogStream":           {testInputs.LogGroupARN + ":*"},
		"logs:PutLogEvents":              {testInputs.LogGroupARN + ":*"},
		"ec2:DescribeNetworkInterfaces":  {"*"},
		"ec2:DescribeSubnets":            {"*"},
		"ec2:CreateNetworkInterface":     {"arn:aws:ec2:us-east-1:111122223333:network-interface/*", "arn:aws:ec2:us-east-1:111122223333:security-group/sg-1", "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-a", "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-b"},
		"ec2:DeleteNetworkInterface":     {"arn:aws:ec2:us-east-1:111122223333:network-interface/*"},
		"ec2:AssignPrivateIpAddresses":   {"arn:aws:ec2:us-east-1:111122223333:network-interface/*"},
		"ec2:UnassignPrivateIpAddresses": {"arn:aws:ec2:us-east-1:111122223333:network-interface/*"},
	}
	got := map[string][]string{}
	for _, s := range doc.Statement {
		if s.Effect != "Allow" || s.Principal != nil || len(s.Condition) > 0 {
			t.Errorf("statement %s: got effect %s principal %v condition %v, want a plain Allow", s.Sid, s.Effect, s.Principal, s.Condition)
		}
		for _, a := range s.Action {
			if strings.Contains(a, "*") {
				t.Errorf("statement %s: wildcard action %s", s.Sid, a)
			}
			if slices.Contains(s.Resource, "*") && !wildcardOK[a] {
				t.Errorf("statement %s: %s on Resource \"*\", but AWS scopes it to resources", s.Sid, a)
			}
			got[a] = append(got[a], s.Resource...)
		}
	}
	if len(got) != len(want) {
		t.Errorf("role actions: got %d (%v), want %d", len(got), keys(got), len(want))
	}
	for a, w := range want {
		if !slices.Equal(got[a], w) {
			t.Errorf("role action %s: got resources %v, want %v", a, got[a], w)
		}
	}
}

// TestPoliciesShareOneSource: what the endpoint lets through is exactly what
// the role is granted on S3, so neither can drift without the other.
func TestPoliciesShareOneSource(t *testing.T) {
	type perm struct{ action, resource string }
	collect := func(doc PolicyDocument, prefix string) []perm {
		var out []perm
		for _, s := range doc.Statement {
			for _, a := range s.Action {
				if !strings.HasPrefix(a, prefix) {
					continue
				}
				for _, r := range s.Resource {
					out = append(out, perm{a, r})
				}
			}
		}
		return out
	}
	ep := collect(EndpointPolicy(testInputs), "s3:")
	role := collect(RolePolicy(testInputs), "s3:")
	if !slices.Equal(ep, role) {
		t.Errorf("endpoint allows %v, role is granted %v: want the same", ep, role)
	}
}

func TestAssumeRolePolicy(t *testing.T) {
	doc := AssumeRolePolicy(testInputs)
	if len(doc.Statement) != 1 {
		t.Fatalf("trust policy: got %d statements, want 1", len(doc.Statement))
	}
	s := doc.Statement[0]
	if !slices.Equal(s.Principal.Service, []string{"lambda.amazonaws.com"}) || len(s.Principal.AWS) > 0 || s.Principal.Everyone {
		t.Errorf("trust principal: got %+v, want only lambda.amazonaws.com", s.Principal)
	}
	if !slices.Equal(s.Action, []string{"sts:AssumeRole"}) {
		t.Errorf("trust action: got %v, want sts:AssumeRole", s.Action)
	}
	if got := s.Condition["StringEquals"]["aws:SourceAccount"]; !slices.Equal(got, []string{testInputs.AccountID}) {
		t.Errorf("trust condition aws:SourceAccount: got %v, want [%s]", got, testInputs.AccountID)
	}
}

// TestPolicyJSON checks the rendered form IAM reads: "*" principals as a
// string, keys as IAM spells them, stable output.
func TestPolicyJSON(t *testing.T) {
	got, err := BucketPolicy(testInputs).JSON()
	if err != nil {
		t.Fatal(err)
	}
	again, err := BucketPolicy(testInputs).JSON()
	if err != nil {
		t.Fatal(err)
	}
	if got != again {
		t.Error("rendering the same policy twice gave different JSON")
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(got), &raw); err != nil {
		t.Fatalf("policy is not JSON: %v", err)
	}
	if raw["Version"] != PolicyVersion {
		t.Errorf("Version: got %v, want %s", raw["Version"], PolicyVersion)
	}
	first := raw["Statement"].([]any)[0].(map[string]any)
	if first["Principal"] != "*" {
		t.Errorf("Principal: got %v, want \"*\"", first["Principal"])
	}
	for _, k := range []string{"Sid", "Effect", "Action", "Resource", "Condition"} {
		if _, ok := first[k]; !ok {
			t.Errorf("statement has no %s key: %s", k, got)
		}
	}
}

func statement(t *testing.T, doc PolicyDocument, sid string) Statement {
	t.Helper()
	for _, s := range doc.Statement {
		if s.Sid == sid {
			return s
		}
	}
	t.Fatalf("no statement %s in %+v", sid, doc)
	return Statement{}
}

func keys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestProbeBucketsListedNotReadable: the role may only list the probe
// buckets, never read their objects, and the endpoint never allows them.
func TestProbeBucketsListedNotReadable(t *testing.T) {
	in := testInputs
	in.ProbeBuckets = []string{"deny-probe", "xr-probe"}
	doc := RolePolicy(in)
	s := statement(t, doc, "ListProbeBuckets")
	if !slices.Equal(s.Action, []string{"s3:ListBucket"}) ||
		!slices.Equal(s.Resource, []string{"arn:aws:s3:::deny-probe", "arn:aws:s3:::xr-probe"}) {
		t.Errorf("ListProbeBuckets: got %v on %v, want s3:ListBucket on the two probe buckets", s.Action, s.Resource)
	}
	ep, err := EndpointPolicy(in).JSON()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ep, "probe") {
		t.Errorf("endpoint policy mentions a probe bucket: %s", ep)
	}
	if _, err := TLSOnlyBucketPolicy(PolicyInputs{Partition: "aws", BucketName: "deny-probe"}).JSON(); err != nil {
		t.Fatal(err)
	}
	tls := TLSOnlyBucketPolicy(PolicyInputs{Partition: "aws", BucketName: "deny-probe"})
	if len(tls.Statement) != 1 || tls.Statement[0].Effect != "Deny" ||
		!slices.Equal(tls.Statement[0].Resource, []string{"arn:aws:s3:::deny-probe", "arn:aws:s3:::deny-probe/*"}) {
		t.Errorf("TLS-only policy: got %+v", tls)
	}
}
