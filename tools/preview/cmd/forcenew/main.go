// Command forcenew regenerates tools/preview/forcenew/forcenew.json: for
// every type of forcenew.Sources, each attribute a program can set, whether
// changing it replaces the resource or updates it in terraform-provider-aws
// (schema ForceNew and CustomizeDiff ForceNew calls, read by package
// upstream), the line that says so, and its Pulumi property name in the
// pulumi-aws SDK this module builds with.
//
// With the bridged release's own source (a clone of
// hashicorp/terraform-provider-aws):
//
//	go run ./cmd/forcenew -at git:../tfaws/.git@v5.100.0
//
// Without it, from the two nearest reachable official commits on either
// side, the differences resolved by forcenew/upstream.json (each with its
// changelog entry); this is how the committed table was made:
//
//	go run ./cmd/forcenew \
//	    -before git:/work/.mirror/nuno407+terraform-provider-aws/repo@1a5174b137bbdefdebd6e5c2fc033f829057e283 \
//	    -after module:github.com/hashicorp/terraform-provider-aws@v1.60.1-0.20260602190131-5f2286d6d836
//
// A git source is any git directory holding the commit's objects (a bare
// clone, or a fork's snapshot: a commit hash names the same tree wherever
// its objects are read); a module source is read from the module cache,
// where `go mod download` put it after checking its hash against the
// checksum database. Regenerating refuses to drop a replacement the
// previous table had unless upstream.json's "dropped" says why.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/module"

	"github.com/platformlab/s3-gateway-lab/tools/preview/forcenew"
	"github.com/platformlab/s3-gateway-lab/tools/preview/forcenew/upstream"
)

func main() {
	at := flag.String("at", "", "the bridged release's own source: git:GITDIR@REV or module:PATH@VERSION")
	before := flag.String("before", "", "the nearest reachable official commit older than the bridged release (git: or module:)")
	after := flag.String("after", "", "the nearest reachable official commit newer than the bridged release (git: or module:)")
	notes := flag.String("upstream", "forcenew/upstream.json", "hand-kept provenance, resolutions and dropped replacements")
	out := flag.String("o", "forcenew/forcenew.json", "table to write (its previous content is the baseline for dropped replacements)")
	flag.Parse()
	if err := run(*at, *before, *after, *notes, *out); err != nil {
		fmt.Fprintln(os.Stderr, "forcenew:", err)
		os.Exit(1)
	}
}

// notesFile is forcenew/upstream.json: what a person established about the
// source, which the generator cannot read from it.
type notesFile struct {
	forcenew.Resolutions
	// Repository and Version name the bridged release.
	Repository string `json:"repository"`
	Version    string `json:"version"`
	// Bridged is the evidence for Version.
	Bridged []string `json:"bridged"`
	// Commits say, per commit hash, how its bytes were had and checked.
	Commits map[string]string `json:"commits"`
	// CannotSee is what the table does not show, for its header.
	CannotSee []string `json:"cannotSee"`
}

func run(at, before, after, notesPath, outPath string) error {
	if (at == "") == (before == "" || after == "") || (at != "" && (before != "" || after != "")) {
		return errors.New("give -at, or both -before and -after")
	}
	data, err := os.ReadFile(notesPath)
	if err != nil {
		return err
	}
	var notes notesFile
	if err := json.Unmarshal(data, &notes); err != nil {
		return fmt.Errorf("read %s: %w", notesPath, err)
	}
	res, err := forcenew.ReadResolutions(data)
	if err != nil {
		return err
	}
	specs := []string{at}
	if at == "" {
		specs = []string{before, after}
	}
	var trees []*source
	for _, s := range specs {
		src, err := open(s)
		if err != nil {
			return err
		}
		defer src.close()
		trees = append(trees, src)
	}
	t := &forcenew.Table{
		Source: forcenew.Provenance{Repository: notes.Repository, Version: notes.Version, Bridged: notes.Bridged},
		Types:  map[string]forcenew.Entry{},
	}
	for _, src := range trees {
		how, ok := notes.Commits[src.commit]
		if !ok {
			return fmt.Errorf("%s: commit %s has no note in %s saying how it was had and checked", src.spec, src.commit, notesPath)
		}
		t.Source.Commits = append(t.Source.Commits, forcenew.Commit{Commit: src.commit, Describe: src.describe,
			ReadFrom: src.readFrom + "; " + how})
	}
	if len(trees) == 2 {
		t.Source.Resolutions = "tools/preview/forcenew/upstream.json"
	}
	var errs []error
	for _, typ := range slices.Sorted(maps.Keys(forcenew.Sources)) {
		e, err := entry(typ, trees, res.Resolutions)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", typ, err))
			continue
		}
		t.Types[typ] = e
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	t.Dropped = res.Dropped
	if previous, err := os.ReadFile(outPath); err == nil {
		prev, err := forcenew.Replacements(previous)
		if err != nil {
			return fmt.Errorf("previous %s: %w", outPath, err)
		}
		if lost := forcenew.Lost(prev, t, res.Dropped); len(lost) > 0 {
			return fmt.Errorf("the previous table's replacements %s are gone: say why in %s's \"dropped\" (the upstream change that removed each)",
				strings.Join(lost, ", "), notesPath)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	t.Header = header(notes, len(trees) == 2)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		return fmt.Errorf("encode table: %w", err)
	}
	return os.WriteFile(outPath, buf.Bytes(), 0o644)
}

func header(notes notesFile, bracketed bool) []string {
	h := []string{
		"Generated by tools/preview/cmd/forcenew: what changing each settable attribute does in " + notes.Repository +
			" " + notes.Version + ", the release pulumi-aws v6.83.4 bridges (source.bridged says how that was established).",
		"replace: ForceNew in the schema; replace-if: a ForceNew the resource's CustomizeDiff decides under `condition` " +
			"(the preview shows it as a replacement and names the condition); update: neither. Keys are read as the compiler " +
			"would (string literals, package constants, names.Attr*); nested blocks by path.",
		"Pulumi names are the pulumi-aws SDK's (v6.83.4, the args structs' pulumi tags), found through pulumi-aws's renames " +
			"(provider/resources.go) and the bridge's default naming, each checked to exist in the SDK.",
	}
	if bracketed {
		h = append(h, notes.Version+"'s own tree could not be read here: the facts are those of the two nearest reachable official "+
			"commits (source.commits), which agree on most attributes; where they differ, upstream.json's resolution, "+
			"from the changelog entries between them, decides (an attribute's `resolution`).")
	}
	return append(h, notes.CannotSee...)
}

// entry builds one type's facts.
func entry(typ string, trees []*source, res []forcenew.Resolution) (forcenew.Entry, error) {
	s := forcenew.Sources[typ]
	var facts []map[string]forcenew.Fact
	for _, src := range trees {
		r, err := src.tree.Resource(s.Terraform, s.File)
		if err != nil {
			return forcenew.Entry{}, fmt.Errorf("at %s: %w", src.commit[:8], err)
		}
		facts = append(facts, forcenew.Facts(r, src.commit))
	}
	final := facts[0]
	if len(facts) == 2 {
		var err error
		if final, err = forcenew.Bracket(s.Terraform, facts[0], facts[1], res); err != nil {
			return forcenew.Entry{}, err
		}
	}
	args := s.Args.ElementType()
	e := forcenew.Entry{Terraform: s.Terraform, File: s.File, Overrides: s.Overrides, AutoName: s.AutoName,
		Attributes: []forcenew.Attribute{}}
	var errs []error
	for _, p := range slices.Sorted(maps.Keys(final)) {
		f := final[p]
		if p == "tags_all" && !forcenew.HasProperty(args, "tagsAll") {
			// provider/resources.go marks tags_all computed only
			// (MarkAsComputedOnly) on every resource: not an input.
			continue
		}
		name, err := forcenew.PulumiPath(args, p, s.Renames)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e.Attributes = append(e.Attributes, forcenew.Attribute{Terraform: p, Pulumi: name, Change: f.Change,
			Condition: f.Condition, Upstream: f.Upstream, Resolution: f.Resolution})
	}
	if e.AutoName == "" {
		if _, ok := final["name"]; ok && s.Renames["name"] == "" {
			e.AutoName = "name"
			e.Overrides += "; " + forcenew.SetAutonaming
		}
	}
	return e, errors.Join(errs...)
}

// source is one commit's tree.
type source struct {
	spec, commit, describe, readFrom string
	tree                             *upstream.Tree
	close                            func()
}

// open reads a source spec: git:GITDIR@REV or module:PATH@VERSION.
func open(spec string) (*source, error) {
	kind, rest, _ := strings.Cut(spec, ":")
	i := strings.LastIndex(rest, "@")
	if i < 0 {
		return nil, fmt.Errorf("%s: want git:GITDIR@REV or module:PATH@VERSION", spec)
	}
	loc, rev := rest[:i], rest[i+1:]
	switch kind {
	case "git":
		g, err := upstream.OpenGit(loc, rev)
		if err != nil {
			return nil, err
		}
		info, err := g.CommitInfo()
		if err != nil {
			_ = g.Close()
			return nil, err
		}
		return &source{spec: spec, commit: g.Commit(), describe: info,
			readFrom: "git objects of the commit (git cat-file)", tree: upstream.NewTree(g), close: func() { _ = g.Close() }}, nil
	case "module":
		return openModule(spec, loc, rev)
	}
	return nil, fmt.Errorf("%s: want git:GITDIR@REV or module:PATH@VERSION", spec)
}

// openModule reads a module version from the module cache and checks its
// hash against the checksum database's record the go command cached.
func openModule(spec, path, version string) (*source, error) {
	if path != upstream.Module {
		return nil, fmt.Errorf("%s: not %s", spec, upstream.Module)
	}
	if !module.IsPseudoVersion(version) {
		return nil, fmt.Errorf("%s: not a pseudo-version naming a commit", spec)
	}
	rev, err := module.PseudoVersionRev(version)
	if err != nil {
		return nil, err
	}
	cache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOMODCACHE: %w", err)
	}
	root := strings.TrimSpace(string(cache))
	escPath, err := module.EscapePath(path)
	if err != nil {
		return nil, err
	}
	escVer, err := module.EscapeVersion(version)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, escPath+"@"+escVer)
	zipHash, err := os.ReadFile(filepath.Join(root, "cache", "download", escPath, "@v", escVer+".ziphash"))
	if err != nil {
		return nil, fmt.Errorf("%s: not in the module cache (go mod download %s@%s): %w", spec, path, version, err)
	}
	sum := strings.TrimSpace(string(zipHash))
	lookup, err := os.ReadFile(filepath.Join(root, "cache", "download", "sumdb", "sum.golang.org", "lookup", escPath+"@"+escVer))
	if err != nil {
		return nil, fmt.Errorf("%s: no checksum database record cached: %w", spec, err)
	}
	want := path + " " + version + " " + sum
	record, _, _ := strings.Cut(string(lookup), "\n")
	if !strings.Contains(string(lookup), want+"\n") {
		return nil, fmt.Errorf("%s: the module cache's hash %s is not the checksum database's", spec, sum)
	}
	return &source{spec: spec, commit: rev, describe: "Go module " + path + "@" + version,
		readFrom: fmt.Sprintf("the Go module cache; zip hash %s, as in sum.golang.org record %s", sum, record),
		tree:     upstream.NewTree(os.DirFS(dir)), close: func() {}}, nil
}
