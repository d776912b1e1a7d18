package policyeval

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// The CI identities' trust policies (iam/ci/*-role-trust.json, quoted
// verbatim in the README) evaluated for GitHub Actions OIDC tokens: each role
// admits only the tokens of its own use. The token's claims (sub, aud) are
// what GitHub documents for jobs of a pull request, of an environment and of
// a branch ("About security hardening with OpenID Connect", example subject
// claims); the principal is the account's GitHub OIDC provider. The
// evaluator's key data lacks these claims, so the harness carries them
// (tools/iam-eval/evaluate.mjs, oidcTokenKey).
func TestCITrustPolicies(t *testing.T) {
	root := repo.Root(t)
	pinned := requireEvaluator(t, root)
	const (
		repo     = "platformlab/s3-gateway-lab"
		provider = "arn:aws:iam::" + account + ":oidc-provider/token.actions.githubusercontent.com"
	)
	subject := func(claim string) string { return "repo:" + repo + ":" + claim }
	type token struct {
		what, sub, aud string
		allowed        bool
	}
	pr := func(ok bool) token {
		return token{"a pull request of this repository", subject("pull_request"), "sts.amazonaws.com", ok}
	}
	env := func(name string, ok bool) token {
		return token{"a job of environment " + name, subject("environment:" + name), "sts.amazonaws.com", ok}
	}
	main := func(ok bool) token {
		return token{"a job of main (push, dispatch)", subject("ref:refs/heads/main"), "sts.amazonaws.com", ok}
	}
	others := []token{
		{"a pull request of another repository", "repo:platformlab/other:pull_request", "sts.amazonaws.com", false},
		{"a push to another branch", subject("ref:refs/heads/feature"), "sts.amazonaws.com", false},
		{"a fork's repository of the same name", "repo:someone/s3-gateway-lab:pull_request", "sts.amazonaws.com", false},
		{"main of another repository", "repo:platformlab/other:ref:refs/heads/main", "sts.amazonaws.com", false},
	}
	roles := map[string][]token{
		// The preview role also previews main before the deploy's approval
		// (deploy.yml, job plan).
		"preview": append([]token{pr(true), main(true), env("dev", false), env("review", false), env("drift", false),
			{"this repository's pull request with another audience", subject("pull_request"), "api.example.com", false}}, others...),
		"review": append([]token{env("review", true), pr(false), main(false), env("dev", false),
			{"environment review of another repository", "repo:platformlab/other:environment:review", "sts.amazonaws.com", false}}, others...),
		"drift": append([]token{env("drift", true), pr(false), main(false), env("dev", false), env("review", false)}, others...),
		"deploy": append([]token{env("dev", true), pr(false), main(false), env("review", false), env("drift", false),
			{"environment dev of another repository", "repo:platformlab/other:environment:dev", "sts.amazonaws.com", false},
			{"environment dev with another audience", subject("environment:dev"), "api.example.com", false}}, others...),
	}
	var sims []simulation
	want := map[string]bool{}
	for role, tokens := range roles {
		data, err := os.ReadFile(filepath.Join(root, "iam", "ci", role+"-role-trust.json"))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.NewReplacer("ACCOUNT_ID", account, "ORG/REPO", repo).Replace(string(data))
		var trust map[string]any
		if err := json.Unmarshal([]byte(text), &trust); err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		for _, tok := range tokens {
			var s simulation
			s.ID = role + " role admits " + tok.what
			s.CarriedContextKeys = []string{"token.actions.githubusercontent.com:sub", "token.actions.githubusercontent.com:aud"}
			r := &s.Simulation.Request
			r.Principal = provider
			r.Action = "sts:AssumeRoleWithWebIdentity"
			r.Resource.Resource = "arn:aws:iam::" + account + ":role/lab-ci-" + role
			r.Resource.AccountID = account
			r.ContextVariables = map[string]any{
				"token.actions.githubusercontent.com:sub": tok.sub,
				"token.actions.githubusercontent.com:aud": tok.aud,
			}
			s.Simulation.IdentityPolicies = []namedPolicy{}
			s.Simulation.ServiceControlPolicies = []any{}
			s.Simulation.ResourceControlPolicies = []any{}
			s.Simulation.ResourcePolicy = trust
			sims = append(sims, s)
			want[s.ID] = tok.allowed
		}
	}
	verdicts, err := evaluate(root, pinned, sims)
	if err != nil {
		t.Fatal(err)
	}
	for id, allowedWanted := range want {
		v, ok := verdicts[id]
		switch {
		case !ok:
			t.Errorf("%s: no verdict", id)
		case v.Result == "Error":
			t.Errorf("%s: %s", id, v.explain())
		case (v.Result == allowed) != allowedWanted:
			t.Errorf("%s: got %s, want allowed %v: %s", id, v.Result, allowedWanted, v.explain())
		case len(v.IgnoredContextKeys) > 0:
			t.Errorf("%s: the evaluator ignored %v, so the verdict proves nothing", id, v.IgnoredContextKeys)
		}
	}
	if len(want) < 20 {
		t.Errorf("only %d trust cases", len(want))
	}
}

// TestCIPageLinksThePolicies: docs/ci.md links each CI role's trust and
// permission policy, the files the tests evaluate, rather than quoting them
// (a copy would drift from them).
func TestCIPageLinksThePolicies(t *testing.T) {
	root := repo.Root(t)
	page, err := os.ReadFile(filepath.Join(root, "docs", "ci.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"preview", "review", "deploy", "drift"} {
		for _, f := range []string{role + "-role-trust.json", role + "-role-policy.json"} {
			if _, err := os.Stat(filepath.Join(root, "iam", "ci", f)); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(page), "(../iam/ci/"+f+")") {
				t.Errorf("docs/ci.md does not link iam/ci/%s", f)
			}
		}
	}
}
