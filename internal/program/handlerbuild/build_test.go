package handlerbuild

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

func projectRoot(t *testing.T) string {
	t.Helper()
	root := repo.Root(t)
	if _, err := os.Stat(filepath.Join(root, "lambda", "main.go")); err != nil {
		t.Fatalf("project root %s has no lambda/main.go: %v", root, err)
	}
	return root
}

// TestBuildIsReproducible builds the handler twice and wants identical zips:
// the second build from a copy of the sources in another directory, into
// another output directory, with a build cache of its own (reproCache),
// never filled from the first build's. Every package of the second build is
// thus compiled apart from the first's, and the two links compared.
func TestBuildIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("a cold cross-build of the handler takes about a minute")
	}
	root := projectRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	first, err := Build(ctx, root, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	second, err := Build(ctx, copyModule(t, root), t.TempDir(), "GOCACHE="+reproCache(root))
	if err != nil {
		t.Fatal(err)
	}
	a, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(second)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("two builds of unchanged code differ: %d and %d bytes", len(a), len(b))
	}
}

// reproCache is the second build's cache: .build/handler-repro-gocache in the
// checkout (git-ignored), which only that build uses. It is kept between
// runs, so a package is compiled a second time when it or the toolchain
// changed, not on every run (a cold cross-build of the handler costs about
// 100 s of CPU); a fresh clone, as in CI, starts it empty and compiles
// everything twice. Go trims entries unused for five days.
func reproCache(root string) string {
	return filepath.Join(root, ".build", "handler-repro-gocache")
}

// copyModule copies what the handler's build reads (go.mod, go.sum and
// lambda/) into a new temporary directory and returns it.
func copyModule(t *testing.T, src string) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.CopyFS(filepath.Join(root, "lambda"), os.DirFS(filepath.Join(src, "lambda"))); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestBuildOutput: the zip holds exactly one executable bootstrap, a stripped
// static arm64 Linux binary with no Go build ID and no path of this machine.
func TestBuildOutput(t *testing.T) {
	root := projectRoot(t)
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	zipPath, err := Build(ctx, root, out)
	if err != nil {
		t.Fatal(err)
	}
	if zipPath != filepath.ToSlash(filepath.Join(out, ZipName)) {
		t.Errorf("Build returned %s, want %s", zipPath, filepath.Join(out, ZipName))
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 1 || zr.File[0].Name != Binary {
		t.Fatalf("zip entries: got %d (first %q), want exactly %q", len(zr.File), zr.File[0].Name, Binary)
	}
	f := zr.File[0]
	if mode := f.Mode(); mode.Perm() != 0o755 || !mode.IsRegular() {
		t.Errorf("bootstrap mode: got %v, want -rwxr-xr-x", mode)
	}
	if !f.Modified.Equal(zipTime) {
		t.Errorf("bootstrap time: got %v, want the fixed %v", f.Modified, zipTime)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("bootstrap is not ELF: %v", err)
	}
	if bin.Machine != elf.EM_AARCH64 {
		t.Errorf("bootstrap machine: got %v, want EM_AARCH64 (the function is arm64)", bin.Machine)
	}
	if bin.Section(".symtab") != nil {
		t.Error("bootstrap has a symbol table: want it stripped (-s)")
	}
	if bin.Section(".note.go.buildid") != nil {
		if note, err := bin.Section(".note.go.buildid").Data(); err == nil && len(bytes.Trim(note[16:], "\x00")) > 0 {
			t.Errorf("bootstrap carries a Go build ID %q: want none", bytes.Trim(note[16:], "\x00"))
		}
	}
	if interp := bin.Section(".interp"); interp != nil {
		t.Error("bootstrap is dynamically linked: want CGO_ENABLED=0, static")
	}
	if bytes.Contains(data, []byte(root)) {
		t.Errorf("bootstrap contains the build path %s: want -trimpath", root)
	}
	info, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read build info: %v", err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	want := map[string]string{"-tags": "lambda.norpc", "-trimpath": "true", "CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": "arm64"}
	for k, v := range want {
		if settings[k] != v {
			t.Errorf("build setting %s: got %q, want %q", k, settings[k], v)
		}
	}
	if info.GoVersion != Toolchain {
		t.Errorf("bootstrap built with %s, want the pinned %s", info.GoVersion, Toolchain)
	}
	if _, ok := settings["vcs.revision"]; ok {
		t.Error("bootstrap embeds a VCS revision: a commit would change the code hash without a code change")
	}
}

// TestToolchainPinned: whatever the caller's environment says (GOTOOLCHAIN
// =local on a machine with another Go, or a GOTOOLCHAIN in extraEnv), the
// build runs with the pinned toolchain, and go.mod names the same one.
func TestToolchainPinned(t *testing.T) {
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOARCH", "amd64")
	cmd := command(context.Background(), projectRoot(t), "bootstrap", "GOTOOLCHAIN=go1.20", "GOCACHE=/tmp/x")
	last := map[string]string{}
	for _, kv := range cmd.Env {
		k, v, _ := strings.Cut(kv, "=")
		last[k] = v
	}
	want := map[string]string{"GOTOOLCHAIN": Toolchain, "GOARCH": "arm64", "GOOS": "linux", "CGO_ENABLED": "0", "GOCACHE": "/tmp/x"}
	for k, v := range want {
		if last[k] != v {
			t.Errorf("build environment %s=%q, want %q", k, last[k], v)
		}
	}
	gomod, err := os.ReadFile(filepath.Join(projectRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	// go mod tidy drops a toolchain line equal to the go line, so go.mod
	// says `go 1.26.8` and no other toolchain.
	goLine := "\ngo " + strings.TrimPrefix(Toolchain, "go") + "\n"
	if !strings.Contains(string(gomod), goLine) || strings.Contains(string(gomod), "\ntoolchain ") {
		t.Errorf("go.mod does not say %q (and no other toolchain line): bump Toolchain and go.mod together", strings.TrimSpace(goLine))
	}
}

// TestBuildSkipsUnchangedInputs: a second build of unchanged inputs
// returns the zip without running go build; a changed file of a package
// the handler imports, or a changed zip, builds again.
func TestBuildSkipsUnchangedInputs(t *testing.T) {
	root := copyModule(t, projectRoot(t))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(root, OutDir, Binary)
	build := func() {
		t.Helper()
		if _, err := Build(ctx, root, OutDir); err != nil {
			t.Fatal(err)
		}
	}
	build()
	ran := func() bool {
		t.Helper()
		_, err := os.Stat(bin)
		if err == nil {
			if err := os.Remove(bin); err != nil {
				t.Fatal(err)
			}
		}
		return err == nil
	}
	if !ran() {
		t.Fatal("the first build wrote no binary")
	}
	build()
	if ran() {
		t.Error("unchanged inputs: got a build, want the zip as it was")
	}
	// A package the handler imports (lambda/handler), not the main one.
	dep := filepath.Join(root, "lambda", "handler", "zz_test_change.go")
	if err := os.WriteFile(dep, []byte("package handler\n\nconst changedForTest = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	build()
	if !ran() {
		t.Error("a changed imported package: got no build")
	}
	if err := os.WriteFile(filepath.Join(root, OutDir, ZipName), []byte("not the zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	build()
	if !ran() {
		t.Error("a changed zip: got no build")
	}
	// The zip and its key are renamed into place: no temporary file stays.
	if tmp, _ := filepath.Glob(filepath.Join(root, OutDir, "*.tmp")); len(tmp) > 0 {
		t.Errorf("temporary files left beside the zip: %v", tmp)
	}
}
