package scripts

// These tests keep README.md the path a new user walks and docs/ the
// reference it links: the README short, every page linked from it, every
// relative link and anchor live, sample outputs in fences (never headings of
// the page's outline), and the messages that send a user to a section
// naming one that exists.

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// maxReadmeLines is issue 19's bound: the README reads in one sitting.
const maxReadmeLines = 350

// docLink matches a Markdown link to a page under docs/, as README.md
// writes it: [text](docs/page.md) or [text](docs/page.md#anchor).
var docLink = regexp.MustCompile(`\]\((docs/[A-Za-z0-9_-]+\.md)(?:#[^)]*)?\)`)

// userPages are the pages a user reads, in the order they read them:
// README.md, then each page under docs/ in the order README.md first links
// it. docs/ci.md is left out: its set-up is run as written, against moto,
// by internal/proof/cijobs (setUpBlock), with the organization's values.
func userPages(t *testing.T) []string {
	t.Helper()
	root := repo.Root(t)
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages := []string{"README.md"}
	seen := map[string]bool{"README.md": true, "docs/ci.md": true}
	for _, m := range docLink.FindAllStringSubmatch(string(data), -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			pages = append(pages, m[1])
		}
	}
	return pages
}

// readPages returns the text of pages (paths from the repository's root),
// one after the other.
func readPages(t *testing.T, pages []string) string {
	t.Helper()
	var all []string
	for _, p := range pages {
		data, err := os.ReadFile(filepath.Join(repo.Root(t), p))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, string(data))
	}
	return strings.Join(all, "\n")
}

// docPages returns README.md and every page under docs/, as paths from the
// repository's root.
func docPages(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(repo.Root(t), "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := []string{"README.md"}
	for _, p := range pages {
		out = append(out, "docs/"+filepath.Base(p))
	}
	return out
}

// heading is a Markdown heading outside fenced code.
type heading struct {
	line  int // 1-based
	level int
	text  string
}

// markdown is a page split into its prose (fenced code blanked, so that
// neither links nor headings are read inside a sample) and its headings.
type markdown struct {
	prose    []string
	headings []heading
	// unclosed is the line of a fence that is never closed (0: none).
	unclosed int
}

// atxHeading matches an ATX heading: up to three spaces, one to six #, a
// space, the text (a closing run of # dropped).
var atxHeading = regexp.MustCompile(`^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$`)

// fenceOpen matches a code fence's opening line (any indentation, so that
// fences in list items count): its run of backticks or tildes.
var fenceOpen = regexp.MustCompile("^[ \t]*(`{3,}|~{3,})")

func parseMarkdown(text string) markdown {
	var md markdown
	var fence string // the open fence's run, "" outside one
	for i, line := range strings.Split(text, "\n") {
		if fence != "" {
			trimmed := strings.TrimSpace(line)
			if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]) == "" {
				fence = ""
				md.unclosed = 0
			}
			md.prose = append(md.prose, "")
			continue
		}
		if m := fenceOpen.FindStringSubmatch(line); m != nil {
			fence = m[1]
			md.unclosed = i + 1
			md.prose = append(md.prose, "")
			continue
		}
		md.prose = append(md.prose, line)
		if m := atxHeading.FindStringSubmatch(line); m != nil {
			md.headings = append(md.headings, heading{line: i + 1, level: len(m[1]), text: m[2]})
		}
	}
	return md
}

// slug is GitHub's anchor for a heading: lowercase, only letters, digits,
// spaces, hyphens and underscores kept (the text of inline code and links
// too), spaces to hyphens.
func slug(text string) string {
	text = inlineLink.ReplaceAllString(text, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns the anchors of a page's headings, a repeated one numbered
// as GitHub numbers it (-1, -2, ...).
func anchors(md markdown) map[string]bool {
	out := map[string]bool{}
	count := map[string]int{}
	for _, h := range md.headings {
		s := slug(h.text)
		if n := count[s]; n > 0 {
			out[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			out[s] = true
		}
		count[s]++
	}
	return out
}

// codeSpan is inline code, whose text is never a link.
var codeSpan = regexp.MustCompile("`+[^`]*`+")

// inlineLink matches an inline link or image: [text](target "title").
var inlineLink = regexp.MustCompile(`\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)

// link is a relative link of a page.
type link struct {
	line   int
	target string // the path part, "" for an anchor of the same page
	anchor string
}

// relativeLinks returns the links of a page that point into the repository
// (no scheme, not mailto).
func relativeLinks(md markdown) []link {
	var out []link
	for i, line := range md.prose {
		line = codeSpan.ReplaceAllString(line, "code")
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			target := m[2]
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			l := link{line: i + 1, target: target}
			if j := strings.IndexByte(target, '#'); j >= 0 {
				l.target, l.anchor = target[:j], target[j+1:]
			}
			out = append(out, l)
		}
	}
	return out
}

func readMarkdown(t *testing.T, root, page string) markdown {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(page)))
	if err != nil {
		t.Fatal(err)
	}
	return parseMarkdown(string(data))
}

// TestReadmeReadsInOneSitting: README.md is shorter than maxReadmeLines.
func TestReadmeReadsInOneSitting(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repo.Root(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n >= maxReadmeLines {
		t.Errorf("README.md has %d lines, want fewer than %d: move reference material to a page under docs/ and link it", n, maxReadmeLines)
	}
}

// TestReadmeLinksEveryDocsPage: every page under docs/ is linked from
// README.md, so that none is found only by browsing the tree.
func TestReadmeLinksEveryDocsPage(t *testing.T) {
	root := repo.Root(t)
	linked := map[string]bool{}
	for _, l := range relativeLinks(readMarkdown(t, root, "README.md")) {
		linked[path.Clean(l.target)] = true
	}
	pages := docPages(t)[1:]
	if len(pages) == 0 {
		t.Fatal("no page under docs/")
	}
	for _, p := range pages {
		if !linked[p] {
			t.Errorf("README.md does not link %s", p)
		}
	}
}

// TestRelativeLinksResolve: every relative link of README.md and the pages
// under docs/ names a file or directory of the repository, and its anchor,
// when it has one and points to a Markdown page, a heading of that page.
func TestRelativeLinksResolve(t *testing.T) {
	root := repo.Root(t)
	pageAnchors := map[string]map[string]bool{}
	anchorsOf := func(page string) map[string]bool {
		if a, ok := pageAnchors[page]; ok {
			return a
		}
		a := anchors(readMarkdown(t, root, page))
		pageAnchors[page] = a
		return a
	}
	for _, page := range docPages(t) {
		md := readMarkdown(t, root, page)
		links := relativeLinks(md)
		if len(links) == 0 {
			t.Errorf("%s links nothing", page)
		}
		for _, l := range links {
			target := page
			if l.target != "" {
				target = path.Join(path.Dir(page), l.target)
				if target == ".." || strings.HasPrefix(target, "../") || path.IsAbs(l.target) {
					t.Errorf("%s:%d: %s leaves the repository", page, l.line, l.target)
					continue
				}
				if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(target))); err != nil {
					t.Errorf("%s:%d: link to %s: no such file or directory (%s)", page, l.line, l.target, target)
					continue
				}
			}
			if l.anchor != "" && strings.HasSuffix(target, ".md") && !anchorsOf(target)[l.anchor] {
				t.Errorf("%s:%d: link to %s#%s: %s has no such heading", page, l.line, l.target, l.anchor, target)
			}
		}
	}
}

// stackName is the scenario stack a review's heading names, which varies.
var stackName = regexp.MustCompile(`\bStack [A-Za-z0-9_-]+:`)

// sampleHeadings are the headings of the samples the docs quote: the
// offline review's report (the golden reviews), with the stack's name
// wildcarded.
func sampleHeadings(t *testing.T, root string) map[string]string {
	t.Helper()
	dir := filepath.Join(root, "tools", "preview", "testdata", "golden")
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden review under %s: %v", dir, err)
	}
	out := map[string]string{}
	for _, f := range files {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range readMarkdown(t, root, filepath.ToSlash(rel)).headings {
			out[stackName.ReplaceAllString(h.text, "Stack _:")] = filepath.ToSlash(rel)
		}
	}
	return out
}

// TestSamplesSitInFences: in README.md and the pages under docs/, every
// fence is closed (an open one would swallow the page's rest), the page's
// outline is one title (#) first and no level skipped, and no heading
// outside a fence is one of a sample output's (a review pasted without its
// fence would put its headings in the page's outline).
func TestSamplesSitInFences(t *testing.T) {
	root := repo.Root(t)
	samples := sampleHeadings(t, root)
	for _, page := range docPages(t) {
		md := readMarkdown(t, root, page)
		if md.unclosed != 0 {
			t.Errorf("%s:%d: a fence that is never closed", page, md.unclosed)
		}
		if len(md.headings) == 0 || md.headings[0].level != 1 {
			t.Errorf("%s: the first heading is not the page's title (#)", page)
		}
		prev := 0
		for i, h := range md.headings {
			if i > 0 && h.level == 1 {
				t.Errorf("%s:%d: a second title (# %s)", page, h.line, h.text)
			}
			if h.level > prev+1 {
				t.Errorf("%s:%d: heading %q is level %d under a level %d one: a sample outside its fence?", page, h.line, h.text, h.level, prev)
			}
			if from, ok := samples[stackName.ReplaceAllString(h.text, "Stack _:")]; ok {
				t.Errorf("%s:%d: heading %q is a heading of a sample output (%s): put the sample in a fenced block", page, h.line, h.text, from)
			}
			prev = h.level
		}
	}
}

// sectionRef matches a message that sends a user to a section of a page:
// "see README.md, Prerequisites" or "see docs/settings.md, Tags".
var sectionRef = regexp.MustCompile(`see (README\.md|docs/[A-Za-z0-9_-]+\.md), ([A-Z][^"'()\n>]*[^"'()\n> .,;:])`)

// TestMessagesNameLiveSections: every message of the project's Go and shell
// code that points a user to a section of README.md or a docs page names a
// heading that page has.
func TestMessagesNameLiveSections(t *testing.T) {
	root := repo.Root(t)
	found := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if slices.Contains([]string{".git", "node_modules", ".build", "bin"}, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, ".sh") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		for _, m := range sectionRef.FindAllStringSubmatch(string(data), -1) {
			if strings.HasSuffix(p, "docs_test.go") {
				continue // this file's own examples
			}
			found++
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(m[1]))); err != nil {
				t.Errorf("%s: %q: no page %s", rel, m[0], m[1])
				continue
			}
			var texts []string
			for _, h := range readMarkdown(t, root, m[1]).headings {
				texts = append(texts, h.text)
			}
			if !slices.Contains(texts, m[2]) {
				t.Errorf("%s: %q: %s has no heading %q (its headings: %s)", rel, m[0], m[1], m[2], strings.Join(texts, "; "))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Error("no message names a section (see README.md, Prerequisites): the pattern no longer matches them")
	}
}

// TestMarkdownReading checks the helpers on small pages.
func TestMarkdownReading(t *testing.T) {
	page := "# Title\n\n## A `code` heading: with (parts)\n\n````text\n## Stack dev: offline update preview\n```text\n[x](nowhere.md)\n```\n````\n\n" +
		"See [the part](#a-code-heading-with-parts), [a file](../go.mod), `[not](a-link.md)`, <https://example.com>.\n\n## Again\n\n## Again\n"
	md := parseMarkdown(page)
	var texts []string
	for _, h := range md.headings {
		texts = append(texts, h.text)
	}
	if want := []string{"Title", "A `code` heading: with (parts)", "Again", "Again"}; !slices.Equal(texts, want) {
		t.Errorf("headings: got %q, want %q", texts, want)
	}
	if md.unclosed != 0 {
		t.Errorf("unclosed fence at line %d, want none", md.unclosed)
	}
	a := anchors(md)
	for _, want := range []string{"title", "a-code-heading-with-parts", "again", "again-1"} {
		if !a[want] {
			t.Errorf("anchors %v lack %q", a, want)
		}
	}
	links := relativeLinks(md)
	if len(links) != 2 || links[0].target != "" || links[0].anchor != "a-code-heading-with-parts" || links[1].target != "../go.mod" {
		t.Errorf("links: got %+v, want the anchor and ../go.mod only", links)
	}
	if parseMarkdown("# T\n\n```sh\nls\n").unclosed != 3 {
		t.Error("an unclosed fence was not found")
	}
	for in, want := range map[string]string{
		"Destroy: how long it can take, and why":                               "destroy-how-long-it-can-take-and-why",
		"Where the replace/update facts come from, and how to regenerate them": "where-the-replaceupdate-facts-come-from-and-how-to-regenerate-them",
		"Roles in an organization's account":                                   "roles-in-an-organizations-account",
		"Preview (`pulumi preview --diff`, by the Pulumi engine, offline)":     "preview-pulumi-preview---diff-by-the-pulumi-engine-offline",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q): got %q, want %q", in, got, want)
		}
	}
}
