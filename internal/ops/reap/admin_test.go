package reap

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestAdminCheck: the caller's role, path included, is matched against the
// admins as scripts/destroy.sh matches it; a caller that cannot be named (a
// refused iam:GetRole, no credentials) keeps the stack, where the check used
// to let the destroy go ahead.
func TestAdminCheck(t *testing.T) {
	admins := []string{"arn:aws:iam::123456789012:role/ci-deployer",
		"arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*"}
	tests := []struct {
		name, principal string
		err             error
		want            error
	}{
		{"CI role", "arn:aws:iam::123456789012:role/ci-deployer", nil, nil},
		{"Identity Center admin with a region in the path", "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0a1b", nil, nil},
		{"Identity Center admin without one", "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0a1b", nil, nil},
		{"someone else", "arn:aws:iam::123456789012:role/dev-readonly", nil, ErrNotAdmin},
		{"GetRole refused", "", errors.New("iam get-role: AccessDenied"), errUnnamed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := AdminCheck(func(context.Context) (string, error) { return tt.principal, tt.err })(context.Background(), admins)
			switch {
			case tt.want == nil && err != nil:
				t.Errorf("got %v, want an admin", err)
			case tt.want == ErrNotAdmin && !errors.Is(err, ErrNotAdmin):
				t.Errorf("got %v, want ErrNotAdmin", err)
			case tt.want == errUnnamed && (err == nil || !strings.Contains(err.Error(), "AccessDenied")):
				t.Errorf("got %v, want the refusal, and no destroy", err)
			}
		})
	}
}

// errUnnamed marks a caller that could not be named.
var errUnnamed = errors.New("unnamed")
