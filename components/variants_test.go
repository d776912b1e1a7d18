package components

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"

	"github.com/platformlab/s3-gateway-lab/internal/proof/offlineplan"
	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// runVariant declares the lab with mutate applied to the valid args.
func runVariant(t *testing.T, mutate func(*S3GatewayLabArgs)) *offlineplan.Plan {
	t.Helper()
	args := validArgs()
	mutate(args)
	return planLab(t, args)
}

// policyText is a registered policy input as JSON text.
func policyText(t *testing.T, r offlineplan.Resource, key string) string {
	t.Helper()
	return jsonText(t, r.Inputs[key])
}

func env(t *testing.T, p *offlineplan.Plan, fn string) map[string]any {
	t.Helper()
	return byName(t, p, fn).Inputs["environment"].(map[string]any)["variables"].(map[string]any)
}

// TestVariantsKeepTheCoreLab: turning every variant on adds resources and
// changes none of the core lab's URNs, so a deployed stack can switch a
// variant on without replacing its VPC, subnets, bucket or function.
func TestVariantsKeepTheCoreLab(t *testing.T) {
	core := mustRunLab(t)
	full := runVariant(t, func(a *S3GatewayLabArgs) {
		a.InternetEgress, a.S3Endpoints = EgressNAT, []string{EndpointGateway, EndpointInterface}
		a.AccessPoint, a.DynamoDB, a.RestrictedTier, a.RestrictedPrefix = true, true, true, "reports/"
		a.InterfaceEndpoints, a.BedrockModelID = []string{"sts", "bedrock-runtime"}, "amazon.nova-micro-v1:0"
		a.FlowLogs = FlowLogsCloudWatch
	})
	for _, r := range core.Resources[1:] {
		got, ok := full.ByName(r.Name)
		if !ok || got.URN != r.URN {
			t.Errorf("%s: URN %q with every variant on, want %q", r.Name, got.URN, r.URN)
			continue
		}
		for _, k := range []string{"cidrBlock", "availabilityZone", "bucketPrefix", "namePrefix", "vpcId", "description"} {
			if r.Type == "aws:lambda/function:Function" && k == "description" {
				continue
			}
			if a, b := r.Inputs[k], got.Inputs[k]; a != nil && a != b {
				t.Errorf("%s %s: %v, with every variant on %v (a replacement)", r.Name, k, a, b)
			}
		}
	}
}

func TestNATEgress(t *testing.T) {
	p := runVariant(t, func(a *S3GatewayLabArgs) { a.InternetEgress = EgressNAT })
	igw := one(t, p, "aws:ec2/internetGateway:InternetGateway")
	nat := one(t, p, "aws:ec2/natGateway:NatGateway")
	eip := one(t, p, "aws:ec2/eip:Eip")
	if nat.Inputs["allocationId"] != offlineplan.Unknown(eip.Name, "id") || nat.Inputs["subnetId"] != offlineplan.Unknown("lab-public-us-east-1a", "id") {
		t.Errorf("NAT gateway: got %v, want the EIP in the first public subnet", nat.Inputs)
	}
	public := map[string]string{}
	for _, s := range p.Find("aws:ec2/subnet:Subnet") {
		if strings.HasPrefix(s.Name, "lab-public-") {
			public[s.Name] = s.Inputs["cidrBlock"].(string)
			if s.Inputs["mapPublicIpOnLaunch"] != false {
				t.Errorf("%s maps public IPs on launch", s.Name)
			}
		}
	}
	// Public subnets take the second slot of azCount subnets.
	if public["lab-public-us-east-1a"] != "10.42.2.0/24" || public["lab-public-us-east-1b"] != "10.42.3.0/24" {
		t.Errorf("public subnets: got %v, want 10.42.2.0/24 and 10.42.3.0/24", public)
	}
	routes := map[string]string{}
	for _, r := range p.Find("aws:ec2/route:Route") {
		if r.Inputs["destinationCidrBlock"] != "0.0.0.0/0" {
			t.Errorf("route %s: destination %v", r.Name, r.Inputs["destinationCidrBlock"])
		}
		target, _ := r.Inputs["natGatewayId"].(string)
		if target == "" {
			target, _ = r.Inputs["gatewayId"].(string)
		}
		routes[r.Inputs["routeTableId"].(string)] = target
	}
	want := map[string]string{
		offlineplan.Unknown("lab-public-rt", "id"):     offlineplan.Unknown(igw.Name, "id"),
		offlineplan.Unknown("lab-rt-us-east-1a", "id"): offlineplan.Unknown(nat.Name, "id"),
		offlineplan.Unknown("lab-rt-us-east-1b", "id"): offlineplan.Unknown(nat.Name, "id"),
	}
	if len(routes) != len(want) {
		t.Errorf("default routes: got %v, want %v", routes, want)
	}
	for rt, target := range want {
		if routes[rt] != target {
			t.Errorf("default route of %s: got %q, want %q", rt, routes[rt], target)
		}
	}
	// The S3 gateway endpoint stays on the private route tables: its
	// prefix-list route beats 0.0.0.0/0.
	if got := strs(one(t, p, "aws:ec2/vpcEndpoint:VpcEndpoint").Inputs["routeTableIds"]); len(got) != 2 {
		t.Errorf("gateway endpoint route tables: %v", got)
	}
	if p.Outputs["lab-functionName"] == nil {
		t.Error("no outputs")
	}
}

// TestNoS3EndpointWithNAT is lab document 002's Example 1: S3 is reached
// through the NAT gateway, and the bucket, which admits reads only through
// an endpoint, refuses them.
func TestNoS3EndpointWithNAT(t *testing.T) {
	p := runVariant(t, func(a *S3GatewayLabArgs) { a.InternetEgress, a.S3Endpoints = EgressNAT, []string{} })
	if n := len(p.Find("aws:ec2/vpcEndpoint:VpcEndpoint")); n != 0 {
		t.Errorf("got %d endpoints, want none", n)
	}
	sg := policyText(t, byName(t, p, "lab-fn-sg"), "egress")
	if !strings.Contains(sg, offlineplan.S3PrefixList) {
		t.Errorf("function egress: %s, want HTTPS to S3's managed prefix list %s", sg, offlineplan.S3PrefixList)
	}
	bp := policyText(t, byName(t, p, "lab-bucket-policy"), "policy")
	if strings.Contains(bp, "aws:SourceVpce") || !strings.Contains(bp, "DenyReadsOffEndpoint") {
		t.Errorf("bucket policy: %s, want every read but the admins' denied", bp)
	}
	if !slices.Contains(p.Invokes, "aws:ec2/getManagedPrefixList:getManagedPrefixList") {
		t.Errorf("invokes: %v", p.Invokes)
	}
}

func TestS3InterfaceEndpoint(t *testing.T) {
	t.Run("with the gateway endpoint", func(t *testing.T) {
		p := runVariant(t, func(a *S3GatewayLabArgs) { a.S3Endpoints = []string{EndpointGateway, EndpointInterface} })
		ep := byName(t, p, "lab-s3-interface-endpoint")
		gw := byName(t, p, "lab-s3-endpoint")
		if !slices.Contains(ep.Dependencies, gw.URN) {
			t.Errorf("interface endpoint does not wait for the gateway endpoint: %v", ep.Dependencies)
		}
		dns := ep.Inputs["dnsOptions"].(map[string]any)
		if dns["privateDnsOnlyForInboundResolverEndpoint"] != true || ep.Inputs["privateDnsEnabled"] != true {
			t.Errorf("interface endpoint DNS: %v, private DNS %v; want private DNS for the inbound resolver only",
				dns, ep.Inputs["privateDnsEnabled"])
		}
		bp := policyText(t, byName(t, p, "lab-bucket-policy"), "policy")
		for _, id := range []string{offlineplan.Unknown("lab-s3-endpoint", "id"), offlineplan.Unknown("lab-s3-interface-endpoint", "id")} {
			if !strings.Contains(bp, id) {
				t.Errorf("bucket policy does not admit reads through %s: %s", id, bp)
			}
		}
		assertInterfaceEndpoint(t, p, "lab-s3-interface-endpoint", "com.amazonaws.us-east-1.s3")
		if got := env(t, p, "lab-fn")[contract.EnvS3InterfaceDNS]; got != offlineplan.Unknown("lab-s3-interface-endpoint", "dnsEntries[0].dnsName") {
			t.Errorf("function's interface DNS: got %v", got)
		}
	})
	t.Run("alone", func(t *testing.T) {
		p := runVariant(t, func(a *S3GatewayLabArgs) { a.S3Endpoints = []string{EndpointInterface} })
		ep := byName(t, p, "lab-s3-interface-endpoint")
		if dns := ep.Inputs["dnsOptions"].(map[string]any); dns["privateDnsOnlyForInboundResolverEndpoint"] != nil {
			t.Errorf("inbound-resolver-only DNS without a gateway endpoint: AWS refuses it (%v)", dns)
		}
		if n := len(p.Find("aws:ec2/vpcEndpoint:VpcEndpoint")); n != 1 {
			t.Errorf("got %d endpoints, want the interface endpoint only", n)
		}
		sg := policyText(t, byName(t, p, "lab-fn-sg"), "egress")
		if strings.Contains(sg, "prefixListIds") || !strings.Contains(sg, "10.42.0.0/24") {
			t.Errorf("function egress: %s, want HTTPS to the private subnets only", sg)
		}
	})
}

// assertInterfaceEndpoint checks an interface endpoint: in every private
// subnet, private DNS, its own security group admitting HTTPS from the lab's
// functions only.
func assertInterfaceEndpoint(t *testing.T, p *offlineplan.Plan, name, service string) {
	t.Helper()
	ep := byName(t, p, name)
	if ep.Inputs["serviceName"] != service || ep.Inputs["vpcEndpointType"] != "Interface" || ep.Inputs["privateDnsEnabled"] != true {
		t.Errorf("%s: got %v", name, ep.Inputs)
	}
	if got := strs(ep.Inputs["subnetIds"]); !slices.Equal(got, []string{offlineplan.Unknown("lab-private-us-east-1a", "id"), offlineplan.Unknown("lab-private-us-east-1b", "id")}) {
		t.Errorf("%s subnets: %v", name, got)
	}
	sg := byName(t, p, name+"-sg")
	if got := strs(ep.Inputs["securityGroupIds"]); !slices.Equal(got, []string{offlineplan.Unknown(sg.Name, "id")}) {
		t.Errorf("%s security groups: %v", name, got)
	}
	ingress := policyText(t, sg, "ingress")
	for _, client := range []string{"lab-fn-sg", "lab-probe-sg"} {
		if !strings.Contains(ingress, offlineplan.Unknown(client, "id")) {
			t.Errorf("%s admits no HTTPS from %s: %s", sg.Name, client, ingress)
		}
	}
	if strings.Contains(ingress, "cidrBlocks") || strings.Contains(policyText(t, sg, "egress"), "cidrBlocks") {
		t.Errorf("%s opens to CIDR blocks: %v", sg.Name, sg.Inputs)
	}
	if !strings.Contains(policyText(t, ep, "policy"), `"aws:PrincipalArn":["`+offlineplan.Unknown("lab-fn-role", "arn")+`"]`) {
		t.Errorf("%s policy does not name the function role: %s", name, policyText(t, ep, "policy"))
	}
}

func TestAccessPoint(t *testing.T) {
	p := runVariant(t, func(a *S3GatewayLabArgs) { a.AccessPoint = true })
	ap := one(t, p, "aws:s3/accessPoint:AccessPoint")
	if ap.Inputs["vpcConfiguration"].(map[string]any)["vpcId"] != offlineplan.Unknown("lab-vpc", "id") {
		t.Errorf("access point network origin: got %v, want the lab VPC", ap.Inputs["vpcConfiguration"])
	}
	for k, v := range ap.Inputs["publicAccessBlockConfiguration"].(map[string]any) {
		if v != true {
			t.Errorf("access point public access block %s: %v", k, v)
		}
	}
	apPolicy := policyText(t, ap, "policy")
	// The role is named in a condition, under Principal "*": S3 checks a
	// Principal ARN when the policy is put and refuses a role IAM has not
	// propagated yet.
	var apDoc struct {
		Statement []struct {
			Sid       string
			Principal any
			Condition policy.Condition
		}
	}
	if err := json.Unmarshal([]byte(apPolicy), &apDoc); err != nil {
		t.Fatal(err)
	}
	for _, s := range apDoc.Statement {
		if s.Principal != "*" || !slices.Equal(s.Condition["ArnEquals"]["aws:PrincipalArn"], []string{offlineplan.Unknown("lab-fn-role", "arn")}) {
			t.Errorf("access point statement %s: got principal %v condition %v, want \"*\" with aws:PrincipalArn the function role", s.Sid, s.Principal, s.Condition)
		}
	}
	if len(apDoc.Statement) != 2 {
		t.Errorf("access point policy: got %d statements, want 2: %s", len(apDoc.Statement), apPolicy)
	}
	ep := policyText(t, byName(t, p, "lab-s3-endpoint"), "policy")
	if !strings.Contains(ep, "s3:DataAccessPointArn") {
		t.Errorf("endpoint policy does not admit reads only through the access point: %s", ep)
	}
	bp := policyText(t, byName(t, p, "lab-bucket-policy"), "policy")
	if !strings.Contains(bp, `"s3:DataAccessPointAccount":["`+offlineplan.MockAccountID+`"]`) {
		t.Errorf("bucket policy does not delegate to the account's access points: %s", bp)
	}
	if got := AccessPointName("s3-gw-lab-test-20261123101112131400000001"); got != "ap-20261123101112131400000001" || len(got) > 50 {
		t.Errorf("AccessPointName: got %q", got)
	}
	// The offline plan shows the name it will have, derived from the bucket's.
	if got, want := AccessPointName(offlineplan.Unknown("lab-bucket", "bucket")), "ap-[last 26 characters of lab-bucket.bucket]"; got != want {
		t.Errorf("AccessPointName of a bucket not yet named: got %q, want %q", got, want)
	}
}

func TestDynamoDB(t *testing.T) {
	p := runVariant(t, func(a *S3GatewayLabArgs) { a.DynamoDB = true })
	tables := findN(t, p, "aws:dynamodb/table:Table", 2, "the lab table and the denied one")
	for _, tb := range tables {
		if tb.Inputs["billingMode"] != "PAY_PER_REQUEST" || tb.Inputs["hashKey"] != contract.TableKeyAttribute {
			t.Errorf("table %s: %v", tb.Name, tb.Inputs)
		}
	}
	item := one(t, p, "aws:dynamodb/tableItem:TableItem")
	if item.Inputs["tableName"] != offlineplan.Unknown("lab-table", "name") || !strings.Contains(item.Inputs["item"].(string), TableItemKey) {
		t.Errorf("table item: %v", item.Inputs)
	}
	ep := byName(t, p, "lab-dynamodb-endpoint")
	if ep.Inputs["serviceName"] != "com.amazonaws.us-east-1.dynamodb" || ep.Inputs["vpcEndpointType"] != "Gateway" ||
		len(strs(ep.Inputs["routeTableIds"])) != 2 {
		t.Errorf("DynamoDB endpoint: %v", ep.Inputs)
	}
	policy := policyText(t, ep, "policy")
	if !strings.Contains(policy, offlineplan.Unknown("lab-table", "arn")) || strings.Contains(policy, "lab-denied-table") {
		t.Errorf("DynamoDB endpoint policy: %s, want the lab table only", policy)
	}
	role := policyText(t, byName(t, p, "lab-fn-role-policy"), "policy")
	if !strings.Contains(role, offlineplan.Unknown("lab-denied-table", "arn")) {
		t.Errorf("role cannot read the denied table, so its refusal would prove nothing: %s", role)
	}
	if !strings.Contains(policyText(t, byName(t, p, "lab-fn-sg"), "egress"), offlineplan.DynamoDBPrefixList) {
		t.Error("function cannot reach DynamoDB's prefix list")
	}
	if slices.ContainsFunc(byName(t, p, "lab-fn-sg").Dependencies, func(d string) bool {
		return strings.HasSuffix(d, "::lab-dynamodb-endpoint")
	}) {
		t.Error("function security group waits for the DynamoDB endpoint only to read its prefix list")
	}
	e := env(t, p, "lab-probe-fn")
	if e[contract.EnvTable] != offlineplan.Unknown("lab-table", "name") || e[contract.EnvProbeDeniedTable] != offlineplan.Unknown("lab-denied-table", "name") ||
		e[contract.EnvTableKey] != TableItemKey {
		t.Errorf("probe function table env: %v", e)
	}
}

func TestInterfaceEndpoints(t *testing.T) {
	p := runVariant(t, func(a *S3GatewayLabArgs) {
		a.InterfaceEndpoints, a.BedrockModelID = []string{"sts", "bedrock-runtime"}, "amazon.nova-micro-v1:0"
	})
	assertInterfaceEndpoint(t, p, "lab-sts-endpoint", "com.amazonaws.us-east-1.sts")
	assertInterfaceEndpoint(t, p, "lab-bedrock-runtime-endpoint", "com.amazonaws.us-east-1.bedrock-runtime")
	bedrock := policyText(t, byName(t, p, "lab-bedrock-runtime-endpoint"), "policy")
	model := "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"
	if !strings.Contains(bedrock, model) || !strings.Contains(bedrock, "bedrock:InvokeModel") {
		t.Errorf("bedrock endpoint policy: %s, want InvokeModel of %s only (lab document 004)", bedrock, model)
	}
	if !strings.Contains(policyText(t, byName(t, p, "lab-fn-role-policy"), "policy"), model) {
		t.Error("role may not invoke the model")
	}
	var ids map[string]string
	if b, err := json.Marshal(p.Outputs["lab-interfaceEndpointIds"]); err != nil || json.Unmarshal(b, &ids) != nil {
		t.Fatalf("interface endpoint outputs: %v", p.Outputs["lab-interfaceEndpointIds"])
	}
	if len(ids) != 2 || ids["sts"] != offlineplan.Unknown("lab-sts-endpoint", "id") {
		t.Errorf("interface endpoint outputs: %v", ids)
	}
}

func TestRestrictedTier(t *testing.T) {
	p := runVariant(t, func(a *S3GatewayLabArgs) { a.RestrictedTier, a.RestrictedPrefix = true, "reports/" })
	cidrs := map[string]any{}
	for _, s := range p.Find("aws:ec2/subnet:Subnet") {
		cidrs[s.Name] = s.Inputs["cidrBlock"]
	}
	// The restricted tier takes the third slot, whether or not nat is on.
	if cidrs["lab-restricted-us-east-1a"] != "10.42.4.0/24" || cidrs["lab-restricted-us-east-1b"] != "10.42.5.0/24" {
		t.Errorf("restricted subnets: %v", cidrs)
	}
	ep := byName(t, p, "lab-restricted-s3-endpoint")
	if got := strs(ep.Inputs["routeTableIds"]); !slices.Equal(got, []string{offlineplan.Unknown("lab-restricted-rt-us-east-1a", "id"), offlineplan.Unknown("lab-restricted-rt-us-east-1b", "id")}) {
		t.Errorf("restricted endpoint route tables: %v", got)
	}
	policy := policyText(t, ep, "policy")
	if !strings.Contains(policy, offlineplan.Unknown("lab-restricted-role", "arn")) || strings.Contains(policy, "lab-fn-role") {
		t.Errorf("restricted endpoint policy: %s, want the restricted function's role only", policy)
	}
	if got := byName(t, p, "lab-restricted-fn").Inputs["role"]; got != offlineplan.Unknown("lab-restricted-role", "arn") {
		t.Errorf("restricted function runs as %v, want its own role", got)
	}
	for _, r := range p.Find("aws:ec2/subnet:Subnet") {
		if !slices.Contains(r.Dependencies, byName(t, p, "lab-restricted-eni-policy").URN) {
			t.Errorf("%s does not depend on the restricted role's ENI policy", r.Name)
		}
	}
	if !strings.Contains(policy, "/reports/*") || !strings.Contains(policy, `"s3:prefix":["reports/*"]`) {
		t.Errorf("restricted endpoint policy: %s, want reads and listing under reports/ only", policy)
	}
	fn := byName(t, p, "lab-restricted-fn")
	if got := strs(fn.Inputs["vpcConfig"].(map[string]any)["subnetIds"]); !slices.Contains(got, offlineplan.Unknown("lab-restricted-us-east-1a", "id")) {
		t.Errorf("restricted function subnets: %v", got)
	}
	e := env(t, p, "lab-restricted-fn")
	if e[contract.EnvAllowedKey] != "reports/README.md" || !strings.HasPrefix(e[contract.EnvDeniedKey].(string), "data/") {
		t.Errorf("restricted function keys: allowed %v denied %v", e[contract.EnvAllowedKey], e[contract.EnvDeniedKey])
	}
	if !strings.Contains(policyText(t, byName(t, p, "lab-bucket-policy"), "policy"), offlineplan.Unknown("lab-restricted-s3-endpoint", "id")) {
		t.Error("bucket policy does not admit reads through the restricted endpoint")
	}
}

func TestFlowLogs(t *testing.T) {
	t.Run("cloudwatch", func(t *testing.T) {
		p := runVariant(t, func(a *S3GatewayLabArgs) { a.FlowLogs = FlowLogsCloudWatch })
		fl := one(t, p, "aws:ec2/flowLog:FlowLog")
		if fl.Inputs["trafficType"] != "ALL" || fl.Inputs["logDestinationType"] != "cloud-watch-logs" ||
			fl.Inputs["logDestination"] != offlineplan.Unknown("lab-flow-logs", "arn") || fl.Inputs["iamRoleArn"] != offlineplan.Unknown("lab-flow-logs-role", "arn") {
			t.Errorf("flow log: %v", fl.Inputs)
		}
		trust := policyText(t, byName(t, p, "lab-flow-logs-role"), "assumeRolePolicy")
		if !strings.Contains(trust, "vpc-flow-logs.amazonaws.com") || !strings.Contains(trust, "aws:SourceAccount") {
			t.Errorf("flow logs trust: %s", trust)
		}
		if byName(t, p, "lab-flow-logs").Inputs["retentionInDays"] != 14.0 {
			t.Error("flow log retention is not logRetentionDays")
		}
	})
	t.Run("s3", func(t *testing.T) {
		p := runVariant(t, func(a *S3GatewayLabArgs) { a.FlowLogs = FlowLogsS3 })
		fl := one(t, p, "aws:ec2/flowLog:FlowLog")
		if fl.Inputs["logDestinationType"] != "s3" || fl.Inputs["logDestination"] != offlineplan.Unknown("lab-flow-logs", "arn") {
			t.Errorf("flow log: %v", fl.Inputs)
		}
		bp := policyText(t, byName(t, p, "lab-flow-logs-policy"), "policy")
		if !strings.Contains(bp, "delivery.logs.amazonaws.com") || !strings.Contains(bp, "DenyInsecureTransport") {
			t.Errorf("flow log bucket policy: %s", bp)
		}
	})
	t.Run("off", func(t *testing.T) {
		if n := len(mustRunLab(t).Find("aws:ec2/flowLog:FlowLog")); n != 0 {
			t.Errorf("got %d flow logs, want none", n)
		}
	})
}

// TestContradictions: settings that cannot work together fail before
// anything is registered, naming both settings.
func TestContradictions(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*S3GatewayLabArgs)
		wantErr string
	}{
		{"no path to S3", func(a *S3GatewayLabArgs) { a.S3Endpoints = []string{} }, "s3Endpoints []: with internetEgress none"},
		{"access point without gateway", func(a *S3GatewayLabArgs) {
			a.AccessPoint, a.S3Endpoints = true, []string{EndpointInterface}
		}, "accessPoint true: needs the S3 gateway endpoint in s3Endpoints"},
		{"restricted tier without gateway", func(a *S3GatewayLabArgs) {
			a.RestrictedTier, a.RestrictedPrefix, a.S3Endpoints = true, "reports/", []string{EndpointInterface}
		}, "restrictedTier true: needs the S3 gateway endpoint in s3Endpoints"},
		{"restricted tier does not fit", func(a *S3GatewayLabArgs) {
			a.VPCCIDR, a.RestrictedTier, a.RestrictedPrefix = "10.42.0.0/22", true, "reports/"
		}, "too small for 6 subnets (2 zones x 3 tiers"},
		{"restricted prefix without a seed inside", func(a *S3GatewayLabArgs) {
			a.RestrictedTier, a.RestrictedPrefix = true, "nothing/"
		}, `restrictedPrefix "nothing/": needs a seeded object inside it`},
		{"restricted prefix with a wildcard", func(a *S3GatewayLabArgs) {
			a.RestrictedTier, a.RestrictedPrefix = true, "rep*/"
		}, `restrictedPrefix "rep*/": accepted a key prefix ending in /`},
		{"unknown egress", func(a *S3GatewayLabArgs) { a.InternetEgress = "igw" }, `internetEgress "igw": accepted "none" or "nat"`},
		{"unknown endpoint kind", func(a *S3GatewayLabArgs) { a.S3Endpoints = []string{"gateway", "gateway"} }, "s3Endpoints [gateway gateway]: accepted distinct values"},
		{"unknown interface service", func(a *S3GatewayLabArgs) { a.InterfaceEndpoints = []string{"s3"} }, `interfaceEndpoints [s3]: "s3": accepted distinct services among`},
		{"bedrock without a model", func(a *S3GatewayLabArgs) { a.InterfaceEndpoints = []string{"bedrock-runtime"} }, `bedrockModelId "": accepted a foundation model ID`},
		{"unknown flow log destination", func(a *S3GatewayLabArgs) { a.FlowLogs = "kinesis" }, `flowLogs "kinesis": accepted "off", "cloudwatch" or "s3"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := validArgs()
			tt.mutate(args)
			assertRegistersNothing(t, "us-east-1", args, tt.wantErr)
		})
	}
}

// ec2DescriptionRE is what EC2 accepts in security group and rule
// descriptions, as the AWS provider validates them
// (hashicorp/terraform-provider-aws internal/service/ec2, validSecurityGroupRuleDescription;
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html).
var ec2DescriptionRE = regexp.MustCompile(`^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{0,255}$`)

// TestSecurityGroupDescriptions: with every variant on, every security
// group's description and rule descriptions use only what EC2 accepts (an
// apostrophe fails the deployment).
func TestSecurityGroupDescriptions(t *testing.T) {
	p := runVariant(t, func(a *S3GatewayLabArgs) {
		a.InternetEgress, a.S3Endpoints = EgressNAT, []string{EndpointGateway, EndpointInterface}
		a.AccessPoint, a.DynamoDB, a.RestrictedTier, a.RestrictedPrefix = true, true, true, "reports/"
		a.InterfaceEndpoints, a.BedrockModelID = InterfaceServices, "amazon.nova-micro-v1:0"
	})
	noS3 := runVariant(t, func(a *S3GatewayLabArgs) { a.InternetEgress, a.S3Endpoints = EgressNAT, []string{} })
	for _, sg := range append(p.Find("aws:ec2/securityGroup:SecurityGroup"), noS3.Find("aws:ec2/securityGroup:SecurityGroup")...) {
		descriptions := []any{sg.Inputs["description"]}
		for _, k := range []string{"ingress", "egress"} {
			rules, _ := sg.Inputs[k].([]any)
			for _, r := range rules {
				descriptions = append(descriptions, r.(map[string]any)["description"])
			}
		}
		for _, d := range descriptions {
			if s, _ := d.(string); !ec2DescriptionRE.MatchString(s) {
				t.Errorf("%s: description %q has characters EC2 refuses", sg.Name, s)
			}
		}
	}
}

func TestRegionalDNSName(t *testing.T) {
	name := func(s string) ec2.VpcEndpointDnsEntry { return ec2.VpcEndpointDnsEntry{DnsName: &s} }
	regional := "*.vpce-0abc123-def456.s3.us-east-1.vpce.amazonaws.com"
	zonal := "*.vpce-0abc123-def456-us-east-1a.s3.us-east-1.vpce.amazonaws.com"
	for _, tt := range []struct {
		entries []ec2.VpcEndpointDnsEntry
		want    string
	}{
		{[]ec2.VpcEndpointDnsEntry{name(regional), name(zonal)}, regional},
		{[]ec2.VpcEndpointDnsEntry{name(zonal), name("s3.us-east-1.amazonaws.com"), name(regional)}, regional},
		{[]ec2.VpcEndpointDnsEntry{name("x"), {}}, "x"},
		{nil, ""},
	} {
		if got := regionalDNSName(tt.entries); got != tt.want {
			t.Errorf("regionalDNSName: got %q, want %q", got, tt.want)
		}
	}
}
