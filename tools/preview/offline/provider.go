package offline

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/pkg/v3/resource/deploy/deploytest"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformlab/s3-gateway-lab/internal/proof/offlineplan"
	"github.com/platformlab/s3-gateway-lab/tools/preview/forcenew"
)

// Decision is why the stand-in provider replaces a resource: the changed
// attributes that force it (with the upstream lines that say so), and
// whether the old one is deleted first and why.
type Decision struct {
	Attributes          []forcenew.Attribute
	DeleteBeforeReplace bool
	// DeleteBeforeReplaceWhy says which of pulumi-aws's rules applies.
	DeleteBeforeReplaceWhy string
}

// decisions records the provider's replace decisions by URN.
type decisions struct {
	mu sync.Mutex
	m  map[resource.URN]Decision
}

func (d *decisions) record(urn resource.URN, dec Decision) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[resource.URN]Decision{}
	}
	d.m[urn] = dec
}

// newProvider returns the stand-in AWS provider: lookups answered by
// internal/proof/offlineplan's mocks (an unknown one fails), created resources given
// the mocks' deterministic IDs and placeholder outputs, and a diff that
// replaces when an attribute changed whose change terraform-provider-aws
// answers with a new resource (package forcenew), deleting first where
// pulumi-aws would. Its replace decisions go to decided.
func newProvider(table *forcenew.Table, mocks *offlineplan.Mocks, decided *decisions) *deploytest.Provider {
	return &deploytest.Provider{
		DiffF: func(_ context.Context, req plugin.DiffRequest) (plugin.DiffResult, error) {
			res, dec, err := diff(table, string(req.Type), resource.ToResourcePropertyMap(req.OldInputs),
				resource.ToResourcePropertyMap(req.NewInputs))
			if err == nil && len(res.ReplaceKeys) > 0 {
				decided.record(req.URN, dec)
			}
			return res, err
		},
		CreateF: func(_ context.Context, req plugin.CreateRequest) (plugin.CreateResponse, error) {
			inputs := resource.ToResourcePropertyMap(req.Properties)
			id, state, err := mocks.NewResource(pulumi.MockResourceArgs{TypeToken: string(req.Type),
				Name: req.URN.Name(), Inputs: inputs, Custom: true})
			if err != nil {
				return plugin.CreateResponse{}, err
			}
			if req.Preview {
				// What the provider computes is unknown until it is created.
				id = ""
				for k := range state {
					if _, ok := inputs[k]; !ok {
						state[k] = resource.MakeComputed(resource.NewProperty(""))
					}
				}
			}
			return plugin.CreateResponse{ID: resource.ID(id), Properties: resource.FromResourcePropertyMap(state),
				Status: resource.StatusOK}, nil
		},
		UpdateF: func(_ context.Context, req plugin.UpdateRequest) (plugin.UpdateResponse, error) {
			// The new inputs, and the outputs the provider computed before.
			state := resource.ToResourcePropertyMap(req.NewInputs)
			olds := resource.ToResourcePropertyMap(req.OldInputs)
			for k, v := range resource.ToResourcePropertyMap(req.OldOutputs) {
				if _, input := olds[k]; !input {
					state[k] = v
				}
			}
			return plugin.UpdateResponse{Properties: resource.FromResourcePropertyMap(state), Status: resource.StatusOK}, nil
		},
		DeleteF: func(context.Context, plugin.DeleteRequest) (plugin.DeleteResponse, error) {
			return plugin.DeleteResponse{Status: resource.StatusOK}, nil
		},
		InvokeF: func(_ context.Context, req plugin.InvokeRequest) (plugin.InvokeResponse, error) {
			out, err := mocks.Call(pulumi.MockCallArgs{Token: string(req.Tok), Args: resource.ToResourcePropertyMap(req.Args)})
			if err != nil {
				return plugin.InvokeResponse{}, err
			}
			return plugin.InvokeResponse{Properties: resource.FromResourcePropertyMap(out)}, nil
		},
	}
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

// diff compares a resource's old and new inputs: an update when only other
// attributes changed, a replacement when one whose change replaces did
// (forcenew's Replace or ReplaceIf; the condition of a ReplaceIf is not
// evaluated). The replacement deletes first when pulumi-aws says so: the
// type's DeleteBeforeReplace, or, as the bridge's
// nameRequiresDeleteBeforeReplace decides, when the program set the
// property pulumi-aws would otherwise name itself (the stand-in runs no
// Check, so a property in the inputs is one the program set).
func diff(table *forcenew.Table, typ string, olds, news resource.PropertyMap) (plugin.DiffResult, Decision, error) {
	d := olds.Diff(news)
	if d == nil || !d.AnyChanges() {
		return plugin.DiffResult{Changes: plugin.DiffNone}, Decision{}, nil
	}
	detailed := plugin.NewDetailedDiffFromObjectDiff(d, true)
	var paths []string
	for p := range detailed {
		paths = append(paths, normalize(p))
	}
	replaced, why, err := table.Replaces(typ, paths)
	if err != nil {
		return plugin.DiffResult{}, Decision{}, err
	}
	var replaceKeys []resource.PropertyKey
	for p, pd := range detailed {
		if slices.Contains(replaced, normalize(p)) {
			detailed[p] = pd.ToReplace()
			top, _, _ := strings.Cut(normalize(p), ".")
			if !slices.Contains(replaceKeys, resource.PropertyKey(top)) {
				replaceKeys = append(replaceKeys, resource.PropertyKey(top))
			}
		}
	}
	slices.Sort(replaceKeys)
	dec := Decision{Attributes: why}
	e := table.Types[typ]
	switch {
	case len(replaceKeys) == 0:
	case e.DeleteBeforeReplace:
		dec.DeleteBeforeReplace = true
		dec.DeleteBeforeReplaceWhy = "pulumi-aws sets DeleteBeforeReplace for " + e.Terraform
	case e.AutoName != "" && news.HasValue(resource.PropertyKey(e.AutoName)):
		dec.DeleteBeforeReplace = true
		dec.DeleteBeforeReplaceWhy = "the program sets `" + e.AutoName + "`, which pulumi-aws names itself otherwise: " +
			"a new resource cannot take the name while the old one holds it (pulumi-terraform-bridge nameRequiresDeleteBeforeReplace)"
	}
	return plugin.DiffResult{
		Changes:             plugin.DiffSome,
		ChangedKeys:         d.ChangedKeys(),
		ReplaceKeys:         replaceKeys,
		DetailedDiff:        detailed,
		DeleteBeforeReplace: dec.DeleteBeforeReplace,
	}, dec, nil
}

// normalize turns a detailed-diff path ("egress[0].cidrBlocks[1]",
// `tags["Name"]`) into the table's form ("egress.cidrBlocks", "tags").
func normalize(p string) string {
	p = indexRE.ReplaceAllString(p, "")
	if i := strings.Index(p, `["`); i >= 0 {
		p = p[:i]
	}
	return p
}
