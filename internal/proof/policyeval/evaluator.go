package policyeval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// This file runs tools/iam-eval/evaluate.mjs, the Node wrapper around the third-party
// evaluator, and decodes its verdicts.

const (
	evaluatorPackage = "@cloud-copilot/iam-simulate"
	evaluatorScript  = "tools/iam-eval/evaluate.mjs"
	installCommand   = "npm ci --prefix tools/iam-eval"
	evaluatorTimeout = 60 * time.Second
)

// simulation is one request for the evaluator, in iam-simulate's Simulation shape.
// CarriedContextKeys names keys AWS sends with the request that the evaluator's data
// lists for another resource type (see tools/iam-eval/evaluate.mjs).
type simulation struct {
	ID                 string   `json:"id"`
	CarriedContextKeys []string `json:"carriedContextKeys,omitempty"`
	Simulation         struct {
		Request struct {
			Principal string `json:"principal"`
			Action    string `json:"action"`
			Resource  struct {
				Resource  string `json:"resource"`
				AccountID string `json:"accountId"`
			} `json:"resource"`
			ContextVariables map[string]any `json:"contextVariables"`
		} `json:"request"`
		IdentityPolicies        []namedPolicy `json:"identityPolicies"`
		ServiceControlPolicies  []any         `json:"serviceControlPolicies"`
		ResourceControlPolicies []any         `json:"resourceControlPolicies"`
		ResourcePolicy          any           `json:"resourcePolicy,omitempty"`
		VPCEndpointPolicies     []namedPolicy `json:"vpcEndpointPolicies,omitempty"`
		// PermissionBoundaryPolicies cap the identity policies.
		PermissionBoundaryPolicies []namedPolicy `json:"permissionBoundaryPolicies,omitempty"`
	} `json:"simulation"`
}

// verdict is the evaluator's answer for one simulation.
type verdict struct {
	ID                 string            `json:"id"`
	Result             string            `json:"result"` // Allowed, ImplicitlyDenied, ExplicitlyDenied or Error
	Errors             json.RawMessage   `json:"errors"`
	BlockedBy          []string          `json:"blockedBy"`
	IgnoredContextKeys []string          `json:"ignoredContextKeys"`
	CarriedContextKeys []string          `json:"carriedContextKeys"`
	Denials            []json.RawMessage `json:"denials"`
	Grants             []json.RawMessage `json:"grants"`
}

// layers returns the policy layers that kept the request from being allowed: those the
// evaluator lists as blocking it and those its denial reasons name.
func (v verdict) layers() []string {
	seen := map[string]bool{}
	for _, b := range v.BlockedBy {
		seen[b] = true
	}
	for _, d := range v.Denials {
		var r struct {
			PolicyType string `json:"policyType"`
		}
		if json.Unmarshal(d, &r) == nil && r.PolicyType != "" {
			seen[r.PolicyType] = true
		}
	}
	out := make([]string, 0, len(seen))
	for l := range seen {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// explain renders the evaluator's reasons in one line.
func (v verdict) explain() string {
	var parts []string
	if v.Result == "Error" {
		return "evaluator rejected the input: " + string(v.Errors)
	}
	if len(v.BlockedBy) > 0 {
		parts = append(parts, "blocked by "+strings.Join(v.BlockedBy, ", "))
	}
	for _, d := range v.Denials {
		parts = append(parts, "denial "+string(d))
	}
	for _, g := range v.Grants {
		parts = append(parts, "grant "+string(g))
	}
	if len(v.IgnoredContextKeys) > 0 {
		parts = append(parts, "ignored context keys "+strings.Join(v.IgnoredContextKeys, ", "))
	}
	if len(v.CarriedContextKeys) > 0 {
		parts = append(parts, "carried context keys "+strings.Join(v.CarriedContextKeys, ", "))
	}
	return strings.Join(parts, "; ")
}

type evaluatorOutput struct {
	Evaluator struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"evaluator"`
	Results []verdict `json:"results"`
}

// evaluate runs every simulation through the evaluator in one Node process and
// returns the verdicts by simulation ID.
func evaluate(root, pinned string, sims []simulation) (map[string]verdict, error) {
	in, err := json.Marshal(map[string]any{"simulations": sims})
	if err != nil {
		return nil, fmt.Errorf("encode simulations: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), evaluatorTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(root, evaluatorScript))
	cmd.Dir = root
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("run evaluator: timed out after %s", evaluatorTimeout)
		}
		return nil, fmt.Errorf("run evaluator: %w\n%s", err, stderr.String())
	}
	var out evaluatorOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("decode evaluator output: %w\n%s", err, stdout.String())
	}
	if out.Evaluator.Name != evaluatorPackage || out.Evaluator.Version != pinned {
		return nil, fmt.Errorf("evaluator is %s@%s, want %s@%s (pinned in tools/iam-eval/package.json); run: %s",
			out.Evaluator.Name, out.Evaluator.Version, evaluatorPackage, pinned, installCommand)
	}
	byID := make(map[string]verdict, len(out.Results))
	for _, v := range out.Results {
		byID[v.ID] = v
	}
	if len(byID) != len(sims) {
		return nil, fmt.Errorf("evaluator returned %d verdicts for %d simulations", len(byID), len(sims))
	}
	return byID, nil
}

// evaluatorVersion returns the evaluator version pinned in
// tools/iam-eval/package.json under root, or why the evaluator cannot run.
func evaluatorVersion(root string) (string, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("node is not on PATH; the policy matrix needs Node.js 20+ and the pinned evaluator: %s", installCommand)
	}
	if _, err := os.Stat(filepath.Join(root, "tools/iam-eval/node_modules", evaluatorPackage, "package.json")); err != nil {
		return "", fmt.Errorf("the IAM evaluator is not installed in tools/iam-eval/node_modules; the policy matrix needs Node.js 20+ and the pinned evaluator: %s", installCommand)
	}
	data, err := os.ReadFile(filepath.Join(root, "tools/iam-eval/package.json"))
	if err != nil {
		return "", fmt.Errorf("read evaluator package.json: %w", err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		return "", fmt.Errorf("decode evaluator package.json: %w", err)
	}
	v := pkg.Dependencies[evaluatorPackage]
	if v == "" {
		return "", fmt.Errorf("tools/iam-eval/package.json does not depend on %s", evaluatorPackage)
	}
	return v, nil
}

// combine folds the verdicts for the resources of one request: an error wins, then an
// explicit deny, then an implicit one; the request is allowed only if every resource is.
func combine(vs []verdict) verdict {
	rank := map[string]int{"Allowed": 0, "ImplicitlyDenied": 1, "ExplicitlyDenied": 2, "Error": 3}
	out := verdict{Result: "Allowed"}
	blocked := map[string]bool{}
	for _, v := range vs {
		r, ok := rank[v.Result]
		if !ok {
			v.Result, r = "Error", rank["Error"]
		}
		if r > rank[out.Result] {
			out.Result, out.Errors = v.Result, v.Errors
		}
		for _, b := range v.BlockedBy {
			blocked[b] = true
		}
		out.IgnoredContextKeys = append(out.IgnoredContextKeys, v.IgnoredContextKeys...)
		out.CarriedContextKeys = append(out.CarriedContextKeys, v.CarriedContextKeys...)
		out.Denials = append(out.Denials, v.Denials...)
		out.Grants = append(out.Grants, v.Grants...)
	}
	for b := range blocked {
		out.BlockedBy = append(out.BlockedBy, b)
	}
	sort.Strings(out.BlockedBy)
	return out
}
