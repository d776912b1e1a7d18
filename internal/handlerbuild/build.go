// Package handlerbuild compiles the lab's Lambda handler (./lambda) for the
// provided.al2023 runtime on arm64 and packages it as a zip holding one
// executable named bootstrap. Builds of unchanged code give identical bytes,
// so a preview shows no phantom diff of the function's code.
package handlerbuild

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Paths relative to the project root.
const (
	SourceDir = "./lambda"
	OutDir    = ".build/lambda"
	ZipName   = "handler.zip"
	Binary    = "bootstrap"
)

// Toolchain is the Go toolchain the handler is always built with, whatever
// Go the machine has: two Go patch versions compile the same code to
// different bytes, and the function's code hash (hence every preview) would
// differ between a laptop and CI. The go command switches to it through
// GOTOOLCHAIN, downloading it from the module proxy when the local go is
// another version (https://go.dev/doc/toolchain). go.mod's go line names
// the same version (a test keeps them equal).
const Toolchain = "go1.26.8"

// zipTime is the fixed modification time of the zip entry.
var zipTime = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// Build compiles the handler found under root and writes outDir/handler.zip;
// a relative outDir is taken from root, and the zip's path is returned in the
// same form (relative to root, or absolute). Extra environment entries (such
// as GOCACHE=...) are appended to the build's environment.
func Build(ctx context.Context, root, outDir string, extraEnv ...string) (string, error) {
	absOut := outDir
	if !filepath.IsAbs(outDir) {
		absOut = filepath.Join(root, outDir)
	}
	if err := os.MkdirAll(absOut, 0o755); err != nil {
		return "", fmt.Errorf("build handler: %w", err)
	}
	bin := filepath.Join(absOut, Binary)
	cmd := command(ctx, root, bin, extraEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build handler: go build %s: %w\n%s", SourceDir, err, stderr.String())
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", fmt.Errorf("build handler: %w", err)
	}
	if err := writeZip(filepath.Join(absOut, ZipName), data); err != nil {
		return "", fmt.Errorf("build handler: %w", err)
	}
	return filepath.ToSlash(filepath.Join(outDir, ZipName)), nil
}

// command is the go build of the handler into bin. The settings that decide
// the bytes come last in the environment, so the caller's environment cannot
// override them.
func command(ctx context.Context, root, bin string, extraEnv ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", "build",
		"-trimpath", "-buildvcs=false",
		"-tags", "lambda.norpc",
		"-ldflags", "-s -w -buildid=",
		"-o", bin, SourceDir)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), extraEnv...)
	cmd.Env = append(cmd.Env, "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=-mod=readonly",
		"GOTOOLCHAIN="+Toolchain)
	return cmd
}

// writeZip writes a zip with one entry, bootstrap, executable, with a fixed
// time, so that equal binaries give equal zips.
func writeZip(path string, binary []byte) error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	fh := &zip.FileHeader{Name: Binary, Method: zip.Deflate, Modified: zipTime}
	fh.SetMode(0o755)
	w, err := zw.CreateHeader(fh)
	if err != nil {
		return err
	}
	if _, err := w.Write(binary); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
