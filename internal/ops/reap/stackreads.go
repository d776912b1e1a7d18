package reap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
)

// The reaper's reads of a stack, each one pulumi command run by the shared
// runner (pulumicli.CLI).

// stackTags returns the tags of stack (`pulumi stack tag ls --json`).
func stackTags(ctx context.Context, cli *pulumicli.CLI, stack string) (map[string]string, error) {
	out, err := cli.Run(ctx, "stack", "tag", "ls", "--json", "--stack", stack)
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	if err := json.Unmarshal([]byte(out), &tags); err != nil {
		return nil, fmt.Errorf("read the JSON of pulumi stack tag ls: %w", err)
	}
	return tags, nil
}

// errNoOutput means a stack has no such output.
var errNoOutput = errors.New("no such output")

// adminPrincipalArns returns the stack's adminPrincipalArns output, or
// errNoOutput.
func adminPrincipalArns(ctx context.Context, cli *pulumicli.CLI, stack string) ([]string, error) {
	out, err := cli.Run(ctx, "stack", "output", "--json", "--stack", stack)
	if err != nil {
		return nil, err
	}
	var outputs map[string]any
	if err := json.Unmarshal([]byte(out), &outputs); err != nil {
		return nil, fmt.Errorf("read the JSON of pulumi stack output: %w", err)
	}
	list, ok := outputs["adminPrincipalArns"].([]any)
	if !ok {
		return nil, errNoOutput
	}
	var arns []string
	for _, v := range list {
		if s, ok := v.(string); ok {
			arns = append(arns, s)
		}
	}
	return arns, nil
}

// export returns the stack's state (`pulumi stack export`).
func export(ctx context.Context, cli *pulumicli.CLI, stack string) ([]byte, error) {
	out, err := cli.Run(ctx, "stack", "export", "--stack", stack)
	if err != nil {
		return nil, err
	}
	return []byte(out), nil
}
