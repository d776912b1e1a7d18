package reap

// These tests run the real Pulumi CLI (tools/bin/pulumi, from
// scripts/tools.sh) on a file:// backend in a temporary directory. The CLI
// has no language host and no provider plugin here: a stack with no resources
// destroys without any, and a stack whose state holds an AWS resource fails to
// destroy (no AWS provider), which stands for any failed destroy.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
	"github.com/platformlab/s3-gateway-lab/internal/testing/pulumitest"
)

const project = "s3-gateway-lab"

// now is the tests' clock; expiries are relative to it.
var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// owner is the repository the tests' reaper reaps for, and the one whose
// commands created their stacks (settings.TagCreatedBy).
const owner = "github.com/platform/s3-gateway-lab"

// lab is a backend with the lab's project directory.
type lab struct {
	t   *testing.T
	b   *pulumitest.Backend
	dir string
}

func newLab(t *testing.T) *lab {
	t.Helper()
	return &lab{t: t, b: pulumitest.NewBackend(t), dir: pulumitest.Project(t, project)}
}

// stack creates a stack of the lab's project as this repository's commands
// create one (settings.TagCreatedBy owner), with the expiry tag, if any.
func (l *lab) stack(name, expires string) {
	l.t.Helper()
	l.stackBy(name, expires, owner)
}

// stackBy creates a stack created by another repository (createdBy), or by
// none of the lab's commands (createdBy empty).
func (l *lab) stackBy(name, expires, createdBy string) {
	l.t.Helper()
	l.b.MustRun(l.t, l.dir, "stack", "init", name, "--non-interactive")
	if createdBy != "" {
		l.b.MustRun(l.t, l.dir, "stack", "tag", "set", settings.TagCreatedBy, createdBy, "--stack", name)
	}
	if expires != "" {
		l.b.MustRun(l.t, l.dir, "stack", "tag", "set", settings.TagExpiresAt, expires, "--stack", name)
	}
}

// importState replaces the state of stack with outputs and resources.
func (l *lab) importState(stack string, outputs map[string]any, resources ...map[string]any) {
	l.t.Helper()
	l.b.ImportState(l.t, l.dir, project, stack, outputs, resources...)
}

// natGateway returns a NAT gateway resource and its AWS provider for a state.
func natGateway(stack string) []map[string]any {
	provURN := fmt.Sprintf("urn:pulumi:%s::%s::pulumi:providers:aws::default_6_83_4", stack, project)
	return []map[string]any{
		{"urn": provURN, "custom": true, "id": "prov-1", "type": "pulumi:providers:aws",
			"inputs": map[string]any{"region": "us-east-1", "version": "6.83.4"}, "outputs": map[string]any{"region": "us-east-1", "version": "6.83.4"}},
		{"urn": fmt.Sprintf("urn:pulumi:%s::%s::aws:ec2/natGateway:NatGateway::lab-nat", stack, project), "custom": true, "id": "nat-0abc",
			"type": "aws:ec2/natGateway:NatGateway", "inputs": map[string]any{"subnetId": "subnet-1"}, "outputs": map[string]any{"id": "nat-0abc"},
			"provider": provURN + "::prov-1"},
	}
}

// lock leaves a lock on stack as a run killed at `at` would.
func (l *lab) lock(stack string, at time.Time) {
	l.t.Helper()
	dir := filepath.Join(l.b.Dir, ".pulumi", "locks", "organization", project, stack)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		l.t.Fatal(err)
	}
	content := fmt.Sprintf(`{"pid":4242,"username":"ci","hostname":"runner-1","timestamp":%q}`, at.Format(time.RFC3339))
	if err := os.WriteFile(filepath.Join(dir, "5f1e0b7a-killed.json"), []byte(content), 0o644); err != nil {
		l.t.Fatal(err)
	}
}

// stacks lists the backend's stacks, as the CLI names them.
func (l *lab) stacks() []string {
	l.t.Helper()
	var list []pulumicli.StackSummary
	if err := json.Unmarshal([]byte(l.b.MustRun(l.t, l.dir, "stack", "ls", "--all", "--json")), &list); err != nil {
		l.t.Fatal(err)
	}
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	return names
}

func (l *lab) reaper(yes bool) *Reaper {
	return &Reaper{CLI: &pulumicli.CLI{Bin: l.b.Bin, Dir: l.dir, Env: l.b.Env()}, Project: project, Owner: owner, Yes: yes,
		DestroyTimeout: time.Minute, Now: func() time.Time { return now }}
}

func (l *lab) run(r *Reaper) Report {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	rep, err := r.Run(ctx)
	if err != nil {
		l.t.Fatalf("reap: %v", err)
	}
	l.t.Logf("reap (yes=%v) took %s:\n%s", r.Yes, time.Since(start).Round(time.Millisecond), rep.Text())
	return rep
}

// outcomes maps the short names of the report's stacks to their outcomes.
func outcomes(rep Report) map[string]Outcome {
	m := map[string]Outcome{}
	for _, r := range rep.Results {
		m[strings.TrimPrefix(r.Stack, "organization/"+project+"/")] = r.Outcome
	}
	return m
}

func equalOutcomes(t *testing.T, got, want map[string]Outcome) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("stack %s: got %q, want %q", k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("stack %s: reported (%q), but it should not be", k, got[k])
		}
	}
}

// TestReapsExactlyTheExpiredStacks: of a backend's stacks, only the lab
// project's stacks whose expiry tag has passed are destroyed and removed; a
// dry run changes nothing; stacks without the tag, not yet expired, or of
// another project (expired too) stay.
func TestReapsExactlyTheExpiredStacks(t *testing.T) {
	l := newLab(t)
	l.stack("dev", "")
	l.stack("eph-old", now.Add(-time.Hour).Format(time.RFC3339))
	l.stack("pr-7", now.Add(-24*time.Hour).Format(time.RFC3339))
	l.stack("eph-new", now.Add(time.Hour).Format(time.RFC3339))
	l.b.MustRun(t, l.dir, "stack", "tag", "set", "owner", "platform", "--stack", "dev")
	other := pulumitest.Project(t, "other-project")
	l.b.MustRun(t, other, "stack", "init", "old", "--non-interactive")
	l.b.MustRun(t, other, "stack", "tag", "set", settings.TagExpiresAt, now.Add(-time.Hour).Format(time.RFC3339), "--stack", "old")
	before := l.stacks()

	rep := l.run(l.reaper(false))
	equalOutcomes(t, outcomes(rep), map[string]Outcome{"dev": NoExpiry, "eph-old": WouldReap, "pr-7": WouldReap, "eph-new": NotExpired})
	if got := l.stacks(); !slices.Equal(got, before) {
		t.Errorf("dry run changed the stacks: got %v, want %v", got, before)
	}
	if rep.ExitCode() != exitcode.OK {
		t.Errorf("dry run exit code: got %d, want %d", rep.ExitCode(), exitcode.OK)
	}
	if !slices.Equal(rep.Others, []string{"organization/other-project/old"}) {
		t.Errorf("other projects' stacks: got %v, want [organization/other-project/old]", rep.Others)
	}
	text := rep.Text()
	for _, want := range []string{"dry run", "would reap", "Not this project's, never touched: organization/other-project/old"} {
		if !strings.Contains(text, want) {
			t.Errorf("report does not contain %q:\n%s", want, text)
		}
	}

	rep = l.run(l.reaper(true))
	equalOutcomes(t, outcomes(rep), map[string]Outcome{"dev": NoExpiry, "eph-old": Reaped, "pr-7": Reaped, "eph-new": NotExpired})
	if rep.ExitCode() != exitcode.OK {
		t.Errorf("exit code: got %d, want %d", rep.ExitCode(), exitcode.OK)
	}
	want := []string{"dev", "eph-new", "organization/other-project/old"}
	if got := l.stacks(); !slices.Equal(got, want) {
		t.Errorf("stacks after reaping: got %v, want %v", got, want)
	}
	tags := l.b.MustRun(t, l.dir, "stack", "tag", "ls", "--json", "--stack", "dev")
	if !strings.Contains(tags, `"owner": "platform"`) {
		t.Errorf("dev's tags changed: %s", tags)
	}
}

// TestFailuresKeepTheStack: an expired stack whose destroy fails, one locked
// by a running update, and one with an expiry that is not a time are kept and
// reported (exit code 1); a lock left by a killed run long ago is removed and
// its stack reaped (the destroy resumes); the dry run prices the failing
// stack's NAT gateway from the plan's price table.
func TestFailuresKeepTheStack(t *testing.T) {
	l := newLab(t)
	expired := now.Add(-2 * time.Hour).Format(time.RFC3339)
	l.stack("eph-nat", expired)
	l.importState("eph-nat", map[string]any{"region": "us-east-1"}, natGateway("eph-nat")...)
	l.stack("eph-busy", expired)
	l.lock("eph-busy", now.Add(-10*time.Minute))
	l.stack("eph-killed", expired)
	l.lock("eph-killed", now.Add(-5*time.Hour))
	l.stack("eph-typo", "tomorrow")

	rep := l.run(l.reaper(false))
	for _, r := range rep.Results {
		if r.Stack == "organization/s3-gateway-lab/eph-nat" && (r.Monthly != 32.85 || r.Resources != 1 || r.CostErr != nil) {
			t.Errorf("eph-nat: got %d resources costing %v (%v), want 1 costing 32.85 (the NAT gateway's hours)", r.Resources, r.Monthly, r.CostErr)
		}
	}
	if !strings.Contains(rep.Text(), "$32.85") {
		t.Errorf("the dry run does not show the NAT gateway's $32.85 a month:\n%s", rep.Text())
	}

	rep = l.run(l.reaper(true))
	equalOutcomes(t, outcomes(rep), map[string]Outcome{"eph-nat": Failed, "eph-busy": Locked, "eph-killed": Reaped, "eph-typo": BadExpiry})
	if rep.ExitCode() != exitcode.LeftBehind {
		t.Errorf("exit code: got %d, want %d", rep.ExitCode(), exitcode.LeftBehind)
	}
	want := []string{"eph-busy", "eph-nat", "eph-typo"}
	if got := l.stacks(); !slices.Equal(got, want) {
		t.Errorf("stacks after reaping: got %v, want %v (the failures kept)", got, want)
	}
	for _, r := range rep.Results {
		var wantDetail string
		switch strings.TrimPrefix(r.Stack, "organization/"+project+"/") {
		case "eph-nat":
			wantDetail = "no resource plugin 'pulumi-resource-aws' found"
		case "eph-busy":
			wantDetail = "ci@runner-1 pid 4242 since " + now.Add(-10*time.Minute).Format(time.RFC3339)
		case "eph-typo":
			wantDetail = `"tomorrow" is not an RFC 3339 time`
		default:
			continue
		}
		if !strings.Contains(r.Detail, wantDetail) {
			t.Errorf("%s: detail %q does not say %q", r.Stack, r.Detail, wantDetail)
		}
	}

	// The next run tries the failed one again and leaves the rest as they are.
	rep = l.run(l.reaper(true))
	equalOutcomes(t, outcomes(rep), map[string]Outcome{"eph-nat": Failed, "eph-busy": Locked, "eph-typo": BadExpiry})
}

// TestAdminCheckBeforeDestroy: a stack whose adminPrincipalArns output does
// not name the caller is kept without a destroy; an admin reaps it.
func TestAdminCheckBeforeDestroy(t *testing.T) {
	l := newLab(t)
	l.stack("eph-admin", now.Add(-time.Hour).Format(time.RFC3339))
	l.importState("eph-admin", map[string]any{"adminPrincipalArns": []any{"arn:aws:iam::123456789012:role/ci-deployer"}})

	var asked []string
	r := l.reaper(true)
	r.AdminCheck = func(_ context.Context, admins []string) error {
		asked = admins
		return fmt.Errorf("arn:aws:iam::123456789012:role/intern is %w", ErrNotAdmin)
	}
	rep := l.run(r)
	equalOutcomes(t, outcomes(rep), map[string]Outcome{"eph-admin": Failed})
	if !slices.Equal(asked, []string{"arn:aws:iam::123456789012:role/ci-deployer"}) {
		t.Errorf("admin check asked about %v, want the stack's adminPrincipalArns", asked)
	}
	if got := l.stacks(); !slices.Equal(got, []string{"eph-admin"}) {
		t.Errorf("stacks: got %v, want the stack kept", got)
	}

	r.AdminCheck = func(context.Context, []string) error { return nil }
	rep = l.run(r)
	equalOutcomes(t, outcomes(rep), map[string]Outcome{"eph-admin": Reaped})
}

// TestUnreadableBackend: a backend the CLI cannot open stops the run with an
// error that names it (the command exits 2), before anything is done.
func TestUnreadableBackend(t *testing.T) {
	l := newLab(t)
	notADir := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(notADir, []byte("not a backend"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := l.reaper(true)
	r.CLI.Env = l.b.Env("PULUMI_BACKEND_URL=file://" + notADir)
	_, err := r.Run(context.Background())
	var cliErr *pulumicli.Error
	if !errors.As(err, &cliErr) || !strings.Contains(err.Error(), "unable to open state directory") {
		t.Fatalf("got %v, want the CLI's error opening the backend", err)
	}
}

// TestWrongProjectDirectory: the reaper refuses to run from another
// project's directory, where the CLI's plain stack names are not the lab's.
func TestWrongProjectDirectory(t *testing.T) {
	l := newLab(t)
	r := l.reaper(true)
	r.CLI.Dir = pulumitest.Project(t, "other-project")
	if _, err := r.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "holds project other-project, not s3-gateway-lab") {
		t.Fatalf("got %v, want a refusal naming both projects", err)
	}
}

// TestKeepMeansKeep: the expiry lives in the stack tag only. After the
// README's `pulumi stack tag rm lab:expires-at`, a stack whose resources
// still carry an expired lab:expires-at tag (the expiresAt setting labels
// them) is kept: "kept: no expiry", never reaped.
func TestKeepMeansKeep(t *testing.T) {
	l := newLab(t)
	expired := now.Add(-48 * time.Hour).Format(time.RFC3339)
	l.stack("my-lab", expired)
	res := natGateway("my-lab")
	res[1]["inputs"].(map[string]any)["tags"] = map[string]any{"lab:project": project, "lab:stack": "my-lab", settings.TagExpiresAt: expired}
	l.importState("my-lab", map[string]any{}, res...)
	equalOutcomes(t, outcomes(l.run(l.reaper(false))), map[string]Outcome{"my-lab": WouldReap})

	l.b.MustRun(t, l.dir, "stack", "tag", "rm", settings.TagExpiresAt, "--stack", "my-lab")
	rep := l.run(l.reaper(true))
	equalOutcomes(t, outcomes(rep), map[string]Outcome{"my-lab": NoExpiry})
	if got := l.stacks(); !slices.Equal(got, []string{"my-lab"}) {
		t.Errorf("stacks: got %v, want my-lab kept", got)
	}
}

// TestOnlyStacksThisRepositoryCreated: on a backend several repositories
// share, an expired stack another repository's commands created, or one no
// command of the lab created, is listed and never touched; this
// repository's own is reaped.
func TestOnlyStacksThisRepositoryCreated(t *testing.T) {
	l := newLab(t)
	expired := now.Add(-time.Hour).Format(time.RFC3339)
	l.stack("pr-1", expired)
	l.stackBy("pr-2", expired, "github.com/other-team/s3-gateway-lab")
	l.stackBy("by-hand", expired, "")
	l.stackBy("other-case", expired, strings.ToUpper(owner))

	rep := l.run(l.reaper(true))
	equalOutcomes(t, outcomes(rep), map[string]Outcome{"pr-1": Reaped, "pr-2": NotCreatedHere, "by-hand": NotCreatedHere, "other-case": Reaped})
	if got := l.stacks(); !slices.Equal(got, []string{"by-hand", "pr-2"}) {
		t.Errorf("stacks: got %v, want the other repository's and the hand-made one kept", got)
	}
	if rep.ExitCode() != exitcode.OK {
		t.Errorf("exit code: got %d, want %d (another repository's stack is not this run's failure)", rep.ExitCode(), exitcode.OK)
	}
	for _, want := range []string{"created by github.com/other-team/s3-gateway-lab, not " + owner, "no lab:created-by stack tag"} {
		if !strings.Contains(rep.Text(), want) {
			t.Errorf("report does not say %q:\n%s", want, rep.Text())
		}
	}
	r := l.reaper(false)
	r.Owner = ""
	if _, err := r.Run(context.Background()); err == nil {
		t.Error("a reaper with no owner ran; want a refusal")
	}
}
