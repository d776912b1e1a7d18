package pulumicli

import (
	"context"
	"errors"
	"testing"
)

func TestEnv(t *testing.T) {
	t.Setenv("PULUMI_BACKEND_URL", "")
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "")
	if got := Env("")["PULUMI_BACKEND_URL"]; got != DefaultBackendURL {
		t.Errorf("default backend: got %q, want %q", got, DefaultBackendURL)
	}
	t.Setenv("PULUMI_BACKEND_URL", "s3://team-state")
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "pw")
	env := Env("")
	if env["PULUMI_BACKEND_URL"] != "s3://team-state" || env["PULUMI_CONFIG_PASSPHRASE"] != "pw" {
		t.Errorf("environment not honoured: %v", env)
	}
	if got := Env("file:///tmp/x")["PULUMI_BACKEND_URL"]; got != "file:///tmp/x" {
		t.Errorf("explicit backend: got %q", got)
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
