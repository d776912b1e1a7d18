package policyeval

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// requireEvaluator skips (or, with CI set, fails) when node or the evaluator's
// node_modules is missing, and returns the version pinned in package.json.
func requireEvaluator(t *testing.T, root string) string {
	t.Helper()
	v, err := evaluatorVersion(root)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return v
}

// planPaths lists the committed golden plans plus any named in POLICYEVAL_PLANS.
func planPaths(t *testing.T, root string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(root, "testdata", "plan-*.json"))
	if err != nil {
		t.Fatalf("glob plans: %v", err)
	}
	for _, p := range filepath.SplitList(os.Getenv("POLICYEVAL_PLANS")) {
		if p != "" {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		t.Fatal("no golden plans in testdata/plan-*.json")
	}
	return paths
}

// loadLabs loads and resolves every plan.
func loadLabs(t *testing.T, root string) []*lab {
	t.Helper()
	var labs []*lab
	for _, path := range planPaths(t, root) {
		p, err := loadPlan(path)
		if err != nil {
			t.Fatal(err)
		}
		l, err := newLab(p)
		if err != nil {
			t.Fatalf("%s: %v", p.label(), err)
		}
		labs = append(labs, l)
	}
	return labs
}

// runCases evaluates cs in one evaluator run and returns each case's combined verdict.
func runCases(t *testing.T, root, pinned string, l *lab, cs []matrixCase) map[string]verdict {
	t.Helper()
	out, err := verdicts(root, pinned, l, cs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPolicyMatrix(t *testing.T) {
	root := repo.Root(t)
	pinned := requireEvaluator(t, root)
	for _, l := range loadLabs(t, root) {
		t.Run(l.plan.label(), func(t *testing.T) {
			cs := cases(l)
			verdicts := runCases(t, root, pinned, l, cs)
			for _, c := range cs {
				t.Run(c.name, func(t *testing.T) {
					if c.skip != "" {
						t.Skip(c.skip)
					}
					v := verdicts[c.name]
					if c.evaluatorLimit != "" && len(v.Grants) == 0 && len(v.Denials) == 0 {
						t.Skipf("the evaluator cannot judge this claim (it answered %s with no reason): %s", v.Result, c.evaluatorLimit)
					}
					if ok, why := check(c, v); !ok {
						t.Errorf("%s: %s: %s %s on %v\nevaluator: %s",
							c.name, why, c.who.principalARN, c.action, c.resources, v.explain())
					}
				})
			}
		})
	}
}
