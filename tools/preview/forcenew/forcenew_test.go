package forcenew

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

func load(t *testing.T) *Table {
	t.Helper()
	table, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return table
}

// TestProvenance: the facts are for the release pulumi-aws v6.83.4
// bridges, from hashicorp's repository, and say how each commit was read.
func TestProvenance(t *testing.T) {
	s := load(t).Source
	if s.Repository != "github.com/hashicorp/terraform-provider-aws" || s.Version != "v5.100.0" {
		t.Errorf("got %s %s, want github.com/hashicorp/terraform-provider-aws v5.100.0", s.Repository, s.Version)
	}
	if len(s.Bridged) == 0 {
		t.Error("no evidence for the bridged version")
	}
	if len(s.Commits) == 0 || (len(s.Commits) == 2) != (s.Resolutions != "") {
		t.Errorf("got %d commits and resolutions %q: want one commit, or two and the resolutions", len(s.Commits), s.Resolutions)
	}
	for _, c := range s.Commits {
		if c.Commit == "" || c.ReadFrom == "" || c.Describe == "" {
			t.Errorf("commit %+v: want its hash, description and how it was read", c)
		}
	}
}

// TestPropertiesExistInSDK: every property the table names exists on
// that type's input in the pulumi-aws SDK this module builds with (the
// args struct's `pulumi:"..."` tags), and so does the property it says
// pulumi-aws names itself.
func TestPropertiesExistInSDK(t *testing.T) {
	table := load(t)
	for typ, e := range table.Types {
		src, ok := Sources[typ]
		if !ok {
			t.Errorf("%s: not in Sources, so its SDK args type is unknown", typ)
			continue
		}
		args := src.Args.ElementType()
		if len(e.Attributes) == 0 {
			t.Errorf("%s: no attributes", typ)
		}
		for _, a := range e.Attributes {
			if !HasProperty(args, a.Pulumi) {
				t.Errorf("%s: %s (Terraform %s) is no property of the SDK's %s", typ, a.Pulumi, a.Terraform, args)
			}
		}
		if e.AutoName != "" && !HasProperty(args, e.AutoName) {
			t.Errorf("%s: autoName %s is no property of the SDK's %s", typ, e.AutoName, args)
		}
	}
	for typ := range Sources {
		if _, ok := table.Types[typ]; !ok {
			t.Errorf("forcenew.json lacks %s of Sources: re-run cmd/forcenew", typ)
		}
	}
}

// TestLabAttributesClassified: every type the golden plans register is in
// the table, and every attribute the lab sets on it, nested ones by path,
// is classified replace, replace-if or update with the upstream line that
// says so.
func TestLabAttributesClassified(t *testing.T) {
	table := load(t)
	plans, err := filepath.Glob(filepath.Join(repo.Root(t), "testdata", "plan-*.json"))
	if err != nil || len(plans) == 0 {
		t.Fatalf("no golden plans: %v", err)
	}
	seen := 0
	for _, p := range plans {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var rs []struct {
			URN    string         `json:"urn"`
			Type   string         `json:"type"`
			Custom bool           `json:"custom"`
			Inputs map[string]any `json:"inputs"`
		}
		if err := json.Unmarshal(data, &rs); err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if !r.Custom || strings.HasPrefix(r.Type, "pulumi:providers:") {
				continue
			}
			e, ok := table.Types[r.Type]
			if !ok {
				t.Errorf("%s registers %s, which forcenew.json lacks", filepath.Base(p), r.Type)
				continue
			}
			for _, path := range setPaths(e, "", r.Inputs) {
				seen++
				a, ok := e.Attribute(path)
				switch {
				case !ok:
					t.Errorf("%s: %s sets %s, which the table does not classify", filepath.Base(p), r.URN, path)
				case !slices.Contains([]Change{Replace, ReplaceIf, Update}, a.Change):
					t.Errorf("%s: %s is %q", r.Type, path, a.Change)
				case len(a.Upstream) == 0 || !strings.Contains(a.Upstream[0], ".go:"):
					t.Errorf("%s: %s has no upstream line", r.Type, path)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no attribute checked")
	}
}

// setPaths lists the property paths inputs sets: the keys, and below a
// key the table knows as a block (attributes under it), the keys of its
// objects.
func setPaths(e Entry, prefix string, inputs map[string]any) []string {
	var out []string
	for k, v := range inputs {
		p := prefix + k
		out = append(out, p)
		if !slices.ContainsFunc(e.Attributes, func(a Attribute) bool { return strings.HasPrefix(a.Pulumi, p+".") }) {
			continue
		}
		objs := []any{v}
		if l, ok := v.([]any); ok {
			objs = l
		}
		for _, o := range objs {
			if m, ok := o.(map[string]any); ok {
				out = append(out, setPaths(e, p+".", m)...)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestNoReplacementLost: every replacement the table had before it was
// generated from the bridged release (testdata/table-before-issue18.json,
// read with literal keys from 1a5174b1) is still one, or the table says
// why it was dropped.
func TestNoReplacementLost(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "table-before-issue18.json"))
	if err != nil {
		t.Fatal(err)
	}
	prev, err := Replacements(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(prev) == 0 {
		t.Fatal("the earlier table has no replacement")
	}
	table := load(t)
	if lost := Lost(prev, table, table.Dropped); len(lost) > 0 {
		t.Errorf("replacements gone without a reason in upstream.json's dropped: %v", lost)
	}
}

func TestLost(t *testing.T) {
	prev := map[string]bool{"aws:t:T a": true, "aws:t:T b": true, "aws:t:T c": true}
	next := &Table{Types: map[string]Entry{"aws:t:T": {Attributes: []Attribute{
		{Terraform: "a", Change: Replace}, {Terraform: "b", Change: Update}}}}}
	if got, want := Lost(prev, next, nil), []string{"aws:t:T b", "aws:t:T c"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	dropped := []Dropped{{Type: "aws:t:T", Terraform: "b", Why: "6.1.0 made it updatable (#1)"}, {Type: "aws:t:T", Terraform: "c"}}
	if got, want := Lost(prev, next, dropped), []string{"aws:t:T c"}; !slices.Equal(got, want) {
		t.Errorf("with reasons: got %v, want %v (an entry without a reason explains nothing)", got, want)
	}
}

func TestBracket(t *testing.T) {
	f := func(c Change, line string) Fact { return Fact{Change: c, Upstream: []string{line}} }
	before := map[string]Fact{"a": f(Replace, "x.go:1@old"), "b": f(Update, "x.go:2@old"), "gone": f(Replace, "x.go:3@old")}
	after := map[string]Fact{"a": f(Replace, "x.go:5@new"), "b": f(ReplaceIf, "x.go:6@new"), "blk": f(Update, "x.go:7@new"),
		"blk.c": f(Replace, "x.go:8@new")}
	res := []Resolution{
		{Resource: "r", Path: "b", Before: Update, After: ReplaceIf, At: Update, Evidence: "6.2.0 (#2)"},
		{Resource: "r", Path: "gone", Before: Replace, After: Absent, At: Replace, Evidence: "6.0.0 removed it (#3)"},
		{Resource: "r", Path: "blk", Before: Absent, After: Update, At: Absent, Evidence: "6.3.0 added it (#4)"},
	}
	got, err := Bracket("r", before, after, res)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Change{"a": Replace, "b": Update, "gone": Replace}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v (blk.c goes with its block)", got, want)
	}
	for p, c := range want {
		if got[p].Change != c {
			t.Errorf("%s: got %s, want %s", p, got[p].Change, c)
		}
	}
	if !reflect.DeepEqual(got["a"].Upstream, []string{"x.go:1@old", "x.go:5@new"}) || got["b"].Resolution != "6.2.0 (#2)" {
		t.Errorf("got %+v and %+v: want both commits' lines, and the resolution's evidence", got["a"], got["b"])
	}
	// A difference without a resolution, and a stale one, are errors.
	if _, err := Bracket("r", before, after, res[:2]); err == nil || !strings.Contains(err.Error(), "blk") {
		t.Errorf("got %v, want an error naming blk", err)
	}
	stale := append(slices.Clone(res), Resolution{Resource: "r", Path: "a", Before: Replace, After: Update, At: Update, Evidence: "e"})
	if _, err := Bracket("r", before, after, stale); err == nil || !strings.Contains(err.Error(), "stale") {
		t.Errorf("got %v, want a stale resolution error", err)
	}
	wrong := []Resolution{{Resource: "r", Path: "b", Before: Update, After: Replace, At: Update, Evidence: "e"}, res[1], res[2]}
	if _, err := Bracket("r", before, after, wrong); err == nil {
		t.Error("got no error for a resolution whose classes the source contradicts")
	}
}

func TestReplaces(t *testing.T) {
	table := &Table{Types: map[string]Entry{"t": {Attributes: []Attribute{
		{Terraform: "cidr_block", Pulumi: "cidrBlock", Change: Replace},
		{Terraform: "tenancy", Pulumi: "tenancy", Change: ReplaceIf},
		{Terraform: "vpc_config", Pulumi: "vpcConfig", Change: Update},
		{Terraform: "vpc_config.ipv6_allowed", Pulumi: "vpcConfig.ipv6Allowed", Change: Replace},
		{Terraform: "vpc_config.subnet_ids", Pulumi: "vpcConfig.subnetIds", Change: Update},
	}}}}
	got, why, err := table.Replaces("t", []string{"description", "cidrBlock", "tenancy", "vpcConfig.ipv6Allowed", "vpcConfig.subnetIds"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"cidrBlock", "tenancy", "vpcConfig.ipv6Allowed"}; !slices.Equal(got, want) || len(why) != 3 {
		t.Errorf("got %v (%d reasons), want %v (3)", got, len(why), want)
	}
	if _, _, err := table.Replaces("unknown", nil); err == nil {
		t.Error("got no error for a type the table lacks")
	}
}

func TestPulumiPath(t *testing.T) {
	type lsi struct {
		Name      string `pulumi:"name"`
		RangeKey  string `pulumi:"rangeKey"`
		NonKeyAtt []string
	}
	type args struct {
		Name                  *string  `pulumi:"name"`
		LocalSecondaryIndexes []lsi    `pulumi:"localSecondaryIndexes"`
		Attributes            []lsi    `pulumi:"attributes"`
		CidrBlock             *string  `pulumi:"cidrBlock"`
		Ingress               []string `pulumi:"ingress"`
		Ingresses             []string `pulumi:"ingresses"`
	}
	ty := reflect.TypeFor[args]()
	renames := map[string]string{"function_name": "name"}
	for tf, want := range map[string]string{
		"cidr_block":                      "cidrBlock",
		"function_name":                   "name",
		"local_secondary_index.range_key": "localSecondaryIndexes.rangeKey",
		"attribute.name":                  "attributes.name",
	} {
		if got, err := PulumiPath(ty, tf, renames); err != nil || got != want {
			t.Errorf("PulumiPath(%q): got %q, %v, want %q", tf, got, err, want)
		}
	}
	for _, tf := range []string{"function_name_x", "ingress", "local_secondary_index.projection_type"} {
		if got, err := PulumiPath(ty, tf, renames); err == nil {
			t.Errorf("PulumiPath(%q): got %q, want an error (no property, or two)", tf, got)
		}
	}
}
