package components

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// Function settings fixed by the lab.
const (
	FunctionRuntime      = "provided.al2023"
	FunctionArchitecture = "arm64"
	FunctionHandler      = "bootstrap"
	HTTPSPort            = 443
)

// execRole is the execution role of one of the lab's functions.
type execRole struct {
	name pulumi.StringOutput
	arn  pulumi.StringOutput
}

// roleKinds are the lab's functions, each with a role of its own, so that
// each holds only what it uses: the probe function, whose security group
// lets HTTPS go anywhere, cannot read the lab's data, and the endpoint,
// access point and bucket policies that name the lab function's role admit
// no other function.
const (
	roleLab        = "fn"
	roleProbe      = "probe"
	roleRestricted = "restricted"
)

// roleNames are the functions that run in a stack, in registration order.
func (b *builder) roleNames() []string {
	kinds := []string{roleLab, roleProbe}
	if b.lab.RestrictedTier {
		kinds = append(kinds, roleRestricted)
	}
	return kinds
}

// roleResourceName is the logical name of a role's resources: lab-fn-role
// (as before the other functions existed), lab-probe-role, ...
func (b *builder) roleResourceName(kind string) string {
	return b.name + "-" + kind + "-role"
}

// functionRole registers the execution roles with their trust policy only;
// their permissions come later, once the resources they name exist.
func (b *builder) functionRole() error {
	trust, err := policy.AssumeRole(b.policyInputs()).JSON()
	if err != nil {
		return fmt.Errorf("function role trust policy: %w", err)
	}
	descriptions := map[string]string{
		roleLab:        "Execution role of the S3 gateway endpoint lab's function",
		roleProbe:      "Execution role of the S3 gateway endpoint lab's probe function: lists the probe targets only",
		roleRestricted: "Execution role of the S3 gateway endpoint lab's restricted-tier function",
	}
	b.roles = map[string]execRole{}
	for _, kind := range b.roleNames() {
		name := b.roleResourceName(kind)
		role, err := iam.NewRole(b.ctx, name, b.roleArgs(&iam.RoleArgs{
			Description:      pulumi.String(descriptions[kind]),
			AssumeRolePolicy: pulumi.String(trust),
			Tags:             b.tags(name),
		}), b.child)
		if err != nil {
			return fmt.Errorf("role %s: %w", name, err)
		}
		b.roles[kind] = execRole{name: role.Name, arn: role.Arn}
	}
	b.comp.RoleARN = b.roles[roleLab].arn
	b.comp.ProbeRoleARN = b.roles[roleProbe].arn
	b.comp.RestrictedRoleARN = pulumi.String("").ToStringOutput()
	if r, ok := b.roles[roleRestricted]; ok {
		b.comp.RestrictedRoleARN = r.arn
	}
	return nil
}

// roleArgs adds the organization's settings to a role the lab creates: its
// path (iamPath), and its permissions boundary (permissionsBoundaryArn),
// which caps whatever its policies grant. The defaults leave the inputs as
// they were: "/" is AWS's own default path.
func (b *builder) roleArgs(args *iam.RoleArgs) *iam.RoleArgs {
	if b.lab.IAMPath != "/" {
		args.Path = pulumi.String(b.lab.IAMPath)
	}
	if b.lab.PermissionsBoundaryARN != "" {
		args.PermissionsBoundary = pulumi.String(b.lab.PermissionsBoundaryARN)
	}
	return args
}

// eniPolicy registers each role's network policy (policy.ENI): before the
// subnets, the security groups and the functions, which depend on all of
// them, so that they are deleted after them.
func (b *builder) eniPolicy() error {
	in := b.policyInputs()
	for _, kind := range b.roleNames() {
		// lab-fn-eni-policy, lab-probe-eni-policy, ...
		p, err := iam.NewRolePolicy(b.ctx, b.name+"-"+kind+"-eni-policy", &iam.RolePolicyArgs{
			Role:   b.roles[kind].name,
			Policy: policyJSON(in, pendingInputs{VPCID: b.comp.VPCID}, policy.ENI),
		}, b.child)
		if err != nil {
			return fmt.Errorf("%s role ENI policy: %w", kind, err)
		}
		b.eniPolicies = append(b.eniPolicies, p)
	}
	return nil
}

// functionLogGroup registers the log group of a lab function.
func (b *builder) functionLogGroup(name string) (*cloudwatch.LogGroup, error) {
	// Deviations: Checkov CKV_AWS_158 (KMS-encrypted log group; the logs hold
	// listings of lab keys only, and the AWS-owned key encrypts them) and
	// CKV_AWS_338 (one-year retention; a lab's logs expire by design).
	// The lab function's prefix predates the other functions and stays as
	// it is: a new prefix would replace its log group.
	prefix := "/aws/lambda/" + name + "-"
	if name == b.name+"-fn" {
		prefix = "/aws/lambda/" + b.name + "-"
	}
	logs, err := cloudwatch.NewLogGroup(b.ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.String(prefix),
		RetentionInDays: pulumi.Int(b.lab.LogRetentionDays),
		Tags:            b.tags(name + "-logs"),
	}, b.child)
	if err != nil {
		return nil, fmt.Errorf("log group of %s: %w", name, err)
	}
	return logs, nil
}

// logGroups registers the log groups of the lab's functions, before the
// functions, so that no log line is lost and nothing else creates them.
func (b *builder) logGroups() error {
	names := []string{b.name + "-fn", b.name + "-probe-fn"}
	if b.lab.RestrictedTier {
		names = append(names, b.name+"-restricted-fn")
	}
	var arns pulumi.StringArray
	for _, name := range names {
		logs, err := b.functionLogGroup(name)
		if err != nil {
			return err
		}
		b.logs = append(b.logs, logs)
		arns = append(arns, logs.Arn)
	}
	b.logGroupARNs = arns.ToStringArrayOutput()
	b.comp.LogGroupName = b.logs[0].Name
	return nil
}

// https443 is an egress rule for HTTPS.
func https443(description string) *ec2.SecurityGroupEgressArgs {
	return &ec2.SecurityGroupEgressArgs{
		Description: pulumi.String(description),
		Protocol:    pulumi.String("tcp"),
		FromPort:    pulumi.Int(HTTPSPort),
		ToPort:      pulumi.Int(HTTPSPort),
	}
}

// httpsToPrefixList is an HTTPS egress rule, with description, to the AWS
// managed prefix list of service ("s3", "dynamodb").
func (b *builder) httpsToPrefixList(service, description string) (*ec2.SecurityGroupEgressArgs, error) {
	pl, err := b.managedPrefixList(service)
	if err != nil {
		return nil, err
	}
	rule := https443(description)
	rule.PrefixListIds = pulumi.StringArray{pl}
	return rule, nil
}

// securityGroups registers the functions' security groups, none with
// ingress. DNS needs no rule: the VPC resolver is not filtered by security
// groups.
//
//   - The lab function's: HTTPS to S3 through the S3 endpoints only (and,
//     with the variants, to the DynamoDB endpoint and to the interface
//     endpoints in the private subnets). Its description stays as it was
//     for the core lab, since EC2 cannot change a description in place and
//     a new group would replace the function's; each rule says what it is.
//   - The probe function's: HTTPS anywhere. A deliberate deviation from the
//     lab's least-privilege egress (Checkov CKV_AWS_382 flags open egress):
//     its probes must be refused by the route tables and the endpoint
//     policies, not by a security group, or they would prove nothing about
//     the network the articles are about.
//   - The restricted tier's function's: HTTPS to S3 through its endpoint.
func (b *builder) securityGroups() error {
	var egress ec2.SecurityGroupEgressArray
	if b.lab.has(EndpointGateway) || len(b.lab.S3Endpoints) == 0 {
		description := "HTTPS to Amazon S3 through the gateway endpoint"
		if !b.lab.has(EndpointGateway) {
			description = "HTTPS to the public addresses of Amazon S3 through the NAT gateway"
		}
		rule, err := b.httpsToPrefixList("s3", description)
		if err != nil {
			return err
		}
		egress = append(egress, rule)
	}
	if b.lab.DynamoDB {
		rule, err := b.httpsToPrefixList("dynamodb", "HTTPS to DynamoDB through the gateway endpoint")
		if err != nil {
			return err
		}
		egress = append(egress, rule)
	}
	if b.lab.has(EndpointInterface) || len(b.lab.InterfaceEndpoints) > 0 {
		rule := https443("HTTPS to the interface endpoints in the private subnets")
		var cidrs pulumi.StringArray
		for _, p := range b.lab.subnets {
			cidrs = append(cidrs, pulumi.String(p.String()))
		}
		rule.CidrBlocks = cidrs
		egress = append(egress, rule)
	}
	sg, err := b.functionSG(b.name+"-fn-sg", "Lab function: no ingress, HTTPS to S3 through the gateway endpoint only", egress)
	if err != nil {
		return err
	}
	b.comp.SecurityGroupID = sg.ID().ToStringOutput()

	anywhere := https443("HTTPS anywhere: the probes must be stopped by routes and endpoint policies, not here")
	anywhere.CidrBlocks = pulumi.StringArray{pulumi.String("0.0.0.0/0")}
	probe, err := b.functionSG(b.name+"-probe-sg",
		"Lab probe function: no ingress, HTTPS anywhere so that routes and endpoint policies are what refuse its probes",
		ec2.SecurityGroupEgressArray{anywhere})
	if err != nil {
		return err
	}
	b.fnSG, b.probeSG = sg, probe
	b.clientSGs = pulumi.StringArray{sg.ID(), probe.ID()}

	if b.lab.RestrictedTier {
		rule, err := b.httpsToPrefixList("s3", "HTTPS to Amazon S3 through the gateway endpoint of the restricted tier")
		if err != nil {
			return err
		}
		if b.restrictedSG, err = b.functionSG(b.name+"-restricted-sg",
			"Lab restricted-tier function: no ingress, HTTPS to S3 through its gateway endpoint only",
			ec2.SecurityGroupEgressArray{rule}); err != nil {
			return err
		}
	}
	return nil
}

// functionSG registers a function's security group: no ingress, egress as
// given. Like the subnets, it depends on the roles' ENI policies, so that
// destroy deletes it before them.
func (b *builder) functionSG(name, description string, egress ec2.SecurityGroupEgressArray) (*ec2.SecurityGroup, error) {
	sg, err := ec2.NewSecurityGroup(b.ctx, name, &ec2.SecurityGroupArgs{
		VpcId:       b.comp.VPCID,
		Description: pulumi.String(description),
		Egress:      egress,
		Tags:        b.tags(name),
	}, b.child, pulumi.DependsOn(b.eniPolicies))
	if err != nil {
		return nil, fmt.Errorf("security group %s: %w", name, err)
	}
	return sg, nil
}

// functions registers the role's data policy and the lab's functions, all
// running the same handler with the same environment:
//   - the lab function, in the private subnets: the listing, the claims
//     that something works (access point, interface endpoint, DynamoDB, STS)
//     and the claims that its endpoint policies refuse something (another
//     bucket, another table, the bucket by name) or its security group does
//     (HTTPS to the internet);
//   - the probe function, in the same subnets: the claims that a network
//     path is closed (internet, other region);
//   - with restrictedTier, the restricted function in the restricted subnets.
func (b *builder) functions() error {
	in := b.policyInputs()
	if slices.Contains(b.lab.InterfaceEndpoints, "bedrock-runtime") {
		in.BedrockModelID = b.lab.BedrockModelID
	}
	in.RestrictedPrefix = b.lab.RestrictedPrefix
	policies := map[string]func(policy.Inputs) policy.Document{
		roleLab: policy.Role, roleProbe: policy.ProbeRole, roleRestricted: policy.RestrictedRole,
	}
	// The probe lists the other region's bucket, if any.
	probeBuckets := b.comp.CrossRegionBucket.ApplyT(func(name string) []string {
		if name == "" {
			return nil
		}
		return []string{name}
	}).(pulumi.StringArrayOutput)
	env := b.environment()
	descriptions := map[string]string{
		roleLab:        "Lists the lab bucket through the VPC's S3 endpoints and proves the paths that must work",
		roleProbe:      "Probes the paths the lab claims are closed, from the private subnets",
		roleRestricted: "Reads the lab bucket from the restricted tier, whose endpoint admits one prefix",
	}
	subnets := map[string]pulumi.StringArrayOutput{roleLab: b.comp.PrivateSubnetIDs, roleProbe: b.comp.PrivateSubnetIDs,
		roleRestricted: b.comp.RestrictedSubnetIDs}
	sgs := map[string]*ec2.SecurityGroup{roleLab: b.fnSG, roleProbe: b.probeSG, roleRestricted: b.restrictedSG}
	names := map[string]pulumi.StringOutput{}
	for i, kind := range b.roleNames() {
		// lab-fn-role-policy, lab-probe-role-policy, ...
		rp, err := iam.NewRolePolicy(b.ctx, b.roleResourceName(kind)+"-policy", &iam.RolePolicyArgs{
			Role: b.roles[kind].name,
			// Every role's policy takes the same inputs (each builder reads
			// its own), so each depends on the same resources.
			Policy: policyJSON(in, pendingInputs{BucketName: b.comp.BucketName, LogGroupARNs: pulumi.StringArray{b.logs[i].Arn},
				TableARN: b.tableARN, DeniedTableARN: b.deniedTableARN, DeniedProbeBucket: b.comp.DeniedProbeBucket,
				ProbeBuckets: probeBuckets}, policies[kind]),
		}, b.child)
		if err != nil {
			return fmt.Errorf("%s role policy: %w", kind, err)
		}
		// lab-fn, lab-probe-fn, lab-restricted-fn
		fnName := b.name + "-fn"
		if kind != roleLab {
			fnName = b.name + "-" + kind + "-fn"
		}
		fn, err := b.function(fnName, descriptions[kind], b.roles[kind].arn, subnets[kind], sgs[kind], b.logs[i], env,
			append([]pulumi.Resource{rp}, b.eniPolicies...))
		if err != nil {
			return err
		}
		names[kind] = fn.Name
		if kind == roleLab {
			b.comp.FunctionARN = fn.Arn
		}
	}
	b.comp.FunctionName, b.comp.ProbeFunctionName = names[roleLab], names[roleProbe]
	b.comp.RestrictedFunctionName = pulumi.String("").ToStringOutput()
	if name, ok := names[roleRestricted]; ok {
		b.comp.RestrictedFunctionName = name
	}
	return nil
}

// environment is the functions' environment: the lab's settings and every
// probe's target (contract.Env*). Variables of variants a stack does not
// deploy are left out.
func (b *builder) environment() pulumi.StringMap {
	env := pulumi.StringMap{
		contract.EnvBucket:                 b.comp.BucketName,
		contract.EnvMaxKeys:                pulumi.String(strconv.Itoa(b.lab.MaxKeys)),
		contract.EnvConnectTimeoutMS:       pulumi.String(strconv.Itoa(b.lab.ConnectTimeoutMS)),
		contract.EnvRequestTimeoutMS:       pulumi.String(strconv.Itoa(b.lab.RequestTimeoutMS)),
		contract.EnvProbeInternetURL:       pulumi.String(InternetProbeURL),
		contract.EnvProbeDeniedBucket:      b.comp.DeniedProbeBucket,
		contract.EnvProbeCrossRegionBucket: b.comp.CrossRegionBucket,
		contract.EnvProbeCrossRegion:       b.comp.CrossRegion,
	}
	if b.lab.has(EndpointInterface) {
		env[contract.EnvS3InterfaceDNS] = b.comp.S3InterfaceDNS
		env[contract.EnvVPCCIDR] = pulumi.String(b.lab.vpc.String())
	}
	if b.lab.AccessPoint {
		env[contract.EnvAccessPointARN] = b.comp.AccessPointARN
	}
	if b.lab.DynamoDB {
		env[contract.EnvTable] = b.comp.TableName
		env[contract.EnvTableKey] = pulumi.String(TableItemKey)
		env[contract.EnvProbeDeniedTable] = b.comp.DeniedTableName
	}
	if b.lab.RestrictedTier {
		env[contract.EnvAllowedKey] = pulumi.String(b.lab.allowedKey)
		env[contract.EnvDeniedKey] = pulumi.String(b.lab.deniedKey)
	}
	return env
}

// function registers one of the lab's functions.
//
// Deviations, deliberate for a synchronously invoked lab function:
// Checkov CKV_AWS_116 (dead-letter queue: never invoked asynchronously),
// CKV_AWS_115 (reserved concurrency: reserving would fail on new accounts
// whose concurrency limit is 10), CKV_AWS_173 (KMS for environment
// variables: they hold no secrets), CKV_AWS_272 (code signing), and
// CKV_AWS_50 (X-Ray: the private subnets have no route to X-Ray).
func (b *builder) function(name, description string, role pulumi.StringOutput, subnetIDs pulumi.StringArrayOutput,
	sg *ec2.SecurityGroup, logs *cloudwatch.LogGroup, env pulumi.StringMap, deps []pulumi.Resource) (*lambda.Function, error) {
	fn, err := lambda.NewFunction(b.ctx, name, &lambda.FunctionArgs{
		Description:   pulumi.String(description),
		Role:          role,
		Runtime:       pulumi.String(FunctionRuntime),
		Architectures: pulumi.StringArray{pulumi.String(FunctionArchitecture)},
		Handler:       pulumi.String(FunctionHandler),
		Code:          b.lab.HandlerCode,
		MemorySize:    pulumi.Int(b.lab.LambdaMemoryMB),
		Timeout:       pulumi.Int(b.lab.LambdaTimeoutSeconds),
		VpcConfig: &lambda.FunctionVpcConfigArgs{
			SubnetIds:        subnetIDs,
			SecurityGroupIds: pulumi.StringArray{sg.ID().ToStringOutput()},
		},
		// Detach the function's security group before deletion, so that
		// teardown does not wait 20-45 minutes for Lambda's ENIs: the
		// provider moves the function to the VPC's default security group
		// first, and Lambda creates interfaces there with the execution
		// role, which policy.ENI allows.
		ReplaceSecurityGroupsOnDestroy: pulumi.Bool(true),
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{
			LogFormat:           pulumi.String("JSON"),
			LogGroup:            logs.Name,
			ApplicationLogLevel: pulumi.String("INFO"),
			SystemLogLevel:      pulumi.String("WARN"),
		},
		Environment: &lambda.FunctionEnvironmentArgs{Variables: env},
		Tags:        b.tags(name),
	}, b.child, pulumi.DependsOn(append([]pulumi.Resource{logs}, deps...)))
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", name, err)
	}
	return fn, nil
}
