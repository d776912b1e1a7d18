// Package reap destroys and removes the lab's stacks whose expiry has passed,
// on any state backend: it lists the backend's stacks with the Pulumi CLI,
// reads each stack's expiry from its stack tag (settings.TagExpiresAt: the only place
// an expiry lives for the reaper), and, for the expired stacks of the lab
// project that this repository created (stack tag settings.TagCreatedBy), runs
// destroy and then removes the stack. Stacks without an expiry (dev, a stack
// kept for good), stacks other repositories created and other projects'
// stacks are listed and never touched.
// A stack whose destroy fails is kept, reported, and tried again by the next
// run, which resumes where the failed one stopped (destroy deletes what the
// state still holds).
package reap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/ephemeral"
	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
	"github.com/platformlab/s3-gateway-lab/internal/proof/cost"
	"github.com/platformlab/s3-gateway-lab/internal/proof/offlineplan"
)

// DefaultDestroyTimeout bounds one stack's destroy: ephemeral.DestroyTimeout,
// sized to Lambda's network interfaces.
const DefaultDestroyTimeout = ephemeral.DestroyTimeout

// DefaultStaleLockAfter is the age past which a lock on an expired stack is
// taken as left by a killed run (a job stopped by its timeout, a closed
// laptop) and removed with `pulumi cancel`: no run of the lab's commands
// holds a lock that long (a destroy is bounded by DefaultDestroyTimeout).
const DefaultStaleLockAfter = 3 * time.Hour

// Outcome is what the reaper did with a stack.
type Outcome string

// Outcomes.
const (
	NoExpiry Outcome = "kept: no expiry"
	// NotCreatedHere: another repository's commands created the stack (or
	// none recorded it): listed, never touched.
	NotCreatedHere Outcome = "kept: not created by this repository"
	NotExpired     Outcome = "kept: not expired"
	BadExpiry      Outcome = "kept: unreadable expiry"
	WouldReap      Outcome = "would reap"
	Reaped         Outcome = "reaped"
	Locked         Outcome = "kept: locked"
	Failed         Outcome = "kept: failed"
)

// Result is one stack's line of the report.
type Result struct {
	// Stack is the stack's fully qualified name (organization/project/stack).
	Stack     string
	ExpiresAt time.Time
	// Resources is the number of resources in the stack's state, -1 when
	// unknown; Monthly the fixed monthly cost of those resources (Prices of
	// internal/proof/cost), CostErr why it is unknown.
	Resources int
	Monthly   float64
	CostErr   error
	Outcome   Outcome
	// Detail says why, or what failed.
	Detail   string
	Duration time.Duration
}

// Failure reports whether the result needs a person (or the next run).
func (r Result) Failure() bool {
	return r.Outcome == Locked || r.Outcome == Failed || r.Outcome == BadExpiry
}

// Report is a run's outcome.
type Report struct {
	Project string
	// Owner is the repository whose stacks were reaped.
	Owner   string
	Now     time.Time
	DryRun  bool
	Results []Result
	// Others are the stacks of other projects, never touched.
	Others []string
}

// ExitCode returns the reaper's exit code for the report (of the
// housekeeping family, internal/exitcode).
func (r Report) ExitCode() exitcode.Code {
	for _, res := range r.Results {
		if res.Failure() {
			return exitcode.LeftBehind
		}
	}
	return exitcode.OK
}

// Reaper reaps the expired stacks of a project.
type Reaper struct {
	// CLI runs pulumi in the project directory, on the backend to reap
	// (the shared runner: a stopped command gets one interrupt and its
	// grace).
	CLI *pulumicli.CLI
	// Project is the Pulumi project whose stacks are reaped.
	Project string
	// Owner names this repository (pulumicli.Owner): only stacks whose
	// settings.TagCreatedBy is Owner are reaped.
	Owner string
	// Yes destroys and removes; without it the reaper only reports.
	Yes bool
	// DestroyTimeout bounds each destroy (default DefaultDestroyTimeout).
	DestroyTimeout time.Duration
	// StaleLockAfter is the age past which a lock on an expired stack is
	// removed (default DefaultStaleLockAfter; negative: never).
	StaleLockAfter time.Duration
	// AdminCheck, when set, is asked before a destroy whether the caller is
	// one of the stack's adminPrincipalArns (as scripts/destroy.sh does);
	// an error keeps the stack.
	AdminCheck func(ctx context.Context, admins []string) error
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Progress gets a line per step.
	Progress io.Writer
}

// Run lists the backend's stacks and reaps the project's expired ones. An
// error means the backend could not be listed (nothing was done), or ctx
// ended (the report holds what was done).
func (r *Reaper) Run(ctx context.Context) (Report, error) {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	rep := Report{Project: r.Project, Owner: r.Owner, Now: now().UTC(), DryRun: !r.Yes}
	if r.Owner == "" {
		return rep, errors.New("no owner: the reaper destroys only stacks this repository created, and needs its name")
	}
	current, err := ProjectName(r.CLI.Dir)
	if err != nil {
		return rep, err
	}
	if current != r.Project {
		return rep, fmt.Errorf("%s holds project %s, not %s", r.CLI.Dir, current, r.Project)
	}
	stacks, err := r.CLI.Stacks(ctx)
	if err != nil {
		return rep, fmt.Errorf("list the backend's stacks: %w", err)
	}
	for _, s := range stacks {
		if ctx.Err() != nil {
			// Stopped (a signal, the job's end): what was done is in the
			// report; the next run takes up the rest.
			return rep, fmt.Errorf("stopped before %s: %w", s.Name, ctx.Err())
		}
		project, ok := pulumicli.ProjectOf(s.Name)
		if !ok || project != r.Project {
			rep.Others = append(rep.Others, s.Name)
			continue
		}
		res := Result{Stack: s.Name, Resources: -1}
		if s.ResourceCount != nil {
			res.Resources = *s.ResourceCount
		}
		tags, err := stackTags(ctx, r.CLI, s.Name)
		if err != nil {
			res.Outcome, res.Detail = BadExpiry, "could not read its tags: "+err.Error()
			rep.Results = append(rep.Results, res)
			continue
		}
		value, ok := tags[settings.TagExpiresAt]
		if !ok {
			res.Outcome, res.Detail = NoExpiry, "no "+settings.TagExpiresAt+" stack tag: never reaped"
			rep.Results = append(rep.Results, res)
			continue
		}
		// GitHub's owners and repositories are named without regard to
		// case: a clone's remote may spell them otherwise than Actions.
		if by := tags[settings.TagCreatedBy]; !strings.EqualFold(by, r.Owner) {
			res.Outcome = NotCreatedHere
			res.Detail = "created by " + by + ", not " + r.Owner
			if by == "" {
				res.Detail = "no " + settings.TagCreatedBy + " stack tag: not created by this repository's commands"
			}
			rep.Results = append(rep.Results, res)
			continue
		}
		expires, err := time.Parse(time.RFC3339, value)
		if err != nil {
			res.Outcome = BadExpiry
			res.Detail = fmt.Sprintf("tag %s=%q is not an RFC 3339 time (such as 2026-12-01T18:00:00Z): "+
				"fix it with pulumi stack tag set %s <time> --stack %s", settings.TagExpiresAt, value, settings.TagExpiresAt, s.Name)
			rep.Results = append(rep.Results, res)
			continue
		}
		res.ExpiresAt = expires.UTC()
		if expires.After(rep.Now) {
			res.Outcome = NotExpired
			res.Detail = "expires in " + minutes(expires.Sub(rep.Now))
			rep.Results = append(rep.Results, res)
			continue
		}
		res.Monthly, res.Resources, res.CostErr = r.cost(ctx, s.Name)
		if !r.Yes {
			res.Outcome = WouldReap
			res.Detail = "expired " + minutes(rep.Now.Sub(expires)) + " ago"
		} else {
			start := time.Now()
			r.reap(ctx, &res)
			res.Duration = time.Since(start)
		}
		rep.Results = append(rep.Results, res)
	}
	sort.SliceStable(rep.Results, func(i, j int) bool { return rep.Results[i].Stack < rep.Results[j].Stack })
	sort.Strings(rep.Others)
	return rep, nil
}

// ProjectName returns the name in dir's Pulumi.yaml.
func ProjectName(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "Pulumi.yaml"))
	if err != nil {
		return "", fmt.Errorf("read the project file: %w", err)
	}
	var p struct {
		Name string `yaml:"name"`
	}
	if err := yaml.Unmarshal(data, &p); err != nil || p.Name == "" {
		return "", fmt.Errorf("read the project name in %s: %v", filepath.Join(dir, "Pulumi.yaml"), err)
	}
	return p.Name, nil
}

func (r *Reaper) progress(format string, args ...any) {
	if r.Progress != nil {
		fmt.Fprintf(r.Progress, "reap: "+format+"\n", args...)
	}
}

// reap destroys and removes the stack of res, recording the outcome.
func (r *Reaper) reap(ctx context.Context, res *Result) {
	stack := res.Stack
	if r.AdminCheck != nil {
		admins, err := adminPrincipalArns(ctx, r.CLI, stack)
		switch {
		case errors.Is(err, errNoOutput):
			// No lab resources were ever deployed, or they are gone.
		case err != nil:
			res.Outcome, res.Detail = Failed, "read its adminPrincipalArns: "+err.Error()
			return
		case len(admins) > 0:
			if err := r.AdminCheck(ctx, admins); err != nil {
				res.Outcome, res.Detail = Failed, err.Error()
				return
			}
		}
	}
	r.progress("destroying %s (expired %s; bounded by %s)", stack, res.ExpiresAt.Format(time.RFC3339), r.destroyTimeout())
	err := r.destroy(ctx, stack)
	if locks, ok := lockedBy(err); ok {
		if !r.stale(locks) {
			res.Outcome = Locked
			res.Detail = fmt.Sprintf("locked by another run (%s): wait for it, or, if no run holds it, pulumi cancel --stack %s", describeLocks(locks), stack)
			return
		}
		r.progress("%s: removing a stale lock (%s) left by a run that did not finish", stack, describeLocks(locks))
		if _, err := r.CLI.Run(ctx, "cancel", "--yes", "--stack", stack); err != nil {
			res.Outcome, res.Detail = Locked, "remove its stale lock: "+err.Error()
			return
		}
		err = r.destroy(ctx, stack)
	}
	if err != nil {
		res.Outcome = Failed
		res.Detail = "destroy: " + err.Error() + "; the stack is kept and the next run tries again"
		return
	}
	if _, err := r.CLI.Run(ctx, "stack", "rm", "--yes", "--preserve-config", "--stack", stack); err != nil {
		res.Outcome = Failed
		res.Detail = "destroyed, but not removed: " + err.Error()
		return
	}
	res.Outcome = Reaped
	res.Detail = "destroyed and removed"
}

func (r *Reaper) destroyTimeout() time.Duration {
	if r.DestroyTimeout > 0 {
		return r.DestroyTimeout
	}
	return DefaultDestroyTimeout
}

// destroy runs pulumi destroy on stack, bounded by the destroy timeout.
func (r *Reaper) destroy(ctx context.Context, stack string) error {
	ctx, cancel := context.WithTimeout(ctx, r.destroyTimeout())
	defer cancel()
	_, err := r.CLI.Run(ctx, "destroy", "--yes", "--skip-preview", "--non-interactive",
		"--message", "reaped: expired", "--stack", stack)
	return err
}

// lock is one lock file of a locked stack.
type lock struct {
	Holder string
	At     time.Time
}

// lockLine matches a lock in the error of a locked stack on a self-managed
// backend: "  <url>: created by user@host (pid 123) at 2026-11-30T10:00:00Z".
var lockLine = regexp.MustCompile(`created by (\S+) \(pid (\d+)\) at (\S+)`)

// lockedBy reports whether err says the stack is locked, with the locks it
// names (none on Pulumi Cloud, which says only that an update is running).
func lockedBy(err error) ([]lock, bool) {
	if err == nil {
		return nil, false
	}
	msg := err.Error()
	if !strings.Contains(msg, "currently locked") && !strings.Contains(msg, "Another update is currently in progress") {
		return nil, false
	}
	var locks []lock
	for _, m := range lockLine.FindAllStringSubmatch(msg, -1) {
		at, err := time.Parse(time.RFC3339, m[3])
		if err != nil {
			continue
		}
		locks = append(locks, lock{Holder: m[1] + " pid " + m[2], At: at})
	}
	return locks, true
}

// stale reports whether every lock is older than StaleLockAfter.
func (r *Reaper) stale(locks []lock) bool {
	after := r.StaleLockAfter
	if after == 0 {
		after = DefaultStaleLockAfter
	}
	if after < 0 || len(locks) == 0 {
		return false
	}
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	for _, l := range locks {
		if now.Sub(l.At) < after {
			return false
		}
	}
	return true
}

func describeLocks(locks []lock) string {
	if len(locks) == 0 {
		return "an update in progress"
	}
	var parts []string
	for _, l := range locks {
		parts = append(parts, fmt.Sprintf("%s since %s", l.Holder, l.At.UTC().Format(time.RFC3339)))
	}
	return strings.Join(parts, "; ")
}

// cost returns the fixed monthly cost and the number of resources of the
// stack's state, priced with the plan's price table.
func (r *Reaper) cost(ctx context.Context, stack string) (float64, int, error) {
	data, err := export(ctx, r.CLI, stack)
	if err != nil {
		return 0, -1, err
	}
	p, err := PlanFromState(data)
	if err != nil {
		return 0, -1, err
	}
	b, err := cost.Estimate(p)
	if err != nil {
		return 0, len(p.Resources), err
	}
	return b.Total(), len(p.Resources), nil
}

// PlanFromState turns the JSON of `pulumi stack export` into the plan the
// cost estimate reads: each resource's type, logical name and inputs, and
// the stack's outputs. The stack resource itself and providers are left out.
func PlanFromState(data []byte) (*offlineplan.Plan, error) {
	var state struct {
		Deployment struct {
			Resources []struct {
				URN     string         `json:"urn"`
				Type    string         `json:"type"`
				Custom  bool           `json:"custom"`
				Inputs  map[string]any `json:"inputs"`
				Outputs map[string]any `json:"outputs"`
			} `json:"resources"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal(data, &state); err != nil {
		return nil, fmt.Errorf("read the JSON of pulumi stack export: %w", err)
	}
	p := &offlineplan.Plan{Outputs: map[string]any{}}
	for _, r := range state.Deployment.Resources {
		switch {
		case r.Type == "pulumi:pulumi:Stack":
			p.Outputs = r.Outputs
			continue
		case strings.HasPrefix(r.Type, "pulumi:providers:"):
			continue
		}
		name := r.URN
		if i := strings.LastIndex(name, "::"); i >= 0 {
			name = name[i+2:]
		}
		p.Resources = append(p.Resources, offlineplan.Resource{URN: r.URN, Custom: r.Custom, Type: r.Type, Inputs: r.Inputs, Name: name})
	}
	return p, nil
}

// minutes renders d to the minute: "2h5m", "40m".
func minutes(d time.Duration) string {
	return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
}
