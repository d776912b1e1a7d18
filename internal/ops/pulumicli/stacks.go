package pulumicli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// StackSummary is one entry of `pulumi stack ls --json`.
type StackSummary struct {
	Name             string `json:"name"`
	LastUpdate       string `json:"lastUpdate"`
	UpdateInProgress *bool  `json:"updateInProgress"`
	ResourceCount    *int   `json:"resourceCount"`
}

// Stacks lists every stack of the backend (`pulumi stack ls --all`), each
// by its fully qualified name, organization/project/stack, which every
// backend gives when asked (without --fully-qualify-stack-names, the current
// project's stacks are listed by their short names, or as owner/stack).
func (c *CLI) Stacks(ctx context.Context) ([]StackSummary, error) {
	out, err := c.Run(ctx, "stack", "ls", "--all", "--json", "--fully-qualify-stack-names")
	if err != nil {
		return nil, err
	}
	var stacks []StackSummary
	if err := json.Unmarshal([]byte(out), &stacks); err != nil {
		return nil, fmt.Errorf("read the JSON of pulumi stack ls: %w", err)
	}
	return stacks, nil
}

// ProjectStacks returns the names (without organization and project) of the
// backend's stacks of project.
func (c *CLI) ProjectStacks(ctx context.Context, project string) ([]string, error) {
	stacks, err := c.Stacks(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range stacks {
		if p, ok := ProjectOf(s.Name); ok && p == project {
			names = append(names, s.Name[strings.LastIndex(s.Name, "/")+1:])
		}
	}
	return names, nil
}

// ProjectOf returns the project of a fully qualified stack name,
// organization/project/stack.
func ProjectOf(name string) (string, bool) {
	parts := strings.Split(name, "/")
	if len(parts) != 3 {
		return "", false
	}
	return parts[1], true
}
