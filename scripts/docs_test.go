package scripts

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

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
