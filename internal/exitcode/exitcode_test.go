package exitcode_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// TestOneMeaningPerNumber: in each family a number has one meaning, every
// code a command exits with is in its family's table, every row of the table
// is some command's, and a command is in one family only.
func TestOneMeaningPerNumber(t *testing.T) {
	family := map[string]string{}
	for _, f := range exitcode.Families {
		seen := map[exitcode.Code]string{}
		for _, e := range f.Codes {
			if prev, ok := seen[e.Code]; ok {
				t.Errorf("%s: %d means %q and %q", f.Name, e.Code, prev, e.Meaning)
			}
			if e.Meaning == "" {
				t.Errorf("%s: %d has no meaning", f.Name, e.Code)
			}
			seen[e.Code] = e.Meaning
		}
		used := map[exitcode.Code]bool{}
		for cmd, codes := range f.Commands {
			if other, ok := family[cmd]; ok {
				t.Errorf("command %s is in the families %s and %s", cmd, other, f.Name)
			}
			family[cmd] = f.Name
			for _, c := range codes {
				if _, ok := seen[c]; !ok {
					t.Errorf("%s exits with %d, which the %s table does not hold", cmd, c, f.Name)
				}
				used[c] = true
			}
		}
		for c := range seen {
			if !used[c] {
				t.Errorf("%s: no command exits with %d", f.Name, c)
			}
		}
	}
	if got := exitcode.Claims.Meaning(exitcode.Code(99)); got != "unexpected exit code" {
		t.Errorf("meaning of 99: got %q, want unexpected exit code", got)
	}
}

// codeItem is a code at the start of the doc's list or after "; ".
var codeItem = regexp.MustCompile(`(?:^|;\s+)(\d+) `)

// TestDocCommentsListTheCodes: each command's doc comment has a paragraph
// "Exit codes: 0 ...; 1 ...", which names exactly the codes of the command
// in its family's table, and every command is in a family.
func TestDocCommentsListTheCodes(t *testing.T) {
	root := repo.Root(t)
	dirs, err := os.ReadDir(filepath.Join(root, "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		var want []exitcode.Code
		for _, f := range exitcode.Families {
			if codes, ok := f.Commands[d.Name()]; ok {
				want = codes
			}
		}
		if want == nil {
			t.Errorf("cmd/%s is in no family of internal/exitcode", d.Name())
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, "cmd", d.Name(), "main.go"), nil,
			parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		_, list, ok := strings.Cut(file.Doc.Text(), "Exit codes: ")
		if !ok {
			t.Errorf("cmd/%s: the doc comment has no paragraph \"Exit codes: ...\"", d.Name())
			continue
		}
		list, _, _ = strings.Cut(list, "\n\n")
		list = strings.Join(strings.Fields(list), " ")
		var got []exitcode.Code
		for _, m := range codeItem.FindAllStringSubmatch(list, -1) {
			n, _ := strconv.Atoi(m[1])
			got = append(got, exitcode.Code(n))
		}
		if !slices.Equal(got, want) {
			t.Errorf("cmd/%s: the doc comment lists the exit codes %v, want %v (internal/exitcode)\n%s", d.Name(), got, want, list)
		}
	}
}
