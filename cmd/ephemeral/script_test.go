package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/platformlab/s3-gateway-lab/internal/testing/cmdtest"
)

// TestMain lets the scripts run the command as a process of its own: its
// exit code is its interface (2: could not run, nothing created).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"ephemeral": main})
}

// TestScripts runs testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	testscript.Run(t, cmdtest.Params("ephemeral"))
}
