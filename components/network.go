package components

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TagZoneID is the tag that records a subnet's availability zone ID.
const TagZoneID = "lab:zone-id"

// vpc registers the VPC and takes over its default security group.
func (b *builder) vpc() error {
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

// tier is a set of private subnets, one per zone, each with its own route
// table.
type tier struct {
	subnetIDs, routeTableIDs pulumi.StringArray
	routeTables              []*ec2.RouteTable
}

// privateTier registers one subnet and one route table per zone, named
// <name>-<subnetPart>-<zone>, <name>-<rtPart>-<zone> and <name>-<rtaPart>-<zone>.
// Nothing here routes out of the VPC. The subnets depend on the role's ENI
// policy, so that destroy deletes them (and waits for Lambda to delete its
// interfaces in them) before it deletes that policy.
func (b *builder) privateTier(cidrs []netip.Prefix, subnetPart, rtPart, rtaPart string) (*tier, error) {
	t := &tier{}
	for i, z := range b.facts.zones {
		subnetName := fmt.Sprintf("%s-%s-%s", b.name, subnetPart, z.name)
		tags := b.tags(subnetName)
		tags[TagZoneID] = pulumi.String(z.id)
		subnet, err := ec2.NewSubnet(b.ctx, subnetName, &ec2.SubnetArgs{
			VpcId:               b.comp.VPCID,
			CidrBlock:           pulumi.String(cidrs[i].String()),
			AvailabilityZone:    pulumi.String(z.name),
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                tags,
		}, b.child, pulumi.DependsOn(b.eniPolicies))
		if err != nil {
			return nil, fmt.Errorf("subnet in %s: %w", z.name, err)
		}
		// No inline routes: the table keeps its local route, and the
		// endpoints' prefix-list routes are not fought over by this resource.
		rtName := fmt.Sprintf("%s-%s-%s", b.name, rtPart, z.name)
		rt, err := ec2.NewRouteTable(b.ctx, rtName, &ec2.RouteTableArgs{
			VpcId: b.comp.VPCID,
			Tags:  b.tags(rtName),
		}, b.child)
		if err != nil {
			return nil, fmt.Errorf("route table in %s: %w", z.name, err)
		}
		if _, err := ec2.NewRouteTableAssociation(b.ctx, fmt.Sprintf("%s-%s-%s", b.name, rtaPart, z.name), &ec2.RouteTableAssociationArgs{
			SubnetId:     subnet.ID(),
			RouteTableId: rt.ID(),
		}, b.child); err != nil {
			return nil, fmt.Errorf("route table association in %s: %w", z.name, err)
		}
		t.subnetIDs = append(t.subnetIDs, subnet.ID().ToStringOutput())
		t.routeTableIDs = append(t.routeTableIDs, rt.ID().ToStringOutput())
		t.routeTables = append(t.routeTables, rt)
	}
	return t, nil
}

// subnets adds the private subnets the lab's function runs in. Unless
// internetEgress is nat, the only non-local routes their tables get are the
// ones the gateway endpoints add.
func (b *builder) subnets() error {
	t, err := b.privateTier(b.lab.tiers[tierPrivate], "private", "rt", "rta")
	if err != nil {
		return err
	}
	b.routeTables = t.routeTables
	b.comp.PrivateSubnetIDs = t.subnetIDs.ToStringArrayOutput()
	b.comp.RouteTableIDs = t.routeTableIDs.ToStringArrayOutput()
	return nil
}

// gatewayEndpoint registers a gateway endpoint of service on the route
// tables, with policy.
func (b *builder) gatewayEndpoint(name, service string, routeTableIDs pulumi.StringArrayOutput, doc pulumi.StringOutput,
	opts ...pulumi.ResourceOption) (*ec2.VpcEndpoint, error) {
	return b.vpcEndpoint(name, service, "Gateway", &ec2.VpcEndpointArgs{
		RouteTableIds: routeTableIDs,
		Policy:        doc,
	}, opts...)
}

// vpcEndpoint registers an endpoint of service, of type kind ("Gateway",
// "Interface"), in the lab's VPC: args with the VPC, the service name, the
// type and the tags set.
func (b *builder) vpcEndpoint(name, service, kind string, args *ec2.VpcEndpointArgs, opts ...pulumi.ResourceOption) (*ec2.VpcEndpoint, error) {
	args.VpcId = b.comp.VPCID
	args.ServiceName = pulumi.String(fmt.Sprintf("com.amazonaws.%s.%s", b.facts.region, service))
	args.VpcEndpointType = pulumi.String(kind)
	args.Tags = b.tags(name)
	ep, err := ec2.NewVpcEndpoint(b.ctx, name, args, append([]pulumi.ResourceOption{b.child}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("%s %s endpoint: %w", service, strings.ToLower(kind), err)
	}
	return ep, nil
}

// endpoint registers the S3 gateway endpoint (s3Endpoints with gateway) on
// exactly the private route tables, with a policy that allows the
// function's role to list the lab bucket and read its objects, and nothing
// else; with an access point, only through it.
func (b *builder) endpoint() error {
	if !b.lab.has(EndpointGateway) {
		b.comp.EndpointID = pulumi.String("").ToStringOutput()
		b.comp.EndpointPolicy = pulumi.String("").ToStringOutput()
		b.comp.PrefixListID = pulumi.String("").ToStringOutput()
		return nil
	}
	in := b.policyInputs()
	var doc pulumi.StringOutput
	if b.lab.AccessPoint {
		doc = policyJSON(in, pendingInputs{FunctionRoleARN: b.comp.RoleARN, BucketName: b.comp.BucketName,
			AccessPointARN: b.comp.AccessPointARN}, policy.AccessPointEndpoint)
	} else {
		doc = policyJSON(in, pendingInputs{FunctionRoleARN: b.comp.RoleARN, BucketName: b.comp.BucketName}, policy.Endpoint)
	}
	ep, err := b.gatewayEndpoint(b.name+"-s3-endpoint", "s3", b.comp.RouteTableIDs, doc)
	if err != nil {
		return err
	}
	b.gateway = ep
	b.comp.EndpointID = ep.ID().ToStringOutput()
	b.comp.PrefixListID = ep.PrefixListId
	b.comp.EndpointPolicy = doc
	b.s3EndpointIDs = append(b.s3EndpointIDs, ep.ID().ToStringOutput())
	return nil
}

// managedPrefixList returns the ID of the AWS-managed prefix list of
// service ("s3", "dynamodb") in the stack's region, looked up by its name
// com.amazonaws.<region>.<service>. It is the list a gateway endpoint's
// prefixListId names and the one S3's public addresses are in ("AWS-managed
// prefix lists": https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html,
// gateway endpoints: https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html),
// so a security group rule admitting it need not wait for an endpoint to
// exist: the lookup answers at once, while an endpoint takes a minute to
// create. The answer is cached per service.
func (b *builder) managedPrefixList(service string) (pulumi.StringOutput, error) {
	if id, ok := b.prefixLists[service]; ok {
		return pulumi.String(id).ToStringOutput(), nil
	}
	name := fmt.Sprintf("com.amazonaws.%s.%s", b.facts.region, service)
	pl, err := ec2.LookupManagedPrefixList(b.ctx, &ec2.LookupManagedPrefixListArgs{Name: &name})
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("look up prefix list %s: %w", name, err)
	}
	if b.prefixLists == nil {
		b.prefixLists = map[string]string{}
	}
	b.prefixLists[service] = pl.Id
	return pulumi.String(pl.Id).ToStringOutput(), nil
}

// interfaceEndpoint registers an interface endpoint of service in the
// private subnets, with private DNS and a security group of its own that
// admits HTTPS from the lab functions' security groups only.
func (b *builder) interfaceEndpoint(name, service string, doc pulumi.StringOutput, dns *ec2.VpcEndpointDnsOptionsArgs,
	opts ...pulumi.ResourceOption) (*ec2.VpcEndpoint, error) {
	var ingress ec2.SecurityGroupIngressArray
	for _, sg := range b.clientSGs {
		ingress = append(ingress, &ec2.SecurityGroupIngressArgs{
			Description:    pulumi.String("HTTPS from the lab functions"),
			Protocol:       pulumi.String("tcp"),
			FromPort:       pulumi.Int(HTTPSPort),
			ToPort:         pulumi.Int(HTTPSPort),
			SecurityGroups: pulumi.StringArray{sg},
		})
	}
	sg, err := ec2.NewSecurityGroup(b.ctx, name+"-sg", &ec2.SecurityGroupArgs{
		VpcId:       b.comp.VPCID,
		Description: pulumi.String(fmt.Sprintf("Interface endpoint for %s: HTTPS from the lab functions only", service)),
		Ingress:     ingress,
		Tags:        b.tags(name + "-sg"),
	}, b.child)
	if err != nil {
		return nil, fmt.Errorf("%s endpoint security group: %w", service, err)
	}
	return b.vpcEndpoint(name, service, "Interface", &ec2.VpcEndpointArgs{
		SubnetIds:         b.comp.PrivateSubnetIDs,
		SecurityGroupIds:  pulumi.StringArray{sg.ID()},
		PrivateDnsEnabled: pulumi.Bool(true),
		DnsOptions:        dns,
		Policy:            doc,
	}, opts...)
}

// s3InterfaceEndpoint registers the S3 interface endpoint (s3Endpoints with
// interface; lab documents 000, 001, 004), with the same least-privilege
// policy as the gateway endpoint. With the gateway endpoint there too,
// private DNS answers only the inbound resolver, so traffic from the VPC
// stays on the free gateway endpoint; AWS accepts that option only once the
// VPC has the gateway endpoint, so this one is created after it
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/privatelink-interface-endpoints.html#private-dns).
func (b *builder) s3InterfaceEndpoint() error {
	if !b.lab.has(EndpointInterface) {
		b.comp.S3InterfaceEndpointID = pulumi.String("").ToStringOutput()
		b.comp.S3InterfaceDNS = pulumi.String("").ToStringOutput()
		return nil
	}
	in := b.policyInputs()
	doc := policyJSON(in, pendingInputs{FunctionRoleARN: b.comp.RoleARN, BucketName: b.comp.BucketName}, policy.Endpoint)
	dns := &ec2.VpcEndpointDnsOptionsArgs{DnsRecordIpType: pulumi.String("ipv4")}
	var opts []pulumi.ResourceOption
	if b.gateway != nil {
		dns.PrivateDnsOnlyForInboundResolverEndpoint = pulumi.Bool(true)
		opts = append(opts, pulumi.DependsOn([]pulumi.Resource{b.gateway}))
	}
	ep, err := b.interfaceEndpoint(b.name+"-s3-interface-endpoint", "s3", doc, dns, opts...)
	if err != nil {
		return err
	}
	b.comp.S3InterfaceEndpointID = ep.ID().ToStringOutput()
	// The regional entry, *.vpce-....s3.<region>.vpce.amazonaws.com: the
	// order of DnsEntries (zonal and private DNS names too) is EC2's and not
	// documented, so it is picked by its form.
	b.comp.S3InterfaceDNS = ep.DnsEntries.ApplyT(func(entries []ec2.VpcEndpointDnsEntry) string {
		return regionalDNSName(entries)
	}).(pulumi.StringOutput)
	b.s3EndpointIDs = append(b.s3EndpointIDs, ep.ID().ToStringOutput())
	return nil
}

// interfaceEndpoints registers the interface endpoints of other services
// (interfaceEndpoints; 004's Bedrock endpoint, 003's KMS), each with its
// least-privilege policy (policy.InterfaceEndpoint).
func (b *builder) interfaceEndpoints() error {
	ids := pulumi.StringMap{}
	for _, svc := range b.lab.InterfaceEndpoints {
		in := b.policyInputs()
		in.BedrockModelID = b.lab.BedrockModelID
		doc := policyJSON(in, pendingInputs{FunctionRoleARN: b.comp.RoleARN, LogGroupARNs: b.logGroupARNs},
			func(in policy.Inputs) policy.Document { return policy.InterfaceEndpoint(svc, in) })
		ep, err := b.interfaceEndpoint(fmt.Sprintf("%s-%s-endpoint", b.name, svc), svc, doc, nil)
		if err != nil {
			return err
		}
		ids[svc] = ep.ID()
	}
	b.comp.InterfaceEndpointIDs = ids.ToStringMapOutput()
	return nil
}

// regionalDNSName returns the regional name among an S3 interface endpoint's
// DNS entries: the one that starts with "*.vpce-" and has no zone in it
// (zonal names read *.vpce-...-us-east-1a.s3...). Without one, the first
// entry's name.
func regionalDNSName(entries []ec2.VpcEndpointDnsEntry) string {
	var first string
	for i, e := range entries {
		name := ""
		if e.DnsName != nil {
			name = *e.DnsName
		}
		if i == 0 {
			first = name
		}
		if strings.HasPrefix(name, "*.vpce-") && !zonalDNSRE.MatchString(name) {
			return name
		}
	}
	return first
}

// zonalDNSRE matches the zonal names of an interface endpoint, such as
// *.vpce-0abc-1def-us-east-1a.s3.us-east-1.vpce.amazonaws.com.
var zonalDNSRE = regexp.MustCompile(`^\*\.vpce-[0-9a-z]+-[0-9a-z]+-[a-z]{2}(-[a-z]+)+-[0-9][a-z]\.`)
