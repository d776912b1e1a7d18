package review

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/platformlab/s3-gateway-lab/internal/proof/labplan"

	"github.com/pulumi/pulumi/pkg/v3/engine"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/platformlab/s3-gateway-lab/internal/proof/cost"
	"github.com/platformlab/s3-gateway-lab/internal/proof/offlineplan"
	"github.com/platformlab/s3-gateway-lab/internal/proof/policyeval"
	"github.com/platformlab/s3-gateway-lab/tools/preview/forcenew"
	"github.com/platformlab/s3-gateway-lab/tools/preview/offline"
)

// GoldenDir is where the golden reviews live, under the project root.
const GoldenDir = "tools/preview/testdata/golden"

// CoreStack is the scenario stack whose resources are the core lab: a
// replacement of one of them is flagged.
const CoreStack = "dev"

// Options say what to review.
type Options struct {
	// Root is the project directory and Stack the scenario stack.
	Root, Stack string
	// Overrides set configuration keys (fully qualified) on top of the
	// stack's files; tests use them to make a change.
	Overrides map[string]string
	// BaseState and BasePlan are the base's checkpoint (State's output)
	// and plan (cmd/plan -json's); empty means the ones of Root's program
	// with the stack's files, unchanged (so only Overrides differ).
	BaseState, BasePlan string
	// Destroy previews deleting the base instead of updating it.
	Destroy bool
	// Access runs the policy matrix (needs Node.js and tools/iam-eval).
	Access bool
}

// Report is a reviewed change.
type Report struct {
	Stack    string
	Destroy  bool
	Preview  string
	Changes  map[string]int
	Replaced []Replacement
	// Facts names the provider release whose rules decided replacements.
	Facts      string
	CoreFlags  []string // replaced resources of the core lab
	Access     []policyeval.Change
	AccessRun  bool
	CostBefore cost.Breakdown
	CostAfter  cost.Breakdown
	PathBefore Path
	PathAfter  Path
	// VPCFunctions are the functions in private subnets, whose network
	// interfaces Lambda releases slowly on delete.
	VPCFunctions []string
	// DeleteLevels is the destroy order: level 0 first.
	DeleteLevels [][]string
}

// Replacement is a replaced resource and why.
type Replacement struct {
	// Name is its type and name.
	Name string
	offline.Decision
}

// Review previews the change and gathers its access, cost and time.
func Review(o Options) (*Report, error) {
	st, err := offline.LoadStack(o.Root, o.Stack)
	if err != nil {
		return nil, err
	}
	cfg := maps.Clone(st.Config)
	maps.Copy(cfg, o.Overrides)
	st.Config = cfg
	base, err := baseState(o)
	if err != nil {
		return nil, err
	}
	r := &Report{Stack: o.Stack, Destroy: o.Destroy}
	res, err := offline.Run(st, base, o.Destroy, true)
	if err != nil {
		return nil, err
	}
	r.Preview = offline.Render(st, res.Events, o.Destroy)
	r.Changes = res.Changes
	core, err := coreResources(o.Root)
	if err != nil {
		return nil, err
	}
	table, err := forcenew.Load()
	if err != nil {
		return nil, err
	}
	r.Facts = fmt.Sprintf("terraform-provider-aws %s as pulumi-aws v%s bridges it", table.Source.Version, offline.AWSProviderVersion)
	for _, e := range res.Events {
		if p, ok := e.Payload().(engine.ResourcePreEventPayload); ok && p.Metadata.Op == deploy.OpReplace {
			name := string(p.Metadata.URN.Type()) + " " + p.Metadata.URN.Name()
			r.Replaced = append(r.Replaced, Replacement{Name: name, Decision: res.Replacements[p.Metadata.URN]})
			if core[name] {
				r.CoreFlags = append(r.CoreFlags, name)
			}
		}
	}
	r.PathBefore = CriticalPath(GraphOfSnapshot(base))
	r.DeleteLevels = DeleteOrder(GraphOfSnapshot(base))
	if o.Destroy {
		r.VPCFunctions = vpcFunctions(base)
		return r, nil
	}
	// The head's plan is the graph the engine would record: the
	// dependencies the program registers, on the mock monitor.
	headPlan, err := labplan.Stack(o.Root, o.Stack, labplan.Options{Config: cfg, Problems: st.Problems})
	if err != nil {
		return nil, err
	}
	r.PathAfter = CriticalPath(GraphOfPlan(headPlan))
	r.VPCFunctions = vpcFunctionsOfPlan(headPlan)
	basePlan := headPlan
	if o.BasePlan != "" || len(o.Overrides) > 0 {
		if basePlan, err = readBasePlan(o); err != nil {
			return nil, err
		}
	}
	if r.CostBefore, err = cost.Estimate(basePlan); err != nil {
		return nil, fmt.Errorf("estimate base cost: %w", err)
	}
	if r.CostAfter, err = cost.Estimate(headPlan); err != nil {
		return nil, fmt.Errorf("estimate head cost: %w", err)
	}
	if o.Access {
		if r.Access, err = accessChanges(o.Root, basePlan, headPlan); err != nil {
			return nil, err
		}
		r.AccessRun = true
	}
	return r, nil
}

// baseState reads the base checkpoint, or makes it from Root's program
// with the stack's files.
func baseState(o Options) (*deploy.Snapshot, error) {
	if o.BaseState != "" {
		return offline.ReadCheckpoint(o.BaseState)
	}
	data, err := offline.State(o.Root, o.Stack)
	if err != nil {
		return nil, err
	}
	return offline.Unmarshal(data)
}

// readBasePlan reads the base plan, or plans Root's program with the
// stack's files.
func readBasePlan(o Options) (*offlineplan.Plan, error) {
	if o.BasePlan == "" {
		return labplan.Stack(o.Root, o.Stack, labplan.Options{})
	}
	data, err := os.ReadFile(o.BasePlan)
	if err != nil {
		return nil, fmt.Errorf("read base plan: %w", err)
	}
	return offlineplan.ReadJSON(data)
}

// accessChanges evaluates the policy matrix on the base and head plans.
func accessChanges(root string, base, head *offlineplan.Plan) ([]policyeval.Change, error) {
	dir, err := os.MkdirTemp("", "preview-plans-")
	if err != nil {
		return nil, fmt.Errorf("write plans: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	var decisions [2][]policyeval.Decision
	for i, p := range []*offlineplan.Plan{base, head} {
		data, err := p.JSON()
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, fmt.Sprintf("plan-%d.json", i))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("write plan: %w", err)
		}
		if decisions[i], err = policyeval.Decisions(root, path); err != nil {
			return nil, fmt.Errorf("policy matrix on the %s: %w", []string{"base", "head"}[i], err)
		}
	}
	return policyeval.Diff(decisions[0], decisions[1]), nil
}

// coreResources are the type and name of each resource of the core lab:
// what Root's program registers for CoreStack (its offline plan, the
// resources the engine would deploy).
func coreResources(root string) (map[string]bool, error) {
	coreMu.Lock()
	defer coreMu.Unlock()
	if m, ok := coreCache[root]; ok {
		return m, nil
	}
	p, err := labplan.Stack(root, CoreStack, labplan.Options{})
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, r := range p.Resources {
		out[r.Type+" "+r.Name] = true
	}
	coreCache[root] = out
	return out, nil
}

// coreCache holds coreResources's answer per project root.
var (
	coreMu    sync.Mutex
	coreCache = map[string]map[string]bool{}
)

// vpcFunctions lists the functions of snap with subnets (vpcConfig).
func vpcFunctions(snap *deploy.Snapshot) []string {
	var out []string
	for _, r := range snap.Resources {
		if r.Type != "aws:lambda/function:Function" {
			continue
		}
		if vc, ok := r.Inputs["vpcConfig"]; ok && vc.IsObject() {
			if s, ok := vc.ObjectValue()["subnetIds"]; ok && !s.IsNull() {
				out = append(out, r.URN.Name())
			}
		}
	}
	slices.Sort(out)
	return out
}

// lines condenses upstream lines ("file:line@commit (note)"), naming
// each file once: "a.go:1@x, :2@y (note)".
func lines(upstream []string) string {
	var out []string
	last := ""
	for _, u := range upstream {
		file, rest, ok := strings.Cut(u, ":")
		if ok && file == last {
			u = ":" + rest
		}
		last = file
		out = append(out, u)
	}
	return strings.Join(out, ", ")
}

// vpcFunctionsOfPlan lists the functions of p with subnets (vpcConfig).
func vpcFunctionsOfPlan(p *offlineplan.Plan) []string {
	var out []string
	for _, r := range p.Find("aws:lambda/function:Function") {
		if vc, ok := r.Inputs["vpcConfig"].(map[string]any); ok && vc["subnetIds"] != nil {
			out = append(out, r.Name)
		}
	}
	slices.Sort(out)
	return out
}

// DeleteOrder groups the graph's resources by when a destroy can delete
// them: level 0 holds what nothing depends on; a resource is on the level
// after the last of its dependents. Within a level the order is free (the
// engine deletes them in parallel, in varying order); each level is sorted
// by URN.
func DeleteOrder(nodes []Node) [][]string {
	dependents := map[string][]string{}
	for _, n := range nodes {
		for _, d := range n.Deps {
			dependents[d] = append(dependents[d], n.URN)
		}
	}
	level := map[string]int{}
	var of func(u string) int
	of = func(u string) int {
		if l, ok := level[u]; ok {
			return l
		}
		l := 0
		for _, d := range dependents[u] {
			l = max(l, of(d)+1)
		}
		level[u] = l
		return l
	}
	var out [][]string
	for _, n := range nodes {
		l := of(n.URN)
		for len(out) <= l {
			out = append(out, nil)
		}
		out[l] = append(out[l], n.URN)
	}
	for _, lv := range out {
		slices.Sort(lv)
	}
	return out
}

// Markdown renders the report for a pull request's summary: what to
// review first (flags), the access changes, the preview, cost and time.
func (r *Report) Markdown() string {
	var b strings.Builder
	op := "update"
	if r.Destroy {
		op = "destroy"
	}
	fmt.Fprintf(&b, "## Stack %s: offline %s preview\n\n", r.Stack, op)
	var flags []string
	for _, c := range r.Access {
		if c.NewlyAllowed {
			flags = append(flags, "newly allowed: "+c.Row)
		}
	}
	for _, c := range r.CoreFlags {
		flags = append(flags, "replaces a core-lab resource: "+c)
	}
	if len(flags) > 0 {
		b.WriteString("> [!WARNING]\n> Review first:\n")
		for _, f := range flags {
			fmt.Fprintf(&b, "> - %s\n", f)
		}
		b.WriteString("\n")
	}
	if !r.Destroy {
		b.WriteString("### Access changes (policy matrix, base → head)\n\n")
		switch {
		case !r.AccessRun:
			b.WriteString("Not evaluated (run with -access; it needs Node.js and tools/iam-eval).\n\n")
		case len(r.Access) == 0:
			b.WriteString("No row of the policy matrix changes its decision.\n\n")
		default:
			for _, c := range r.Access {
				mark := ""
				if c.NewlyAllowed {
					mark = "**REVIEW FIRST** "
				}
				fmt.Fprintf(&b, "- %s%s\n", mark, c)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("### Preview (`pulumi preview --diff`, by the Pulumi engine, offline)\n\n```text\n")
	b.WriteString(r.Preview)
	b.WriteString("```\n\n")
	if len(r.Replaced) > 0 {
		fmt.Fprintf(&b, "### Why replaced (%s)\n\n", r.Facts)
		for _, x := range r.Replaced {
			fmt.Fprintf(&b, "- %s:", x.Name)
			for i, a := range x.Attributes {
				sep := ","
				if i == 0 {
					sep = ""
				}
				fmt.Fprintf(&b, "%s `%s` (%s, %s: %s)", sep, a.Pulumi, a.Terraform, a.Change, lines(a.Upstream))
			}
			b.WriteString("\n")
			for _, a := range x.Attributes {
				if a.Change == forcenew.ReplaceIf {
					fmt.Fprintf(&b, "  - `%s` replaces only when `%s`; the offline preview does not evaluate it\n", a.Pulumi, a.Condition)
				}
			}
			if x.DeleteBeforeReplace {
				fmt.Fprintf(&b, "  - deleted before its replacement is created: %s\n", x.DeleteBeforeReplaceWhy)
			}
		}
		b.WriteString("\n")
	}
	if r.Destroy {
		b.WriteString("### Deletion order (by dependency level; within a level, in parallel)\n\n")
		for i, lv := range r.DeleteLevels {
			names := make([]string, len(lv))
			for j, u := range lv {
				names[j] = resource.URN(u).Name()
			}
			fmt.Fprintf(&b, "%d. %s\n", i+1, strings.Join(names, ", "))
		}
		b.WriteString("\n")
	} else {
		b.WriteString("### Fixed monthly cost\n\n")
		b.WriteString(cost.CompareText(r.CostBefore, r.CostAfter))
		b.WriteString("\n### Deploy time (longest dependency chain, typical create times)\n\n```text\n")
		fmt.Fprintf(&b, "before: %safter:  %s", r.PathBefore.Text(), r.PathAfter.Text())
		b.WriteString("```\n\n")
	}
	if len(r.VPCFunctions) > 0 {
		fmt.Fprintf(&b, "Destroy time: %s run in private subnets; deleting their subnets and security groups waits "+
			"for Lambda to release the functions' network interfaces, up to 45 minutes (terraform-provider-aws "+
			"internal/service/ec2/vpc_network_interface.go, deleteLingeringLambdaENI's minimum timeout).\n",
			strings.Join(r.VPCFunctions, ", "))
	}
	return b.String()
}
