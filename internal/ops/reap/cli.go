package reap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// CLI runs the Pulumi CLI.
type CLI struct {
	// Bin is the pulumi executable.
	Bin string
	// Dir is the directory it runs in: the project's (Pulumi.yaml).
	Dir string
	// Env is its whole environment (KEY=value), backend included.
	Env []string
	// GracePeriod is how long a stopped command (its context done) gets to
	// finish after SIGINT, which makes pulumi cancel its operation cleanly,
	// save its state and release its lock, before it is killed (default 2
	// minutes).
	GracePeriod time.Duration
}

// CLIError is a failed pulumi command.
type CLIError struct {
	Args   []string
	Stdout string
	Stderr string
	Err    error
}

// Error names the command and what pulumi said: its standard error, else the
// error lines of its standard output (where destroy reports a resource's
// failure), else how it exited.
func (e *CLIError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		var lines []string
		for _, l := range strings.Split(e.Stdout, "\n") {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "error:") && !slices.Contains(lines, l) {
				lines = append(lines, l)
			}
		}
		msg = strings.Join(lines, "; ")
	}
	if msg == "" {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("pulumi %s: %s", strings.Join(e.Args, " "), msg)
}

func (e *CLIError) Unwrap() error { return e.Err }

// Run runs pulumi with args and returns its standard output. A context that
// ends stops the command with SIGINT first.
func (c *CLI) Run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, c.Bin, args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = c.GracePeriod
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = 2 * time.Minute
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	ownProcessGroup(cmd)
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return stdout.String(), &CLIError{Args: args, Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
	}
	return stdout.String(), nil
}

// stackSummary is one entry of `pulumi stack ls --json`.
type stackSummary struct {
	Name             string `json:"name"`
	LastUpdate       string `json:"lastUpdate"`
	UpdateInProgress *bool  `json:"updateInProgress"`
	ResourceCount    *int   `json:"resourceCount"`
}

// listStacks lists every stack of the backend (`pulumi stack ls --all`),
// each by its fully qualified name, organization/project/stack, which every
// backend gives when asked (without --fully-qualify-stack-names, the current
// project's stacks are listed by their short names, or as owner/stack).
func (c *CLI) listStacks(ctx context.Context) ([]stackSummary, error) {
	out, err := c.Run(ctx, "stack", "ls", "--all", "--json", "--fully-qualify-stack-names")
	if err != nil {
		return nil, err
	}
	var stacks []stackSummary
	if err := json.Unmarshal([]byte(out), &stacks); err != nil {
		return nil, fmt.Errorf("read the JSON of pulumi stack ls: %w", err)
	}
	return stacks, nil
}

// tags returns the tags of stack (`pulumi stack tag ls --json`).
func (c *CLI) tags(ctx context.Context, stack string) (map[string]string, error) {
	out, err := c.Run(ctx, "stack", "tag", "ls", "--json", "--stack", stack)
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
func (c *CLI) adminPrincipalArns(ctx context.Context, stack string) ([]string, error) {
	out, err := c.Run(ctx, "stack", "output", "--json", "--stack", stack)
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
func (c *CLI) export(ctx context.Context, stack string) ([]byte, error) {
	out, err := c.Run(ctx, "stack", "export", "--stack", stack)
	if err != nil {
		return nil, err
	}
	return []byte(out), nil
}

// ProjectStacks returns the names (without organization and project) of the
// backend's stacks of project.
func (c *CLI) ProjectStacks(ctx context.Context, project string) ([]string, error) {
	stacks, err := c.listStacks(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range stacks {
		if p, ok := projectOf(s.Name); ok && p == project {
			names = append(names, s.Name[strings.LastIndex(s.Name, "/")+1:])
		}
	}
	return names, nil
}
