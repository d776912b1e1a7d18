package cijobs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"
)

// motoServices maps a service prefix of IAM to the one moto checks for the
// same calls: moto names an action by the request's SigV4 signing name and
// its operation (moto/iam/access_control.py, IAMRequestBase.__init__), and
// for these services the signing name is not IAM's prefix.
var motoServices = map[string]string{
	"tag":        "tagging",    // Resource Groups Tagging API (tag:GetResources)
	"cloudwatch": "monitoring", // CloudWatch metrics and alarms
}

// motoOperations maps an IAM action to the one moto checks where the API
// operation is not IAM's action name.
var motoOperations = map[string]string{
	"lambda:InvokeFunction": "lambda:Invoke", // the Invoke operation
}

// MotoPolicy rewrites a permission policy, its placeholders rendered, for
// moto's IAM checks, so that moto allows what AWS would allow and no more
// than moto must:
//
//   - Each action moto checks under another name (tag:GetResources as
//     tagging:GetResources, lambda:InvokeFunction as lambda:Invoke) is
//     allowed under moto's name too.
//   - moto checks a request against a resource only for S3 buckets and
//     objects (arn:aws:s3:::BUCKET[/KEY]), IAM requests that name a role (the
//     role's ARN) and sts:AssumeRole (the role's ARN); every other request,
//     S3 access points (s3control) among them, it checks against the
//     literal "*", which no ARN matches. A statement's actions of the first
//     kind keep its resources; the others get a statement of their own on
//     "*". So the state backend's objects stay scoped by key in moto, and a
//     KMS key, a Lambda function or a log group is not: the pinned policy
//     evaluator (internal/proof/policyeval) checks that scoping.
//
// Conditions are kept (moto evaluates none of the policies' keys). Only
// Allow statements with Action and Resource, and no wildcard in an action,
// are accepted: the derived policies have no other kind, and moto gets
// Deny with NotResource wrong.
func MotoPolicy(document string) (string, error) {
	dec := json.NewDecoder(strings.NewReader(document))
	dec.DisallowUnknownFields()
	var doc policy.Document
	if err := dec.Decode(&doc); err != nil {
		return "", fmt.Errorf("read the policy: %w", err)
	}
	out := policy.Document{Version: doc.Version, ID: doc.ID}
	used := map[string]bool{}
	for _, st := range doc.Statement {
		used[st.Sid] = true
	}
	for i, st := range doc.Statement {
		if st.Effect != "Allow" || len(st.Action) == 0 || len(st.Resource) == 0 || st.Principal != nil {
			return "", fmt.Errorf("statement %d (%s): only Allow statements with Action and Resource and no Principal are rendered for moto", i, st.Sid)
		}
		var scoped, anyResource []string
		for _, a := range st.Action {
			if strings.Contains(a, "*") {
				return "", fmt.Errorf("statement %d (%s): action %s: wildcards are not rendered for moto", i, st.Sid, a)
			}
			for _, name := range motoNames(a) {
				if motoMatchesResource(name) {
					scoped = appendNew(scoped, name)
				} else {
					anyResource = appendNew(anyResource, name)
				}
			}
		}
		if len(scoped) > 0 {
			out.Statement = append(out.Statement, policy.Statement{Sid: st.Sid, Effect: st.Effect, Action: scoped,
				Resource: st.Resource, Condition: st.Condition})
		}
		if len(anyResource) > 0 {
			sid := st.Sid
			if sid != "" && len(scoped) > 0 {
				// Statement IDs must stay unique in a policy.
				sid += "InMoto"
				for n := 2; used[sid]; n++ {
					sid = fmt.Sprintf("%sInMoto%d", st.Sid, n)
				}
				used[sid] = true
			}
			out.Statement = append(out.Statement, policy.Statement{Sid: sid, Effect: st.Effect, Action: anyResource,
				Resource: []string{"*"}, Condition: st.Condition})
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return "", err
	}
	return strings.TrimSpace(buf.String()), nil
}

// motoNames returns action and, when moto checks the same call under another
// name, that name.
func motoNames(action string) []string {
	names := []string{action}
	if op, ok := motoOperations[action]; ok {
		names = append(names, op)
	}
	service, op, _ := strings.Cut(action, ":")
	if s, ok := motoServices[service]; ok {
		names = append(names, s+":"+op)
	}
	return names
}

// motoMatchesResource reports whether moto checks action against the
// request's resource rather than "*" (moto/s3/responses.py and
// moto/core/authorization.py for S3; _determine_resource in
// moto/iam/responses.py and moto/sts/responses.py).
func motoMatchesResource(action string) bool {
	service, op, _ := strings.Cut(action, ":")
	switch service {
	case "s3":
		// Access points are S3 Control's, which moto checks against "*".
		return !strings.Contains(op, "AccessPoint")
	case "iam":
		// Every IAM action of the derived policies names a role (iam:PassRole
		// is no request moto sees).
		return true
	case "sts":
		return op == "AssumeRole"
	}
	return false
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
