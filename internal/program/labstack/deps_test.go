package labstack

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// TestProgramBuildsOnlyWhatItRuns: the Pulumi program shares the handler's
// contract (environment names, probes, limits) through lambda/contract,
// which imports nothing, so it does not compile the AWS SDK for Go that only
// the function runs.
func TestProgramBuildsOnlyWhatItRuns(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", ".")
	cmd.Dir = repo.Root(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	var sdk []string
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2") || strings.HasPrefix(pkg, "github.com/aws/aws-lambda-go") ||
			pkg == "github.com/platformlab/s3-gateway-lab/lambda/handler" {
			sdk = append(sdk, pkg)
		}
	}
	if len(sdk) > 0 {
		t.Errorf("the program compiles %d packages only the function needs, such as %v", len(sdk), sdk[:min(3, len(sdk))])
	}
	if !strings.Contains(string(out), "github.com/platformlab/s3-gateway-lab/lambda/contract") {
		t.Error("the program does not use lambda/contract")
	}
}
