package policyeval

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/testing/jsonfile"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// openEndpoint writes a copy of the plan at path whose S3 gateway endpoint
// has AWS's default policy (full access) instead of the lab's: the policy
// change that opens the paths the lab's endpoint policy closes.
func openEndpoint(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rs []map[string]any
	if err := json.Unmarshal(data, &rs); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rs {
		if strings.HasSuffix(r["urn"].(string), "::"+nameEndpoint) {
			r["inputs"].(map[string]any)["policy"] = defaultEndpointPolicy.Policy
			found = true
		}
	}
	if !found {
		t.Fatalf("%s: no %s", path, nameEndpoint)
	}
	return jsonfile.Write(t, "plan-opened.json", rs)
}

// TestDiffFlagsAnOpenedPath: replacing the lab's endpoint policy by AWS's
// default one lets the lab function read a bucket the endpoint refused;
// Diff lists that row, newly allowed, before any other change.
func TestDiffFlagsAnOpenedPath(t *testing.T) {
	root := repo.Root(t)
	requireEvaluator(t, root)
	basePath := filepath.Join(root, "testdata", "plan-dev.json")
	base, err := Decisions(root, basePath)
	if err != nil {
		t.Fatal(err)
	}
	head, err := Decisions(root, openEndpoint(t, basePath))
	if err != nil {
		t.Fatal(err)
	}
	if same := Diff(base, base); len(same) != 0 {
		t.Errorf("got %v comparing a plan with itself, want no change", same)
	}
	changes := Diff(base, head)
	var lines []string
	for _, c := range changes {
		lines = append(lines, c.String())
	}
	t.Logf("changes:\n%s", strings.Join(lines, "\n"))
	if len(changes) == 0 || !changes[0].NewlyAllowed {
		t.Fatalf("got %v, want a newly allowed row first", lines)
	}
	if i := slices.IndexFunc(changes, func(c Change) bool { return !c.NewlyAllowed }); i >= 0 &&
		slices.ContainsFunc(changes[i:], func(c Change) bool { return c.NewlyAllowed }) {
		t.Errorf("got %v, want every newly allowed row before the others", lines)
	}
	want := []string{
		"function cannot list the denied probe bucket through the endpoint although its role may: denied (implicitly) → ALLOWED",
		"another principal cannot use the endpoint to read the bucket: denied (implicitly) → ALLOWED",
		"another principal cannot use the endpoint to list the bucket: denied (implicitly) → ALLOWED",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
