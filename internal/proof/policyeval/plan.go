package policyeval

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/platformlab/s3-gateway-lab/components"
)

// This file reads a golden plan, replaces its "[unknown NAME.OUTPUT]" placeholders with
// realistic concrete values and collects the facts the matrix needs into a lab value.

const (
	account     = "123456789012"
	partition   = "aws"
	deployerARN = "arn:aws:iam::" + account + ":role/platform-deployer"
)

// Logical names (the last URN segment) of the resources the suite looks up.
const (
	nameEndpoint     = "lab-s3-endpoint"
	nameBucket       = "lab-bucket"
	nameBucketPolicy = "lab-bucket-policy"
	nameProbeBucket  = "lab-denied-probe"
	nameRole         = "lab-fn-role"
	// The other functions and their roles.
	nameProbeRole          = "lab-probe-role"
	nameProbeFunction      = "lab-probe-fn"
	nameRestrictedRole     = "lab-restricted-role"
	nameRestrictedFunction = "lab-restricted-fn"
	nameFunction           = "lab-fn"
	nameVPC                = "lab-vpc"
	nameLogGroup           = "lab-fn-logs"

	// Variants: present only in the plans whose stack turns them on.
	nameAccessPoint        = "lab-access-point"
	nameS3Interface        = "lab-s3-interface-endpoint"
	nameRestrictedEndpoint = "lab-restricted-s3-endpoint"
	nameDynamoDBEndpoint   = "lab-dynamodb-endpoint"
	nameSTSEndpoint        = "lab-sts-endpoint"
	nameBedrockEndpoint    = "lab-bedrock-runtime-endpoint"
	nameTable              = "lab-table"
	nameDeniedTable        = "lab-denied-table"
	nameFlowLogsRole       = "lab-flow-logs-role"
	nameFlowLogsGroup      = "lab-flow-logs"
	nameFlowLog            = "lab-flow-log"
	restrictedSubnetPrefix = "lab-restricted-"
)

// Resource type tokens the suite reads.
const (
	typeStack           = "pulumi:pulumi:Stack"
	typeVPCEndpoint     = "aws:ec2/vpcEndpoint:VpcEndpoint"
	typeVPC             = "aws:ec2/vpc:Vpc"
	typeSubnet          = "aws:ec2/subnet:Subnet"
	typeSecurityGroup   = "aws:ec2/securityGroup:SecurityGroup"
	typeDefaultSG       = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	typeRouteTable      = "aws:ec2/routeTable:RouteTable"
	typeRole            = "aws:iam/role:Role"
	typeRolePolicy      = "aws:iam/rolePolicy:RolePolicy"
	typeRoleAttachment  = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	typeBucketV2        = "aws:s3/bucketV2:BucketV2"
	typeBucket          = "aws:s3/bucket:Bucket"
	typeBucketPolicy    = "aws:s3/bucketPolicy:BucketPolicy"
	typeLogGroup        = "aws:cloudwatch/logGroup:LogGroup"
	typeLambdaFunction  = "aws:lambda/function:Function"
	typeNATGateway      = "aws:ec2/natGateway:NatGateway"
	typeInternetGateway = "aws:ec2/internetGateway:InternetGateway"
	typeFlowLog         = "aws:ec2/flowLog:FlowLog"
	typeAccessPoint     = "aws:s3/accessPoint:AccessPoint"
	typeTable           = "aws:dynamodb/table:Table"
)

// planResource is one entry of a golden plan, shaped like a resource of
// `pulumi stack export`.
type planResource struct {
	URN          string         `json:"urn"`
	Custom       bool           `json:"custom"`
	Type         string         `json:"type"`
	Parent       string         `json:"parent"`
	Inputs       map[string]any `json:"inputs"`
	Outputs      map[string]any `json:"outputs"`
	Dependencies []string       `json:"dependencies"`
}

// name returns the resource's logical name, the URN's last "::" segment.
func (r planResource) name() string {
	return r.URN[strings.LastIndex(r.URN, "::")+2:]
}

func (r planResource) input(key string) string {
	s, _ := r.Inputs[key].(string)
	return s
}

// plan is one golden plan file.
type plan struct {
	path      string
	resources []planResource
}

func loadPlan(path string) (*plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load plan: %w", err)
	}
	var rs []planResource
	if err := json.Unmarshal(data, &rs); err != nil {
		return nil, fmt.Errorf("load plan %s: %w", path, err)
	}
	return &plan{path: path, resources: rs}, nil
}

// label names the plan in test names: "plan-dev" for testdata/plan-dev.json.
func (p *plan) label() string {
	return strings.TrimSuffix(filepath.Base(p.path), ".json")
}

func (p *plan) find(typ, name string) (planResource, bool) {
	for _, r := range p.resources {
		if r.Type == typ && r.name() == name {
			return r, true
		}
	}
	return planResource{}, false
}

func (p *plan) byName(name string) (planResource, bool) {
	var found []planResource
	for _, r := range p.resources {
		if r.name() == name && r.Custom {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		return planResource{}, false
	}
	return found[0], true
}

func (p *plan) all(typ string) []planResource {
	var out []planResource
	for _, r := range p.resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

func (p *plan) stackOutputs() map[string]any {
	for _, r := range p.resources {
		if r.Type == typeStack {
			return r.Outputs
		}
	}
	return nil
}

// placeholderRE matches the plan's stand-ins for values known only after deployment:
// "[unknown lab-bucket.bucket]" is output "bucket" of the resource named "lab-bucket".
var placeholderRE = regexp.MustCompile(`\[unknown ([^\]\s]+)\.([A-Za-z0-9_]+)\]`)

// resolver replaces placeholders with concrete values derived from each resource's type.
// The same placeholder always yields the same value, and each value depends only on the
// resource's URN, so one plan's policies agree with each other.
type resolver struct {
	plan   *plan
	region string
	values map[string]string
	// derived maps text the program computed from a placeholder before the plan was
	// written (an access point's name, components.AccessPointName of "[unknown lab-bucket.bucket]",
	// reads "ap-[last 26 characters of lab-bucket.bucket]") to the placeholder of the value it
	// stands for.
	derived map[string]string
}

func newResolver(p *plan, region string) *resolver {
	r := &resolver{plan: p, region: region, values: map[string]string{}, derived: map[string]string{}}
	for _, ap := range p.all(typeAccessPoint) {
		if bucket := ap.input("bucket"); placeholderRE.MatchString(bucket) && ap.input("name") == components.AccessPointName(bucket) {
			r.derived[ap.input("name")] = "[unknown " + ap.name() + ".name]"
		}
	}
	return r
}

// resolveString replaces every placeholder in s, and every derived text.
func (r *resolver) resolveString(s string) (string, error) {
	var errs []error
	for text, ph := range r.derived {
		if strings.Contains(s, text) {
			v, err := r.resolveString(ph)
			if err != nil {
				return s, err
			}
			s = strings.ReplaceAll(s, text, v)
		}
	}
	out := placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := placeholderRE.FindStringSubmatch(m)
		v, err := r.value(sub[1], sub[2])
		if err != nil {
			errs = append(errs, err)
			return m
		}
		return v
	})
	return out, errors.Join(errs...)
}

// resolve returns a deep copy of a decoded JSON value with every placeholder replaced.
func (r *resolver) resolve(v any) (any, error) {
	switch v := v.(type) {
	case string:
		return r.resolveString(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			x, err := r.resolve(e)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			x, err := r.resolve(e)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	default:
		return v, nil
	}
}

func (r *resolver) value(logical, output string) (string, error) {
	key := logical + "." + output
	if v, ok := r.values[key]; ok {
		return v, nil
	}
	res, ok := r.plan.byName(logical)
	if !ok {
		return "", fmt.Errorf("placeholder [unknown %s]: no single custom resource named %q in %s", key, logical, r.plan.path)
	}
	v, err := r.concrete(res, output)
	if err != nil {
		return "", fmt.Errorf("placeholder [unknown %s]: %w", key, err)
	}
	r.values[key] = v
	return v, nil
}

// ec2IDs maps EC2 resource types to their ID prefix and ARN resource type.
var ec2IDs = map[string]struct{ prefix, arnType string }{
	typeVPC:             {"vpc-", "vpc"},
	typeSubnet:          {"subnet-", "subnet"},
	typeSecurityGroup:   {"sg-", "security-group"},
	typeDefaultSG:       {"sg-", "security-group"},
	typeRouteTable:      {"rtb-", "route-table"},
	typeVPCEndpoint:     {"vpce-", "vpc-endpoint"},
	typeNATGateway:      {"nat-", "natgateway"},
	typeInternetGateway: {"igw-", "internet-gateway"},
	typeFlowLog:         {"fl-", "vpc-flow-log"},
}

// regionalNames maps the auto-named regional resource types to their ARN's
// service and the resource part before the name.
var regionalNames = map[string]struct{ service, resource string }{
	typeLogGroup:       {"logs", "log-group:"},
	typeLambdaFunction: {"lambda", "function:"},
	typeTable:          {"dynamodb", "table/"},
}

// concrete derives a realistic value for one output of res.
func (r *resolver) concrete(res planResource, output string) (string, error) {
	sum := sha256.Sum256([]byte(res.URN))
	hexOf := func(n int) string { return hex.EncodeToString(sum[:])[:n] }
	digitsOf := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteByte('0' + sum[i]%10)
		}
		return b.String()
	}
	// physical mimics Pulumi auto-naming: an explicit name wins, then a prefix plus a
	// random-looking suffix, else the logical name plus a suffix.
	physical := func(sep string, n int) string {
		if v := res.input("name"); v != "" {
			return v
		}
		if v := res.input("namePrefix"); v != "" {
			return v + hexOf(n)
		}
		return res.name() + sep + hexOf(n)
	}
	switch res.Type {
	case typeRole:
		name := physical("-", 7)
		switch output {
		case "name", "id":
			return name, nil
		case "arn":
			path := res.input("path")
			if path == "" {
				path = "/"
			}
			return "arn:" + partition + ":iam::" + account + ":role" + path + name, nil
		case "uniqueId":
			return "AROA" + strings.ToUpper(hexOf(17)), nil
		}
	case typeBucketV2, typeBucket:
		name := res.input("bucket")
		if name == "" {
			if p := res.input("bucketPrefix"); p != "" {
				// The provider's unique suffix: a UTC timestamp to the 10^-4 second
				// and an 8-hex-digit counter, 26 characters in all.
				name = p + "202611231200" + digitsOf(6) + fmt.Sprintf("%08x", sum[8]%9+1)
			} else {
				name = res.name() + "-" + hexOf(7)
			}
		}
		switch output {
		case "bucket", "id":
			return name, nil
		case "arn":
			return "arn:" + partition + ":s3:::" + name, nil
		case "bucketRegionalDomainName":
			return name + ".s3." + r.region + ".amazonaws.com", nil
		}
	case typeVPCEndpoint:
		if output == "prefixListId" {
			return "pl-" + hexOf(8), nil
		}
	case typeAccessPoint:
		// The program names the access point after its bucket (components.AccessPointName), so the
		// ARN of the access point's own policy and the arn output the endpoint policy
		// names are the same string once the bucket's name is known.
		name := res.input("name")
		if bucket := res.input("bucket"); placeholderRE.MatchString(bucket) && name == components.AccessPointName(bucket) {
			b, err := r.resolveString(bucket)
			if err != nil {
				return "", err
			}
			name = components.AccessPointName(b)
		} else if name == "" || strings.Contains(name, "unknown") {
			return "", fmt.Errorf("access point name %q is not derived from its bucket's name (see components.AccessPointName)", name)
		}
		arn := "arn:" + partition + ":s3:" + r.region + ":" + account + ":accesspoint/" + name
		switch output {
		case "name":
			return name, nil
		case "arn":
			return arn, nil
		case "id":
			return account + ":" + name, nil
		}
	}
	if n, ok := regionalNames[res.Type]; ok {
		name := physical("-", 7)
		switch output {
		case "name", "id":
			return name, nil
		case "arn":
			return "arn:" + partition + ":" + n.service + ":" + r.region + ":" + account + ":" + n.resource + name, nil
		}
	}
	if e, ok := ec2IDs[res.Type]; ok {
		id := e.prefix + hexOf(17)
		switch output {
		case "id":
			return id, nil
		case "arn":
			return "arn:" + partition + ":ec2:" + r.region + ":" + account + ":" + e.arnType + "/" + id, nil
		}
	}
	return "", fmt.Errorf("no concrete value for output %q of type %s (add one to resolver.concrete)", output, res.Type)
}

// namedPolicy is a policy document with the name the evaluator reports it by.
type namedPolicy struct {
	Name   string `json:"name"`
	Policy any    `json:"policy"`
}

// lab holds one plan's resolved policies and the identifiers its requests name.
type lab struct {
	plan   *plan
	region string

	bucket, bucketARN string
	probeBucket       string
	crossRegionBucket string // empty when the plan has none

	endpointID string
	vpcID      string
	subnetIDs  []string
	subnetCIDR string
	sgID       string // the lab VPC's default security group, else another of its groups

	roleName, roleARN string
	functionName      string
	logGroupARN       string

	endpointPolicy namedPolicy
	bucketPolicies map[string]any // bucket name -> its bucket policy
	rolePolicies   []namedPolicy  // identity policies of the function's role

	// The other functions' roles (lab-probe-role, lab-restricted-role); nil where
	// the plan lacks them.
	probeRole, restrictedRole *otherRole

	// Variants; zero where the plan lacks them.
	endpoints         map[string]endpoint // every VPC endpoint of the plan, by logical name
	accessPointARN    string
	accessPointPolicy any
	// boundary is the permissions boundary the README offers
	// (iam/lab-permissions-boundary.json), for the boundary rows.
	boundary       namedPolicy
	tableARN       string
	deniedTableARN string
	restrictedCIDR string        // a subnet of the restricted tier
	flowLogs       *flowLogsRole // with flowLogs: cloudwatch

	values map[string]string // every placeholder resolved, for the self-test
}

// otherRole is the execution role of another function of the lab, and its policies.
type otherRole struct {
	roleName, roleARN, functionName string
	policies                        []namedPolicy
}

// session is the function's principal: an STS session of its role.
func (r *otherRole) session() principal {
	return principal{
		arn:          "arn:" + partition + ":sts::" + account + ":assumed-role/" + r.roleName + "/" + r.functionName,
		principalARN: r.roleARN,
		identity:     r.policies,
	}
}

// endpoint is one VPC endpoint of the lab with its resolved policy.
type endpoint struct {
	id      string
	service string // com.amazonaws.REGION.SERVICE
	policy  namedPolicy
}

// flowLogsRole is the role VPC Flow Logs assumes to write to its log group.
type flowLogsRole struct {
	roleName    string
	roleARN     string
	trust       any
	policies    []namedPolicy
	logGroupARN string
	flowLogARN  string
}

func (l *lab) vpcARN() string { return l.ec2ARN("vpc", l.vpcID) }

func (l *lab) ec2ARN(kind, id string) string {
	return "arn:" + partition + ":ec2:" + l.region + ":" + account + ":" + kind + "/" + id
}

// sessionARN is the function's principal: an STS session of its execution role.
func (l *lab) sessionARN() string {
	return "arn:" + partition + ":sts::" + account + ":assumed-role/" + l.roleName + "/" + l.functionName
}

// decodePolicy accepts a policy as a decoded JSON object or as a JSON string.
func decodePolicy(v any) (any, error) {
	if s, ok := v.(string); ok {
		var out any
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			return nil, fmt.Errorf("decode policy: %w", err)
		}
		return out, nil
	}
	if v == nil {
		return nil, errors.New("decode policy: no policy")
	}
	return v, nil
}

// newLab finds the lab's resources by type and logical name and resolves their policies.
func newLab(p *plan) (*lab, error) {
	outs := p.stackOutputs()
	region, _ := outs["region"].(string)
	if region == "" {
		return nil, fmt.Errorf("%s: the stack has no region output", p.path)
	}
	rv := newResolver(p, region)
	boundary, boundaryErr := labBoundary()
	if boundaryErr != nil {
		return nil, boundaryErr
	}
	l := &lab{plan: p, region: region, bucketPolicies: map[string]any{}, boundary: boundary}
	need := func(typ, name string) (planResource, error) {
		r, ok := p.find(typ, name)
		if !ok {
			return r, fmt.Errorf("%s: no %s named %q", p.path, typ, name)
		}
		return r, nil
	}
	var err error
	val := func(ph string) string {
		if err != nil {
			return ""
		}
		var v string
		v, err = rv.resolveString(ph)
		return v
	}
	for _, n := range []struct{ typ, name string }{
		{typeVPCEndpoint, nameEndpoint}, {typeBucketV2, nameBucket}, {typeBucketV2, nameProbeBucket},
		{typeRole, nameRole}, {typeLambdaFunction, nameFunction}, {typeVPC, nameVPC},
		{typeLogGroup, nameLogGroup}, {typeBucketPolicy, nameBucketPolicy},
	} {
		if _, e := need(n.typ, n.name); e != nil {
			return nil, e
		}
	}
	l.bucket = val("[unknown " + nameBucket + ".bucket]")
	l.bucketARN = "arn:" + partition + ":s3:::" + l.bucket
	l.probeBucket = val("[unknown " + nameProbeBucket + ".bucket]")
	l.endpointID = val("[unknown " + nameEndpoint + ".id]")
	l.vpcID = val("[unknown " + nameVPC + ".id]")
	l.roleName = val("[unknown " + nameRole + ".name]")
	l.roleARN = val("[unknown " + nameRole + ".arn]")
	l.functionName = val("[unknown " + nameFunction + ".name]")
	l.logGroupARN = val("[unknown " + nameLogGroup + ".arn]")
	if s, _ := outs["crossRegionBucket"].(string); s != "" {
		l.crossRegionBucket = val(s)
	}
	if err != nil {
		return nil, err
	}

	// Subnets and security groups of the lab VPC, found by their vpcId input.
	vpcRef := "[unknown " + nameVPC + ".id]"
	for _, s := range p.all(typeSubnet) {
		if s.input("vpcId") == vpcRef {
			l.subnetIDs = append(l.subnetIDs, val("[unknown "+s.name()+".id]"))
			if l.subnetCIDR == "" {
				l.subnetCIDR = s.input("cidrBlock")
			}
		}
	}
	for _, typ := range []string{typeDefaultSG, typeSecurityGroup} {
		for _, g := range p.all(typ) {
			if l.sgID == "" && g.input("vpcId") == vpcRef {
				l.sgID = val("[unknown " + g.name() + ".id]")
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if len(l.subnetIDs) == 0 || l.sgID == "" {
		return nil, fmt.Errorf("%s: no subnet or security group in %s", p.path, nameVPC)
	}

	// Every endpoint's policy; one without a policy would get AWS's full-access default,
	// which the lab never wants, so it is an error.
	l.endpoints = map[string]endpoint{}
	for _, ep := range p.all(typeVPCEndpoint) {
		doc, err := decodePolicy(ep.Inputs["policy"])
		if err == nil {
			doc, err = rv.resolve(doc)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: endpoint policy: %w", ep.name(), err)
		}
		id, err := rv.resolveString("[unknown " + ep.name() + ".id]")
		if err != nil {
			return nil, err
		}
		l.endpoints[ep.name()] = endpoint{id: id, service: ep.input("serviceName"), policy: namedPolicy{Name: ep.name(), Policy: doc}}
	}
	l.endpointPolicy = l.endpoints[nameEndpoint].policy

	if ap, ok := p.find(typeAccessPoint, nameAccessPoint); ok {
		if l.accessPointARN, err = rv.resolveString("[unknown " + nameAccessPoint + ".arn]"); err != nil {
			return nil, err
		}
		doc, err := decodePolicy(ap.Inputs["policy"])
		if err == nil {
			doc, err = rv.resolve(doc)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: access point policy: %w", nameAccessPoint, err)
		}
		l.accessPointPolicy = doc
	}
	if _, ok := p.find(typeTable, nameTable); ok {
		l.tableARN = val("[unknown " + nameTable + ".arn]")
		l.deniedTableARN = val("[unknown " + nameDeniedTable + ".arn]")
		if err != nil {
			return nil, err
		}
	}
	for _, s := range p.all(typeSubnet) {
		if l.restrictedCIDR == "" && strings.HasPrefix(s.name(), restrictedSubnetPrefix) {
			l.restrictedCIDR = s.input("cidrBlock")
		}
	}
	if role, ok := p.find(typeRole, nameFlowLogsRole); ok {
		fl := &flowLogsRole{
			roleARN:     val("[unknown " + nameFlowLogsRole + ".arn]"),
			logGroupARN: val("[unknown " + nameFlowLogsGroup + ".arn]"),
			flowLogARN:  val("[unknown " + nameFlowLog + ".arn]"),
		}
		name := val("[unknown " + nameFlowLogsRole + ".name]")
		fl.roleName = name
		if err != nil {
			return nil, err
		}
		if fl.trust, err = decodePolicy(role.Inputs["assumeRolePolicy"]); err == nil {
			fl.trust, err = rv.resolve(fl.trust)
		}
		if err != nil {
			return nil, fmt.Errorf("%s trust policy: %w", nameFlowLogsRole, err)
		}
		if fl.policies, err = rolePoliciesOf(p, rv, role, name); err != nil {
			return nil, err
		}
		l.flowLogs = fl
	}

	for _, bp := range p.all(typeBucketPolicy) {
		bucket, err := rv.resolveString(bp.input("bucket"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", bp.name(), err)
		}
		doc, err := decodePolicy(bp.Inputs["policy"])
		if err == nil {
			doc, err = rv.resolve(doc)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", bp.name(), err)
		}
		l.bucketPolicies[bucket] = doc
	}

	role, _ := p.find(typeRole, nameRole)
	if l.rolePolicies, err = rolePoliciesOf(p, rv, role, l.roleName); err != nil {
		return nil, err
	}
	if len(l.rolePolicies) == 0 {
		return nil, fmt.Errorf("%s: no identity policy attached to %s", p.path, nameRole)
	}
	for _, o := range []struct {
		role, fn string
		into     **otherRole
	}{{nameProbeRole, nameProbeFunction, &l.probeRole}, {nameRestrictedRole, nameRestrictedFunction, &l.restrictedRole}} {
		r, ok := p.find(typeRole, o.role)
		if !ok {
			continue
		}
		or := &otherRole{roleName: val("[unknown " + o.role + ".name]"), roleARN: val("[unknown " + o.role + ".arn]"),
			functionName: val("[unknown " + o.fn + ".name]")}
		if or.policies, err = rolePoliciesOf(p, rv, r, or.roleName); err != nil {
			return nil, err
		}
		*o.into = or
	}
	l.values = rv.values
	return l, nil
}

// rolePoliciesOf returns the identity policies of role (whose physical name is name):
// inline ones on the role, and every RolePolicy whose role input resolves to its name.
// Managed policies cannot be evaluated from the plan, so they are an error rather than
// silently ignored.
func rolePoliciesOf(p *plan, rv *resolver, role planResource, name string) ([]namedPolicy, error) {
	var out []namedPolicy
	if inl, ok := role.Inputs["inlinePolicies"].([]any); ok {
		for i, e := range inl {
			m, _ := e.(map[string]any)
			doc, err := decodePolicy(m["policy"])
			if err == nil {
				doc, err = rv.resolve(doc)
			}
			if err != nil {
				return nil, fmt.Errorf("%s inline policy %d: %w", role.name(), i, err)
			}
			n, _ := m["name"].(string)
			out = append(out, namedPolicy{Name: role.name() + "/" + n, Policy: doc})
		}
	}
	if arns, ok := role.Inputs["managedPolicyArns"].([]any); ok && len(arns) > 0 {
		return nil, fmt.Errorf("%s: managed policies %v cannot be evaluated from the plan", role.name(), arns)
	}
	for _, a := range p.all(typeRoleAttachment) {
		if r, _ := rv.resolveString(a.input("role")); r == name {
			return nil, fmt.Errorf("%s: managed policy attachment %s cannot be evaluated from the plan", role.name(), a.name())
		}
	}
	for _, rp := range p.all(typeRolePolicy) {
		r, err := rv.resolveString(rp.input("role"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rp.name(), err)
		}
		if r != name {
			continue
		}
		doc, err := decodePolicy(rp.Inputs["policy"])
		if err == nil {
			doc, err = rv.resolve(doc)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rp.name(), err)
		}
		out = append(out, namedPolicy{Name: rp.name(), Policy: doc})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// hostIn returns the tenth address of a CIDR block, or a fixed private address.
func hostIn(cidr string) string {
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil {
		return "10.0.0.10"
	}
	a := pfx.Masked().Addr()
	for range 10 {
		a = a.Next()
	}
	return a.String()
}
