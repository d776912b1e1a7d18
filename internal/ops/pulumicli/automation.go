package pulumicli

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// AutomationCommand returns the Pulumi CLI on PATH for the Automation API
// (auto.Pulumi), its version checked by the API (auto.NewPulumiCommand),
// that runs each command with Run: in a process group of its own, one
// interrupt when the context ends, a kill Grace later. The API's own
// command (sdk/go/auto/cmd.go, v3.276.0) sends one interrupt to pulumi
// alone, which on Unix shares the caller's process group (a Ctrl-C at the
// terminal reaches it as well: two interrupts), and kills it 10 seconds
// later, whatever it is doing.
func AutomationCommand() (auto.PulumiCommand, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	bin, err := exec.LookPath("pulumi")
	if err != nil {
		return nil, err
	}
	checked, err := auto.NewPulumiCommand(nil)
	if err != nil {
		return nil, err
	}
	return automationCommand{PulumiCommand: checked, bin: bin}, nil
}

// automationCommand is the API's command (for its Version) with Run
// replaced.
type automationCommand struct {
	auto.PulumiCommand
	bin string
}

// unknownExitCode is what the API's own Run reports when there is no exit
// status (the command could not start).
const unknownExitCode = -2

// Run runs pulumi as the API's own Run does (--non-interactive, the
// process's environment with env and PULUMI_AUTOMATION_API=true, the output
// copied to the extra writers), with Run's start and stop.
func (c automationCommand) Run(ctx context.Context, workdir string, stdin io.Reader,
	stdoutTo, stderrTo []io.Writer, env []string, args ...string,
) (string, string, int, error) {
	cmd := exec.Command(c.bin, nonInteractive(args)...)
	cmd.Dir = workdir
	cmd.Env = append(append(os.Environ(), env...), "PULUMI_AUTOMATION_API=true")
	cmd.Stdin = stdin
	var stdout, stderr strings.Builder
	cmd.Stdout = io.MultiWriter(append(slices.Clone(stdoutTo), &stdout)...)
	cmd.Stderr = io.MultiWriter(append(slices.Clone(stderrTo), &stderr)...)
	err := Run(ctx, cmd, 0)
	code := unknownExitCode
	var exit *exec.ExitError
	switch {
	case err == nil:
		code = 0
	case errors.As(err, &exit):
		code = exit.ExitCode()
	}
	return stdout.String(), stderr.String(), code, err
}

// nonInteractive adds --non-interactive to pulumi's own arguments (those
// before "--"), as the API does.
func nonInteractive(args []string) []string {
	own := args
	if i := slices.Index(args, "--"); i >= 0 {
		own = args[:i]
	}
	if slices.Contains(own, "--non-interactive") {
		return args
	}
	return append([]string{"--non-interactive"}, args...)
}
