package forcenew

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/platformlab/s3-gateway-lab/tools/preview/forcenew/upstream"
)

// Absent is the class of an attribute a commit does not have (or has
// computed only, so a program cannot set it).
const Absent Change = "absent"

// Fact is one attribute's class at one commit and the lines that say so.
type Fact struct {
	Change    Change
	Condition string
	Upstream  []string
	// Resolution is the evidence that decided a bracketed difference.
	Resolution string
}

// Facts classifies the settable attributes of r, read at commit: Replace
// for ForceNew in the schema, ReplaceIf for a CustomizeDiff ForceNew,
// Update otherwise. A CustomizeDiff ForceNew on an attribute a program
// cannot set is left out (the provider changes it, not the program).
func Facts(r *upstream.Resource, commit string) map[string]Fact {
	short := commit[:min(8, len(commit))]
	out := map[string]Fact{}
	for _, a := range r.Attributes {
		if !a.Settable {
			continue
		}
		f := Fact{Change: Update, Upstream: []string{fmt.Sprintf("%s:%d@%s", a.File, a.Line, short)}}
		if a.ForceNew {
			f.Change = Replace
		}
		out[a.Path] = f
	}
	for _, c := range r.Conditional {
		f, ok := out[c.Path]
		if !ok {
			continue
		}
		if f.Change == Update {
			f.Change = ReplaceIf
		}
		f.Upstream = append(f.Upstream, fmt.Sprintf("%s:%d@%s (CustomizeDiff %s)", c.File, c.Line, short, c.Call))
		if f.Change == ReplaceIf {
			// A schema ForceNew replaces whatever the CustomizeDiff adds.
			f.Condition = joinConditions(f.Condition, c.Condition)
		}
		out[c.Path] = f
	}
	return out
}

func joinConditions(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "" || a == b:
		return a
	}
	return a + "; or " + b
}

// Resolutions is the hand-kept file that decides, from the upstream
// changelog, the attributes whose class differs between the two commits
// that bracket the bridged version, and the replacements a regeneration
// may drop.
type Resolutions struct {
	Header      []string     `json:"header"`
	Resolutions []Resolution `json:"resolutions"`
	Dropped     []Dropped    `json:"dropped"`
}

// Resolution decides one attribute: Before and After are its classes at
// the older and newer commit (as read; a stale entry is an error), At its
// class at the bridged version, Evidence the changelog entries that say
// so. An entry whose At is absent also decides the attributes under it
// that only one commit has.
type Resolution struct {
	Resource string `json:"resource"`
	Path     string `json:"path"`
	Before   Change `json:"before"`
	After    Change `json:"after"`
	At       Change `json:"at"`
	Evidence string `json:"evidence"`
}

// ReadResolutions parses a resolutions file.
func ReadResolutions(data []byte) (*Resolutions, error) {
	var r Resolutions
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("read resolutions: %w", err)
	}
	for _, x := range r.Resolutions {
		if x.Evidence == "" {
			return nil, fmt.Errorf("resolution %s %s: no evidence", x.Resource, x.Path)
		}
		if !slices.Contains([]Change{Replace, ReplaceIf, Update, Absent}, x.At) {
			return nil, fmt.Errorf("resolution %s %s: at %q is not replace, replace-if, update or absent", x.Resource, x.Path, x.At)
		}
	}
	return &r, nil
}

// Bracket returns the classes at the bridged version of resource's
// attributes from the classes at an older (before) and a newer (after)
// commit: equal classes stand; a difference needs a resolution. Every
// difference without one, and every resolution that matches no difference
// (stale), is an error, all of them listed.
func Bracket(resource string, before, after map[string]Fact, res []Resolution) (map[string]Fact, error) {
	out := map[string]Fact{}
	used := map[int]bool{}
	var errs []error
	paths := slices.Sorted(maps.Keys(before))
	for p := range after {
		if _, ok := before[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	absentAt := map[string]bool{}
	for _, p := range paths {
		b, hasB := before[p]
		a, hasA := after[p]
		bc, ac := b.Change, a.Change
		if !hasB {
			bc = Absent
		}
		if !hasA {
			ac = Absent
		}
		if bc == ac {
			f := a
			f.Upstream = append(slices.Clone(b.Upstream), a.Upstream...)
			if f.Condition == "" {
				f.Condition = b.Condition
			}
			out[p] = f
			continue
		}
		i := slices.IndexFunc(res, func(r Resolution) bool { return r.Resource == resource && r.Path == p })
		if i < 0 {
			if parent := ancestorIn(p, absentAt); parent != "" && (bc == Absent || ac == Absent) {
				continue
			}
			errs = append(errs, fmt.Errorf("%s %s: %s at the older commit, %s at the newer: add a resolution", resource, p, bc, ac))
			continue
		}
		used[i] = true
		r := res[i]
		if r.Before != bc || r.After != ac {
			errs = append(errs, fmt.Errorf("%s %s: the resolution says %s then %s, the source %s then %s", resource, p,
				r.Before, r.After, bc, ac))
			continue
		}
		if r.At == Absent {
			absentAt[p] = true
			continue
		}
		cond := ""
		if r.At == ReplaceIf {
			cond = joinConditions(b.Condition, a.Condition)
		}
		out[p] = Fact{Change: r.At, Condition: cond, Upstream: append(slices.Clone(b.Upstream), a.Upstream...),
			Resolution: r.Evidence}
	}
	for i, r := range res {
		if r.Resource == resource && !used[i] {
			errs = append(errs, fmt.Errorf("%s %s: stale resolution (the commits agree, or neither has it)", resource, r.Path))
		}
	}
	return out, errors.Join(errs...)
}

// ancestorIn returns the nearest ancestor path of p in set, or "".
func ancestorIn(p string, set map[string]bool) string {
	for {
		i := strings.LastIndex(p, ".")
		if i < 0 {
			return ""
		}
		p = p[:i]
		if set[p] {
			return p
		}
	}
}

// Replacements lists "type terraform-path" of every Replace or ReplaceIf
// attribute of a table, or of a table of the earlier form (a forceNew list
// per type).
func Replacements(data []byte) (map[string]bool, error) {
	var t struct {
		Types map[string]struct {
			Attributes []Attribute `json:"attributes"`
			ForceNew   []struct {
				Terraform string `json:"terraform"`
			} `json:"forceNew"`
		} `json:"types"`
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("read table: %w", err)
	}
	out := map[string]bool{}
	for typ, e := range t.Types {
		for _, a := range e.Attributes {
			if a.Change == Replace || a.Change == ReplaceIf {
				out[typ+" "+a.Terraform] = true
			}
		}
		for _, a := range e.ForceNew {
			out[typ+" "+a.Terraform] = true
		}
	}
	return out, nil
}

// Lost returns the replacements of previous (Replacements' keys) that next
// lacks and no entry of dropped explains, sorted.
func Lost(previous map[string]bool, next *Table, dropped []Dropped) []string {
	var out []string
	for k := range previous {
		typ, path, _ := strings.Cut(k, " ")
		e := next.Types[typ]
		i := slices.IndexFunc(e.Attributes, func(a Attribute) bool { return a.Terraform == path })
		if i >= 0 && e.Attributes[i].Change != Update {
			continue
		}
		if slices.ContainsFunc(dropped, func(d Dropped) bool { return d.Type == typ && d.Terraform == path && d.Why != "" }) {
			continue
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
