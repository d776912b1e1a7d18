package orphans

// These tests run against moto on loopback (internal/testing/motoserver): the
// Resource Groups Tagging API's GetResources with a tag filter and
// pagination, and EC2 for what the orphans cost. moto's tagging API lists NAT
// gateways, VPCs and subnets, but not VPC endpoints, so the interface
// endpoint's price is tested through EC2 alone.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/platformlab/s3-gateway-lab/internal/ops/awsclient"
	"github.com/platformlab/s3-gateway-lab/internal/testing/calltest"
	"github.com/platformlab/s3-gateway-lab/internal/testing/motoserver"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// tagged returns EC2 tag specifications for a resource of project's stack.
func tagged(kind ec2types.ResourceType, project, stack string) []ec2types.TagSpecification {
	t := []ec2types.Tag{{Key: aws.String("lab:stack"), Value: aws.String(stack)},
		{Key: aws.String("lab:expires-at"), Value: aws.String("2026-11-01T00:00:00Z")}}
	if project != "" {
		t = append(t, ec2types.Tag{Key: aws.String("lab:project"), Value: aws.String(project)})
	}
	return []ec2types.TagSpecification{{ResourceType: kind, Tags: t}}
}

// startEC2 starts moto for t and returns it, an EC2 client of it and a
// context that ends with t, within 2 minutes.
func startEC2(t *testing.T) (*motoserver.Server, *ec2.Client, context.Context) {
	t.Helper()
	srv := motoserver.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return srv, ec2.NewFromConfig(srv.Config()), ctx
}

func TestFindWithMoto(t *testing.T) {
	srv, e, ctx := startEC2(t)
	cfg := srv.Config()

	vpc := func(project, stack string) string {
		out, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.42.0.0/16"),
			TagSpecifications: tagged(ec2types.ResourceTypeVpc, project, stack)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Vpc.VpcId)
	}
	lost := vpc("s3-gateway-lab", "eph-lost")
	sub, err := e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(lost), CidrBlock: aws.String("10.42.2.0/24"),
		TagSpecifications: tagged(ec2types.ResourceTypeSubnet, "s3-gateway-lab", "eph-lost")})
	if err != nil {
		t.Fatal(err)
	}
	eip, err := e.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	nat, err := e.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: sub.Subnet.SubnetId, AllocationId: eip.AllocationId,
		TagSpecifications: tagged(ec2types.ResourceTypeNatgateway, "s3-gateway-lab", "eph-lost")})
	if err != nil {
		t.Fatal(err)
	}
	vpc("s3-gateway-lab", "dev")                                                         // a live stack's
	vpc("other-project", "eph-lost")                                                     // another project's
	vpc("", "eph-lost")                                                                  // no project tag
	_, err = e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")}) // untagged
	if err != nil {
		t.Fatal(err)
	}

	// The command's own client set-up, its calls logged.
	var calls awsclient.CallLog
	logged, err := awsclient.Config(ctx, awsclient.Options{Region: motoserver.Region, EndpointURL: srv.URL, HTTPClient: motoserver.HTTPClient(),
		Credentials: cfg.Credentials, Calls: &calls})
	if err != nil {
		t.Fatal(err)
	}
	f := NewFinder(logged, "s3-gateway-lab")
	found, err := f.Find(ctx, map[string]bool{"dev": true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Resource{}
	for _, r := range found {
		got[r.Kind] = r
		if r.Stack != "eph-lost" || r.ExpiresAt != "2026-11-01T00:00:00Z" {
			t.Errorf("%s: stack %q expires %q, want eph-lost and its expiry", r.ARN, r.Stack, r.ExpiresAt)
		}
	}
	if len(found) != 3 || got["ec2:natgateway"].ARN == "" || got["ec2:vpc"].ARN == "" || got["ec2:subnet"].ARN == "" {
		t.Fatalf("got %d orphans %v, want the lost stack's NAT gateway, VPC and subnet", len(found), found)
	}
	natID := aws.ToString(nat.NatGateway.NatGatewayId)
	if n := got["ec2:natgateway"]; n.Monthly != 32.85 || n.Delete != "aws ec2 delete-nat-gateway --nat-gateway-id "+natID+" --region us-east-1" {
		t.Errorf("NAT gateway: got %v a month, delete %q; want 32.85 and the delete command", n.Monthly, n.Delete)
	}
	if v := got["ec2:vpc"]; v.Monthly != 0 || !strings.Contains(v.Delete, "aws ec2 delete-vpc --vpc-id "+lost) {
		t.Errorf("VPC: got %v a month, delete %q", v.Monthly, v.Delete)
	}
	report := Report(found, []string{"us-east-1"})
	t.Logf("report:\n%s", report)
	for _, want := range []string{"3 resources of 1 lost stacks cost $32.85 a month", "Nothing was deleted", "aws ec2 delete-nat-gateway"} {
		if !strings.Contains(report, want) {
			t.Errorf("report does not contain %q", want)
		}
	}

	// A NAT gateway being deleted costs nothing more and is not listed.
	if _, err := e.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: nat.NatGateway.NatGatewayId}); err != nil {
		t.Fatal(err)
	}
	found, err = f.Find(ctx, map[string]bool{"dev": true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range found {
		if r.Kind == "ec2:natgateway" {
			t.Errorf("a deleted NAT gateway is listed: %v", r)
		}
	}
	if len(found) != 2 {
		t.Errorf("after deleting the NAT gateway: got %d orphans, want the VPC and the subnet", len(found))
	}

	none, err := f.Find(ctx, map[string]bool{"dev": true, "eph-lost": true})
	if err != nil {
		t.Fatal(err)
	}
	if len(none) != 0 || !strings.Contains(Report(none, []string{"us-east-1"}), "No orphaned resources") {
		t.Errorf("with every stack live: got %v, want none", none)
	}

	// moto's tagging API does not list VPC endpoints: an orphaned one is
	// priced directly, so that its call is logged too.
	ep, err := e.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(lost), ServiceName: aws.String("com.amazonaws.us-east-1.s3"),
		VpcEndpointType: ec2types.VpcEndpointTypeGateway})
	if err != nil {
		t.Fatal(err)
	}
	r := Resource{ARN: "arn:aws:ec2:us-east-1:123456789012:vpc-endpoint/" + aws.ToString(ep.VpcEndpoint.VpcEndpointId), Region: "us-east-1"}
	if gone, err := f.price(ctx, &r); err != nil || gone {
		t.Fatalf("price the endpoint: gone %v, %v", gone, err)
	}
	calltest.Check(t, repo.Root(t), "orphans", "internal/ops/orphans TestFindWithMoto: a lost stack's VPC, subnet, NAT gateway and endpoint on moto",
		&calls, nil, nil)
}

// TestInterfaceEndpointPrice: an orphaned interface endpoint costs its hours
// in each zone; a gateway endpoint nothing.
func TestInterfaceEndpointPrice(t *testing.T) {
	_, e, ctx := startEC2(t)
	v, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.42.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s, err := e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, AvailabilityZone: aws.String(az),
			CidrBlock: aws.String([]string{"10.42.0.0/24", "10.42.1.0/24"}[i])})
		if err != nil {
			t.Fatal(err)
		}
		subnets = append(subnets, aws.ToString(s.Subnet.SubnetId))
	}
	iface, err := e.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: v.Vpc.VpcId, ServiceName: aws.String("com.amazonaws.us-east-1.sts"),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: subnets})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := e.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: v.Vpc.VpcId, ServiceName: aws.String("com.amazonaws.us-east-1.s3"),
		VpcEndpointType: ec2types.VpcEndpointTypeGateway})
	if err != nil {
		t.Fatal(err)
	}
	f := &Finder{EC2: e, Region: "us-east-1"}
	for _, tt := range []struct {
		id   string
		want float64
	}{{aws.ToString(iface.VpcEndpoint.VpcEndpointId), 14.6}, {aws.ToString(gw.VpcEndpoint.VpcEndpointId), 0}} {
		r := Resource{ARN: "arn:aws:ec2:us-east-1:123456789012:vpc-endpoint/" + tt.id, Region: "us-east-1"}
		if gone, err := f.price(ctx, &r); err != nil || gone {
			t.Fatalf("price: gone %v, %v", gone, err)
		}
		if r.Monthly != tt.want || r.Delete != "aws ec2 delete-vpc-endpoints --vpc-endpoint-ids "+tt.id+" --region us-east-1" {
			t.Errorf("%s: got %v a month (%s), delete %q; want %v", tt.id, r.Monthly, r.Pricing, r.Delete, tt.want)
		}
	}
	// A NAT gateway or endpoint the tagging API still lists but EC2 no
	// longer knows (deleted a while ago) is gone, not an error.
	for _, arn := range []string{"arn:aws:ec2:us-east-1:123456789012:vpc-endpoint/vpce-0123456789abcdef0",
		"arn:aws:ec2:us-east-1:123456789012:natgateway/nat-0123456789abcdef0"} {
		r := Resource{ARN: arn, Region: "us-east-1"}
		if gone, err := f.price(ctx, &r); err != nil || !gone {
			t.Errorf("%s unknown to EC2: got gone %v, %v; want gone", arn, gone, err)
		}
	}
}
