package verify

// These tests run the verifier's EC2 checks of the variants against moto
// (internal/testing/motoserver), on networks the tests build through the AWS SDK
// with the program's own rendered policies: internetEgress nat (public
// subnets, an attached internet gateway, a NAT gateway and the private
// default routes to it), the DynamoDB gateway endpoint, an STS interface
// endpoint, the restricted tier's route tables and S3 gateway endpoint, the
// VPC's flow log to a CloudWatch Logs group, an S3 interface endpoint alone
// (no gateway endpoint), and the flow log records read with FilterLogEvents.
//
// What moto 5.2.1 returns, and the gaps the tests work around:
//   - Interface endpoints: SubnetIds, PrivateDnsEnabled and a full-access
//     PolicyDocument when none is given, as AWS; but no DnsOptions, so
//     "private DNS only for the inbound resolver endpoint" (an S3 interface
//     endpoint next to the gateway endpoint) is tested on the fake
//     (variants_test.go), and the moto lab with an S3 interface endpoint has
//     no gateway endpoint.
//   - Gateway endpoints add their prefix-list route to their tables, for
//     DynamoDB too (moto creates the DynamoDB managed prefix list, with a
//     random ID read with DescribePrefixLists). RemoveRouteTableIds leaves
//     the route (see moto_test.go); removeEndpointRoute deletes it as AWS
//     does.
//   - DeleteNatGateway marks the NAT gateway deleted but leaves the routes
//     to it active (AWS blackholes them): only the NAT gateway's own check
//     fails here; blackholed routes are tested on the fake.
//   - Flow logs: ACTIVE with DeliverLogsStatus SUCCESS when the log group
//     exists, FAILED ("Access error") when it does not. moto writes no
//     records; the test puts them with PutLogEvents. moto's FilterLogEvents
//     understands single terms and quoted phrases, not the space-delimited
//     [field, ...] patterns: the verifier filters on the term REJECT and
//     checks the fields itself, which works on both.
//
// The functions' claims and the access point's refusal of callers outside
// the VPC are not modelled by moto (see variants_test.go).

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/platformlab/s3-gateway-lab/internal/testing/motoserver"
)

// motoPolicyInputs are the facts the program's policies are rendered from.
func motoPolicyInputs(vpcID string) policy.Inputs {
	return policy.Inputs{
		Partition: "aws", Region: motoserver.Region, AccountID: motoAccountID, VPCID: vpcID,
		BucketName:         "lab-bucket-moto",
		FunctionRoleARN:    "arn:aws:iam::" + motoAccountID + ":role/lab-fn-role",
		AdminPrincipalARNs: []string{"arn:aws:iam::" + motoAccountID + ":role/lab-admin"},
		LogGroupARNs:       []string{"arn:aws:logs:" + motoserver.Region + ":" + motoAccountID + ":log-group:/aws/lambda/lab-fn"},
		ProbeBuckets:       []string{"lab-deny-moto"},
		TableARN:           "arn:aws:dynamodb:" + motoserver.Region + ":" + motoAccountID + ":table/lab-table",
		RestrictedPrefix:   "reports/",
	}
}

// motoStack builds networks in moto and fails the test on any error.
type motoStack struct {
	ctx  context.Context
	t    *testing.T
	c    *ec2.Client
	logs *cloudwatchlogs.Client
}

func (m motoStack) must(what string, err error) {
	m.t.Helper()
	if err != nil {
		m.t.Fatalf("%s: %v", what, err)
	}
}

func (m motoStack) policy(doc policy.Document) string {
	m.t.Helper()
	s, err := doc.JSON()
	m.must("render policy", err)
	return s
}

// tier creates a subnet and a route table associated with it in each of two
// zones, from the CIDRs 10.42.<third>.0/20 and 10.42.<third+16>.0/20.
func (m motoStack) tier(vpc string, third int) (subnets, tables []string) {
	m.t.Helper()
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn, err := m.c.CreateSubnet(m.ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc),
			CidrBlock: aws.String(fmt.Sprintf("10.42.%d.0/20", third+16*i)), AvailabilityZone: aws.String(az)})
		m.must("CreateSubnet", err)
		rt, err := m.c.CreateRouteTable(m.ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpc)})
		m.must("CreateRouteTable", err)
		_, err = m.c.AssociateRouteTable(m.ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId,
			SubnetId: sn.Subnet.SubnetId})
		m.must("AssociateRouteTable", err)
		subnets, tables = append(subnets, aws.ToString(sn.Subnet.SubnetId)), append(tables, aws.ToString(rt.RouteTable.RouteTableId))
	}
	return subnets, tables
}

func (m motoStack) gateway(vpc, service string, tables []string, policy string) string {
	m.t.Helper()
	ep, err := m.c.CreateVpcEndpoint(m.ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc),
		ServiceName: aws.String("com.amazonaws." + motoserver.Region + "." + service), VpcEndpointType: ec2types.VpcEndpointTypeGateway,
		RouteTableIds: tables, PolicyDocument: aws.String(policy)})
	m.must("CreateVpcEndpoint "+service, err)
	return aws.ToString(ep.VpcEndpoint.VpcEndpointId)
}

func (m motoStack) iface(vpc, service string, subnets []string, policy string, privateDNS bool) string {
	m.t.Helper()
	in := &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc),
		ServiceName: aws.String("com.amazonaws." + motoserver.Region + "." + service), VpcEndpointType: ec2types.VpcEndpointTypeInterface,
		SubnetIds: subnets, PrivateDnsEnabled: aws.Bool(privateDNS)}
	if policy != "" {
		in.PolicyDocument = aws.String(policy)
	}
	ep, err := m.c.CreateVpcEndpoint(m.ctx, in)
	m.must("CreateVpcEndpoint "+service, err)
	return aws.ToString(ep.VpcEndpoint.VpcEndpointId)
}

func (m motoStack) prefixList(service string) string {
	m.t.Helper()
	name := "com.amazonaws." + motoserver.Region + "." + service
	pls, err := m.c.DescribePrefixLists(m.ctx, &ec2.DescribePrefixListsInput{
		Filters: []ec2types.Filter{{Name: aws.String("prefix-list-name"), Values: []string{name}}}})
	m.must("DescribePrefixLists", err)
	if len(pls.PrefixLists) != 1 {
		m.t.Fatalf("DescribePrefixLists %s: got %d, want 1", name, len(pls.PrefixLists))
	}
	return aws.ToString(pls.PrefixLists[0].PrefixListId)
}

func (m motoStack) flowLog(vpc, group string, createGroup bool) string {
	m.t.Helper()
	if createGroup {
		_, err := m.logs.CreateLogGroup(m.ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)})
		m.must("CreateLogGroup", err)
	}
	out, err := m.c.CreateFlowLogs(m.ctx, &ec2.CreateFlowLogsInput{ResourceIds: []string{vpc}, ResourceType: ec2types.FlowLogsResourceTypeVpc,
		TrafficType: ec2types.TrafficTypeAll, LogDestinationType: ec2types.LogDestinationTypeCloudWatchLogs, LogGroupName: aws.String(group),
		DeliverLogsPermissionArn: aws.String("arn:aws:iam::" + motoAccountID + ":role/lab-flow-logs"), MaxAggregationInterval: aws.Int32(60)})
	m.must("CreateFlowLogs", err)
	if len(out.FlowLogIds) != 1 {
		m.t.Fatalf("CreateFlowLogs: got %v, unsuccessful %v", out.FlowLogIds, out.Unsuccessful)
	}
	return out.FlowLogIds[0]
}

// newMotoNATStack builds the lab with internetEgress nat, the S3 and
// DynamoDB gateway endpoints, an STS interface endpoint, the restricted
// tier and a flow log, and returns the outputs the program would export.
func newMotoNATStack(m motoStack, group string) Outputs {
	m.t.Helper()
	vpc, err := m.c.CreateVpc(m.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.42.0.0/16")})
	m.must("CreateVpc", err)
	o := Outputs{Region: motoserver.Region, VPCID: aws.ToString(vpc.Vpc.VpcId), InternetEgress: EgressNAT, VPCCIDR: "10.42.0.0/16"}
	in := motoPolicyInputs(o.VPCID)
	o.PrivateSubnetIDs, o.RouteTableIDs = m.tier(o.VPCID, 0)
	o.PublicSubnetIDs, _ = m.tier(o.VPCID, 64)
	o.RestrictedSubnetIDs, o.RestrictedRouteTableIDs = m.tier(o.VPCID, 96)

	igw, err := m.c.CreateInternetGateway(m.ctx, &ec2.CreateInternetGatewayInput{})
	m.must("CreateInternetGateway", err)
	o.InternetGatewayID = aws.ToString(igw.InternetGateway.InternetGatewayId)
	_, err = m.c.AttachInternetGateway(m.ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(o.InternetGatewayID), VpcId: aws.String(o.VPCID)})
	m.must("AttachInternetGateway", err)
	eip, err := m.c.AllocateAddress(m.ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	m.must("AllocateAddress", err)
	nat, err := m.c.CreateNatGateway(m.ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(o.PublicSubnetIDs[0]), AllocationId: eip.AllocationId})
	m.must("CreateNatGateway", err)
	o.NATGatewayID = aws.ToString(nat.NatGateway.NatGatewayId)
	for _, rt := range o.RouteTableIDs {
		_, err := m.c.CreateRoute(m.ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0"),
			NatGatewayId: aws.String(o.NATGatewayID)})
		m.must("CreateRoute to the NAT gateway", err)
	}

	o.EndpointPolicy = m.policy(policy.Endpoint(in))
	o.EndpointID = m.gateway(o.VPCID, "s3", o.RouteTableIDs, o.EndpointPolicy)
	o.PrefixListID = m.prefixList("s3")
	o.DynamoDBEndpointPolicy = m.policy(policy.DynamoDBEndpoint(in))
	o.DynamoDBEndpointID = m.gateway(o.VPCID, "dynamodb", o.RouteTableIDs, o.DynamoDBEndpointPolicy)
	o.InterfaceEndpointIDs = map[string]string{"sts": m.iface(o.VPCID, "sts", o.PrivateSubnetIDs,
		m.policy(policy.InterfaceEndpoint("sts", in)), true)}
	o.RestrictedEndpointPolicy = m.policy(policy.RestrictedEndpoint(in))
	o.RestrictedEndpointID = m.gateway(o.VPCID, "s3", o.RestrictedRouteTableIDs, o.RestrictedEndpointPolicy)
	o.FlowLogs, o.FlowLogDestination = FlowLogsCloudWatch, group
	o.FlowLogID = m.flowLog(o.VPCID, group, true)
	return o
}

// newMotoInterfaceStack builds the lab with the S3 interface endpoint alone.
func newMotoInterfaceStack(m motoStack, withPolicy, privateDNS bool) Outputs {
	m.t.Helper()
	vpc, err := m.c.CreateVpc(m.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.42.0.0/16")})
	m.must("CreateVpc", err)
	o := Outputs{Region: motoserver.Region, VPCID: aws.ToString(vpc.Vpc.VpcId), InternetEgress: EgressNone, VPCCIDR: "10.42.0.0/16"}
	o.PrivateSubnetIDs, o.RouteTableIDs = m.tier(o.VPCID, 0)
	doc := ""
	if withPolicy {
		doc = m.policy(policy.Endpoint(motoPolicyInputs(o.VPCID)))
	}
	o.S3InterfaceEndpointID = m.iface(o.VPCID, "s3", o.PrivateSubnetIDs, doc, privateDNS)
	return o
}

// runVariantEC2Checks runs every EC2 check of the verifier.
func runVariantEC2Checks(ctx context.Context, c *ec2.Client, o Outputs) []Result {
	v := &Verifier{EC2: c, Outputs: o}
	var rs []Result
	for _, check := range []func(context.Context) []Result{v.checkRouteTables, v.checkGateways, v.checkEndpoint,
		v.checkS3InterfaceEndpoint, v.checkDynamoDBEndpoint, v.checkInterfaceEndpoints, v.checkRestrictedTier, v.checkFlowLog} {
		rs = append(rs, check(ctx)...)
	}
	return rs
}

// expectOnly checks that the checks named in fail FAIL, those in pass PASS,
// and that no other check FAILs or ERRORs.
func expectOnly(t *testing.T, results []Result, pass, fail []string) {
	t.Helper()
	got := map[string]Result{}
	for _, r := range results {
		got[r.Check] = r
	}
	for _, name := range pass {
		if r, ok := got[name]; !ok || r.Status != Pass {
			t.Errorf("%s: got %s (%s), want PASS", name, r.Status, r.Observed)
		}
	}
	for _, name := range fail {
		if r, ok := got[name]; !ok || r.Status != Fail {
			t.Errorf("%s: got %s (%s), want FAIL", name, r.Status, r.Observed)
		}
	}
	for _, r := range results {
		if (r.Status == Fail || r.Status == Errored) && !slices.Contains(fail, r.Check) {
			t.Errorf("%s: got %s (%s)", r.Check, r.Status, r.Observed)
		}
	}
	if t.Failed() {
		t.Logf("results:\n%s", Table(results))
	}
}

// removeEndpointRoute takes a route table off an endpoint and, as AWS does
// and moto 5.2.1 does not, deletes the endpoint's route from it.
func removeEndpointRoute(m motoStack, endpoint, prefixList, table string) {
	m.t.Helper()
	_, err := m.c.ModifyVpcEndpoint(m.ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(endpoint), RemoveRouteTableIds: []string{table}})
	m.must("ModifyVpcEndpoint RemoveRouteTableIds", err)
	_, err = m.c.DeleteRoute(m.ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(table), DestinationPrefixListId: aws.String(prefixList)})
	m.must("DeleteRoute "+prefixList, err)
}

func TestMotoVariantChecks(t *testing.T) {
	suiteStart := time.Now()
	srv := motoserver.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := ec2.NewFromConfig(srv.Config())
	logs := cloudwatchlogs.NewFromConfig(srv.Config())
	groups := 0
	newGroup := func() string { groups++; return fmt.Sprintf("/aws/vpc-flow-logs/lab-moto-%d", groups) }

	natPass := func(o Outputs) []string {
		var names []string
		for _, rt := range o.RouteTableIDs {
			names = append(names, "route table "+rt+": S3 prefix-list route", "route table "+rt+": DynamoDB prefix-list route",
				"route table "+rt+": default route to the NAT gateway")
		}
		for _, rt := range o.RestrictedRouteTableIDs {
			names = append(names, "restricted route table "+rt+": S3 prefix-list route", "restricted route table "+rt+": no default route")
		}
		names = append(names, "internet gateway "+o.InternetGatewayID+" attached to "+o.VPCID,
			"NAT gateway "+o.NATGatewayID+" available in a public subnet", "flow log "+o.FlowLogID+": status",
			"flow log "+o.FlowLogID+": destination")
		for _, ep := range []string{"endpoint " + o.EndpointID, "DynamoDB endpoint " + o.DynamoDBEndpointID, "restricted endpoint " + o.RestrictedEndpointID} {
			for _, row := range []string{"state", "type", "route tables", "policy"} {
				names = append(names, ep+": "+row)
			}
		}
		for _, row := range []string{"state", "type", "subnets", "private DNS"} {
			names = append(names, "sts interface endpoint "+o.InterfaceEndpointIDs["sts"]+": "+row)
		}
		return names
	}

	natTests := []struct {
		name     string
		breakLab func(m motoStack, o *Outputs)
		fails    func(o Outputs) []string
	}{
		{name: "nat stack holds every claim", breakLab: func(motoStack, *Outputs) {}, fails: func(Outputs) []string { return nil }},
		{name: "no default route to the NAT gateway",
			breakLab: func(m motoStack, o *Outputs) {
				_, err := m.c.DeleteRoute(m.ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(o.RouteTableIDs[0]), DestinationCidrBlock: aws.String("0.0.0.0/0")})
				m.must("DeleteRoute", err)
			},
			fails: func(o Outputs) []string {
				return []string{"route table " + o.RouteTableIDs[0] + ": default route to the NAT gateway"}
			}},
		{name: "NAT gateway deleted",
			breakLab: func(m motoStack, o *Outputs) {
				_, err := m.c.DeleteNatGateway(m.ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(o.NATGatewayID)})
				m.must("DeleteNatGateway", err)
			},
			fails: func(o Outputs) []string {
				return []string{"NAT gateway " + o.NATGatewayID + " available in a public subnet"}
			}},
		{name: "internet gateway detached",
			breakLab: func(m motoStack, o *Outputs) {
				_, err := m.c.DetachInternetGateway(m.ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(o.InternetGatewayID),
					VpcId: aws.String(o.VPCID)})
				m.must("DetachInternetGateway", err)
			},
			fails: func(o Outputs) []string {
				return []string{"internet gateway " + o.InternetGatewayID + " attached to " + o.VPCID}
			}},
		{name: "DynamoDB endpoint full access",
			breakLab: func(m motoStack, o *Outputs) {
				_, err := m.c.ModifyVpcEndpoint(m.ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(o.DynamoDBEndpointID),
					PolicyDocument: aws.String(fullAccessPolicy)})
				m.must("ModifyVpcEndpoint", err)
			},
			fails: func(o Outputs) []string { return []string{"DynamoDB endpoint " + o.DynamoDBEndpointID + ": policy"} }},
		{name: "route table missing from the DynamoDB endpoint",
			breakLab: func(m motoStack, o *Outputs) {
				removeEndpointRoute(m, o.DynamoDBEndpointID, m.prefixList("dynamodb"), o.RouteTableIDs[1])
			},
			fails: func(o Outputs) []string {
				return []string{"route table " + o.RouteTableIDs[1] + ": DynamoDB prefix-list route",
					"DynamoDB endpoint " + o.DynamoDBEndpointID + ": route tables"}
			}},
		{name: "STS endpoint in one subnet",
			breakLab: func(m motoStack, o *Outputs) {
				_, err := m.c.ModifyVpcEndpoint(m.ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(o.InterfaceEndpointIDs["sts"]),
					RemoveSubnetIds: o.PrivateSubnetIDs[1:]})
				m.must("ModifyVpcEndpoint RemoveSubnetIds", err)
			},
			fails: func(o Outputs) []string {
				return []string{"sts interface endpoint " + o.InterfaceEndpointIDs["sts"] + ": subnets"}
			}},
		{name: "restricted route table with a default route",
			breakLab: func(m motoStack, o *Outputs) {
				_, err := m.c.CreateRoute(m.ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(o.RestrictedRouteTableIDs[0]),
					DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(o.InternetGatewayID)})
				m.must("CreateRoute", err)
			},
			fails: func(o Outputs) []string {
				return []string{"restricted route table " + o.RestrictedRouteTableIDs[0] + ": no default route"}
			}},
		{name: "restricted endpoint with the lab's policy",
			breakLab: func(m motoStack, o *Outputs) {
				_, err := m.c.ModifyVpcEndpoint(m.ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(o.RestrictedEndpointID),
					PolicyDocument: aws.String(o.EndpointPolicy)})
				m.must("ModifyVpcEndpoint", err)
			},
			fails: func(o Outputs) []string {
				return []string{"restricted endpoint " + o.RestrictedEndpointID + ": policy"}
			}},
		{name: "flow log to a missing log group",
			breakLab: func(m motoStack, o *Outputs) {
				o.FlowLogDestination = "/aws/vpc-flow-logs/missing"
				o.FlowLogID = m.flowLog(o.VPCID, o.FlowLogDestination, false)
			},
			fails: func(o Outputs) []string { return []string{"flow log " + o.FlowLogID + ": status"} }},
	}
	for _, tt := range natTests {
		t.Run(tt.name, func(t *testing.T) {
			m := motoStack{ctx: ctx, t: t, c: c, logs: logs}
			o := newMotoNATStack(m, newGroup())
			tt.breakLab(m, &o)
			fails := tt.fails(o)
			var pass []string
			for _, name := range natPass(o) {
				if !slices.Contains(fails, name) {
					pass = append(pass, name)
				}
			}
			expectOnly(t, runVariantEC2Checks(ctx, c, o), pass, fails)
		})
	}

	ifaceTests := []struct {
		name               string
		policy, privateDNS bool
		breakLab           func(m motoStack, o Outputs)
		fail               string
	}{
		{name: "S3 interface endpoint alone holds every claim", policy: true, privateDNS: true},
		{name: "S3 interface endpoint with the full-access default", privateDNS: true, fail: "policy"},
		{name: "S3 interface endpoint without private DNS", policy: true, fail: "private DNS"},
		{name: "S3 interface endpoint in one subnet", policy: true, privateDNS: true, fail: "subnets",
			breakLab: func(m motoStack, o Outputs) {
				_, err := m.c.ModifyVpcEndpoint(m.ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(o.S3InterfaceEndpointID),
					RemoveSubnetIds: o.PrivateSubnetIDs[:1]})
				m.must("ModifyVpcEndpoint RemoveSubnetIds", err)
			}},
	}
	for _, tt := range ifaceTests {
		t.Run(tt.name, func(t *testing.T) {
			m := motoStack{ctx: ctx, t: t, c: c, logs: logs}
			o := newMotoInterfaceStack(m, tt.policy, tt.privateDNS)
			if tt.breakLab != nil {
				tt.breakLab(m, o)
			}
			name := "S3 interface endpoint " + o.S3InterfaceEndpointID + ": "
			var pass, fails []string
			for _, row := range []string{"state", "type", "subnets", "private DNS", "policy"} {
				if row == tt.fail {
					fails = append(fails, name+row)
				} else {
					pass = append(pass, name+row)
				}
			}
			for _, rt := range o.RouteTableIDs {
				pass = append(pass, "route table "+rt+": no default route")
			}
			results := runVariantEC2Checks(ctx, c, o)
			expectOnly(t, results, pass, fails)
			for _, r := range results {
				if strings.Contains(r.Check, "S3 prefix-list route") && r.Status != Skip {
					t.Errorf("%s without the gateway endpoint: got %s, want SKIP", r.Check, r.Status)
				}
			}
		})
	}

	// The lab function's network interfaces are found by its security
	// group (DescribeNetworkInterfaces, filter group-id), on moto: a REJECT
	// record counts only from one of them, to port 443 of an address the
	// refused-egress probe tried.
	t.Run("flow log records", func(t *testing.T) {
		m := motoStack{ctx: ctx, t: t, c: c, logs: logs}
		vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.43.0.0/16")})
		m.must("CreateVpc", err)
		vpcID := aws.ToString(vpc.Vpc.VpcId)
		subnet, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.43.1.0/24")})
		m.must("CreateSubnet", err)
		eni := func(group string) string {
			sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: aws.String(vpcID),
				GroupName: aws.String(group), Description: aws.String(group)})
			m.must("CreateSecurityGroup", err)
			ni, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: subnet.Subnet.SubnetId,
				Groups: []string{aws.ToString(sg.GroupId)}, Description: aws.String("AWS Lambda VPC ENI-" + group)})
			m.must("CreateNetworkInterface", err)
			return aws.ToString(sg.GroupId) + " " + aws.ToString(ni.NetworkInterface.NetworkInterfaceId)
		}
		fnSG, fnENI, _ := strings.Cut(eni("lab-fn-sg"), " ")
		_, probeENI, _ := strings.Cut(eni("lab-probe-sg"), " ")
		record := func(iface, port string) string {
			return "2 111122223333 " + iface + " 10.43.1.10 3.5.0.1 40312 " + port + " 6 1 60 1763900000 1763900060 REJECT OK"
		}
		for _, tt := range []struct {
			name    string
			records []string
			want    Status
		}{
			{"function's interface", []string{acceptRecord, record(fnENI, "443")}, Pass},
			{"another port", []string{acceptRecord, record(fnENI, "22")}, Fail},
			{"the probe function's interface", []string{acceptRecord, record(probeENI, "443")}, Fail},
		} {
			group := newGroup()
			_, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)})
			m.must("CreateLogGroup", err)
			_, err = logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(fnENI + "-all")})
			m.must("CreateLogStream", err)
			var events []logstypes.InputLogEvent
			for _, r := range tt.records {
				events = append(events, logstypes.InputLogEvent{Message: aws.String(r), Timestamp: aws.Int64(time.Now().UnixMilli())})
			}
			_, err = logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group),
				LogStreamName: aws.String(fnENI + "-all"), LogEvents: events})
			m.must("PutLogEvents", err)
			v := &Verifier{EC2: c, Logs: logs, FlowLogWait: time.Millisecond, started: time.Now(), refusedEgress: []string{"3.5.0.1"},
				Outputs: Outputs{FlowLogs: FlowLogsCloudWatch, FlowLogDestination: group, SecurityGroupID: fnSG}}
			rs := v.checkFlowLogRecords(ctx)
			if len(rs) != 1 || rs[0].Status != tt.want {
				t.Errorf("%s: records %q: got %+v, want %s", tt.name, tt.records, rs, tt.want)
			}
		}
	})
	// The lab function's security group's egress rules, read as
	// DescribeSecurityGroupRules and GetManagedPrefixListEntries answer them
	// on moto: a rule to S3's prefix list admits an address inside one of
	// its entries (moto's us-east-1 list holds 3.5.0.0/19) and no other; a
	// rule to 0.0.0.0/0 on 443 admits any.
	t.Run("security group egress rules", func(t *testing.T) {
		m := motoStack{ctx: ctx, t: t, c: c, logs: logs}
		vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.44.0.0/16")})
		m.must("CreateVpc", err)
		sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpc.Vpc.VpcId,
			GroupName: aws.String("lab-fn-sg-rules"), Description: aws.String("lab function")})
		m.must("CreateSecurityGroup", err)
		allOut := []ec2types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}
		_, err = c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: sg.GroupId, IpPermissions: allOut})
		m.must("RevokeSecurityGroupEgress", err)
		https := func(perm ec2types.IpPermission) {
			perm.IpProtocol, perm.FromPort, perm.ToPort = aws.String("tcp"), aws.Int32(443), aws.Int32(443)
			_, err := c.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: sg.GroupId,
				IpPermissions: []ec2types.IpPermission{perm}})
			m.must("AuthorizeSecurityGroupEgress", err)
		}
		https(ec2types.IpPermission{PrefixListIds: []ec2types.PrefixListId{{PrefixListId: aws.String(m.prefixList("s3"))}}})
		https(ec2types.IpPermission{IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.44.0.0/24")}}})
		v := &Verifier{EC2: c, Outputs: Outputs{Region: motoserver.Region}}
		admitting, unknown, err := v.egressAdmits(ctx, aws.ToString(sg.GroupId), []string{"203.0.113.7"})
		if err != nil || admitting != "" || unknown != "" {
			t.Errorf("the lab's rules, an address outside S3's ranges: got admitting %q unknown %q err %v, want none", admitting, unknown, err)
		}
		admitting, _, err = v.egressAdmits(ctx, aws.ToString(sg.GroupId), []string{"3.5.0.1"})
		if err != nil || !strings.Contains(admitting, "to prefix list "+m.prefixList("s3")+", whose entry 3.5.0.0/19 holds a tried address") {
			t.Errorf("the lab's rules, an address in S3's prefix list: got %q, %v, want the rule to S3's prefix list", admitting, err)
		}
		https(ec2types.IpPermission{IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}})
		admitting, _, err = v.egressAdmits(ctx, aws.ToString(sg.GroupId), []string{"203.0.113.7"})
		if err != nil || !strings.Contains(admitting, "tcp to 0.0.0.0/0") {
			t.Errorf("with HTTPS to 0.0.0.0/0: got %q, %v, want that rule", admitting, err)
		}
	})
	t.Logf("suite took %s (moto start %s)", time.Since(suiteStart).Round(time.Millisecond), srv.StartDuration.Round(time.Millisecond))
}
