//go:build unix

package pulumicli

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAutomationCommandRun: the Automation API's commands run as the API's
// own would (--non-interactive first, PULUMI_AUTOMATION_API set, the extra
// writers fed, the exit code read) and are stopped as Run stops them.
func TestAutomationCommandRun(t *testing.T) {
	script := filepath.Join(t.TempDir(), "pulumi")
	if err := os.WriteFile(script, []byte(`#!/bin/sh
echo "args: $*"
echo "api: $PULUMI_AUTOMATION_API $EXTRA" >&2
if [ "$2" = wait ]; then
  trap 'echo got SIGINT >&2; exit 3' INT
  touch "$READY"
  while :; do sleep 0.05; done
fi
exit 4
`), 0o755); err != nil {
		t.Fatal(err)
	}
	c := automationCommand{bin: script}
	var extra strings.Builder
	stdout, stderr, code, err := c.Run(context.Background(), t.TempDir(), nil, []io.Writer{&extra}, nil, []string{"EXTRA=yes"}, "stack", "ls", "--", "x")
	if code != 4 || err == nil {
		t.Errorf("got code %d, %v; want 4 and its error", code, err)
	}
	if stdout != "args: --non-interactive stack ls -- x\n" || extra.String() != stdout {
		t.Errorf("stdout %q, extra writer %q; want --non-interactive first, in both", stdout, extra.String())
	}
	if stderr != "api: true yes\n" {
		t.Errorf("stderr %q, want PULUMI_AUTOMATION_API=true and the extra environment", stderr)
	}

	ready := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if _, err := os.Stat(ready); err == nil {
				break
			}
		}
		cancel()
	}()
	_, stderr, code, err = c.Run(ctx, t.TempDir(), nil, nil, nil, []string{"READY=" + ready}, "--non-interactive", "wait")
	if code != 3 || !errors.Is(err, context.Canceled) || !strings.Contains(stderr, "got SIGINT") {
		t.Errorf("stopped: got code %d, %v, stderr %q; want the interrupt's exit 3 and the context's end", code, err, stderr)
	}
}

func TestNonInteractive(t *testing.T) {
	for _, tc := range []struct{ args, want []string }{
		{[]string{"up"}, []string{"--non-interactive", "up"}},
		{[]string{"up", "--non-interactive"}, []string{"up", "--non-interactive"}},
		{[]string{"config", "set", "--", "--non-interactive"}, []string{"--non-interactive", "config", "set", "--", "--non-interactive"}},
	} {
		if got := nonInteractive(tc.args); strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("nonInteractive(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}
