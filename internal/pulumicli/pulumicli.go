// Package pulumicli holds what the lab's commands share about the Pulumi CLI
// and the Automation API: whether the CLI is there, which backend to use, and
// how to read a stack's outputs.
package pulumicli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// DefaultBackendURL is the local state backend (~/.pulumi), as
// scripts/deploy.sh uses when PULUMI_BACKEND_URL is not set.
const DefaultBackendURL = "file://~"

// ErrNoCLI means the Pulumi CLI is not on PATH.
var ErrNoCLI = errors.New("the Pulumi CLI is not installed")

// Check reports, with advice, whether the Pulumi CLI can be run.
func Check() error {
	if _, err := exec.LookPath("pulumi"); err != nil {
		return fmt.Errorf("%w (pulumi is not on PATH): install it with `curl -fsSL https://get.pulumi.com | sh` "+
			"(see README.md, Prerequisites)", ErrNoCLI)
	}
	return nil
}

// Env is the environment the Automation API runs the CLI with: backendURL if
// set, else PULUMI_BACKEND_URL, else the local backend; the passphrase from
// PULUMI_CONFIG_PASSPHRASE, empty when unset (the lab has no secrets).
func Env(backendURL string) map[string]string {
	if backendURL == "" {
		backendURL = os.Getenv("PULUMI_BACKEND_URL")
	}
	if backendURL == "" {
		backendURL = DefaultBackendURL
	}
	return map[string]string{
		"PULUMI_BACKEND_URL":       backendURL,
		"PULUMI_CONFIG_PASSPHRASE": os.Getenv("PULUMI_CONFIG_PASSPHRASE"),
		"PULUMI_SKIP_UPDATE_CHECK": "true",
	}
}

// Outputs reads the outputs of stack, a stack of the project in root.
func Outputs(ctx context.Context, root, stack string) (map[string]any, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	s, err := auto.SelectStackLocalSource(ctx, stack, root, auto.EnvVars(Env("")))
	if err != nil {
		return nil, fmt.Errorf("select stack %s: %w", stack, err)
	}
	outs, err := s.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("read outputs of stack %s: %w", stack, err)
	}
	m := make(map[string]any, len(outs))
	for k, v := range outs {
		m[k] = v.Value
	}
	return m, nil
}
