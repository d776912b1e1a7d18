package components

import (
	"fmt"
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

// function registers the security group, log group, role policy and the
// function itself, in all private subnets.
func (b *builder) function() error {
	// No ingress; egress only HTTPS to S3's prefix list, that is through the
	// gateway endpoint. DNS needs no rule: the VPC resolver is not filtered
	// by security groups.
	sg, err := ec2.NewSecurityGroup(b.ctx, b.name+"-fn-sg", &ec2.SecurityGroupArgs{
		VpcId:       b.comp.VPCID,
		Description: pulumi.String("Lab function: no ingress, HTTPS to S3 through the gateway endpoint only"),
		Egress: ec2.SecurityGroupEgressArray{&ec2.SecurityGroupEgressArgs{
			Description:   pulumi.String("HTTPS to Amazon S3 through the gateway endpoint"),
			Protocol:      pulumi.String("tcp"),
			FromPort:      pulumi.Int(HTTPSPort),
			ToPort:        pulumi.Int(HTTPSPort),
			PrefixListIds: pulumi.StringArray{b.comp.PrefixListID},
		}},
		Tags: b.tags(b.name + "-fn-sg"),
	}, b.child, pulumi.DependsOn([]pulumi.Resource{b.eniRolePolicy}))
	if err != nil {
		return fmt.Errorf("function security group: %w", err)
	}
	b.comp.SecurityGroupID = sg.ID().ToStringOutput()

	// Deviations: Checkov CKV_AWS_158 (KMS-encrypted log group; the logs hold
	// listings of lab keys only, and the AWS-owned key encrypts them) and
	// CKV_AWS_338 (one-year retention; a lab's logs expire by design).
	logs, err := cloudwatch.NewLogGroup(b.ctx, b.name+"-fn-logs", &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.String("/aws/lambda/" + b.name + "-"),
		RetentionInDays: pulumi.Int(b.lab.LogRetentionDays),
		Tags:            b.tags(b.name + "-fn-logs"),
	}, b.child)
	if err != nil {
		return fmt.Errorf("function log group: %w", err)
	}
	b.comp.LogGroupName = logs.Name

	in := b.policyInputs()
	rolePolicy, err := iam.NewRolePolicy(b.ctx, b.name+"-fn-role-policy", &iam.RolePolicyArgs{
		Role: b.roleName,
		Policy: policyJSON(func(args []any) PolicyDocument {
			in.BucketName = args[0].(string)
			in.LogGroupARN = args[1].(string)
			for _, probe := range args[2:] {
				if name := probe.(string); name != "" {
					in.ProbeBuckets = append(in.ProbeBuckets, name)
				}
			}
			return RolePolicy(in)
		}, b.comp.BucketName, logs.Arn, b.comp.DeniedProbeBucket, b.comp.CrossRegionBucket),
	}, b.child)
	if err != nil {
		return fmt.Errorf("function role policy: %w", err)
	}

	// Deviations, deliberate for a synchronously invoked lab function:
	// Checkov CKV_AWS_116 (dead-letter queue: never invoked asynchronously),
	// CKV_AWS_115 (reserved concurrency: reserving would fail on new accounts
	// whose concurrency limit is 10), CKV_AWS_173 (KMS for environment
	// variables: they hold no secrets), CKV_AWS_272 (code signing), and
	// CKV_AWS_50 (X-Ray: the private subnets have no route to X-Ray).
	fn, err := lambda.NewFunction(b.ctx, b.name+"-fn", &lambda.FunctionArgs{
		Description:   pulumi.String("Lists the lab bucket through the VPC's S3 gateway endpoint"),
		Role:          b.comp.RoleARN,
		Runtime:       pulumi.String(FunctionRuntime),
		Architectures: pulumi.StringArray{pulumi.String(FunctionArchitecture)},
		Handler:       pulumi.String(FunctionHandler),
		Code:          b.lab.HandlerCode,
		MemorySize:    pulumi.Int(b.lab.LambdaMemoryMB),
		Timeout:       pulumi.Int(b.lab.LambdaTimeoutSeconds),
		VpcConfig: &lambda.FunctionVpcConfigArgs{
			SubnetIds:        b.comp.PrivateSubnetIDs,
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
		Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			contract.EnvBucket:                 b.comp.BucketName,
			contract.EnvMaxKeys:                pulumi.String(strconv.Itoa(b.lab.MaxKeys)),
			contract.EnvConnectTimeoutMS:       pulumi.String(strconv.Itoa(b.lab.ConnectTimeoutMS)),
			contract.EnvRequestTimeoutMS:       pulumi.String(strconv.Itoa(b.lab.RequestTimeoutMS)),
			contract.EnvProbeInternetURL:       pulumi.String(InternetProbeURL),
			contract.EnvProbeDeniedBucket:      b.comp.DeniedProbeBucket,
			contract.EnvProbeCrossRegionBucket: b.comp.CrossRegionBucket,
			contract.EnvProbeCrossRegion:       b.comp.CrossRegion,
		}},
		Tags: b.tags(b.name + "-fn"),
	}, b.child, pulumi.DependsOn([]pulumi.Resource{logs, rolePolicy, b.eniRolePolicy}))
	if err != nil {
		return fmt.Errorf("function: %w", err)
	}
	b.comp.FunctionName = fn.Name
	b.comp.FunctionARN = fn.Arn
	return nil
}
