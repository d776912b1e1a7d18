package ephemeral

// This test runs the Automation API wiring's create and remove phases with
// the real Pulumi CLI (tools/bin/pulumi) on a file:// backend: they need no
// engine. Up and destroy of the lab need the Go language host and the AWS
// provider, which are not built here.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/program/labstack"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
	"github.com/platformlab/s3-gateway-lab/internal/testing/pulumitest"
)

// TestCreateTagsTheStackWithItsExpiry: an ephemeral stack carries its expiry
// as the stack tag the reaper reads and as the expiresAt setting, both now +
// TTL, the repository that created it as the stack tag lab:created-by, and
// the account it was created in as its aws:allowedAccountIds; remove deletes
// it.
func TestCreateTagsTheStackWithItsExpiry(t *testing.T) {
	b := pulumitest.NewBackend(t)
	pulumitest.OutsideCI(t)
	root := pulumitest.Project(t, "s3-gateway-lab")
	t.Setenv("PATH", filepath.Dir(b.Bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("PULUMI_HOME", b.Home)
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", pulumitest.Passphrase)
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	ops := Automation(Settings{Root: root, BackendURL: b.URL, Region: "eu-west-1", TTL: 2 * time.Hour,
		Config: map[string]string{"azCount": "3"}, Account: "111122223333", Owner: "github.com/platform/s3-gateway-lab",
		Admins: []string{"arn:aws:iam::111122223333:role/jane", "arn:aws:iam::111122223333:role/s3-gateway-lab-ci-review"}}, now, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := ops.Create(ctx, "eph-20261130-100000-abcd"); err != nil {
		t.Fatal(err)
	}
	tags := b.MustRun(t, root, "stack", "tag", "ls", "--json", "--stack", "eph-20261130-100000-abcd")
	for _, want := range []string{`"lab:expires-at": "2026-11-30T12:00:00Z"`, `"lab:created-by": "github.com/platform/s3-gateway-lab"`} {
		if !strings.Contains(tags, want) {
			t.Errorf("stack tags: %s; want %s", tags, want)
		}
	}
	// The caller and the reaper's role as admins, a list.
	if got := strings.TrimSpace(b.MustRun(t, root, "config", "get", "s3-gateway-lab:adminPrincipalArns", "--stack", "eph-20261130-100000-abcd")); got != `["arn:aws:iam::111122223333:role/jane","arn:aws:iam::111122223333:role/s3-gateway-lab-ci-review"]` {
		t.Errorf("adminPrincipalArns: got %s, want the caller and the reaper's role", got)
	}
	// The account pin, as the offline plan (and the provider) read it.
	pinned := b.MustRun(t, root, "config", "get", "aws:allowedAccountIds", "--stack", "eph-20261130-100000-abcd")
	if got := labstack.PinnedAccount(map[string]string{settings.AWSAllowedAccountIDs: strings.TrimSpace(pinned)}); got != "111122223333" {
		t.Errorf("aws:allowedAccountIds is %q: pins %q, want 111122223333", pinned, got)
	}
	cfg := b.MustRun(t, root, "config", "--json", "--stack", "eph-20261130-100000-abcd")
	for _, want := range []string{`"s3-gateway-lab:expiresAt"`, `"2026-11-30T12:00:00Z"`, `"eu-west-1"`, `"s3-gateway-lab:azCount"`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("stack config does not contain %s:\n%s", want, cfg)
		}
	}
	if err := ops.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	if out := b.MustRun(t, root, "stack", "ls", "--json"); strings.Contains(out, "eph-") {
		t.Errorf("stack still listed after remove: %s", out)
	}
}
