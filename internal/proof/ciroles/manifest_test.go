package ciroles

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// workflow is what the manifest tests read of a GitHub Actions workflow.
type workflow struct {
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		Environment any               `yaml:"environment"`
		Env         map[string]string `yaml:"env"`
		Steps       []struct {
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func readWorkflows(t *testing.T, root string) map[string]workflow {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	out := map[string]workflow{}
	for _, f := range files {
		var w workflow
		decodeWorkflow(t, root, filepath.Base(f), &w)
		out[filepath.Base(f)] = w
	}
	return out
}

// decodeWorkflow decodes the workflow .github/workflows/name into w, and
// stops t when it cannot be read or decoded.
func decodeWorkflow(t *testing.T, root, name string, w any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, ".github", "workflows", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// varRef matches a repository variable in an expression.
var varRef = regexp.MustCompile(`\$\{\{\s*vars\.([A-Z0-9_]+)`)

// runMarkers are what a job's steps show when they run each of the
// manifest's runs.
var runMarkers = map[string]*regexp.Regexp{
	"pulumi preview":    regexp.MustCompile(`(?m)pulumi preview|^preview$`),
	"pulumi up":         regexp.MustCompile(`scripts/deploy\.sh`),
	"pulumi stack init": regexp.MustCompile(`scripts/deploy\.sh [^\n]*--create`),
	"pulumi destroy":    regexp.MustCompile(`scripts/destroy\.sh`),
	"caller-arn.sh":     regexp.MustCompile(`scripts/destroy\.sh`),
	"verify":            regexp.MustCompile(`\./bin/verify `),
	"drift":             regexp.MustCompile(`\./bin/drift `),
	"reap":              regexp.MustCompile(`\./bin/reap `),
	"orphans":           regexp.MustCompile(`\./bin/orphans `),
}

// TestManifestMatchesTheWorkflows: every workflow job that assumes a role is
// listed under that role in iam/roles.json, in the environment the role's
// trust admits, and lists what it runs; every job the manifest lists assumes
// its role, runs each of its runs, on the backend the run names.
func TestManifestMatchesTheWorkflows(t *testing.T) {
	root, m := loadManifest(t)
	flows := readWorkflows(t, root)
	byVariable := map[string]Role{}
	for _, r := range m.Roles {
		byVariable[r.Variable] = r
	}
	listed := map[string]bool{}
	for _, r := range m.Roles {
		for _, j := range r.Jobs {
			listed[j.Workflow+"/"+j.Job] = true
		}
	}
	seen := map[string]bool{}
	for name, w := range flows {
		for jobName, job := range w.Jobs {
			var assumed []string
			var text []string
			for _, st := range job.Steps {
				text = append(text, st.Run, st.With["command"])
				if strings.HasPrefix(st.Uses, "aws-actions/configure-aws-credentials@") {
					for _, v := range varRef.FindAllStringSubmatch(st.With["role-to-assume"], -1) {
						assumed = append(assumed, v[1])
					}
				}
			}
			key := name + "/" + jobName
			if len(assumed) == 0 {
				if listed[key] {
					t.Errorf("%s: listed in %s but assumes no role", key, ManifestPath)
				}
				continue
			}
			seen[key] = true
			if len(assumed) != 1 {
				t.Errorf("%s: assumes %v; one role per job", key, assumed)
				continue
			}
			role, ok := byVariable[assumed[0]]
			if !ok {
				t.Errorf("%s: assumes vars.%s, which no role of %s is held in", key, assumed[0], ManifestPath)
				continue
			}
			i := slices.IndexFunc(role.Jobs, func(j Job) bool { return j.Workflow == name && j.Job == jobName })
			if i < 0 {
				t.Errorf("%s: assumes role %s, but %s does not list it under that role", key, role.ID, ManifestPath)
				continue
			}
			env, _ := job.Environment.(string)
			if env != role.Environment {
				t.Errorf("%s: runs in environment %q; role %s's trust admits %q", key, env, role.ID, role.Environment)
			}
			steps := strings.Join(text, "\n")
			for _, run := range role.Jobs[i].Runs {
				if re := runMarkers[run.Run]; re == nil || !re.MatchString(steps) {
					t.Errorf("%s: the manifest says it runs %q, but no step does", key, run.Run)
				}
				if run.Backend != "" {
					backendVar := job.Env["PULUMI_BACKEND_URL"]
					if backendVar == "" {
						backendVar = w.Env["PULUMI_BACKEND_URL"]
					}
					want := m.Backends[run.Backend].Variable
					if got := varRef.FindStringSubmatch(backendVar); got == nil || got[1] != want {
						t.Errorf("%s: %q runs on backend %s (vars.%s), but the job's PULUMI_BACKEND_URL is %q", key, run.Run, run.Backend, want, backendVar)
					}
				}
			}
			for run, re := range runMarkers {
				if re.MatchString(steps) && !slices.ContainsFunc(role.Jobs[i].Runs, func(r Run) bool { return r.Run == run }) {
					t.Errorf("%s: runs %q, which %s does not list for it (its role's policy would lack the rights)", key, run, ManifestPath)
				}
			}
		}
	}
	for key := range listed {
		if !seen[key] {
			t.Errorf("%s lists %s, which no workflow job with a role is", ManifestPath, key)
		}
	}
}

// TestTrustPoliciesAdmitTheirJobs: each role's trust policy admits the
// subject of the jobs that assume it, and nothing else: the environment's
// (environment:NAME), or for a role without one, pull requests and main.
func TestTrustPoliciesAdmitTheirJobs(t *testing.T) {
	root, m := loadManifest(t)
	sub := regexp.MustCompile(`"token\.actions\.githubusercontent\.com:sub":\s*(\[[^\]]*\]|"[^"]*")`)
	for _, r := range m.Roles {
		data, err := os.ReadFile(filepath.Join(root, r.TrustPolicy))
		if err != nil {
			t.Fatal(err)
		}
		got := sub.FindStringSubmatch(string(data))
		if got == nil {
			t.Errorf("%s: no sub condition", r.TrustPolicy)
			continue
		}
		want := []string{`"repo:ORG/REPO:environment:` + r.Environment + `"`}
		if r.Environment == "" {
			want = []string{`"repo:ORG/REPO:pull_request"`, `"repo:ORG/REPO:ref:refs/heads/main"`}
		}
		for _, w := range want {
			if !strings.Contains(got[1], w) {
				t.Errorf("%s: sub %s does not admit %s", r.TrustPolicy, got[1], w)
			}
		}
		if strings.Count(got[1], "repo:") != len(want) {
			t.Errorf("%s: sub %s admits more than %v", r.TrustPolicy, got[1], want)
		}
	}
}

// TestREADMEListsTheRoles: the README's CI set-up names every role of the
// manifest by its variable and role name, and counts them right.
func TestREADMEListsTheRoles(t *testing.T) {
	root, m := loadManifest(t)
	doc := ciDoc(t, root)
	for _, r := range m.Roles {
		for _, want := range []string{r.Variable, r.RoleName} {
			if !strings.Contains(doc, want) {
				t.Errorf("the CI set-up does not name role %s's %s", r.ID, want)
			}
		}
	}
	words := []string{"", "one", "two", "three", "four", "five", "six"}
	if n := len(m.Roles); n < len(words) {
		if re := regexp.MustCompile(`(?i)\b(one|two|three|four|five|six) roles\b`); !slices.ContainsFunc(re.FindAllStringSubmatch(doc, -1), func(g []string) bool {
			return strings.EqualFold(g[1], words[n])
		}) || slices.ContainsFunc(re.FindAllStringSubmatch(doc, -1), func(g []string) bool { return !strings.EqualFold(g[1], words[n]) }) {
			t.Errorf("the CI set-up does not say %q roles everywhere it counts them", words[n])
		}
	}
}

// ciDoc is the text that documents the CI roles: README.md, and the CI page
// under docs/ when there is one.
func ciDoc(t *testing.T, root string) string {
	t.Helper()
	var all []string
	for _, p := range []string{"README.md", "docs/ci.md"} {
		data, err := os.ReadFile(filepath.Join(root, p))
		if err == nil {
			all = append(all, string(data))
		}
	}
	return strings.Join(all, "\n")
}

// secretRef matches a secret in an expression.
var secretRef = regexp.MustCompile(`\$\{\{\s*secrets\.([A-Z0-9_]+)`)

// TestJobsGetTheirSecrets: a job reads an environment secret only when it
// runs in one of the environments that hold it (a job in no environment sees
// repository secrets only: GitHub, "Using secrets in GitHub Actions"), and no
// workflow-level setting reads one; every secret a job reads is in the
// manifest.
func TestJobsGetTheirSecrets(t *testing.T) {
	root, m := loadManifest(t)
	check := func(where, env, text string) {
		for _, s := range secretRef.FindAllStringSubmatch(text, -1) {
			name := s[1]
			if name == "GITHUB_TOKEN" {
				continue
			}
			sec, ok := m.Secrets[name]
			switch {
			case !ok:
				t.Errorf("%s reads secret %s, which %s does not list", where, name, ManifestPath)
			case len(sec.Environments) > 0 && !slices.Contains(sec.Environments, env):
				t.Errorf("%s (environment %q) reads %s, a secret of the environments %v only: it would be empty", where, env, name, sec.Environments)
			}
		}
	}
	for name, w := range readWorkflows(t, root) {
		for k, v := range w.Env {
			check(name+" env "+k, "", v)
		}
		for jobName, job := range w.Jobs {
			env, _ := job.Environment.(string)
			var text []string
			for k, v := range job.Env {
				text = append(text, k+": "+v)
			}
			for _, st := range job.Steps {
				text = append(text, st.Run)
				for _, v := range st.With {
					text = append(text, v)
				}
			}
			check(name+"/"+jobName, env, strings.Join(text, "\n"))
		}
	}
}

// TestDeployAppliesThePlanWithItsPreview: the deploy job runs `up --plan`
// with up's own preview, which refuses a change the plan lacks before any
// change is made; with --skip-preview the plan is checked step by step, after
// earlier steps were applied (Pulumi v3.276.0 pkg/backend/apply.go
// PreviewThenPromptThenExecute).
func TestDeployAppliesThePlanWithItsPreview(t *testing.T) {
	root := repo.Root(t)
	job := readWorkflows(t, root)["deploy.yml"].Jobs["deploy"]
	found := false
	for _, st := range job.Steps {
		if strings.Contains(st.Run, "--plan") {
			found = true
			if strings.Contains(st.Run, "--skip-preview") {
				t.Errorf("deploy.yml/deploy: %q applies the plan without up's own preview", strings.TrimSpace(st.Run))
			}
		}
	}
	if !found {
		t.Error("deploy.yml/deploy does not apply a saved plan (--plan)")
	}
}

// TestDependabotSkipsTheAWSPreview: Dependabot's pull requests get no OIDC
// token, so the AWS preview is skipped for them, and a job says so, rather
// than failing every one of them.
func TestDependabotSkipsTheAWSPreview(t *testing.T) {
	root := repo.Root(t)
	var w struct {
		Jobs map[string]struct {
			If    string `yaml:"if"`
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	decodeWorkflow(t, root, "pull-request.yml", &w)
	if !strings.Contains(w.Jobs["preview"].If, "github.actor != 'dependabot[bot]'") {
		t.Errorf("pull-request.yml/preview runs for Dependabot (if: %q)", w.Jobs["preview"].If)
	}
	noticed := false
	for name, j := range w.Jobs {
		if strings.Contains(j.If, "github.actor == 'dependabot[bot]'") {
			for _, st := range j.Steps {
				noticed = noticed || strings.Contains(st.Run, "::notice")
			}
			if !noticed {
				t.Errorf("pull-request.yml/%s runs for Dependabot but gives no notice", name)
			}
		}
	}
	if !noticed {
		t.Error("pull-request.yml has no job telling Dependabot's pull requests why the AWS preview is skipped")
	}
}

// TestSetUpSetsEveryVariable: the set-up in docs/ci.md sets every
// repository variable the workflows read (LAB_REGIONS has a default), and
// only those; the backends' variables with the manifest's URLs.
func TestSetUpSetsEveryVariable(t *testing.T) {
	root, m := loadManifest(t)
	read := map[string]bool{}
	for _, f := range []string{"deploy.yml", "drift.yml", "pull-request.yml", "reap.yml", "review-stack.yml"} {
		data, err := os.ReadFile(filepath.Join(root, ".github", "workflows", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range regexp.MustCompile(`vars\.([A-Z0-9_]+)`).FindAllStringSubmatch(string(data), -1) {
			read[v[1]] = true
		}
	}
	delete(read, "LAB_REGIONS")
	page, err := os.ReadFile(filepath.Join(root, "docs", "ci.md"))
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]string{}
	for _, v := range regexp.MustCompile(`(?m)^gh variable set ([A-Z0-9_]+) --body "([^"]*)"`).FindAllStringSubmatch(string(page), -1) {
		set[v[1]] = v[2]
	}
	for v := range read {
		if _, ok := set[v]; !ok {
			t.Errorf("the workflows read vars.%s, which docs/ci.md's set-up does not set", v)
		}
	}
	for v := range set {
		if !read[v] {
			t.Errorf("docs/ci.md's set-up sets %s, which no workflow reads", v)
		}
	}
	sh := strings.NewReplacer("$STATE_BUCKET", "STATE_BUCKET", "s3-gateway-lab-review", "REVIEW_STATE_PREFIX", "s3-gateway-lab", "STATE_PREFIX")
	for name, b := range m.Backends {
		if got := sh.Replace(set[b.Variable]); got != b.URL {
			t.Errorf("backend %s: docs/ci.md sets %s to %q, the manifest says %s", name, b.Variable, set[b.Variable], b.URL)
		}
	}
	for _, r := range m.Roles {
		if want := "arn:aws:iam::$ACCOUNT_ID:role/" + r.RoleName; set[r.Variable] != want {
			t.Errorf("role %s: docs/ci.md sets %s to %q, want %q", r.ID, r.Variable, set[r.Variable], want)
		}
	}
}

// TestCredentialsOutlastTheJob: a job's role session (role-duration-seconds,
// else the action's default of an hour) lasts as long as the job may run
// (timeout-minutes), and no longer than the role allows
// (maxSessionDurationSeconds): a destroy must not lose its credentials
// half-way.
func TestCredentialsOutlastTheJob(t *testing.T) {
	root, m := loadManifest(t)
	for _, r := range m.Roles {
		for _, j := range r.Jobs {
			var w struct {
				Jobs map[string]struct {
					Timeout int `yaml:"timeout-minutes"`
					Steps   []struct {
						Uses string            `yaml:"uses"`
						With map[string]string `yaml:"with"`
					} `yaml:"steps"`
				} `yaml:"jobs"`
			}
			decodeWorkflow(t, root, j.Workflow, &w)
			job := w.Jobs[j.Job]
			for _, st := range job.Steps {
				if !strings.HasPrefix(st.Uses, "aws-actions/configure-aws-credentials@") {
					continue
				}
				duration := 3600
				if d := st.With["role-duration-seconds"]; d != "" {
					var err error
					if duration, err = strconv.Atoi(d); err != nil {
						t.Fatal(err)
					}
				}
				if job.Timeout == 0 || duration < job.Timeout*60 || duration > r.MaxSessionDurationSeconds {
					t.Errorf("%s/%s: a %d s session for a %d-minute job of role %s (at most %d s)", j.Workflow, j.Job, duration, job.Timeout, r.ID, r.MaxSessionDurationSeconds)
				}
			}
		}
	}
}

// loadManifest returns the repository's root and its iam/roles.json, and
// stops t when the manifest cannot be loaded.
func loadManifest(t *testing.T) (string, *Manifest) {
	t.Helper()
	root := repo.Root(t)
	m, err := LoadManifest(root)
	if err != nil {
		t.Fatal(err)
	}
	return root, m
}
