package offlineplan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Program is a Pulumi program that returns the stack outputs it exports.
type Program func(ctx *pulumi.Context) (pulumi.Map, error)

// Options say which project, stack and configuration the program runs with.
type Options struct {
	Project       string
	Stack         string
	RootDirectory string
	// Config holds fully qualified keys ("project:key", "aws:region") and
	// their values as strings, as the engine passes them.
	Config map[string]string
	// AccountID is the account the lookups answer for (default
	// MockAccountID).
	AccountID string
	// Preview runs the program as `pulumi preview` does (ctx.DryRun()):
	// what differs between a preview and an update (an identity outside
	// adminPrincipalArns) is a warning, not an error.
	Preview bool
}

// Plan is what a program registered: its resources, stack first, sorted by
// URN, and the stack's outputs.
type Plan struct {
	Resources []Resource
	Outputs   map[string]any
	Invokes   []string
}

// Run runs program on the mock monitor with opts and returns its plan. When
// the program fails, the plan holds the resources registered before the
// failure (and no stack), so callers can check that bad input registered
// nothing.
func Run(program Program, opts Options) (*Plan, error) {
	m := &Mocks{Project: opts.Project, Stack: opts.Stack, Region: opts.Config["aws:region"], AccountID: opts.AccountID}
	var outputs map[string]any
	body := func(ctx *pulumi.Context) error {
		outs, err := program(ctx)
		if err != nil {
			return err
		}
		for k, v := range outs {
			ctx.Export(k, v)
		}
		outs.ToMapOutput().ApplyT(func(v map[string]any) error {
			outputs = v
			return nil
		})
		return nil
	}
	err := pulumi.RunErr(body, pulumi.WithMocks(opts.Project, opts.Stack, m), func(info *pulumi.RunInfo) {
		info.Config = opts.Config
		info.RootDirectory = opts.RootDirectory
		info.DryRun = opts.Preview
	})
	if err != nil {
		return &Plan{Resources: m.Resources(), Invokes: m.Invokes()}, err
	}
	if outputs == nil {
		return nil, fmt.Errorf("plan: the stack outputs never resolved")
	}
	res := m.Resources()
	sort.Slice(res, func(i, j int) bool { return res[i].URN < res[j].URN })
	stackURN := string(resource.NewURN(tokens.QName(opts.Stack), tokens.PackageName(opts.Project), "",
		resource.RootStackType, opts.Project+"-"+opts.Stack))
	stack := Resource{URN: stackURN, Custom: false, Type: string(resource.RootStackType),
		Name: opts.Project + "-" + opts.Stack, Inputs: map[string]any{}}
	return &Plan{Resources: append([]Resource{stack}, res...), Outputs: outputs, Invokes: m.Invokes()}, nil
}

// Find returns the resources of type typ.
func (p *Plan) Find(typ string) []Resource {
	var out []Resource
	for _, r := range p.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// ByName returns the resource with the given logical name.
func (p *Plan) ByName(name string) (Resource, bool) {
	i := slices.IndexFunc(p.Resources, func(r Resource) bool { return r.Name == name })
	if i < 0 {
		return Resource{}, false
	}
	return p.Resources[i], true
}

// exportedResource is a Resource as `pulumi stack export` shows it; the
// stack's outputs sit on the stack resource.
type exportedResource struct {
	Resource
	Outputs map[string]any `json:"outputs,omitempty"`
}

// JSON renders the plan as `pulumi stack export`'s deployment.resources.
func (p *Plan) JSON() ([]byte, error) {
	out := make([]exportedResource, len(p.Resources))
	for i, r := range p.Resources {
		out[i] = exportedResource{Resource: r}
		if r.Type == string(resource.RootStackType) {
			out[i].Outputs = p.Outputs
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	return buf.Bytes(), nil
}

// Text renders the plan as a tree: type and name, then the inputs.
func (p *Plan) Text() string {
	children := map[string][]Resource{}
	for _, r := range p.Resources[1:] {
		children[r.Parent] = append(children[r.Parent], r)
	}
	var b strings.Builder
	var walk func(r Resource, indent string)
	walk = func(r Resource, indent string) {
		fmt.Fprintf(&b, "%s%s  %s\n", indent, r.Type, r.Name)
		keys := make([]string, 0, len(r.Inputs))
		for k := range r.Inputs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s    %s: %s\n", indent, k, inline(r.Inputs[k], indent+"    "))
		}
		for _, c := range children[r.URN] {
			walk(c, indent+"  ")
		}
	}
	walk(p.Resources[0], "")
	if len(p.Outputs) > 0 {
		b.WriteString("\nOutputs:\n")
		keys := make([]string, 0, len(p.Outputs))
		for k := range p.Outputs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "    %s: %s\n", k, inline(p.Outputs[k], "    "))
		}
	}
	return b.String()
}

// inline renders a value on one line, or indented JSON for policy documents.
// The values are decoded JSON already; should one not encode, it is printed
// with %v rather than dropped.
func inline(v any, indent string) string {
	if s, ok := v.(string); ok {
		return s
	}
	prefix, step := "", ""
	if m, ok := v.(map[string]any); ok {
		if _, isPolicy := m["Statement"]; isPolicy {
			prefix, step = indent, "  "
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, step)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%v", v)
	}
	return strings.TrimSpace(buf.String())
}

// ReadJSON reads a plan as JSON writes it: the resources (names taken from their
// URNs) and the stack's outputs. Values are as JSON decodes them.
func ReadJSON(data []byte) (*Plan, error) {
	var rs []exportedResource
	if err := json.Unmarshal(data, &rs); err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	p := &Plan{}
	for _, r := range rs {
		res := r.Resource
		res.Name = resource.URN(res.URN).Name()
		if res.Type == string(resource.RootStackType) {
			p.Outputs = r.Outputs
		}
		p.Resources = append(p.Resources, res)
	}
	if len(p.Resources) == 0 || p.Resources[0].Type != string(resource.RootStackType) {
		return nil, fmt.Errorf("read plan: the first resource is not the stack")
	}
	return p, nil
}
