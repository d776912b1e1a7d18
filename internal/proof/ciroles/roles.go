package ciroles

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/platformlab/s3-gateway-lab/internal/proof/labplan"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"

	"github.com/platformlab/s3-gateway-lab/internal/program/labstack"
)

// ManifestPath is the manifest of the CI roles, under the repository root.
const ManifestPath = "iam/roles.json"

// Manifest says who may do what in CI (iam/roles.json).
type Manifest struct {
	About []string `json:"about"`
	// Placeholders name the values an organization fills in, with what each
	// is.
	Placeholders map[string]string `json:"placeholders"`
	// Secrets are the GitHub secrets the jobs read, by name.
	Secrets map[string]Secret `json:"secrets"`
	// Backends are the state backends the jobs use, by name.
	Backends map[string]Backend `json:"backends"`
	Roles    []Role             `json:"roles"`
}

// Secret is a GitHub secret the jobs read: a secret of each of Environments,
// or with none, a repository secret (visible to jobs in no environment).
type Secret struct {
	Environments []string `json:"environments,omitempty"`
	What         string   `json:"what"`
}

// Backend is a self-managed state backend in S3.
type Backend struct {
	// Variable is the repository variable that holds its URL.
	Variable string `json:"variable"`
	// URL is s3://BUCKET/PREFIX, with placeholders.
	URL string `json:"url"`
}

// Role is a role GitHub Actions jobs assume with OIDC.
type Role struct {
	ID       string `json:"id"`
	RoleName string `json:"roleName"`
	// Variable is the repository variable that holds the role's ARN.
	Variable string `json:"variable"`
	// Environment is the GitHub environment whose jobs the trust policy
	// admits; empty for the preview role (pull requests and main).
	Environment string `json:"environment,omitempty"`
	// AdminOf are the stacks whose adminPrincipalArns must name the role:
	// the lab bucket admits reads and writes from outside the VPC to them
	// only, and a refresh, an update or a destroy makes them. (A stack's
	// adminPrincipalArns defaults to the identity that runs its update.)
	AdminOf []string `json:"adminOf,omitempty"`
	// TrustPolicy and PermissionPolicy are paths under the repository root.
	TrustPolicy               string `json:"trustPolicy"`
	PermissionPolicy          string `json:"permissionPolicy"`
	MaxSessionDurationSeconds int    `json:"maxSessionDurationSeconds"`
	Jobs                      []Job  `json:"jobs"`
}

// ARN is the role's ARN in account (a placeholder, or an account ID).
func (r Role) ARN(partition, account string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, r.RoleName)
}

// Job is a workflow job that assumes a role.
type Job struct {
	// Workflow is the file under .github/workflows, Job the job's key.
	Workflow string `json:"workflow"`
	Job      string `json:"job"`
	Runs     []Run  `json:"runs"`
}

// Run is one thing a job runs that reaches AWS.
type Run struct {
	// Run is a Pulumi operation ("pulumi preview", "pulumi up", "pulumi
	// destroy", "pulumi stack init") or a command of the project
	// ("verify", "drift", "reap", "orphans", "caller-arn.sh").
	Run string `json:"run"`
	// Backend is the state backend of its Pulumi operations, Backends
	// those whose stacks it lists.
	Backend  string   `json:"backend,omitempty"`
	Backends []string `json:"backends,omitempty"`
	// Stacks are the stacks it acts on: names, or prefixes ending in *.
	Stacks []string `json:"stacks,omitempty"`
	// Scenarios are the scenario stacks whose plans' resource types and
	// lookups its Pulumi operations reach.
	Scenarios []string `json:"scenarios,omitempty"`
}

// Runs are the runs a manifest may name.
var Runs = []string{"pulumi preview", "pulumi up", "pulumi destroy", "pulumi stack init",
	"verify", "drift", "reap", "orphans", "caller-arn.sh"}

// LoadManifest reads iam/roles.json under root and checks it.
func LoadManifest(root string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(root, ManifestPath))
	if err != nil {
		return nil, err
	}
	var m Manifest
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestPath, err)
	}
	var problems []string
	for _, r := range m.Roles {
		for _, j := range r.Jobs {
			for _, run := range j.Runs {
				where := fmt.Sprintf("role %s, %s job %s, run %q", r.ID, j.Workflow, j.Job, run.Run)
				if !slices.Contains(Runs, run.Run) {
					problems = append(problems, where+": not one of "+strings.Join(Runs, ", "))
				}
				for _, b := range append([]string{run.Backend}, run.Backends...) {
					if _, ok := m.Backends[b]; b != "" && !ok {
						problems = append(problems, where+": no backend "+b)
					}
				}
				if needsBackend(run.Run) && (run.Backend == "" || len(run.Stacks) == 0) {
					problems = append(problems, where+": needs a backend and stacks")
				}
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: %s", ManifestPath, strings.Join(problems, "; "))
	}
	return &m, nil
}

func needsBackend(run string) bool {
	return strings.HasPrefix(run, "pulumi ") || run == "drift" || run == "reap"
}

// Role returns the role with id.
func (m *Manifest) Role(id string) (Role, bool) {
	i := slices.IndexFunc(m.Roles, func(r Role) bool { return r.ID == id })
	if i < 0 {
		return Role{}, false
	}
	return m.Roles[i], true
}

// Project is what the derived policies need to know of the Pulumi project:
// its name (the state backend's keys) and its settings that name resources.
type Project struct {
	Name string
	// Partition, IAMPath, NamePrefix and BucketPrefix as in Scope.
	Partition, IAMPath, NamePrefix, BucketPrefix string
	// Plans gives the resource types and lookups of each scenario stack's
	// plan.
	Plans map[string]PlanSummary
}

// PlanSummary is what a plan registers and looks up.
type PlanSummary struct {
	Types, Lookups []string
}

// RolePolicy derives the permission policy of role from what its jobs run.
func (m *Manifest) RolePolicy(role Role, p Project) (policy.Document, error) {
	scope := func(stacks []string) Scope {
		// The CI roles create and change the lab's roles only with the
		// lab's permissions boundary (iam/lab-permissions-boundary.json,
		// created in the set-up): a pull request's program deployed by the
		// review role cannot make itself a role beyond it.
		return Scope{Partition: p.Partition, Account: "ACCOUNT_ID", IAMPath: p.IAMPath, NamePrefix: p.NamePrefix,
			BucketPrefix: p.BucketPrefix, Stacks: stacks, Self: role.ARN(p.Partition, "ACCOUNT_ID"),
			PermissionsBoundaryARN: "PERMISSIONS_BOUNDARY_ARN"}
	}
	b := newBuilder(sidWord(role.ID), scope(nil))
	var stacks []string
	for _, j := range role.Jobs {
		for _, run := range j.Runs {
			stacks = append(stacks, run.Stacks...)
		}
	}
	// One scope for the role: the buckets of every stack its jobs reach.
	b.scope = scope(slices.Compact(slices.Sorted(slices.Values(stacks))))
	for _, j := range role.Jobs {
		for _, run := range j.Runs {
			if err := m.addRun(b, run, p); err != nil {
				return policy.Document{}, fmt.Errorf("role %s, %s job %s: %w", role.ID, j.Workflow, j.Job, err)
			}
		}
	}
	return b.document()
}

// addRun adds the rights of one run.
func (m *Manifest) addRun(b *builder, run Run, p Project) error {
	types, lookups, err := p.reach(run.Scenarios)
	if err != nil {
		return err
	}
	switch run.Run {
	case "pulumi preview":
		b.state(m.Backends[run.Backend], p.Name, run.Stacks, false, false)
		return b.lookups(lookups)
	case "pulumi up", "pulumi destroy":
		b.state(m.Backends[run.Backend], p.Name, run.Stacks, true, false)
		return b.program(types, false, lookups)
	case "pulumi stack init":
		b.state(m.Backends[run.Backend], p.Name, run.Stacks, true, true)
		b.allow("Secrets", []string{"kms:Encrypt"}, []string{"KMS_KEY_ARN"}, nil)
	case "drift":
		// pulumi preview --refresh reads every resource, then the verifier.
		b.state(m.Backends[run.Backend], p.Name, run.Stacks, false, false)
		if err := b.program(types, true, lookups); err != nil {
			return err
		}
		b.rights(b.commandRights("verify"))
	case "reap":
		// Lists the backend, reads each stack's tags and state, names its
		// caller, destroys and removes the expired stacks.
		b.stateList(m.Backends[run.Backend], p.Name)
		b.state(m.Backends[run.Backend], p.Name, run.Stacks, true, false)
		if err := b.program(types, false, lookups); err != nil {
			return err
		}
		b.rights(b.commandRights("reap"))
	case "orphans":
		for _, name := range run.Backends {
			b.stateList(m.Backends[name], p.Name)
		}
		b.rights(b.commandRights("orphans"))
	default:
		b.rights(b.commandRights(run.Run))
	}
	return nil
}

// reach returns the resource types and lookups of scenarios' plans.
func (p Project) reach(scenarios []string) (types, lookups []string, err error) {
	for _, s := range scenarios {
		plan, ok := p.Plans[s]
		if !ok {
			return nil, nil, fmt.Errorf("no plan of scenario %s", s)
		}
		types = append(types, plan.Types...)
		lookups = append(lookups, plan.Lookups...)
	}
	return slices.Compact(slices.Sorted(slices.Values(types))), slices.Compact(slices.Sorted(slices.Values(lookups))), nil
}

// Render replaces the manifest's placeholders in a policy's text with
// values (placeholder -> value); a placeholder without a value stays.
func (m *Manifest) Render(text string, values map[string]string) string {
	var pairs []string
	for _, k := range slices.Sorted(maps.Keys(m.Placeholders)) {
		if v, ok := values[k]; ok {
			pairs = append(pairs, k, v)
		}
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// LoadProject plans the scenario stacks of the project in root offline and
// returns what the derived policies need: their types and lookups, and the
// settings that name resources, which every scenario must share (a role's
// scope is one).
func LoadProject(root string) (Project, error) {
	p := Project{Name: settings.Project, Partition: "aws", Plans: map[string]PlanSummary{}}
	for i, stack := range labplan.Scenarios {
		pl, err := labplan.Stack(root, stack, labplan.Options{})
		if err != nil {
			return Project{}, fmt.Errorf("plan %s: %w", stack, err)
		}
		var sum PlanSummary
		for _, r := range pl.Resources {
			sum.Types = append(sum.Types, r.Type)
		}
		sum.Types = slices.Compact(slices.Sorted(slices.Values(sum.Types)))
		sum.Lookups = slices.Compact(slices.Sorted(slices.Values(pl.Invokes)))
		p.Plans[stack] = sum
		cfg, err := labstack.StackConfig(root, stack)
		if err != nil {
			return Project{}, err
		}
		iamPath, prefix, buckets := cfg[settings.Project+":"+settings.KeyIAMPath], cfg[settings.Project+":"+settings.KeyNamePrefix],
			cfg[settings.Project+":"+settings.KeyBucketPrefix]
		if i > 0 && (iamPath != p.IAMPath || prefix != p.NamePrefix || buckets != p.BucketPrefix) {
			return Project{}, fmt.Errorf("stack %s names resources with iamPath %q, namePrefix %q, bucketPrefix %q; %s with %q, %q, %q: the CI roles' policies assume one",
				stack, iamPath, prefix, buckets, labplan.Scenarios[0], p.IAMPath, p.NamePrefix, p.BucketPrefix)
		}
		p.IAMPath, p.NamePrefix, p.BucketPrefix = iamPath, prefix, buckets
	}
	return p, nil
}
