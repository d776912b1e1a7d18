package awsclient

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Identity is who the credentials of a configuration are.
type Identity struct {
	// Account is the AWS account ID.
	Account string
	// ARN is the IAM ARN adminPrincipalArns names: for a role session, the
	// role's ARN with its path; for an IAM user, the user's ARN.
	ARN string
}

// Caller asks STS who cfg's credentials are (sts:GetCallerIdentity, which
// needs no permission) and, for a role session, IAM for the role's ARN
// (iam:GetRole on the caller's own role): a session's ARN drops the role's
// path, and IAM Identity Center roles have one, so an ARN rebuilt from the
// session's never matches the role. scripts/caller-arn.sh does the same with
// the AWS CLI. A refused GetRole is an error, never a guess.
func Caller(ctx context.Context, cfg aws.Config) (Identity, error) {
	id, err := Account(ctx, cfg)
	if err != nil {
		return Identity{}, err
	}
	_, rest, ok := strings.Cut(id.ARN, ":assumed-role/")
	if !ok || !strings.HasPrefix(id.ARN, "arn:") || !strings.Contains(id.ARN, ":sts::") {
		return id, nil
	}
	role, _, _ := strings.Cut(rest, "/")
	r, err := iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)})
	if err != nil {
		return Identity{}, fmt.Errorf("the ARN of role %s behind the session %s (iam get-role, which the role's policy must allow on itself): %w",
			role, id.ARN, err)
	}
	id.ARN = aws.ToString(r.Role.Arn)
	return id, nil
}

// Account asks STS who cfg's credentials are (sts:GetCallerIdentity, which
// needs no permission): the account, and the caller's ARN as STS gives it (a
// session's ARN for a role).
func Account(ctx context.Context, cfg aws.Config) (Identity, error) {
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, fmt.Errorf("who am I (sts get-caller-identity): %w", err)
	}
	return Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn)}, nil
}
