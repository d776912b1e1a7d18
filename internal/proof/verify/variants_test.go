package verify

// These tests run every check of a stack with all the variants on (as the
// golden plan testdata/plan-full.json: internetEgress nat, both S3
// endpoints, the access point, DynamoDB, an STS interface endpoint, the
// restricted tier, flow logs to CloudWatch Logs) against the hand-written
// fake, which plays the parts moto cannot: the functions' reports (Lambda
// runs no code in moto without Docker, and the probes need the VPC's real
// network), the access point refusing a caller outside the VPC (moto's S3
// does not evaluate an access point's network origin), and an S3 interface
// endpoint whose private DNS answers only the inbound resolver (moto 5.2.1
// returns no DnsOptions). The EC2 parts moto does model are tested against it
// too, in moto_variants_test.go.

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/testing/awsfake"
	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

const (
	ddbPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"ReadLabTable","Effect":"Allow","Principal":"*",` +
		`"Action":["dynamodb:GetItem"],"Resource":["arn:aws:dynamodb:us-east-1:111122223333:table/lab-table"],` +
		`"Condition":{"ArnEquals":{"aws:PrincipalArn":["arn:aws:iam::111122223333:role/lab-fn-role"]}}}]}`
	restrictedPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"ReadRestrictedPrefix","Effect":"Allow","Principal":"*",` +
		`"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::lab-bucket-1/reports/*"],` +
		`"Condition":{"ArnEquals":{"aws:PrincipalArn":["arn:aws:iam::111122223333:role/lab-fn-role"]}}}]}`
	flowLogGroup  = "/aws/vpc-flow-logs/lab-1"
	ddbPrefixList = "pl-02cd2c6b"
	// rejectRecord is a record of the default flow log format: a refused
	// HTTPS connection.
	rejectRecord = "2 111122223333 eni-0abc 10.42.0.10 3.220.57.224 40312 443 6 1 60 1763900000 1763900060 REJECT OK"
	acceptRecord = "2 111122223333 eni-0abc 10.42.0.10 3.220.57.224 40313 443 6 4 640 1763900000 1763900060 ACCEPT OK"
	// originRefusal is S3's answer to a request to a VPC-origin access
	// point from outside its VPC (Amazon FSx for NetApp ONTAP User Guide,
	// "Configuring network access for S3 access points").
	originRefusal = `User: arn:aws:sts::111122223333:assumed-role/platform-admin/verify is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:us-east-1:111122223333:accesspoint/ap-lab-1" with an explicit deny in a resource-based policy`
)

var fullAccess = `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`

// fullOutputs are the outputs of a stack with every variant on.
func fullOutputs() Outputs {
	o := outputs()
	o.CrossRegionBucket, o.CrossRegion = "lab-xr-1", "eu-west-1"
	o.InternetEgress, o.VPCCIDR = EgressNAT, "10.42.0.0/16"
	o.PrivateSubnetIDs, o.PublicSubnetIDs = []string{"subnet-a", "subnet-b"}, []string{"subnet-pa", "subnet-pb"}
	o.InternetGatewayID, o.NATGatewayID = "igw-1", "nat-1"
	o.S3InterfaceEndpointID, o.S3InterfaceDNS = "vpce-s3i", "*.vpce-s3i-1.s3.us-east-1.vpce.amazonaws.com"
	o.AccessPointARN = "arn:aws:s3:us-east-1:111122223333:accesspoint/ap-lab-1"
	o.TableName, o.DeniedTableName = "lab-table", "lab-denied-table"
	o.DynamoDBEndpointID, o.DynamoDBEndpointPolicy = "vpce-ddb", ddbPolicy
	o.InterfaceEndpointIDs = map[string]string{"sts": "vpce-sts"}
	o.RestrictedSubnetIDs, o.RestrictedRouteTableIDs = []string{"subnet-ra", "subnet-rb"}, []string{"rtb-ra", "rtb-rb"}
	o.RestrictedEndpointID, o.RestrictedEndpointPolicy = "vpce-r", restrictedPolicy
	o.RestrictedPrefix, o.RestrictedFunctionName = "reports/", "lab-restricted-fn"
	o.ProbeFunctionName = "lab-probe-fn"
	o.FlowLogs, o.FlowLogID, o.FlowLogDestination = FlowLogsCloudWatch, "fl-1", flowLogGroup
	o.BucketName, o.SecurityGroupID = "lab-bucket-1", "sg-fn"
	return o
}

func report(probe string, ok bool, kind string) contract.Report {
	r := contract.Report{Action: contract.ActionProbe, Probe: probe, OK: ok, Target: "target-of-" + probe, ElapsedMS: 50}
	if kind != "" {
		r.Error = &contract.ErrorReport{Kind: kind, Message: kind}
	}
	return r
}

// fullLab is the stack of fullOutputs, every claim holding.
func fullLab() awsfake.Lab {
	private := func(id string) awsfake.RouteTable {
		return awsfake.RouteTable{ID: id, VPCID: "vpc-1", Routes: []awsfake.Route{
			{DestinationCIDR: "10.42.0.0/16", GatewayID: "local", State: "active"},
			{DestinationPrefixList: "pl-63a5400a", GatewayID: "vpce-1", State: "active"},
			{DestinationPrefixList: ddbPrefixList, GatewayID: "vpce-ddb", State: "active"},
			{DestinationCIDR: "0.0.0.0/0", NatGatewayID: "nat-1", State: "active"},
		}}
	}
	restricted := func(id string) awsfake.RouteTable {
		return awsfake.RouteTable{ID: id, VPCID: "vpc-1", Routes: []awsfake.Route{
			{DestinationCIDR: "10.42.0.0/16", GatewayID: "local", State: "active"},
			{DestinationPrefixList: "pl-63a5400a", GatewayID: "vpce-r", State: "active"},
		}}
	}
	keys := func(probe string) contract.Report {
		r := report(probe, true, "")
		r.Keys = slices.Clone(seeds)
		return r
	}
	dns := report(contract.ProbeS3DNS, true, "")
	dns.Addresses = []string{"52.216.8.1", "52.217.1.2"}
	sts := report(contract.ProbeSTS, true, "")
	sts.Identity = "arn:aws:sts::111122223333:assumed-role/lab-fn-role/lab-fn-1"
	lab := passingLab()
	lab.RouteTables = []awsfake.RouteTable{private("rtb-a"), private("rtb-b"), restricted("rtb-ra"), restricted("rtb-rb")}
	lab.InternetGateways = []string{"igw-1"}
	lab.NatGateways = []awsfake.NatGateway{{ID: "nat-1", SubnetID: "subnet-pa", State: "available"}}
	lab.Endpoints = []awsfake.Endpoint{
		{ID: "vpce-s3i", VPCID: "vpc-1", Type: "Interface", State: "available", ServiceName: "com.amazonaws.us-east-1.s3",
			Policy: declaredPolicy, SubnetIDs: []string{"subnet-b", "subnet-a"}, PrivateDNS: true, InboundResolverOnly: true},
		{ID: "vpce-ddb", VPCID: "vpc-1", Type: "Gateway", State: "available", ServiceName: "com.amazonaws.us-east-1.dynamodb",
			Policy: ddbPolicy, RouteTableIDs: []string{"rtb-a", "rtb-b"}},
		{ID: "vpce-sts", VPCID: "vpc-1", Type: "Interface", State: "available", ServiceName: "com.amazonaws.us-east-1.sts",
			Policy: fullAccess, SubnetIDs: []string{"subnet-a", "subnet-b"}, PrivateDNS: true},
		{ID: "vpce-r", VPCID: "vpc-1", Type: "Gateway", State: "available", ServiceName: "com.amazonaws.us-east-1.s3",
			Policy: restrictedPolicy, RouteTableIDs: []string{"rtb-rb", "rtb-ra"}},
	}
	lab.PrefixLists = map[string]string{"com.amazonaws.us-east-1.dynamodb": ddbPrefixList, "com.amazonaws.us-east-1.s3": "pl-63a5400a"}
	lab.FlowLogs = []awsfake.FlowLog{{ID: "fl-1", ResourceID: "vpc-1", Status: "ACTIVE", DeliverLogsStatus: "SUCCESS", LogGroupName: flowLogGroup}}
	// The verifier, an admin, lists the bucket by name from outside (the
	// control), and is refused through the access point for its network
	// origin.
	lab.ListObjects = awsfake.S3Answer{Code: "AccessDenied", Message: originRefusal}
	lab.ListObjectsByName = awsfake.S3Answer{Keys: seeds}
	lab.AccessPoints = map[string]awsfake.AccessPoint{"ap-lab-1": {NetworkOrigin: "VPC", VPCID: "vpc-1", BlockPublicAccess: true}}
	lab.NetworkInterfaces = []awsfake.NetworkInterface{{ID: "eni-0abc", GroupIDs: []string{"sg-fn"}},
		{ID: "eni-0probe", GroupIDs: []string{"sg-probe"}}}
	lab.LogEvents = map[string][]string{flowLogGroup: {acceptRecord, rejectRecord}}
	egress := lab.Reports["probe:refused-egress"]
	egress.Addresses = []string{"3.220.57.224"}
	endpointRefused := func(action, probe, target string) contract.Report {
		return refused(action, probe, target, endpointRefusal, endpointDenial)
	}
	lab.Reports = map[string]contract.Report{
		"list":                     endpointRefused("list", "", ""),
		"probe:denied-bucket":      endpointRefused("probe", contract.ProbeDeniedBucket, "lab-deny-1"),
		"probe:denied-table":       endpointRefused("probe", contract.ProbeDeniedTable, "lab-denied-table"),
		"probe:refused-egress":     egress,
		"probe:access-point":       keys(contract.ProbeAccessPoint),
		"probe:interface-endpoint": keys(contract.ProbeInterfaceEndpoint),
		"probe:s3-dns":             dns,
		"probe:sts":                sts,
		"probe:dynamodb":           report(contract.ProbeTable, true, ""),
		// The lab function cannot reach the internet, the probe function
		// can: the checks must ask the probe function.
		"probe:internet":                      report(contract.ProbeInternet, false, contract.KindUnreachable),
		"lab-probe-fn/probe:internet":         report(contract.ProbeInternet, true, ""),
		"lab-probe-fn/probe:cross-region":     report(contract.ProbeCrossRegion, true, ""),
		"lab-restricted-fn/probe:allowed-key": report(contract.ProbeAllowedKey, true, ""),
		"lab-restricted-fn/probe:denied-key":  endpointRefused("probe", contract.ProbeDeniedKey, "other/denied.txt"),
	}
	return lab
}

// waitFlowLogs makes the verifier read the flow log once.
func waitFlowLogs(v *Verifier) { v.FlowLogWait = time.Millisecond }

// fullChecks are the rows of the full stack: none is skipped.
var fullChecks = []string{
	"route table rtb-a: S3 prefix-list route", "route table rtb-a: DynamoDB prefix-list route",
	"route table rtb-a: default route to the NAT gateway",
	"route table rtb-b: S3 prefix-list route", "route table rtb-b: DynamoDB prefix-list route",
	"route table rtb-b: default route to the NAT gateway",
	"internet gateway igw-1 attached to vpc-1", "NAT gateway nat-1 available in a public subnet",
	"endpoint vpce-1: state", "endpoint vpce-1: type", "endpoint vpce-1: route tables", "endpoint vpce-1: policy",
	"S3 interface endpoint vpce-s3i: state", "S3 interface endpoint vpce-s3i: type", "S3 interface endpoint vpce-s3i: subnets",
	"S3 interface endpoint vpce-s3i: private DNS", "S3 interface endpoint vpce-s3i: policy",
	"DynamoDB endpoint vpce-ddb: state", "DynamoDB endpoint vpce-ddb: type", "DynamoDB endpoint vpce-ddb: route tables",
	"DynamoDB endpoint vpce-ddb: policy",
	"sts interface endpoint vpce-sts: state", "sts interface endpoint vpce-sts: type", "sts interface endpoint vpce-sts: subnets",
	"sts interface endpoint vpce-sts: private DNS",
	"restricted route table rtb-ra: S3 prefix-list route", "restricted route table rtb-ra: no default route",
	"restricted route table rtb-rb: S3 prefix-list route", "restricted route table rtb-rb: no default route",
	"restricted endpoint vpce-r: state", "restricted endpoint vpce-r: type", "restricted endpoint vpce-r: route tables",
	"restricted endpoint vpce-r: policy",
	"flow log fl-1: status", "flow log fl-1: destination",
	"function lab-fn-1: listing the bucket by name through the endpoint is refused by the endpoint policy",
	"function lab-fn-1 lists the seeded keys through the access point",
	"function lab-fn-1 lists the seeded keys through the S3 interface endpoint",
	"function lab-fn-1: S3's regional name resolves outside the VPC (private DNS only for the inbound resolver)",
	"function lab-fn-1 calls STS through its interface endpoint",
	"function lab-fn-1 reads the seeded item of lab-table through the DynamoDB endpoint",
	"function lab-fn-1: a bucket the endpoint policy does not allow is refused by it",
	"function lab-fn-1: a table the DynamoDB endpoint policy does not name is refused by it",
	"function lab-fn-1: its security group refuses HTTPS to the internet",
	"private subnets reach the internet through the NAT gateway",
	"the bucket in another region is reached through the NAT gateway",
	"restricted function lab-restricted-fn reads a key under reports/",
	"restricted function lab-restricted-fn: a key outside reports/ is refused by its endpoint policy",
	"access point ap-lab-1: network origin", "access point ap-lab-1: block public access",
	"the access point refuses requests from outside the VPC, for its network origin",
	flowRecordsCheck,
}

const flowRecordsCheck = "flow log records the lab function's security group refusing HTTPS to the internet"

func TestFullStackPasses(t *testing.T) {
	srv := awsfake.New(fullLab())
	defer srv.Close()
	results, byCheck := run(t, srv, fullOutputs(), waitFlowLogs)
	expectStatuses(t, byCheck, fullChecks, func(string) Status { return Pass })
	if len(results) != len(fullChecks) {
		t.Errorf("got %d results, want %d", len(results), len(fullChecks))
	}
	if t.Failed() {
		t.Logf("results:\n%s", Table(results))
	}
	for _, want := range []string{"arn:aws:sts::111122223333:assumed-role/lab-fn-role/lab-fn-1", "52.216.8.1", rejectRecord} {
		if !strings.Contains(Table(results)+fmtResults(results), want) {
			t.Errorf("results do not show %q", want)
		}
	}
	// The negative probes ran in the probe function, not in the lab one.
	if r := byCheck["private subnets reach the internet through the NAT gateway"]; !strings.Contains(r.Observed, "reached") {
		t.Errorf("internet probe: got %q, want the probe function's report", r.Observed)
	}
}

func fmtResults(rs []Result) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Observed + "\n")
	}
	return b.String()
}

// TestFullStackFailingClaims breaks one claim of the full stack at a time
// and expects exactly that check to fail.
func TestFullStackFailingClaims(t *testing.T) {
	setReport := func(key string, r contract.Report) func(*awsfake.Lab) {
		return func(l *awsfake.Lab) { l.Reports[key] = r }
	}
	endpoint := func(id string, change func(*awsfake.Endpoint)) func(*awsfake.Lab) {
		return func(l *awsfake.Lab) {
			for i := range l.Endpoints {
				if l.Endpoints[i].ID == id {
					change(&l.Endpoints[i])
				}
			}
		}
	}
	const (
		deniedTable   = "function lab-fn-1: a table the DynamoDB endpoint policy does not name is refused by it"
		deniedKey     = "restricted function lab-restricted-fn: a key outside reports/ is refused by its endpoint policy"
		apOutside     = "the access point refuses requests from outside the VPC, for its network origin"
		refusedEgress = "function lab-fn-1: its security group refuses HTTPS to the internet"
	)
	tests := []struct {
		name, check, observed string
		breakLab              func(*awsfake.Lab)
	}{
		{"no default route to the NAT gateway", "route table rtb-a: default route to the NAT gateway", "none",
			func(l *awsfake.Lab) { l.RouteTables[0].Routes = l.RouteTables[0].Routes[:3] }},
		{"default route to the internet gateway", "route table rtb-b: default route to the NAT gateway", "0.0.0.0/0 -> igw-1",
			func(l *awsfake.Lab) {
				l.RouteTables[1].Routes[3] = awsfake.Route{DestinationCIDR: "0.0.0.0/0", GatewayID: "igw-1", State: "active"}
			}},
		{"no DynamoDB route", "route table rtb-b: DynamoDB prefix-list route", "pl-63a5400a -> vpce-1 (active)",
			func(l *awsfake.Lab) { l.RouteTables[1].Routes = slices.Delete(l.RouteTables[1].Routes, 2, 3) }},
		{"internet gateway detached", "internet gateway igw-1 attached to vpc-1", "none",
			func(l *awsfake.Lab) { l.InternetGateways = nil }},
		{"NAT gateway in a private subnet", "NAT gateway nat-1 available in a public subnet", "not a public subnet",
			func(l *awsfake.Lab) { l.NatGateways[0].SubnetID = "subnet-a" }},
		{"NAT gateway failed", "NAT gateway nat-1 available in a public subnet", "nat-1 failed",
			func(l *awsfake.Lab) { l.NatGateways[0].State = "failed" }},
		{"S3 interface endpoint private DNS for the VPC", "S3 interface endpoint vpce-s3i: private DNS", "enabled",
			endpoint("vpce-s3i", func(e *awsfake.Endpoint) { e.InboundResolverOnly = false })},
		{"S3 interface endpoint full access", "S3 interface endpoint vpce-s3i: policy", "full access",
			endpoint("vpce-s3i", func(e *awsfake.Endpoint) { e.Policy = fullAccess })},
		{"S3 interface endpoint in one subnet", "S3 interface endpoint vpce-s3i: subnets", "subnet-a",
			endpoint("vpce-s3i", func(e *awsfake.Endpoint) { e.SubnetIDs = []string{"subnet-a"} })},
		{"DynamoDB endpoint full access", "DynamoDB endpoint vpce-ddb: policy", "differs",
			endpoint("vpce-ddb", func(e *awsfake.Endpoint) { e.Policy = fullAccess })},
		{"DynamoDB endpoint pending", "DynamoDB endpoint vpce-ddb: state", "pending",
			endpoint("vpce-ddb", func(e *awsfake.Endpoint) { e.State = "pending" })},
		{"STS endpoint without private DNS", "sts interface endpoint vpce-sts: private DNS", "disabled",
			endpoint("vpce-sts", func(e *awsfake.Endpoint) { e.PrivateDNS = false })},
		{"restricted table with a default route", "restricted route table rtb-ra: no default route", "nat-1",
			func(l *awsfake.Lab) {
				l.RouteTables[2].Routes = append(l.RouteTables[2].Routes, awsfake.Route{DestinationCIDR: "0.0.0.0/0", NatGatewayID: "nat-1", State: "active"})
			}},
		{"restricted table on the lab endpoint", "restricted route table rtb-rb: S3 prefix-list route", "vpce-1",
			func(l *awsfake.Lab) { l.RouteTables[3].Routes[1].GatewayID = "vpce-1" }},
		{"restricted endpoint policy widened", "restricted endpoint vpce-r: policy", "differs",
			endpoint("vpce-r", func(e *awsfake.Endpoint) { e.Policy = strings.Replace(restrictedPolicy, "reports/*", "*", 1) })},
		{"flow log not delivering", "flow log fl-1: status", "ACTIVE, delivery FAILED",
			func(l *awsfake.Lab) { l.FlowLogs[0].DeliverLogsStatus = "FAILED" }},
		{"flow log to another group", "flow log fl-1: destination", "vpc-1 -> /other",
			func(l *awsfake.Lab) { l.FlowLogs[0].LogGroupName = "/other" }},
		{"listing by name allowed", "function lab-fn-1: listing the bucket by name through the endpoint is refused by the endpoint policy",
			"listed 3 keys", setReport("list", contract.Report{Action: "list", OK: true, Keys: seeds, KeyCount: 3})},
		// The endpoint policy would let the listing by name through, and the
		// role refuses it: S3 names the identity-based policy.
		{"listing by name refused by the role", "function lab-fn-1: listing the bucket by name through the endpoint is refused by the endpoint policy",
			"refused, but because no identity-based policy allows it: the endpoint policy was not tested",
			setReport("list", refused("list", "", "", identityRefusal, identityDenial))},
		{"access point listing denied", "function lab-fn-1 lists the seeded keys through the access point", "access_denied",
			setReport("probe:access-point", report(contract.ProbeAccessPoint, false, contract.KindAccessDenied))},
		{"interface endpoint listing misses a key", "function lab-fn-1 lists the seeded keys through the S3 interface endpoint", "hello.txt",
			setReport("probe:interface-endpoint", func() contract.Report {
				r := report(contract.ProbeInterfaceEndpoint, true, "")
				r.Keys = []string{"hello.txt"}
				return r
			}())},
		{"S3's name resolves inside the VPC", "function lab-fn-1: S3's regional name resolves outside the VPC (private DNS only for the inbound resolver)",
			"inside the VPC", setReport("probe:s3-dns", func() contract.Report {
				r := report(contract.ProbeS3DNS, true, "")
				r.Addresses, r.InVPC = []string{"10.42.0.20"}, true
				return r
			}())},
		{"STS unreachable", "function lab-fn-1 calls STS through its interface endpoint", "unreachable",
			setReport("probe:sts", report(contract.ProbeSTS, false, contract.KindUnreachable))},
		{"table denied", "function lab-fn-1 reads the seeded item of lab-table through the DynamoDB endpoint", "access_denied",
			setReport("probe:dynamodb", report(contract.ProbeTable, false, contract.KindAccessDenied))},
		{"internet unreachable through the NAT", "private subnets reach the internet through the NAT gateway", "unreachable",
			setReport("lab-probe-fn/probe:internet", report(contract.ProbeInternet, false, contract.KindUnreachable))},
		{"denied bucket readable", "function lab-fn-1: a bucket the endpoint policy does not allow is refused by it", "reached target-of-denied-bucket",
			setReport("probe:denied-bucket", report(contract.ProbeDeniedBucket, true, ""))},
		{"other region unreachable through the NAT", "the bucket in another region is reached through the NAT gateway", "unreachable",
			setReport("lab-probe-fn/probe:cross-region", report(contract.ProbeCrossRegion, false, contract.KindUnreachable))},
		{"denied table readable", deniedTable, "reached target-of-denied-table",
			setReport("probe:denied-table", report(contract.ProbeDeniedTable, true, ""))},
		{"denied table refused by the role", deniedTable, "refused, but because no identity-based policy allows it",
			setReport("probe:denied-table", refused("probe", contract.ProbeDeniedTable, "lab-denied-table", identityRefusal, identityDenial))},
		{"restricted function refused its prefix", "restricted function lab-restricted-fn reads a key under reports/", "access_denied",
			setReport("lab-restricted-fn/probe:allowed-key", report(contract.ProbeAllowedKey, false, contract.KindAccessDenied)),
		},
		{"restricted function reads outside its prefix", deniedKey,
			"reached target-of-denied-key", setReport("lab-restricted-fn/probe:denied-key", report(contract.ProbeDeniedKey, true, ""))},
		{"restricted function refused by the bucket policy", deniedKey, "refused, but by an explicit deny in a resource-based policy",
			setReport("lab-restricted-fn/probe:denied-key", refused("probe", contract.ProbeDeniedKey, "other/denied.txt", bucketRefusal, bucketDenial))},
		{"security group lets HTTPS out", refusedEgress, "reached", func(l *awsfake.Lab) {
			r := report(contract.ProbeRefusedEgress, true, "")
			r.Addresses = []string{"3.220.57.224"}
			l.Reports["probe:refused-egress"] = r
		}},
		{"access point open outside the VPC", apOutside, "listed 3 keys from outside the VPC",
			func(l *awsfake.Lab) { l.ListObjects = awsfake.S3Answer{Keys: seeds} }},
		{"access point refuses another way", apOutside, "NoSuchAccessPoint",
			func(l *awsfake.Lab) {
				l.ListObjects = awsfake.S3Answer{Code: "NoSuchAccessPoint", Message: "The specified accesspoint does not exist", Status: 404}
			}},
		{"access point with internet origin", "access point ap-lab-1: network origin", "Internet",
			func(l *awsfake.Lab) {
				l.AccessPoints["ap-lab-1"] = awsfake.AccessPoint{NetworkOrigin: "Internet", BlockPublicAccess: true}
			}},
		{"access point in another VPC", "access point ap-lab-1: network origin", "VPC vpc-other",
			func(l *awsfake.Lab) {
				l.AccessPoints["ap-lab-1"] = awsfake.AccessPoint{NetworkOrigin: "VPC", VPCID: "vpc-other", BlockPublicAccess: true}
			}},
		{"access point without block public access", "access point ap-lab-1: block public access",
			"off: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets",
			func(l *awsfake.Lab) {
				l.AccessPoints["ap-lab-1"] = awsfake.AccessPoint{NetworkOrigin: "VPC", VPCID: "vpc-1"}
			}},
		{"flow log without the function's REJECT", flowRecordsCheck, "none in " + flowLogGroup,
			func(l *awsfake.Lab) {
				l.LogEvents[flowLogGroup] = []string{acceptRecord, strings.Replace(rejectRecord, " 443 ", " 80 ", 1)}
			}},
		{"flow log REJECT from another interface", flowRecordsCheck, "1 other REJECT records",
			func(l *awsfake.Lab) {
				l.LogEvents[flowLogGroup] = []string{acceptRecord, strings.Replace(rejectRecord, "eni-0abc", "eni-0probe", 1)}
			}},
		{"flow log REJECT to another address", flowRecordsCheck, "1 other REJECT records",
			func(l *awsfake.Lab) {
				l.LogEvents[flowLogGroup] = []string{acceptRecord, strings.Replace(rejectRecord, "3.220.57.224", "3.220.57.225", 1)}
			}},
		{"no interface in the function's security group", flowRecordsCheck, "no network interface in the lab function's security group sg-fn",
			func(l *awsfake.Lab) { l.NetworkInterfaces = l.NetworkInterfaces[1:] }},
		{"flow log group gone", flowRecordsCheck, "not found",
			func(l *awsfake.Lab) { l.LogEvents = nil }},
	}
	// inconclusive are the rows a breakage leaves unproved: a refusal whose
	// function no longer proves its role first, flow log records of a probe
	// that did not pass.
	inconclusive := map[string][]string{
		"table denied":                           {deniedTable},
		"restricted function refused its prefix": {deniedKey},
		"security group lets HTTPS out":          {flowRecordsCheck},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serveBroken(t, fullLab(), tt.breakLab)
			results, byCheck := run(t, srv, fullOutputs(), waitFlowLogs)
			expectFail(t, results, byCheck, tt.check, tt.observed)
			for _, other := range results {
				want := Pass
				if slices.Contains(inconclusive[tt.name], other.Check) {
					want = Inconclusive
				}
				if other.Check != tt.check && other.Status != want {
					t.Errorf("breaking %q also made %q %s (%s), want %s", tt.name, other.Check, other.Status, other.Observed, want)
				}
			}
		})
	}
}

// TestStackWithoutS3Endpoints: internetEgress nat and no S3 endpoint (lab
// document 002, Example 1): the bucket refuses the function's reads, which
// come through no endpoint; the S3 endpoint's rows and the denied-bucket
// probe are skipped.
func TestStackWithoutS3Endpoints(t *testing.T) {
	o := outputs()
	o.EndpointID, o.PrefixListID, o.EndpointPolicy = "", "", ""
	o.InternetEgress, o.InternetGatewayID, o.NATGatewayID, o.PublicSubnetIDs = EgressNAT, "igw-1", "nat-1", []string{"subnet-pa"}
	o.ProbeFunctionName = "lab-probe-fn"
	lab := fullLab()
	lab.RouteTables = lab.RouteTables[:2]
	for i := range lab.RouteTables {
		lab.RouteTables[i].Routes = []awsfake.Route{lab.RouteTables[i].Routes[0], lab.RouteTables[i].Routes[3]}
	}
	bucketCheck := "function lab-fn-1: the bucket policy refuses reads that come through no endpoint of it"
	for _, tt := range []struct {
		name string
		list contract.Report
		want Status
	}{
		// An explicit deny names its policy whatever the role's state: it
		// passes with no claim of the function proving its role first.
		{"refused by the bucket policy", refused("list", "", "", bucketRefusal, bucketDenial), Pass},
		{"refused by the role", refused("list", "", "", identityRefusal, identityDenial), Fail},
		{"listed", contract.Report{Action: "list", OK: true, Keys: seeds}, Fail},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lab.Reports["list"] = tt.list
			srv := awsfake.New(lab)
			defer srv.Close()
			results, byCheck := run(t, srv, o)
			if r := byCheck[bucketCheck]; r.Status != tt.want {
				t.Errorf("%s: got %s (%s), want %s\n%s", bucketCheck, r.Status, r.Observed, tt.want, Table(results))
			}
			for _, c := range []string{"route table rtb-a: S3 prefix-list route", "S3 gateway endpoint",
				"function lab-fn-1: a bucket the endpoint policy does not allow is refused by it"} {
				if r := byCheck[c]; r.Status != Skip {
					t.Errorf("%s: got %s (%s), want SKIP", c, r.Status, r.Observed)
				}
			}
			for _, r := range results {
				if r.Status == Fail && r.Check != bucketCheck || r.Status == Errored || r.Status == Inconclusive {
					t.Errorf("%s: got %s (%s)", r.Check, r.Status, r.Observed)
				}
			}
		})
	}
}

// TestInterfaceOnlyS3DNS: with the S3 interface endpoint alone, S3's
// regional name must resolve inside the VPC, and its private DNS answers
// the VPC.
func TestInterfaceOnlyS3DNS(t *testing.T) {
	o := fullOutputs()
	o.EndpointID, o.PrefixListID, o.EndpointPolicy, o.AccessPointARN = "", "", "", ""
	o.RestrictedEndpointID, o.RestrictedFunctionName = "", ""
	check := "function lab-fn-1: S3's regional name resolves inside the VPC"
	for _, inVPC := range []bool{true, false} {
		lab := fullLab()
		lab.Endpoints[0].InboundResolverOnly = false
		dns := lab.Reports["probe:s3-dns"]
		dns.InVPC = inVPC
		lab.Reports["probe:s3-dns"] = dns
		lab.Reports["list"] = contract.Report{Action: "list", OK: true, Keys: seeds}
		srv := awsfake.New(lab)
		_, byCheck := run(t, srv, o)
		srv.Close()
		want := map[bool]Status{true: Pass, false: Fail}[inVPC]
		if r := byCheck[check]; r.Status != want {
			t.Errorf("InVPC %v: %s: got %s (%s), want %s", inVPC, check, r.Status, r.Observed, want)
		}
		if r := byCheck["S3 interface endpoint vpce-s3i: private DNS"]; r.Status != Pass || r.Observed != "enabled" {
			t.Errorf("private DNS without the gateway endpoint: got %s %q, want PASS enabled", r.Status, r.Observed)
		}
		if r := byCheck["function lab-fn-1 lists the seeded keys"]; r.Status != Pass {
			t.Errorf("listing with the interface endpoint alone: got %s (%s), want PASS", r.Status, r.Observed)
		}
	}
}

// TestProbeFunctionOverride: the ProbeFunction field picks the function the
// negative probes run in.
func TestProbeFunctionOverride(t *testing.T) {
	lab := fullLab()
	lab.Reports["other-fn/probe:internet"] = report(contract.ProbeInternet, false, contract.KindUnreachable)
	srv := awsfake.New(lab)
	defer srv.Close()
	_, byCheck := run(t, srv, fullOutputs(), func(v *Verifier) { v.ProbeFunction = "other-fn" })
	if r := byCheck["private subnets reach the internet through the NAT gateway"]; r.Status != Fail || !strings.Contains(r.Observed, "unreachable") {
		t.Errorf("internet probe in other-fn: got %s %q, want FAIL unreachable", r.Status, r.Observed)
	}
	// An older stack without probeFunctionName probes in the lab function.
	o := fullOutputs()
	o.ProbeFunctionName = ""
	_, byCheck = run(t, srv, o)
	if r := byCheck["private subnets reach the internet through the NAT gateway"]; r.Status != Fail {
		t.Errorf("internet probe in the lab function: got %s %q, want FAIL (the lab function's report)", r.Status, r.Observed)
	}
}

// TestFlowLogRecordsSkipped: without -wait-flow-logs, or with flow logs
// elsewhere than CloudWatch Logs, the records are not read.
func TestFlowLogRecordsSkipped(t *testing.T) {
	srv := awsfake.New(fullLab())
	defer srv.Close()
	for _, tt := range []struct {
		flowLogs string
		wait     bool
		note     string
	}{
		{FlowLogsCloudWatch, false, "-wait-flow-logs"},
		{FlowLogsS3, true, "records go to a bucket"},
		{FlowLogsOff, true, "flowLogs is off"},
	} {
		o := fullOutputs()
		o.FlowLogs = tt.flowLogs
		var opts []func(*Verifier)
		if tt.wait {
			opts = append(opts, waitFlowLogs)
		}
		_, byCheck := run(t, srv, o, opts...)
		if r := byCheck[flowRecordsCheck]; r.Status != Skip || !strings.Contains(r.Observed, tt.note) {
			t.Errorf("flowLogs %s wait %v: got %s %q, want SKIP naming %q", tt.flowLogs, tt.wait, r.Status, r.Observed, tt.note)
		}
	}
	if n := srv.Calls("FilterLogEvents"); n != 0 {
		t.Errorf("FilterLogEvents calls: got %d, want 0", n)
	}
}

// TestFlowLogStatusSettles: a flow log whose role is minutes old shows a
// delivery error at first; the status is read again within the claim
// window, and passes once delivery works. Without a window it fails.
func TestFlowLogStatusSettles(t *testing.T) {
	for _, tc := range []struct {
		window time.Duration
		want   Status
	}{{3 * time.Minute, Pass}, {0, Fail}} {
		lab := fullLab()
		lab.FlowLogs[0].FailedReads = 2
		srv := awsfake.New(lab)
		clock := &fakeClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
		_, byCheck := run(t, srv, fullOutputs(), clock.options(tc.window, nil))
		srv.Close()
		r := byCheck["flow log fl-1: status"]
		if r.Status != tc.want {
			t.Errorf("window %s: got %s (%s), want %s", tc.window, r.Status, r.Observed, tc.want)
		}
		if tc.want == Fail && !strings.Contains(r.Observed, "delivery FAILED (Access error)") {
			t.Errorf("window 0: got %q, want the delivery error", r.Observed)
		}
		if tc.want == Pass && srv.Calls("DescribeFlowLogs") != 3 {
			t.Errorf("window %s: got %d reads, want 3", tc.window, srv.Calls("DescribeFlowLogs"))
		}
	}
}

// TestParseFlowRecord reads the default format on AWS's own example
// records ("Flow log record examples",
// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html).
func TestParseFlowRecord(t *testing.T) {
	for _, tc := range []struct {
		line string
		want flowRecord
		ok   bool
	}{
		{"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
			flowRecord{iface: "eni-1235b8ca123456789", src: "172.31.16.139", dst: "172.31.16.21", dstPort: 22, protocol: 6, action: "ACCEPT"}, true},
		{"2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK",
			flowRecord{iface: "eni-1235b8ca123456789", src: "172.31.9.69", dst: "172.31.9.12", dstPort: 3389, protocol: 6, action: "REJECT"}, true},
		{"2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 1432917094 1432917142 REJECT OK",
			flowRecord{iface: "eni-1235b8ca123456789", src: "172.31.16.139", dst: "203.0.113.12", dstPort: 0, protocol: 1, action: "REJECT"}, true},
		{"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA", flowRecord{}, false},
		{"2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA", flowRecord{}, false},
		// A custom format is not the default one.
		{"5 eni-1235b8ca123456789 REJECT 443", flowRecord{}, false},
	} {
		got, ok := parseFlowRecord(tc.line)
		if ok != tc.ok || got != tc.want {
			t.Errorf("parseFlowRecord(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

// TestAccessPointRefusalMustBeItsOrigin: the verifier's refusal through the
// access point proves its network origin only when S3 names the explicit
// deny of a resource-based policy and the verifier, as its control, lists
// the bucket by name from outside (so the bucket policy's denies do not
// apply to it). A refusal for the caller's own rights, a message that names
// no policy, or a failed control is INCONCLUSIVE (exit 3), never PASS.
func TestAccessPointRefusalMustBeItsOrigin(t *testing.T) {
	const check = "the access point refuses requests from outside the VPC, for its network origin"
	callerRefused := `User: arn:aws:sts::111122223333:assumed-role/reader/verify is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:us-east-1:111122223333:accesspoint/ap-lab-1" because no identity-based policy allows the s3:ListBucket action`
	for _, tc := range []struct {
		name             string
		byName, throughA awsfake.S3Answer
		want             Status
		observed         string
	}{
		{"network origin", awsfake.S3Answer{Keys: seeds}, awsfake.S3Answer{Code: "AccessDenied", Message: originRefusal}, Pass,
			"only the VPC network origin refuses it"},
		{"caller's own rights", awsfake.S3Answer{Keys: seeds}, awsfake.S3Answer{Code: "AccessDenied", Message: callerRefused}, Inconclusive,
			"the caller's own rights, not the network origin"},
		{"no policy named", awsfake.S3Answer{Keys: seeds}, awsfake.S3Answer{Code: "AccessDenied", Message: "Access Denied"}, Inconclusive,
			"names no policy type"},
		{"caller not an admin", awsfake.S3Answer{Code: "AccessDenied", Message: bucketRefusal},
			awsfake.S3Answer{Code: "AccessDenied", Message: originRefusal}, Inconclusive, "is not one of adminPrincipalArns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lab := fullLab()
			lab.ListObjectsByName, lab.ListObjects = tc.byName, tc.throughA
			srv := awsfake.New(lab)
			defer srv.Close()
			results, byCheck := run(t, srv, fullOutputs())
			r := byCheck[check]
			if r.Status != tc.want || !strings.Contains(r.Observed, tc.observed) {
				t.Errorf("got %s %q, want %s observing %q", r.Status, r.Observed, tc.want, tc.observed)
			}
			want := map[Status]exitcode.Code{Pass: exitcode.OK, Inconclusive: exitcode.Incomplete}[tc.want]
			if code := ExitCode(results); code != want {
				t.Errorf("exit code: got %d, want %d\n%s", code, want, Table(results))
			}
		})
	}
}

// TestFlowLogRecordsArrive: the verifier reads the log again until the
// lab function's REJECT of HTTPS arrives, showing each read.
func TestFlowLogRecordsArrive(t *testing.T) {
	lab := fullLab()
	lab.LogEvents[flowLogGroup] = []string{acceptRecord}
	srv := awsfake.New(lab)
	defer srv.Close()
	clock := &fakeClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	var progress strings.Builder
	reads := 0
	_, byCheck := run(t, srv, fullOutputs(), clock.options(0, &progress), func(v *Verifier) {
		v.FlowLogWait = 10 * time.Minute
		sleep := v.Sleep
		v.Sleep = func(ctx context.Context, d time.Duration) error {
			if reads++; reads == 3 {
				srv.SetLogEvents(flowLogGroup, []string{acceptRecord, rejectRecord})
			}
			return sleep(ctx, d)
		}
	})
	if r := byCheck[flowRecordsCheck]; r.Status != Pass || !strings.Contains(r.Observed, rejectRecord) {
		t.Errorf("flow log records: got %s %q, want PASS showing the record", r.Status, r.Observed)
	}
	if got := strings.Count(progress.String(), "flow log read"); got != 3 {
		t.Errorf("progress shows %d reads before the record, want 3:\n%s", got, progress.String())
	}
}

// noGatewayEndpoint empties the S3 gateway endpoint's outputs of m.
func noGatewayEndpoint(m map[string]any) {
	m["endpointId"], m["prefixListId"], m["endpointPolicy"] = "", "", ""
}

// setOutput is a change that sets the output key of m to value.
func setOutput(key string, value any) func(m map[string]any) {
	return func(m map[string]any) { m[key] = value }
}

// natEgress sets the outputs of m for internet egress through a NAT gateway.
func natEgress(m map[string]any) {
	m["internetEgress"], m["natGatewayId"], m["internetGatewayId"] = "nat", "nat-1", "igw-1"
	m["publicSubnetIds"] = []any{"subnet-pa"}
}

func TestParseOutputsVariants(t *testing.T) {
	base := func() map[string]any {
		return map[string]any{
			"region": "us-east-1", "vpcId": "vpc-1", "routeTableIds": []any{"rtb-a"}, "endpointId": "vpce-1",
			"prefixListId": "pl-1", "endpointPolicy": declaredPolicy, "functionName": "fn", "seedKeys": []any{"a"},
			"deniedProbeBucket": "deny", "internetEgress": "none", "flowLogs": "off",
			"interfaceEndpointIds": map[string]any{}, "publicSubnetIds": []any{},
		}
	}
	tests := []struct {
		name    string
		change  func(map[string]any)
		wantErr string
		check   func(t *testing.T, o Outputs)
	}{
		{name: "dev stack", change: func(map[string]any) {}},
		{name: "older stack without variant outputs", change: func(m map[string]any) {
			delete(m, "internetEgress")
			delete(m, "flowLogs")
		}, check: func(t *testing.T, o Outputs) {
			if o.egress() != EgressNone {
				t.Errorf("egress: got %q, want none", o.egress())
			}
		}},
		{name: "nat without the S3 endpoints", change: func(m map[string]any) {
			noGatewayEndpoint(m)
			natEgress(m)
		}, check: func(t *testing.T, o Outputs) {
			if o.HasS3Endpoint() || o.NATGatewayID != "nat-1" {
				t.Errorf("got %+v", o)
			}
		}},
		{name: "interface only", change: func(m map[string]any) {
			noGatewayEndpoint(m)
			m["s3InterfaceEndpointId"], m["privateSubnetIds"], m["vpcCidr"] = "vpce-i", []any{"subnet-a"}, "10.42.0.0/16"
		}},
		{name: "no S3 path", change: noGatewayEndpoint,
			wantErr: "stack outputs missing: endpointId, prefixListId, endpointPolicy"},
		{name: "endpoint without its policy", change: setOutput("endpointPolicy", ""),
			wantErr: "endpointPolicy (endpointId is set)"},
		{name: "nat without its gateways", change: setOutput("internetEgress", "nat"),
			wantErr: "internetGatewayId (internetEgress is nat), natGatewayId (internetEgress is nat), publicSubnetIds"},
		{name: "unknown egress", change: setOutput("internetEgress", "proxy"), wantErr: `internetEgress is "proxy"`},
		{name: "interface endpoints map", change: func(m map[string]any) {
			m["interfaceEndpointIds"] = map[string]any{"sts": "vpce-sts", "kms": "vpce-kms"}
			m["privateSubnetIds"] = []any{"subnet-a"}
		}, check: func(t *testing.T, o Outputs) {
			if o.InterfaceEndpointIDs["sts"] != "vpce-sts" || len(o.InterfaceEndpointIDs) != 2 {
				t.Errorf("interfaceEndpointIds: got %v", o.InterfaceEndpointIDs)
			}
		}},
		{name: "interface endpoints without subnets", change: setOutput("interfaceEndpointIds", map[string]any{"sts": "vpce-sts"}),
			wantErr: "privateSubnetIds (interface endpoints are set)"},
		{name: "DynamoDB half deployed", change: setOutput("tableName", "t"),
			wantErr: "dynamodbEndpointId (the DynamoDB variant is deployed)"},
		{name: "restricted tier half deployed", change: setOutput("restrictedEndpointId", "vpce-r"),
			wantErr: "restrictedFunctionName (the restricted tier is deployed)"},
		{name: "flow logs without their ID", change: setOutput("flowLogs", "cloudwatch"),
			wantErr: "flowLogId (flowLogs is cloudwatch)"},
		{name: "unknown flow logs", change: setOutput("flowLogs", "kinesis"), wantErr: `flowLogs is "kinesis"`},
		{name: "access point without the gateway endpoint", change: func(m map[string]any) {
			noGatewayEndpoint(m)
			natEgress(m)
			m["accessPointArn"] = "arn:aws:s3:us-east-1:1:accesspoint/ap"
		}, wantErr: "accessPointArn is set but endpointId is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.change(m)
			o, err := ParseOutputs(m)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("ParseOutputs: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("ParseOutputs: got %v, want an error containing %q", err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, o)
			}
		})
	}
}
