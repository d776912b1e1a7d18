// Package repo finds the repository's root for the tests: the directory of
// the lab's go.mod (module github.com/platformlab/s3-gateway-lab), above the
// working directory of any package, the nested modules' under tools/ too.
package repo

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Module is the lab's module path.
const Module = "github.com/platformlab/s3-gateway-lab"

// Root returns the repository's root, or fails t.
func Root(t testing.TB) string {
	t.Helper()
	root, err := Find()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// Find walks up from the working directory to the directory whose go.mod
// declares Module.
func Find() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if module(filepath.Join(dir, "go.mod")) == Module {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repo: no go.mod of module " + Module + " above the working directory")
		}
		dir = parent
	}
}

// module returns the module path a go.mod declares, or "".
func module(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if m, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(m), `"`)
		}
	}
	return ""
}
