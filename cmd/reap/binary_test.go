package main

// These tests build the command and run the binary with the real Pulumi CLI
// (tools/bin/pulumi) on a file:// backend, because the exit code is the
// interface the scheduled workflow reads: 0 reaped (or listed), 1 a stack
// kept that should have gone, 2 could not run. `go run` would turn every
// non-zero code into 1.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/reap"
	"github.com/platformlab/s3-gateway-lab/internal/testing/cmdtest"
	"github.com/platformlab/s3-gateway-lab/internal/testing/pulumitest"
)

func TestBinaryExitCodes(t *testing.T) {
	b := pulumitest.NewBackend(t)
	bin := cmdtest.Build(t, "reap")
	root := pulumitest.Project(t, "s3-gateway-lab")
	expired := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	for _, s := range []string{"eph-old", "dev"} {
		b.MustRun(t, root, "stack", "init", s, "--non-interactive")
	}
	const owner = "github.com/platform/s3-gateway-lab"
	for _, s := range []string{"eph-old", "dev"} {
		b.MustRun(t, root, "stack", "tag", "set", reap.TagCreatedBy, owner, "--stack", s)
	}
	b.MustRun(t, root, "stack", "tag", "set", reap.TagExpiresAt, expired, "--stack", "eph-old")
	// The project directory is no git clone: the repository is named.
	withCLI := "PATH=" + filepath.Dir(b.Bin) + ":/usr/bin:/bin"
	ownerEnv := "LAB_OWNER=" + owner
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		env      []string
		args     []string
		setup    func()
		wantCode exitcode.Code
		wantOut  string
		wantErr  string
	}{
		{name: "dry run lists the expired stack", env: []string{withCLI, ownerEnv}, args: []string{"-root", root},
			wantCode: exitcode.OK, wantOut: "eph-old"},
		{name: "no owner", env: []string{withCLI}, args: []string{"-root", root, "-yes"},
			wantCode: exitcode.CouldNotRun, wantErr: "set LAB_OWNER"},
		{name: "another repository's stacks are not reaped", env: []string{withCLI}, args: []string{"-root", root, "-yes", "-owner", "github.com/other/lab"},
			wantCode: exitcode.OK, wantOut: "kept: not created by this repository"},
		{name: "reaps it", env: []string{withCLI, ownerEnv}, args: []string{"-root", root, "-yes"},
			wantCode: exitcode.OK, wantOut: "reaped"},
		{name: "an unreadable expiry needs a person", env: []string{withCLI, ownerEnv}, args: []string{"-root", root, "-yes"},
			setup: func() {
				b.MustRun(t, root, "stack", "tag", "set", reap.TagExpiresAt, "next week", "--stack", "dev")
			},
			wantCode: exitcode.LeftBehind, wantOut: `"next week" is not an RFC 3339 time`},
		{name: "no Pulumi CLI", env: []string{"PATH=" + t.TempDir()}, args: []string{"-root", root},
			wantCode: exitcode.CouldNotRun, wantErr: "the Pulumi CLI is not installed"},
		{name: "no shared backend in CI", env: []string{withCLI, "CI=true", "PULUMI_BACKEND_URL="}, args: []string{"-root", root},
			wantCode: exitcode.CouldNotRun, wantErr: "PULUMI_ACCESS_TOKEN"},
		{name: "unreadable backend", env: []string{withCLI, ownerEnv}, args: []string{"-root", root, "-backend", "file://" + notADir},
			wantCode: exitcode.CouldNotRun, wantErr: "unable to open state directory"},
		{name: "not the project directory", env: []string{withCLI}, args: []string{"-root", t.TempDir()},
			wantCode: exitcode.CouldNotRun, wantErr: "is not the lab's project directory"},
		{name: "bad destroy timeout", env: []string{withCLI, ownerEnv}, args: []string{"-root", root, "-destroy-timeout", "0s"},
			wantCode: exitcode.CouldNotRun, wantErr: "-destroy-timeout must be a positive duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			cmdtest.Expect(t, bin, b.Env(tt.env...), "", tt.args, int(tt.wantCode), tt.wantOut, tt.wantErr)
		})
	}
	if out := b.MustRun(t, root, "stack", "ls", "--json"); strings.Contains(out, "eph-old") || !strings.Contains(out, `"dev"`) {
		t.Errorf("stacks left: %s; want dev only", out)
	}
}

// fakePulumiSlowDestroy stands in for a destroy that takes long (Lambda's
// network interfaces) and records the interrupt it gets; every other command
// goes to the real CLI.
const fakePulumiSlowDestroy = `#!/bin/sh
if [ "$1" = destroy ]; then
  sleep 60 >/dev/null 2>&1 &
  trap 'kill $!; echo interrupted >> "$MARK"; exit 1' INT
  echo started >> "$MARK"
  wait
  exit 1
fi
exec "$REAL_PULUMI" "$@"
`

// TestBinaryInterrupted: SIGINT to the reaper during a destroy stops pulumi
// with an interrupt (so it saves its state), keeps the stack, prints what
// was done, and exits 130.
func TestBinaryInterrupted(t *testing.T) {
	b := pulumitest.NewBackend(t)
	bin := cmdtest.Build(t, "reap")
	root := pulumitest.Project(t, "s3-gateway-lab")
	b.MustRun(t, root, "stack", "init", "eph-slow", "--non-interactive")
	b.MustRun(t, root, "stack", "tag", "set", reap.TagExpiresAt, time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "--stack", "eph-slow")
	b.MustRun(t, root, "stack", "tag", "set", reap.TagCreatedBy, "github.com/platform/s3-gateway-lab", "--stack", "eph-slow")
	fakeDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(fakeDir, "pulumi"), []byte(fakePulumiSlowDestroy), 0o755); err != nil {
		t.Fatal(err)
	}
	mark := filepath.Join(t.TempDir(), "mark")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-root", root, "-yes")
	cmd.Env = b.Env("PATH="+fakeDir+":/usr/bin:/bin", "REAL_PULUMI="+b.Bin, "MARK="+mark, "LAB_OWNER=github.com/platform/s3-gateway-lab")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for {
		if data, _ := os.ReadFile(mark); strings.Contains(string(data), "started") {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the destroy never started\nstderr:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != int(exitcode.Interrupted) {
		t.Fatalf("got %v, want exit code %d\nstdout:\n%s\nstderr:\n%s", err, exitcode.Interrupted, stdout.String(), stderr.String())
	}
	data, err := os.ReadFile(mark)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(data), "interrupted"); got != 1 {
		t.Errorf("pulumi destroy got %d interrupts, want 1", got)
	}
	if !strings.Contains(stdout.String(), "eph-slow") || !strings.Contains(stdout.String(), "kept: failed") {
		t.Errorf("the report does not show the stack kept:\n%s", stdout.String())
	}
	if out := b.MustRun(t, root, "stack", "ls", "--json"); !strings.Contains(out, "eph-slow") {
		t.Errorf("the stack is gone after an interrupted destroy: %s", out)
	}
}
