package cisetup

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/platformlab/s3-gateway-lab/internal/proof/ciroles"
	"github.com/platformlab/s3-gateway-lab/internal/testing/motoserver"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

var values = map[string]string{
	"ACCOUNT_ID": "123456789012", "ORG/REPO": "platform/s3-lab", "STATE_BUCKET": "team-pulumi-state",
	"STATE_PREFIX": "s3-lab", "REVIEW_STATE_PREFIX": "s3-lab-review",
	"KMS_KEY_ARN":              "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
	"PERMISSIONS_BOUNDARY_ARN": "arn:aws:iam::123456789012:policy/s3-gateway-lab-boundary",
}

func manifest(t *testing.T) (string, *ciroles.Manifest) {
	t.Helper()
	root := repo.Root(t)
	m, err := ciroles.LoadManifest(root)
	if err != nil {
		t.Fatal(err)
	}
	return root, m
}

// TestRenderChecksEveryValue: every placeholder needs a value of its shape,
// all problems at once, and review stacks a backend of their own.
func TestRenderChecksEveryValue(t *testing.T) {
	root, m := manifest(t)
	bad := map[string]string{"ACCOUNT_ID": "1234", "ORG/REPO": "platform", "STATE_PREFIX": "lab", "REVIEW_STATE_PREFIX": "lab",
		"KMS_KEY_ARN": "alias/pulumi-secrets"}
	wild := map[string]string{"STATE_PREFIX": "lab", "REVIEW_STATE_PREFIX": "*"}
	_, err := Render(root, m, bad)
	for _, want := range []string{`ACCOUNT_ID="1234": accepted a 12-digit account ID`, "ORG/REPO", "STATE_BUCKET is missing",
		"KMS_KEY_ARN", "not an alias", "a backend of their own"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to say %q", err, want)
		}
	}
	if _, err := Render(root, m, wild); err == nil || !strings.Contains(err.Error(), `REVIEW_STATE_PREFIX="*": accepted a key prefix without leading or trailing /, * or ?`) {
		t.Errorf("a wildcard prefix: got %v, want it refused", err)
	}
	roles, err := Render(root, m, values)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		for _, p := range []string{"ACCOUNT_ID", "ORG/REPO", "STATE_BUCKET", "STATE_PREFIX", "KMS_KEY_ARN", "PERMISSIONS_BOUNDARY_ARN"} {
			if strings.Contains(r.Trust+r.Policy, p) {
				t.Errorf("role %s: %s is left in its policies", r.ID, p)
			}
		}
	}
}

// TestApplyOnMoto creates the roles in moto, then applies again (an update
// of what exists), and reads each back: trust, inline policy, session
// duration.
func TestApplyOnMoto(t *testing.T) {
	root, m := manifest(t)
	roles, err := Render(root, m, values)
	if err != nil {
		t.Fatal(err)
	}
	srv := motoserver.Start(t)
	client := iam.NewFromConfig(srv.Config())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range 2 {
		arns, err := Apply(ctx, client, roles)
		if err != nil {
			t.Fatal(err)
		}
		if len(arns) != len(m.Roles) {
			t.Fatalf("got %d roles, want %d", len(arns), len(m.Roles))
		}
	}
	for _, r := range roles {
		got, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.RoleName)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(got.Role.MaxSessionDuration) != int32(r.MaxSessionDurationSeconds) || !sameJSON(t, decoded(t, aws.ToString(got.Role.AssumeRolePolicyDocument)), r.Trust) {
			t.Errorf("role %s: session %d, trust %s", r.ID, aws.ToInt32(got.Role.MaxSessionDuration), aws.ToString(got.Role.AssumeRolePolicyDocument))
		}
		p, err := client.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(r.RoleName), PolicyName: aws.String(PolicyName)})
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(t, decoded(t, aws.ToString(p.PolicyDocument)), r.Policy) {
			t.Errorf("role %s: its policy is not the rendered one", r.ID)
		}
	}
}

// decoded undoes the URL encoding IAM gives policy documents.
func decoded(t *testing.T, s string) string {
	t.Helper()
	if strings.HasPrefix(s, "%7B") {
		var err error
		if s, err = url.QueryUnescape(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}
