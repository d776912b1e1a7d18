// Package calltest keeps, for the tests, what AWS calls each of the
// project's commands makes: the tests that run a command against moto or the
// fake AWS endpoint log its calls (internal/ops/awsclient), and Check compares
// them, as IAM authorizes them, with testdata/calls/<command>.json, which
// the policy evaluator's test of the CI roles reads (internal/proof/policyeval).
// A command that starts to make a new call changes the file, and the roles
// whose jobs run it must then allow it.
package calltest

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/ops/awsclient"
)

var update = flag.Bool("update-calls", false, "rewrite testdata/calls/<command>.json from the calls the tests log")

// Account is the account ID the recorded resources are written in.
const Account = "123456789012"

// File is testdata/calls/<command>.json.
type File struct {
	Command string `json:"command"`
	// RecordedBy names the test that logs the calls.
	RecordedBy string `json:"recordedBy"`
	// Placeholders stand for names that differ from stack to stack.
	Placeholders map[string]string   `json:"placeholders,omitempty"`
	Calls        []awsclient.Request `json:"calls"`
}

// Path is the file of command under the repository root.
func Path(root, command string) string {
	return filepath.Join(root, "testdata", "calls", command+".json")
}

// Read reads the calls of command.
func Read(root, command string) (*File, error) {
	data, err := os.ReadFile(Path(root, command))
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// Check compares the calls logged for command with its file (or with
// -update-calls rewrites it). names maps the stack's names in the log to
// their placeholders, with what each stands for in placeholders.
func Check(t *testing.T, root, command, recordedBy string, log *awsclient.CallLog, names, placeholders map[string]string) {
	t.Helper()
	reqs, err := log.Requests("aws", Account, names)
	if err != nil {
		t.Fatal(err)
	}
	want := File{Command: command, RecordedBy: recordedBy, Placeholders: placeholders, Calls: reqs}
	data, err := json.MarshalIndent(want, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	path := Path(root, command)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || string(got) != string(data) {
		t.Errorf("%s does not hold the calls %s makes now:\n%s\nrun the test with -update-calls, review the diff, and let the CI roles' policies follow (scripts/generate.sh rewrites the calls and the policies in order)", path, command, data)
	} else if err != nil {
		t.Fatal(err)
	}
}
