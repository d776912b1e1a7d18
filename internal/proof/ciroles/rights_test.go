package ciroles

import (
	"encoding/json"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/proof/labplan"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"

	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

var update = flag.Bool("update", false, "rewrite iam/deployer-policy-<stack>.json, iam/ci/<role>-role-policy.json and iam/lab-permissions-boundary.json")

// scenarios are the stacks whose plans are golden (testdata/plan-*.json).
var scenarios = labplan.Scenarios

// project returns what the derived policies need of the project.
func project(t *testing.T, root string) Project {
	t.Helper()
	p, err := LoadProject(root)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPoliciesFollowThePlans: each scenario's deployer policy is what the
// program's plan needs (for a person deploying it by hand), and each CI
// role's permission policy is derived from what its jobs run (iam/roles.json).
// A type or lookup the program starts to use without its rights here fails.
func TestPoliciesFollowThePlans(t *testing.T) {
	root := repo.Root(t)
	p := project(t, root)
	for _, stack := range scenarios {
		scope := Scope{Partition: "aws", IAMPath: p.IAMPath, NamePrefix: p.NamePrefix, BucketPrefix: p.BucketPrefix}
		doc, err := DeployPolicy(p.Plans[stack].Types, p.Plans[stack].Lookups, scope)
		if err != nil {
			t.Fatalf("%s: %v", stack, err)
		}
		compare(t, filepath.Join(root, "iam", "deployer-policy-"+stack+".json"), doc)
	}
	_, m := loadManifest(t)
	for _, role := range m.Roles {
		doc, err := m.RolePolicy(role, p)
		if err != nil {
			t.Fatal(err)
		}
		compare(t, filepath.Join(root, role.PermissionPolicy), doc)
	}
	compare(t, filepath.Join(root, "iam", "lab-permissions-boundary.json"), policy.PermissionsBoundary())
}

func compare(t *testing.T, path string, doc any) {
	t.Helper()
	got, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run ./scripts/generate.sh)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s is not what the plans and iam/roles.json need; run ./scripts/generate.sh and review the diff", path)
	}
}

// TestMissingRightsAreNamed: a resource type or lookup without rights is an
// error that names it.
func TestMissingRightsAreNamed(t *testing.T) {
	scope := Scope{Partition: "aws", IAMPath: "/", NamePrefix: "lab", BucketPrefix: "s3-gw-lab"}
	_, err := DeployPolicy([]string{"aws:ec2/vpc:Vpc", "aws:rds/instance:Instance"}, []string{"aws:kms/getKey:getKey"}, scope)
	if err == nil || !strings.Contains(err.Error(), "resource type aws:rds/instance:Instance") || !strings.Contains(err.Error(), "lookup aws:kms/getKey:getKey") {
		t.Errorf("got %v, want an error naming both", err)
	}
	doc, err := DeployPolicy([]string{"aws:lambda/function:Function"}, nil, scope)
	if err != nil {
		t.Fatal(err)
	}
	last := doc.Statement[len(doc.Statement)-1]
	if !slices.Equal(last.Action, []string{"iam:PassRole"}) || last.Condition["StringEquals"]["iam:PassedToService"] == nil ||
		!slices.Equal(last.Resource, []string{"arn:aws:iam::*:role/lab-*"}) {
		t.Errorf("PassRole statement: got %+v, want iam:PassRole of the lab's roles only to the lab's services", last)
	}
}

// TestDeployerCannotTakeTheAccount: the IAM and S3 statements of every
// scenario's deployer policy reach only the lab's roles and buckets, no
// statement lets a deployer lift a boundary, and with a boundary set, roles
// are created only with it.
func TestDeployerCannotTakeTheAccount(t *testing.T) {
	types := slices.Sorted(maps.Keys(Rights))
	scope := Scope{Partition: "aws", IAMPath: "/platform/", NamePrefix: "pr-12-lab", BucketPrefix: "s3-gw-lab",
		PermissionsBoundaryARN: "arn:aws:iam::123456789012:policy/boundary"}
	doc, err := DeployPolicy(types, slices.Sorted(maps.Keys(Lookups)), scope)
	if err != nil {
		t.Fatal(err)
	}
	bounded := false
	for _, st := range doc.Statement {
		for _, a := range st.Action {
			service, _, _ := strings.Cut(a, ":")
			// Actions IAM authorizes on no resource type (reads of a
			// configuration) can only be granted on "*".
			if (service == "iam" || service == "s3") && slices.Contains(st.Resource, "*") && !withoutResources[a] {
				t.Errorf("%s: %s on any resource", st.Sid, a)
			}
			if a == "iam:DeleteRolePermissionsBoundary" {
				t.Errorf("%s: a deployer may lift a role's boundary", st.Sid)
			}
			if a == "iam:CreateRole" {
				bounded = slices.Equal(st.Condition["StringEquals"]["iam:PermissionsBoundary"], []string{scope.PermissionsBoundaryARN})
			}
		}
		for _, r := range st.Resource {
			if strings.Contains(r, ":iam::") && r != "arn:aws:iam::*:role/platform/pr-12-lab-*" {
				t.Errorf("%s: IAM resource %s, want the lab's roles only", st.Sid, r)
			}
		}
	}
	if !bounded {
		t.Error("iam:CreateRole is not conditioned on the permissions boundary")
	}
}
