// Package pulumitest gives tests the real Pulumi CLI that scripts/tools.sh
// puts in tools/bin (the pinned version: a copy of the installed CLI when it
// is that version, else built from source as tools/preview's tool) and a
// file:// state backend in a temporary directory, so that what the lab's
// commands and scripts ask of the CLI (flags, JSON shapes, error texts) is
// checked against the CLI itself.
//
// The tests run the CLI without language hosts and provider plugins (none
// next to tools/bin/pulumi, none taken from PATH: PULUMI_IGNORE_AMBIENT_PLUGINS),
// and nothing here downloads any: it can create, tag, configure, import,
// export, list, lock, cancel, destroy and remove stacks, but not preview or
// update the lab's program (that needs the Go language host and the AWS
// provider).
package pulumitest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
	"github.com/platformlab/s3-gateway-lab/internal/testing/jsonfile"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// Version is the Pulumi CLI version scripts/tools.sh pins (tools/preview builds
// it): the one Pulumi version of every go.mod and workflow
// (scripts/versions_test.go).
const Version = "v3.276.0"

// Passphrase is the secrets passphrase of the test backends.
const Passphrase = "clitest-passphrase"

// Binary returns the path of the pinned Pulumi CLI (tools/bin/pulumi). When
// it is missing, the test is skipped, except in CI (CI or GITHUB_ACTIONS
// set), where it fails: CI must run these tests.
func Binary(t testing.TB) string {
	t.Helper()
	root, err := repo.Find()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "tools", "bin", "pulumi")
	if _, err := os.Stat(bin); err != nil {
		msg := fmt.Sprintf("the pinned Pulumi CLI %s is not built (%s missing): run bash scripts/tools.sh", Version, bin)
		if pulumicli.InCI(os.Getenv) {
			t.Fatal(msg + " (in CI these tests must run)")
		}
		t.Skip(msg)
	}
	return bin
}

// Backend is a file:// state backend in a temporary directory and the
// environment to run the CLI with against it.
type Backend struct {
	// Bin is the CLI.
	Bin string
	// Dir is the state directory, URL its file:// URL.
	Dir, URL string
	// Home is PULUMI_HOME (plugins, credentials), a temporary directory.
	Home string
}

// NewBackend makes an empty backend in a temporary directory.
func NewBackend(t testing.TB) *Backend {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	return &Backend{Bin: bin, Dir: dir, URL: "file://" + dir, Home: t.TempDir()}
}

// Env returns the test process's environment without Pulumi, AWS, CI and
// lab settings (as on a laptop: a test run in CI, with CI=true, still sees
// the local rules; a test of CI's says so in extra), plus the backend's:
// PULUMI_BACKEND_URL, PULUMI_HOME, the passphrase, no update check, no
// plugin downloads, no plugins from PATH, and extra (KEY=value, last wins).
func (b *Backend) Env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !runnerSetting(k) {
			env = append(env, kv)
		}
	}
	env = append(env, "PULUMI_BACKEND_URL="+b.URL, "PULUMI_HOME="+b.Home,
		"PULUMI_CONFIG_PASSPHRASE="+Passphrase, "PULUMI_SKIP_UPDATE_CHECK=true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true",
		// An installed CLI's language hosts on PATH are not this CLI's.
		"PULUMI_IGNORE_AMBIENT_PLUGINS=true")
	return append(env, extra...)
}

// runnerSetting reports whether environment variable k changes what the
// lab's commands and scripts do: Pulumi's and AWS's settings, CI's markers
// (pulumicli.InCI, scripts/backend.sh's lab_in_ci), GitHub's repository
// (pulumicli.Owner) and the lab's own LAB_ variables.
func runnerSetting(k string) bool {
	for _, p := range []string{"PULUMI_", "AWS_", "LAB_", "GITHUB_"} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return k == "CI"
}

// OutsideCI clears, for the rest of the test, what a CI runner sets that
// changes what the lab's commands do in process (CI, GITHUB_ and LAB_
// variables): a test of the laptop's rules keeps them when CI runs it.
func OutsideCI(t testing.TB) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); runnerSetting(k) && !strings.HasPrefix(k, "PULUMI_") && !strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
		}
	}
}

// Project writes a Pulumi.yaml of project name (runtime go) into a new
// temporary directory and returns it.
func Project(t testing.TB, name string) string {
	t.Helper()
	dir := t.TempDir()
	yaml := "name: " + name + "\nruntime: go\ndescription: a test project\n"
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Run runs the CLI in dir with args against the backend, bounded by two
// minutes, and returns stdout and stderr and the error.
func (b *Backend) Run(t testing.TB, dir string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.Bin, args...)
	cmd.Dir = dir
	cmd.Env = b.Env()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("pulumi %s: still running after 2 minutes", strings.Join(args, " "))
	}
	return stdout.String(), stderr.String(), err
}

// MustRun runs the CLI like Run and fails the test when it fails.
func (b *Backend) MustRun(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, errOut, err := b.Run(t, dir, args...)
	if err != nil {
		t.Fatalf("pulumi %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// ImportState replaces the state of stack (of project, in dir) through
// `pulumi stack import`: the stack resource with outputs, then resources
// (each made a child of the stack). The manifest's magic is the CLI's
// checksum of its version, so the import needs no --force.
func (b *Backend) ImportState(t testing.TB, dir, project, stack string, outputs map[string]any, resources ...map[string]any) {
	t.Helper()
	stackURN := fmt.Sprintf("urn:pulumi:%s::%s::pulumi:pulumi:Stack::%s-%s", stack, project, project, stack)
	all := []map[string]any{{"urn": stackURN, "custom": false, "type": "pulumi:pulumi:Stack", "outputs": outputs}}
	for _, r := range resources {
		r["parent"] = stackURN
		all = append(all, r)
	}
	state := map[string]any{"version": 3, "deployment": map[string]any{
		"manifest": map[string]any{"time": time.Now().UTC().Format(time.RFC3339), "version": Version,
			"magic": fmt.Sprintf("%x", sha256.Sum256([]byte(Version)))},
		"resources": all,
	}}
	b.MustRun(t, dir, "stack", "import", "--file", jsonfile.Write(t, "state.json", state), "--stack", stack)
}
