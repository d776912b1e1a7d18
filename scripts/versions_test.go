package scripts

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// pin is one place that names the Pulumi version.
type pin struct {
	file, what, version string
}

// pulumiPins returns every place of the repository (root ..) that pins the
// Pulumi version: the sdk/v3 and pkg/v3 requirements of every go.mod (and the
// pkg/v3 version a go.mod copied its replace directives from), the
// PULUMI_VERSION and pulumi-version of every workflow, scripts/tools.sh's
// PULUMI_VERSION (the CLI the tests run) and pulumitest.Version. Versions are
// given without their leading v.
func pulumiPins(t *testing.T, root string) []pin {
	t.Helper()
	var pins []pin
	add := func(path, what, version string) {
		rel, err := filepath.Rel(root, path)
		if err != nil {
			t.Fatal(err)
		}
		pins = append(pins, pin{filepath.ToSlash(rel), what, strings.TrimPrefix(version, "v")})
	}
	find := func(path string, re *regexp.Regexp, what func(m []string) string) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			add(path, what(m), m[len(m)-1])
		}
	}

	require := regexp.MustCompile(`(?m)^\s*(?:require\s+)?(github\.com/pulumi/pulumi/(?:sdk|pkg)/v3)\s+(v\S+)`)
	copied := regexp.MustCompile(`github\.com/pulumi/pulumi/pkg/v3@(v\d+\.\d+\.\d+)'s go\.mod`)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.Name() == "go.mod" {
			find(path, require, func(m []string) string { return m[1] })
			find(path, copied, func([]string) string { return "replace directives copied from pkg/v3" })
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	workflows, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	if err != nil || len(workflows) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	setting := regexp.MustCompile(`(?m)^\s*(PULUMI_VERSION|pulumi-version):\s*['"]?([^\s'"]+)`)
	for _, f := range workflows {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range setting.FindAllStringSubmatch(string(data), -1) {
			if m[2] == "${{" { // ${{ env.PULUMI_VERSION }}: the workflow's PULUMI_VERSION, a pin of its own
				continue
			}
			add(f, m[1], m[2])
		}
	}
	find(filepath.Join(root, "scripts", "tools.sh"), regexp.MustCompile(`(?m)^PULUMI_VERSION=(\S+)`),
		func([]string) string { return "PULUMI_VERSION (the CLI the tests run)" })
	find(filepath.Join(root, "internal", "testing", "pulumitest", "pulumitest.go"), regexp.MustCompile(`(?m)^const Version = "(\S+)"`),
		func([]string) string { return "Version" })
	// What a user is told to install: the README's prerequisites and the
	// commands' advice when pulumi is missing.
	find(filepath.Join(root, "README.md"), regexp.MustCompile(`get\.pulumi\.com \| sh -s -- --version ([0-9][0-9.]*[0-9])`),
		func([]string) string { return "the install command" })
	find(filepath.Join(root, "internal", "ops", "pulumicli", "pulumicli.go"), regexp.MustCompile(`(?m)^const Version = "(\S+)"`),
		func([]string) string { return "Version (the install command the commands advise)" })
	return pins
}

// TestOnePulumiVersion: the SDK in every go.mod, the engine (pkg/v3) the
// offline review runs and the CLI is built from, the CLI the tests run and
// the CLI every workflow installs are one Pulumi version, so that what the
// tests check of the CLI is what the workflows run and what the program was
// built against.
func TestOnePulumiVersion(t *testing.T) {
	pins := pulumiPins(t, "..")
	for _, want := range []pin{
		{"go.mod", "github.com/pulumi/pulumi/sdk/v3", ""},
		{"tools/preview/go.mod", "github.com/pulumi/pulumi/sdk/v3", ""},
		{"tools/preview/go.mod", "github.com/pulumi/pulumi/pkg/v3", ""},
		{"tools/preview/go.mod", "replace directives copied from pkg/v3", ""},
		{"scripts/tools.sh", "PULUMI_VERSION (the CLI the tests run)", ""},
		{"internal/testing/pulumitest/pulumitest.go", "Version", ""},
		{"README.md", "the install command", ""},
		{"internal/ops/pulumicli/pulumicli.go", "Version (the install command the commands advise)", ""},
	} {
		if !slices.ContainsFunc(pins, func(p pin) bool { return p.file == want.file && p.what == want.what }) {
			t.Errorf("%s: no %s found: this test no longer reads that pin", want.file, want.what)
		}
	}
	if !slices.ContainsFunc(pins, func(p pin) bool { return strings.HasPrefix(p.file, ".github/workflows/") }) {
		t.Error("no workflow pins the Pulumi CLI: this test no longer reads the workflows' pins")
	}

	// The version most pins name; every other one is reported.
	count := map[string]int{}
	for _, p := range pins {
		count[p.version]++
	}
	want := ""
	for v, n := range count {
		if want == "" || n > count[want] || (n == count[want] && v > want) {
			want = v
		}
	}
	for _, p := range pins {
		if p.version != want {
			t.Errorf("%s: %s is %s; the other Pulumi pins are %s (one version everywhere: go.mod files, workflows, scripts/tools.sh)",
				p.file, p.what, p.version, want)
		}
	}
	if t.Failed() {
		for _, p := range pins {
			t.Logf("%s: %s %s", p.file, p.what, p.version)
		}
	}
}

// TestSharedBuild: every module that both the root module and tools/preview
// require is required at the same version in both, so that the program's
// packages, which the offline review imports, and their dependencies compile
// to the same build-cache entries in both modules (each go.mod, tidy, lists
// every module that provides a package of its build).
func TestSharedBuild(t *testing.T) {
	requires := func(path string) map[string]string {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		mods := map[string]string{}
		line := regexp.MustCompile(`^(?:require\s+)?([\w.~/-]+)\s+(v\S+)(?:\s+//.*)?$`)
		inRequire := false
		for _, l := range strings.Split(string(data), "\n") {
			l = strings.TrimSpace(l)
			switch {
			case l == "require (":
				inRequire = true
			case l == ")":
				inRequire = false
			case inRequire || strings.HasPrefix(l, "require "):
				if m := line.FindStringSubmatch(l); m != nil {
					mods[m[1]] = m[2]
				}
			}
		}
		if len(mods) == 0 {
			t.Fatalf("%s requires nothing", path)
		}
		return mods
	}
	root := requires(filepath.Join("..", "go.mod"))
	preview := requires(filepath.Join("..", "tools", "preview", "go.mod"))
	shared := 0
	for mod, v := range root {
		if pv, ok := preview[mod]; ok {
			shared++
			if pv != v {
				t.Errorf("%s: go.mod requires %s, tools/preview/go.mod %s: the program's packages would be compiled twice (go get %s@%s in the root module)",
					mod, v, pv, mod, pv)
			}
		}
	}
	if shared < 10 {
		t.Errorf("only %d modules are required by both go.mod files: this test no longer reads them", shared)
	}
}
