package main

// These tests build the command and run the binary, because the exit code is
// its interface: 2 (could not run, nothing created) must reach the caller as
// 2. `go run` reports every non-zero exit of the program as its own exit
// status 1, so only a built binary shows what a caller sees.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/testing/cmdtest"
)

// TestBinaryCouldNotRun runs the built command where it must stop before
// creating anything, and checks it exits 2 without calling the Pulumi CLI.
func TestBinaryCouldNotRun(t *testing.T) {
	bin := cmdtest.Build(t, "ephemeral")
	// A stand-in Pulumi CLI that records a call: the preflight only looks
	// for it, so it must never run.
	withCLI := t.TempDir()
	called := filepath.Join(t.TempDir(), "called")
	if err := os.WriteFile(filepath.Join(withCLI, "pulumi"), []byte("#!/bin/sh\ntouch "+called+"\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	noCredentials := []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_PROFILE=",
		"AWS_WEB_IDENTITY_TOKEN_FILE=", "AWS_CONTAINER_CREDENTIALS_FULL_URI=", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=",
		"AWS_CONFIG_FILE=" + filepath.Join(t.TempDir(), "none"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED=true"}

	tests := []struct {
		name    string
		env     []string // replaces the test process's variables of the same name
		args    []string
		wantErr []string
	}{
		{name: "no Pulumi CLI", env: []string{"PATH=" + t.TempDir()},
			wantErr: []string{"the Pulumi CLI is not installed", "get.pulumi.com"}},
		{name: "no shared state backend in CI",
			env:     []string{"PATH=" + withCLI, "CI=true", "PULUMI_BACKEND_URL=", "PULUMI_ACCESS_TOKEN="},
			wantErr: []string{"PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN"}},
		{name: "no AWS credentials",
			env:     append([]string{"PATH=" + withCLI, "CI=", "GITHUB_ACTIONS="}, noCredentials...),
			args:    []string{"-region", "us-east-1"},
			wantErr: []string{"no AWS credentials"}},
		{name: "unknown flag", args: []string{"-nope"}, wantErr: []string{"flag provided but not defined"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			// exec.Cmd uses the last value of a duplicate variable.
			code, _, stderr := cmdtest.Run(t, bin, append(os.Environ(), tt.env...), "", tt.args...)
			t.Logf("exit %d after %s", code, time.Since(start).Round(time.Millisecond))
			if code != int(exitcode.CouldNotRun) {
				t.Errorf("exit code: got %d, want %d\nstderr:\n%s", code, exitcode.CouldNotRun, stderr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr does not contain %q:\n%s", want, stderr)
				}
			}
			if _, err := os.Stat(called); err == nil {
				t.Error("the Pulumi CLI was run although nothing should have been created")
			}
		})
	}
}
