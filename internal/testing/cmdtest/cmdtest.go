// Package cmdtest gives the commands' testscript scripts
// (github.com/rogpeppe/go-internal/testscript; cmd/<name>/testdata/script)
// what they share. Each command's TestMain calls testscript.Main with the
// command's main, so a script runs the command as a process of its own: its
// exit code is what a caller (a workflow, a script) sees, and that code is
// the commands' interface.
package cmdtest

import (
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/platformlab/s3-gateway-lab/internal/testing/pulumitest"
)

// Main is a command package's TestMain: it registers the command's main
// under name, so that a script runs it as a process of its own, then runs
// the package's tests.
func Main(m *testing.M, name string, main func()) {
	testscript.Main(m, map[string]func(){name: main})
}

// Run runs command name's scripts with Params(name, setup...).
func Run(t *testing.T, name string, setup ...func(*testscript.Env) error) {
	t.Helper()
	testscript.Run(t, Params(name, setup...))
}

// Setenv returns a Setup that sets key to value in each script.
func Setenv(key, value string) func(*testscript.Env) error {
	return func(e *testscript.Env) error {
		e.Setenv(key, value)
		return nil
	}
}

// Params are the parameters of command name's scripts (testdata/script).
// Each script starts with
//
//   - BIN, the directory testscript.Main puts the commands in, and PATH
//     $BIN:/usr/bin:/bin (PATH=$BIN: no Pulumi CLI);
//   - AWS's shared config and credentials files a file that does not exist
//     and the instance metadata service off: a command sees only the
//     credentials a script gives it;
//
// then each of setup. The scripts have the command exits (Cmds; add a
// command of the caller's own to the copy in the Params).
func Params(name string, setup ...func(*testscript.Env) error) testscript.Params {
	return testscript.Params{
		Dir:  filepath.Join("testdata", "script"),
		Cmds: maps.Clone(Cmds),
		Setup: func(e *testscript.Env) error {
			bin, err := exec.LookPath(name)
			if err != nil {
				return err
			}
			e.Setenv("BIN", filepath.Dir(bin))
			e.Setenv("PATH", filepath.Dir(bin)+":/usr/bin:/bin")
			none := filepath.Join(e.WorkDir, ".none")
			e.Setenv("AWS_CONFIG_FILE", none)
			e.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
			e.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			for _, s := range setup {
				if err := s(e); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// Pulumi returns a Setup that gives a script the pinned Pulumi CLI
// (pulumitest.Binary: without it the test is skipped, and fails in CI) and a
// file:// state backend, b, or when b is nil one of the script's own in
// $WORK/.state: PATH $BIN:<the CLI's directory>:/usr/bin:/bin, the
// backend's Pulumi settings (pulumitest.Backend.Env), BACKEND its URL and
// REAL_PULUMI the CLI (for stand-ins that hand it what they do not fake).
func Pulumi(t testing.TB, b *pulumitest.Backend) func(*testscript.Env) error {
	t.Helper()
	cli := pulumitest.Binary(t)
	return func(e *testscript.Env) error {
		sb := b
		if sb == nil {
			sb = &pulumitest.Backend{Bin: cli, Dir: filepath.Join(e.WorkDir, ".state"), Home: filepath.Join(e.WorkDir, ".pulumi")}
			sb.URL = "file://" + sb.Dir
			for _, dir := range []string{sb.Dir, sb.Home} {
				if err := os.Mkdir(dir, 0o777); err != nil {
					return err
				}
			}
		}
		// Env drops the process's Pulumi settings and adds the
		// backend's: its PULUMI_ variables are the backend's.
		for _, kv := range sb.Env() {
			if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "PULUMI_") {
				e.Setenv(k, v)
			}
		}
		e.Setenv("PATH", e.Getenv("BIN")+":"+filepath.Dir(cli)+":/usr/bin:/bin")
		e.Setenv("BACKEND", sb.URL)
		e.Setenv("REAL_PULUMI", cli)
		return nil
	}
}

// Cmds are the script commands of Params:
//
//	exits CODE PROGRAM [ARGS...]
//
// runs PROGRAM as exec does and fails unless it exits with CODE (exec tells
// only success from failure); stdout and stderr then check its output.
var Cmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"exits": exits,
}

func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exits")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: code %q: %v", args[0], err)
	}
	got := 0
	var exit *exec.ExitError
	switch err := ts.Exec(args[1], args[2:]...); {
	case errors.As(err, &exit):
		got = exit.ExitCode()
	case err != nil:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}
