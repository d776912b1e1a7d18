package offline

import (
	"errors"
	"maps"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/proof/labplan"

	"github.com/platformlab/s3-gateway-lab/internal/program/labstack"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// TestOfflinePlanReadsConfigAsTheEngine: for every scenario stack, the
// offline plan's configuration (labstack.StackConfig, which cannot import
// pkg/v3) is the one the engine's ValidateStackConfigAndApplyProjectConfig
// gives.
func TestOfflinePlanReadsConfigAsTheEngine(t *testing.T) {
	root := repo.Root(t)
	for _, stack := range labplan.Scenarios {
		t.Run(stack, func(t *testing.T) {
			want, err := EngineConfig(root, stack)
			if err != nil {
				t.Fatal(err)
			}
			got, err := labstack.StackConfig(root, stack)
			var problems labstack.FileProblems
			if err != nil && !errors.As(err, &problems) {
				t.Fatal(err)
			}
			if !maps.Equal(got, want) {
				for k := range maps.Keys(want) {
					if got[k] != want[k] {
						t.Errorf("%s: got %q, want the engine's %q", k, got[k], want[k])
					}
				}
				for k := range maps.Keys(got) {
					if _, ok := want[k]; !ok {
						t.Errorf("%s: got %q, which the engine does not pass", k, got[k])
					}
				}
			}
		})
	}
	if _, err := EngineConfig(root, "no-such-stack"); err == nil {
		t.Error("got no error for a missing stack file")
	}
}
