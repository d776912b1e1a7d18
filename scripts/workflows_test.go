package scripts

import (
	"cmp"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// workflow is what the tests read of a GitHub Actions workflow: each
// step's action, inputs, env and script, and the env each step sees.
type workflow struct {
	// File is the workflow's file name, Doc its YAML as parsed.
	File string            `yaml:"-"`
	Doc  yaml.Node         `yaml:"-"`
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		Env   map[string]string `yaml:"env"`
		Steps []struct {
			Name string            `yaml:"name"`
			Uses yaml.Node         `yaml:"uses"` // a Node: its line
			With map[string]string `yaml:"with"`
			Env  map[string]string `yaml:"env"`
			Run  string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// readWorkflows parses every workflow under root/.github/workflows.
func readWorkflows(t *testing.T, root string) []workflow {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	var wfs []workflow
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		wf := workflow{File: filepath.Base(f)}
		if err := yaml.Unmarshal(data, &wf.Doc); err != nil {
			t.Fatalf("%s: %v", wf.File, err)
		}
		if err := wf.Doc.Decode(&wf); err != nil {
			t.Fatalf("%s: %v", wf.File, err)
		}
		wfs = append(wfs, wf)
	}
	return wfs
}

// TestWorkflowsArePinned: every action a workflow uses is pinned by a full
// commit SHA with its tag in a comment, and every workflow that installs the
// Pulumi CLI pins it to the SDK version go.mod requires, so that the CLI
// cannot float while the SDK is pinned.
func TestWorkflowsArePinned(t *testing.T) {
	gomod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/pulumi/pulumi/sdk/v3 v(\S+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod does not require github.com/pulumi/pulumi/sdk/v3")
	}
	sdk := string(m[1])
	pinned := regexp.MustCompile(`^[\w.-]+/[\w.-]+@[0-9a-f]{40}$`)
	tagComment := regexp.MustCompile(`^\s*#\s*v\d+\.\d+\.\d+\s*$`)
	for _, wf := range readWorkflows(t, "..") {
		name := wf.File
		// uses: at any depth: a step's action, a job's reusable workflow.
		for _, u := range uses(&wf.Doc) {
			if !pinned.MatchString(u.Value) || !tagComment.MatchString(u.LineComment) {
				t.Errorf("%s:%d: uses %s %s; want owner/repo@<40-hex commit SHA> # vX.Y.Z", name, u.Line, u.Value, u.LineComment)
			}
		}
		// Each step that installs the Pulumi CLI names its version: the
		// SDK's, or ${{ env.PULUMI_VERSION }} with the PULUMI_VERSION the
		// step sees (its own env, its job's, the workflow's) the SDK's.
		for _, job := range wf.Jobs {
			for _, step := range job.Steps {
				if !strings.HasPrefix(step.Uses.Value, "pulumi/actions@") {
					continue
				}
				switch version := step.With["pulumi-version"]; version {
				case "":
					t.Errorf("%s:%d installs the Pulumi CLI without pulumi-version", name, step.Uses.Line)
				case "${{ env.PULUMI_VERSION }}":
					if env := cmp.Or(step.Env["PULUMI_VERSION"], job.Env["PULUMI_VERSION"], wf.Env["PULUMI_VERSION"]); env != sdk {
						t.Errorf("%s:%d: PULUMI_VERSION is %q; want the SDK's %s (go.mod)", name, step.Uses.Line, env, sdk)
					}
				case sdk:
				default:
					t.Errorf("%s:%d pins the Pulumi CLI to %s; want the SDK's %s (go.mod)", name, step.Uses.Line, version, sdk)
				}
			}
		}
	}
}

// uses returns the values of the uses: keys in n and below.
func uses(n *yaml.Node) []*yaml.Node {
	var found []*yaml.Node
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "uses" {
				found = append(found, n.Content[i+1])
			}
		}
	}
	for _, c := range n.Content {
		found = append(found, uses(c)...)
	}
	return found
}
