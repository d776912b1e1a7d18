// Package components holds S3GatewayLab, a Pulumi component that builds the
// lab "a Lambda function in private subnets lists an S3 bucket through a VPC
// gateway endpoint": a VPC with private subnets and no route to the internet,
// the S3 gateway endpoint with a least-privilege policy, a test bucket locked
// to that endpoint, and the function with its role, security group and logs.
package components

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// S3GatewayLabType is the component's type token.
const S3GatewayLabType = "s3gwlab:index:S3GatewayLab"

// S3GatewayLab is the lab: network, endpoint, bucket and function. Its
// outputs are contract.StackOutputs' fields, as Pulumi outputs.
type S3GatewayLab struct {
	pulumi.ResourceState

	Region           pulumi.StringOutput      `pulumi:"region"`
	VPCID            pulumi.StringOutput      `pulumi:"vpcId"`
	PrivateSubnetIDs pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	// AvailabilityZones and AvailabilityZoneIDs are the private subnets'
	// zones, in the same order: names, and the IDs that name the same
	// physical zone in every account.
	AvailabilityZones   pulumi.StringArrayOutput `pulumi:"availabilityZones"`
	AvailabilityZoneIDs pulumi.StringArrayOutput `pulumi:"availabilityZoneIds"`
	RouteTableIDs       pulumi.StringArrayOutput `pulumi:"routeTableIds"`
	EndpointID          pulumi.StringOutput      `pulumi:"endpointId"`
	PrefixListID        pulumi.StringOutput      `pulumi:"prefixListId"`
	EndpointPolicy      pulumi.StringOutput      `pulumi:"endpointPolicy"`
	BucketName          pulumi.StringOutput      `pulumi:"bucketName"`
	SeedKeys            pulumi.StringArrayOutput `pulumi:"seedKeys"`
	// Probe targets: DeniedProbeBucket always; CrossRegionBucket and
	// CrossRegion are empty unless S3GatewayLabArgs.CrossRegion is set.
	DeniedProbeBucket pulumi.StringOutput `pulumi:"deniedProbeBucket"`
	CrossRegionBucket pulumi.StringOutput `pulumi:"crossRegionBucket"`
	CrossRegion       pulumi.StringOutput `pulumi:"crossRegion"`
	SecurityGroupID   pulumi.StringOutput `pulumi:"securityGroupId"`
	RoleARN           pulumi.StringOutput `pulumi:"roleArn"`
	// ProbeRoleARN and RestrictedRoleARN are the other functions' roles.
	ProbeRoleARN      pulumi.StringOutput `pulumi:"probeRoleArn"`
	RestrictedRoleARN pulumi.StringOutput `pulumi:"restrictedRoleArn"`

	// The variants' outputs; empty (or empty lists) when a variant is off.
	InternetEgress           pulumi.StringOutput      `pulumi:"internetEgress"`
	VPCCIDR                  pulumi.StringOutput      `pulumi:"vpcCidr"`
	PublicSubnetIDs          pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	InternetGatewayID        pulumi.StringOutput      `pulumi:"internetGatewayId"`
	NATGatewayID             pulumi.StringOutput      `pulumi:"natGatewayId"`
	S3InterfaceEndpointID    pulumi.StringOutput      `pulumi:"s3InterfaceEndpointId"`
	S3InterfaceDNS           pulumi.StringOutput      `pulumi:"s3InterfaceDns"`
	AccessPointARN           pulumi.StringOutput      `pulumi:"accessPointArn"`
	TableName                pulumi.StringOutput      `pulumi:"tableName"`
	DeniedTableName          pulumi.StringOutput      `pulumi:"deniedTableName"`
	DynamoDBEndpointID       pulumi.StringOutput      `pulumi:"dynamodbEndpointId"`
	DynamoDBEndpointPolicy   pulumi.StringOutput      `pulumi:"dynamodbEndpointPolicy"`
	InterfaceEndpointIDs     pulumi.StringMapOutput   `pulumi:"interfaceEndpointIds"`
	RestrictedSubnetIDs      pulumi.StringArrayOutput `pulumi:"restrictedSubnetIds"`
	RestrictedRouteTableIDs  pulumi.StringArrayOutput `pulumi:"restrictedRouteTableIds"`
	RestrictedEndpointID     pulumi.StringOutput      `pulumi:"restrictedEndpointId"`
	RestrictedEndpointPolicy pulumi.StringOutput      `pulumi:"restrictedEndpointPolicy"`
	RestrictedPrefix         pulumi.StringOutput      `pulumi:"restrictedPrefix"`
	RestrictedFunctionName   pulumi.StringOutput      `pulumi:"restrictedFunctionName"`
	ProbeFunctionName        pulumi.StringOutput      `pulumi:"probeFunctionName"`
	FlowLogs                 pulumi.StringOutput      `pulumi:"flowLogs"`
	FlowLogID                pulumi.StringOutput      `pulumi:"flowLogId"`
	FlowLogDestination       pulumi.StringOutput      `pulumi:"flowLogDestination"`
	// AdminPrincipalARNs may manage the lab bucket from outside the VPC.
	AdminPrincipalARNs pulumi.StringArrayOutput `pulumi:"adminPrincipalArns"`
	LogGroupName       pulumi.StringOutput      `pulumi:"logGroupName"`
	FunctionName       pulumi.StringOutput      `pulumi:"functionName"`
	FunctionARN        pulumi.StringOutput      `pulumi:"functionArn"`
}

// facts are what the lab looks up before it registers anything.
type facts struct {
	partition   string
	region      string
	accountID   string
	deployerARN string
	admins      []string
	zones       []zone
}

// zone is an availability zone: its name, which maps to a different physical
// zone in each account, and its ID, which does not.
type zone struct {
	name, id string
}

// NewS3GatewayLab validates args, looks up the region's facts, and registers
// the lab. Bad settings fail before any resource is registered.
func NewS3GatewayLab(ctx *pulumi.Context, name string, args *S3GatewayLabArgs, opts ...pulumi.ResourceOption) (*S3GatewayLab, error) {
	if args == nil {
		return nil, fmt.Errorf("new %s %q: args are required", S3GatewayLabType, name)
	}
	l, err := args.validate()
	if err != nil {
		return nil, err
	}
	if args.HandlerCode == nil {
		return nil, fmt.Errorf("new %s %q: HandlerCode is not set: build it with internal/program/handlerbuild", S3GatewayLabType, name)
	}
	f, err := lookUpFacts(ctx, l)
	if err != nil {
		return nil, err
	}

	comp := &S3GatewayLab{}
	if err := ctx.RegisterComponentResource(S3GatewayLabType, name, comp, opts...); err != nil {
		return nil, fmt.Errorf("register %s %q: %w", S3GatewayLabType, name, err)
	}
	b := &builder{ctx: ctx, name: name, lab: l, facts: f, comp: comp, child: pulumi.Parent(comp)}
	// Each variant is a step that does nothing when its setting is off.
	for _, step := range []func() error{
		b.vpc, b.functionRole, b.eniPolicy, b.subnets, b.natEgress, b.restrictedNetwork,
		b.bucket, b.accessPoint, b.endpoint, b.restrictedTier, b.dynamoDB,
		b.logGroups, b.securityGroups, b.s3InterfaceEndpoint, b.interfaceEndpoints,
		b.bucketPolicy, b.seedObjects, b.probeBuckets, b.flowLogs,
		b.functions,
	} {
		if err := step(); err != nil {
			return nil, fmt.Errorf("lab %q: %w", name, err)
		}
	}

	comp.Region = pulumi.String(f.region).ToStringOutput()
	comp.InternetEgress = pulumi.String(l.InternetEgress).ToStringOutput()
	comp.VPCCIDR = pulumi.String(l.vpc.String()).ToStringOutput()
	comp.FlowLogs = pulumi.String(l.FlowLogs).ToStringOutput()
	comp.RestrictedPrefix = pulumi.String("").ToStringOutput()
	if l.RestrictedTier {
		comp.RestrictedPrefix = pulumi.String(l.RestrictedPrefix).ToStringOutput()
	}
	comp.SeedKeys = pulumi.ToStringArray(l.seedKeys).ToStringArrayOutput()
	comp.AdminPrincipalARNs = pulumi.ToStringArray(f.admins).ToStringArrayOutput()
	var names, ids []string
	for _, z := range f.zones {
		names, ids = append(names, z.name), append(ids, z.id)
	}
	comp.AvailabilityZones = pulumi.ToStringArray(names).ToStringArrayOutput()
	comp.AvailabilityZoneIDs = pulumi.ToStringArray(ids).ToStringArrayOutput()
	if err := ctx.RegisterResourceOutputs(comp, comp.Outputs()); err != nil {
		return nil, fmt.Errorf("register outputs of %q: %w", name, err)
	}
	return comp, nil
}

// Outputs are the component's outputs by their names, the fields' pulumi
// tags: what it registers as its outputs, and what a stack exports of it.
// Each field is a field of contract.StackOutputs, whose json tag is the same
// name (TestOutputsAreTheContract), which the verifier decodes.
func (comp *S3GatewayLab) Outputs() pulumi.Map {
	m := pulumi.Map{}
	v := reflect.ValueOf(comp).Elem()
	for i := range v.NumField() {
		if name, ok := v.Type().Field(i).Tag.Lookup("pulumi"); ok {
			m[name] = v.Field(i).Interface().(pulumi.Output)
		}
	}
	return m
}

// lookUpFacts reads the region, account, deployer and availability zones.
// The invokes use the default AWS provider of the stack.
func lookUpFacts(ctx *pulumi.Context, l *lab) (*facts, error) {
	region, err := aws.GetRegion(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("look up region: %w", err)
	}
	partition, err := aws.GetPartition(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("look up partition: %w", err)
	}
	caller, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("look up caller identity: %w", err)
	}
	// The caller is often an STS session (assumed-role ARN); policies must
	// name the role behind it, which aws:PrincipalArn carries.
	session, err := iam.GetSessionContext(ctx, &iam.GetSessionContextArgs{Arn: caller.Arn})
	if err != nil {
		return nil, fmt.Errorf("look up session issuer of %s: %w", caller.Arn, err)
	}
	state := "available"
	zones, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State: &state,
		// Local and Wavelength zones need an opt-in and lack services.
		Filters: []aws.GetAvailabilityZonesFilter{{Name: "opt-in-status", Values: []string{"opt-in-not-required"}}},
	})
	if err != nil {
		return nil, fmt.Errorf("look up availability zones: %w", err)
	}
	if len(zones.Names) != len(zones.ZoneIds) {
		return nil, fmt.Errorf("look up availability zones: %d names but %d zone IDs", len(zones.Names), len(zones.ZoneIds))
	}
	var available []zone
	for i, name := range zones.Names {
		available = append(available, zone{name: name, id: zones.ZoneIds[i]})
	}
	f := &facts{
		partition:   partition.Partition,
		region:      region.Name,
		accountID:   caller.AccountId,
		deployerARN: session.IssuerArn,
	}
	// Problems found with the facts are reported together, as validate does.
	var errs settingErrors
	lacking, err := lookUpEndpointZones(ctx, l, region.Name, available)
	if err != nil {
		return nil, err
	}
	f.zones = chooseZones(l, region.Name, available, lacking, &errs)
	if l.CrossRegion == region.Name {
		errs.add("crossRegion", l.CrossRegion, "is the stack's own region: accepted another region, or empty")
	}
	var warning string
	f.admins, warning = chooseAdmins(l, f, ctx.DryRun(), &errs)
	if l.PermissionsBoundaryARN != "" {
		m := boundaryARNRE.FindStringSubmatch(l.PermissionsBoundaryARN)
		if m[1] != f.partition || (m[2] != f.accountID && m[2] != "aws") {
			errs.add("permissionsBoundaryArn", l.PermissionsBoundaryARN, "not of this stack's partition and account: accepted a policy of arn:%s:iam::%s or an AWS managed policy (arn:%s:iam::aws:policy/...)",
				f.partition, f.accountID, f.partition)
		}
	}
	if err := errs.join(); err != nil {
		return nil, err
	}
	if warning != "" {
		if err := ctx.Log.Warn(warning, nil); err != nil {
			return nil, fmt.Errorf("warn: %w", err)
		}
	}
	return f, nil
}

// chooseZones returns the explicit zones if they all exist in the region and
// none is excluded, otherwise the first AZCount available zones whose IDs are
// not excluded. Problems go to errs.
func chooseZones(l *lab, region string, available []zone, lacking map[string]string, errs *settingErrors) []zone {
	var usable []zone
	var accepted []string
	for _, z := range available {
		if !slices.Contains(l.ExcludeZoneIDs, z.id) && lacking[z.name] == "" {
			usable = append(usable, z)
			accepted = append(accepted, fmt.Sprintf("%s (%s)", z.name, z.id))
		}
	}
	if len(l.AvailabilityZones) > 0 {
		var chosen []zone
		for _, name := range l.AvailabilityZones {
			i := slices.IndexFunc(available, func(z zone) bool { return z.name == name })
			switch {
			case i < 0:
				errs.add("availabilityZones", l.AvailabilityZones, "%q is not an available zone of %s that needs no opt-in: accepted %v",
					name, region, accepted)
			case slices.Contains(l.ExcludeZoneIDs, available[i].id):
				errs.add("availabilityZones", l.AvailabilityZones, "%q is zone %s, which excludeZoneIds excludes: accepted %v",
					name, available[i].id, accepted)
			case lacking[name] != "":
				errs.add("availabilityZones", l.AvailabilityZones, "%q has no interface endpoint of %s: accepted %v",
					name, lacking[name], accepted)
			default:
				chosen = append(chosen, available[i])
			}
		}
		return chosen
	}
	if l.AZCount > len(usable) {
		errs.add("azCount", l.AZCount, "%s has only %d availability zones that need no opt-in, are not excluded (excludeZoneIds %v) and offer every interface endpoint the lab uses: accepted %d to %d",
			region, len(usable), l.ExcludeZoneIDs, MinAZCount, len(usable))
		return nil
	}
	return usable[:l.AZCount]
}

// lookUpEndpointZones returns, for each zone that some interface endpoint
// service of the lab does not offer, the name of one such service: an
// interface endpoint can only have a network interface in a zone its
// service is offered in, and not every service is offered in every zone
// (aws ec2 describe-vpc-endpoint-services lists them per service).
func lookUpEndpointZones(ctx *pulumi.Context, l *lab, region string, available []zone) (map[string]string, error) {
	var services []string
	if l.has(EndpointInterface) {
		services = append(services, "s3")
	}
	services = append(services, l.InterfaceEndpoints...)
	if len(services) == 0 {
		return nil, nil
	}
	lacking := map[string]string{}
	for _, svc := range services {
		name, typ := fmt.Sprintf("com.amazonaws.%s.%s", region, svc), "Interface"
		// S3 has a gateway and an interface service of the same name.
		es, err := ec2.LookupVpcEndpointService(ctx, &ec2.LookupVpcEndpointServiceArgs{ServiceName: &name, ServiceType: &typ})
		if err != nil {
			return nil, fmt.Errorf("look up endpoint service %s: %w", name, err)
		}
		for _, z := range available {
			if !slices.Contains(es.AvailabilityZones, z.name) && lacking[z.name] == "" {
				lacking[z.name] = svc
			}
		}
	}
	return lacking, nil
}

// chooseAdmins returns the bucket's admin principals: the configured ones,
// which must be of the stack's partition and account and must include the
// identity running the update (or it would lock itself out of the bucket),
// or else that identity alone. A preview (dryRun) by an identity outside
// the list, such as a read-only preview role, only warns: it changes
// nothing; `up` refuses it.
func chooseAdmins(l *lab, f *facts, dryRun bool, errs *settingErrors) (admins []string, warning string) {
	if len(l.AdminPrincipalARNs) == 0 {
		return []string{f.deployerARN}, ""
	}
	for _, arn := range l.AdminPrincipalARNs {
		m := principalARNRE.FindStringSubmatch(arn)
		if m[1] != f.partition || m[2] != f.accountID {
			errs.add("adminPrincipalArns", fmt.Sprintf("%q", arn), "not of this stack's account: accepted IAM roles and users of arn:%s:iam::%s",
				f.partition, f.accountID)
		}
	}
	if !slices.ContainsFunc(l.AdminPrincipalARNs, func(pattern string) bool { return policy.ArnLike(pattern, f.deployerARN) }) {
		if dryRun {
			warning = fmt.Sprintf("adminPrincipalArns does not include %s, which runs this preview: fine for a preview, "+
				"but an update by it would lose access to the lab bucket, so `pulumi up` refuses it", f.deployerARN)
		} else {
			errs.add("adminPrincipalArns", l.AdminPrincipalARNs, "does not include %s, which runs this update: it would lose access to the lab bucket; add it",
				f.deployerARN)
		}
	}
	return slices.Clone(l.AdminPrincipalARNs), warning
}

// builder registers the lab's children, step by step.
type builder struct {
	ctx   *pulumi.Context
	name  string
	lab   *lab
	facts *facts
	comp  *S3GatewayLab
	child pulumi.ResourceOption

	// What later steps need beyond the component's own outputs (b.comp),
	// which the steps fill in as they go.
	// roles are the functions' execution roles, by kind (roleLab, ...).
	roles      map[string]execRole
	labBucket  *lockedBucket
	policyDeps []pulumi.Resource
	// eniPolicies must outlive the functions' network: the subnets, the
	// security groups and the functions depend on them.
	eniPolicies []pulumi.Resource
	// routeTables are the private route tables, for the NAT routes.
	routeTables []*ec2.RouteTable
	// gateway is the S3 gateway endpoint, if any; s3EndpointIDs are all the
	// S3 endpoints the bucket admits reads through.
	gateway       *ec2.VpcEndpoint
	s3EndpointIDs pulumi.StringArray
	// The DynamoDB variant's table ARNs (empty when off).
	tableARN, deniedTableARN pulumi.StringOutput
	// prefixLists caches the AWS-managed prefix list IDs by service.
	prefixLists map[string]string
	// The functions' log groups (lab, probe, restricted) and their ARNs.
	logs         []*cloudwatch.LogGroup
	logGroupARNs pulumi.StringArrayOutput
	// The functions' security groups; clientSGs may reach the interface
	// endpoints.
	fnSG, probeSG, restrictedSG *ec2.SecurityGroup
	clientSGs                   pulumi.StringArray
}

// tags returns the user's tags plus a Name tag for the console.
func (b *builder) tags(name string) pulumi.StringMap {
	m := pulumi.StringMap{"Name": pulumi.String(name)}
	for k, v := range b.lab.Tags {
		m[k] = pulumi.String(v)
	}
	return m
}

// policyInputs resolves the facts every policy is built from.
func (b *builder) policyInputs() policy.Inputs {
	return policy.Inputs{
		Partition:          b.facts.partition,
		Region:             b.facts.region,
		AccountID:          b.facts.accountID,
		AdminPrincipalARNs: b.facts.admins,
	}
}

// pendingInputs are the policy inputs that other resources' outputs give,
// known only at deployment time. Each one set replaces the same field of
// the known policy.Inputs once resolved; unset ones leave it as it is.
type pendingInputs struct {
	BucketName, AccessPointARN, FunctionRoleARN, VPCID pulumi.StringInput
	TableARN, DeniedTableARN, DeniedProbeBucket        pulumi.StringInput
	FlowLogGroupARN                                    pulumi.StringInput
	EndpointIDs, LogGroupARNs, ProbeBuckets            pulumi.StringArrayInput
}

// resolved pairs each set input with the field of policy.Inputs it fills.
func (p pendingInputs) resolved() (inputs []any, fill []func(*policy.Inputs, any)) {
	strs := []struct {
		input pulumi.StringInput
		field func(*policy.Inputs) *string
	}{
		{p.BucketName, func(in *policy.Inputs) *string { return &in.BucketName }},
		{p.AccessPointARN, func(in *policy.Inputs) *string { return &in.AccessPointARN }},
		{p.FunctionRoleARN, func(in *policy.Inputs) *string { return &in.FunctionRoleARN }},
		{p.VPCID, func(in *policy.Inputs) *string { return &in.VPCID }},
		{p.TableARN, func(in *policy.Inputs) *string { return &in.TableARN }},
		{p.DeniedTableARN, func(in *policy.Inputs) *string { return &in.DeniedTableARN }},
		{p.DeniedProbeBucket, func(in *policy.Inputs) *string { return &in.DeniedProbeBucket }},
		{p.FlowLogGroupARN, func(in *policy.Inputs) *string { return &in.FlowLogGroupARN }},
	}
	for _, s := range strs {
		if s.input != nil {
			inputs = append(inputs, s.input)
			fill = append(fill, func(in *policy.Inputs, v any) { *s.field(in) = v.(string) })
		}
	}
	lists := []struct {
		input pulumi.StringArrayInput
		field func(*policy.Inputs) *[]string
	}{
		{p.EndpointIDs, func(in *policy.Inputs) *[]string { return &in.EndpointIDs }},
		{p.LogGroupARNs, func(in *policy.Inputs) *[]string { return &in.LogGroupARNs }},
		{p.ProbeBuckets, func(in *policy.Inputs) *[]string { return &in.ProbeBuckets }},
	}
	for _, l := range lists {
		if l.input != nil {
			inputs = append(inputs, l.input)
			fill = append(fill, func(in *policy.Inputs, v any) { *l.field(in) = v.([]string) })
		}
	}
	return inputs, fill
}

// policyJSON renders the policy build makes from the known inputs and the
// pending ones, once these are resolved. The resource that takes it depends
// on every pending input's resource.
func policyJSON(known policy.Inputs, pending pendingInputs, build func(policy.Inputs) policy.Document) pulumi.StringOutput {
	inputs, fill := pending.resolved()
	return pulumi.All(inputs...).ApplyT(func(values []any) (string, error) {
		// A copy of known to fill: Pulumi may run applies at the same
		// time, so none may write to inputs another reads.
		in := known
		for i, v := range values {
			fill[i](&in, v)
		}
		return build(in).JSON()
	}).(pulumi.StringOutput)
}
