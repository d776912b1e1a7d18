package review

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/proof/labplan"

	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
	"github.com/platformlab/s3-gateway-lab/tools/preview/offline"
)

var update = flag.Bool("update", false, "rewrite the golden reviews")

// scenarios are the committed scenario stacks (internal/program/labstack's).
var scenarios = labplan.Scenarios

// TestCheckpointsAreDeterministic checks that deploying a stack's program
// twice records the same checkpoint bytes (no timestamps, random IDs or
// paths), so that a base built in CI and a review made on a laptop agree.
func TestCheckpointsAreDeterministic(t *testing.T) {
	root := repo.Root(t)
	for _, stack := range scenarios {
		t.Run(stack, func(t *testing.T) {
			got, err := offline.State(root, stack)
			if err != nil {
				t.Fatal(err)
			}
			again, err := offline.State(root, stack)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, again) {
				t.Fatalf("two runs recorded different checkpoints:\n%s", lineDiff(string(got), string(again)))
			}
			if bytes.Contains(got, []byte(root)) {
				t.Errorf("the checkpoint holds the project's absolute path %s", root)
			}
			for _, v := range []string{`"time"`, `"created"`, `"modified"`, `"sourcePosition"`} {
				if bytes.Contains(got, []byte(v+": \"2")) || (v == `"sourcePosition"` && bytes.Contains(got, []byte(v))) {
					t.Errorf("the checkpoint records %s", v)
				}
			}
		})
	}
}

// goldenCases are changes whose review is committed under
// testdata/golden: one of each kind of step the engine shows.
var goldenCases = []struct {
	name      string
	opts      Options
	needsNode bool
	// base edits the base checkpoint (the program's, unchanged): the
	// change under review is then the edit undone.
	base func(*deploy.Snapshot) error
	want []string // what the preview must show, whatever the golden file says
}{
	{name: "dev-unchanged", opts: Options{Stack: "dev"}, want: []string{"Resources:"}},
	{name: "dev-create-nat", opts: Options{Stack: "dev", Overrides: map[string]string{"s3-gateway-lab:internetEgress": "nat"}},
		want: []string{"+ aws:ec2/natGateway:NatGateway", "to create"}},
	{name: "dev-update-memory", opts: Options{Stack: "dev", Overrides: map[string]string{"s3-gateway-lab:lambdaMemoryMb": "256"}},
		want: []string{"~ aws:lambda/function:Function", "memorySize", "to update"}},
	{name: "dev-replace-vpccidr", opts: Options{Stack: "dev", Overrides: map[string]string{"s3-gateway-lab:vpcCidr": "10.43.0.0/16"}},
		want: []string{"+-aws:ec2/vpc:Vpc", "cidrBlock", "to replace", "replaces a core-lab resource: aws:ec2/vpc:Vpc lab-vpc"}},
	{name: "internet-delete-nat", opts: Options{Stack: "internet", Overrides: map[string]string{"s3-gateway-lab:internetEgress": "none"}},
		want: []string{"- aws:ec2/natGateway:NatGateway", "to delete"}},
	// Only a route's destination changes (the base's was 10.0.0.0/8): the
	// key is a package constant upstream (routeDestinationCIDRBlock).
	{name: "internet-replace-route-destination", opts: Options{Stack: "internet"},
		base: setInput("aws:ec2/route:Route", "lab-public-default", "destinationCidrBlock", "10.0.0.0/8"),
		want: []string{"+-aws:ec2/route:Route", "destinationCidrBlock", "to replace", "destination_cidr_block, replace"}},
	// Only a function's name changes (the base's was set to lab-fn-v1; the
	// head leaves it to pulumi-aws's auto-naming): function_name is name.
	{name: "dev-replace-function-name", opts: Options{Stack: "dev"},
		base: setInput("aws:lambda/function:Function", "lab-fn", "name", "lab-fn-v1"),
		want: []string{"+-aws:lambda/function:Function", "to replace", "`name` (function_name, replace"}},
	// The access point's name changes (the base's was ap-previous): the
	// program sets the name pulumi-aws would otherwise generate, so the
	// bridge deletes the old access point before creating the new one.
	{name: "full-replace-access-point-name", opts: Options{Stack: "full"},
		base: setInput("aws:s3/accessPoint:AccessPoint", "lab-access-point", "name", "ap-previous"),
		want: []string{"aws:s3/accessPoint:AccessPoint", "to replace", "deleted before its replacement is created",
			"nameRequiresDeleteBeforeReplace"}},
	{name: "dev-destroy", opts: Options{Stack: "dev", Destroy: true},
		want: []string{"- aws:ec2/vpc:Vpc", "Deletion order", "up to 45 minutes"}},
	{name: "dev-access-interface-endpoint", needsNode: true,
		opts: Options{Stack: "dev", Access: true, Overrides: map[string]string{"s3-gateway-lab:s3Endpoints": `["gateway","interface"]`}},
		want: []string{"newly allowed", "→ ALLOWED"}},
}

// TestGoldenReviews renders each golden case twice (the output must not
// vary) and compares it with testdata/golden/<case>.md; -update rewrites
// them. A change of the engine or display (a pkg/v3 upgrade) shows here.
func TestGoldenReviews(t *testing.T) {
	root := repo.Root(t)
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			if c.needsNode {
				requireNode(t, root)
			}
			o := c.opts
			o.Root = root
			if c.base != nil {
				o.BaseState = editedBase(t, root, o.Stack, c.base)
			}
			r, err := Review(o)
			if err != nil {
				t.Fatal(err)
			}
			got := r.Markdown()
			r2, err := Review(o)
			if err != nil {
				t.Fatal(err)
			}
			if again := r2.Markdown(); again != got {
				t.Fatalf("two runs differ:\n%s", lineDiff(got, again))
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("the review lacks %q:\n%s", w, got)
				}
			}
			path := filepath.Join(root, GoldenDir, c.name+".md")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./review -run TestGoldenReviews -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs; review and rewrite with -update:\n%s", path, lineDiff(string(want), got))
			}
		})
	}
}

// setInput returns a base edit that sets a resource's input (and output)
// key to value.
func setInput(typ, name, key, value string) func(*deploy.Snapshot) error {
	return func(snap *deploy.Snapshot) error {
		for _, r := range snap.Resources {
			if string(r.Type) == typ && r.URN.Name() == name {
				r.Inputs[resource.PropertyKey(key)] = resource.NewProperty(value)
				r.Outputs[resource.PropertyKey(key)] = resource.NewProperty(value)
				return nil
			}
		}
		return fmt.Errorf("no %s %s in the base", typ, name)
	}
}

// editedBase writes stack's base checkpoint, edited, and returns its path.
func editedBase(t *testing.T, root, stack string, edit func(*deploy.Snapshot) error) string {
	t.Helper()
	data, err := offline.State(root, stack)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := offline.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := edit(snap); err != nil {
		t.Fatal(err)
	}
	if data, err = offline.Marshal(snap); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "base-state.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// requireNode skips, or fails with CI set, when the policy evaluator
// cannot run (as internal/proof/policyeval's tests do).
func requireNode(t *testing.T, root string) {
	t.Helper()
	_, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(root, "tools/iam-eval/node_modules/@cloud-copilot/iam-simulate/package.json"))
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the policy evaluator cannot run: %v (npm ci --prefix tools/iam-eval)", err)
		}
		t.Skipf("the policy evaluator cannot run: %v (npm ci --prefix tools/iam-eval)", err)
	}
}

// lineDiff lists the lines of got missing from want and the other way.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}

func TestDeleteOrder(t *testing.T) {
	nodes := []Node{
		{URN: "vpc"},
		{URN: "subnet", Deps: []string{"vpc"}},
		{URN: "sg", Deps: []string{"vpc"}},
		{URN: "fn", Deps: []string{"subnet", "sg"}},
		{URN: "bucket"},
	}
	got := DeleteOrder(nodes)
	want := [][]string{{"bucket", "fn"}, {"sg", "subnet"}, {"vpc"}}
	if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestCriticalPath(t *testing.T) {
	nodes := []Node{
		{URN: "urn:pulumi:s::p::aws:ec2/vpc:Vpc::vpc", Type: "aws:ec2/vpc:Vpc"},
		{URN: "urn:pulumi:s::p::aws:ec2/vpcEndpoint:VpcEndpoint::ep", Type: "aws:ec2/vpcEndpoint:VpcEndpoint",
			Deps: []string{"urn:pulumi:s::p::aws:ec2/vpc:Vpc::vpc"}},
		{URN: "urn:pulumi:s::p::aws:ec2/securityGroup:SecurityGroup::sg", Type: "aws:ec2/securityGroup:SecurityGroup",
			Deps: []string{"urn:pulumi:s::p::aws:ec2/vpcEndpoint:VpcEndpoint::ep"}},
	}
	p := CriticalPath(nodes)
	want := CreateTimes["aws:ec2/vpc:Vpc"].Typical + CreateTimes["aws:ec2/vpcEndpoint:VpcEndpoint"].Typical +
		CreateTimes["aws:ec2/securityGroup:SecurityGroup"].Typical
	if p.Total != want || len(p.Steps) != 3 {
		t.Errorf("got %s in %d steps, want %s in 3", p.Total, len(p.Steps), want)
	}
	nodes[2].Deps = []string{"urn:pulumi:s::p::aws:ec2/vpc:Vpc::vpc"}
	if p := CriticalPath(nodes); p.Total != CreateTimes["aws:ec2/vpc:Vpc"].Typical+CreateTimes["aws:ec2/vpcEndpoint:VpcEndpoint"].Typical {
		t.Errorf("without the edge: got %s, want the endpoint's chain", p.Total)
	}
}
