package policyeval

import (
	"fmt"
	"slices"
	"strings"
)

// verdicts evaluates cs in one evaluator run and returns each case's
// combined verdict.
func verdicts(root, pinned string, l *lab, cs []matrixCase) (map[string]verdict, error) {
	var sims []simulation
	for _, c := range cs {
		if c.skip == "" {
			sims = append(sims, simulations(l, "", c)...)
		}
	}
	raw, err := evaluate(root, pinned, sims)
	if err != nil {
		return nil, err
	}
	out := map[string]verdict{}
	for _, c := range cs {
		if c.skip != "" {
			continue
		}
		var vs []verdict
		for _, s := range simulations(l, "", c) {
			vs = append(vs, raw[s.ID])
		}
		out[c.name] = combine(vs)
	}
	return out, nil
}

// Decision is the evaluator's verdict on one row of the matrix for one
// plan: Allowed, ImplicitlyDenied, ExplicitlyDenied, Error, or NotApplicable
// when the plan lacks what the row needs (the stack does not deploy it).
type Decision struct {
	Row    string
	Result string
}

// NotApplicable is the Result of a row the plan has nothing for.
const NotApplicable = "NotApplicable"

// Decisions evaluates every row of the policy matrix on the plan at path
// (`pulumi stack export`'s resources, as cmd/plan -json writes them) with
// the evaluator installed under root (tools/iam-eval), in the order the
// matrix lists them.
func Decisions(root, path string) ([]Decision, error) {
	pinned, err := evaluatorVersion(root)
	if err != nil {
		return nil, err
	}
	p, err := loadPlan(path)
	if err != nil {
		return nil, err
	}
	l, err := newLab(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cs := cases(l)
	vs, err := verdicts(root, pinned, l, cs)
	if err != nil {
		return nil, err
	}
	out := make([]Decision, 0, len(cs))
	for _, c := range cs {
		d := Decision{Row: c.name, Result: NotApplicable}
		if v, ok := vs[c.name]; ok {
			d.Result = v.Result
		}
		out = append(out, d)
	}
	return out, nil
}

// Change is a row whose decision differs between two plans.
type Change struct {
	Row           string
	Before, After string
	// NewlyAllowed marks a row allowed after and not before: the ones to
	// review first.
	NewlyAllowed bool
}

// Diff returns the rows whose decision changed from base to head, newly
// allowed rows first, each group in the matrix's order.
func Diff(base, head []Decision) []Change {
	before := map[string]string{}
	for _, d := range base {
		before[d.Row] = d.Result
	}
	var out []Change
	seen := map[string]bool{}
	for _, d := range head {
		seen[d.Row] = true
		b, ok := before[d.Row]
		if !ok {
			b = NotApplicable
		}
		if b != d.Result {
			out = append(out, Change{Row: d.Row, Before: b, After: d.Result, NewlyAllowed: d.Result == allowed})
		}
	}
	for _, d := range base {
		if !seen[d.Row] && d.Result != NotApplicable {
			out = append(out, Change{Row: d.Row, Before: d.Result, After: NotApplicable})
		}
	}
	slices.SortStableFunc(out, func(a, b Change) int {
		switch {
		case a.NewlyAllowed && !b.NewlyAllowed:
			return -1
		case !a.NewlyAllowed && b.NewlyAllowed:
			return 1
		}
		return 0
	})
	return out
}

// String renders a change as "row: denied → ALLOWED".
func (c Change) String() string {
	word := func(r string) string {
		switch r {
		case allowed:
			return "allowed"
		case implicitlyDenied:
			return "denied (implicitly)"
		case explicitlyDenied:
			return "denied (explicitly)"
		case NotApplicable:
			return "not in the stack"
		}
		return strings.ToLower(r)
	}
	after := word(c.After)
	if c.NewlyAllowed {
		after = "ALLOWED"
	}
	return fmt.Sprintf("%s: %s → %s", c.Row, word(c.Before), after)
}
