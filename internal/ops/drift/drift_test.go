package drift

// The preview half runs the real Pulumi CLI (tools/bin/pulumi). Its engine
// cannot preview the lab's program here: no Go language host and no AWS
// provider plugin are built or served, so a real preview ends in "could not
// run", and the drifted case uses a stand-in CLI that answers as the real one
// does when --expect-no-changes finds changes (its message is checked against
// the real binary). Here the verifier is a stand-in that exits with a given
// code; cmd/drift's binary test runs the real one against a fake AWS
// endpoint.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/pulumicli"
	"github.com/platformlab/s3-gateway-lab/internal/testing/pulumitest"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		preview PreviewOutcome
		verify  exitcode.Code
		want    exitcode.Code
	}{
		{NoChanges, exitcode.OK, exitcode.OK},
		{NoChanges, exitcode.ClaimFailed, exitcode.ClaimFailed},
		{NoChanges, exitcode.CouldNotRun, exitcode.CouldNotRun},
		{NoChanges, exitcode.Incomplete, exitcode.Incomplete},
		{Drifted, exitcode.OK, exitcode.Drifted},
		{Drifted, exitcode.CouldNotRun, exitcode.Drifted},
		{Drifted, exitcode.Incomplete, exitcode.Drifted},
		{Drifted, exitcode.ClaimFailed, exitcode.DriftedAndFailed},
		{PreviewError, exitcode.OK, exitcode.CouldNotRun},
		{PreviewError, exitcode.ClaimFailed, exitcode.ClaimFailed},
		{PreviewError, exitcode.Incomplete, exitcode.CouldNotRun},
		{NoChanges, 130, exitcode.CouldNotRun},
	}
	seen := map[exitcode.Code]bool{}
	for _, tt := range tests {
		got := Result{Preview: tt.preview, VerifyCode: tt.verify}.ExitCode()
		if got != tt.want {
			t.Errorf("preview %s, verify %d: got %d, want %d", tt.preview, tt.verify, got, tt.want)
		}
		seen[got] = true
	}
	for _, code := range exitcode.Claims.Commands["drift"] {
		if !seen[code] {
			t.Errorf("exit code %d is never produced", code)
		}
	}
}

// TestChangesProposedIsTheCLIsMessage: the text the checker takes as drift
// is what the pinned CLI prints for --expect-no-changes.
func TestChangesProposedIsTheCLIsMessage(t *testing.T) {
	data, err := os.ReadFile(pulumitest.Binary(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(changesProposed)) {
		t.Fatalf("the Pulumi CLI %s has no message %q", pulumitest.Version, changesProposed)
	}
}

// fakePulumiDrifted answers preview as the real CLI does when the refreshed
// state differs from the program.
const fakePulumiDrifted = `#!/bin/sh
if [ "$1" = preview ]; then
  echo "Previewing update (dev):"
  echo "  ~ aws:ec2/routeTable:RouteTable lab-rt-0 update [diff: ~routes]"
  echo "error: no changes were expected but changes were proposed"
  exit 255
fi
exit 1
`

// TestCheck: the preview's outcome comes from the real CLI (which cannot run
// the program here) or the drifted stand-in; the verifier's exit code and
// arguments (-stack, -root after the given flags) reach the result.
func TestCheck(t *testing.T) {
	b := pulumitest.NewBackend(t)
	root := pulumitest.Project(t, "s3-gateway-lab")
	b.MustRun(t, root, "stack", "init", "dev", "--non-interactive")
	dir := t.TempDir()
	drifted := filepath.Join(dir, "pulumi")
	if err := os.WriteFile(drifted, []byte(fakePulumiDrifted), 0o755); err != nil {
		t.Fatal(err)
	}
	verifyStandIn := filepath.Join(dir, "verify")
	if err := os.WriteFile(verifyStandIn, []byte("#!/bin/sh\necho \"verify $*\"\nexit \"$VERIFY_CODE\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		pulumi      string
		verifyCode  exitcode.Code
		wantPreview PreviewOutcome
		wantCode    exitcode.Code
	}{
		{"the real CLI cannot preview here, the claims hold", b.Bin, exitcode.OK, PreviewError, exitcode.CouldNotRun},
		{"the real CLI cannot preview here, a claim fails", b.Bin, exitcode.ClaimFailed, PreviewError, exitcode.ClaimFailed},
		{"drifted, the claims hold", drifted, exitcode.OK, Drifted, exitcode.Drifted},
		{"drifted, a claim fails", drifted, exitcode.ClaimFailed, Drifted, exitcode.DriftedAndFailed},
		{"drifted, incomplete", drifted, exitcode.Incomplete, Drifted, exitcode.Drifted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Checker{CLI: &pulumicli.CLI{Bin: tt.pulumi, Dir: root, Env: b.Env(fmt.Sprintf("VERIFY_CODE=%d", tt.verifyCode))},
				Verify: []string{verifyStandIn, "-retry-for", "0"}}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res := c.Check(ctx, "dev")
			t.Logf("%s", res.Summary())
			if res.Preview != tt.wantPreview {
				t.Errorf("preview: got %s, want %s\n%s", res.Preview, tt.wantPreview, res.PreviewOutput)
			}
			if tt.wantPreview == PreviewError && !strings.Contains(res.PreviewOutput, "pulumi-language-go") {
				t.Errorf("the real preview failed for another reason than the missing Go language host:\n%s", res.PreviewOutput)
			}
			if res.VerifyCode != tt.verifyCode {
				t.Errorf("verify code: got %d, want %d", res.VerifyCode, tt.verifyCode)
			}
			if want := "verify -retry-for 0 -stack dev -root " + root; !strings.Contains(res.VerifyOutput, want) {
				t.Errorf("verify ran as %q, want %q", strings.TrimSpace(res.VerifyOutput), want)
			}
			if got := res.ExitCode(); got != tt.wantCode {
				t.Errorf("exit code: got %d, want %d", got, tt.wantCode)
			}
		})
	}
}
