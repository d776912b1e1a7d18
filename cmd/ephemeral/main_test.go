package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/testing/awsfake"
)

func runCmd(t *testing.T, args ...string) (exitcode.Code, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	code := run(context.Background(), args, nil, &stdout, &stderr)
	return code, stderr.String()
}

// TestWithoutCLI: with no Pulumi CLI, nothing is created and the command
// says what to do, with the could-not-run exit code.
func TestWithoutCLI(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	code, errOut := runCmd(t)
	if code != exitcode.CouldNotRun || !strings.Contains(errOut, "the Pulumi CLI is not installed") ||
		!strings.Contains(errOut, "get.pulumi.com") {
		t.Errorf("got exit %d, stderr %q; want %d and install advice", code, errOut, exitcode.CouldNotRun)
	}
}

// TestWithoutCredentials: a CLI is there (a stand-in that must not be
// called), AWS credentials are not: stop before creating anything.
func TestWithoutCredentials(t *testing.T) {
	bin := t.TempDir()
	called := filepath.Join(t.TempDir(), "called")
	script := "#!/bin/sh\ntouch " + called + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "pulumi"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	t.Setenv("CI", "")
	t.Setenv("GITHUB_ACTIONS", "")
	awsfake.WithoutCredentials(t)
	code, errOut := runCmd(t, "-region", "us-east-1")
	if code != exitcode.CouldNotRun || !strings.Contains(errOut, "no AWS credentials") {
		t.Errorf("got exit %d, stderr %q; want %d and a credentials message", code, errOut, exitcode.CouldNotRun)
	}
	if _, err := os.Stat(called); err == nil {
		t.Error("the Pulumi CLI was run although nothing should have been created")
	}
}

// TestNoSharedBackendInCI: in CI, without PULUMI_BACKEND_URL or a Pulumi
// Cloud token, nothing is created: a runner's temporary state would be lost
// with the stack still deployed.
func TestNoSharedBackendInCI(t *testing.T) {
	bin := t.TempDir()
	called := filepath.Join(t.TempDir(), "called")
	if err := os.WriteFile(filepath.Join(bin, "pulumi"), []byte("#!/bin/sh\ntouch "+called+"\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	t.Setenv("CI", "true")
	t.Setenv("PULUMI_BACKEND_URL", "")
	t.Setenv("PULUMI_ACCESS_TOKEN", "")
	code, errOut := runCmd(t, "-region", "us-east-1")
	if code != exitcode.CouldNotRun || !strings.Contains(errOut, "PULUMI_BACKEND_URL") || !strings.Contains(errOut, "PULUMI_ACCESS_TOKEN") {
		t.Errorf("got exit %d, stderr %q; want %d naming both settings", code, errOut, exitcode.CouldNotRun)
	}
	if _, err := os.Stat(called); err == nil {
		t.Error("the Pulumi CLI was run")
	}
}

func TestSettingsFlag(t *testing.T) {
	s := setFlags{}
	if err := s.Set("azCount=3"); err != nil || s["azCount"] != "3" {
		t.Errorf("Set(azCount=3): %v, %v", err, s)
	}
	for _, bad := range []string{"azCount", "=3", "aws:region=x"} {
		if err := s.Set(bad); err == nil {
			t.Errorf("Set(%q): got no error", bad)
		}
	}
}
