package cijobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/platformlab/s3-gateway-lab/internal/ops/cisetup"
	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
	"github.com/platformlab/s3-gateway-lab/internal/proof/ciroles"
	"github.com/platformlab/s3-gateway-lab/internal/testing/motoserver"
	"github.com/platformlab/s3-gateway-lab/internal/testing/pulumitest"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// The organization's values of the manifest's placeholders in moto.
const (
	account      = motoserver.AccountID
	region       = motoserver.Region
	stateBucket  = "platform-pulumi-state"
	statePrefix  = "s3-gateway-lab"
	reviewPrefix = "s3-gateway-lab-review"
	keyAlias     = "alias/s3-gateway-lab-secrets"
	orgRepo      = "platformlab/s3-gateway-lab"
	owner        = "github.com/" + orgRepo
	secretsURL   = "awskms://" + keyAlias + "?region=" + region
	boundaryARN  = "arn:aws:iam::" + account + ":policy/s3-gateway-lab-boundary"
	otherOwner   = "github.com/another-team/s3-gateway-lab"
)

// commandsBuilt are the commands of cmd/ the jobs run.
const commandsBuilt = "verify orphans reap drift ci-roles"

// commandTimeout bounds each command a job runs.
const commandTimeout = 3 * time.Minute

// pulumiStandIn runs in place of the Pulumi CLI (first on the jobs' PATH):
// `pulumi up` cannot run here (no Go language host, no AWS provider), so it
// becomes `pulumi destroy` of the same stack, which takes the stack's lock
// and writes its checkpoint (copying the old one to .bak), its history and a
// backup exactly as up does (pkg/backend/diy: the same apply path); --plan,
// which destroy does not take, is dropped. Every other command is the real
// CLI's.
const pulumiStandIn = `#!/usr/bin/env bash
set -euo pipefail
if [ "${1:-}" = up ]; then
  shift
  args=()
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --plan) shift 2 ;;
      --plan=*) shift ;;
      *) args+=("$1"); shift ;;
    esac
  done
  echo "cijobs: pulumi up stands in as: pulumi destroy ${args[*]}" >&2
  exec "$CIJOBS_REAL_PULUMI" destroy "${args[@]}"
fi
exec "$CIJOBS_REAL_PULUMI" "$@"
`

// world is moto with IAM checks, holding the state bucket, the secrets key,
// a lab network, the CI roles of the manifest, and the built commands.
type world struct {
	srv      *motoserver.IAMServer
	manifest *ciroles.Manifest
	root     string // the repository
	values   map[string]string
	// pulumi is the pinned CLI, bin the built commands, standIn the
	// directory of pulumiStandIn, template the checkout each job starts
	// from, pathDirs the rest of the jobs' PATH (aws, go, bash).
	pulumi, bin, standIn, template string
	pathDirs                       []string
	lab                            lab
	// roleARNs by role ID.
	roleARNs map[string]string
}

// newWorld sets everything up as moto's admin user, with IAM checks on.
func newWorld(t *testing.T, ctx context.Context) *world {
	t.Helper()
	w := &world{root: repo.Root(t), roleARNs: map[string]string{}}
	var err error
	if w.manifest, err = ciroles.LoadManifest(w.root); err != nil {
		t.Fatal(err)
	}
	w.pulumi = pulumitest.Binary(t)
	for _, tool := range []string{"aws", "go", "bash"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			missing(t, fmt.Sprintf("%s is not on PATH (%v)", tool, err))
		}
		w.pathDirs = append(w.pathDirs, filepath.Dir(p))
	}
	w.build(t)
	w.writeTemplate(t)
	w.srv = motoserver.StartIAM(t)
	t.Logf("moto with IAM checks answered after %s", w.srv.StartDuration.Round(time.Millisecond))
	admin := w.srv.Admin()

	w.setUp(t, ctx)
	w.lab = newLab(t, ctx, admin)
	return w
}

// backend returns the URL of the manifest's backend name, rendered.
func (w *world) backend(t *testing.T, name string) string {
	t.Helper()
	b, ok := w.manifest.Backends[name]
	if !ok {
		t.Fatalf("the manifest has no backend %s", name)
	}
	return w.manifest.Render(b.URL, w.values)
}

// setUpBlock returns the set-up commands of docs/ci.md: its first shell
// block under "Set-up, once per repository".
func setUpBlock(t *testing.T, root string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "docs", "ci.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Set-up, once per repository\n")
	if !ok {
		t.Fatal("docs/ci.md has no section \"Set-up, once per repository\"")
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	if !ok {
		t.Fatal("docs/ci.md's set-up has no shell block")
	}
	block, _, _ = strings.Cut(block, "```")
	return block
}

// setUp follows docs/ci.md's set-up as the account's admin, in the template
// checkout (with iam/ beside the scripts, and the commands built once by
// the test): the organization's values replace the page's examples, the
// rest runs as written with the real AWS CLI, ./bin/ci-roles and the real
// Pulumi CLI against moto. Then, as moto needs, each role's inline policy is
// rewritten for moto's checks (MotoPolicy of the one ci-roles put) and its
// trust admits the admin user, who assumes the roles for the jobs (GitHub's
// OIDC trust cannot be exercised in moto).
func (w *world) setUp(t *testing.T, ctx context.Context) {
	t.Helper()
	values := map[string]string{"ACCOUNT_ID": account, "REPO": orgRepo, "STATE_BUCKET": stateBucket, "REGION": region}
	var script []string
	for _, line := range strings.Split(setUpBlock(t, w.root), "\n") {
		k, _, isAssignment := strings.Cut(line, "=")
		switch v, ok := values[k]; {
		case isAssignment && ok:
			line = k + "=" + v
			delete(values, k)
		case strings.HasPrefix(line, "go build "):
			// Built once by the test (build), into the checkout's bin/.
			continue
		}
		script = append(script, line)
	}
	if len(values) > 0 {
		t.Fatalf("docs/ci.md's set-up no longer sets %v: update this test", values)
	}
	for _, c := range strings.Fields(commandsBuilt) {
		copyFile(t, filepath.Join(w.bin, c), filepath.Join(w.template, "bin", c))
	}
	a := w.admin(t, "")
	o := a.run(t, "bash", "-euo", "pipefail", "-c", strings.Join(script, "\n"))
	mustExit(t, a.who, o, 0)

	o = a.run(t, "aws", "kms", "describe-key", "--key-id", keyAlias, "--query", "KeyMetadata.Arn", "--output", "text")
	mustExit(t, a.who, o, 0)
	w.values = map[string]string{"ACCOUNT_ID": account, "ORG/REPO": orgRepo, "STATE_BUCKET": stateBucket,
		"STATE_PREFIX": statePrefix, "REVIEW_STATE_PREFIX": reviewPrefix, "KMS_KEY_ARN": strings.TrimSpace(o.stdout),
		"PERMISSIONS_BOUNDARY_ARN": boundaryARN}
	c := iam.NewFromConfig(w.srv.Admin())
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",` +
		`"Principal":{"AWS":"arn:aws:iam::` + account + `:user/` + motoserver.AdminUser + `"}}]}`
	for _, role := range w.manifest.Roles {
		got, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role.RoleName), PolicyName: aws.String(cisetup.PolicyName)})
		if err != nil {
			t.Fatalf("role %s as ci-roles made it: %v", role.RoleName, err)
		}
		rendered, err := url.QueryUnescape(aws.ToString(got.PolicyDocument))
		if err != nil {
			t.Fatal(err)
		}
		if leftover := regexp.MustCompile(`\b(ACCOUNT_ID|STATE_BUCKET|STATE_PREFIX|REVIEW_STATE_PREFIX|KMS_KEY_ARN)\b`).FindString(rendered); leftover != "" {
			t.Fatalf("%s: placeholder %s left after rendering", role.PermissionPolicy, leftover)
		}
		if rendered != w.manifest.Render(readFile(t, filepath.Join(w.root, role.PermissionPolicy)), w.values) {
			t.Errorf("role %s: ci-roles put another policy than %s rendered for the set-up's values", role.ID, role.PermissionPolicy)
		}
		policy, err := MotoPolicy(rendered)
		if err != nil {
			t.Fatalf("%s: %v", role.PermissionPolicy, err)
		}
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role.RoleName),
			PolicyName: aws.String(cisetup.PolicyName), PolicyDocument: aws.String(policy)}); err != nil {
			t.Fatalf("put the policy of %s (%s, rendered for moto): %v", role.RoleName, role.PermissionPolicy, err)
		}
		if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(role.RoleName),
			PolicyDocument: aws.String(trust)}); err != nil {
			t.Fatalf("trust of %s: %v", role.RoleName, err)
		}
		w.roleARNs[role.ID] = role.ARN("aws", account)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// build builds the commands the jobs run, as the workflows do (go build -o
// bin/ ./cmd/...), into .build/test-bin/cijobs in the checkout (git-ignored),
// kept between runs: go build relinks a command there only when its build ID
// no longer matches the sources (a relink of the five costs about 30 s of
// CPU).
func (w *world) build(t *testing.T) {
	t.Helper()
	w.bin = filepath.Join(w.root, ".build", "test-bin", "cijobs")
	if err := os.MkdirAll(w.bin, 0o755); err != nil {
		t.Fatal(err)
	}
	// The directory is on the jobs' PATH: a command no longer built must
	// not be found there from an earlier run.
	kept, err := os.ReadDir(w.bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range kept {
		if !slices.Contains(strings.Fields(commandsBuilt), e.Name()) {
			if err := os.RemoveAll(filepath.Join(w.bin, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	args := []string{"build", "-o", w.bin + string(filepath.Separator)}
	for _, c := range strings.Fields(commandsBuilt) {
		args = append(args, "./cmd/"+c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = w.root
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("built %s in %s", commandsBuilt, time.Since(start).Round(time.Millisecond))
	w.standIn = t.TempDir()
	if err := os.WriteFile(filepath.Join(w.standIn, "pulumi"), []byte(pulumiStandIn), 0o755); err != nil {
		t.Fatal(err)
	}
}

// writeTemplate makes the checkout every job starts from: the project file,
// the committed stack files, the scripts and iam/ (the roles' manifest and
// policies, which ./bin/ci-roles reads).
func (w *world) writeTemplate(t *testing.T) {
	t.Helper()
	w.template = t.TempDir()
	files, err := filepath.Glob(filepath.Join(w.root, "Pulumi*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	scripts, err := filepath.Glob(filepath.Join(w.root, "scripts", "*.sh"))
	if err != nil {
		t.Fatal(err)
	}
	iamFiles, err := filepath.Glob(filepath.Join(w.root, "iam", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	ciFiles, err := filepath.Glob(filepath.Join(w.root, "iam", "ci", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(append(append(files, scripts...), iamFiles...), ciFiles...)
	for _, f := range files {
		rel, _ := filepath.Rel(w.root, f)
		copyFile(t, f, filepath.Join(w.template, rel))
	}
}

// checkout returns a fresh copy of the template, as a job's checkout.
func (w *world) checkout(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.WalkDir(w.template, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(w.template, path)
		copyFile(t, path, filepath.Join(dir, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, info.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}

// missing skips t, or fails it in CI, naming what is missing (the rule of
// internal/testing/motoserver and internal/testing/pulumitest).
func missing(t *testing.T, why string) {
	t.Helper()
	if pulumicli.InCI(os.Getenv) {
		t.Fatalf("%s: the CI jobs' run on moto with IAM checks must run in CI", why)
	}
	t.Skipf("%s: install it to run the CI jobs on moto with IAM checks", why)
}

// runner runs commands in a checkout with one identity's credentials: a
// job's session of its role, or the admin user setting things up.
type runner struct {
	w *world
	// who names the identity and job in failures; principal is the ARN moto
	// logs for it.
	who, principal string
	creds          aws.Credentials
	dir, home      string
	// backend is PULUMI_BACKEND_URL.
	backend string
	// unset and extra change the job's environment (environ): the
	// variables unset leaves out, then extra's KEY=value.
	unset, extra []string
}

// newRunner returns a runner of creds in a fresh checkout.
func (w *world) newRunner(t *testing.T, who, principal string, creds aws.Credentials, backend string) *runner {
	t.Helper()
	return &runner{w: w, who: who, principal: principal, creds: creds, dir: w.checkout(t), home: t.TempDir(), backend: backend}
}

// admin returns a runner of the admin user in the template checkout (what
// it writes there, dev's stack file, is what a repository would commit).
func (w *world) admin(t *testing.T, backend string) *runner {
	t.Helper()
	return w.adminIn(t, w.template, backend)
}

// adminIn returns a runner of the admin user in dir.
func (w *world) adminIn(t *testing.T, dir, backend string) *runner {
	t.Helper()
	return &runner{w: w, who: "set-up (admin user)", principal: "arn:aws:iam::" + account + ":user/" + motoserver.AdminUser,
		creds: w.srv.AdminCredentials(), dir: dir, home: t.TempDir(), backend: backend}
}

// session assumes role for job and returns a runner of the session, whose
// name is the job's, so that moto's audit log names the job.
func (w *world) session(t *testing.T, ctx context.Context, role ciroles.Role, name, backend string) *runner {
	t.Helper()
	creds, err := w.srv.AssumeRole(ctx, w.roleARNs[role.ID], name)
	if err != nil {
		t.Fatal(err)
	}
	principal := "arn:aws:sts::" + account + ":assumed-role/" + role.RoleName + "/" + name
	return w.newRunner(t, "role "+role.ID+" ("+name+")", principal, creds, backend)
}

// sessionName is a role session name for a workflow's job.
func sessionName(job ciroles.Job) string {
	return strings.TrimSuffix(job.Workflow, ".yml") + "-" + job.Job
}

// environ is a job's environment: the role's credentials, moto for every
// AWS endpoint (AWS_ENDPOINT_URL: the AWS SDK for Go v2, which the commands
// and the Pulumi CLI's S3 backend and KMS secrets provider use, and the AWS
// CLI honour it), the manifest's backends, the secrets key, CI.
func (r *runner) environ() []string {
	path := append([]string{r.w.standIn, r.w.bin}, r.w.pathDirs...)
	env := []string{
		"PATH=" + strings.Join(append(path, "/usr/bin", "/bin"), string(os.PathListSeparator)),
		"HOME=" + os.Getenv("HOME"), // the AWS CLI's pyenv shim finds its Python there
		"TMPDIR=" + os.TempDir(),
		"CI=true",
		"AWS_ACCESS_KEY_ID=" + r.creds.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + r.creds.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + r.creds.SessionToken,
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		"AWS_ENDPOINT_URL=" + r.w.srv.URL,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(r.home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(r.home, "no-aws-credentials"),
		"PULUMI_HOME=" + r.home,
		"PULUMI_BACKEND_URL=" + r.backend,
		pulumicli.ReviewBackendEnv + "=" + r.w.manifest.Render(r.w.manifest.Backends["review"].URL, r.w.values),
		pulumicli.SecretsProviderEnv + "=" + secretsURL,
		pulumicli.OwnerEnv + "=" + owner,
		pulumicli.BoundaryEnv + "=" + boundaryARN,
		"PULUMI_SKIP_UPDATE_CHECK=true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true",
		// What the commands and scripts give the CLI: a stack's secrets
		// provider from its state in a fresh checkout.
		"PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER=true",
		"CIJOBS_REAL_PULUMI=" + r.w.pulumi,
	}
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	if r.creds.SessionToken == "" {
		env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "AWS_SESSION_TOKEN=") })
	}
	env = slices.DeleteFunc(env, func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(r.unset, k)
	})
	return append(env, r.extra...)
}

// outcome is what a command did.
type outcome struct {
	cmd            string
	code           int
	stdout, stderr string
	// audit holds moto's decisions on the command's requests.
	audit []motoserver.AuditEntry
}

func (o outcome) output() string { return o.stdout + o.stderr }

// run runs argv as exec does and fails t for each request moto did not
// allow and each refusal the command prints (checkAllowed).
func (r *runner) run(t *testing.T, argv ...string) outcome {
	t.Helper()
	o := r.exec(t, argv...)
	r.checkAllowed(t, o)
	return o
}

// exec runs argv in the runner's checkout (a relative argv[0] there, such as
// scripts/deploy.sh, an absolute one as it is, else from the jobs' PATH), bounded by commandTimeout,
// and returns what it did.
func (r *runner) exec(t *testing.T, argv ...string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	name := argv[0]
	if strings.Contains(name, "/") && !filepath.IsAbs(name) {
		name = filepath.Join(r.dir, name)
	} else if p, err := lookPath(name, r.environ()); err == nil {
		name = p
	}
	cmd := exec.CommandContext(ctx, name, argv[1:]...)
	cmd.Dir, cmd.Env = r.dir, r.environ()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	mark := len(r.w.audit(t))
	start := time.Now()
	err := cmd.Run()
	o := outcome{cmd: strings.Join(argv, " "), stdout: stdout.String(), stderr: stderr.String(), audit: r.w.audit(t)[mark:]}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s: %s still running after %s\n%s", r.who, o.cmd, commandTimeout, o.output())
	case errors.As(err, &exit):
		o.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s: %s: %v", r.who, o.cmd, err)
	}
	t.Logf("%s: %s: exit %d after %s, %d requests checked by moto", r.who, o.cmd, o.code,
		time.Since(start).Round(time.Millisecond), len(o.audit))
	return o
}

// lookPath finds name on the PATH of env.
func lookPath(name string, env []string) (string, error) {
	for _, kv := range env {
		if path, ok := strings.CutPrefix(kv, "PATH="); ok {
			for _, dir := range filepath.SplitList(path) {
				p := filepath.Join(dir, name)
				if info, err := os.Stat(p); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
					return p, nil
				}
			}
		}
	}
	return "", fmt.Errorf("%s not on the jobs' PATH", name)
}

// refusal matches what a refused request looks like in a command's output:
// the AWS SDK for Go's renderings of moto's 403s (api error AccessDenied,
// StatusCode: 403, moto's "not authorized to perform" message) and the AWS
// CLI's ("An error occurred (AccessDenied)", "(403)"). Not a bare
// "AccessDenied": the verifier's table names it in what its claims expect.
var refusal = regexp.MustCompile(`api error (AccessDenied|Forbidden)|StatusCode: 403|not authorized to perform|\((AccessDenied|403)\)|Access Denied`)

// checkAllowed fails t for each request of o that moto did not allow, and
// for a refusal in its output, naming the identity, the command and what was
// refused; and for a request made as anyone but the runner's identity.
func (r *runner) checkAllowed(t *testing.T, o outcome) {
	t.Helper()
	for _, e := range o.audit {
		switch {
		case !e.Allowed():
			t.Errorf("%s, command %q: moto %s %s on %s (caller %s)", r.who, o.cmd, e.Result, e.Action, e.Resource, e.Principal)
		case e.Principal != r.principal:
			t.Errorf("%s, command %q: a request as %s, not %s: %s", r.who, o.cmd, e.Principal, r.principal, e)
		}
	}
	for _, line := range strings.Split(o.output(), "\n") {
		if refusal.MatchString(line) {
			t.Errorf("%s, command %q printed a refusal: %s", r.who, o.cmd, strings.TrimSpace(line))
		}
	}
}

// mustExit fails t unless o exited with one of codes.
func mustExit(t *testing.T, who string, o outcome, codes ...int) {
	t.Helper()
	if !slices.Contains(codes, o.code) {
		t.Errorf("%s: %s: exit %d, want %v\nstdout:\n%s\nstderr:\n%s", who, o.cmd, o.code, codes, o.stdout, o.stderr)
	}
}

// mustRequest fails t unless moto allowed action on a resource matching
// resource (a regular expression) during o: proof that the command did what
// the job needs of the role.
func mustRequest(t *testing.T, who string, o outcome, action, resource string) {
	t.Helper()
	re := regexp.MustCompile("^" + resource + "$")
	for _, e := range o.audit {
		if e.Allowed() && e.Action == action && re.MatchString(e.Resource) {
			return
		}
	}
	var seen []string
	for _, e := range o.audit {
		seen = append(seen, e.String())
	}
	t.Errorf("%s: %s made no allowed %s on %s; moto saw:\n%s", who, o.cmd, action, resource, strings.Join(seen, "\n"))
}

func (w *world) audit(t *testing.T) []motoserver.AuditEntry {
	t.Helper()
	entries, err := w.srv.Audit()
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// sdk runs call with the runner's credentials, checking moto's decisions on
// its requests as run does, and returns its error.
func (r *runner) sdk(t *testing.T, what string, call func(cfg aws.Config) error) error {
	t.Helper()
	mark := len(r.w.audit(t))
	err := call(r.w.srv.As(r.creds))
	o := outcome{cmd: what + " (AWS SDK for Go)", audit: r.w.audit(t)[mark:]}
	if err != nil {
		o.stderr = err.Error()
	}
	r.checkAllowed(t, o)
	if len(o.audit) == 0 {
		t.Errorf("%s: %s reached no moto check", r.who, o.cmd)
	}
	return err
}

// importOutputs stands in for the checkpoint `pulumi up` leaves: it exports
// stack (its secrets provider with it), replaces its resources with the
// stack resource holding outputs, and imports that (`pulumi stack export`
// and `stack import`, as the runner).
func (r *runner) importOutputs(t *testing.T, stack string, outputs map[string]any) {
	t.Helper()
	o := r.run(t, "pulumi", "stack", "export", "--stack", stack)
	mustExit(t, r.who, o, 0)
	var state map[string]any
	if err := json.Unmarshal([]byte(o.stdout), &state); err != nil {
		t.Fatalf("%s: read the export of %s: %v", r.who, stack, err)
	}
	deployment, ok := state["deployment"].(map[string]any)
	if !ok {
		t.Fatalf("%s: the export of %s has no deployment: %s", r.who, stack, o.stdout)
	}
	deployment["resources"] = []map[string]any{{
		"urn":     fmt.Sprintf("urn:pulumi:%s::%s::pulumi:pulumi:Stack::%s-%s", stack, settings.Project, settings.Project, stack),
		"custom":  false,
		"type":    "pulumi:pulumi:Stack",
		"outputs": outputs,
	}}
	data, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), stack+".json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mustExit(t, r.who, r.run(t, "pulumi", "stack", "import", "--file", file, "--stack", stack), 0)
}

// lab is a lab network in moto for the verifier to read: the dev scenario's
// VPC, two private subnets with their route tables, the S3 gateway endpoint
// with the program's policy, the function's security group and the VPC's
// flow log to CloudWatch Logs; and an orphan (a VPC and a NAT gateway of a
// stack no backend holds) for the orphan report.
type lab struct {
	vpc, cidr                                         string
	subnets, routeTables                              []string
	endpoint, prefixList, policy, sg                  string
	flowLog, logGroup, orphanVPC, orphanNAT           string
	functionName, probeFunction, bucket, deniedBucket string
}

func newLab(t *testing.T, ctx context.Context, cfg aws.Config) lab {
	t.Helper()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("lab in moto: %s: %v", what, err)
		}
	}
	c := ec2.NewFromConfig(cfg)
	tags := func(kind ec2types.ResourceType, stack string) []ec2types.TagSpecification {
		return []ec2types.TagSpecification{{ResourceType: kind, Tags: []ec2types.Tag{
			{Key: aws.String(settings.TagProject), Value: aws.String(settings.Project)},
			{Key: aws.String(settings.TagStack), Value: aws.String(stack)}}}}
	}
	l := lab{cidr: "10.42.0.0/16", functionName: "lab-fn-6f1c2d9", probeFunction: "lab-probe-fn-0b7e4a1",
		bucket: "s3-gw-lab-dev-5e8a1f0", deniedBucket: "s3-gw-lab-dev-deny-5e8a1f0", logGroup: "/aws/vpc-flow-logs/lab-3c9d2e7"}
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(l.cidr), TagSpecifications: tags(ec2types.ResourceTypeVpc, "dev")})
	must("CreateVpc", err)
	l.vpc = aws.ToString(vpc.Vpc.VpcId)
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(l.vpc), CidrBlock: aws.String(fmt.Sprintf("10.42.%d.0/24", i)),
			AvailabilityZone: aws.String(az), TagSpecifications: tags(ec2types.ResourceTypeSubnet, "dev")})
		must("CreateSubnet", err)
		rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(l.vpc)})
		must("CreateRouteTable", err)
		_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId, SubnetId: sn.Subnet.SubnetId})
		must("AssociateRouteTable", err)
		l.subnets = append(l.subnets, aws.ToString(sn.Subnet.SubnetId))
		l.routeTables = append(l.routeTables, aws.ToString(rt.RouteTable.RouteTableId))
	}
	l.policy, err = policy.Endpoint(policy.Inputs{
		Partition: "aws", Region: region, AccountID: account, VPCID: l.vpc, BucketName: l.bucket,
		FunctionRoleARN:    "arn:aws:iam::" + account + ":role/lab-fn-role-6f1c2d9",
		AdminPrincipalARNs: []string{"arn:aws:iam::" + account + ":role/s3-gateway-lab-ci-deploy"},
		LogGroupARNs:       []string{"arn:aws:logs:" + region + ":" + account + ":log-group:/aws/lambda/" + l.functionName},
		ProbeBuckets:       []string{l.deniedBucket},
	}).JSON()
	must("render the endpoint policy", err)
	s3Service := "com.amazonaws." + region + ".s3"
	ep, err := c.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(l.vpc), ServiceName: aws.String(s3Service),
		VpcEndpointType: ec2types.VpcEndpointTypeGateway, RouteTableIds: l.routeTables, PolicyDocument: aws.String(l.policy)})
	must("CreateVpcEndpoint", err)
	l.endpoint = aws.ToString(ep.VpcEndpoint.VpcEndpointId)
	pls, err := c.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{
		Filters: []ec2types.Filter{{Name: aws.String("prefix-list-name"), Values: []string{s3Service}}}})
	must("DescribePrefixLists", err)
	if len(pls.PrefixLists) != 1 {
		t.Fatalf("lab in moto: %d prefix lists of %s, want 1", len(pls.PrefixLists), s3Service)
	}
	l.prefixList = aws.ToString(pls.PrefixLists[0].PrefixListId)
	sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: aws.String(l.vpc), GroupName: aws.String("lab-fn-sg"),
		Description: aws.String("the lab function's")})
	must("CreateSecurityGroup", err)
	l.sg = aws.ToString(sg.GroupId)
	_, err = cloudwatchlogs.NewFromConfig(cfg).CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(l.logGroup)})
	must("CreateLogGroup", err)
	fl, err := c.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{ResourceIds: []string{l.vpc}, ResourceType: ec2types.FlowLogsResourceTypeVpc,
		TrafficType: ec2types.TrafficTypeAll, LogDestinationType: ec2types.LogDestinationTypeCloudWatchLogs, LogGroupName: aws.String(l.logGroup),
		DeliverLogsPermissionArn: aws.String("arn:aws:iam::" + account + ":role/lab-flow-logs-3c9d2e7")})
	must("CreateFlowLogs", err)
	if len(fl.FlowLogIds) != 1 {
		t.Fatalf("lab in moto: CreateFlowLogs: %v, unsuccessful %v", fl.FlowLogIds, fl.Unsuccessful)
	}
	l.flowLog = fl.FlowLogIds[0]

	// The orphan: a stack's resources whose state is gone from both backends.
	ov, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.43.0.0/16"), TagSpecifications: tags(ec2types.ResourceTypeVpc, "eph-lost")})
	must("CreateVpc (orphan)", err)
	l.orphanVPC = aws.ToString(ov.Vpc.VpcId)
	osn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: ov.Vpc.VpcId, CidrBlock: aws.String("10.43.0.0/24")})
	must("CreateSubnet (orphan)", err)
	eip, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	must("AllocateAddress (orphan)", err)
	nat, err := c.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: osn.Subnet.SubnetId, AllocationId: eip.AllocationId,
		TagSpecifications: tags(ec2types.ResourceTypeNatgateway, "eph-lost")})
	must("CreateNatGateway (orphan)", err)
	l.orphanNAT = aws.ToString(nat.NatGateway.NatGatewayId)
	return l
}

// outputs are the stack outputs the program would export for the lab
// (testdata/plan-dev.json's keys), with admins as adminPrincipalArns.
func (l lab) outputs(admins ...string) map[string]any {
	return map[string]any{
		"region": region, "vpcId": l.vpc, "vpcCidr": l.cidr, "routeTableIds": l.routeTables, "privateSubnetIds": l.subnets,
		"publicSubnetIds": []string{}, "availabilityZones": []string{"us-east-1a", "us-east-1b"},
		"endpointId": l.endpoint, "prefixListId": l.prefixList, "endpointPolicy": l.policy,
		"functionName": l.functionName, "functionArn": "arn:aws:lambda:" + region + ":" + account + ":function:" + l.functionName,
		"probeFunctionName": l.probeFunction, "bucketName": l.bucket, "deniedProbeBucket": l.deniedBucket,
		"seedKeys": []string{"data/sample.json", "hello.txt", "reports/README.md"}, "securityGroupId": l.sg,
		"flowLogs": "cloudwatch", "flowLogId": l.flowLog, "flowLogDestination": l.logGroup, "internetEgress": "none",
		"adminPrincipalArns": admins, "accessPointArn": "", "crossRegion": "", "crossRegionBucket": "",
		"interfaceEndpointIds": map[string]string{}, "s3InterfaceEndpointId": "", "dynamodbEndpointId": "", "tableName": "",
	}
}
