package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// vpc registers the VPC and takes over its default security group.
func (b *builder) vpc() error {
	// Deviation from Checkov CKV2_AWS_11 and cdk-nag AwsSolutions-VPC7 (VPC
	// flow logs): flow logs belong to the wider lab and come as a switch;
	// the private subnets have no path out of the VPC but S3's prefix list.
	vpc, err := ec2.NewVpc(b.ctx, b.name+"-vpc", &ec2.VpcArgs{
		CidrBlock: pulumi.String(b.lab.vpc.String()),
		// Both are needed for private DNS of interface endpoints, and keep
		// S3's regional names resolving inside the VPC.
		EnableDnsSupport:   pulumi.Bool(true),
		EnableDnsHostnames: pulumi.Bool(true),
		Tags:               b.tags(b.name + "-vpc"),
	}, b.child)
	if err != nil {
		return fmt.Errorf("vpc: %w", err)
	}
	b.comp.VPCID = vpc.ID().ToStringOutput()

	// Taking over the default security group with no rules removes its
	// allow-all rules (Checkov CKV2_AWS_12). Lambda moves its network
	// interfaces here on destroy (replaceSecurityGroupsOnDestroy), where
	// they can reach nothing.
	if _, err := ec2.NewDefaultSecurityGroup(b.ctx, b.name+"-default-sg", &ec2.DefaultSecurityGroupArgs{
		VpcId: vpc.ID(),
		Tags:  b.tags(b.name + "-default-sg"),
	}, b.child); err != nil {
		return fmt.Errorf("default security group: %w", err)
	}
	return nil
}

// subnets adds one private subnet with its own route table per availability
// zone. Nothing here routes to the internet: no internet gateway, no NAT
// gateway, no 0.0.0.0/0 route. The only non-local route the private route
// tables get is the one the S3 gateway endpoint adds. The subnets depend on
// the role's ENI policy, so that destroy deletes them (and waits for Lambda to
// delete its interfaces in them) before it deletes that policy.
func (b *builder) subnets() error {
	var subnetIDs, routeTableIDs pulumi.StringArray
	for i, z := range b.facts.zones {
		az := z.name
		subnetName := fmt.Sprintf("%s-private-%s", b.name, az)
		tags := b.tags(subnetName)
		tags[TagZoneID] = pulumi.String(z.id)
		subnet, err := ec2.NewSubnet(b.ctx, subnetName, &ec2.SubnetArgs{
			VpcId:               b.comp.VPCID,
			CidrBlock:           pulumi.String(b.lab.subnets[i].String()),
			AvailabilityZone:    pulumi.String(az),
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                tags,
		}, b.child, pulumi.DependsOn([]pulumi.Resource{b.eniRolePolicy}))
		if err != nil {
			return fmt.Errorf("subnet in %s: %w", az, err)
		}
		// No inline routes: the table keeps its local route, and the
		// endpoint's prefix-list route is not fought over by this resource.
		rtName := fmt.Sprintf("%s-rt-%s", b.name, az)
		rt, err := ec2.NewRouteTable(b.ctx, rtName, &ec2.RouteTableArgs{
			VpcId: b.comp.VPCID,
			Tags:  b.tags(rtName),
		}, b.child)
		if err != nil {
			return fmt.Errorf("route table in %s: %w", az, err)
		}
		if _, err := ec2.NewRouteTableAssociation(b.ctx, fmt.Sprintf("%s-rta-%s", b.name, az), &ec2.RouteTableAssociationArgs{
			SubnetId:     subnet.ID(),
			RouteTableId: rt.ID(),
		}, b.child); err != nil {
			return fmt.Errorf("route table association in %s: %w", az, err)
		}
		subnetIDs = append(subnetIDs, subnet.ID().ToStringOutput())
		routeTableIDs = append(routeTableIDs, rt.ID().ToStringOutput())
	}
	b.comp.PrivateSubnetIDs = subnetIDs.ToStringArrayOutput()
	b.comp.RouteTableIDs = routeTableIDs.ToStringArrayOutput()
	return nil
}

// TagZoneID is the tag that records a subnet's availability zone ID.
const TagZoneID = "lab:zone-id"

// endpoint registers the S3 gateway endpoint on exactly the private route
// tables, with a policy that allows the function's role to list the lab
// bucket and read its objects, and nothing else.
func (b *builder) endpoint() error {
	in := b.policyInputs()
	policy := policyJSON(func(args []any) PolicyDocument {
		in.FunctionRoleARN, in.BucketName = args[0].(string), args[1].(string)
		return EndpointPolicy(in)
	}, b.comp.RoleARN, b.comp.BucketName)
	ep, err := ec2.NewVpcEndpoint(b.ctx, b.name+"-s3-endpoint", &ec2.VpcEndpointArgs{
		VpcId:           b.comp.VPCID,
		ServiceName:     pulumi.String(fmt.Sprintf("com.amazonaws.%s.s3", b.facts.region)),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   b.comp.RouteTableIDs,
		Policy:          policy,
		Tags:            b.tags(b.name + "-s3-endpoint"),
	}, b.child)
	if err != nil {
		return fmt.Errorf("s3 gateway endpoint: %w", err)
	}
	b.comp.EndpointID = ep.ID().ToStringOutput()
	b.comp.PrefixListID = ep.PrefixListId
	b.comp.EndpointPolicy = policy
	return nil
}
