package upstream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// GitFS is the tree of one commit of a git repository, read from its
// objects (a bare repository or a snapshot's git directory will do): the
// bytes are the commit's whatever else the repository holds. Files are
// read when asked for, so objects missing from a partial snapshot (large
// test fixtures) matter only when read.
type GitFS struct {
	dir    string
	commit string
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
}

// OpenGit resolves rev in the git directory dir to a commit and returns
// its tree. Close stops the git process it reads through.
func OpenGit(dir, rev string) (*GitFS, error) {
	commit, err := gitOutput(dir, "rev-parse", "--verify", rev+"^{commit}")
	if err != nil {
		return nil, err
	}
	g := &GitFS{dir: dir, commit: strings.TrimSpace(commit)}
	g.cmd = exec.Command("git", "--git-dir", dir, "cat-file", "--batch")
	if g.in, err = g.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	stdout, err := g.cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	g.out = bufio.NewReader(stdout)
	if err := g.cmd.Start(); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	return g, nil
}

// Commit is the full hash of the commit read.
func (g *GitFS) Commit() string { return g.commit }

// CommitInfo is the commit's committer date, author, subject and parents, as
// git log prints them.
func (g *GitFS) CommitInfo() (string, error) {
	out, err := gitOutput(g.dir, "log", "-1", "--format=%cI %an: %s (parents %P)", g.commit)
	return strings.TrimSpace(out), err
}

// Close ends the git process.
func (g *GitFS) Close() error {
	_ = g.in.Close()
	return g.cmd.Wait()
}

// Open is not supported: the tree is read with fs.ReadDir and fs.ReadFile.
func (g *GitFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: errors.ErrUnsupported}
}

// ReadFile returns the blob at name in the commit.
func (g *GitFS) ReadFile(name string) ([]byte, error) {
	if _, err := fmt.Fprintf(g.in, "%s:%s\n", g.commit, name); err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	header, err := g.out.ReadString('\n')
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	f := strings.Fields(header)
	if len(f) != 3 || f[1] != "blob" {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w: git says %q", fs.ErrNotExist, strings.TrimSpace(header))}
	}
	n, err := strconv.Atoi(f[2])
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	data := make([]byte, n+1) // and the newline after it
	if _, err := io.ReadFull(g.out, data); err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data[:n], nil
}

// ReadDir lists the directory name in the commit.
func (g *GitFS) ReadDir(name string) ([]fs.DirEntry, error) {
	out, err := gitOutput(g.dir, "ls-tree", g.commit, name+"/")
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	var entries []fs.DirEntry
	for line := range strings.Lines(out) {
		meta, file, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		if !ok {
			continue
		}
		parts := strings.Fields(meta)
		entries = append(entries, gitEntry{name: file[strings.LastIndex(file, "/")+1:], dir: len(parts) > 1 && parts[1] == "tree"})
	}
	if len(entries) == 0 {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return entries, nil
}

type gitEntry struct {
	name string
	dir  bool
}

func (e gitEntry) Name() string { return e.name }
func (e gitEntry) IsDir() bool  { return e.dir }
func (e gitEntry) Type() fs.FileMode {
	if e.dir {
		return fs.ModeDir
	}
	return 0
}
func (e gitEntry) Info() (fs.FileInfo, error) { return gitInfo(e), nil }

type gitInfo gitEntry

func (i gitInfo) Name() string       { return i.name }
func (i gitInfo) Size() int64        { return 0 }
func (i gitInfo) Mode() fs.FileMode  { return gitEntry(i).Type() }
func (i gitInfo) ModTime() time.Time { return time.Time{} }
func (i gitInfo) IsDir() bool        { return i.dir }
func (i gitInfo) Sys() any           { return nil }

func gitOutput(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"--git-dir", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}
