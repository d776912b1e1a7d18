package offline

import (
	"maps"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/platformlab/s3-gateway-lab/tools/preview/forcenew"
)

func TestDiffDecidesFromForceNew(t *testing.T) {
	table, err := forcenew.Load()
	if err != nil {
		t.Fatal(err)
	}
	vpc := map[string]any{"cidrBlock": "10.42.0.0/16", "tags": map[string]any{"Name": "a"}}
	with := func(m map[string]any, k string, v any) map[string]any {
		out := maps.Clone(m)
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	route := map[string]any{"routeTableId": "rtb-1", "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"}
	fn := map[string]any{"name": "lab-fn-v1", "memorySize": 128, "role": "arn:aws:iam::123456789012:role/r"}
	ap := map[string]any{"name": "lab-ap", "bucket": "b1"}
	cases := []struct {
		name        string
		typ         string
		olds, news  map[string]any
		changes     plugin.DiffChanges
		replaceKeys []resource.PropertyKey
		dbr         bool
	}{
		{"vpc same", "aws:ec2/vpc:Vpc", vpc, vpc, plugin.DiffNone, nil, false},
		{"vpc tag", "aws:ec2/vpc:Vpc", vpc, with(vpc, "tags", map[string]any{"Name": "b"}), plugin.DiffSome, nil, false},
		{"vpc cidr", "aws:ec2/vpc:Vpc", vpc, with(vpc, "cidrBlock", "10.43.0.0/16"), plugin.DiffSome,
			[]resource.PropertyKey{"cidrBlock"}, false},
		// CustomizeDiff's replacement (replace-if), shown as one.
		{"vpc tenancy", "aws:ec2/vpc:Vpc", vpc, with(vpc, "instanceTenancy", "dedicated"), plugin.DiffSome,
			[]resource.PropertyKey{"instanceTenancy"}, false},
		// A package constant's key upstream (routeDestinationCIDRBlock).
		{"route destination", "aws:ec2/route:Route", route, with(route, "destinationCidrBlock", "10.0.0.0/8"), plugin.DiffSome,
			[]resource.PropertyKey{"destinationCidrBlock"}, false},
		{"route target", "aws:ec2/route:Route", route, with(route, "natGatewayId", "nat-2"), plugin.DiffSome, nil, false},
		// function_name is the Pulumi property name; left to auto-naming,
		// the new one is not the program's: no delete first.
		{"function name to auto", "aws:lambda/function:Function", fn, with(fn, "name", nil), plugin.DiffSome,
			[]resource.PropertyKey{"name"}, false},
		{"function name set", "aws:lambda/function:Function", fn, with(fn, "name", "lab-fn-v2"), plugin.DiffSome,
			[]resource.PropertyKey{"name"}, true},
		{"function memory", "aws:lambda/function:Function", fn, with(fn, "memorySize", 256), plugin.DiffSome, nil, false},
		// The access point's name is set by the program: a replacement
		// deletes first.
		{"access point bucket", "aws:s3/accessPoint:AccessPoint", ap, with(ap, "bucket", "b2"), plugin.DiffSome,
			[]resource.PropertyKey{"bucket"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, dec, err := diff(table, c.typ, resource.NewPropertyMapFromMap(c.olds), resource.NewPropertyMapFromMap(c.news))
			if err != nil {
				t.Fatal(err)
			}
			if d.Changes != c.changes || !slices.Equal(d.ReplaceKeys, c.replaceKeys) {
				t.Errorf("got changes %v replace %v, want %v %v", d.Changes, d.ReplaceKeys, c.changes, c.replaceKeys)
			}
			if d.DeleteBeforeReplace != c.dbr || dec.DeleteBeforeReplace != c.dbr {
				t.Errorf("got delete-before-replace %v (%q), want %v", d.DeleteBeforeReplace, dec.DeleteBeforeReplaceWhy, c.dbr)
			}
			if len(c.replaceKeys) > 0 && len(dec.Attributes) == 0 {
				t.Error("a replacement without the attributes that decide it")
			}
		})
	}
	if _, _, err := diff(table, "aws:unknown/type:Type", resource.PropertyMap{}, resource.NewPropertyMapFromMap(map[string]any{"a": 1})); err == nil {
		t.Error("got no error for a type the ForceNew table lacks")
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"egress[0].cidrBlocks[1]": "egress.cidrBlocks",
		`tags["Name"]`:            "tags",
		"vpcConfig.subnetIds[0]":  "vpcConfig.subnetIds",
		"cidrBlock":               "cidrBlock",
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q): got %q, want %q", in, got, want)
		}
	}
}
