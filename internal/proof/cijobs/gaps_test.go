package cijobs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"

	"github.com/platformlab/s3-gateway-lab/internal/proof/ciroles"
	"github.com/platformlab/s3-gateway-lab/internal/testing/motoserver"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// TestMotoGaps pins the moto gaps MotoPolicy and the roles' trust policy
// work around (the package documentation's table): each case shows moto
// refusing what AWS would allow under the policy as written, and allowing it
// under MotoPolicy's rendering. When a moto upgrade closes a gap, its case
// fails, and the workaround can go.
func TestMotoGaps(t *testing.T) {
	srv := motoserver.StartIAM(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := iam.NewFromConfig(srv.Admin())
	trustAdmin := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",` +
		`"Principal":{"AWS":"arn:aws:iam::` + account + `:user/` + motoserver.AdminUser + `"}}]}`
	// session creates a role with policy (as written, or rendered for moto)
	// and returns a session of it.
	session := func(t *testing.T, name, policy string, rendered bool) aws.Config {
		t.Helper()
		if rendered {
			var err error
			if policy, err = MotoPolicy(policy); err != nil {
				t.Fatal(err)
			}
			name += "-moto"
		}
		role, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustAdmin)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(name),
			PolicyDocument: aws.String(policy)}); err != nil {
			t.Fatal(err)
		}
		creds, err := srv.AssumeRole(ctx, aws.ToString(role.Role.Arn), "gap")
		if err != nil {
			t.Fatal(err)
		}
		return srv.As(creds)
	}
	if _, err := cloudwatchlogs.NewFromConfig(srv.Admin()).CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{
		LogGroupName: aws.String("/aws/vpc-flow-logs/lab-1")}); err != nil {
		t.Fatal(err)
	}

	gaps := []struct {
		name, policy string
		call         func(cfg aws.Config) error
	}{
		{
			name:   "moto checks the Tagging API as tagging:, not tag:",
			policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["tag:GetResources"],"Resource":["*"]}]}`,
			call: func(cfg aws.Config) error {
				_, err := resourcegroupstaggingapi.NewFromConfig(cfg).GetResources(ctx, &resourcegroupstaggingapi.GetResourcesInput{})
				return err
			},
		},
		{
			name: "moto checks Invoke as lambda:Invoke, on any resource",
			policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:InvokeFunction"],` +
				`"Resource":["arn:aws:lambda:*:` + account + `:function:lab-*"]}]}`,
			call: func(cfg aws.Config) error {
				_, err := lambda.NewFromConfig(cfg).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("lab-fn-1"),
					Payload: []byte(`{"action":"list"}`)})
				if err != nil && strings.Contains(err.Error(), "ResourceNotFound") {
					return nil // allowed; moto has no such function (and runs none)
				}
				return err
			},
		},
		{
			name: "moto checks a log group's calls against *, not its ARN",
			policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:FilterLogEvents"],` +
				`"Resource":["arn:aws:logs:*:` + account + `:log-group:/aws/vpc-flow-logs/lab-*"]}]}`,
			call: func(cfg aws.Config) error {
				_, err := cloudwatchlogs.NewFromConfig(cfg).FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{
					LogGroupName: aws.String("/aws/vpc-flow-logs/lab-1")})
				return err
			},
		},
	}
	for i, g := range gaps {
		t.Run(g.name, func(t *testing.T) {
			name := "gap-" + string(rune('a'+i))
			if err := g.call(session(t, name, g.policy, false)); !motoserver.IsAccessDenied(err) {
				t.Errorf("the policy as written: got %v, want moto's AccessDenied (the gap)", err)
			}
			if err := g.call(session(t, name, g.policy, true)); err != nil {
				t.Errorf("rendered by MotoPolicy: %v", err)
			}
		})
	}

	// The roles' real trust policies admit GitHub's OIDC tokens
	// (sts:AssumeRoleWithWebIdentity with a Federated principal and token
	// conditions). moto cannot assume a role through them: the jobs' roles
	// trust the admin user instead (internal/proof/policyeval evaluates the real
	// ones: TestCITrustPolicies).
	t.Run("moto cannot assume a role through its GitHub OIDC trust", func(t *testing.T) {
		m, err := ciroles.LoadManifest(repo.Root(t))
		if err != nil {
			t.Fatal(err)
		}
		role := m.Roles[0]
		raw, err := os.ReadFile(filepath.Join(repo.Root(t), role.TrustPolicy))
		if err != nil {
			t.Fatal(err)
		}
		trust := m.Render(string(raw), map[string]string{"ACCOUNT_ID": account, "ORG/REPO": orgRepo})
		out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role.RoleName), AssumeRolePolicyDocument: aws.String(trust)})
		if err != nil {
			t.Fatalf("create %s with %s: %v", role.RoleName, role.TrustPolicy, err)
		}
		_, err = srv.AssumeRole(ctx, aws.ToString(out.Role.Arn), "gap")
		if err == nil {
			t.Fatal("moto let the admin user assume a role whose trust admits only GitHub's OIDC tokens")
		}
		t.Logf("assume %s (trust %s) as the admin user: %v", role.RoleName, role.TrustPolicy, err)
	})
}
