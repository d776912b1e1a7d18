package main

import (
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/testing/cmdtest"
)

// TestMain lets the scripts run the command as a process of its own: its
// exit code is its interface (2: could not run, nothing created).
func TestMain(m *testing.M) { cmdtest.Main(m, "ephemeral", main) }

// TestScripts runs testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	cmdtest.Run(t, "ephemeral")
}
