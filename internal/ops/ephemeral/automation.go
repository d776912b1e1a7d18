package ephemeral

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
)

// Settings configure an ephemeral stack.
type Settings struct {
	// Root is the project directory (where Pulumi.yaml is).
	Root string
	// BackendURL is the state backend, e.g. file:///tmp/lab-state-123.
	BackendURL string
	Region     string
	// TTL sets the expiry: now + TTL, as the stack tag lab:expires-at (which
	// the reaper reads), the expiresAt setting and so every resource's tag.
	TTL time.Duration
	// Config holds extra project settings (key without namespace -> value).
	Config map[string]string
	// Account is the AWS account the stack is created in: its
	// aws:allowedAccountIds, so that the provider refuses any other
	// account's credentials (a destroy with them would drop the resources
	// from the state as not found).
	Account string
	// Owner names the repository creating the stack (pulumicli.Owner): its
	// lab:created-by stack tag, which the reaper matches.
	Owner string
	// Admins, when set, are the stack's adminPrincipalArns (the caller, and
	// the reaper's role, so that the hourly reaper may destroy the stack
	// should this run not); empty, the identity running the update.
	Admins []string
	// Progress gets the engine's output.
	Progress io.Writer
}

// Automation wires the phases to the Pulumi Automation API (the Pulumi CLI
// does the work). verifyFn checks the outputs and returns the verifier's
// exit code.
func Automation(s Settings, now time.Time, verifyFn func(ctx context.Context, outputs map[string]any) exitcode.Code) Ops {
	var stack auto.Stack
	var ok bool
	env, envErr := pulumicli.Env(s.BackendURL)
	return Ops{
		Create: func(ctx context.Context, name string) error {
			if envErr != nil {
				return envErr
			}
			// Every command of the API runs with the lab's runner
			// (pulumicli.AutomationCommand): a process group of its own,
			// one interrupt when ctx ends, a kill pulumicli.Grace later
			// (the API's own command kills pulumi 10 seconds after its
			// interrupt). The API keeps the rest: its version check runs
			// `pulumi version` itself, with no context, before any command;
			// and it reads the commands' errors itself (its own error type
			// over their output and exit code, auto.IsConcurrentUpdateError
			// and the like), not as pulumicli.Error.
			pulumi, err := pulumicli.AutomationCommand()
			if err != nil {
				return err
			}
			opts := []auto.LocalWorkspaceOption{auto.EnvVars(env), auto.Pulumi(pulumi)}
			secrets, err := pulumicli.SecretsProvider(os.Getenv, env["PULUMI_BACKEND_URL"])
			if err != nil {
				return err
			}
			if secrets != "" {
				opts = append(opts, auto.SecretsProvider(secrets))
			}
			st, err := auto.NewStackLocalSource(ctx, name, s.Root, opts...)
			if err != nil {
				return fmt.Errorf("create stack %s: %w", name, err)
			}
			stack, ok = st, true
			expires := now.Add(s.TTL).UTC().Format(time.RFC3339)
			// Who created it and its expiry as stack tags first: the reaper
			// (cmd/reap) finds an expired stack of this repository by them
			// without reading AWS, even when this run dies before anything
			// else is set.
			if err := stack.Workspace().SetTag(ctx, name, settings.TagCreatedBy, s.Owner); err != nil {
				return fmt.Errorf("tag stack %s with its creator: %w", name, err)
			}
			if err := stack.Workspace().SetTag(ctx, name, settings.TagExpiresAt, expires); err != nil {
				return fmt.Errorf("tag stack %s with its expiry: %w", name, err)
			}
			cfg := auto.ConfigMap{
				"aws:region": {Value: s.Region},
				// A JSON list, as the provider reads list settings given as text.
				settings.AWSAllowedAccountIDs:                  {Value: `["` + s.Account + `"]`},
				settings.Project + ":" + settings.KeyExpiresAt: {Value: expires},
			}
			for k, v := range s.Config {
				cfg[settings.Project+":"+k] = auto.ConfigValue{Value: v}
			}
			if err := stack.SetAllConfig(ctx, cfg); err != nil {
				return fmt.Errorf("configure stack %s: %w", name, err)
			}
			// A list setting of the project: set element by element, as
			// `pulumi config set --path` does, so it stays a list.
			for i, arn := range s.Admins {
				key := fmt.Sprintf("%s:%s[%d]", settings.Project, settings.KeyAdminPrincipalARNs, i)
				if err := stack.SetConfigWithOptions(ctx, key, auto.ConfigValue{Value: arn}, &auto.ConfigOptions{Path: true}); err != nil {
					return fmt.Errorf("configure stack %s: %w", name, err)
				}
			}
			return nil
		},
		Up: func(ctx context.Context) (map[string]any, error) {
			res, err := stack.Up(ctx, optup.ProgressStreams(s.Progress), optup.Message("ephemeral test stack"))
			if err != nil {
				return nil, fmt.Errorf("up: %w", err)
			}
			outs := make(map[string]any, len(res.Outputs))
			for k, v := range res.Outputs {
				outs[k] = v.Value
			}
			return outs, nil
		},
		Verify: verifyFn,
		Destroy: func(ctx context.Context) error {
			if _, err := stack.Destroy(ctx, optdestroy.ProgressStreams(s.Progress)); err != nil {
				return fmt.Errorf("destroy: %w", err)
			}
			return nil
		},
		Remove: func(ctx context.Context) error {
			if !ok {
				return nil
			}
			if err := stack.Workspace().RemoveStack(ctx, stack.Name()); err != nil {
				return fmt.Errorf("remove stack: %w", err)
			}
			return nil
		},
	}
}
