// Package jsonfile writes the JSON inputs of the tests: a value marshalled
// into a file of the test's temporary directory, for commands and functions
// that read their input from a path.
package jsonfile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Write marshals v into the file name of a temporary directory of t, and
// returns the file's path; it stops t when v cannot be marshalled or
// written.
func Write(t testing.TB, name string, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
