package cijobs

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
	"github.com/platformlab/s3-gateway-lab/internal/proof/labplan"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/reap"
	"github.com/platformlab/s3-gateway-lab/internal/proof/ciroles"
	"github.com/platformlab/s3-gateway-lab/internal/testing/motoserver"
)

// languageHostGap is how the Pulumi CLI here stops a preview: it has no Go
// language host (and no AWS provider), so the program cannot run. The state
// reads and the secrets key's decryption come before it.
const languageHostGap = "no language plugin 'pulumi-language-go' found"

// job runs what a workflow job runs, as its role (r), and checks what each
// command did.
type job struct {
	// covers are the manifest's runs this job's commands stand for.
	covers []string
	run    func(t *testing.T, ctx context.Context, w *world, j ciroles.Job, r *runner)
}

// jobs are the workflow jobs that assume a CI role, by workflow/job.
var jobs = map[string]job{
	"pull-request.yml/preview": {covers: []string{"pulumi preview"}, run: previewJob},
	"deploy.yml/plan":          {covers: []string{"pulumi preview"}, run: previewJob},
	"deploy.yml/deploy":        {covers: []string{"pulumi up", "verify"}, run: deployJob},
	"review-stack.yml/deploy":  {covers: []string{"pulumi stack init", "pulumi up", "verify"}, run: reviewDeployJob},
	"review-stack.yml/destroy": {covers: []string{"caller-arn.sh", "pulumi destroy"}, run: reviewDestroyJob},
	"reap.yml/reap":            {covers: []string{"reap"}, run: reapJob},
	"drift.yml/drift":          {covers: []string{"drift"}, run: driftJob},
	"reap.yml/orphans":         {covers: []string{"orphans"}, run: orphansJob},
}

// TestCIJobsUnderIAM runs what each CI job runs, as the role the job
// assumes, on moto with IAM checks (see the package documentation), and
// fails on any request moto refused; then, per role, a request its policy
// must refuse, proving the checks are on; and that a stack's secrets
// provider survives the runner (secretsProviderSurvivesTheRunner).
func TestCIJobsUnderIAM(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the CI jobs on moto with IAM checks take about a minute")
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	w := newWorld(t, ctx)
	w.seedDev(t)
	t.Logf("set-up took %s", time.Since(start).Round(time.Millisecond))

	for _, role := range w.manifest.Roles {
		t.Run(role.ID, func(t *testing.T) {
			for _, j := range role.Jobs {
				t.Run(j.Workflow+"/"+j.Job, func(t *testing.T) {
					spec, ok := jobs[j.Workflow+"/"+j.Job]
					if !ok {
						t.Fatalf("iam/roles.json: role %s, job %s/%s: this test does not know what the job runs; add it to jobs", role.ID, j.Workflow, j.Job)
					}
					for _, run := range j.Runs {
						if !slices.Contains(spec.covers, run.Run) {
							t.Errorf("iam/roles.json: role %s, job %s/%s runs %q, which this test does not run", role.ID, j.Workflow, j.Job, run.Run)
						}
					}
					// PULUMI_BACKEND_URL: the backend of the job's Pulumi
					// runs (the manifest's), else dev's.
					backend := w.backend(t, "dev")
					if i := slices.IndexFunc(j.Runs, func(r ciroles.Run) bool { return r.Backend != "" }); i >= 0 {
						backend = w.backend(t, j.Runs[i].Backend)
					}
					jobStart := time.Now()
					spec.run(t, ctx, w, j, w.session(t, ctx, role, sessionName(j), backend))
					t.Logf("role %s, job %s/%s took %s", role.ID, j.Workflow, j.Job, time.Since(jobStart).Round(time.Millisecond))
				})
			}
			t.Run("negative controls", func(t *testing.T) {
				controls, ok := negativeControls[role.ID]
				if !ok {
					t.Fatalf("role %s has no negative control: add some to negativeControls", role.ID)
				}
				for _, c := range controls {
					w.expectRefused(t, ctx, role, c)
				}
			})
		})
	}
	// In the same world (its set-up builds the commands and follows
	// docs/ci.md: half a minute), after the reap job has listed the review
	// backend: a stack of its own there, removed at the end.
	t.Run("secrets provider survives the runner", func(t *testing.T) {
		secretsProviderSurvivesTheRunner(t, ctx, w)
	})
	// The admin user set everything up: none of its requests may have been
	// refused either (a refusal there is the harness's, not a role's).
	for _, e := range w.audit(t) {
		if strings.HasSuffix(e.Principal, ":user/"+motoserver.AdminUser) && !e.Allowed() {
			t.Errorf("set-up: moto %s", e)
		}
	}
	t.Logf("the CI jobs on moto with IAM checks took %s", time.Since(start).Round(time.Millisecond))
}

// seedDev gives dev, which the set-up made (docs/ci.md: new-stack.sh, its
// admins the deploy and drift roles and the administrator), the outputs of
// a deployed lab.
func (w *world) seedDev(t *testing.T) {
	t.Helper()
	// dev and its admins are the set-up's (docs/ci.md); its outputs stand
	// for its first deploy's.
	a := w.admin(t, w.backend(t, "dev"))
	a.importOutputs(t, "dev", w.lab.outputs(w.roleARNs["deploy"], w.roleARNs["drift"]))
}

// previewJob: pull-request.yml's preview (pulumi/actions: pulumi preview
// --stack dev --diff) and deploy.yml's plan (config get adminPrincipalArns,
// preview --save-plan), with the preview role. The preview reads dev's state
// and decrypts its secrets key, then stops at the language host (a gap);
// the AWS provider's lookups of the dev plan are made with the SDK instead,
// as the provider would make them.
func previewJob(t *testing.T, ctx context.Context, w *world, j ciroles.Job, r *runner) {
	args := []string{"pulumi", "preview", "--stack", "dev", "--diff", "--non-interactive"}
	if j.Workflow == "deploy.yml" {
		o := r.run(t, "pulumi", "config", "get", "s3-gateway-lab:adminPrincipalArns", "--stack", "dev")
		mustExit(t, r.who, o, 0)
		if !strings.Contains(o.stdout, w.roleARNs["deploy"]) {
			t.Errorf("%s: %s: got %q, want the deploy role", r.who, o.cmd, o.stdout)
		}
		args = append(args, "--save-plan", t.TempDir()+"/dev-plan.json")
	}
	o := r.run(t, args...)
	previewStopsAtLanguageHost(t, r, o, "dev")
	for _, run := range j.Runs {
		for _, scenario := range run.Scenarios {
			providerLookups(t, ctx, w, r, scenario)
		}
	}
}

// previewStopsAtLanguageHost checks that a preview of stack read the state
// and the secrets key before it stopped where the CLI here must stop.
func previewStopsAtLanguageHost(t *testing.T, r *runner, o outcome, stack string) {
	t.Helper()
	if o.code == 0 || !strings.Contains(o.output(), languageHostGap) {
		t.Errorf("%s: %s: exit %d; want it to stop at the missing language host (%q)\n%s", r.who, o.cmd, o.code, languageHostGap, o.output())
	}
	mustRequest(t, r.who, o, "s3:GetObject", ".*/\\.pulumi/stacks/s3-gateway-lab/"+stack+"\\.json")
	mustRequest(t, r.who, o, "s3:GetObject", ".*/\\.pulumi/stacks/s3-gateway-lab/"+stack+"\\.pulumi-tags")
	mustRequest(t, r.who, o, "kms:Decrypt", `\*`)
}

// lookupCalls make, with the SDK, the calls the AWS provider makes for each
// lookup the program invokes (internal/proof/ciroles.Lookups names their rights).
var lookupCalls = map[string]func(ctx context.Context, cfg aws.Config, role ciroles.Role) error{
	"aws:index/getRegion:getRegion":       nil, // no request
	"aws:index/getPartition:getPartition": nil,
	"aws:index/getCallerIdentity:getCallerIdentity": func(ctx context.Context, cfg aws.Config, _ ciroles.Role) error {
		_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	},
	"aws:iam/getSessionContext:getSessionContext": func(ctx context.Context, cfg aws.Config, role ciroles.Role) error {
		_, err := iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role.RoleName)})
		return err
	},
	"aws:index/getAvailabilityZones:getAvailabilityZones": func(ctx context.Context, cfg aws.Config, _ ciroles.Role) error {
		_, err := ec2.NewFromConfig(cfg).DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
		return err
	},
	"aws:ec2/getManagedPrefixList:getManagedPrefixList": func(ctx context.Context, cfg aws.Config, _ ciroles.Role) error {
		c := ec2.NewFromConfig(cfg)
		out, err := c.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{Filters: []ec2types.Filter{
			{Name: aws.String("prefix-list-name"), Values: []string{"com.amazonaws." + region + ".s3"}}}})
		if err != nil {
			return err
		}
		if len(out.PrefixLists) != 1 {
			return fmt.Errorf("DescribeManagedPrefixLists: %d lists, want 1", len(out.PrefixLists))
		}
		_, err = c.GetManagedPrefixListEntries(ctx, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: out.PrefixLists[0].PrefixListId})
		return err
	},
	"aws:ec2/getVpcEndpointService:getVpcEndpointService": func(ctx context.Context, cfg aws.Config, _ ciroles.Role) error {
		_, err := ec2.NewFromConfig(cfg).DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{
			ServiceNames: []string{"com.amazonaws." + region + ".sts"}})
		return err
	},
}

// providerLookups makes the lookups of scenario's plan as r's role.
func providerLookups(t *testing.T, ctx context.Context, w *world, r *runner, scenario string) {
	t.Helper()
	p, err := labplan.Stack(w.root, scenario, labplan.Options{})
	if err != nil {
		t.Fatalf("plan %s: %v", scenario, err)
	}
	role := roleOf(t, w, r)
	for _, lookup := range slices.Compact(slices.Sorted(slices.Values(p.Invokes))) {
		call, ok := lookupCalls[lookup]
		if !ok {
			t.Errorf("the %s plan invokes %s: add the provider's calls for it to lookupCalls", scenario, lookup)
			continue
		}
		if call == nil {
			continue
		}
		if err := r.sdk(t, "lookup "+lookup, func(cfg aws.Config) error { return call(ctx, cfg, role) }); err != nil {
			t.Errorf("%s: lookup %s: %v", r.who, lookup, err)
		}
	}
}

func roleOf(t *testing.T, w *world, r *runner) ciroles.Role {
	t.Helper()
	for _, role := range w.manifest.Roles {
		if strings.Contains(r.principal, ":assumed-role/"+role.RoleName+"/") {
			return role
		}
	}
	t.Fatalf("%s is no role's session", r.principal)
	return ciroles.Role{}
}

// deployJob: deploy.yml's deploy, with the deploy role: scripts/deploy.sh
// dev --yes --skip-preview --plan (its `pulumi up` stands in as a destroy
// of the stack, then the outputs up would leave are imported as the role),
// then the verifier.
func deployJob(t *testing.T, ctx context.Context, w *world, j ciroles.Job, r *runner) {
	o := r.run(t, "scripts/deploy.sh", "dev", "--yes", "--skip-preview", "--plan", t.TempDir()+"/dev-plan.json")
	mustExit(t, r.who, o, 0)
	stateWrites(t, r, o, statePrefix, "dev")
	r.importOutputs(t, "dev", w.lab.outputs(w.roleARNs["deploy"]))
	verifyStack(t, r, "dev")
}

// stateWrites checks that o wrote the stack's state as up does: its lock,
// checkpoint (and .bak), history and backup.
func stateWrites(t *testing.T, r *runner, o outcome, prefix, stack string) {
	t.Helper()
	if !strings.Contains(o.stderr, "cijobs: pulumi up stands in as: pulumi destroy") {
		t.Errorf("%s: %s: pulumi up did not run (stand-in)\n%s", r.who, o.cmd, o.output())
	}
	base := `arn:aws:s3:::` + stateBucket + `/` + prefix + `/\.pulumi/`
	for _, key := range []string{
		`locks/organization/s3-gateway-lab/` + stack + `/.*\.json`,
		`stacks/s3-gateway-lab/` + stack + `\.json`,
		`stacks/s3-gateway-lab/` + stack + `\.json\.bak`,
		`history/s3-gateway-lab/` + stack + `/.*\.history\.json`,
		`backups/s3-gateway-lab/` + stack + `/.*\.json`,
	} {
		mustRequest(t, r.who, o, "s3:PutObject", base+key)
	}
	mustRequest(t, r.who, o, "s3:DeleteObject", base+`locks/organization/s3-gateway-lab/`+stack+`/.*\.json`)
}

// verifyStack runs the verifier on stack as the workflows do (./bin/verify
// -stack STACK), without retries: moto cannot run the lab's function, so its
// claims end ERROR (a gap) and retrying them would only wait.
func verifyStack(t *testing.T, r *runner, stack string) {
	t.Helper()
	o := r.run(t, "verify", "-stack", stack, "-retry-for", "0")
	t.Logf("%s: %s:\n%s", r.who, o.cmd, o.output())
	// 1 or 3: the function's claims cannot hold in moto; 2 would mean the
	// verifier could not run at all.
	mustExit(t, r.who, o, 1, 3)
	if !strings.Contains(o.stdout, "route table "+r.w.lab.routeTables[0]) {
		t.Errorf("%s: %s: the route table checks did not run:\n%s", r.who, o.cmd, o.output())
	}
	mustRequest(t, r.who, o, "kms:Decrypt", `\*`)
	mustRequest(t, r.who, o, "ec2:DescribeRouteTables", `\*`)
	mustRequest(t, r.who, o, "lambda:Invoke", `\*`)
}

// reviewDeployJob: review-stack.yml's deploy, with the review role, on the
// review backend (empty until now): scripts/deploy.sh pr-1 --create
// --expires-at ... --yes --skip-preview (stack init with the KMS key,
// aws:region, the expiry tag and setting; up as a stand-in), then the
// verifier.
func reviewDeployJob(t *testing.T, ctx context.Context, w *world, j ciroles.Job, r *runner) {
	expires := time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339)
	o := r.run(t, "scripts/deploy.sh", "pr-1", "--create", "--expires-at", expires, "--yes", "--skip-preview")
	mustExit(t, r.who, o, 0)
	// The review backend's meta.yaml is the set-up's (docs/ci.md), so that
	// the read-only drift role can list it before any review stack exists.
	mustRequest(t, r.who, o, "kms:Encrypt", `\*`)
	mustRequest(t, r.who, o, "s3:PutObject", `arn:aws:s3:::`+stateBucket+`/`+reviewPrefix+`/\.pulumi/stacks/s3-gateway-lab/pr-1\.pulumi-tags`)
	stateWrites(t, r, o, reviewPrefix, "pr-1")

	// The next push: the same job on a fresh runner, whose checkout has no
	// Pulumi.pr-1.yaml. The stack's settings come from its last update, so
	// the update runs pinned to the account, with the boundary and expiry.
	next := w.session(t, ctx, ciroles.Role{ID: "review", RoleName: w.roleName("review")}, sessionName(j)+"-push", r.backend)
	o = next.run(t, "scripts/deploy.sh", "pr-1", "--create", "--expires-at", expires, "--yes", "--skip-preview")
	mustExit(t, next.who, o, 0)
	for key, want := range map[string]string{"aws:allowedAccountIds": `["` + account + `"]`,
		"s3-gateway-lab:permissionsBoundaryArn": boundaryARN, "s3-gateway-lab:expiresAt": expires} {
		o := next.run(t, "pulumi", "config", "get", key, "--stack", "pr-1")
		if got := strings.TrimSpace(o.stdout); got != want {
			t.Errorf("%s: after the next push's deploy from a fresh checkout, %s is %q, want %q", next.who, key, got, want)
		}
	}
	// The stand-in up leaves no outputs: the deployed lab's are imported
	// after the last push, then the job's verifier reads them.
	next.importOutputs(t, "pr-1", w.lab.outputs(w.roleARNs["review"]))
	verifyStack(t, next, "pr-1")
}

// reviewDestroyJob: review-stack.yml's destroy, with the review role, in a
// fresh checkout (no stack file: the secrets provider comes from the
// state): pulumi stack select, then scripts/destroy.sh pr-1 --yes
// --skip-preview, which names the caller with scripts/caller-arn.sh (the AWS
// CLI), checks it against the stack's adminPrincipalArns, destroys and
// removes the stack. destroy.sh ignores a failing caller-arn.sh, so it runs
// on its own first.
func reviewDestroyJob(t *testing.T, ctx context.Context, w *world, j ciroles.Job, r *runner) {
	mustExit(t, r.who, r.run(t, "pulumi", "stack", "select", "pr-1"), 0)
	o := r.run(t, "scripts/caller-arn.sh")
	mustExit(t, r.who, o, 0)
	if got := strings.TrimSpace(o.stdout); got != w.roleARNs["review"] {
		t.Errorf("%s: %s: got %q, want the review role %s", r.who, o.cmd, got, w.roleARNs["review"])
	}
	mustRequest(t, r.who, o, "iam:GetRole", w.roleARNs["review"])
	o = r.run(t, "scripts/destroy.sh", "pr-1", "--yes", "--skip-preview")
	mustExit(t, r.who, o, 0)
	mustRequest(t, r.who, o, "iam:GetRole", w.roleARNs["review"])
	mustRequest(t, r.who, o, "s3:DeleteObject", `arn:aws:s3:::`+stateBucket+`/`+reviewPrefix+`/\.pulumi/stacks/s3-gateway-lab/pr-1\.json`)
	if stacks := w.stacks(t, "review"); slices.Contains(stacks, "pr-1") {
		t.Errorf("%s: pr-1 is still in the review backend after destroy.sh: %v", r.who, stacks)
	}
}

// stacks lists the stacks of the lab's project in backend (as the admin).
func (w *world) stacks(t *testing.T, backend string) []string {
	t.Helper()
	a := w.adminIn(t, w.checkout(t), w.backend(t, backend))
	o := a.run(t, "pulumi", "stack", "ls", "--all", "--json")
	mustExit(t, a.who, o, 0)
	var list []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal([]byte(o.stdout), &list); err != nil {
		t.Fatalf("%s: %s: %v\n%s", a.who, o.cmd, err, o.stdout)
	}
	var names []string
	for _, s := range list {
		names = append(names, s.Name[strings.LastIndex(s.Name, "/")+1:])
	}
	return names
}

// reapJob: reap.yml's reap, with the review role, on the review backend:
// ./bin/reap (dry run) and ./bin/reap -yes. Ephemeral and review stacks are
// set up first: expired ones of this repository (one with a deployed lab's
// adminPrincipalArns naming the review role, which the reaper checks its
// caller against), an expired one of another repository and a fresh one.
func reapJob(t *testing.T, ctx context.Context, w *world, j ciroles.Job, r *runner) {
	a := w.adminIn(t, w.checkout(t), w.backend(t, "review"))
	expired := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	later := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	for _, s := range []struct{ stack, createdBy, expires string }{
		{"eph-old", owner, expired}, {"pr-9", owner, expired}, {"eph-theirs", otherOwner, expired}, {"eph-new", owner, later},
	} {
		mustExit(t, a.who, a.run(t, "pulumi", "stack", "init", s.stack, "--secrets-provider", secretsURL, "--non-interactive"), 0)
		mustExit(t, a.who, a.run(t, "pulumi", "stack", "tag", "set", settings.TagCreatedBy, s.createdBy, "--stack", s.stack), 0)
		mustExit(t, a.who, a.run(t, "pulumi", "stack", "tag", "set", settings.TagExpiresAt, s.expires, "--stack", s.stack), 0)
	}
	a.importOutputs(t, "eph-old", w.lab.outputs(w.roleARNs["review"]))

	o := r.run(t, "reap")
	mustExit(t, r.who, o, int(exitcode.OK))
	for _, want := range []string{"eph-old", "pr-9", string(reap.WouldReap)} {
		if !strings.Contains(o.stdout, want) {
			t.Errorf("%s: %s: no %q in the report:\n%s", r.who, o.cmd, want, o.output())
		}
	}
	o = r.run(t, "reap", "-yes")
	mustExit(t, r.who, o, int(exitcode.OK))
	if strings.Count(o.stdout, string(reap.Reaped)) != 2 {
		t.Errorf("%s: %s: want eph-old and pr-9 reaped:\n%s", r.who, o.cmd, o.output())
	}
	// The caller is named before the destroy of eph-old: its role's ARN.
	mustRequest(t, r.who, o, "iam:GetRole", w.roleARNs["review"])
	stacks := w.stacks(t, "review")
	slices.Sort(stacks)
	if want := []string{"eph-new", "eph-theirs"}; !slices.Equal(stacks, want) {
		t.Errorf("%s: stacks left in the review backend: got %v, want %v", r.who, stacks, want)
	}
}

// driftJob: drift.yml's drift, with the drift role: ./bin/drift -stack dev
// (its preview --refresh reads dev's state and decrypts, then stops at the
// language host; the verifier reads dev's outputs and the lab). The
// verifier's retries are off (-verify-arg -retry-for=0), as in verifyStack.
func driftJob(t *testing.T, ctx context.Context, w *world, j ciroles.Job, r *runner) {
	o := r.run(t, "drift", "-stack", "dev", "-verify-arg", "-retry-for=0")
	// 2: the preview could not run (the gap), and the verifier found no
	// failed claim; 1: it found one (the function's claims in moto).
	mustExit(t, r.who, o, 1, 2)
	if !strings.Contains(o.stdout, languageHostGap) {
		t.Errorf("%s: %s: the preview did not stop at the language host:\n%s", r.who, o.cmd, o.output())
	}
	if !strings.Contains(o.stdout, "route table "+w.lab.routeTables[0]) || strings.Contains(o.stdout, "could not run: nothing was checked") {
		t.Errorf("%s: %s: the verifier did not check the lab:\n%s", r.who, o.cmd, o.output())
	}
	mustRequest(t, r.who, o, "s3:GetObject", `.*/\.pulumi/stacks/s3-gateway-lab/dev\.json`)
	mustRequest(t, r.who, o, "kms:Decrypt", `\*`)
	mustRequest(t, r.who, o, "ec2:DescribeRouteTables", `\*`)
}

// orphansJob: the orphan report, with the drift role (iam/roles.json's
// reap.yml job orphans): ./bin/orphans -regions us-east-1 on both backends
// (PULUMI_BACKEND_URL and LAB_REVIEW_BACKEND_URL). It finds the lab's orphan
// (exit 1) and not dev's resources.
func orphansJob(t *testing.T, ctx context.Context, w *world, j ciroles.Job, r *runner) {
	o := r.run(t, "orphans", "-regions", region)
	mustExit(t, r.who, o, 1)
	if !strings.Contains(o.stdout, w.lab.orphanNAT) || strings.Contains(o.stdout, w.lab.vpc) {
		t.Errorf("%s: %s: want the orphan's NAT gateway %s listed and dev's VPC %s not:\n%s", r.who, o.cmd, w.lab.orphanNAT, w.lab.vpc, o.output())
	}
	for _, b := range []string{statePrefix, reviewPrefix} {
		mustRequest(t, r.who, o, "s3:GetObject", `arn:aws:s3:::`+stateBucket+`/`+b+`/\.pulumi/meta\.yaml`)
	}
	mustRequest(t, r.who, o, "tagging:GetResources", `\*`)
	mustRequest(t, r.who, o, "ec2:DescribeNatGateways", `\*`)
}

// control is a request a role's policy must refuse: an AWS SDK call, or a
// Pulumi command (cli, on the backend named) whose request moto must refuse.
type control struct {
	what string
	// action and resource (a regular expression) are what moto must refuse.
	action, resource string
	call             func(ctx context.Context, cfg aws.Config) error
	cli              []string
	backend          string
}

func putState(key string) func(ctx context.Context, cfg aws.Config) error {
	return func(ctx context.Context, cfg aws.Config) error {
		_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(stateBucket), Key: aws.String(key), Body: strings.NewReader(`{"version":3}`)})
		return err
	}
}

// stateARN is the pattern of an object of the state bucket under prefix.
func stateARN(prefix, key string) string {
	return regexp.QuoteMeta("arn:aws:s3:::" + stateBucket + "/" + prefix + "/.pulumi/" + key)
}

// negativeControls are, per role, requests its policy must refuse: each
// proves that moto checks the role's policy, and the Pulumi command's that
// a refusal inside a job's command fails this test.
var negativeControls = map[string][]control{
	"preview": {
		{what: "the preview role writes dev's checkpoint", action: "s3:PutObject", resource: stateARN(statePrefix, "stacks/s3-gateway-lab/dev.json"),
			call: putState(statePrefix + "/.pulumi/stacks/s3-gateway-lab/dev.json")},
		{what: "the preview role tags dev", action: "s3:PutObject", resource: stateARN(statePrefix, "stacks/s3-gateway-lab/dev.pulumi-tags"),
			cli: []string{"pulumi", "stack", "tag", "set", "lab:note", "preview", "--stack", "dev"}, backend: "dev"},
	},
	"deploy": {
		{what: "the deploy role writes a review stack's checkpoint", action: "s3:PutObject",
			resource: stateARN(reviewPrefix, "stacks/s3-gateway-lab/pr-1.json"), call: putState(reviewPrefix + "/.pulumi/stacks/s3-gateway-lab/pr-1.json")},
		{what: "the deploy role lists the review backend", action: "s3:GetObject", resource: stateARN(reviewPrefix, "meta.yaml"),
			cli: []string{"pulumi", "stack", "ls", "--all"}, backend: "review"},
	},
	"review": {
		{what: "the review role writes dev's checkpoint", action: "s3:PutObject", resource: stateARN(statePrefix, "stacks/s3-gateway-lab/dev.json"),
			call: putState(statePrefix + "/.pulumi/stacks/s3-gateway-lab/dev.json")},
		{what: "the review role lists dev's backend", action: "s3:GetObject", resource: stateARN(statePrefix, "meta.yaml"),
			cli: []string{"pulumi", "stack", "ls", "--all"}, backend: "dev"},
	},
	"drift": {
		{what: "the drift role creates a VPC", action: "ec2:CreateVpc", resource: regexp.QuoteMeta("*"),
			call: func(ctx context.Context, cfg aws.Config) error {
				_, err := ec2.NewFromConfig(cfg).CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.99.0.0/16")})
				return err
			}},
		{what: "the drift role tags dev", action: "s3:PutObject", resource: stateARN(statePrefix, "stacks/s3-gateway-lab/dev.pulumi-tags"),
			cli: []string{"pulumi", "stack", "tag", "set", "lab:note", "drift", "--stack", "dev"}, backend: "dev"},
	},
}

// expectRefused makes c's request as role and checks that moto refused it:
// in the audit log, and in the answer (an SDK call's AccessDenied; a
// command's failure and the refusal it prints, which checkAllowed would
// have caught in a job).
func (w *world) expectRefused(t *testing.T, ctx context.Context, role ciroles.Role, c control) {
	t.Helper()
	backend := w.backend(t, "dev")
	if c.backend != "" {
		backend = w.backend(t, c.backend)
	}
	r := w.session(t, ctx, role, role.ID+"-negative-control", backend)
	var entries []motoserver.AuditEntry
	if c.call != nil {
		mark := len(w.audit(t))
		err := c.call(ctx, w.srv.As(r.creds))
		entries = w.audit(t)[mark:]
		if !motoserver.IsAccessDenied(err) {
			t.Errorf("%s: %s: got %v, want AccessDenied", r.who, c.what, err)
		}
	} else {
		o := r.exec(t, c.cli...)
		entries = o.audit
		if o.code == 0 || !refusal.MatchString(o.output()) {
			t.Errorf("%s: %s: %s: exit %d, want a failure that prints the refusal\n%s", r.who, c.what, o.cmd, o.code, o.output())
		}
	}
	re := regexp.MustCompile("^" + c.resource + "$")
	for _, e := range entries {
		if e.Principal == r.principal && e.Action == c.action && re.MatchString(e.Resource) && e.Result == "denied" {
			t.Logf("%s: %s: moto %s", r.who, c.what, e)
			return
		}
	}
	t.Errorf("%s: %s: moto's audit log has no refusal of %s on %s: %v", r.who, c.what, c.action, c.resource, entries)
}

// roleName is the role name of the manifest's role id.
func (w *world) roleName(id string) string {
	r, _ := w.manifest.Role(id)
	return r.RoleName
}
