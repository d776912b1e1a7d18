package components

import (
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// TestOutputsAreTheContract: every output the component declares is a field
// of contract.StackOutputs of the same name, json tag and element type, and
// every field of the contract is an output, so that what the stack exports
// is what the verifier decodes.
func TestOutputsAreTheContract(t *testing.T) {
	want := map[string]reflect.StructField{}
	ct := reflect.TypeFor[contract.StackOutputs]()
	for i := range ct.NumField() {
		f := ct.Field(i)
		want[f.Tag.Get("json")] = f
	}
	lt := reflect.TypeFor[S3GatewayLab]()
	seen := map[string]bool{}
	for i := range lt.NumField() {
		f := lt.Field(i)
		tag, ok := f.Tag.Lookup("pulumi")
		if !ok {
			continue
		}
		seen[tag] = true
		c, ok := want[tag]
		if !ok {
			t.Errorf("output %s (%s): not in contract.StackOutputs", tag, f.Name)
			continue
		}
		if c.Name != f.Name {
			t.Errorf("output %s: field %s in the component, %s in the contract", tag, f.Name, c.Name)
		}
		out, ok := reflect.Zero(f.Type).Interface().(pulumi.Output)
		if !ok {
			t.Errorf("output %s: %s is not a pulumi.Output", tag, f.Type)
			continue
		}
		if got := out.ElementType(); got != c.Type {
			t.Errorf("output %s: got element type %s, want the contract's %s", tag, got, c.Type)
		}
	}
	for tag := range want {
		if !seen[tag] {
			t.Errorf("contract.StackOutputs.%s (%s): the component declares no such output", want[tag].Name, tag)
		}
	}
	if got := (&S3GatewayLab{}).Outputs(); len(got) != len(want) {
		t.Errorf("Outputs: got %d outputs, want the contract's %d", len(got), len(want))
	}
}
