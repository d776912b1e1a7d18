// Package labplan plans a stack of the lab offline: the lab's program
// (labstack.Declare) on offlineplan's mock monitor, with the stack's
// configuration, as `pulumi preview` runs it. This is not a Pulumi update
// plan (`pulumi up --plan`): nothing is looked up in AWS, and every value
// AWS would make is a placeholder. cmd/plan, the cost estimate, the policy
// evaluator, the CI roles' derivation and the offline review all plan
// through Stack.
package labplan

import (
	"errors"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformlab/s3-gateway-lab/internal/program/labstack"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
	"github.com/platformlab/s3-gateway-lab/internal/proof/offlineplan"
)

// Scenarios are the committed scenario stacks (Pulumi.<stack>.yaml), each
// with its golden plan testdata/plan-<stack>.json and golden review; the CI
// roles' rights are derived from their plans.
var Scenarios = []string{"dev", "internet", "full"}

// Options change what Stack plans. The zero value plans the stack file as
// committed, for the account it pins.
type Options struct {
	// Account is the AWS account the plan stands for. Empty: the account the
	// configuration pins (labstack.PinnedAccount), or else
	// offlineplan.MockAccountID, so that a stack of your own account (its
	// adminPrincipalArns of that account) plans offline.
	Account string
	// Config, when not nil, is the stack's whole configuration, instead of
	// the stack file's (the offline review plans a commit's); Problems are
	// what was found wrong reading it, reported with the program's own.
	Config   map[string]string
	Problems []error
}

// Stack runs the program offline for stack of the project in root. The
// plan stands for a preview (offlineplan.Options Preview): it changes
// nothing, so the identity it stands for need not be among
// adminPrincipalArns.
func Stack(root, stack string, opts Options) (*offlineplan.Plan, error) {
	cfg, problems := opts.Config, opts.Problems
	if cfg == nil {
		var err error
		cfg, err = labstack.StackConfig(root, stack)
		var fileProblems labstack.FileProblems
		if err != nil && !errors.As(err, &fileProblems) {
			return nil, err
		}
		problems = append(problems, fileProblems...)
	}
	account := opts.Account
	if account == "" {
		account = labstack.PinnedAccount(cfg)
	}
	return offlineplan.Run(func(ctx *pulumi.Context) (pulumi.Map, error) {
		return labstack.Declare(ctx, cfg, problems...)
	}, offlineplan.Options{Project: settings.Project, Stack: stack, RootDirectory: root, Config: cfg, AccountID: account, Preview: true})
}
