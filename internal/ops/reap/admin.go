package reap

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"
)

// ErrNotAdmin means the caller is not among a stack's adminPrincipalArns:
// the lab bucket refuses object listings from outside the VPC to everyone
// else, so a destroy would stop half-way on 403s.
var ErrNotAdmin = errors.New("not in the stack's adminPrincipalArns")

// AdminCheck returns the check the reaper runs before each destroy, as
// scripts/destroy.sh does: caller names the identity running the reaper as
// adminPrincipalArns names it (awsclient.Caller: a role's ARN with its path),
// and it must match one of admins (IAM's ArnLike: * and ?). When the caller
// cannot be named (no credentials, iam:GetRole on the caller's own role
// refused), the destroy does not go ahead: a destroy by someone the bucket
// refuses stops half-way.
func AdminCheck(caller func(ctx context.Context) (string, error)) func(ctx context.Context, admins []string) error {
	return func(ctx context.Context, admins []string) error {
		principal, err := caller(ctx)
		if err != nil {
			return fmt.Errorf("cannot tell whether the caller is in the stack's adminPrincipalArns: %w", err)
		}
		for _, pattern := range admins {
			if policy.ArnLike(pattern, principal) {
				return nil
			}
		}
		return fmt.Errorf("%s is %w (%s): the lab bucket would refuse it half-way; run as one of them", principal, ErrNotAdmin, strings.Join(admins, ", "))
	}
}
