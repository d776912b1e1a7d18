package components

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformlab/s3-gateway-lab/internal/proof/offlineplan"
)

const (
	testStack   = "test"
	testProject = "s3-gateway-lab"
)

func validArgs() *S3GatewayLabArgs {
	return &S3GatewayLabArgs{
		VPCCIDR:              "10.42.0.0/16",
		SubnetPrefixLength:   24,
		AZCount:              2,
		BucketPrefix:         "s3-gw-lab",
		ForceDestroy:         true,
		LambdaMemoryMB:       128,
		LambdaTimeoutSeconds: 15,
		LogRetentionDays:     14,
		MaxKeys:              1000,
		ConnectTimeoutMS:     2000,
		RequestTimeoutMS:     5000,
		HandlerCode:          pulumi.NewFileArchive(".build/lambda/handler.zip"),
		Tags:                 map[string]string{"team": "platform"},
	}
}

// runLabs declares one lab per name on the mock monitor and returns the plan.
func runLabs(t *testing.T, region string, args *S3GatewayLabArgs, names ...string) (*offlineplan.Plan, error) {
	t.Helper()
	return offlineplan.Run(func(ctx *pulumi.Context) (pulumi.Map, error) {
		outs := pulumi.Map{}
		for _, name := range names {
			lab, err := NewS3GatewayLab(ctx, name, args)
			if err != nil {
				return nil, err
			}
			outs[name+"-functionName"] = lab.FunctionName
			outs[name+"-prefixListId"] = lab.PrefixListID
			outs[name+"-seedKeys"] = lab.SeedKeys
			outs[name+"-endpointPolicy"] = lab.EndpointPolicy
			outs[name+"-availabilityZones"] = lab.AvailabilityZones
			outs[name+"-availabilityZoneIds"] = lab.AvailabilityZoneIDs
			outs[name+"-adminPrincipalArns"] = lab.AdminPrincipalARNs
			outs[name+"-interfaceEndpointIds"] = lab.InterfaceEndpointIDs
		}
		return outs, nil
	}, offlineplan.Options{Project: testProject, Stack: testStack, Config: map[string]string{"aws:region": region}})
}

func mustRunLab(t *testing.T) *offlineplan.Plan {
	t.Helper()
	return planLab(t, validArgs())
}

// planLab declares the lab "lab" in us-east-1 with args, and stops t when
// that fails.
func planLab(t *testing.T, args *S3GatewayLabArgs) *offlineplan.Plan {
	t.Helper()
	p, err := runLabs(t, "us-east-1", args, "lab")
	if err != nil {
		t.Fatalf("declare lab: %v", err)
	}
	return p
}

func one(t *testing.T, p *offlineplan.Plan, typ string) offlineplan.Resource {
	t.Helper()
	return findN(t, p, typ, 1, "")[0]
}

// findN returns the resources of type typ in p, and stops t unless there are
// n of them (which names what they should be, when set).
func findN(t *testing.T, p *offlineplan.Plan, typ string, n int, which string) []offlineplan.Resource {
	t.Helper()
	rs := p.Find(typ)
	if len(rs) != n {
		if which != "" {
			which = " (" + which + ")"
		}
		t.Fatalf("got %d resources of type %s, want %d%s", len(rs), typ, n, which)
	}
	return rs
}

func byName(t *testing.T, p *offlineplan.Plan, name string) offlineplan.Resource {
	t.Helper()
	r, ok := p.ByName(name)
	if !ok {
		t.Fatalf("no resource named %s", name)
	}
	return r
}

func strs(v any) []string {
	if s, ok := v.([]string); ok {
		return s
	}
	var out []string
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			out = append(out, fmt.Sprint(e))
		}
	}
	return out
}

func TestResourceSet(t *testing.T) {
	p := mustRunLab(t)
	want := map[string]int{
		S3GatewayLabType:  1,
		"aws:ec2/vpc:Vpc": 1,
		"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":                                          1,
		"aws:ec2/subnet:Subnet":                                                                      2,
		"aws:ec2/routeTable:RouteTable":                                                              2,
		"aws:ec2/routeTableAssociation:RouteTableAssociation":                                        2,
		"aws:ec2/vpcEndpoint:VpcEndpoint":                                                            1,
		"aws:s3/bucketV2:BucketV2":                                                                   2, // lab bucket and denied-probe bucket
		"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     2, // lab bucket and denied-probe bucket
		"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     2, // lab bucket and denied-probe bucket
		"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": 2, // lab bucket and denied-probe bucket
		"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               1,
		"aws:s3/bucketPolicy:BucketPolicy":                                                           2, // lab bucket and denied-probe bucket
		"aws:s3/bucketObjectv2:BucketObjectv2":                                                       len(DefaultSeedObjects),
		"aws:ec2/securityGroup:SecurityGroup":                                                        2, // lab and probe functions
		"aws:cloudwatch/logGroup:LogGroup":                                                           2, // lab and probe functions
		"aws:iam/role:Role":                                                                          2, // lab and probe functions
		"aws:iam/rolePolicy:RolePolicy":                                                              4, // a data and an ENI policy each
		"aws:lambda/function:Function":                                                               2, // lab and probe functions
	}
	got := map[string]int{}
	for _, r := range p.Resources[1:] {
		got[r.Type]++
	}
	for typ, n := range want {
		if got[typ] != n {
			t.Errorf("%s: got %d, want %d", typ, got[typ], n)
		}
	}
	for typ, n := range got {
		if _, ok := want[typ]; !ok {
			t.Errorf("unexpected resource type %s (%d)", typ, n)
		}
	}
}

// TestEveryChildParented: every resource but the component has the component
// as its parent, and the component sits under the stack.
func TestEveryChildParented(t *testing.T) {
	p := mustRunLab(t)
	comp := one(t, p, S3GatewayLabType)
	if comp.Parent != p.Resources[0].URN {
		t.Errorf("component parent: got %s, want the stack %s", comp.Parent, p.Resources[0].URN)
	}
	for _, r := range p.Resources[1:] {
		if r.Type == S3GatewayLabType {
			continue
		}
		if r.Parent != comp.URN {
			t.Errorf("%s %s: parent %q, want the component %s", r.Type, r.Name, r.Parent, comp.URN)
		}
		if !strings.HasPrefix(r.Name, "lab-") {
			t.Errorf("%s: name %q does not derive from the component name", r.Type, r.Name)
		}
	}
}

// TestNoPathToTheInternet: no internet or NAT gateway, no routes declared at
// all (so no 0.0.0.0/0), no public IPs on launch (Checkov CKV_AWS_130).
func TestNoPathToTheInternet(t *testing.T) {
	p := mustRunLab(t)
	for _, r := range p.Resources {
		switch r.Type {
		case "aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway",
			"aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway", "aws:ec2/route:Route", "aws:ec2/eip:Eip":
			t.Errorf("unexpected %s %s in a private-only lab", r.Type, r.Name)
		case "aws:ec2/routeTable:RouteTable":
			if routes, ok := r.Inputs["routes"]; ok {
				t.Errorf("route table %s declares routes %v, want none (the endpoint adds its own)", r.Name, routes)
			}
		case "aws:ec2/subnet:Subnet":
			if r.Inputs["mapPublicIpOnLaunch"] != false {
				t.Errorf("subnet %s: mapPublicIpOnLaunch %v, want false", r.Name, r.Inputs["mapPublicIpOnLaunch"])
			}
		}
		b := jsonText(t, r.Inputs)
		if r.Name == "lab-probe-sg" {
			// Deliberately open on 443 only: routes must refuse its probes.
			egress := r.Inputs["egress"].([]any)
			rule := egress[0].(map[string]any)
			if len(egress) != 1 || rule["fromPort"] != 443.0 || rule["toPort"] != 443.0 || rule["protocol"] != "tcp" {
				t.Errorf("probe security group egress: got %v, want HTTPS only", egress)
			}
			continue
		}
		if strings.Contains(b, "0.0.0.0/0") || strings.Contains(b, "::/0") {
			t.Errorf("%s %s mentions a default route or open CIDR: %s", r.Type, r.Name, b)
		}
	}
}

func TestNetwork(t *testing.T) {
	p := mustRunLab(t)
	vpc := one(t, p, "aws:ec2/vpc:Vpc")
	if vpc.Inputs["cidrBlock"] != "10.42.0.0/16" || vpc.Inputs["enableDnsSupport"] != true || vpc.Inputs["enableDnsHostnames"] != true {
		t.Errorf("vpc inputs: got %v, want 10.42.0.0/16 with DNS support and hostnames", vpc.Inputs)
	}
	vpcID := offlineplan.Unknown("lab-vpc", "id")

	dsg := one(t, p, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
	if dsg.Inputs["vpcId"] != vpcID {
		t.Errorf("default security group vpcId: got %v, want %s", dsg.Inputs["vpcId"], vpcID)
	}
	for _, k := range []string{"ingress", "egress"} {
		if rules := strs(dsg.Inputs[k]); len(rules) > 0 {
			t.Errorf("default security group %s: got %v, want no rules (Checkov CKV2_AWS_12)", k, rules)
		}
	}

	subnets := p.Find("aws:ec2/subnet:Subnet")
	zones := map[string]string{}
	for _, s := range subnets {
		zones[s.Inputs["availabilityZone"].(string)] = s.Inputs["cidrBlock"].(string)
		if s.Inputs["vpcId"] != vpcID {
			t.Errorf("subnet %s vpcId: got %v, want %s", s.Name, s.Inputs["vpcId"], vpcID)
		}
	}
	want := map[string]string{"us-east-1a": "10.42.0.0/24", "us-east-1b": "10.42.1.0/24"}
	if fmt.Sprint(zones) != fmt.Sprint(want) {
		t.Errorf("subnets by zone: got %v, want %v", zones, want)
	}

	// One route table per subnet, each associated with exactly its subnet.
	assoc := map[string]string{}
	for _, a := range p.Find("aws:ec2/routeTableAssociation:RouteTableAssociation") {
		assoc[a.Inputs["subnetId"].(string)] = a.Inputs["routeTableId"].(string)
	}
	for _, az := range []string{"us-east-1a", "us-east-1b"} {
		subnetID := offlineplan.Unknown("lab-private-"+az, "id")
		rtID := offlineplan.Unknown("lab-rt-"+az, "id")
		if assoc[subnetID] != rtID {
			t.Errorf("subnet %s: associated with %q, want its own route table %s", az, assoc[subnetID], rtID)
		}
	}
}

// TestEndpointOnExactlyThePrivateRouteTables: the S3 gateway endpoint is of
// the region's S3 service, type Gateway, in the VPC, on exactly the private
// route tables, with the least-privilege policy.
func TestEndpointOnExactlyThePrivateRouteTables(t *testing.T) {
	p := mustRunLab(t)
	ep := one(t, p, "aws:ec2/vpcEndpoint:VpcEndpoint")
	if ep.Inputs["serviceName"] != "com.amazonaws.us-east-1.s3" || ep.Inputs["vpcEndpointType"] != "Gateway" {
		t.Errorf("endpoint: got service %v type %v, want com.amazonaws.us-east-1.s3 Gateway", ep.Inputs["serviceName"], ep.Inputs["vpcEndpointType"])
	}
	if ep.Inputs["vpcId"] != offlineplan.Unknown("lab-vpc", "id") {
		t.Errorf("endpoint vpcId: got %v", ep.Inputs["vpcId"])
	}
	var rts []string
	for _, rt := range p.Find("aws:ec2/routeTable:RouteTable") {
		rts = append(rts, offlineplan.Unknown(rt.Name, "id"))
	}
	got := strs(ep.Inputs["routeTableIds"])
	slices.Sort(got)
	slices.Sort(rts)
	if !slices.Equal(got, rts) {
		t.Errorf("endpoint route tables: got %v, want exactly %v", got, rts)
	}
	for _, k := range []string{"subnetIds", "securityGroupIds", "privateDnsEnabled"} {
		if _, ok := ep.Inputs[k]; ok {
			t.Errorf("gateway endpoint sets %s, which only interface endpoints take", k)
		}
	}
	in := policy.Inputs{Partition: "aws", Region: "us-east-1", AccountID: offlineplan.MockAccountID,
		FunctionRoleARN: offlineplan.Unknown("lab-fn-role", "arn"), BucketName: offlineplan.Unknown("lab-bucket", "bucket")}
	assertPolicy(t, "endpoint policy", ep.Inputs["policy"], policy.Endpoint(in))
}

func TestBucketLockedDown(t *testing.T) {
	p := mustRunLab(t)
	bucket := byName(t, p, "lab-bucket")
	if bucket.Inputs["bucketPrefix"] != "s3-gw-lab-test-" {
		t.Errorf("bucketPrefix: got %v, want s3-gw-lab-test-", bucket.Inputs["bucketPrefix"])
	}
	if _, named := bucket.Inputs["bucket"]; named {
		t.Error("bucket has a fixed name: ephemeral stacks in one account would clash")
	}
	if bucket.Inputs["forceDestroy"] != true {
		t.Errorf("forceDestroy: got %v, want true", bucket.Inputs["forceDestroy"])
	}
	for _, k := range []string{"acl", "policy", "websites", "grants", "corsRules"} {
		if _, ok := bucket.Inputs[k]; ok {
			t.Errorf("bucket sets %s inline; the lab configures buckets with separate resources", k)
		}
	}
	bucketName := offlineplan.Unknown("lab-bucket", "bucket")
	bucketID := offlineplan.Unknown("lab-bucket", "id")

	// Checkov CKV_AWS_53..56, cdk-nag AwsSolutions-S2: all four blocks on.
	pab := byName(t, p, "lab-bucket-public-access")
	for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		if pab.Inputs[k] != true {
			t.Errorf("public access block %s: got %v, want true", k, pab.Inputs[k])
		}
	}
	own := byName(t, p, "lab-bucket-ownership")
	if got := own.Inputs["rule"].(map[string]any)["objectOwnership"]; got != "BucketOwnerEnforced" {
		t.Errorf("object ownership: got %v, want BucketOwnerEnforced (ACLs disabled)", got)
	}
	sse := byName(t, p, "lab-bucket-encryption")
	rule := sse.Inputs["rules"].([]any)[0].(map[string]any)["applyServerSideEncryptionByDefault"].(map[string]any)
	if rule["sseAlgorithm"] != "AES256" {
		t.Errorf("default encryption: got %v, want AES256", rule)
	}
	ver := one(t, p, "aws:s3/bucketVersioningV2:BucketVersioningV2")
	if got := ver.Inputs["versioningConfiguration"].(map[string]any)["status"]; got != "Enabled" {
		t.Errorf("versioning: got %v, want Enabled", got)
	}
	for _, r := range []offlineplan.Resource{pab, own, sse, ver} {
		if r.Inputs["bucket"] != bucketID {
			t.Errorf("%s targets %v, want the lab bucket", r.Type, r.Inputs["bucket"])
		}
	}

	bp := byName(t, p, "lab-bucket-policy")
	if bp.Inputs["bucket"] != bucketName {
		t.Errorf("bucket policy targets %v, want %s", bp.Inputs["bucket"], bucketName)
	}
	if !slices.Contains(bp.Dependencies, pab.URN) {
		t.Errorf("bucket policy does not wait for the public access block: depends on %v", bp.Dependencies)
	}
	in := policy.Inputs{Partition: "aws", BucketName: bucketName, EndpointIDs: []string{offlineplan.Unknown("lab-s3-endpoint", "id")},
		AdminPrincipalARNs: []string{offlineplan.MockDeployerARN}}
	assertPolicy(t, "bucket policy", bp.Inputs["policy"], policy.Bucket(in))
}

func TestSeedObjects(t *testing.T) {
	p := mustRunLab(t)
	var got []string
	for _, o := range p.Find("aws:s3/bucketObjectv2:BucketObjectv2") {
		got = append(got, o.Inputs["key"].(string))
		if o.Inputs["bucket"] != offlineplan.Unknown("lab-bucket", "bucket") {
			t.Errorf("seed %s: bucket %v, want the lab bucket", o.Name, o.Inputs["bucket"])
		}
		if o.Inputs["content"] != DefaultSeedObjects[o.Inputs["key"].(string)] {
			t.Errorf("seed %s: content %q", o.Name, o.Inputs["content"])
		}
		if sse := byName(t, p, "lab-bucket-encryption"); !slices.Contains(o.Dependencies, sse.URN) {
			t.Errorf("seed %s is written before the bucket's encryption is set", o.Name)
		}
	}
	slices.Sort(got)
	want := []string{"data/sample.json", "hello.txt", "reports/README.md"}
	if !slices.Equal(got, want) {
		t.Errorf("seed keys: got %v, want %v", got, want)
	}
	if outs := strs(p.Outputs["lab-seedKeys"]); !slices.Equal(outs, want) {
		t.Errorf("seedKeys output: got %v, want %v", outs, want)
	}
}

// TestFunctionSecurityGroup: no ingress, one egress rule, TCP 443 to the
// endpoint's prefix list only (Checkov CKV_AWS_382: no open egress).
func TestFunctionSecurityGroup(t *testing.T) {
	p := mustRunLab(t)
	sg := byName(t, p, "lab-fn-sg")
	if ing := strs(sg.Inputs["ingress"]); len(ing) > 0 {
		t.Errorf("function security group ingress: got %v, want none", ing)
	}
	if sg.Inputs["description"] == "" || sg.Inputs["description"] == nil {
		t.Error("function security group has no description (Checkov CKV_AWS_23)")
	}
	egress, _ := sg.Inputs["egress"].([]any)
	if len(egress) != 1 {
		t.Fatalf("function security group egress: got %v, want one rule", sg.Inputs["egress"])
	}
	rule := egress[0].(map[string]any)
	if rule["protocol"] != "tcp" || rule["fromPort"] != 443.0 || rule["toPort"] != 443.0 {
		t.Errorf("egress rule: got %v, want tcp 443", rule)
	}
	if got := strs(rule["prefixListIds"]); !slices.Equal(got, []string{offlineplan.S3PrefixList}) {
		t.Errorf("egress prefix lists: got %v, want S3's managed prefix list %s, looked up by name", got, offlineplan.S3PrefixList)
	}
	// The group does not wait for the endpoint (a minute to create) only to
	// read its prefix list ID: the managed-prefix-list lookup gives it at once.
	for _, d := range sg.Dependencies {
		if strings.HasSuffix(d, "::lab-s3-endpoint") {
			t.Errorf("function security group depends on the gateway endpoint: %v", sg.Dependencies)
		}
	}
	for _, k := range []string{"cidrBlocks", "ipv6CidrBlocks", "securityGroups", "self"} {
		if v, ok := rule[k]; ok && len(strs(v)) > 0 {
			t.Errorf("egress rule also opens %s: %v", k, v)
		}
	}
	if rule["description"] == nil {
		t.Error("egress rule has no description (Checkov CKV_AWS_23)")
	}
}

func TestFunction(t *testing.T) {
	p := mustRunLab(t)
	fn := byName(t, p, "lab-fn")
	checks := map[string]any{
		"runtime":                        "provided.al2023",
		"handler":                        "bootstrap",
		"memorySize":                     128.0,
		"timeout":                        15.0,
		"replaceSecurityGroupsOnDestroy": true,
		"role":                           offlineplan.Unknown("lab-fn-role", "arn"),
	}
	for k, want := range checks {
		if fn.Inputs[k] != want {
			t.Errorf("function %s: got %v, want %v", k, fn.Inputs[k], want)
		}
	}
	if got := strs(fn.Inputs["architectures"]); !slices.Equal(got, []string{"arm64"}) {
		t.Errorf("architectures: got %v, want [arm64]", got)
	}
	if got := fn.Inputs["code"]; fmt.Sprint(got) != fmt.Sprint(map[string]any{"archive": ".build/lambda/handler.zip"}) {
		t.Errorf("code: got %v, want the built handler archive", got)
	}
	vpc := fn.Inputs["vpcConfig"].(map[string]any)
	subnets := strs(vpc["subnetIds"])
	if want := []string{offlineplan.Unknown("lab-private-us-east-1a", "id"), offlineplan.Unknown("lab-private-us-east-1b", "id")}; !slices.Equal(subnets, want) {
		t.Errorf("function subnets: got %v, want all private subnets %v", subnets, want)
	}
	if got := strs(vpc["securityGroupIds"]); !slices.Equal(got, []string{offlineplan.Unknown("lab-fn-sg", "id")}) {
		t.Errorf("function security groups: got %v, want only its own", got)
	}
	logging := fn.Inputs["loggingConfig"].(map[string]any)
	if logging["logFormat"] != "JSON" || logging["logGroup"] != offlineplan.Unknown("lab-fn-logs", "name") {
		t.Errorf("logging: got %v, want JSON into its own log group", logging)
	}
	env := fn.Inputs["environment"].(map[string]any)["variables"].(map[string]any)
	wantEnv := map[string]any{"BUCKET_NAME": offlineplan.Unknown("lab-bucket", "bucket"), "MAX_KEYS": "1000",
		"CONNECT_TIMEOUT_MS": "2000", "REQUEST_TIMEOUT_MS": "5000",
		"PROBE_INTERNET_URL": InternetProbeURL, "PROBE_DENIED_BUCKET": offlineplan.Unknown("lab-denied-probe", "bucket"),
		"PROBE_CROSS_REGION_BUCKET": "", "PROBE_CROSS_REGION": ""}
	if fmt.Sprint(env) != fmt.Sprint(wantEnv) {
		t.Errorf("environment: got %v, want %v", env, wantEnv)
	}

	// The log group exists before the function, and so do the role's permissions.
	logs := byName(t, p, "lab-fn-logs")
	rp := byName(t, p, "lab-fn-role-policy")
	eni := byName(t, p, "lab-fn-eni-policy")
	for _, dep := range []offlineplan.Resource{logs, rp, eni} {
		if !slices.Contains(fn.Dependencies, dep.URN) {
			t.Errorf("function does not depend on %s", dep.Name)
		}
	}
	if logs.Inputs["retentionInDays"] != 14.0 {
		t.Errorf("log retention: got %v, want 14", logs.Inputs["retentionInDays"])
	}
}

func TestRolePolicies(t *testing.T) {
	p := mustRunLab(t)
	base := policy.Inputs{Partition: "aws", Region: "us-east-1", AccountID: offlineplan.MockAccountID}
	for _, role := range p.Find("aws:iam/role:Role") {
		assertPolicy(t, role.Name+" trust policy", role.Inputs["assumeRolePolicy"], policy.AssumeRole(base))
		for _, k := range []string{"managedPolicyArns", "inlinePolicies"} {
			if v, ok := role.Inputs[k]; ok && len(strs(v)) > 0 {
				t.Errorf("%s sets %s %v: its only permissions are its inline policies", role.Name, k, v)
			}
		}
	}
	if n := len(p.Find("aws:iam/rolePolicyAttachment:RolePolicyAttachment")); n > 0 {
		t.Errorf("got %d managed policy attachments, want none", n)
	}
	for role, policies := range map[string][]string{
		"lab-fn-role":    {"lab-fn-role-policy", "lab-fn-eni-policy"},
		"lab-probe-role": {"lab-probe-role-policy", "lab-probe-eni-policy"},
	} {
		for _, name := range policies {
			if rp := byName(t, p, name); rp.Inputs["role"] != offlineplan.Unknown(role, "name") {
				t.Errorf("%s is on %v, want %s", name, rp.Inputs["role"], role)
			}
		}
		in := base
		in.VPCID = offlineplan.Unknown("lab-vpc", "id")
		assertPolicy(t, policies[1], byName(t, p, policies[1]).Inputs["policy"], policy.ENI(in))
	}
	in := base
	in.BucketName = offlineplan.Unknown("lab-bucket", "bucket")
	in.LogGroupARNs = []string{offlineplan.Unknown("lab-fn-logs", "arn")}
	in.DeniedProbeBucket = offlineplan.Unknown("lab-denied-probe", "bucket")
	assertPolicy(t, "lab role policy", byName(t, p, "lab-fn-role-policy").Inputs["policy"], policy.Role(in))
	in = base
	in.LogGroupARNs = []string{offlineplan.Unknown("lab-probe-fn-logs", "arn")}
	assertPolicy(t, "probe role policy", byName(t, p, "lab-probe-role-policy").Inputs["policy"], policy.ProbeRole(in))
	// Each function runs with its own role.
	for fn, role := range map[string]string{"lab-fn": "lab-fn-role", "lab-probe-fn": "lab-probe-role"} {
		if got := byName(t, p, fn).Inputs["role"]; got != offlineplan.Unknown(role, "arn") {
			t.Errorf("%s runs as %v, want %s", fn, got, role)
		}
	}
}

// TestProbeRoleReadsNoLabData: the probe function, whose security group
// lets HTTPS go anywhere, cannot read the lab's bucket or table, and the
// endpoint and bucket policies admit the lab function's role only.
func TestProbeRoleReadsNoLabData(t *testing.T) {
	p := runVariant(t, func(a *S3GatewayLabArgs) {
		a.DynamoDB, a.AccessPoint, a.S3Endpoints = true, true, []string{EndpointGateway, EndpointInterface}
	})
	probe := policyText(t, byName(t, p, "lab-probe-role-policy"), "policy")
	for _, lab := range []string{offlineplan.Unknown("lab-bucket", "bucket"), offlineplan.Unknown("lab-table", "arn")} {
		if strings.Contains(probe, lab) {
			t.Errorf("probe role policy names %s: %s", lab, probe)
		}
	}
	for _, name := range []string{"lab-s3-endpoint", "lab-s3-interface-endpoint", "lab-dynamodb-endpoint", "lab-access-point"} {
		if policy := policyText(t, byName(t, p, name), "policy"); strings.Contains(policy, "lab-probe-role") {
			t.Errorf("%s admits the probe role: %s", name, policy)
		}
	}
}

// TestTeardownOrder: Lambda needs the role's ENI permissions until its
// interfaces are gone, which is after the function, its security group and
// the subnets are deleted. Pulumi deletes a resource before what it depends
// on, so each of them must depend on the ENI policy; and the function may be
// created only once the policy exists.
func TestTeardownOrder(t *testing.T) {
	p := mustRunLab(t)
	eni := byName(t, p, "lab-fn-eni-policy")
	var dependents []offlineplan.Resource
	dependents = append(dependents, p.Find("aws:ec2/subnet:Subnet")...)
	dependents = append(dependents, byName(t, p, "lab-fn-sg"), byName(t, p, "lab-fn"))
	for _, r := range dependents {
		if !slices.Contains(r.Dependencies, eni.URN) {
			t.Errorf("%s does not depend on the ENI policy: destroy would delete the policy first (depends on %v)", r.Name, r.Dependencies)
		}
	}
	// The ENI policy itself depends only on the role and the VPC.
	want := []string{byName(t, p, "lab-fn-role").URN, byName(t, p, "lab-vpc").URN}
	slices.Sort(want)
	if !slices.Equal(eni.Dependencies, want) {
		t.Errorf("ENI policy depends on %v, want %v", eni.Dependencies, want)
	}
	if rp := byName(t, p, "lab-fn-role-policy"); slices.Contains(rp.Dependencies, eni.URN) {
		t.Errorf("the data policy should not wait for the ENI policy")
	}
}

func TestTags(t *testing.T) {
	p := mustRunLab(t)
	for _, r := range p.Resources[1:] {
		tags, ok := r.Inputs["tags"].(map[string]any)
		switch r.Type {
		case S3GatewayLabType, "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:iam/rolePolicy:RolePolicy",
			"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
			"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
			"aws:s3/bucketVersioningV2:BucketVersioningV2", "aws:s3/bucketPolicy:BucketPolicy",
			"aws:s3/bucketObjectv2:BucketObjectv2":
			continue
		}
		if !ok || tags["team"] != "platform" || tags["Name"] != r.Name {
			t.Errorf("%s %s: tags %v, want the user's tags and Name", r.Type, r.Name, r.Inputs["tags"])
		}
	}
}

// TestTwoInstances: two labs in one stack register without a URN collision,
// and none of their resources share a physical name.
func TestTwoInstances(t *testing.T) {
	p, err := runLabs(t, "us-east-1", validArgs(), "blue", "green")
	if err != nil {
		t.Fatalf("declare two labs: %v", err)
	}
	urns := map[string]bool{}
	for _, r := range p.Resources {
		if urns[r.URN] {
			t.Errorf("duplicate URN %s", r.URN)
		}
		urns[r.URN] = true
	}
	if n := len(p.Find(S3GatewayLabType)); n != 2 {
		t.Fatalf("got %d labs, want 2", n)
	}
	single := mustRunLab(t)
	if got, want := len(p.Resources)-1, 2*(len(single.Resources)-1); got != want {
		t.Errorf("two labs registered %d resources, want %d", got, want)
	}
	// Fixed physical names would collide; the lab sets only prefixes.
	prefixes := map[string]bool{}
	for _, r := range p.Resources {
		for _, k := range []string{"name", "bucket", "namePrefix"} {
			v, ok := r.Inputs[k].(string)
			if !ok || r.Type == "aws:s3/bucketObjectv2:BucketObjectv2" || strings.HasPrefix(v, "[unknown") {
				continue
			}
			if k != "namePrefix" {
				t.Errorf("%s %s has a fixed %s %q", r.Type, r.Name, k, v)
			}
			if prefixes[v] {
				t.Errorf("%s %s: name prefix %q is used twice", r.Type, r.Name, v)
			}
			prefixes[v] = true
		}
	}
	if p.Outputs["blue-functionName"] == p.Outputs["green-functionName"] {
		t.Errorf("both labs report function %v", p.Outputs["blue-functionName"])
	}
}

// TestZonesByID: excluded zone IDs are skipped, and the chosen zones are
// reported with their IDs (outputs and a tag on each subnet).
func TestZonesByID(t *testing.T) {
	args := validArgs()
	args.ExcludeZoneIDs = []string{"use1-az3"} // us-east-1b in the mock
	p := planLab(t, args)
	got := map[string]any{}
	for _, s := range p.Find("aws:ec2/subnet:Subnet") {
		got[s.Inputs["availabilityZone"].(string)] = s.Inputs["tags"].(map[string]any)[TagZoneID]
	}
	want := map[string]any{"us-east-1a": "use1-az2", "us-east-1c": "use1-az4"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("subnets' zones and zone-id tags: got %v, want %v", got, want)
	}
	if z, ids := strs(p.Outputs["lab-availabilityZones"]), strs(p.Outputs["lab-availabilityZoneIds"]); !slices.Equal(z, []string{"us-east-1a", "us-east-1c"}) ||
		!slices.Equal(ids, []string{"use1-az2", "use1-az4"}) {
		t.Errorf("zone outputs: got %v %v", z, ids)
	}
}

// TestAdminPrincipals: the bucket's admins default to the identity running
// the update; a configured list (patterns included) replaces it.
func TestAdminPrincipals(t *testing.T) {
	admins := func(t *testing.T, args *S3GatewayLabArgs) []string {
		t.Helper()
		p := planLab(t, args)
		doc := byName(t, p, "lab-bucket-policy").Inputs["policy"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			st := st.(map[string]any)
			if st["Sid"] == "DenyReadsOffEndpoint" {
				got := strs(st["Condition"].(map[string]any)["ArnNotLike"].(map[string]any)["aws:PrincipalArn"])
				if out := strs(p.Outputs["lab-adminPrincipalArns"]); !slices.Equal(out, got) {
					t.Errorf("adminPrincipalArns output %v, policy %v", out, got)
				}
				return got
			}
		}
		t.Fatal("no DenyReadsOffEndpoint statement")
		return nil
	}
	if got := admins(t, validArgs()); !slices.Equal(got, []string{offlineplan.MockDeployerARN}) {
		t.Errorf("default admins: got %v, want the deployer", got)
	}
	args := validArgs()
	args.AdminPrincipalARNs = []string{
		"arn:aws:iam::" + offlineplan.MockAccountID + ":role/platform-*",
		"arn:aws:iam::" + offlineplan.MockAccountID + ":role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*",
	}
	if got := admins(t, args); !slices.Equal(got, args.AdminPrincipalARNs) {
		t.Errorf("configured admins: got %v, want %v", got, args.AdminPrincipalARNs)
	}
}

// TestCrossRegionProviderSettings: the other region's provider repeats the
// stack's profile, shared files and role to assume, and is pinned to the
// stack's account. The settings are the provider's own Go type.
func TestCrossRegionProviderSettings(t *testing.T) {
	args := validArgs()
	args.CrossRegion = "eu-west-1"
	role, session, ext, tokenFile := "arn:aws:iam::"+offlineplan.MockAccountID+":role/deployer", "lab", "x-1", "/var/run/oidc/token"
	args.AWSProvider = ProviderSettings{
		Profile:                "platform",
		SharedConfigFiles:      []string{"/etc/aws/config"},
		SharedCredentialsFiles: []string{"/etc/aws/credentials"},
		AssumeRole:             &aws.ProviderAssumeRole{RoleArn: &role, SessionName: &session, ExternalId: &ext},
		AssumeRoleWithWebIdentity: &aws.ProviderAssumeRoleWithWebIdentity{RoleArn: &role,
			WebIdentityTokenFile: &tokenFile},
		AccessKey: "AKIAEXAMPLE", SecretKey: "wJalrEXAMPLE", Token: "tok",
	}
	p := planLab(t, args)
	prov := one(t, p, "pulumi:providers:aws")
	got := jsonText(t, prov.Inputs)
	for _, want := range []string{`"profile":"platform"`, `"sharedConfigFiles":["/etc/aws/config"]`,
		`"sharedCredentialsFiles":["/etc/aws/credentials"]`, `"allowedAccountIds":["` + offlineplan.MockAccountID + `"]`,
		`"roleArn":"` + role + `"`, `"sessionName":"lab"`, `"externalId":"x-1"`, `"region":"eu-west-1"`,
		`"webIdentityTokenFile":"/var/run/oidc/token"`, `"accessKey":"[secret]"`, `"secretKey":"[secret]"`, `"token":"[secret]"`} {
		if !strings.Contains(got, want) {
			t.Errorf("cross-region provider inputs lack %s: %s", want, got)
		}
	}
	if strings.Contains(got, "wJalrEXAMPLE") {
		t.Errorf("the secret key is in the provider's inputs in plain text: %s", got)
	}

	bad := validArgs()
	empty := ""
	bad.AWSProvider.AssumeRole = &aws.ProviderAssumeRole{RoleArn: &empty}
	assertRegistersNothing(t, "us-east-1", bad, `aws:assumeRole roleArn "": accepted: the ARN of the IAM role to assume`)
}

func TestExplicitZones(t *testing.T) {
	args := validArgs()
	args.AvailabilityZones = []string{"us-east-1c", "us-east-1f"}
	p := planLab(t, args)
	var got []string
	for _, s := range p.Find("aws:ec2/subnet:Subnet") {
		got = append(got, s.Inputs["availabilityZone"].(string))
	}
	slices.Sort(got)
	if !slices.Equal(got, args.AvailabilityZones) {
		t.Errorf("zones: got %v, want %v", got, args.AvailabilityZones)
	}
}

// TestZoneErrorsRegisterNothing: settings that only the region can refute
// fail after the lookups and before any resource is registered.
func TestZoneErrorsRegisterNothing(t *testing.T) {
	tests := []struct {
		name    string
		region  string
		mutate  func(*S3GatewayLabArgs)
		wantErr string
	}{
		{"more zones than the region has", "eu-west-1", func(a *S3GatewayLabArgs) { a.AZCount = 4 },
			"azCount 4: eu-west-1 has only 3 availability zones"},
		{"zone of another region", "us-east-1", func(a *S3GatewayLabArgs) { a.AvailabilityZones = []string{"us-east-1a", "eu-west-1b"} },
			`availabilityZones [us-east-1a eu-west-1b]: "eu-west-1b" is not an available zone of us-east-1`},
		// In the mock, eu-west-1a is euw1-az2.
		{"explicit zone excluded by ID", "eu-west-1", func(a *S3GatewayLabArgs) {
			a.AvailabilityZones = []string{"eu-west-1a", "eu-west-1b"}
			a.ExcludeZoneIDs = []string{"euw1-az2"}
		}, `availabilityZones [eu-west-1a eu-west-1b]: "eu-west-1a" is zone euw1-az2, which excludeZoneIds excludes`},
		{"too few zones once excluded", "eu-west-1", func(a *S3GatewayLabArgs) {
			a.AZCount = 3
			a.ExcludeZoneIDs = []string{"euw1-az1"}
		}, "azCount 3: eu-west-1 has only 2 availability zones that need no opt-in, are not excluded"},
		{"admin of another account", "us-east-1", func(a *S3GatewayLabArgs) {
			a.AdminPrincipalARNs = []string{offlineplan.MockDeployerARN, "arn:aws:iam::444455556666:role/ci"}
		}, `adminPrincipalArns "arn:aws:iam::444455556666:role/ci": not of this stack's account`},
		{"admins without the deployer", "us-east-1", func(a *S3GatewayLabArgs) {
			a.AdminPrincipalARNs = []string{"arn:aws:iam::" + offlineplan.MockAccountID + ":role/ci"}
		}, "does not include " + offlineplan.MockDeployerARN + ", which runs this update"},
		// In the mock, bedrock-runtime is not offered in a region's last zone.
		{"explicit zone without an interface endpoint service", "us-east-1", func(a *S3GatewayLabArgs) {
			a.InterfaceEndpoints, a.BedrockModelID = []string{"bedrock-runtime"}, "amazon.nova-micro-v1:0"
			a.AvailabilityZones = []string{"us-east-1a", "us-east-1f"}
		}, `availabilityZones [us-east-1a us-east-1f]: "us-east-1f" has no interface endpoint of bedrock-runtime`},
		{"too few zones with the interface endpoint service", "eu-west-1", func(a *S3GatewayLabArgs) {
			a.InterfaceEndpoints, a.BedrockModelID, a.AZCount = []string{"bedrock-runtime"}, "amazon.nova-micro-v1:0", 3
		}, "azCount 3: eu-west-1 has only 2 availability zones"},
		{"every problem at once", "us-east-1", func(a *S3GatewayLabArgs) {
			a.CrossRegion = "us-east-1"
			a.AvailabilityZones = []string{"us-east-1a", "us-east-1z"}
		}, "us-east-1z\" is not an available zone of us-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := validArgs()
			tt.mutate(args)
			assertRegistersNothing(t, tt.region, args, tt.wantErr)
		})
	}
}

// assertRegistersNothing declares a lab with args and checks that it fails
// with wantErr and registers no resource at all.
func assertRegistersNothing(t *testing.T, region string, args *S3GatewayLabArgs, wantErr string) {
	t.Helper()
	m := &offlineplan.Mocks{Project: testProject, Stack: testStack, Region: region}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewS3GatewayLab(ctx, "lab", args)
		return err
	}, pulumi.WithMocks(testProject, testStack, m))
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Fatalf("got error %v, want one containing %q", err, wantErr)
	}
	if rs := m.Resources(); len(rs) > 0 {
		t.Errorf("registered %d resources before failing (first %s %s), want none", len(rs), rs[0].Type, rs[0].Name)
	}
}

// jsonText is v as JSON text; it stops t when v cannot be marshalled.
func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// assertPolicy compares a registered policy input with the document the
// builders make for the same inputs.
func assertPolicy(t *testing.T, what string, got any, want policy.Document) {
	t.Helper()
	wantJSON, err := want.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var wantPlain any
	if err := json.Unmarshal([]byte(wantJSON), &wantPlain); err != nil {
		t.Fatal(err)
	}
	if g, w := jsonText(t, got), jsonText(t, wantPlain); g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// TestEveryBucketLockedDown: the probe buckets are as private as the lab
// bucket: all public access blocked, ACLs disabled, encrypted, TLS only.
func TestEveryBucketLockedDown(t *testing.T) {
	args := validArgs()
	args.CrossRegion = "us-west-2"
	p := planLab(t, args)
	buckets := findN(t, p, "aws:s3/bucketV2:BucketV2", 3, "lab, denied probe, cross-region probe")
	for _, b := range buckets {
		pab := byName(t, p, b.Name+"-public-access")
		for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			if pab.Inputs[k] != true {
				t.Errorf("%s public access block %s: got %v, want true", b.Name, k, pab.Inputs[k])
			}
		}
		if got := byName(t, p, b.Name+"-ownership").Inputs["rule"].(map[string]any)["objectOwnership"]; got != "BucketOwnerEnforced" {
			t.Errorf("%s object ownership: got %v", b.Name, got)
		}
		byName(t, p, b.Name+"-encryption")
		policy := byName(t, p, b.Name+"-policy")
		doc, _ := policy.Inputs["policy"].(map[string]any)
		first, _ := doc["Statement"].([]any)[0].(map[string]any)
		if first["Sid"] != "DenyInsecureTransport" {
			t.Errorf("%s policy does not deny insecure transport: %v", b.Name, doc)
		}
		if !slices.Contains(policy.Dependencies, pab.URN) {
			t.Errorf("%s policy does not wait for the public access block", b.Name)
		}
		if b.Inputs["forceDestroy"] != true {
			t.Errorf("%s forceDestroy: got %v, want true", b.Name, b.Inputs["forceDestroy"])
		}
	}
}

// TestProbeTargets: the denied-probe bucket is listable by the role but not
// through the endpoint, so a refusal proves the endpoint policy.
func TestProbeTargets(t *testing.T) {
	p := mustRunLab(t)
	denied := offlineplan.Unknown("lab-denied-probe", "bucket")
	ep := one(t, p, "aws:ec2/vpcEndpoint:VpcEndpoint")
	b := policyText(t, ep, "policy")
	if strings.Contains(b, denied) {
		t.Errorf("endpoint policy names the denied-probe bucket: %s", b)
	}
	// The lab function probes the denied bucket: its role may list it, so a
	// refusal names the endpoint policy. The probe function's role may not.
	rp := policyText(t, byName(t, p, "lab-fn-role-policy"), "policy")
	if !strings.Contains(rp, "arn:aws:s3:::"+denied) {
		t.Errorf("role policy does not let the role list the denied-probe bucket: %s", rp)
	}
	pp := policyText(t, byName(t, p, "lab-probe-role-policy"), "policy")
	if strings.Contains(pp, denied) {
		t.Errorf("probe role policy names the denied-probe bucket, which only the lab function probes: %s", pp)
	}
	if got := byName(t, p, "lab-denied-probe").Inputs["bucketPrefix"]; got != "s3-gw-lab-deny-test-" {
		t.Errorf("denied-probe bucket prefix: got %v", got)
	}
	if n := len(p.Find("pulumi:providers:aws")); n != 0 {
		t.Errorf("got %d explicit providers without crossRegion, want 0", n)
	}
}

func TestCrossRegionSwitch(t *testing.T) {
	args := validArgs()
	args.CrossRegion = "eu-west-1"
	p := planLab(t, args)
	prov := one(t, p, "pulumi:providers:aws")
	if prov.Inputs["region"] != "eu-west-1" || prov.Parent != one(t, p, S3GatewayLabType).URN {
		t.Errorf("cross-region provider: got region %v parent %s", prov.Inputs["region"], prov.Parent)
	}
	bucket := byName(t, p, "lab-cross-region-probe")
	if bucket.Inputs["bucketPrefix"] != "s3-gw-lab-xr-test-" {
		t.Errorf("cross-region bucket prefix: got %v", bucket.Inputs["bucketPrefix"])
	}
	for _, name := range []string{"lab-cross-region-probe", "lab-cross-region-probe-public-access", "lab-cross-region-probe-policy"} {
		r := byName(t, p, name)
		if r.Provider == "" || !strings.Contains(r.Provider, "lab-cross-region") {
			t.Errorf("%s: provider %q, want the cross-region provider", name, r.Provider)
		}
	}
	if r := byName(t, p, "lab-bucket"); r.Provider != "" {
		t.Errorf("lab bucket uses provider %q, want the stack's default", r.Provider)
	}
	env := byName(t, p, "lab-fn").Inputs["environment"].(map[string]any)["variables"].(map[string]any)
	if env["PROBE_CROSS_REGION"] != "eu-west-1" || env["PROBE_CROSS_REGION_BUCKET"] != offlineplan.Unknown("lab-cross-region-probe", "bucket") {
		t.Errorf("function probe env: got %v", env)
	}
	rp := policyText(t, byName(t, p, "lab-probe-role-policy"), "policy")
	if !strings.Contains(rp, "arn:aws:s3:::"+offlineplan.Unknown("lab-cross-region-probe", "bucket")) {
		t.Errorf("role policy does not let the role list the cross-region bucket: %s", rp)
	}
	if p.Outputs["lab-functionName"] == nil {
		t.Error("outputs missing")
	}
}

func TestCrossRegionErrors(t *testing.T) {
	args := validArgs()
	args.CrossRegion = "us-east-1"
	assertRegistersNothing(t, "us-east-1", args, "crossRegion us-east-1: is the stack's own region")
	args.CrossRegion = "Mars-1"
	assertRegistersNothing(t, "us-east-1", args, `crossRegion "Mars-1": not an AWS region name`)
}

// TestOutputsMatchTheFields: the component registers, and a stack exports,
// exactly the outputs its fields declare (their pulumi tags), so a new field
// cannot be left out of Outputs.
func TestOutputsMatchTheFields(t *testing.T) {
	var tags []string
	typ := reflect.TypeOf(S3GatewayLab{})
	for i := range typ.NumField() {
		if tag := typ.Field(i).Tag.Get("pulumi"); tag != "" {
			tags = append(tags, tag)
		}
	}
	var keys []string
	for k := range (&S3GatewayLab{}).Outputs() {
		keys = append(keys, k)
	}
	slices.Sort(tags)
	slices.Sort(keys)
	if !slices.Equal(tags, keys) {
		t.Errorf("Outputs keys %v, want the fields' tags %v", keys, tags)
	}
}

// TestPreviewOutsideTheAdmins: a preview (dry run) by an identity that
// adminPrincipalArns leaves out, such as a read-only preview role, plans the
// lab and warns; an update by it is refused before anything is registered.
func TestPreviewOutsideTheAdmins(t *testing.T) {
	args := validArgs()
	args.AdminPrincipalARNs = []string{"arn:aws:iam::" + offlineplan.MockAccountID + ":role/ci-deployer"}
	m := &offlineplan.Mocks{Project: testProject, Stack: testStack, Region: "us-east-1"}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewS3GatewayLab(ctx, "lab", args)
		return err
	}, pulumi.WithMocks(testProject, testStack, m), func(info *pulumi.RunInfo) { info.DryRun = true })
	if err != nil {
		t.Fatalf("preview outside the admins: %v, want a plan", err)
	}
	if len(m.Resources()) == 0 {
		t.Error("preview outside the admins registered nothing")
	}
	assertRegistersNothing(t, "us-east-1", args, "does not include "+offlineplan.MockDeployerARN+", which runs this update")

	// The warning the preview shows (the mock engine drops logs, so it is
	// read from chooseAdmins itself).
	l, _ := args.check()
	f := &facts{partition: "aws", accountID: offlineplan.MockAccountID, deployerARN: offlineplan.MockDeployerARN}
	var errs settingErrors
	admins, warning := chooseAdmins(l, f, true, &errs)
	if len(errs) != 0 || !strings.Contains(warning, "which runs this preview") || !slices.Equal(admins, args.AdminPrincipalARNs) {
		t.Errorf("dry run: got admins %v warning %q errors %v, want the list, a warning and no error", admins, warning, errs)
	}
	if _, warning = chooseAdmins(l, f, false, &errs); warning != "" || len(errs) != 1 {
		t.Errorf("update: got warning %q errors %v, want one error and no warning", warning, errs)
	}
}

// TestRolesTakeBoundaryAndPath: permissionsBoundaryArn and iamPath go to
// every role the lab creates; by default neither input is set, so the
// roles' inputs stay as they were.
func TestRolesTakeBoundaryAndPath(t *testing.T) {
	full := func() *S3GatewayLabArgs {
		a := validArgs()
		a.RestrictedTier, a.RestrictedPrefix, a.FlowLogs = true, "reports/", FlowLogsCloudWatch
		return a
	}
	p := planLab(t, full())
	roles := findN(t, p, "aws:iam/role:Role", 4, "three functions, flow logs")
	for _, r := range roles {
		if r.Inputs["path"] != nil || r.Inputs["permissionsBoundary"] != nil {
			t.Errorf("%s by default: path %v boundary %v, want neither set", r.Name, r.Inputs["path"], r.Inputs["permissionsBoundary"])
		}
	}
	args := full()
	boundary := "arn:aws:iam::" + offlineplan.MockAccountID + ":policy/platform/lab-boundary"
	args.PermissionsBoundaryARN, args.IAMPath = boundary, "/platform/labs/"
	for _, r := range planLab(t, args).Find("aws:iam/role:Role") {
		if r.Inputs["path"] != "/platform/labs/" || r.Inputs["permissionsBoundary"] != boundary {
			t.Errorf("%s: path %v boundary %v, want /platform/labs/ and %s", r.Name, r.Inputs["path"], r.Inputs["permissionsBoundary"], boundary)
		}
	}
	// An AWS managed policy is accepted too.
	args.PermissionsBoundaryARN = "arn:aws:iam::aws:policy/PowerUserAccess"
	if _, err := runLabs(t, "us-east-1", args, "lab"); err != nil {
		t.Errorf("AWS managed boundary: %v", err)
	}
	for _, tc := range []struct {
		boundary, path, want string
	}{
		{"arn:aws:iam::" + offlineplan.MockAccountID + ":role/not-a-policy", "/", `permissionsBoundaryArn "arn:aws:iam::123456789012:role/not-a-policy"`},
		{"arn:aws:iam::210987654321:policy/boundary", "/", "permissionsBoundaryArn arn:aws:iam::210987654321:policy/boundary: not of this stack's partition and account"},
		{"", "platform", `iamPath "platform": accepted / or a path that starts and ends with /`},
		{"", "/with space/", `iamPath "/with space/"`},
	} {
		bad := full()
		bad.PermissionsBoundaryARN, bad.IAMPath = tc.boundary, tc.path
		assertRegistersNothing(t, "us-east-1", bad, tc.want)
	}
}
