// Package handlerbuild compiles the lab's Lambda handler (./lambda) for the
// provided.al2023 runtime on arm64 and packages it as a zip holding one
// executable named bootstrap. Builds of unchanged code give identical bytes,
// so a preview shows no phantom diff of the function's code; a build whose
// inputs have not changed since the zip was written is not run again.
package handlerbuild

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Paths relative to the project root.
const (
	SourceDir = "./lambda"
	OutDir    = ".build/lambda"
	ZipName   = "handler.zip"
	Binary    = "bootstrap"
	// KeyName is the file beside the zip that names the inputs it was
	// built from and its own hash.
	KeyName = "handler.zip.inputs"
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
//
// When outDir/handler.zip.inputs says the zip there was built from the very
// inputs of this build (inputKey: the handler's files and those of the
// module's packages it imports, go.mod, go.sum, the go command line and the
// toolchain and target the go command resolves) and the zip is unchanged,
// the zip is returned as it is: the build is reproducible, so running it
// again would write the same bytes. A go build takes about a second even
// with a warm cache (it relinks: the binary has no build ID to check).
func Build(ctx context.Context, root, outDir string, extraEnv ...string) (string, error) {
	absOut := outDir
	if !filepath.IsAbs(outDir) {
		absOut = filepath.Join(root, outDir)
	}
	if err := os.MkdirAll(absOut, 0o755); err != nil {
		return "", fmt.Errorf("build handler: %w", err)
	}
	bin := filepath.Join(absOut, Binary)
	zipPath := filepath.Join(absOut, ZipName)
	cmd := command(ctx, root, bin, extraEnv...)
	key, err := inputKey(ctx, root, cmd)
	if err != nil {
		return "", fmt.Errorf("build handler: %w", err)
	}
	out := filepath.ToSlash(filepath.Join(outDir, ZipName))
	if built(absOut, key) {
		return out, nil
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build handler: go build %s: %w\n%s", SourceDir, err, stderr.String())
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", fmt.Errorf("build handler: %w", err)
	}
	if err := writeZip(zipPath, data); err != nil {
		return "", fmt.Errorf("build handler: %w", err)
	}
	sum, err := fileHash(zipPath)
	if err != nil {
		return "", fmt.Errorf("build handler: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(absOut, KeyName), []byte(keyFile(key, sum))); err != nil {
		return "", fmt.Errorf("build handler: %w", err)
	}
	return out, nil
}

// recipe names how Build turns the binary into the zip (the zip's single
// entry, its mode and time, the compression): what no input file shows.
// Change it with any change to writeZip or command, so that zips built the
// old way are not taken for the new one's.
const recipe = "handlerbuild recipe 2: bootstrap 0755, deflate, zipTime, command()"

// keyFile is the content of handler.zip.inputs.
func keyFile(inputs, zipSum string) string {
	return "inputs " + inputs + "\nzip " + zipSum + "\n"
}

// built reports whether absOut holds the zip of the inputs key, unchanged
// since it was written.
func built(absOut, key string) bool {
	recorded, err := os.ReadFile(filepath.Join(absOut, KeyName))
	if err != nil {
		return false
	}
	sum, err := fileHash(filepath.Join(absOut, ZipName))
	return err == nil && string(recorded) == keyFile(key, sum)
}

func fileHash(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// inputKey hashes what decides the bytes of the build cmd runs: its
// arguments, what the go command resolves from its environment (go env:
// the toolchain GOTOOLCHAIN selects, target, experiments, flags, C
// toolchain), go.mod and go.sum (which pin every other module, read-only
// in the module cache), and every file under the directories of the
// module's own packages the handler imports, transitively (all files, for
// embeds).
func inputKey(ctx context.Context, root string, cmd *exec.Cmd) (string, error) {
	h := sha256.New()
	write := func(parts ...string) {
		for _, p := range parts {
			fmt.Fprintf(h, "%d:%s\n", len(p), p)
		}
	}
	write(recipe)
	write(cmd.Args...)
	env := exec.CommandContext(ctx, "go", "env", "-json")
	env.Dir, env.Env = cmd.Dir, cmd.Env
	out, err := env.Output()
	if err != nil {
		return "", fmt.Errorf("go env: %w", err)
	}
	var resolved map[string]string
	if err := json.Unmarshal(out, &resolved); err != nil {
		return "", fmt.Errorf("go env: %w", err)
	}
	// GOGCCFLAGS names a new temporary directory on every call.
	delete(resolved, "GOGCCFLAGS")
	for _, k := range slices.Sorted(maps.Keys(resolved)) {
		write(k + "=" + resolved[k])
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	write(string(gomod), string(gosum))
	module := ""
	for line := range strings.Lines(string(gomod)) {
		if m, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			module = strings.Trim(strings.TrimSpace(m), `"`)
		}
	}
	if module == "" {
		return "", fmt.Errorf("%s/go.mod names no module", root)
	}
	dirs, err := packageDirs(root, module, filepath.Join(root, SourceDir))
	if err != nil {
		return "", err
	}
	for _, dir := range dirs {
		if err := hashFiles(root, dir, write); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashFiles writes every file under dir (following symbolic links) with
// its path relative to root.
func hashFiles(root, dir string, write func(...string)) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		if info.IsDir() {
			if err := hashFiles(root, path, write); err != nil {
				return err
			}
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		write(filepath.ToSlash(rel), string(data))
	}
	return nil
}

// packageDirs returns dir and the directories of the module's packages it
// imports, transitively, sorted; a directory's subdirectories count with
// it, so only the topmost of nested ones is listed.
func packageDirs(root, module, dir string) ([]string, error) {
	seen := map[string]bool{}
	queue := []string{dir}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if seen[d] {
			continue
		}
		seen[d] = true
		entries, err := os.ReadDir(d)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(d, e.Name()), nil, parser.ImportsOnly)
			if err != nil {
				return nil, err
			}
			for _, im := range f.Imports {
				p, err := strconv.Unquote(im.Path.Value)
				if err != nil {
					return nil, err
				}
				if rel, ok := strings.CutPrefix(p, module+"/"); ok {
					queue = append(queue, filepath.Join(root, filepath.FromSlash(rel)))
				}
			}
		}
	}
	var out []string
	for d := range seen {
		out = append(out, d)
	}
	slices.Sort(out)
	var top []string
	for _, d := range out {
		if len(top) == 0 || !strings.HasPrefix(d, top[len(top)-1]+string(filepath.Separator)) {
			top = append(top, d)
		}
	}
	return top, nil
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
	return writeFileAtomic(path, buf.Bytes())
}

// writeFileAtomic writes data to path through a temporary file in its
// directory renamed over it: a reader (pulumi reading the zip, another
// build checking the key) sees the old file or the new one, never half of
// one, and a build killed while writing leaves no torn zip whose key still
// matches.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name()) // the temporary file, if still there
	}
	return err
}
