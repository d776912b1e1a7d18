// Package pulumicli is the one runner of the Pulumi CLI for the lab's
// commands (reap, orphans, drift, and ephemeral through the Automation API):
// one way to start it, to stop it on a signal (a process group of its own,
// one interrupt, a kill after a bounded grace) and to read its errors (Run,
// CLI and Error; AutomationCommand for the Automation API). It also holds
// what those commands share about the CLI: whether it is there, which
// backend to use, and how to read a stack's outputs.
package pulumicli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// LocalBackendURL is the local state backend (~/.pulumi), which
// scripts/deploy.sh uses too when no shared backend is configured outside CI.
const LocalBackendURL = "file://~"

// CloudBackendURL is Pulumi Cloud, the backend a PULUMI_ACCESS_TOKEN is for.
const CloudBackendURL = "https://api.pulumi.com"

// ErrNoCLI means the Pulumi CLI is not on PATH.
var ErrNoCLI = errors.New("the Pulumi CLI is not installed")

// ErrNoSharedBackend means a run in CI has no shared state backend: state
// written to the runner's disk is thrown away with the runner, and the
// stack's resources could then never be destroyed by a later run.
var ErrNoSharedBackend = errors.New("no shared state backend: in CI, set PULUMI_BACKEND_URL (such as s3://my-state-bucket) " +
	"or PULUMI_ACCESS_TOKEN (Pulumi Cloud); state on a CI runner's disk is lost with the runner")

// Version is the Pulumi CLI version the lab pins (the SDK it builds with, the
// workflows' CLI; scripts/versions_test.go holds them equal), which Check
// advises installing.
const Version = "3.276.0"

// Check reports, with advice, whether the Pulumi CLI can be run.
func Check() error {
	if _, err := exec.LookPath("pulumi"); err != nil {
		return fmt.Errorf("%w (pulumi is not on PATH): install it with `curl -fsSL https://get.pulumi.com | sh -s -- --version %s` "+
			"(see README.md, Prerequisites)", ErrNoCLI, Version)
	}
	return nil
}

// InCI reports whether getenv describes a CI run (CI set and not false, as
// GitHub Actions and most CI systems set it).
func InCI(getenv func(string) string) bool {
	ci := getenv("CI")
	return (ci != "" && !strings.EqualFold(ci, "false") && ci != "0") || getenv("GITHUB_ACTIONS") == "true"
}

// SharedBackend returns the shared state backend getenv names:
// PULUMI_BACKEND_URL, else Pulumi Cloud when PULUMI_ACCESS_TOKEN is set. With
// neither, it returns "" outside CI (the caller picks a local backend) and
// ErrNoSharedBackend in CI: a CI run never falls back to a local backend.
// scripts/backend.sh applies the same rule to the shell scripts.
func SharedBackend(getenv func(string) string) (string, error) {
	switch {
	case getenv("PULUMI_BACKEND_URL") != "":
		return getenv("PULUMI_BACKEND_URL"), nil
	case getenv("PULUMI_ACCESS_TOKEN") != "":
		return CloudBackendURL, nil
	case InCI(getenv):
		return "", ErrNoSharedBackend
	}
	return "", nil
}

// ReviewBackendEnv names the state backend of review and ephemeral stacks
// (such as s3://my-state/lab-review): a backend, or a prefix of one, of their
// own, so that the role that deploys them can never touch dev's state. The
// reaper and ephemeral use it when set, and the orphan report lists it too.
const ReviewBackendEnv = "LAB_REVIEW_BACKEND_URL"

// ReaperRoleEnv names the role the hourly reaper runs as (the review role):
// an ephemeral stack names it among its adminPrincipalArns, so that the
// reaper may destroy it.
const ReaperRoleEnv = "LAB_REAPER_ROLE_ARN"

// BoundaryEnv names the permissions boundary the stacks' roles get
// (permissionsBoundaryArn) when the lab's commands create the stacks: the CI
// roles create and change roles only with it.
const BoundaryEnv = "LAB_PERMISSIONS_BOUNDARY_ARN"

// ReviewBackend returns the backend of review and ephemeral stacks:
// ReviewBackendEnv, else the shared backend (SharedBackend).
func ReviewBackend(getenv func(string) string) (string, error) {
	if b := getenv(ReviewBackendEnv); b != "" {
		return b, nil
	}
	return SharedBackend(getenv)
}

// Env is the environment the Automation API runs the CLI with: backendURL if
// set, else the shared backend of the environment, else (outside CI only)
// the local backend; PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER, so that a
// stack whose secrets provider is not in a local stack file (a runner's
// fresh checkout) takes it from its state instead of getting a new one
// (pkg/cmd/pulumi/stack/secrets.go, v3.276.0); outside CI an empty
// passphrase when none is set (the lab keeps no secrets of its own), in CI
// never one: an empty passphrase there would protect nothing.
func Env(backendURL string) (map[string]string, error) {
	if backendURL == "" {
		shared, err := SharedBackend(os.Getenv)
		if err != nil {
			return nil, err
		}
		backendURL = cmp.Or(shared, LocalBackendURL)
	}
	env := map[string]string{
		"PULUMI_BACKEND_URL":                       backendURL,
		"PULUMI_SKIP_UPDATE_CHECK":                 "true",
		"PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER": "true",
	}
	if _, ok := os.LookupEnv("PULUMI_CONFIG_PASSPHRASE"); !ok && !InCI(os.Getenv) {
		env["PULUMI_CONFIG_PASSPHRASE"] = ""
	}
	return env, nil
}

// Outputs reads the outputs of stack, a stack of the project in root.
func Outputs(ctx context.Context, root, stack string) (map[string]any, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	env, err := Env("")
	if err != nil {
		return nil, err
	}
	cmd, err := AutomationCommand()
	if err != nil {
		return nil, err
	}
	s, err := auto.SelectStackLocalSource(ctx, stack, root, auto.EnvVars(env), auto.Pulumi(cmd))
	if err != nil {
		return nil, fmt.Errorf("select stack %s: %w", stack, err)
	}
	outs, err := s.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("read outputs of stack %s: %w", stack, err)
	}
	m := make(map[string]any, len(outs))
	for k, v := range outs {
		m[k] = v.Value
	}
	return m, nil
}

// SecretsProviderEnv names the secrets provider the lab's commands give the
// stacks they create: `awskms://alias/NAME?region=REGION` (the default to
// use with an S3 backend: the team's KMS key encrypts the stack's secrets),
// `passphrase` (with PULUMI_CONFIG_PASSPHRASE), or `default` (Pulumi Cloud's
// own) (https://www.pulumi.com/docs/iac/concepts/secrets/#available-encryption-providers).
const SecretsProviderEnv = "LAB_SECRETS_PROVIDER"

// ErrNoSecretsProvider means a run in CI would create a stack on a
// self-managed backend without a key protecting its secrets.
var ErrNoSecretsProvider = errors.New("in CI with a self-managed backend, set " + SecretsProviderEnv +
	" to a key (such as awskms://alias/pulumi-secrets?region=us-east-1): every job, the pull-request preview too, " +
	"then reads the stack with the key's rights and no passphrase")

// secretsSchemes are the key providers Pulumi accepts, by scheme.
var secretsSchemes = []string{"awskms://", "azurekeyvault://", "gcpkms://", "hashivault://"}

// SecretsProvider returns the secrets provider for stacks created on
// backendURL: SecretsProviderEnv when set (checked), else "" (Pulumi's
// default: the service's own on Pulumi Cloud, the passphrase otherwise). In
// CI, a self-managed backend needs a key. scripts/backend.sh applies the same
// rule (lab_secrets_provider).
func SecretsProvider(getenv func(string) string, backendURL string) (string, error) {
	p := getenv(SecretsProviderEnv)
	for _, s := range secretsSchemes {
		if strings.HasPrefix(p, s) && len(p) > len(s) {
			return p, nil
		}
	}
	switch p {
	case "", "passphrase", "default":
		if InCI(getenv) && backendURL != CloudBackendURL {
			if p == "" {
				return "", fmt.Errorf("no secrets provider: %w", ErrNoSecretsProvider)
			}
			return "", fmt.Errorf("%s=%s: %w", SecretsProviderEnv, p, ErrNoSecretsProvider)
		}
		return p, nil
	}
	return "", fmt.Errorf("%s=%q: accepted passphrase, default, or a key URL of %s", SecretsProviderEnv, p, strings.Join(secretsSchemes, ", "))
}

// CLI is the Pulumi CLI set up to run in a lab project directory.
type CLI struct {
	// Bin is the pulumi executable, Dir the project directory (where
	// Pulumi.yaml is), Env the whole environment, backend included.
	Bin, Dir string
	Env      []string
	// BackendURL is the state backend the environment names.
	BackendURL string
	// Grace is how long a command stopped by its context gets to finish
	// after its one interrupt before it is killed (0: the package's Grace).
	Grace time.Duration
}

// NewCLI checks that root is a project directory and that the Pulumi CLI is
// installed, and returns it with the environment of Env(backendURL) over the
// process's.
func NewCLI(root, backendURL string) (*CLI, error) {
	abs, err := filepath.Abs(root)
	if err == nil {
		_, err = os.Stat(filepath.Join(abs, "Pulumi.yaml"))
	}
	if err != nil {
		return nil, fmt.Errorf("-root %s is not the lab's project directory: %w", root, err)
	}
	if err := Check(); err != nil {
		return nil, err
	}
	bin, err := exec.LookPath("pulumi")
	if err != nil {
		return nil, err
	}
	env, err := Env(backendURL)
	if err != nil {
		return nil, err
	}
	environ := os.Environ()
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	return &CLI{Bin: bin, Dir: abs, Env: environ, BackendURL: env["PULUMI_BACKEND_URL"]}, nil
}

// OwnerEnv names the repository whose commands create and reap stacks, when
// neither GitHub Actions nor git can tell (such as github.com/org/repo).
const OwnerEnv = "LAB_OWNER"

// ErrNoOwner means the repository running a command cannot be named.
var ErrNoOwner = errors.New("cannot tell which repository this is: set " + OwnerEnv +
	" (such as github.com/my-org/my-lab) or run from a clone with a remote named origin")

// Owner names the repository whose commands run in dir, the value of the
// lab:created-by stack tag: OwnerEnv when set; else, in GitHub Actions, the
// server's host and GITHUB_REPOSITORY; else the URL of dir's git remote
// origin without scheme, user, port and .git (git@github.com:org/repo.git and
// https://github.com/org/repo both give github.com/org/repo). The shell
// scripts apply the same rule (scripts/backend.sh, lab_owner).
func Owner(getenv func(string) string, dir string) (string, error) {
	if o := strings.TrimSpace(getenv(OwnerEnv)); o != "" {
		return o, nil
	}
	if repo := getenv("GITHUB_REPOSITORY"); repo != "" {
		host := strings.TrimPrefix(strings.TrimPrefix(cmp.Or(getenv("GITHUB_SERVER_URL"), "https://github.com"), "https://"), "http://")
		return host + "/" + repo, nil
	}
	out, err := exec.Command("git", "-C", dir, "remote", "get-url", "origin").Output()
	if err != nil {
		return "", ErrNoOwner
	}
	return NormalizeRemote(strings.TrimSpace(string(out))), nil
}

// NormalizeRemote turns a git remote URL into host/path: the scheme, the
// user, the port and a trailing .git or / go, and scp-like git@host:path
// becomes host/path. A local path stays as it is.
func NormalizeRemote(url string) string {
	local := strings.TrimSuffix(strings.TrimSuffix(url, "/"), ".git")
	var host, path string
	switch {
	case strings.HasPrefix(url, "file://"):
		return strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(url, "file://"), "/"), ".git")
	case strings.Contains(url, "://"):
		_, u, _ := strings.Cut(url, "://")
		if first, _, _ := strings.Cut(u, "/"); strings.Contains(first, "@") {
			_, u, _ = strings.Cut(u, "@")
		}
		host, path, _ = strings.Cut(u, "/")
	default:
		u := url
		if head := u[:strings.IndexAny(u+":", ":/")]; strings.Contains(head, "@") {
			_, u, _ = strings.Cut(u, "@")
		}
		h, p, ok := strings.Cut(u, ":")
		if !ok || strings.HasPrefix(u, "/") || strings.Contains(h, "/") {
			return local
		}
		host, path = h, p
	}
	host, _, _ = strings.Cut(host, ":")
	path = strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/"), ".git")
	return strings.ToLower(host) + "/" + path
}
