package components

import (
	"fmt"
	"slices"
	"strconv"

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

// functionRole registers the execution role with its trust policy only; its
// permissions come in function, once the resources they name exist.
func (b *builder) functionRole() error {
	trust, err := AssumeRolePolicy(b.policyInputs()).JSON()
	if err != nil {
		return fmt.Errorf("function role trust policy: %w", err)
	}
	role, err := iam.NewRole(b.ctx, b.name+"-fn-role", &iam.RoleArgs{
		Description:      pulumi.String("Execution role of the S3 gateway endpoint lab's function"),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             b.tags(b.name + "-fn-role"),
	}, b.child)
	if err != nil {
		return fmt.Errorf("function role: %w", err)
	}
	b.roleName = role.Name
	b.comp.RoleARN = role.Arn
	return nil
}

// eniPolicy registers the role's network policy (ENIPolicy): before the
// subnets, the function's security group and the function, which depend on
// it, so that it is deleted after them.
func (b *builder) eniPolicy() error {
	in := b.policyInputs()
	p, err := iam.NewRolePolicy(b.ctx, b.name+"-fn-eni-policy", &iam.RolePolicyArgs{
		Role: b.roleName,
		Policy: policyJSON(func(args []any) PolicyDocument {
			in.VPCID = args[0].(string)
			return ENIPolicy(in)
		}, b.comp.VPCID),
	}, b.child)
	if err != nil {
		return fmt.Errorf("function role ENI policy: %w", err)
	}
	b.eniRolePolicy = p
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
		pl, err := b.s3PrefixList()
		if err != nil {
			return err
		}
		rule := https443("HTTPS to Amazon S3 through the gateway endpoint")
		if !b.lab.has(EndpointGateway) {
			rule = https443("HTTPS to the public addresses of Amazon S3 through the NAT gateway")
		}
		rule.PrefixListIds = pulumi.StringArray{pl}
		egress = append(egress, rule)
	}
	if b.lab.DynamoDB {
		rule := https443("HTTPS to DynamoDB through the gateway endpoint")
		rule.PrefixListIds = pulumi.StringArray{b.dynamoDBPrefixList}
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
	sg, err := ec2.NewSecurityGroup(b.ctx, b.name+"-fn-sg", &ec2.SecurityGroupArgs{
		VpcId:       b.comp.VPCID,
		Description: pulumi.String("Lab function: no ingress, HTTPS to S3 through the gateway endpoint only"),
		Egress:      egress,
		Tags:        b.tags(b.name + "-fn-sg"),
	}, b.child, pulumi.DependsOn([]pulumi.Resource{b.eniRolePolicy}))
	if err != nil {
		return fmt.Errorf("function security group: %w", err)
	}
	b.comp.SecurityGroupID = sg.ID().ToStringOutput()

	anywhere := https443("HTTPS anywhere: the probes must be stopped by routes and endpoint policies, not here")
	anywhere.CidrBlocks = pulumi.StringArray{pulumi.String("0.0.0.0/0")}
	probe, err := ec2.NewSecurityGroup(b.ctx, b.name+"-probe-sg", &ec2.SecurityGroupArgs{
		VpcId:       b.comp.VPCID,
		Description: pulumi.String("Lab probe function: no ingress, HTTPS anywhere so that routes and endpoint policies are what refuse its probes"),
		Egress:      ec2.SecurityGroupEgressArray{anywhere},
		Tags:        b.tags(b.name + "-probe-sg"),
	}, b.child, pulumi.DependsOn([]pulumi.Resource{b.eniRolePolicy}))
	if err != nil {
		return fmt.Errorf("probe function security group: %w", err)
	}
	b.probeSG = probe
	b.clientSGs = pulumi.StringArray{sg.ID(), probe.ID()}
	b.fnSG = sg

	if b.lab.RestrictedTier {
		rule := https443("HTTPS to Amazon S3 through the gateway endpoint of the restricted tier")
		rule.PrefixListIds = pulumi.StringArray{b.comp.PrefixListID}
		restricted, err := ec2.NewSecurityGroup(b.ctx, b.name+"-restricted-sg", &ec2.SecurityGroupArgs{
			VpcId:       b.comp.VPCID,
			Description: pulumi.String("Lab restricted-tier function: no ingress, HTTPS to S3 through its gateway endpoint only"),
			Egress:      ec2.SecurityGroupEgressArray{rule},
			Tags:        b.tags(b.name + "-restricted-sg"),
		}, b.child, pulumi.DependsOn([]pulumi.Resource{b.eniRolePolicy}))
		if err != nil {
			return fmt.Errorf("restricted function security group: %w", err)
		}
		b.restrictedSG = restricted
	}
	return nil
}

// functions registers the role's data policy and the lab's functions, all
// running the same handler with the same environment:
//   - the lab function, in the private subnets: the listing and the claims
//     that something works (access point, interface endpoint, DynamoDB, STS);
//   - the probe function, in the same subnets: the claims that a path is
//     closed (internet, other buckets, other region, other tables);
//   - with restrictedTier, the restricted function in the restricted subnets.
func (b *builder) functions() error {
	in := b.policyInputs()
	in.BedrockModelID = ""
	if slices.Contains(b.lab.InterfaceEndpoints, "bedrock-runtime") {
		in.BedrockModelID = b.lab.BedrockModelID
	}
	rolePolicy, err := iam.NewRolePolicy(b.ctx, b.name+"-fn-role-policy", &iam.RolePolicyArgs{
		Role: b.roleName,
		Policy: policyJSON(func(args []any) PolicyDocument {
			in.BucketName = args[0].(string)
			in.LogGroupARNs = args[1].([]string)
			in.TableARN, in.DeniedTableARN = args[2].(string), args[3].(string)
			for _, probe := range args[4:] {
				if name := probe.(string); name != "" {
					in.ProbeBuckets = append(in.ProbeBuckets, name)
				}
			}
			return RolePolicy(in)
		}, b.comp.BucketName, b.logGroupARNs, b.tableARN, b.deniedTableARN, b.comp.DeniedProbeBucket, b.comp.CrossRegionBucket),
	}, b.child)
	if err != nil {
		return fmt.Errorf("function role policy: %w", err)
	}
	env := b.environment()
	deps := []pulumi.Resource{rolePolicy, b.eniRolePolicy}

	fn, err := b.function(b.name+"-fn", "Lists the lab bucket through the VPC's S3 endpoints and proves the paths that must work",
		b.comp.PrivateSubnetIDs, b.fnSG, b.logs[0], env, deps)
	if err != nil {
		return err
	}
	b.comp.FunctionName = fn.Name
	b.comp.FunctionARN = fn.Arn

	probe, err := b.function(b.name+"-probe-fn", "Probes the paths the lab claims are closed, from the private subnets",
		b.comp.PrivateSubnetIDs, b.probeSG, b.logs[1], env, deps)
	if err != nil {
		return err
	}
	b.comp.ProbeFunctionName = probe.Name

	b.comp.RestrictedFunctionName = pulumi.String("").ToStringOutput()
	if b.lab.RestrictedTier {
		restricted, err := b.function(b.name+"-restricted-fn", "Reads the lab bucket from the restricted tier, whose endpoint admits one prefix",
			b.comp.RestrictedSubnetIDs, b.restrictedSG, b.logs[2], env, deps)
		if err != nil {
			return err
		}
		b.comp.RestrictedFunctionName = restricted.Name
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
func (b *builder) function(name, description string, subnetIDs pulumi.StringArrayOutput, sg *ec2.SecurityGroup,
	logs *cloudwatch.LogGroup, env pulumi.StringMap, deps []pulumi.Resource) (*lambda.Function, error) {
	fn, err := lambda.NewFunction(b.ctx, name, &lambda.FunctionArgs{
		Description:   pulumi.String(description),
		Role:          b.comp.RoleARN,
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
		// role, which ENIPolicy allows.
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
