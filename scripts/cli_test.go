package scripts

// These tests run what the README and the scripts tell a user to type
// against the real Pulumi CLI (tools/bin/pulumi, from scripts/tools.sh)
// on a file:// backend, so that a wrong flag fails here, not for a user. The
// CLI built here has no Go language host and no AWS provider plugin: it cannot
// preview or update the lab's program, so deploy.sh is run up to its
// `pulumi up`, which fails for that reason, and destroy.sh on stacks whose
// state holds outputs but no resources.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/proof/labplan"

	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
	"github.com/platformlab/s3-gateway-lab/internal/ops/reap"
	"github.com/platformlab/s3-gateway-lab/internal/program/labstack"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
	"github.com/platformlab/s3-gateway-lab/internal/testing/pulumitest"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// labProject copies the lab's Pulumi.yaml and the scripts into a temporary
// directory (the scripts cd to their parent directory, so stack files land
// there, not in the repository) and returns it.
func labProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyFile := func(from, to string, mode os.FileMode) {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, mode); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(filepath.Join(repo.Root(t), "Pulumi.yaml"), filepath.Join(dir, "Pulumi.yaml"), 0o644)
	scripts, err := filepath.Glob("*.sh")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts here: %v", err)
	}
	for _, s := range scripts {
		copyFile(s, filepath.Join(dir, "scripts", s), 0o755)
	}
	return dir
}

// readmeCommand matches the Pulumi CLI commands the README shows that need
// neither AWS nor the engine.
var readmeCommand = regexp.MustCompile("(?:pulumi (?:stack (?:init|output|tag set|tag ls|tag rm|ls)|config (?:set|get))|\\./scripts/new-stack\\.sh)\\b[^`]*")

// substitution is a $(...) command substitution (one level of nested
// parentheses), such as the README's way to find the caller's role ARN with
// the AWS CLI, which the test replaces with a role ARN.
var substitution = regexp.MustCompile(`\$\((?:[^()]|\([^()]*\))*\)`)

// readmeCommands returns the Pulumi CLI commands that need neither AWS nor
// the engine of the README and the pages under docs/ it links (userPages:
// the README's order, then each page's), in order, as a shell would run them.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	var cmds []string
	for _, line := range strings.Split(readPages(t, userPages(t)), "\n") {
		for _, m := range readmeCommand.FindAllString(line, -1) {
			// The role of the account the README's steps pin (not the
			// offline plan's placeholder account).
			m = substitution.ReplaceAllString(m, "arn:aws:iam::111122223333:role/ci-deployer")
			if i := strings.Index(m, "  #"); i >= 0 { // a trailing comment
				m = m[:i]
			}
			if i := strings.Index(m, " | "); i >= 0 {
				m = m[:i]
			}
			m = strings.TrimSuffix(strings.TrimSpace(m), `)"`)
			if strings.ContainsAny(m, "<>") { // a placeholder, such as <key>
				continue
			}
			cmds = append(cmds, m)
		}
	}
	return cmds
}

// TestReadmeCommandsWithTheRealCLI runs each Pulumi CLI command of the README
// and its docs pages that needs neither AWS nor the engine, and
// scripts/new-stack.sh (with a stand-in AWS CLI naming the account), in the
// order a user reads them (userPages), on a backend
// where stack dev holds the outputs of a deployed lab. Then the reaper's dry
// run, for the docs' promise that `pulumi stack tag rm lab:expires-at` keeps a
// stack for good.
func TestReadmeCommandsWithTheRealCLI(t *testing.T) {
	b := pulumitest.NewBackend(t)
	dir := labProject(t)
	b.MustRun(t, dir, "stack", "init", "dev", "--non-interactive")
	b.ImportState(t, dir, "s3-gateway-lab", "dev", map[string]any{
		"region": "us-east-1", "vpcId": "vpc-1", "bucketName": "s3-gw-lab-dev-1",
		"invokeCommand":      "aws lambda invoke --function-name lab-fn --payload '{\"action\":\"list\"}' /dev/stdout",
		"adminPrincipalArns": []string{"arn:aws:iam::123456789012:role/ci-deployer"},
	})
	cmds := readmeCommands(t)
	t.Logf("the commands of %s:\n%s", strings.Join(userPages(t), ", "), strings.Join(cmds, "\n"))
	for _, want := range []string{"./scripts/new-stack.sh my-lab", "pulumi config set --path 's3-gateway-lab:adminPrincipalArns[0]'",
		"pulumi stack tag set lab:expires-at", "pulumi stack tag rm lab:expires-at --stack my-lab", "pulumi stack output --json --stack dev"} {
		found := false
		for _, c := range cmds {
			found = found || strings.HasPrefix(c, want)
		}
		if !found {
			t.Errorf("the README and its docs pages have no command starting %q any more: update this test", want)
		}
	}
	aws := t.TempDir()
	if err := os.WriteFile(filepath.Join(aws, "aws"), []byte(fakeAWS), 0o755); err != nil {
		t.Fatal(err)
	}
	const owner = "github.com/platform/s3-gateway-lab"
	env := b.Env("PATH="+filepath.Dir(b.Bin)+":"+aws+":/usr/bin:/bin", "LAB_OWNER="+owner, "FAKE_ACCOUNT=111122223333")
	for _, c := range cmds {
		cmd := exec.Command("/bin/bash", "-c", c)
		cmd.Dir = dir
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v\n%s", c, err, out)
		}
	}
	// Kept for good: the reaper's dry run, long after the docs' expiry,
	// finds none on my-lab; with the tag back, it would reap it (its
	// creator is this repository: new-stack.sh recorded it).
	reaper := func() reap.Outcome {
		t.Helper()
		r := &reap.Reaper{CLI: &pulumicli.CLI{Bin: b.Bin, Dir: dir, Env: env}, Project: "s3-gateway-lab", Owner: owner,
			Now: func() time.Time { return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) }}
		rep, err := r.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range rep.Results {
			if strings.HasSuffix(res.Stack, "/my-lab") {
				return res.Outcome
			}
		}
		t.Fatalf("the reaper did not list my-lab:\n%s", rep.Text())
		return ""
	}
	if got := reaper(); got != reap.NoExpiry {
		t.Errorf("after the docs' keep command: the reaper's dry run says %q for my-lab, want %q", got, reap.NoExpiry)
	}
	b.MustRun(t, dir, "stack", "tag", "set", "lab:expires-at", "2026-12-07T18:00:00Z", "--stack", "my-lab")
	if got := reaper(); got != reap.WouldReap {
		t.Errorf("with an expiry: the reaper's dry run says %q for my-lab, want %q (the control)", got, reap.WouldReap)
	}
	// The list settings are lists, as the program reads them.
	got := b.MustRun(t, dir, "config", "get", "s3-gateway-lab:adminPrincipalArns", "--stack", "my-lab")
	if strings.TrimSpace(got) != `["arn:aws:iam::111122223333:role/ci-deployer"]` {
		t.Errorf("adminPrincipalArns of my-lab: got %s, want a list of the role", got)
	}
	// The README's next step, the offline plan, plans the stack file those
	// commands wrote (for the account it pins) up to where AWS is needed:
	// the handler builds there from the program's sources.
	for _, name := range []string{"go.mod", "go.sum", "lambda"} {
		if err := os.Symlink(filepath.Join(repo.Root(t), name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	p, err := labplan.Stack(dir, "my-lab", labplan.Options{})
	if err != nil {
		t.Fatalf("the offline plan of the README's my-lab: %v", err)
	}
	if p.Outputs["region"] != "eu-west-1" {
		t.Errorf("plan of my-lab: region %v, want eu-west-1", p.Outputs["region"])
	}
}

// runWithCLI runs a script of the copied project with the real CLI, go, and
// (with a caller) a fake AWS CLI on PATH.
func runWithCLI(t *testing.T, b *pulumitest.Backend, dir, script, caller, roleARN string, args ...string) (string, error) {
	t.Helper()
	bin := t.TempDir()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(goBin, filepath.Join(bin, "go")); err != nil {
		t.Fatal(err)
	}
	if caller != "" {
		if err := os.WriteFile(filepath.Join(bin, "aws"), []byte(fakeAWS), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("/bin/bash", append([]string{filepath.Join(dir, "scripts", script)}, args...)...)
	cmd.Env = b.Env("PATH="+bin+":"+filepath.Dir(b.Bin)+":/usr/bin:/bin", "FAKE_CALLER="+caller, "FAKE_ROLE_ARN="+roleARN,
		"LAB_OWNER=github.com/platform/s3-gateway-lab")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("%s %v: %v after %s\n%s", script, args, err, time.Since(start).Round(time.Millisecond), out)
	return string(out), err
}

// TestDeployWithExpiryOnTheRealCLI: deploy.sh --create --expires-at creates
// the stack with new-stack.sh and the real CLI (its region, its expiry tag
// and setting, the repository that created it, the account of the caller's
// credentials pinned as text), then stops at `pulumi up`, which needs the Go
// language host this CLI lacks.
func TestDeployWithExpiryOnTheRealCLI(t *testing.T) {
	b := pulumitest.NewBackend(t)
	dir := labProject(t)
	out, err := runWithCLI(t, b, dir, "deploy.sh", "arn:aws:sts::111122223333:assumed-role/ci/gh-1", "", "pr-12", "--create",
		"--expires-at", "2026-12-07T18:00:00Z", "--yes")
	if err == nil || !strings.Contains(out, "pulumi-language-go") {
		t.Fatalf("deploy.sh: got %v, want pulumi up to fail for want of the Go language host\n%s", err, out)
	}
	tags := b.MustRun(t, dir, "stack", "tag", "ls", "--json", "--stack", "pr-12")
	for _, want := range []string{`"lab:expires-at": "2026-12-07T18:00:00Z"`, `"lab:created-by": "github.com/platform/s3-gateway-lab"`} {
		if !strings.Contains(tags, want) {
			t.Errorf("stack tags: %s; want %s", tags, want)
		}
	}
	cfg := b.MustRun(t, dir, "config", "--json", "--stack", "pr-12")
	for _, want := range []string{`"s3-gateway-lab:expiresAt"`, `"2026-12-07T18:00:00Z"`, `"aws:region"`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config of pr-12 does not contain %s:\n%s", want, cfg)
		}
	}
	// The account, as text: the provider's allowedAccountIds is a list of
	// strings, and the offline plan pins it.
	pinned := strings.TrimSpace(b.MustRun(t, dir, "config", "get", "aws:allowedAccountIds", "--stack", "pr-12"))
	if pinned != `["111122223333"]` || labstack.PinnedAccount(map[string]string{settings.AWSAllowedAccountIDs: pinned}) != "111122223333" {
		t.Errorf("aws:allowedAccountIds of pr-12: got %s, want [\"111122223333\"]", pinned)
	}
}

// TestDestroyOnTheRealCLI: destroy.sh reads adminPrincipalArns with the real
// CLI and stops a caller who is not an admin before anything is deleted; an
// admin's destroy.sh destroys and removes the stack.
func TestDestroyOnTheRealCLI(t *testing.T) {
	b := pulumitest.NewBackend(t)
	dir := labProject(t)
	b.MustRun(t, dir, "stack", "init", "review-9", "--non-interactive")
	b.ImportState(t, dir, "s3-gateway-lab", "review-9", map[string]any{
		"adminPrincipalArns": []string{"arn:aws:iam::123456789012:role/ci-deployer"}})

	out, err := runWithCLI(t, b, dir, "destroy.sh", "arn:aws:sts::123456789012:assumed-role/intern/joe",
		"arn:aws:iam::123456789012:role/intern", "review-9", "--yes")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(out, "is not in the stack's adminPrincipalArns") {
		t.Fatalf("a non-admin: got %v, want exit 2 naming adminPrincipalArns\n%s", err, out)
	}
	if ls := b.MustRun(t, dir, "stack", "ls", "--json"); !strings.Contains(ls, "review-9") {
		t.Fatalf("the stack is gone after a refused destroy: %s", ls)
	}

	out, err = runWithCLI(t, b, dir, "destroy.sh", "arn:aws:sts::123456789012:assumed-role/ci-deployer/gh-1",
		"arn:aws:iam::123456789012:role/ci-deployer", "review-9", "--yes")
	if err != nil {
		t.Fatalf("an admin: %v\n%s", err, out)
	}
	if ls := b.MustRun(t, dir, "stack", "ls", "--json"); strings.Contains(ls, "review-9") {
		t.Errorf("the stack is still listed after destroy.sh: %s", ls)
	}
}

// TestDeployWithExpiry: --expires-at tags the stack and sets expiresAt before
// up, and is not passed to up; a value that is not a time stops the script
// before pulumi is called, naming the flag.
func TestDeployWithExpiry(t *testing.T) {
	out, calls, err := runScript(t, "deploy.sh", []string{"FAKE_HAS_REGION=1"}, false, "pr-3", "--create", "--yes", "--expires-at", "2026-12-07T18:00:00Z", "--skip-preview")
	if err != nil {
		t.Fatalf("deploy.sh: %v\n%s", err, out)
	}
	want := []string{
		"backend=file://~ passphrase= fallback=true args=stack select --non-interactive pr-3",
		"backend=file://~ passphrase= fallback=true args=config refresh --force --stack pr-3",
		"backend=file://~ passphrase= fallback=true args=config get aws:allowedAccountIds --stack pr-3",
		"backend=file://~ passphrase= fallback=true args=config get aws:region --stack pr-3",
		"backend=file://~ passphrase= fallback=true args=stack tag set lab:expires-at 2026-12-07T18:00:00Z --stack pr-3",
		"backend=file://~ passphrase= fallback=true args=config set s3-gateway-lab:expiresAt 2026-12-07T18:00:00Z --stack pr-3",
		"backend=file://~ passphrase= fallback=true args=up --stack pr-3 --yes --skip-preview",
	}
	if strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("pulumi calls:\n got %q\nwant %q", calls, want)
	}
	for _, bad := range [][]string{{"--expires-at", "next week"}, {"--expires-at"}, {"--expires-at=2026-12-07"}} {
		out, calls, err := runScript(t, "deploy.sh", nil, false, append([]string{"pr-3"}, bad...)...)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || len(calls) != 0 || !strings.Contains(out, "--expires-at") {
			t.Errorf("deploy.sh pr-3 %v: got %v, calls %v, output %q; want exit 2 naming --expires-at, no calls", bad, err, calls, out)
		}
	}
}
