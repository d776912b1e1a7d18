package verify

// These tests run the verifier's EC2 checks against moto
// (internal/testing/motoserver), which answers with the real EC2 Query API's shapes
// (XML, pagination tokens, filters, error codes) for a network the test
// builds through the AWS SDK: VPC, subnets, route tables, an S3 gateway
// endpoint with the program's own rendered policy, internet and NAT gateways.
// moto plays EC2 here: DescribeRouteTables, DescribeInternetGateways,
// DescribeNatGateways and DescribeVpcEndpoints see what the SDK created, and
// a gateway endpoint adds its S3 prefix-list route to its route tables.
//
// What moto 5.2.1 does not model, and how the tests deal with it:
//   - ModifyVpcEndpoint RemoveRouteTableIds drops the table from the
//     endpoint but leaves the prefix-list route in the table (AWS removes
//     it; AddRouteTableIds likewise adds none). removeRouteTable deletes the
//     route itself, as AWS would, and says so in the test log.
//   - ModifyVpcEndpoint ResetPolicy is ignored (the policy stays). The
//     full-access case sets AWS's default full-access document instead.
//   - The S3 prefix list has a random ID per server (pl-63a5400a in real
//     us-east-1); the test reads it with DescribePrefixLists.
//
// The hand-written fake (internal/testing/awsfake, verify_test.go) stays for what moto
// cannot play:
//   - throttling (EC2 RequestLimitExceeded, Lambda 429 TooManyRequests) and
//     5xx InternalError answers: moto has no fault injection, so the SDK's
//     retries and the ERROR results are tested on the fake;
//   - endpoint states moto never reports (pending; moto's endpoints are
//     available at once) and blackholed routes;
//   - Lambda invocations: moto runs function code only in Docker, and the
//     lab's function (a provided.al2023 bootstrap whose probes need the VPC's
//     real network paths) could not answer the listing and probe claims
//     there anyway; the fake returns the handler's reports, including a
//     function error.

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/platformlab/s3-gateway-lab/internal/testing/motoserver"
)

// motoAccountID is moto's default account.
const motoAccountID = "123456789012"

const s3ServiceName = "com.amazonaws." + motoserver.Region + ".s3"

// fullAccessPolicy is the policy AWS gives a gateway endpoint created without
// one, and the one ResetPolicy restores.
const fullAccessPolicy = `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`

// motoLab is a lab network created in moto.
type motoLab struct {
	VPCID         string
	SubnetIDs     []string
	RouteTableIDs []string
	EndpointID    string
	PrefixListID  string
	Policy        string
}

// outputs are the stack outputs the program would export for the lab.
func (l motoLab) outputs() Outputs {
	return Outputs{
		Region:         motoserver.Region,
		VPCID:          l.VPCID,
		RouteTableIDs:  slices.Clone(l.RouteTableIDs),
		EndpointID:     l.EndpointID,
		PrefixListID:   l.PrefixListID,
		EndpointPolicy: l.Policy,
	}
}

// ec2Checks names every check of checkRouteTables, checkGateways and
// checkEndpoint for the lab.
func (l motoLab) ec2Checks() []string {
	var names []string
	for _, id := range l.RouteTableIDs {
		names = append(names, l.prefixListCheck(id), l.defaultRouteCheck(id))
	}
	names = append(names, l.igwCheck(), l.natCheck())
	for _, c := range []string{"state", "type", "route tables", "policy"} {
		names = append(names, l.endpointCheck(c))
	}
	return names
}

func (l motoLab) prefixListCheck(rt string) string {
	return "route table " + rt + ": S3 prefix-list route"
}
func (l motoLab) defaultRouteCheck(rt string) string {
	return "route table " + rt + ": no default route"
}
func (l motoLab) igwCheck() string              { return "no internet gateway attached to " + l.VPCID }
func (l motoLab) natCheck() string              { return "no NAT gateway in " + l.VPCID }
func (l motoLab) endpointCheck(c string) string { return "endpoint " + l.EndpointID + ": " + c }

// newMotoLab creates the lab's network in a fresh VPC: two subnets in two
// zones, a route table for each, and the S3 gateway endpoint on both with the
// policy the program renders.
func newMotoLab(ctx context.Context, t *testing.T, c *ec2.Client) motoLab {
	t.Helper()
	var l motoLab
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.42.0.0/16")})
	if err != nil {
		t.Fatalf("CreateVpc: %v", err)
	}
	l.VPCID = aws.ToString(vpc.Vpc.VpcId)
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(l.VPCID),
			CidrBlock: aws.String(fmt.Sprintf("10.42.%d.0/20", 16*i)), AvailabilityZone: aws.String(az)})
		if err != nil {
			t.Fatalf("CreateSubnet %s: %v", az, err)
		}
		rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(l.VPCID)})
		if err != nil {
			t.Fatalf("CreateRouteTable %s: %v", az, err)
		}
		subnetID, rtID := aws.ToString(sn.Subnet.SubnetId), aws.ToString(rt.RouteTable.RouteTableId)
		if _, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(rtID),
			SubnetId: aws.String(subnetID)}); err != nil {
			t.Fatalf("AssociateRouteTable %s: %v", az, err)
		}
		l.SubnetIDs = append(l.SubnetIDs, subnetID)
		l.RouteTableIDs = append(l.RouteTableIDs, rtID)
	}

	doc, err := policy.Endpoint(policy.Inputs{
		Partition:          "aws",
		Region:             motoserver.Region,
		AccountID:          motoAccountID,
		VPCID:              l.VPCID,
		BucketName:         "lab-bucket-moto",
		FunctionRoleARN:    "arn:aws:iam::" + motoAccountID + ":role/lab-fn-role",
		AdminPrincipalARNs: []string{"arn:aws:iam::" + motoAccountID + ":role/lab-admin"},
		LogGroupARNs:       []string{"arn:aws:logs:" + motoserver.Region + ":" + motoAccountID + ":log-group:/aws/lambda/lab-fn"},
		ProbeBuckets:       []string{"lab-deny-moto"},
	}).JSON()
	if err != nil {
		t.Fatalf("render endpoint policy: %v", err)
	}
	l.Policy = doc
	ep, err := c.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcId:           aws.String(l.VPCID),
		ServiceName:     aws.String(s3ServiceName),
		VpcEndpointType: ec2types.VpcEndpointTypeGateway,
		RouteTableIds:   l.RouteTableIDs,
		PolicyDocument:  aws.String(doc),
	})
	if err != nil {
		t.Fatalf("CreateVpcEndpoint: %v", err)
	}
	l.EndpointID = aws.ToString(ep.VpcEndpoint.VpcEndpointId)

	// The program exports the endpoint's prefixListId, which the provider
	// reads from the S3 service's managed prefix list, not from a route.
	pls, err := c.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{
		Filters: []ec2types.Filter{{Name: aws.String("prefix-list-name"), Values: []string{s3ServiceName}}},
	})
	if err != nil || len(pls.PrefixLists) != 1 {
		t.Fatalf("DescribePrefixLists %s: got %v, %v; want one", s3ServiceName, pls, err)
	}
	l.PrefixListID = aws.ToString(pls.PrefixLists[0].PrefixListId)
	return l
}

// removeRouteTable takes a route table off the endpoint.
func removeRouteTable(ctx context.Context, t *testing.T, c *ec2.Client, l motoLab, rtID string) {
	t.Helper()
	if _, err := c.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(l.EndpointID),
		RemoveRouteTableIds: []string{rtID}}); err != nil {
		t.Fatalf("ModifyVpcEndpoint RemoveRouteTableIds: %v", err)
	}
	// moto 5.2.1 workaround: AWS deletes the endpoint's prefix-list route
	// from a table taken off the endpoint; moto leaves it. Delete it as AWS
	// would, only while moto still leaves it behind.
	out, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{rtID}})
	if err != nil {
		t.Fatalf("DescribeRouteTables: %v", err)
	}
	for _, r := range out.RouteTables[0].Routes {
		if aws.ToString(r.DestinationPrefixListId) == l.PrefixListID && aws.ToString(r.GatewayId) == l.EndpointID {
			t.Logf("moto left the route %s -> %s in %s after RemoveRouteTableIds; deleting it as AWS does",
				l.PrefixListID, l.EndpointID, rtID)
			if _, err := c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(rtID),
				DestinationPrefixListId: aws.String(l.PrefixListID)}); err != nil {
				t.Fatalf("DeleteRoute %s: %v", l.PrefixListID, err)
			}
		}
	}
}

// runEC2Checks runs the verifier's EC2 checks on the lab.
func runEC2Checks(ctx context.Context, c *ec2.Client, l motoLab) []Result {
	v := &Verifier{EC2: c, Outputs: l.outputs()}
	var rs []Result
	rs = append(rs, v.checkRouteTables(ctx)...)
	rs = append(rs, v.checkGateways(ctx)...)
	rs = append(rs, v.checkEndpoint(ctx)...)
	return rs
}

// expectFailures checks that results hold exactly the lab's EC2 checks, that
// those named in fail FAIL and that every other one PASSes.
func expectFailures(t *testing.T, l motoLab, results []Result, fail ...string) {
	t.Helper()
	got := map[string]Result{}
	for _, r := range results {
		if _, dup := got[r.Check]; dup {
			t.Errorf("check %q reported twice", r.Check)
		}
		got[r.Check] = r
	}
	want := l.ec2Checks()
	expectStatuses(t, got, want, func(name string) Status {
		if slices.Contains(fail, name) {
			return Fail
		}
		return Pass
	})
	for name := range got {
		if !slices.Contains(want, name) {
			t.Errorf("unexpected check %q", name)
		}
	}
	for _, name := range fail {
		if !slices.Contains(want, name) {
			t.Errorf("test names a check the verifier does not run: %q", name)
		}
	}
	if t.Failed() {
		t.Logf("results:\n%s", Table(results))
	}
}

func TestMotoEC2Checks(t *testing.T) {
	suiteStart := time.Now()
	srv := motoserver.Start(t)
	t.Logf("moto answered after %s", srv.StartDuration.Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := ec2.NewFromConfig(srv.Config())

	t.Run("lab holds every claim", func(t *testing.T) {
		l := newMotoLab(ctx, t, c)
		results := runEC2Checks(ctx, c, l)
		expectFailures(t, l, results)
		byCheck := map[string]string{}
		for _, r := range results {
			byCheck[r.Check] = r.Observed
		}
		// The policy moto hands back is re-serialized; it passes only because
		// samePolicy compares documents, not strings.
		if got := byCheck[l.endpointCheck("policy")]; got != "as declared" {
			t.Errorf("policy: got %q, want %q", got, "as declared")
		}
		wantRoute := fmt.Sprintf("%s -> %s (active)", l.PrefixListID, l.EndpointID)
		if got := byCheck[l.prefixListCheck(l.RouteTableIDs[0])]; got != wantRoute {
			t.Errorf("prefix-list route: got %q, want %q", got, wantRoute)
		}
	})

	tests := []struct {
		name     string
		breakLab func(t *testing.T, l motoLab)
		fails    func(l motoLab) []string
	}{
		{
			name: "default route to an attached internet gateway",
			breakLab: func(t *testing.T, l motoLab) {
				igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
				if err != nil {
					t.Fatalf("CreateInternetGateway: %v", err)
				}
				id := igw.InternetGateway.InternetGatewayId
				if _, err := c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: id,
					VpcId: aws.String(l.VPCID)}); err != nil {
					t.Fatalf("AttachInternetGateway: %v", err)
				}
				if _, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(l.RouteTableIDs[0]),
					DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: id}); err != nil {
					t.Fatalf("CreateRoute 0.0.0.0/0: %v", err)
				}
			},
			fails: func(l motoLab) []string {
				return []string{l.defaultRouteCheck(l.RouteTableIDs[0]), l.igwCheck()}
			},
		},
		{
			name:     "route table missing from the endpoint",
			breakLab: func(t *testing.T, l motoLab) { removeRouteTable(ctx, t, c, l, l.RouteTableIDs[1]) },
			fails: func(l motoLab) []string {
				return []string{l.prefixListCheck(l.RouteTableIDs[1]), l.endpointCheck("route tables")}
			},
		},
		{
			name: "full-access endpoint policy",
			breakLab: func(t *testing.T, l motoLab) {
				// Not ResetPolicy: moto 5.2.1 ignores it and keeps the policy.
				if _, err := c.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(l.EndpointID),
					PolicyDocument: aws.String(fullAccessPolicy)}); err != nil {
					t.Fatalf("ModifyVpcEndpoint PolicyDocument: %v", err)
				}
			},
			fails: func(l motoLab) []string { return []string{l.endpointCheck("policy")} },
		},
		{
			name: "NAT gateway in the VPC",
			breakLab: func(t *testing.T, l motoLab) {
				eip, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
				if err != nil {
					t.Fatalf("AllocateAddress: %v", err)
				}
				if _, err := c.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(l.SubnetIDs[0]),
					AllocationId: eip.AllocationId}); err != nil {
					t.Fatalf("CreateNatGateway: %v", err)
				}
			},
			fails: func(l motoLab) []string { return []string{l.natCheck()} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A fresh VPC on the shared server: the checks filter by VPC and
			// name their route tables and endpoint, so earlier cases' broken
			// VPCs do not leak in.
			l := newMotoLab(ctx, t, c)
			tt.breakLab(t, l)
			results := runEC2Checks(ctx, c, l)
			fails := tt.fails(l)
			expectFailures(t, l, results, fails...)
			sort.Strings(fails)
			t.Logf("FAIL: %s", strings.Join(fails, "; "))
		})
	}
	t.Logf("suite took %s (moto start %s)", time.Since(suiteStart).Round(time.Millisecond),
		srv.StartDuration.Round(time.Millisecond))
}
