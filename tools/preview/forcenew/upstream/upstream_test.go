package upstream

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// fixture is a miniature provider tree written the ways the real one
// writes schemas: keys as literals, package constants and names.Attr*
// constants; a block in a package variable, another returned by a
// function of another package behind sync.OnceValue; a CustomizeDiff of
// customdiff.All with ForceNewIfChange and a conditional ForceNew.
var fixture = fstest.MapFS{
	"names/attr_consts_gen.go": {Data: []byte(`package names

const (
	AttrCIDRBlock = "cidr_block"
	AttrName      = "name"
	AttrTags      = "tags"
)
`)},
	"internal/tags/tags.go": {Data: []byte(`package tags

import (
	"sync"

	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
)

var TagsSchema = sync.OnceValue(func() *schema.Schema {
	return &schema.Schema{Type: schema.TypeMap, Optional: true, Elem: &schema.Schema{Type: schema.TypeString}}
})
`)},
	"internal/service/ec2/route.go": {Data: []byte(`package ec2

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/customdiff"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	tftags "github.com/hashicorp/terraform-provider-aws/internal/tags"
	"github.com/hashicorp/terraform-provider-aws/names"
)

const (
	routeDestinationCIDRBlock = "destination_cidr_block"
	prefix                    = "rule_"
)

// @SDKResource("aws_thing", name="Thing")
func resourceThing() *schema.Resource {
	return &schema.Resource{
		CustomizeDiff: customdiff.All(
			customdiff.ForceNewIfChange("restore_source", func(_ context.Context, old, new, meta any) bool {
				return old.(string) != new.(string) && new.(string) != ""
			}),
			thingCustomizeDiff,
		),
		SchemaFunc: func() map[string]*schema.Schema {
			return map[string]*schema.Schema{
				names.AttrCIDRBlock: {
					Type:     schema.TypeString,
					Required: true,
					ForceNew: true,
				},
				routeDestinationCIDRBlock: {
					Type:     schema.TypeString,
					Optional: true,
					ForceNew: true,
				},
				names.AttrName: {
					Type:     schema.TypeString,
					Optional: true,
				},
				"restore_source": {Type: schema.TypeString, Optional: true},
				"tenancy":        {Type: schema.TypeString, Optional: true},
				"computed_only":  {Type: schema.TypeString, Computed: true},
				"ingress":        ruleSetBlock,
				"index": {
					Type: schema.TypeList,
					Optional: true,
					Elem: &schema.Resource{
						Schema: map[string]*schema.Schema{
							names.AttrName: {Type: schema.TypeString, Required: true, ForceNew: true},
							prefix + "type": {Type: schema.TypeString, Optional: true},
						},
					},
				},
				names.AttrTags: tftags.TagsSchema(),
			}
		},
	}
}

var ruleSetBlock = &schema.Schema{
	Type:     schema.TypeSet,
	Optional: true,
	Elem:     ruleBlock(),
}

func ruleBlock() *schema.Resource {
	r := &schema.Resource{
		Schema: map[string]*schema.Schema{
			"from_port": {Type: schema.TypeInt, Required: true},
		},
	}
	return r
}

func thingCustomizeDiff(_ context.Context, diff *schema.ResourceDiff, v any) error {
	if diff.HasChange("tenancy") {
		old, new := diff.GetChange("tenancy")
		if old.(string) != "dedicated" || new.(string) != "default" {
			diff.ForceNew("tenancy")
		}
	}
	return nil
}
`)},
	"internal/service/ec2/framework.go": {Data: []byte(`package ec2

// @FrameworkResource("aws_framework_thing", name="Framework Thing")
func newFrameworkThing() {}
`)},
}

func TestResourceReadsKeysAsTheCompilerWould(t *testing.T) {
	r, err := NewTree(fixture).Resource("aws_thing", "internal/service/ec2/route.go")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range r.Attributes {
		s := a.Path
		if a.ForceNew {
			s += " forcenew"
		}
		if !a.Settable {
			s += " computed"
		}
		if a.Block {
			s += " block"
		}
		got = append(got, s)
	}
	want := []string{
		"cidr_block forcenew", "computed_only computed", "destination_cidr_block forcenew",
		"index block", "index.name forcenew", "index.rule_type",
		"ingress block", "ingress.from_port", "name", "restore_source", "tags", "tenancy",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if a, _ := r.Attribute("destination_cidr_block"); a.File != "internal/service/ec2/route.go" || a.Line != 31 {
		t.Errorf("got %s:%d, want the key's line, internal/service/ec2/route.go:31", a.File, a.Line)
	}
	var conds []string
	for _, c := range r.Conditional {
		conds = append(conds, c.Path+" "+c.Call+" "+c.Condition)
	}
	wantConds := []string{
		`restore_source customdiff.ForceNewIfChange old.(string) != new.(string) && new.(string) != ""`,
		`tenancy ResourceDiff.ForceNew diff.HasChange("tenancy") && (old.(string) != "dedicated" || new.(string) != "default")`,
	}
	if !slices.Equal(conds, wantConds) {
		t.Errorf("got  %q\nwant %q", conds, wantConds)
	}
}

func TestResourceRefusesWhatItCannotRead(t *testing.T) {
	tree := NewTree(fixture)
	if _, err := tree.Resource("aws_framework_thing", "internal/service/ec2/framework.go"); err == nil ||
		!strings.Contains(err.Error(), "Plugin Framework") {
		t.Errorf("got %v, want a Plugin Framework error", err)
	}
	if _, err := tree.Resource("aws_other", "internal/service/ec2/route.go"); err == nil {
		t.Error("got no error for a resource the file does not define")
	}
	bad := fstest.MapFS{"internal/service/x/x.go": {Data: []byte(`package x

// @SDKResource("aws_x")
func resourceX() *schema.Resource {
	return &schema.Resource{Schema: map[string]*schema.Schema{keyFromElsewhere(): {Type: schema.TypeString}}}
}
`)}}
	if _, err := NewTree(bad).Resource("aws_x", "internal/service/x/x.go"); err == nil {
		t.Error("got no error for a key it cannot evaluate")
	}
}

func TestAttributePath(t *testing.T) {
	for in, want := range map[string]string{
		"warm_throughput.0.read_units_per_second": "warm_throughput.read_units_per_second",
		"name": "name",
	} {
		if got := AttributePath(in); got != want {
			t.Errorf("AttributePath(%q): got %q, want %q", in, got, want)
		}
	}
}
