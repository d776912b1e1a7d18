// Package ciroles renders the CI roles of iam/roles.json for an
// organization (its account, repository, state bucket and prefixes, secrets
// key) and creates them, or brings them up to date, in an AWS account:
// each role with its trust policy, its derived permission policy as an
// inline policy, and its maximum session duration.
package cisetup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/platformlab/s3-gateway-lab/internal/proof/ciroles"
)

// PolicyName is the name of each role's inline permission policy.
const PolicyName = "s3-gateway-lab-ci"

// checks are what each placeholder accepts.
var checks = map[string]struct {
	re   *regexp.Regexp
	want string
}{
	"ACCOUNT_ID":   {regexp.MustCompile(`^[0-9]{12}$`), "a 12-digit account ID"},
	"ORG/REPO":     {regexp.MustCompile(`^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$`), "a GitHub repository as owner/name"},
	"STATE_BUCKET": {regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`), "an S3 bucket name"},
	// No * or ?: in the policies' ARNs they would be wildcards, and a
	// review prefix of * would reach dev's state.
	"STATE_PREFIX":             {regexp.MustCompile(`^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*$`), "a key prefix without leading or trailing /, * or ?"},
	"REVIEW_STATE_PREFIX":      {regexp.MustCompile(`^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*$`), "a key prefix without leading or trailing /, * or ?"},
	"KMS_KEY_ARN":              {regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$`), "the ARN of a KMS key (arn:aws:kms:REGION:ACCOUNT:key/ID, not an alias)"},
	"PERMISSIONS_BOUNDARY_ARN": {regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:policy/[A-Za-z0-9+=,.@_/-]+$`), "the ARN of a managed policy (arn:aws:iam::ACCOUNT:policy/NAME)"},
}

// Role is a role rendered for an organization.
type Role struct {
	ciroles.Role
	// Trust and Policy are the rendered trust and permission policies.
	Trust, Policy string
}

// Render checks values (a value per placeholder of the manifest) and renders
// every role's policies with them.
func Render(root string, m *ciroles.Manifest, values map[string]string) ([]Role, error) {
	var problems []string
	for _, k := range slices.Sorted(maps.Keys(m.Placeholders)) {
		v, c := values[k], checks[k]
		switch {
		case v == "":
			problems = append(problems, fmt.Sprintf("%s is missing (%s)", k, m.Placeholders[k]))
		case c.re != nil && !c.re.MatchString(v):
			problems = append(problems, fmt.Sprintf("%s=%q: accepted %s", k, v, c.want))
		}
	}
	if values["STATE_PREFIX"] != "" && values["STATE_PREFIX"] == values["REVIEW_STATE_PREFIX"] {
		problems = append(problems, "STATE_PREFIX and REVIEW_STATE_PREFIX are the same: review stacks need a backend of their own")
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	var out []Role
	for _, r := range m.Roles {
		trust, err := os.ReadFile(filepath.Join(root, r.TrustPolicy))
		if err != nil {
			return nil, err
		}
		policy, err := os.ReadFile(filepath.Join(root, r.PermissionPolicy))
		if err != nil {
			return nil, err
		}
		role := Role{Role: r, Trust: m.Render(string(trust), values), Policy: m.Render(string(policy), values)}
		for _, doc := range []string{role.Trust, role.Policy} {
			if !json.Valid([]byte(doc)) {
				return nil, fmt.Errorf("role %s: a policy is no JSON once rendered", r.ID)
			}
		}
		out = append(out, role)
	}
	return out, nil
}

// Write writes each role's trust and permission policy into dir, as
// <id>-trust.json and <id>-policy.json.
func Write(dir string, roles []Role) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, r := range roles {
		for name, doc := range map[string]string{r.ID + "-trust.json": r.Trust, r.ID + "-policy.json": r.Policy} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// Apply creates each role in the account of client's credentials, or, for a
// role that exists, sets its trust policy and maximum session duration; then
// puts its permission policy. It returns the roles' ARNs by ID.
func Apply(ctx context.Context, client *iam.Client, roles []Role) (map[string]string, error) {
	arns := map[string]string{}
	for _, r := range roles {
		got, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.RoleName)})
		var missing *iamtypes.NoSuchEntityException
		switch {
		case errors.As(err, &missing):
			out, err := client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.RoleName),
				AssumeRolePolicyDocument: aws.String(r.Trust), MaxSessionDuration: aws.Int32(int32(r.MaxSessionDurationSeconds)),
				Description: aws.String("s3-gateway-lab CI: " + r.ID + " (iam/roles.json)")})
			if err != nil {
				return arns, fmt.Errorf("create role %s: %w", r.RoleName, err)
			}
			arns[r.ID] = aws.ToString(out.Role.Arn)
		case err != nil:
			return arns, fmt.Errorf("read role %s: %w", r.RoleName, err)
		default:
			if _, err := client.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(r.RoleName),
				PolicyDocument: aws.String(r.Trust)}); err != nil {
				return arns, fmt.Errorf("set the trust of role %s: %w", r.RoleName, err)
			}
			if _, err := client.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String(r.RoleName),
				MaxSessionDuration: aws.Int32(int32(r.MaxSessionDurationSeconds))}); err != nil {
				return arns, fmt.Errorf("set the session duration of role %s: %w", r.RoleName, err)
			}
			arns[r.ID] = aws.ToString(got.Role.Arn)
		}
		if _, err := client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.RoleName),
			PolicyName: aws.String(PolicyName), PolicyDocument: aws.String(r.Policy)}); err != nil {
			return arns, fmt.Errorf("put the policy of role %s: %w", r.RoleName, err)
		}
	}
	return arns, nil
}
