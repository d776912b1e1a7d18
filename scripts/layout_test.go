package scripts

import (
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// Layers of the lab's module, from the bottom: a package may import its own
// layer and the layers its rule names, never one above. The README's layout
// section is this table in prose.
//
//	contract   lambda/...: the handler and the contract it shares
//	program    components, internal/program/...: what `pulumi up` runs
//	exitcode   internal/exitcode: the commands' exit codes
//	proof      internal/proof/...: what checks the program and the lab
//	ops        internal/ops/...: what runs around stacks (the Pulumi CLI, AWS)
//	cmd        cmd/... and the program's main: thin commands
//	testing    internal/testing/...: harnesses, for test files only
var layerImports = map[string][]string{
	"contract": {"contract"},
	"program":  {"contract", "program"},
	"exitcode": {},
	// The proof reads the program and the contract; it runs nothing
	// around stacks, so it never imports the operations.
	"proof": {"contract", "program", "exitcode", "proof"},
	"ops":   {"contract", "program", "exitcode", "proof", "ops"},
	// A command never imports another command.
	"cmd":     {"contract", "program", "exitcode", "proof", "ops"},
	"testing": {"contract", "program", "exitcode", "proof", "ops", "testing"},
	// scripts holds only the repository's tests, which read any layer.
	"scripts": {"contract", "program", "exitcode", "proof", "ops"},
}

// layerOf names the layer of the package in dir (relative to the root, with
// slashes), or "" for a directory outside the module's layers.
func layerOf(dir string) string {
	switch {
	case dir == "lambda" || strings.HasPrefix(dir, "lambda/"):
		return "contract"
	case dir == "components" || strings.HasPrefix(dir, "internal/program/"):
		return "program"
	case dir == "internal/exitcode":
		return "exitcode"
	case strings.HasPrefix(dir, "internal/proof/"):
		return "proof"
	case strings.HasPrefix(dir, "internal/ops/"):
		return "ops"
	case dir == "." || strings.HasPrefix(dir, "cmd/"):
		return "cmd"
	case strings.HasPrefix(dir, "internal/testing/"):
		return "testing"
	case dir == "scripts":
		return "scripts"
	}
	return ""
}

// TestNothingImportsUpward reads every Go file of the module (not the
// nested modules under tools/) and checks each import of the module's own
// packages against layerImports: in the packages' code, the program never
// imports the proof or the operations, the proof never the operations;
// nothing imports a command, and only test files (and the harnesses) import
// the test harnesses. Test files may import any layer but the commands. A package in no layer fails
// too, so a new directory gets its place here and in the README.
func TestNothingImportsUpward(t *testing.T) {
	root := repo.Root(t)
	fset := token.NewFileSet()
	var problems []string
	for _, rel := range moduleGoFiles(t, root) {
		dir := path.Dir(rel)
		layer := layerOf(dir)
		if layer == "" {
			problems = append(problems, dir+": a package in no layer (add it to layerOf and the README's layout)")
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(root, rel), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		isTest := strings.HasSuffix(rel, "_test.go")
		for _, spec := range f.Imports {
			imp, _ := strconv.Unquote(spec.Path.Value)
			if imp != repo.Module && !strings.HasPrefix(imp, repo.Module+"/") {
				continue
			}
			target := strings.TrimPrefix(strings.TrimPrefix(imp, repo.Module), "/")
			if target == "" {
				target = "."
			}
			to := layerOf(target)
			switch {
			case to == "testing" && (isTest || layer == "testing"):
				// Any test may use the harnesses, and they one another.
			case to == "testing":
				problems = append(problems, rel+" imports "+target+": only test files import the test harnesses")
			case layer == "cmd" && to == "cmd" && target != dir:
				problems = append(problems, rel+" imports "+target+": a command imports no other command")
			case target == dir:
				// An external test package of its own package.
			case isTest && to != "cmd":
				// A test may drive any lower or sibling layer: the
				// component's tests plan on offlineplan's mock monitor,
				// cijobs runs the operations as CI's jobs do.
			case !slices.Contains(layerImports[layer], to):
				problems = append(problems, rel+" ("+layer+") imports "+target+" ("+to+"): upward")
			}
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// TestReadmeLayoutIsTheTree: every package directory of the module is named
// in the README's layout table (itself, or under a row's dir/*), and every
// path the table names exists.
func TestReadmeLayoutIsTheTree(t *testing.T) {
	root := repo.Root(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, layout, ok := strings.Cut(string(readme), "\n## Layout\n")
	if !ok {
		t.Fatal("README.md has no '## Layout' section")
	}
	layout, _, _ = strings.Cut(layout, "\n## ")
	named := map[string]bool{}
	for _, line := range strings.Split(layout, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cell, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " | ")
		for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(cell, -1) {
			named[strings.TrimSuffix(m[1], "/")] = true
		}
	}
	for p := range named {
		if strings.ContainsAny(p, "*{") {
			continue // a pattern: cmd/*, Pulumi.{dev,...}.yaml
		}
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("README's layout names %s, which does not exist", p)
		}
	}
	dirs := map[string]bool{}
	for _, rel := range moduleGoFiles(t, root) {
		if dir := path.Dir(rel); dir != "." {
			dirs[dir] = true
		}
	}
	for _, rel := range slices.Sorted(maps.Keys(dirs)) {
		// Named itself, or under a row's dir/* (cmd/*, internal/testing/*).
		if named[rel] {
			continue
		}
		under := false
		for p := path.Dir(rel); p != "." && !under; p = path.Dir(p) {
			under = named[p+"/*"]
		}
		if !under {
			t.Errorf("package %s is not in the README's layout table", rel)
		}
	}
}

// moduleGoFiles returns the Go files of the lab's module, relative to root
// with slashes: not the nested modules under tools/, nor testdata, hidden
// directories, node_modules or bin/.
func moduleGoFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules" || rel == "tools" || rel == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(rel, ".go") {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
