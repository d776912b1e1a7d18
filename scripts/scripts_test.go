// Package scripts holds the project's shell entry points; this test runs the
// deploy and destroy scripts against a fake pulumi that records its calls.
package scripts

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
	"github.com/platformlab/s3-gateway-lab/internal/testing/motoserver"
)

// fakePulumi records its calls with the backend, the passphrase (or
// "unset") and whether a stack's secrets provider is taken from its state;
// with FAKE_NO_STACK, the stack exists only once stack init made it, and
// without FAKE_HAS_REGION, it has a region only once one is set.
const fakePulumi = `#!/bin/sh
echo "backend=$PULUMI_BACKEND_URL passphrase=${PULUMI_CONFIG_PASSPHRASE-unset} fallback=${PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER-unset} args=$*" >> "$FAKE_PULUMI_LOG"
case "$*" in
  "config get aws:region"*) { [ -n "$FAKE_HAS_REGION" ] || [ -e "$FAKE_PULUMI_LOG.region" ]; } && exit 0; exit 1 ;;
  "config set aws:region"*) touch "$FAKE_PULUMI_LOG.region"; exit 0 ;;
  "stack init"*) touch "$FAKE_PULUMI_LOG.created"; exit 0 ;;
  "config refresh"*) [ -n "$FAKE_NO_HISTORY" ] && exit 255; exit 0 ;;
  "config get aws:allowedAccountIds"* | "config get s3-gateway-lab:permissionsBoundaryArn"*) [ -n "$FAKE_NO_PIN" ] && exit 255; exit 0 ;;
  "stack select --non-interactive"*) [ -n "$FAKE_NO_STACK" ] && [ ! -e "$FAKE_PULUMI_LOG.created" ] && exit 255; exit 0 ;;
  "stack output adminPrincipalArns"*) echo "$FAKE_ADMINS"; exit 0 ;;
esac
exit 0
`

// fakeAWS answers the calls the scripts make: the caller's account
// (new-stack.sh), its ARN and its role's (destroy.sh, through caller-arn.sh;
// an empty FAKE_ROLE_ARN refuses iam get-role as IAM refuses a role without
// the right).
const fakeAWS = `#!/bin/sh
[ -n "$FAKE_WARN" ] && echo "PythonDeprecationWarning: the AWS CLI will drop this Python" >&2
case "$*" in
  "sts get-caller-identity --query Account"*) echo "${FAKE_ACCOUNT:-111122223333}" ;;
  "sts get-caller-identity"*) echo "$FAKE_CALLER" ;;
  "iam get-role --role-name "*)
    [ -n "$FAKE_ROLE_ARN" ] || { echo "An error occurred (AccessDenied) when calling the GetRole operation" >&2; exit 254; }
    echo "$FAKE_ROLE_ARN" ;;
  *) exit 1 ;;
esac
`

// runScript runs script with a PATH that holds a fake pulumi (unless
// withoutPulumi) and the real go, and returns its output and the calls.
func runScript(t *testing.T, script string, env []string, withoutPulumi bool, args ...string) (string, []string, error) {
	t.Helper()
	bin := t.TempDir()
	log := filepath.Join(t.TempDir(), "calls")
	if !withoutPulumi {
		if err := os.WriteFile(filepath.Join(bin, "pulumi"), []byte(fakePulumi), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, kv := range env {
		if strings.HasPrefix(kv, "FAKE_CALLER=") || strings.HasPrefix(kv, "FAKE_ACCOUNT=") {
			if err := os.WriteFile(filepath.Join(bin, "aws"), []byte(fakeAWS), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(goBin, filepath.Join(bin, "go")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/bash", append([]string{script}, args...)...)
	cmd.Env = append([]string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + t.TempDir(), "FAKE_PULUMI_LOG=" + log}, env...)
	out, err := cmd.CombinedOutput()
	data, readErr := os.ReadFile(log)
	if readErr != nil && !os.IsNotExist(readErr) {
		t.Fatal(readErr)
	}
	calls := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(data) == 0 {
		calls = nil
	}
	return string(out), calls, err
}

// mustRunScript runs script as runScript does, with the fake pulumi, fails t
// when it fails, and returns the pulumi calls.
func mustRunScript(t *testing.T, script string, env []string, args ...string) []string {
	t.Helper()
	out, calls, err := runScript(t, script, env, false, args...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	return calls
}

// argsOf returns the pulumi command lines of calls, without the backend and
// secrets the fake records with each.
func argsOf(calls []string) []string {
	var args []string
	for _, c := range calls {
		_, a, _ := strings.Cut(c, " args=")
		args = append(args, a)
	}
	return args
}

// checkCalls wants exactly the calls want, in order.
func checkCalls(t *testing.T, calls, want []string) {
	t.Helper()
	if !slices.Equal(calls, want) {
		t.Errorf("pulumi calls:\n got %q\nwant %q", calls, want)
	}
}

func TestDeployUsesLocalBackendByDefault(t *testing.T) {
	calls := mustRunScript(t, "deploy.sh", nil, "dev", "--yes")
	want := []string{
		"backend=file://~ passphrase= fallback=true args=stack select --non-interactive dev",
		"backend=file://~ passphrase= fallback=true args=config get aws:region --stack dev",
		"backend=file://~ passphrase= fallback=true args=config set aws:region us-east-1 --stack dev",
		"backend=file://~ passphrase= fallback=true args=up --stack dev --yes",
	}
	checkCalls(t, calls, want)
}

func TestDeployHonoursBackendAndRegion(t *testing.T) {
	env := []string{"PULUMI_BACKEND_URL=s3://team-state", "PULUMI_CONFIG_PASSPHRASE=s3cret", "FAKE_HAS_REGION=1"}
	calls := mustRunScript(t, "deploy.sh", env, "review-42", "--create")
	// A checkout without the stack's file (a CI runner's) takes its
	// settings from its last update.
	want := []string{
		"backend=s3://team-state passphrase=s3cret fallback=true args=stack select --non-interactive review-42",
		"backend=s3://team-state passphrase=s3cret fallback=true args=config refresh --force --stack review-42",
		"backend=s3://team-state passphrase=s3cret fallback=true args=config get aws:allowedAccountIds --stack review-42",
		"backend=s3://team-state passphrase=s3cret fallback=true args=config get aws:region --stack review-42",
		"backend=s3://team-state passphrase=s3cret fallback=true args=up --stack review-42",
	}
	checkCalls(t, calls, want)
}

// TestDeployRepinsAStackWithoutHistory: a fresh checkout of a stack with no
// update to take its settings from (its first update failed) pins it again
// to the account of the caller's credentials, and gives it the boundary,
// before the update: a runner never updates a review stack unpinned.
func TestDeployRepinsAStackWithoutHistory(t *testing.T) {
	env := []string{"PULUMI_BACKEND_URL=s3://team-state/review", "FAKE_HAS_REGION=1", "FAKE_NO_HISTORY=1", "FAKE_NO_PIN=1",
		"FAKE_ACCOUNT=111122223333", "LAB_PERMISSIONS_BOUNDARY_ARN=arn:aws:iam::111122223333:policy/s3-gateway-lab-boundary"}
	calls := mustRunScript(t, "deploy.sh", env, "pr-42", "--yes")
	args := argsOf(calls)
	for _, want := range []string{"config set --path aws:allowedAccountIds[0] 111122223333 --type string --stack pr-42",
		"config set s3-gateway-lab:permissionsBoundaryArn arn:aws:iam::111122223333:policy/s3-gateway-lab-boundary --stack pr-42"} {
		i, up := slices.Index(args, want), slices.Index(args, "up --stack pr-42 --yes")
		if i < 0 || up < i {
			t.Errorf("pulumi calls %q: want %q before the update", args, want)
		}
	}
}

// TestDeployStackFirst: a flag where the stack name goes is refused.
func TestDeployStackFirst(t *testing.T) {
	out, calls, err := runScript(t, "deploy.sh", nil, false, "--create", "dev")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(out, "the stack comes first") || len(calls) != 0 {
		t.Errorf("deploy.sh --create dev: got %v %q, calls %q; want exit 2 and no call", err, out, calls)
	}
}

// TestDeployNeverCreatesByMistake: without --create, a stack that does not
// exist (a mistyped name) is an error naming the flag, and nothing is
// deployed.
func TestDeployNeverCreatesByMistake(t *testing.T) {
	out, calls, err := runScript(t, "deploy.sh", []string{"FAKE_NO_STACK=1"}, false, "dve", "--yes")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(out, "deploy: no stack dve") ||
		!strings.Contains(out, "./scripts/deploy.sh dve --create") {
		t.Fatalf("deploy.sh of a missing stack: got %v\n%s\nwant exit 2 naming --create", err, out)
	}
	for _, c := range calls {
		if strings.Contains(c, "args=up ") || strings.Contains(c, "--create") {
			t.Errorf("deploy.sh of a missing stack called %q", c)
		}
	}
}

// TestDeployCreatesWithASecretsProvider: --create makes the missing stack
// with new-stack.sh: the secrets provider LAB_SECRETS_PROVIDER names, the
// repository that created it (stack tag lab:created-by), the account of the
// caller's credentials pinned as a string (aws:allowedAccountIds), the
// region; then it deploys. In CI, a self-managed backend without a key
// (no provider, or a passphrase) is refused before any stack is created,
// and in CI no passphrase is ever set.
func TestDeployCreatesWithASecretsProvider(t *testing.T) {
	env := []string{"FAKE_NO_STACK=1", "FAKE_ACCOUNT=111122223333", "LAB_OWNER=github.com/platform/lab",
		"LAB_SECRETS_PROVIDER=awskms://alias/pulumi-secrets?region=us-east-1"}
	calls := mustRunScript(t, "deploy.sh", env, "pr-9", "--create", "--region", "eu-west-1", "--yes")
	args := argsOf(calls)
	want := []string{
		"stack select --non-interactive pr-9",
		"stack select --non-interactive pr-9",
		"stack init --non-interactive --secrets-provider awskms://alias/pulumi-secrets?region=us-east-1 pr-9",
		"stack tag set lab:created-by github.com/platform/lab --stack pr-9",
		"config set aws:region eu-west-1 --stack pr-9",
		"config set --path aws:allowedAccountIds[0] 111122223333 --type string --stack pr-9",
		"stack select --non-interactive pr-9",
		"config get aws:region --stack pr-9",
		"up --stack pr-9 --yes",
	}
	checkCalls(t, args, want)
	for _, c := range mustRunScript(t, "deploy.sh", append(env, "CI=true", "PULUMI_BACKEND_URL=s3://team-state/lab-review"), "pr-10", "--create", "--yes") {
		if !strings.HasPrefix(c, "backend=s3://team-state/lab-review passphrase=unset fallback=true ") {
			t.Errorf("in CI: %q; want the backend, no passphrase and the state's secrets provider", c)
		}
	}
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"CI without a provider", []string{"CI=true", "PULUMI_BACKEND_URL=s3://team-state"}, "no secrets provider: in CI with a self-managed backend, set LAB_SECRETS_PROVIDER to a key"},
		{"an unknown provider", []string{"LAB_SECRETS_PROVIDER=vault"}, "LAB_SECRETS_PROVIDER=vault: accepted passphrase, default"},
		{"CI with a passphrase", []string{"CI=true", "PULUMI_BACKEND_URL=s3://team-state", "LAB_SECRETS_PROVIDER=passphrase", "PULUMI_CONFIG_PASSPHRASE=pw"},
			"passphrase: in CI with a self-managed backend, set LAB_SECRETS_PROVIDER to a key"},
		{"no repository name", []string{"LAB_SECRETS_PROVIDER=awskms://alias/x"}, "set LAB_OWNER"},
	} {
		env := append(tc.env, "FAKE_NO_STACK=1", "FAKE_ACCOUNT=111122223333")
		if tc.name != "no repository name" {
			env = append(env, "LAB_OWNER=github.com/platform/lab")
		} else {
			// Not a git repository: a clone (CI's) has a remote origin.
			env = append(env, "GIT_DIR="+t.TempDir())
		}
		out, calls, err := runScript(t, "deploy.sh", env, false, "pr-9", "--create", "--yes")
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("%s: got %v\n%s\nwant exit 2 naming %q", tc.name, err, out, tc.want)
		}
		for _, c := range calls {
			if strings.Contains(c, "stack init") || strings.Contains(c, "args=up") {
				t.Errorf("%s: called %q", tc.name, c)
			}
		}
	}
}

func TestDestroyKeepsStackConfig(t *testing.T) {
	calls := mustRunScript(t, "destroy.sh", nil, "dev", "--yes")
	want := []string{
		"backend=file://~ passphrase= fallback=true args=destroy --stack dev --yes",
		"backend=file://~ passphrase= fallback=true args=stack rm --yes --preserve-config dev",
	}
	checkCalls(t, calls, want)
}

func TestScriptsWithoutPulumi(t *testing.T) {
	for _, script := range []string{"deploy.sh", "destroy.sh"} {
		out, calls, err := runScript(t, script, nil, true, "dev")
		var exit *exec.ExitError
		if err == nil || !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Errorf("%s without pulumi: got %v, want exit code 2", script, err)
		}
		if !strings.Contains(out, "pulumi is not installed") || len(calls) != 0 {
			t.Errorf("%s without pulumi: output %q calls %v, want a clear message and no calls", script, out, calls)
		}
	}
}

// TestNoLocalStateInCI: in CI (or with a Pulumi Cloud token) the scripts
// never fall back to the local backend; CI without a shared backend fails
// before pulumi is called, naming both settings. Same rule as
// internal/ops/pulumicli.SharedBackend.
func TestNoLocalStateInCI(t *testing.T) {
	for _, script := range []string{"deploy.sh", "destroy.sh"} {
		for _, ci := range []string{"CI=true", "GITHUB_ACTIONS=true", "CI=1"} {
			out, calls, err := runScript(t, script, []string{ci}, false, "dev", "--yes")
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 || len(calls) != 0 {
				t.Errorf("%s with %s and no backend: got %v, calls %v; want exit 2 and no calls", script, ci, err, calls)
			}
			if !strings.Contains(out, "PULUMI_BACKEND_URL") || !strings.Contains(out, "PULUMI_ACCESS_TOKEN") {
				t.Errorf("%s with %s: output %q does not name both settings", script, ci, out)
			}
		}
		out, calls, err := runScript(t, script, []string{"CI=true", "PULUMI_ACCESS_TOKEN=pul-x", "FAKE_HAS_REGION=1"}, false, "dev")
		if err != nil || len(calls) == 0 || !strings.HasPrefix(calls[0], "backend=https://api.pulumi.com ") {
			t.Errorf("%s in CI with a token: got %v, calls %v, output %q; want Pulumi Cloud", script, err, calls, out)
		}
		_, calls, err = runScript(t, script, []string{"CI=false"}, false, "dev")
		if err != nil || len(calls) == 0 || !strings.HasPrefix(calls[0], "backend=file://~ ") {
			t.Errorf("%s with CI=false: got %v, calls %v; want the local backend", script, err, calls)
		}
	}
}

// TestDestroyChecksTheCallerIsAnAdmin: destroy stops before it starts when
// the caller (the role behind its session, path included) is not among the
// stack's adminPrincipalArns, which the lab bucket admits from outside the
// VPC; an admin, by name or by pattern, goes ahead.
func TestDestroyChecksTheCallerIsAnAdmin(t *testing.T) {
	const admins = `["arn:aws:iam::123456789012:role/ci-deployer","arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*"]`
	tests := []struct {
		name, caller, roleARN string
		wantDestroy           bool
	}{
		{"CI role", "arn:aws:sts::123456789012:assumed-role/ci-deployer/gh-42", "arn:aws:iam::123456789012:role/ci-deployer", true},
		// The AWS CLI's warnings on standard error are no part of the ARN.
		{"CI role, the AWS CLI warning", "arn:aws:sts::123456789012:assumed-role/ci-deployer/gh-42 warn", "arn:aws:iam::123456789012:role/ci-deployer", true},
		{"SSO admin by pattern", "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0a1b/jane",
			"arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0a1b", true},
		{"SSO admin of an instance without a region in the path", "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0a1b/jane",
			"arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0a1b", true},
		{"someone else", "arn:aws:sts::123456789012:assumed-role/dev-readonly/joe", "arn:aws:iam::123456789012:role/dev-readonly", false},
		// The session cannot read its own role: who it is cannot be told,
		// and the destroy does not start (it used to go ahead).
		{"GetRole refused", "arn:aws:sts::123456789012:assumed-role/ci-deployer/gh-42", "", false},
		{"an IAM user not listed", "arn:aws:iam::123456789012:user/bob", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caller, warn := strings.CutSuffix(tt.caller, " warn")
			env := []string{"FAKE_ADMINS=" + admins, "FAKE_CALLER=" + caller, "FAKE_ROLE_ARN=" + tt.roleARN}
			if warn {
				env = append(env, "FAKE_WARN=1")
			}
			out, calls, err := runScript(t, "destroy.sh", env, false, "dev", "--yes")
			destroyed := strings.Contains(strings.Join(calls, "\n"), "args=destroy --stack dev")
			if destroyed != tt.wantDestroy {
				t.Fatalf("destroy called: %v, want %v (err %v)\n%s", destroyed, tt.wantDestroy, err, out)
			}
			var exit *exec.ExitError
			if !tt.wantDestroy && (!errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(out, "adminPrincipalArns")) {
				t.Errorf("non-admin: got %v, output %q; want exit 2 naming adminPrincipalArns", err, out)
			}
		})
	}
}

// TestCallerARNOnMoto runs the README's admin-ARN command, the real AWS CLI
// with scripts/caller-arn.sh, against moto on loopback: an IAM Identity
// Center role (path /aws-reserved/sso.amazonaws.com/REGION/) assumed by a
// user prints the role's ARN with its path, which is what the stack's
// adminPrincipalArns must hold; an assumed-role ARN rebuilt from the
// session's ARN (the README's earlier command) lacks the path and never
// matches.
func TestCallerARNOnMoto(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the AWS CLI is not installed; CI needs it for this test (pip install awscli)")
		}
		t.Skip("the AWS CLI is not installed")
	}
	srv := motoserver.Start(t)
	env := []string{"AWS_ENDPOINT_URL=" + srv.URL, "AWS_DEFAULT_REGION=" + motoserver.Region,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	aws := func(creds []string, args ...string) string {
		t.Helper()
		cmd := exec.Command("aws", append(args, "--output", "text")...)
		cmd.Env = append(slices.Clone(env), creds...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	admin := []string{"AWS_ACCESS_KEY_ID=" + motoserver.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + motoserver.SecretAccessKey}
	const path = "/aws-reserved/sso.amazonaws.com/eu-west-1/"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`
	roleARN := aws(admin, "iam", "create-role", "--role-name", "AWSReservedSSO_Admin_0a1b2c3d", "--path", path,
		"--assume-role-policy-document", trust, "--query", "Role.Arn")
	if !strings.Contains(roleARN, ":role"+path+"AWSReservedSSO_Admin_0a1b2c3d") {
		t.Fatalf("created role %q, want it under %s", roleARN, path)
	}
	creds := strings.Fields(aws(admin, "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "jane",
		"--query", "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]"))
	if len(creds) != 3 {
		t.Fatalf("assume-role credentials: got %q", creds)
	}
	session := []string{"AWS_ACCESS_KEY_ID=" + creds[0], "AWS_SECRET_ACCESS_KEY=" + creds[1], "AWS_SESSION_TOKEN=" + creds[2]}
	sessionARN := aws(session, "sts", "get-caller-identity", "--query", "Arn")

	cmd := exec.Command("/bin/bash", "caller-arn.sh")
	cmd.Env = append(slices.Clone(env), session...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("caller-arn.sh as %s: %v", sessionARN, err)
	}
	if got := strings.TrimSpace(string(out)); got != roleARN {
		t.Errorf("caller-arn.sh as %s: got %q, want the role's ARN with its path %q", sessionARN, got, roleARN)
	}
	// What the session's ARN rebuilt into a role ARN gives: no path.
	rebuilt := regexp.MustCompile(`:sts::([0-9]+):assumed-role/([^/]+)/.*`).ReplaceAllString(sessionARN, ":iam::${1}:role/${2}")
	if rebuilt == roleARN {
		t.Errorf("the session's ARN %s rebuilt gives %s, the role's ARN: moto no longer shows the path problem", sessionARN, rebuilt)
	}

	// An IAM user's ARN is printed as it is.
	userARN := aws(admin, "iam", "create-user", "--user-name", "bob", "--path", "/people/", "--query", "User.Arn")
	keys := strings.Fields(aws(admin, "iam", "create-access-key", "--user-name", "bob", "--query", "AccessKey.[AccessKeyId,SecretAccessKey]"))
	if len(keys) != 2 {
		t.Fatalf("access key: got %q", keys)
	}
	cmd = exec.Command("/bin/bash", "caller-arn.sh")
	cmd.Env = append(slices.Clone(env), "AWS_ACCESS_KEY_ID="+keys[0], "AWS_SECRET_ACCESS_KEY="+keys[1])
	out, err = cmd.Output()
	if got := strings.TrimSpace(string(out)); err != nil || got != userARN {
		t.Errorf("caller-arn.sh as user bob: got %q, %v, want %q", got, err, userARN)
	}
}

// TestOwnerRuleIsOneRule: the shell scripts and the Go commands name the
// repository that creates and reaps stacks (the lab:created-by stack tag)
// alike, for every form of git remote a clone can have.
func TestOwnerRuleIsOneRule(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"git@github.com:Platform/S3-Lab.git", "github.com/Platform/S3-Lab"},
		{"https://github.com/platform/s3-lab", "github.com/platform/s3-lab"},
		{"https://github.com/platform/s3-lab.git/", "github.com/platform/s3-lab"},
		{"https://x-access-token:ghs_abc@github.com/platform/s3-lab.git", "github.com/platform/s3-lab"},
		{"ssh://git@GitHub.com:22/platform/s3-lab.git", "github.com/platform/s3-lab"},
		{"https://gitlab.example.com/group/sub/s3-lab.git", "gitlab.example.com/group/sub/s3-lab"},
		{"/srv/git/s3-lab.git", "/srv/git/s3-lab"},
		{"file:///srv/git/s3-lab.git", "/srv/git/s3-lab"},
	} {
		out, err := exec.Command("/bin/bash", "-c", `. ./backend.sh && lab_normalize_remote "$1"`, "-", tc.url).Output()
		shell := strings.TrimSpace(string(out))
		if err != nil || shell != tc.want {
			t.Errorf("lab_normalize_remote %s: got %q, %v; want %q", tc.url, shell, err, tc.want)
		}
		if got := pulumicli.NormalizeRemote(tc.url); got != tc.want {
			t.Errorf("pulumicli.NormalizeRemote(%s): got %q, want %q", tc.url, got, tc.want)
		}
	}
	// In GitHub Actions both take the repository from the environment.
	env := []string{"GITHUB_REPOSITORY=platform/s3-lab", "GITHUB_SERVER_URL=https://github.com", "PATH=/usr/bin:/bin"}
	cmd := exec.Command("/bin/bash", "-c", ". ./backend.sh && lab_owner .")
	cmd.Env = env
	out, err := cmd.Output()
	goOwner, goErr := pulumicli.Owner(func(k string) string {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	}, ".")
	if err != nil || goErr != nil || strings.TrimSpace(string(out)) != "github.com/platform/s3-lab" || goOwner != "github.com/platform/s3-lab" {
		t.Errorf("in GitHub Actions: shell %q %v, Go %q %v; want github.com/platform/s3-lab", out, err, goOwner, goErr)
	}
}
