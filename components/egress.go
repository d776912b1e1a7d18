package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// natEgress registers internetEgress nat (lab document 002, Examples 1 and
// 3; 001: "you still need NAT to download from the internet"): a public
// subnet per zone with one route table whose default route goes to an
// internet gateway, one NAT gateway in the first public subnet, and a
// default route to it in every private route table. The private route
// tables keep the S3 endpoint's prefix-list route, which is more specific
// than 0.0.0.0/0, so S3 traffic still takes the endpoint
// (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html#gateway-endpoint-routing).
//
// One NAT gateway, not one per zone: a lab stack trades zone resilience for
// half the cost (about $33 a month at us-east-1 list prices).
func (b *builder) natEgress() error {
	if b.lab.InternetEgress != EgressNAT {
		b.comp.PublicSubnetIDs = pulumi.StringArray{}.ToStringArrayOutput()
		b.comp.NATGatewayID = pulumi.String("").ToStringOutput()
		b.comp.InternetGatewayID = pulumi.String("").ToStringOutput()
		return nil
	}
	igw, err := ec2.NewInternetGateway(b.ctx, b.name+"-igw", &ec2.InternetGatewayArgs{
		VpcId: b.comp.VPCID,
		Tags:  b.tags(b.name + "-igw"),
	}, b.child)
	if err != nil {
		return fmt.Errorf("internet gateway: %w", err)
	}
	publicRT, err := ec2.NewRouteTable(b.ctx, b.name+"-public-rt", &ec2.RouteTableArgs{
		VpcId: b.comp.VPCID,
		Tags:  b.tags(b.name + "-public-rt"),
	}, b.child)
	if err != nil {
		return fmt.Errorf("public route table: %w", err)
	}
	if _, err := ec2.NewRoute(b.ctx, b.name+"-public-default", &ec2.RouteArgs{
		RouteTableId:         publicRT.ID(),
		DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
		GatewayId:            igw.ID(),
	}, b.child); err != nil {
		return fmt.Errorf("public default route: %w", err)
	}
	var publicIDs pulumi.StringArray
	var first *ec2.Subnet
	for i, z := range b.facts.zones {
		name := fmt.Sprintf("%s-public-%s", b.name, z.name)
		tags := b.tags(name)
		tags[TagZoneID] = pulumi.String(z.id)
		// Nothing the lab runs has a public address: the NAT gateway's
		// Elastic IP is its only one (Checkov CKV_AWS_130).
		subnet, err := ec2.NewSubnet(b.ctx, name, &ec2.SubnetArgs{
			VpcId:               b.comp.VPCID,
			CidrBlock:           pulumi.String(b.lab.tiers[tierPublic][i].String()),
			AvailabilityZone:    pulumi.String(z.name),
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                tags,
		}, b.child)
		if err != nil {
			return fmt.Errorf("public subnet in %s: %w", z.name, err)
		}
		if _, err := ec2.NewRouteTableAssociation(b.ctx, fmt.Sprintf("%s-public-rta-%s", b.name, z.name), &ec2.RouteTableAssociationArgs{
			SubnetId:     subnet.ID(),
			RouteTableId: publicRT.ID(),
		}, b.child); err != nil {
			return fmt.Errorf("public route table association in %s: %w", z.name, err)
		}
		if first == nil {
			first = subnet
		}
		publicIDs = append(publicIDs, subnet.ID().ToStringOutput())
	}
	eip, err := ec2.NewEip(b.ctx, b.name+"-nat-eip", &ec2.EipArgs{
		Domain: pulumi.String("vpc"),
		Tags:   b.tags(b.name + "-nat-eip"),
	}, b.child, pulumi.DependsOn([]pulumi.Resource{igw}))
	if err != nil {
		return fmt.Errorf("NAT gateway address: %w", err)
	}
	nat, err := ec2.NewNatGateway(b.ctx, b.name+"-nat", &ec2.NatGatewayArgs{
		AllocationId: eip.ID(),
		SubnetId:     first.ID(),
		Tags:         b.tags(b.name + "-nat"),
	}, b.child, pulumi.DependsOn([]pulumi.Resource{igw}))
	if err != nil {
		return fmt.Errorf("NAT gateway: %w", err)
	}
	for i, z := range b.facts.zones {
		if _, err := ec2.NewRoute(b.ctx, fmt.Sprintf("%s-private-default-%s", b.name, z.name), &ec2.RouteArgs{
			RouteTableId:         b.routeTables[i].ID(),
			DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
			NatGatewayId:         nat.ID(),
		}, b.child); err != nil {
			return fmt.Errorf("private default route in %s: %w", z.name, err)
		}
	}
	b.comp.PublicSubnetIDs = publicIDs.ToStringArrayOutput()
	b.comp.NATGatewayID = nat.ID().ToStringOutput()
	b.comp.InternetGatewayID = igw.ID().ToStringOutput()
	return nil
}
