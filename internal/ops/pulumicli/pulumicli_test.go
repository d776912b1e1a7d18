package pulumicli

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestEnv(t *testing.T) {
	for _, k := range []string{"PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN", "CI", "GITHUB_ACTIONS"} {
		t.Setenv(k, "")
	}
	unsetenv(t, "PULUMI_CONFIG_PASSPHRASE")
	env, err := Env("")
	if err != nil || env["PULUMI_BACKEND_URL"] != LocalBackendURL || env["PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER"] != "true" {
		t.Errorf("default backend outside CI: got %v, %v; want %q and the state's secrets provider", env, err, LocalBackendURL)
	}
	if p, ok := env["PULUMI_CONFIG_PASSPHRASE"]; !ok || p != "" {
		t.Errorf("outside CI without a passphrase: got %q (set %v), want the empty one", p, ok)
	}
	t.Setenv("PULUMI_BACKEND_URL", "s3://team-state")
	t.Setenv("CI", "true")
	env, err = Env("")
	if err != nil || env["PULUMI_BACKEND_URL"] != "s3://team-state" {
		t.Errorf("environment not honoured: %v, %v", env, err)
	}
	// In CI an empty passphrase would give a stack without a provider in
	// its file a new passphrase manager: none is ever set.
	if _, ok := env["PULUMI_CONFIG_PASSPHRASE"]; ok {
		t.Errorf("in CI without a passphrase: got %q, want none set", env["PULUMI_CONFIG_PASSPHRASE"])
	}
	if env, err := Env("file:///tmp/x"); err != nil || env["PULUMI_BACKEND_URL"] != "file:///tmp/x" {
		t.Errorf("explicit backend: got %v, %v", env, err)
	}
}

// unsetenv unsets k for the test, restoring it after.
func unsetenv(t *testing.T, k string) {
	t.Helper()
	t.Setenv(k, "")
	if err := os.Unsetenv(k); err != nil {
		t.Fatal(err)
	}
}

// TestSharedBackend: in CI, or whenever a Pulumi Cloud token is there, state
// never falls back to a local file backend; CI without a shared backend fails
// at once, naming both settings.
func TestSharedBackend(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{"local run", map[string]string{}, "", false},
		{"backend URL", map[string]string{"PULUMI_BACKEND_URL": "s3://state"}, "s3://state", false},
		{"token outside CI", map[string]string{"PULUMI_ACCESS_TOKEN": "pul-1"}, CloudBackendURL, false},
		{"token in CI", map[string]string{"PULUMI_ACCESS_TOKEN": "pul-1", "CI": "true"}, CloudBackendURL, false},
		{"backend URL in CI", map[string]string{"PULUMI_BACKEND_URL": "s3://state", "CI": "true"}, "s3://state", false},
		{"CI without a backend", map[string]string{"CI": "true"}, "", true},
		{"GitHub Actions without a backend", map[string]string{"GITHUB_ACTIONS": "true"}, "", true},
		{"CI=false", map[string]string{"CI": "false"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SharedBackend(func(k string) string { return tt.env[k] })
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("got %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
			if err != nil && (!errors.Is(err, ErrNoSharedBackend) || !strings.Contains(err.Error(), "PULUMI_BACKEND_URL") ||
				!strings.Contains(err.Error(), "PULUMI_ACCESS_TOKEN")) {
				t.Errorf("error %q does not name both settings", err)
			}
		})
	}
	t.Setenv("CI", "true")
	t.Setenv("PULUMI_BACKEND_URL", "")
	t.Setenv("PULUMI_ACCESS_TOKEN", "")
	if _, err := Env(""); !errors.Is(err, ErrNoSharedBackend) {
		t.Errorf("Env in CI without a backend: got %v, want ErrNoSharedBackend", err)
	}
}

func TestNoCLI(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if err := Check(); !errors.Is(err, ErrNoCLI) {
		t.Errorf("Check without pulumi: got %v, want ErrNoCLI", err)
	}
	if _, err := Outputs(context.Background(), ".", "dev"); !errors.Is(err, ErrNoCLI) {
		t.Errorf("Outputs without pulumi: got %v, want ErrNoCLI", err)
	}
}

func TestSecretsProvider(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		backend string
		want    string
		err     string
	}{
		{"KMS key", map[string]string{"LAB_SECRETS_PROVIDER": "awskms://alias/pulumi-secrets?region=us-east-1"}, "s3://state",
			"awskms://alias/pulumi-secrets?region=us-east-1", ""},
		{"passphrase", map[string]string{"LAB_SECRETS_PROVIDER": "passphrase"}, "s3://state", "passphrase", ""},
		{"none outside CI", nil, "s3://state", "", ""},
		{"none in CI on Pulumi Cloud", map[string]string{"CI": "true"}, CloudBackendURL, "", ""},
		// A passphrase in CI would have to reach every job, the pull
		// request's preview too: a self-managed backend needs a key there.
		{"passphrase in CI", map[string]string{"CI": "true", "PULUMI_CONFIG_PASSPHRASE": "s3cret"}, "s3://state", "", "set LAB_SECRETS_PROVIDER to a key"},
		{"none in CI on S3", map[string]string{"CI": "true"}, "s3://state", "", "no secrets provider"},
		{"unknown", map[string]string{"LAB_SECRETS_PROVIDER": "vault://x"}, "s3://state", "", `LAB_SECRETS_PROVIDER="vault://x": accepted passphrase, default`},
		{"scheme alone", map[string]string{"LAB_SECRETS_PROVIDER": "awskms://"}, "s3://state", "", "accepted"},
		{"passphrase provider in CI", map[string]string{"CI": "true", "LAB_SECRETS_PROVIDER": "passphrase", "PULUMI_CONFIG_PASSPHRASE": "s3cret"}, "s3://state", "", "LAB_SECRETS_PROVIDER=passphrase: in CI"},
		{"default in CI off Pulumi Cloud", map[string]string{"CI": "true", "LAB_SECRETS_PROVIDER": "default"}, "s3://state", "", "LAB_SECRETS_PROVIDER=default: in CI"},
		{"default on Pulumi Cloud", map[string]string{"CI": "true", "LAB_SECRETS_PROVIDER": "default"}, CloudBackendURL, "default", ""},
		{"KMS in CI without a passphrase", map[string]string{"CI": "true", "LAB_SECRETS_PROVIDER": "awskms://alias/x"}, "s3://state", "awskms://alias/x", ""},
	} {
		got, err := SecretsProvider(func(k string) string { return tc.env[k] }, tc.backend)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.err)
		case got != tc.want:
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
