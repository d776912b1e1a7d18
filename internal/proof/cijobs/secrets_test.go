package cijobs

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// secretsProviders is a checkpoint's secrets provider: its type and state
// (for a KMS key, the key's URL and the data key it encrypted).
type secretsProviders struct {
	Type  string          `json:"type"`
	State json.RawMessage `json:"state"`
}

// stateProvider reads stack's secrets provider from its state (pulumi stack
// export, which decrypts nothing).
func stateProvider(t *testing.T, r *runner, stack string) secretsProviders {
	t.Helper()
	o := r.run(t, "pulumi", "stack", "export", "--stack", stack)
	mustExit(t, r.who, o, 0)
	var state struct {
		Deployment struct {
			SecretsProviders secretsProviders `json:"secrets_providers"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal([]byte(o.stdout), &state); err != nil {
		t.Fatalf("%s: read the export of %s: %v", r.who, stack, err)
	}
	return state.Deployment.SecretsProviders
}

// secretsProviderSurvivesTheRunner: a review stack created by one job
// (a checkout whose stack file, with the secrets provider stack init wrote in
// it, is thrown away with the runner) is read, changed, tagged and destroyed
// by the next jobs from fresh checkouts, its secrets readable and its
// secrets provider in the state unchanged, with no passphrase anywhere: the
// commands take the provider from the state
// (PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER; pkg/cmd/pulumi/stack/secrets.go,
// Pulumi v3.276.0). Without that setting the same command would either stop
// for want of a passphrase, or, given an empty one, mint a new secrets
// manager for the stack (the controls at the end show both).
//
// The real Pulumi CLI on the review backend in moto, with the KMS key in
// moto, as the review role. `pulumi preview` cannot run here (no Go language
// host); it loads the secrets manager through the same loader as `pulumi
// config set --secret` (pkg/cmd/pulumi/operations/preview.go:412,
// NewStackSecretsManagerLoaderFromEnv), which this test runs.
func secretsProviderSurvivesTheRunner(t *testing.T, ctx context.Context, w *world) {
	role, ok := w.manifest.Role("review")
	if !ok {
		t.Fatal("no review role")
	}
	backend := w.backend(t, "review")
	job := func(name string) *runner { return w.session(t, ctx, role, name, backend) }

	// Runner 1: review-stack.yml's deploy creates the stack with the key.
	first := job("review-stack-deploy")
	mustExit(t, first.who, first.run(t, "scripts/new-stack.sh", "pr-7"), 0)
	created := stateProvider(t, first, "pr-7")
	var kms struct {
		URL          string `json:"url"`
		EncryptedKey string `json:"encryptedkey"`
	}
	if err := json.Unmarshal(created.State, &kms); err != nil || created.Type != "cloud" || kms.URL != secretsURL || kms.EncryptedKey == "" {
		t.Fatalf("the new stack's secrets provider in its state: %s %s (%v); want the KMS key %s", created.Type, created.State, err, secretsURL)
	}
	// A secret in the state: a stack output encrypted with the stack's
	// data key: the ciphertext of a secret setting, which the same
	// encrypter makes; the state holds a secret's JSON, hence the quotes.
	mustExit(t, first.who, first.run(t, "pulumi", "config", "set", "--secret", "org:token", `"s3cr3t"`, "--stack", "pr-7"), 0)
	file, err := os.ReadFile(filepath.Join(first.dir, "Pulumi.pr-7.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`secure: (v1:\S+)`).FindSubmatch(file)
	if m == nil {
		t.Fatalf("no ciphertext in the stack file:\n%s", file)
	}
	first.importOutputs(t, "pr-7", map[string]any{"token": map[string]any{
		"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": string(m[1])}})

	// The next runners: fresh checkouts, no Pulumi.pr-7.yaml.
	next := job("review-stack-deploy-again")
	if _, err := os.Stat(filepath.Join(next.dir, "Pulumi.pr-7.yaml")); !os.IsNotExist(err) {
		t.Fatalf("the fresh checkout has a stack file of pr-7 (%v)", err)
	}
	if o := next.run(t, "pulumi", "stack", "output", "token", "--show-secrets", "--stack", "pr-7"); o.code != 0 || strings.TrimSpace(o.stdout) != "s3cr3t" {
		t.Errorf("%s: the state's secret from a fresh checkout: exit %d, %q; want s3cr3t\n%s", next.who, o.code, o.stdout, o.output())
	}
	mustExit(t, next.who, next.run(t, "pulumi", "config", "set", "--secret", "org:other", "v2", "--stack", "pr-7"), 0)
	if o := next.run(t, "pulumi", "config", "get", "org:other", "--stack", "pr-7"); strings.TrimSpace(o.stdout) != "v2" {
		t.Errorf("%s: a secret set from a fresh checkout reads %q, want v2", next.who, o.stdout)
	}
	written, err := os.ReadFile(filepath.Join(next.dir, "Pulumi.pr-7.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(written), "secretsprovider: "+secretsURL) || !strings.Contains(string(written), "encryptedkey: "+kms.EncryptedKey) ||
		strings.Contains(string(written), "encryptionsalt") {
		t.Errorf("%s: the stack file written from the state does not name the state's provider and key:\n%s", next.who, written)
	}
	mustExit(t, next.who, next.run(t, "pulumi", "stack", "tag", "set", "lab:expires-at", time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "--stack", "pr-7"), 0)
	if got := stateProvider(t, next, "pr-7"); got.Type != created.Type || string(got.State) != string(created.State) {
		t.Errorf("the state's secrets provider changed: %s %s, was %s %s", got.Type, got.State, created.Type, created.State)
	}

	// Controls, each from a fresh checkout as the same role: without the
	// setting, a command that needs the secrets manager stops for want of
	// a passphrase (nothing written); with an empty passphrase it mints a
	// new one for the stack, the hazard the setting averts.
	none := job("control-no-fallback")
	none.unset = []string{"PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER", "PULUMI_CONFIG_PASSPHRASE"}
	o := none.run(t, "pulumi", "config", "set", "--secret", "org:x", "y", "--stack", "pr-7")
	if o.code == 0 || !strings.Contains(o.output(), "passphrase must be set") {
		t.Errorf("%s: without the setting and a passphrase: exit %d, want a refusal naming the passphrase\n%s", none.who, o.code, o.output())
	}
	empty := job("control-empty-passphrase")
	empty.unset = []string{"PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER"}
	empty.extra = []string{"PULUMI_CONFIG_PASSPHRASE="}
	mustExit(t, empty.who, empty.run(t, "pulumi", "config", "set", "--secret", "org:x", "y", "--stack", "pr-7"), 0)
	if minted, _ := os.ReadFile(filepath.Join(empty.dir, "Pulumi.pr-7.yaml")); !strings.Contains(string(minted), "encryptionsalt") {
		t.Errorf("%s: an empty passphrase without the setting did not mint a passphrase manager; the control proves nothing:\n%s", empty.who, minted)
	}

	// review-stack.yml's destroy, from yet another checkout.
	last := job("review-stack-destroy")
	mustExit(t, last.who, last.run(t, "pulumi", "destroy", "--yes", "--stack", "pr-7"), 0)
	if got := stateProvider(t, last, "pr-7"); got.Type != created.Type || string(got.State) != string(created.State) {
		t.Errorf("after the destroy, the state's secrets provider changed: %s %s, was %s %s", got.Type, got.State, created.Type, created.State)
	}
	mustExit(t, last.who, last.run(t, "pulumi", "stack", "rm", "--yes", "pr-7"), 0)
}
