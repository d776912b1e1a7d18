package ciroles

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"
)

// builder collects the statements of one policy. Rights added under one
// statement ID merge, actions and resources: an ID stands for one kind of
// right (reading a backend's state, invoking the lab's functions), so that
// any of its actions is meant for any of its resources.
type builder struct {
	prefix string
	scope  Scope
	stmts  map[string]*policy.Statement
	errs   []string
}

func newBuilder(prefix string, scope Scope) *builder {
	return &builder{prefix: prefix, scope: scope, stmts: map[string]*policy.Statement{}}
}

// allow adds actions on resources under the statement ID prefix+sid.
func (b *builder) allow(sid string, actions, resources []string, cond policy.Condition) {
	sid = b.prefix + sid
	st, ok := b.stmts[sid]
	if !ok {
		st = &policy.Statement{Sid: sid, Effect: "Allow", Condition: cond}
		b.stmts[sid] = st
	} else if fmt.Sprint(st.Condition) != fmt.Sprint(cond) {
		// One statement ID given two conditions: a bug here.
		b.errs = append(b.errs, fmt.Sprintf("statement %s: conditions %v and %v", sid, st.Condition, cond))
	} else if slices.Contains(st.Resource, "*") != slices.Contains(resources, "*") {
		// "*" merged into a scoped statement would widen every action of
		// it to every resource: a bug here.
		b.errs = append(b.errs, fmt.Sprintf("statement %s: resources %v and %v", sid, st.Resource, resources))
	}
	st.Action = slices.Compact(slices.Sorted(slices.Values(append(st.Action, actions...))))
	st.Resource = slices.Compact(slices.Sorted(slices.Values(append(st.Resource, resources...))))
}

// deploy adds the rights of types: every action the provider calls to
// create, read, update, tag and delete them, or with readOnly the reads only
// (Describe*, Get*, List*: what a refresh calls).
func (b *builder) deploy(types []string, readOnly bool) error {
	byService := map[string][]string{}
	found, missing := lookUp(Rights, types, "resource type ")
	for _, actions := range found {
		for _, a := range actions {
			service, op, _ := strings.Cut(a, ":")
			if readOnly && !isRead(op) {
				continue
			}
			byService[service] = append(byService[service], a)
		}
	}
	if len(missing) > 0 {
		return missingRights(missing)
	}
	passRole := slices.Contains(byService["iam"], "iam:PassRole")
	byService["iam"] = slices.DeleteFunc(byService["iam"], func(a string) bool { return a == "iam:PassRole" })
	for service, actions := range byService {
		if len(actions) == 0 {
			continue
		}
		switch service {
		case "iam":
			if s := b.scope; s.PermissionsBoundaryARN != "" {
				// Roles are created and changed only with the boundary: the
				// request carries iam:PermissionsBoundary, the boundary it
				// sets or the role's own (IAM User Guide, "Permissions
				// boundaries for IAM entities", delegation example; Service
				// Authorization Reference, IAM: these actions take the key).
				// So no role a deployer makes or changes can hold more than
				// the boundary grants, whatever policy it puts on it.
				var bounded []string
				bounded, actions = split(actions, boundedActions)
				if len(bounded) > 0 {
					b.allow("IamWithBoundary", bounded, []string{s.roles()},
						policy.Condition{"StringEquals": {"iam:PermissionsBoundary": {s.PermissionsBoundaryARN}}})
				}
			}
			b.allow("Iam", actions, []string{b.scope.roles()}, nil)
		case "s3":
			var any []string
			any, actions = split(actions, withoutResources)
			b.allow("S3", actions, b.scope.s3(), nil)
			if len(any) > 0 {
				b.allow("S3AnyResource", any, []string{"*"}, nil)
			}
		default:
			b.allow(sidWord(service), actions, []string{"*"}, nil)
		}
	}
	if passRole {
		// PassRole only of the lab's roles, to the services they are for.
		b.allow("PassLabRoles", []string{"iam:PassRole"}, []string{b.scope.roles()},
			policy.Condition{"StringEquals": {"iam:PassedToService": {"lambda.amazonaws.com", "vpc-flow-logs.amazonaws.com"}}})
	}
	return nil
}

// split returns the actions that set holds and the others, each in order.
func split(actions []string, set map[string]bool) (in, out []string) {
	for _, a := range actions {
		if set[a] {
			in = append(in, a)
		} else {
			out = append(out, a)
		}
	}
	return in, out
}

// boundedActions are the role changes a deployer may make only to roles
// with the permissions boundary (the actions that take the condition key
// iam:PermissionsBoundary).
var boundedActions = map[string]bool{"iam:CreateRole": true, "iam:PutRolePermissionsBoundary": true, "iam:PutRolePolicy": true,
	"iam:DeleteRolePolicy": true, "iam:UpdateAssumeRolePolicy": true, "iam:UpdateRole": true, "iam:DeleteRole": true}

// withoutResources are the actions of the lab's services that IAM
// authorizes on no resource type, which a statement grants only with
// Resource "*" (Service Authorization Reference; policyeval checks every
// action of the rendered policies against the evaluator's copy of it).
var withoutResources = map[string]bool{"s3:GetAccessPoint": true}

// isRead reports whether an API operation only reads.
func isRead(op string) bool {
	for _, verb := range []string{"Describe", "Get", "List"} {
		if strings.HasPrefix(op, verb) {
			return true
		}
	}
	return false
}

// program adds the rights of types (see deploy) and then of lookups.
func (b *builder) program(types []string, readOnly bool, lookups []string) error {
	if err := b.deploy(types, readOnly); err != nil {
		return err
	}
	return b.lookups(lookups)
}

// lookups adds the rights of the program's lookups.
func (b *builder) lookups(lookups []string) error {
	found, missing := lookUp(Lookups, lookups, "lookup ")
	for _, rights := range found {
		b.rights(rights)
	}
	if len(missing) > 0 {
		return missingRights(missing)
	}
	return nil
}

// lookUp returns the entries of table for keys, in order, and the keys it
// lacks, each after kind ("lookup ").
func lookUp[V any](table map[string]V, keys []string, kind string) (found []V, missing []string) {
	for _, k := range keys {
		if v, ok := table[k]; ok {
			found = append(found, v)
		} else {
			missing = append(missing, kind+k)
		}
	}
	return found, missing
}

// rights adds rights whose resources are "*", SelfRole or ARNs: each under
// its service's statement ("*"), the caller's own role's, or its own Sid.
func (b *builder) rights(rights []Right) {
	for _, r := range rights {
		service, _, _ := strings.Cut(r.Action, ":")
		switch {
		case slices.Equal(r.Resources, []string{"*"}) && (service == "iam" || service == "s3"):
			// Their deploy statements are scoped to the lab's roles and
			// buckets: an unscoped right gets a statement of its own.
			b.allow(sidWord(service)+"AnyResource", []string{r.Action}, []string{"*"}, nil)
		case slices.Equal(r.Resources, []string{"*"}):
			b.allow(sidWord(service), []string{r.Action}, []string{"*"}, nil)
		case slices.Equal(r.Resources, []string{SelfRole}):
			b.allow("IamOwnRole", []string{r.Action}, []string{b.scope.self()}, nil)
		default:
			sid := r.Sid
			if sid == "" {
				sid = sidWord(service) + "Lab"
			}
			b.allow(sid, []string{r.Action}, r.Resources, nil)
		}
	}
}

// document returns the policy, its statements in order of their IDs.
func (b *builder) document() (policy.Document, error) {
	if len(b.errs) > 0 {
		return policy.Document{}, fmt.Errorf("internal/proof/ciroles: %s", strings.Join(b.errs, "; "))
	}
	doc := policy.Document{Version: policy.Version}
	for _, sid := range slices.Sorted(maps.Keys(b.stmts)) {
		doc.Statement = append(doc.Statement, *b.stmts[sid])
	}
	return doc, nil
}

func missingRights(missing []string) error {
	slices.Sort(missing)
	return fmt.Errorf("no IAM rights written down for %s (internal/proof/ciroles)", strings.Join(slices.Compact(missing), ", "))
}
