package offlineplan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type testRes struct {
	pulumi.CustomResourceState
}

// program registers a component with one child whose input is another
// resource's computed output and a policy document.
func program(ctx *pulumi.Context) (pulumi.Map, error) {
	var comp struct{ pulumi.ResourceState }
	if err := ctx.RegisterComponentResource("test:index:Comp", "c", &comp); err != nil {
		return nil, err
	}
	var a testRes
	if err := ctx.RegisterResource("aws:ec2/vpcEndpoint:VpcEndpoint", "c-ep", pulumi.Map{"vpcId": pulumi.String("v")}, &a, pulumi.Parent(&comp)); err != nil {
		return nil, err
	}
	var b testRes
	if err := ctx.RegisterResource("aws:iam/rolePolicy:RolePolicy", "c-rp", pulumi.Map{
		"policy": pulumi.String(`{"Version":"2012-10-17","Statement":[]}`),
		"ref":    a.ID(),
	}, &b, pulumi.Parent(&comp)); err != nil {
		return nil, err
	}
	return pulumi.Map{"id": a.ID()}, nil
}

func TestRun(t *testing.T) {
	p, err := Run(program, Options{Project: "proj", Stack: "s", Config: map[string]string{"aws:region": "eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Resources) != 4 || p.Resources[0].Type != "pulumi:pulumi:Stack" {
		t.Fatalf("got %d resources (first %s), want the stack and 3", len(p.Resources), p.Resources[0].Type)
	}
	rp, ok := p.ByName("c-rp")
	if !ok {
		t.Fatal("no c-rp")
	}
	if rp.URN != "urn:pulumi:s::proj::test:index:Comp$aws:iam/rolePolicy:RolePolicy::c-rp" {
		t.Errorf("URN: got %s", rp.URN)
	}
	if rp.Inputs["ref"] != Unknown("c-ep", "id") {
		t.Errorf("computed id input: got %v, want the placeholder", rp.Inputs["ref"])
	}
	if _, decoded := rp.Inputs["policy"].(map[string]any); !decoded {
		t.Errorf("policy input not decoded: %T", rp.Inputs["policy"])
	}
	if fmt.Sprint(p.Outputs["id"]) != Unknown("c-ep", "id") {
		t.Errorf("outputs: got %v", p.Outputs)
	}
	text := p.Text()
	for _, want := range []string{"pulumi:pulumi:Stack  proj-s", "  test:index:Comp  c", "    aws:iam/rolePolicy:RolePolicy  c-rp", "Outputs:"} {
		if !strings.Contains(text, want) {
			t.Errorf("text plan lacks %q:\n%s", want, text)
		}
	}
}

func TestUnknownInvokeFails(t *testing.T) {
	_, err := Run(func(ctx *pulumi.Context) (pulumi.Map, error) {
		var out map[string]any
		err := ctx.Invoke("aws:index/getAmi:getAmi", map[string]any{}, &out)
		return pulumi.Map{}, err
	}, Options{Project: "proj", Stack: "s"})
	if err == nil || !strings.Contains(err.Error(), "unexpected invoke aws:index/getAmi:getAmi") {
		t.Errorf("got %v, want the mocks to refuse an unknown invoke", err)
	}
}

func TestZones(t *testing.T) {
	names, ids := Zones("us-east-1")
	if len(names) != 6 || names[5] != "us-east-1f" || ids[0] != "use1-az2" || ids[5] != "use1-az1" {
		t.Errorf("Zones(us-east-1) = %v %v", names, ids)
	}
	if names, ids := Zones("eu-west-1"); len(names) != 3 || ids[0] != "euw1-az2" {
		t.Errorf("Zones(eu-west-1) = %v %v, want 3 zones with IDs euw1-az*", names, ids)
	}
	for region, want := range map[string]string{"ap-southeast-2": "apse2", "ap-northeast-1": "apne1", "eu-central-1": "euc1",
		"sa-east-1": "sae1"} {
		if got := regionCode(region); got != want {
			t.Errorf("regionCode(%s) = %s, want %s", region, got, want)
		}
	}
}

func TestReadJSONRoundTrips(t *testing.T) {
	p, err := Run(program, Options{Project: "proj", Stack: "s", Config: map[string]string{"aws:region": "eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	again, err := back.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(data) {
		t.Errorf("got %s, want %s", again, data)
	}
	if rp, ok := back.ByName("c-rp"); !ok || rp.Type != "aws:iam/rolePolicy:RolePolicy" {
		t.Errorf("got %+v, want the role policy c-rp", rp)
	}
	if fmt.Sprint(back.Outputs["id"]) != Unknown("c-ep", "id") {
		t.Errorf("got outputs %v, want the id output", back.Outputs)
	}
	if _, err := ReadJSON([]byte(`[]`)); err == nil {
		t.Error("got no error for a plan without a stack")
	}
}
