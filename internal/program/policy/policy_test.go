package policy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

var testInputs = Inputs{
	Partition:       "aws",
	Region:          "us-east-1",
	AccountID:       "111122223333",
	BucketName:      "s3-gw-lab-dev-abc",
	EndpointIDs:     []string{"vpce-0abc"},
	VPCID:           "vpc-0lab",
	FunctionRoleARN: "arn:aws:iam::111122223333:role/lab-fn-role-1234",
	AdminPrincipalARNs: []string{"arn:aws:iam::111122223333:role/platform-deployer",
		"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*"},
	LogGroupARNs: []string{"arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/lab-1"},
}

const (
	testBucketARN  = "arn:aws:s3:::s3-gw-lab-dev-abc"
	testObjectsARN = "arn:aws:s3:::s3-gw-lab-dev-abc/*"
)

// TestEndpointPolicyLeastPrivilege: the endpoint allows only the function's
// role, only the lab's read actions, only on the lab bucket and its objects.
// Enforces cdk-nag AwsSolutions-IAM5 and Checkov CKV_AWS_355/CKV_AWS_288 for
// the endpoint (no wildcard action or resource). A gateway endpoint's policy
// must say Principal "*" and name the principal in an aws:PrincipalArn
// condition ("Principals for gateway endpoints",
// https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html),
// so every Principal "*" statement must carry that condition.
func TestEndpointPolicyLeastPrivilege(t *testing.T) {
	doc := Endpoint(testInputs)
	if len(doc.Statement) == 0 {
		t.Fatal("endpoint policy has no statements")
	}
	var actions []string
	for _, s := range doc.Statement {
		if s.Effect != "Allow" {
			t.Errorf("statement %s: effect %s, want Allow", s.Sid, s.Effect)
		}
		if s.Principal == nil || !s.Principal.Everyone {
			t.Errorf("statement %s: principal %+v, want \"*\" (gateway endpoints accept no other)", s.Sid, s.Principal)
		}
		if got := s.Condition["ArnEquals"]["aws:PrincipalArn"]; len(s.Condition) != 1 || !slices.Equal(got, []string{testInputs.FunctionRoleARN}) {
			t.Errorf("statement %s: condition %v, want only ArnEquals aws:PrincipalArn [%s]", s.Sid, s.Condition, testInputs.FunctionRoleARN)
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
	doc := Bucket(testInputs)
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
	if want := []string{"s3:GetObject*", "s3:ListBucket*"}; !slices.Equal(off.Action, want) {
		t.Errorf("DenyReadsOffEndpoint actions: got %v, want %v (every object read and listing)", off.Action, want)
	}
	for _, a := range off.Action {
		if strings.HasPrefix(a, "s3:Put") || strings.HasPrefix(a, "s3:Delete") || a == "s3:*" {
			t.Errorf("DenyReadsOffEndpoint denies %s: the deployer could not seed or destroy the bucket", a)
		}
	}
	if got := off.Condition["StringNotEquals"]["aws:SourceVpce"]; !slices.Equal(got, []string{testInputs.EndpointIDs[0]}) {
		t.Errorf("DenyReadsOffEndpoint aws:SourceVpce: got %v, want [%s]", got, testInputs.EndpointIDs[0])
	}
	if got := off.Condition["ArnNotLike"]["aws:PrincipalArn"]; !slices.Equal(got, testInputs.AdminPrincipalARNs) {
		t.Errorf("DenyReadsOffEndpoint admin exception: got %v, want %v", got, testInputs.AdminPrincipalARNs)
	}
	for _, s := range doc.Statement {
		if s.Effect == "Allow" {
			t.Errorf("bucket policy statement %s allows: a Principal * allow would make the bucket public", s.Sid)
		}
	}
}

// TestRolePolicyLeastPrivilege enforces cdk-nag AwsSolutions-IAM5 and Checkov
// CKV_AWS_355 (wildcard resources only where AWS accepts nothing else),
// CKV_AWS_1/CKV_AWS_62 (no "*" actions) and CKV_AWS_290 (no unscoped writes)
// on the role's two policies together.
func TestRolePolicyLeastPrivilege(t *testing.T) {
	doc := Role(testInputs)
	doc.Statement = append(doc.Statement, ENI(testInputs).Statement...)
	wildcardOK := map[string]bool{"ec2:DescribeNetworkInterfaces": true, "ec2:DescribeSubnets": true}
	const ec2 = "arn:aws:ec2:us-east-1:111122223333:"
	want := map[string][]string{
		"s3:ListBucket":                  {testBucketARN},
		"s3:GetObject":                   {testObjectsARN},
		"logs:CreateLogStream":           {testInputs.LogGroupARNs[0] + ":*"},
		"logs:PutLogEvents":              {testInputs.LogGroupARNs[0] + ":*"},
		"ec2:DescribeNetworkInterfaces":  {"*"},
		"ec2:DescribeSubnets":            {"*"},
		"ec2:CreateNetworkInterface":     {ec2 + "security-group/*", ec2 + "subnet/*", ec2 + "network-interface/*"},
		"ec2:DeleteNetworkInterface":     {ec2 + "network-interface/*"},
		"ec2:AssignPrivateIpAddresses":   {ec2 + "network-interface/*"},
		"ec2:UnassignPrivateIpAddresses": {ec2 + "network-interface/*"},
	}
	got := map[string][]string{}
	for _, s := range doc.Statement {
		if s.Effect != "Allow" || s.Principal != nil {
			t.Errorf("statement %s: got effect %s principal %v, want an Allow", s.Sid, s.Effect, s.Principal)
		}
		// Every subnet and security group the role may use is the lab
		// VPC's: a "subnet/*" or "security-group/*" resource needs the
		// ec2:Vpc condition (ArnEquals: they always carry the key). The
		// network-interface/* statements carry none, so that Lambda's check
		// of the role holds whatever context it has (ENI).
		lab := []string{ec2 + "vpc/vpc-0lab"}
		scoped := len(s.Condition) == 1 && slices.Equal(s.Condition["ArnEquals"]["ec2:Vpc"], lab)
		for _, r := range s.Resource {
			switch {
			case r == ec2+"network-interface/*":
				if len(s.Condition) > 0 {
					t.Errorf("statement %s: %s with condition %v; Lambda's check of the role may not satisfy it", s.Sid, r, s.Condition)
				}
			case strings.HasSuffix(r, "/*") && strings.HasPrefix(r, ec2) && !scoped:
				t.Errorf("statement %s: %s without the ec2:Vpc condition of the lab VPC (condition %v)", s.Sid, r, s.Condition)
			}
		}
		if len(s.Condition) > 0 && !scoped {
			t.Errorf("statement %s: unexpected condition %v", s.Sid, s.Condition)
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
	collect := func(doc Document, prefix string) []perm {
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
	ep := collect(Endpoint(testInputs), "s3:")
	role := collect(Role(testInputs), "s3:")
	if !slices.Equal(ep, role) {
		t.Errorf("endpoint allows %v, role is granted %v: want the same", ep, role)
	}
}

// TestENIPolicyNamesNoNetworkID: the ENI policy must keep working when the
// function is moved to the VPC's default security group on destroy, so it
// names no security group or subnet ID; the rendered policy never mentions
// one.
func TestENIPolicyNamesNoNetworkID(t *testing.T) {
	got, err := ENI(testInputs).JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"sg-", "subnet-"} {
		if strings.Contains(got, id) {
			t.Errorf("ENI policy names a %s ID: %s", id, got)
		}
	}
	if !strings.Contains(got, `"ec2:Vpc":["arn:aws:ec2:us-east-1:111122223333:vpc/vpc-0lab"]`) {
		t.Errorf("ENI policy is not scoped to the lab VPC: %s", got)
	}
}

func TestArnLike(t *testing.T) {
	for _, c := range []struct {
		pattern, arn string
		want         bool
	}{
		{"arn:aws:iam::111122223333:role/ci", "arn:aws:iam::111122223333:role/ci", true},
		{"arn:aws:iam::111122223333:role/ci", "arn:aws:iam::111122223333:role/ci2", false},
		{"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*",
			"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123abcd", true},
		{"arn:aws:iam::111122223333:role/team-?", "arn:aws:iam::111122223333:role/team-a", true},
		{"arn:aws:iam::111122223333:role/team-?", "arn:aws:iam::111122223333:role/team-ab", false},
		{"arn:aws:iam::111122223333:role/*", "arn:aws:iam::444455556666:role/ci", false},
		{"arn:aws:iam::*:role/ci", "arn:aws:iam::444455556666:role/ci", true},
		{"arn:aws:iam::111122223333:role/ci", "not-an-arn", false},
	} {
		if got := ArnLike(c.pattern, c.arn); got != c.want {
			t.Errorf("ArnLike(%q, %q): got %v, want %v", c.pattern, c.arn, got, c.want)
		}
	}
}

func TestAssumeRolePolicy(t *testing.T) {
	doc := AssumeRole(testInputs)
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
	got, err := Bucket(testInputs).JSON()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Bucket(testInputs).JSON()
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
	if raw["Version"] != Version {
		t.Errorf("Version: got %v, want %s", raw["Version"], Version)
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

func statement(t *testing.T, doc Document, sid string) Statement {
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
	doc := ProbeRole(in)
	s := statement(t, doc, "ListProbeBuckets")
	if !slices.Equal(s.Action, []string{"s3:ListBucket"}) ||
		!slices.Equal(s.Resource, []string{"arn:aws:s3:::deny-probe", "arn:aws:s3:::xr-probe"}) {
		t.Errorf("ListProbeBuckets: got %v on %v, want s3:ListBucket on the two probe buckets", s.Action, s.Resource)
	}
	ep, err := Endpoint(in).JSON()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ep, "probe") {
		t.Errorf("endpoint policy mentions a probe bucket: %s", ep)
	}
	if _, err := TLSOnlyBucket(Inputs{Partition: "aws", BucketName: "deny-probe"}).JSON(); err != nil {
		t.Fatal(err)
	}
	tls := TLSOnlyBucket(Inputs{Partition: "aws", BucketName: "deny-probe"})
	if len(tls.Statement) != 1 || tls.Statement[0].Effect != "Deny" ||
		!slices.Equal(tls.Statement[0].Resource, []string{"arn:aws:s3:::deny-probe", "arn:aws:s3:::deny-probe/*"}) {
		t.Errorf("TLS-only policy: got %+v", tls)
	}
}
