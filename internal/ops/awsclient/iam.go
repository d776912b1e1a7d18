package awsclient

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Request is a call as IAM authorizes it: the action and the ARN of the
// resource the call names ("*" for actions without resource-level
// permissions), from the Service Authorization Reference
// (https://docs.aws.amazon.com/service-authorization/latest/reference/).
type Request struct {
	Action   string `json:"action"`
	Resource string `json:"resource"`
}

// NeedsNoPermission reports whether IAM never refuses the action:
// sts:GetCallerIdentity ("No permissions are required to perform this
// operation", STS API Reference).
func (r Request) NeedsNoPermission() bool { return r.Action == "sts:GetCallerIdentity" }

// Request returns how IAM authorizes c, in partition and account, or an
// error for a call this table does not know (add it, with its action and
// resource type from the Service Authorization Reference).
func (c Call) Request(partition, account string) (Request, error) {
	var in map[string]any
	if len(c.Input) > 0 {
		if err := json.Unmarshal(c.Input, &in); err != nil {
			return Request{}, fmt.Errorf("%s %s: read input: %w", c.Service, c.Operation, err)
		}
	}
	str := func(k string) string { s, _ := in[k].(string); return s }
	arn := func(service, region, resource string) string {
		return fmt.Sprintf("arn:%s:%s:%s:%s:%s", partition, service, region, account, resource)
	}
	switch c.Service + " " + c.Operation {
	case "STS GetCallerIdentity":
		return Request{"sts:GetCallerIdentity", "*"}, nil
	case "IAM GetRole":
		// The lab's CI roles have the path /; a role's ARN holds its path.
		return Request{"iam:GetRole", fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, str("RoleName"))}, nil
	case "Lambda Invoke":
		name := str("FunctionName")
		if !strings.HasPrefix(name, "arn:") {
			name = arn("lambda", c.Region, "function:"+name)
		}
		return Request{"lambda:InvokeFunction", name}, nil
	case "S3 ListObjectsV2", "S3 HeadBucket":
		bucket := str("Bucket")
		if !strings.HasPrefix(bucket, "arn:") { // else an access point's ARN
			bucket = fmt.Sprintf("arn:%s:s3:::%s", partition, bucket)
		}
		return Request{"s3:ListBucket", bucket}, nil
	case "S3 GetObject":
		return Request{"s3:GetObject", fmt.Sprintf("arn:%s:s3:::%s/%s", partition, str("Bucket"), str("Key"))}, nil
	case "S3 Control GetAccessPoint":
		// No resource type: IAM authorizes it on "*".
		return Request{"s3:GetAccessPoint", "*"}, nil
	case "CloudWatch Logs FilterLogEvents":
		return Request{"logs:FilterLogEvents", arn("logs", c.Region, "log-group:"+str("LogGroupName"))}, nil
	case "Resource Groups Tagging API GetResources":
		return Request{"tag:GetResources", "*"}, nil
	}
	if c.Service == "EC2" && (strings.HasPrefix(c.Operation, "Describe") || c.Operation == "GetManagedPrefixListEntries") {
		// No resource-level permissions for EC2's Describe* calls; the
		// lab's prefix lists are AWS-managed.
		return Request{"ec2:" + c.Operation, "*"}, nil
	}
	return Request{}, fmt.Errorf("%s %s: no IAM action known for this call (internal/ops/awsclient Request)", c.Service, c.Operation)
}

// Requests returns the calls of the log as IAM authorizes them, each once,
// sorted, with the names in names (a name -> its placeholder, such as the
// stack's bucket -> {bucket}) replaced, so that the list says what a
// command calls whatever stack it runs on.
func (l *CallLog) Requests(partition, account string, names map[string]string) ([]Request, error) {
	var pairs []string
	for _, name := range slices.Sorted(maps.Keys(names)) {
		pairs = append(pairs, name, names[name])
	}
	replace := strings.NewReplacer(pairs...)
	seen := map[Request]bool{}
	var out []Request
	for _, c := range l.Calls() {
		r, err := c.Request(partition, account)
		if err != nil {
			return nil, err
		}
		r.Resource = replace.Replace(r.Resource)
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Request) int { return strings.Compare(a.Action+" "+a.Resource, b.Action+" "+b.Resource) })
	return out, nil
}
