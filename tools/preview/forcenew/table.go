// Package forcenew holds, per resource type the lab registers, what the
// AWS provider pulumi-aws v6.83.4 bridges (terraform-provider-aws v5.100.0)
// does when an attribute changes: replace the resource (ForceNew in the
// schema, or a ForceNew its CustomizeDiff decides) or update it in place,
// with the upstream line that says so and the Pulumi property name
// pulumi-aws gives the attribute. cmd/forcenew generates it from the
// provider's source (package upstream) and commits it as data
// (forcenew.json); the offline preview decides replace or update from it.
package forcenew

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Change is what a change of an attribute does.
type Change string

// The changes. ReplaceIf is a replacement the provider's CustomizeDiff
// decides under a condition (Attribute.Condition); the offline preview
// shows it as a replacement and names the condition.
const (
	Replace   Change = "replace"
	ReplaceIf Change = "replace-if"
	Update    Change = "update"
)

// Table is forcenew.json.
type Table struct {
	// Header says how the table was made and what it cannot see.
	Header []string `json:"header"`
	// Source is the provider source the facts were read from.
	Source Provenance `json:"source"`
	// Types maps a Pulumi type token to its facts.
	Types map[string]Entry `json:"types"`
	// Dropped are replacements an earlier table had that this one does
	// not, each with the upstream change that removed it.
	Dropped []Dropped `json:"dropped"`
}

// Provenance says which provider source the facts describe and how it was
// read.
type Provenance struct {
	// Repository is the official repository; Version the release the
	// facts are for (the one pulumi-aws v6.83.4 bridges).
	Repository string `json:"repository"`
	Version    string `json:"version"`
	// Bridged says how Version was established.
	Bridged []string `json:"bridged"`
	// Commits are the commits read: Version's own, or the two reachable
	// official commits that bracket it.
	Commits []Commit `json:"commits"`
	// Resolutions is the file that resolves where the bracketing commits
	// disagree (empty when Version itself was read).
	Resolutions string `json:"resolutions,omitempty"`
}

// Commit is one commit read and how its bytes were had.
type Commit struct {
	Commit string `json:"commit"`
	// Describe is its date and subject, or its module version.
	Describe string `json:"describe"`
	// ReadFrom says where its bytes came from and how they were checked.
	ReadFrom string `json:"readFrom"`
}

// Entry is one resource type's facts.
type Entry struct {
	Terraform string `json:"terraform"`
	File      string `json:"file"`
	// Attributes are the attributes a program can set (Optional or
	// Required), nested ones by path, sorted by Terraform path.
	Attributes []Attribute `json:"attributes"`
	// DeleteBeforeReplace is pulumi-aws's own rule for the type
	// (provider/resources.go); false when it sets none.
	DeleteBeforeReplace bool `json:"deleteBeforeReplace"`
	// AutoName is the Pulumi property pulumi-aws names automatically; the
	// bridge deletes before it replaces when the program set it
	// (nameRequiresDeleteBeforeReplace).
	AutoName string `json:"autoName,omitempty"`
	// Overrides cites what pulumi-aws's provider/resources.go sets for the
	// type.
	Overrides string `json:"overrides"`
}

// Attribute is one settable attribute.
type Attribute struct {
	Terraform string `json:"terraform"`
	Pulumi    string `json:"pulumi"`
	Change    Change `json:"change"`
	// Condition is the source of the condition under which CustomizeDiff
	// forces a new resource (ReplaceIf, or a Replace it also decides).
	Condition string `json:"condition,omitempty"`
	// Upstream are the lines that say so, "file:line@commit".
	Upstream []string `json:"upstream"`
	// Resolution cites the upstream change that decides the attribute at
	// Version where the bracketing commits disagree.
	Resolution string `json:"resolution,omitempty"`
}

// Dropped is a replacement a previous table had and this one does not.
type Dropped struct {
	Type      string `json:"type"`
	Terraform string `json:"terraform"`
	Why       string `json:"why"`
}

//go:embed forcenew.json
var tableJSON []byte

// Load returns the committed table, read once; callers must not modify it.
var Load = sync.OnceValues(func() (*Table, error) {
	var t Table
	if err := json.Unmarshal(tableJSON, &t); err != nil {
		return nil, fmt.Errorf("read forcenew.json: %w", err)
	}
	return &t, nil
})

// Attribute returns typ's attribute with the Pulumi path p.
func (e Entry) Attribute(p string) (Attribute, bool) {
	i := slices.IndexFunc(e.Attributes, func(a Attribute) bool { return a.Pulumi == p })
	if i < 0 {
		return Attribute{}, false
	}
	return e.Attributes[i], true
}

// Replaces returns the changed property paths (Pulumi names, dotted, list
// indexes dropped) of typ that force a replacement, and the attributes
// that decide it: a Replace or ReplaceIf attribute, or one inside such a
// block.
func (t *Table) Replaces(typ string, changed []string) ([]string, []Attribute, error) {
	e, ok := t.Types[typ]
	if !ok {
		return nil, nil, fmt.Errorf("forcenew: no entry for %s: add it to forcenew.Sources and re-run cmd/forcenew", typ)
	}
	var out []string
	var why []Attribute
	for _, c := range changed {
		for _, a := range e.Attributes {
			if a.Change == Update {
				continue
			}
			if c == a.Pulumi || strings.HasPrefix(c, a.Pulumi+".") {
				out = append(out, c)
				if !slices.ContainsFunc(why, func(w Attribute) bool { return w.Terraform == a.Terraform }) {
					why = append(why, a)
				}
				break
			}
		}
	}
	slices.Sort(out)
	slices.SortFunc(why, func(a, b Attribute) int { return strings.Compare(a.Pulumi, b.Pulumi) })
	return slices.Compact(out), why, nil
}
