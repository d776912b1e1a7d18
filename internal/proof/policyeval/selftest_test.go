package policyeval

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/components"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// These tests check the harness itself: that placeholders resolve consistently, and that
// the matrix fails when a policy is broken on purpose.

func TestPlaceholdersResolveConsistently(t *testing.T) {
	root := repo.Root(t)
	for _, l := range loadLabs(t, root) {
		t.Run(l.plan.label(), func(t *testing.T) {
			rv := newResolver(l.plan, l.region)
			a, err := rv.resolveString("[unknown lab-fn-role.arn] [unknown lab-bucket.bucket]")
			if err != nil {
				t.Fatal(err)
			}
			b, err := newResolver(l.plan, l.region).resolveString("[unknown lab-fn-role.arn] [unknown lab-bucket.bucket]")
			if err != nil {
				t.Fatal(err)
			}
			if a != b {
				t.Errorf("two resolvers disagree: got %q and %q", a, b)
			}
			if want := l.roleARN + " " + l.bucket; a != want {
				t.Errorf("got %q, want %q (the lab's own values)", a, want)
			}

			// Every placeholder the lab resolved has a value of the right shape, and no
			// two placeholders share a value unless they name the same thing.
			shapes := map[string]*regexp.Regexp{
				"vpce-":   regexp.MustCompile(`^vpce-[0-9a-f]{17}$`),
				"vpc-":    regexp.MustCompile(`^vpc-[0-9a-f]{17}$`),
				"subnet-": regexp.MustCompile(`^subnet-[0-9a-f]{17}$`),
				"sg-":     regexp.MustCompile(`^sg-[0-9a-f]{17}$`),
			}
			owner := map[string]string{}
			for ph, v := range l.values {
				for prefix, re := range shapes {
					if strings.HasPrefix(v, prefix) && !re.MatchString(v) {
						t.Errorf("%s = %q, want it to match %s", ph, v, re)
					}
				}
				res, _, _ := strings.Cut(ph, ".")
				if prev, ok := owner[v]; ok && prev != res {
					t.Errorf("%s and a placeholder of %s both resolve to %q", ph, prev, v)
				}
				owner[v] = res
			}
			for ph, re := range map[string]*regexp.Regexp{
				"lab-fn-role.arn":    regexp.MustCompile(`^arn:aws:iam::123456789012:role/lab-fn-role-[0-9a-f]{7}$`),
				"lab-bucket.bucket":  regexp.MustCompile(`^[a-z0-9-]{3,63}$`),
				"lab-s3-endpoint.id": shapes["vpce-"],
				"lab-vpc.id":         shapes["vpc-"],
			} {
				if !re.MatchString(l.values[ph]) {
					t.Errorf("%s = %q, want it to match %s", ph, l.values[ph], re)
				}
			}

			// The access point's own policy names the ARN the program computed from the
			// bucket's name; the gateway endpoint policy names the access point's arn
			// output. Resolved, they are one ARN.
			if l.accessPointARN != "" {
				want := "arn:aws:s3:" + l.region + ":123456789012:accesspoint/" + components.AccessPointName(l.bucket)
				if l.accessPointARN != want {
					t.Errorf("lab-access-point.arn = %q, want %q (components.AccessPointName of the bucket %q)", l.accessPointARN, want, l.bucket)
				}
				if re := regexp.MustCompile(`^arn:aws:s3:[a-z0-9-]+:123456789012:accesspoint/ap-[0-9]+$`); !re.MatchString(l.accessPointARN) {
					t.Errorf("lab-access-point.arn = %q, want it to match %s", l.accessPointARN, re)
				}
				for _, doc := range []any{l.accessPointPolicy, l.endpointPolicy.Policy} {
					data, _ := json.Marshal(doc)
					if !strings.Contains(string(data), `"`+l.accessPointARN+`"`) && !strings.Contains(string(data), `"`+l.accessPointARN+`/object/*"`) {
						t.Errorf("policy does not name the access point %s: %s", l.accessPointARN, data)
					}
				}
			}

			// No placeholder, or text derived from one, survives in any policy the
			// matrix evaluates.
			docs := []any{l.endpointPolicy.Policy, l.accessPointPolicy}
			for _, p := range l.rolePolicies {
				docs = append(docs, p.Policy)
			}
			for _, p := range l.bucketPolicies {
				docs = append(docs, p)
			}
			for _, e := range l.endpoints {
				docs = append(docs, e.policy.Policy)
			}
			if l.flowLogs != nil {
				docs = append(docs, l.flowLogs.trust)
				for _, p := range l.flowLogs.policies {
					docs = append(docs, p.Policy)
				}
			}
			for _, d := range docs {
				data, _ := json.Marshal(d)
				if m := placeholderRE.Find(data); m != nil {
					t.Errorf("policy still holds placeholder %s: %s", m, data)
				} else if strings.Contains(string(data), "unknown") {
					t.Errorf("policy still holds text derived from a placeholder: %s", data)
				}
			}
		})
	}
}

// statements returns a policy's statements as maps, for mutation.
func statements(t *testing.T, doc any) []map[string]any {
	t.Helper()
	m, _ := doc.(map[string]any)
	var out []map[string]any
	switch st := m["Statement"].(type) {
	case []any:
		for _, s := range st {
			if sm, ok := s.(map[string]any); ok {
				out = append(out, sm)
			}
		}
	case map[string]any:
		out = append(out, st)
	}
	if len(out) == 0 {
		t.Fatalf("policy has no statements: %v", doc)
	}
	return out
}

// dropBucketCondition removes from each statement of the lab bucket's policy
// the condition operator that tests key.
func dropBucketCondition(t *testing.T, l *lab, key string) {
	t.Helper()
	for _, s := range statements(t, l.bucketPolicies[l.bucket]) {
		cond, _ := s["Condition"].(map[string]any)
		for op, keys := range cond {
			if km, ok := keys.(map[string]any); ok && km[key] != nil {
				delete(cond, op)
			}
		}
	}
}

// dropStatements removes the statements of a policy document that drop
// selects, and fails the test when it selects none.
func dropStatements(t *testing.T, doc any, drop func(map[string]any) bool) {
	t.Helper()
	var kept []any
	all := statements(t, doc)
	for _, s := range all {
		if !drop(s) {
			kept = append(kept, s)
		}
	}
	if len(kept) == len(all) {
		t.Fatal("no statement to drop")
	}
	doc.(map[string]any)["Statement"] = kept
}

func hasAction(s map[string]any, action string) bool {
	switch a := s["Action"].(type) {
	case string:
		return a == action
	case []any:
		for _, e := range a {
			if e == action {
				return true
			}
		}
	}
	return false
}

func TestSuiteCatchesBrokenPolicies(t *testing.T) {
	root := repo.Root(t)
	pinned := requireEvaluator(t, root)
	mutations := []struct {
		name   string
		mutate func(t *testing.T, l *lab)
		flips  []string // matrix rows that must then fail
	}{
		{
			name: "endpoint policy allows s3:* on *",
			mutate: func(t *testing.T, l *lab) {
				l.endpointPolicy.Policy = map[string]any{"Version": "2012-10-17", "Statement": []any{
					map[string]any{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"},
				}}
			},
			flips: []string{
				"function cannot list the denied probe bucket through the endpoint although its role may",
				"another principal cannot use the endpoint to read the bucket",
				"another principal cannot use the endpoint to list the bucket",
			},
		},
		{
			name:   "bucket policy without the admin exception",
			mutate: func(t *testing.T, l *lab) { dropBucketCondition(t, l, "aws:PrincipalArn") },
			flips: []string{
				"deployer lists the bucket from outside the VPC",
				"deployer reads an object from outside the VPC",
				"deployer lists object versions from outside the VPC",
			},
		},
		{
			name:   "bucket policy without the endpoint condition",
			mutate: func(t *testing.T, l *lab) { dropBucketCondition(t, l, "aws:SourceVpce") },
			flips: []string{
				"function lists the lab bucket through the endpoint",
				"function reads a lab object through the endpoint",
				"function lists the bucket through the access point via the gateway endpoint",
				"function reads an object through the access point via the gateway endpoint",
				"function lists the lab bucket through the S3 interface endpoint",
				"function reads a lab object through the S3 interface endpoint",
				"restricted function reads under the restricted prefix through the restricted endpoint",
				"restricted function lists the restricted prefix through the restricted endpoint",
			},
		},
		{
			name: "gateway endpoint policy without the access point condition",
			mutate: func(t *testing.T, l *lab) {
				for _, s := range statements(t, l.endpointPolicy.Policy) {
					cond, _ := s["Condition"].(map[string]any)
					for _, keys := range cond {
						if km, ok := keys.(map[string]any); ok {
							delete(km, "s3:DataAccessPointArn")
						}
					}
				}
			},
			flips: []string{
				"function cannot list the bucket by name through the gateway endpoint",
				"function cannot read an object by name through the gateway endpoint",
			},
		},
		{
			name: "restricted endpoint policy with prefix *",
			mutate: func(t *testing.T, l *lab) {
				ep, ok := l.endpoints[nameRestrictedEndpoint]
				if !ok {
					return
				}
				// What RestrictedEndpointPolicy renders for RestrictedPrefix "*", then
				// with the doubled wildcard collapsed.
				data, err := json.Marshal(ep.policy.Policy)
				if err != nil {
					t.Fatal(err)
				}
				broken := strings.ReplaceAll(string(data), restrictedPrefix+"*", "*")
				if broken == string(data) {
					t.Fatalf("the restricted endpoint policy does not name %q: %s", restrictedPrefix+"*", data)
				}
				if err := json.Unmarshal([]byte(broken), &ep.policy.Policy); err != nil {
					t.Fatal(err)
				}
				l.endpoints[nameRestrictedEndpoint] = ep
			},
			flips: []string{
				"restricted function cannot read outside the restricted prefix through the restricted endpoint although its role may",
				"restricted function cannot list the whole bucket through the restricted endpoint",
				"restricted function cannot list another prefix through the restricted endpoint",
			},
		},
		{
			name: "bucket policy without the TLS deny",
			mutate: func(t *testing.T, l *lab) {
				dropStatements(t, l.bucketPolicies[l.bucket], func(s map[string]any) bool {
					cond, _ := s["Condition"].(map[string]any)
					return cond["Bool"] != nil
				})
			},
			flips: []string{"function cannot read without TLS"},
		},
		{
			name: "network interface permissions on any resource in any VPC",
			mutate: func(t *testing.T, l *lab) {
				for _, p := range l.rolePolicies {
					for _, s := range statements(t, p.Policy) {
						if hasAction(s, "ec2:CreateNetworkInterface") || hasAction(s, "ec2:DeleteNetworkInterface") {
							s["Resource"] = "*"
							delete(s, "Condition")
						}
					}
				}
			},
			flips: []string{
				"role cannot create a network interface in a subnet of another VPC",
				"role cannot create a network interface with a security group of another VPC",
				"role cannot create a network interface in another VPC",
			},
		},
		{
			// What the ENI policy was before: the interface statements confined to the
			// lab VPC when ec2:Vpc is present. Lambda's check of the role may carry one.
			name: "network interface statements with an ec2:Vpc condition",
			mutate: func(t *testing.T, l *lab) {
				for _, p := range l.rolePolicies {
					for _, s := range statements(t, p.Policy) {
						if res, _ := s["Resource"].([]any); len(res) == 1 && strings.HasSuffix(res[0].(string), ":network-interface/*") {
							s["Condition"] = map[string]any{"ArnEqualsIfExists": map[string]any{"ec2:Vpc": l.vpcARN()}}
						}
					}
				}
			},
			flips: []string{
				"Lambda's check of the role passes for DeleteNetworkInterface when ec2:Vpc names a placeholder",
				"Lambda's check of the role passes for CreateNetworkInterface when ec2:Vpc names a placeholder",
			},
		},
		{
			name: "bucket policy without the write lock",
			mutate: func(t *testing.T, l *lab) {
				dropStatements(t, l.bucketPolicies[l.bucket], func(s map[string]any) bool { return s["Sid"] == "DenyWritesByNonAdmins" })
			},
			flips: []string{
				"non-admin principal with s3:* cannot put an object from outside the VPC",
				"non-admin principal with s3:* cannot delete an object version",
				"non-admin principal with s3:* cannot change the bucket policy",
				"non-admin principal with s3:* cannot delete the bucket policy",
				"non-admin principal with s3:* cannot change the bucket's ACL",
				"non-admin principal with s3:* cannot change an object's ACL",
				"non-admin principal with s3:* cannot turn off the bucket's block public access",
				"non-admin principal with s3:* cannot delete the bucket",
			},
		},
		{
			name: "a permissions boundary that allows everything",
			mutate: func(t *testing.T, l *lab) {
				l.boundary = namedPolicy{Name: "allow-all-boundary", Policy: map[string]any{"Version": "2012-10-17",
					"Statement": []any{map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}}}}
			},
			flips: []string{
				"the boundary caps the function role: a grant of everything added to it cannot write to another bucket",
				"the boundary caps the function role: a grant of everything added to it cannot create a role",
				"the boundary caps the probe function role: a grant of everything added to it cannot write to another bucket",
				"the boundary caps the restricted function role: a grant of everything added to it cannot write to another bucket",
				"the boundary caps the flow logs role: a grant of everything added to it cannot delete a log group",
			},
		},
		{
			// The function's identity policy names the bucket, not the access point: the
			// access point's own policy is what admits the function's requests to it.
			name: "access point policy naming another role",
			mutate: func(t *testing.T, l *lab) {
				if l.accessPointPolicy == nil {
					return
				}
				for _, s := range statements(t, l.accessPointPolicy) {
					s["Condition"] = map[string]any{"ArnEquals": map[string]any{
						"aws:PrincipalArn": "arn:aws:iam::" + account + ":role/other-app"}}
				}
			},
			flips: []string{
				"function lists the bucket through the access point via the gateway endpoint",
				"function reads an object through the access point via the gateway endpoint",
			},
		},
	}
	for _, path := range planPaths(t, root) {
		p, err := loadPlan(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(p.label(), func(t *testing.T) {
			for _, m := range mutations {
				t.Run(m.name, func(t *testing.T) {
					l, err := newLab(p) // a fresh copy of the policies for each mutation
					if err != nil {
						t.Fatal(err)
					}
					m.mutate(t, l)
					all := cases(l)
					byName := map[string]matrixCase{}
					var rows []matrixCase
					var skipped []string
					for _, c := range all {
						byName[c.name] = c
					}
					for _, name := range m.flips {
						c, ok := byName[name]
						switch {
						case !ok:
							t.Fatalf("no matrix row named %q", name)
						case c.skip != "":
							skipped = append(skipped, fmt.Sprintf("%q (%s)", name, c.skip))
						default:
							rows = append(rows, c)
						}
					}
					if len(rows) == 0 {
						t.Skipf("every row this breakage flips is skipped in this plan: %s", strings.Join(skipped, "; "))
					}
					verdicts := runCases(t, root, pinned, l, rows)
					for _, c := range rows {
						v := verdicts[c.name]
						if v.Result == "Error" {
							t.Errorf("%q: the evaluator rejected the broken input, so it proves nothing: %s", c.name, v.explain())
						} else if ok, _ := check(c, v); ok {
							t.Errorf("%q still holds with the %s (got %s); the suite would not catch it\nevaluator: %s",
								c.name, m.name, v.Result, v.explain())
						}
					}
				})
			}
		})
	}
}
