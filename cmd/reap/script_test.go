package main

import (
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/testing/cmdtest"
)

// TestMain lets the scripts run the command as a process of its own, with
// the real Pulumi CLI on a file:// backend: the exit code is the interface
// the scheduled workflow reads (0 reaped or listed, 1 a stack kept that
// should have gone, 2 could not run, 130 interrupted).
func TestMain(m *testing.M) { cmdtest.Main(m, "reap", main) }

// TestScripts runs testdata/script/*.txtar, with EXPIRED an hour ago.
func TestScripts(t *testing.T) {
	cmdtest.Run(t, "reap", cmdtest.Pulumi(t, nil), cmdtest.Setenv("EXPIRED", time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)))
}
