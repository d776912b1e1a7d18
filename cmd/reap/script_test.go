package main

import (
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/platformlab/s3-gateway-lab/internal/testing/cmdtest"
)

// TestMain lets the scripts run the command as a process of its own, with
// the real Pulumi CLI on a file:// backend: the exit code is the interface
// the scheduled workflow reads (0 reaped or listed, 1 a stack kept that
// should have gone, 2 could not run, 130 interrupted).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"reap": main})
}

// TestScripts runs testdata/script/*.txtar, with EXPIRED an hour ago.
func TestScripts(t *testing.T) {
	testscript.Run(t, cmdtest.Params("reap", cmdtest.Pulumi(t, nil), func(e *testscript.Env) error {
		e.Setenv("EXPIRED", time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
		return nil
	}))
}
