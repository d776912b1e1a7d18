package components

import (
	"fmt"
	"strings"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// accessPoint registers the lab bucket's access point with VPC network
// origin (lab document 004): S3 refuses every request to it that does not
// come from the lab VPC. Its policy lets the function role list and read
// through it. Access point names are unique per account and region, so the
// name carries the bucket name's unique suffix; the ARN is known from the
// name, so the policy needs no second resource.
func (b *builder) accessPoint() error {
	if !b.lab.AccessPoint {
		b.comp.AccessPointARN = pulumi.String("").ToStringOutput()
		return nil
	}
	name := b.comp.BucketName.ApplyT(AccessPointName).(pulumi.StringOutput)
	arn := pulumi.Sprintf("arn:%s:s3:%s:%s:accesspoint/%s", b.facts.partition, b.facts.region, b.facts.accountID, name)
	in := b.policyInputs()
	doc := policyJSON(in, pendingInputs{AccessPointARN: arn, FunctionRoleARN: b.comp.RoleARN}, policy.AccessPoint)
	ap, err := s3.NewAccessPoint(b.ctx, b.name+"-access-point", &s3.AccessPointArgs{
		Bucket:           b.comp.BucketName,
		Name:             name,
		VpcConfiguration: &s3.AccessPointVpcConfigurationArgs{VpcId: b.comp.VPCID},
		PublicAccessBlockConfiguration: &s3.AccessPointPublicAccessBlockConfigurationArgs{
			BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
			IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
		},
		Policy: doc,
	}, b.child, pulumi.DependsOn(b.labBucket.config))
	if err != nil {
		return fmt.Errorf("access point: %w", err)
	}
	b.comp.AccessPointARN = ap.Arn
	return nil
}

// AccessPointName is "ap-" and the unique suffix the provider gave the
// bucket's name (its last 26 characters): access point names are 3 to 50
// lowercase letters, digits and hyphens. A bucket name the offline plan does
// not know yet, a placeholder such as "[unknown lab-bucket.bucket]" (no
// bucket name has brackets), gives a placeholder that says where the name
// comes from: "ap-[last 26 characters of lab-bucket.bucket]".
func AccessPointName(bucket string) string {
	if inner, ok := strings.CutPrefix(bucket, "[unknown "); ok && strings.HasSuffix(inner, "]") {
		return "ap-[last 26 characters of " + inner
	}
	suffix := bucket
	if len(suffix) > 26 {
		suffix = suffix[len(suffix)-26:]
	}
	return "ap-" + strings.Trim(suffix, "-")
}

// restrictedNetwork registers the restricted tier's network (lab document 002: "multiple
// endpoints for a single service ... different route tables to enforce
// different access policies from different subnets"): its own private
// subnets and route tables, and its own S3 gateway endpoint whose policy
// admits reads under one prefix only.
func (b *builder) restrictedNetwork() error {
	if !b.lab.RestrictedTier {
		b.comp.RestrictedSubnetIDs = pulumi.StringArray{}.ToStringArrayOutput()
		b.comp.RestrictedRouteTableIDs = pulumi.StringArray{}.ToStringArrayOutput()
		return nil
	}
	t, err := b.privateTier(b.lab.tiers[tierRestricted], "restricted", "restricted-rt", "restricted-rta")
	if err != nil {
		return err
	}
	b.comp.RestrictedSubnetIDs = t.subnetIDs.ToStringArrayOutput()
	b.comp.RestrictedRouteTableIDs = t.routeTableIDs.ToStringArrayOutput()
	return nil
}

// restrictedTier registers the restricted tier's S3 gateway endpoint, once
// the bucket it names exists.
func (b *builder) restrictedTier() error {
	b.comp.RestrictedEndpointID = pulumi.String("").ToStringOutput()
	b.comp.RestrictedEndpointPolicy = pulumi.String("").ToStringOutput()
	if !b.lab.RestrictedTier {
		return nil
	}
	in := b.policyInputs()
	in.RestrictedPrefix = b.lab.RestrictedPrefix
	doc := policyJSON(in, pendingInputs{FunctionRoleARN: b.roles[roleRestricted].arn, BucketName: b.comp.BucketName},
		policy.RestrictedEndpoint)
	ep, err := b.gatewayEndpoint(b.name+"-restricted-s3-endpoint", "s3", b.comp.RestrictedRouteTableIDs, doc)
	if err != nil {
		return err
	}
	b.comp.RestrictedEndpointID = ep.ID().ToStringOutput()
	b.comp.RestrictedEndpointPolicy = doc
	b.s3EndpointIDs = append(b.s3EndpointIDs, ep.ID().ToStringOutput())
	return nil
}

// TableItemKey is the partition key of the item the lab seeds in its table.
const TableItemKey = "lab-item"

// dynamoDB registers the DynamoDB variant (lab documents 001, 003, 004): an
// on-demand table with a seeded item, a second, empty table the endpoint
// policy does not name (the denied-table probe's target), and the DynamoDB
// gateway endpoint on the private route tables.
func (b *builder) dynamoDB() error {
	b.tableARN, b.deniedTableARN = pulumi.String("").ToStringOutput(), pulumi.String("").ToStringOutput()
	b.comp.TableName, b.comp.DeniedTableName = pulumi.String("").ToStringOutput(), pulumi.String("").ToStringOutput()
	b.comp.DynamoDBEndpointID, b.comp.DynamoDBEndpointPolicy = pulumi.String("").ToStringOutput(), pulumi.String("").ToStringOutput()
	if !b.lab.DynamoDB {
		return nil
	}
	table := func(name string) (*dynamodb.Table, error) {
		// Deviations for a short-lived lab table holding one item: Checkov
		// CKV_AWS_28 / cdk-nag AwsSolutions-DDB3 (point-in-time recovery)
		// and CKV_AWS_119 (a customer-managed KMS key; the AWS-owned key
		// encrypts it).
		t, err := dynamodb.NewTable(b.ctx, name, &dynamodb.TableArgs{
			BillingMode: pulumi.String("PAY_PER_REQUEST"),
			HashKey:     pulumi.String(contract.TableKeyAttribute),
			Attributes:  dynamodb.TableAttributeArray{&dynamodb.TableAttributeArgs{Name: pulumi.String(contract.TableKeyAttribute), Type: pulumi.String("S")}},
			Tags:        b.tags(name),
		}, b.child)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", name, err)
		}
		return t, nil
	}
	lab, err := table(b.name + "-table")
	if err != nil {
		return err
	}
	denied, err := table(b.name + "-denied-table")
	if err != nil {
		return err
	}
	if _, err := dynamodb.NewTableItem(b.ctx, b.name+"-table-item", &dynamodb.TableItemArgs{
		TableName: lab.Name,
		HashKey:   lab.HashKey,
		Item: pulumi.String(fmt.Sprintf(`{%q:{"S":%q},"note":{"S":"read through the DynamoDB gateway endpoint"}}`,
			contract.TableKeyAttribute, TableItemKey)),
	}, b.child); err != nil {
		return fmt.Errorf("table item: %w", err)
	}
	in := b.policyInputs()
	doc := policyJSON(in, pendingInputs{FunctionRoleARN: b.comp.RoleARN, TableARN: lab.Arn}, policy.DynamoDBEndpoint)
	ep, err := b.gatewayEndpoint(b.name+"-dynamodb-endpoint", "dynamodb", b.comp.RouteTableIDs, doc)
	if err != nil {
		return err
	}
	b.tableARN, b.deniedTableARN = lab.Arn, denied.Arn
	b.comp.TableName, b.comp.DeniedTableName = lab.Name, denied.Name
	b.comp.DynamoDBEndpointID, b.comp.DynamoDBEndpointPolicy = ep.ID().ToStringOutput(), doc
	return nil
}

// flowLogs registers the VPC's flow logs (flowLogs; cdk-nag AwsSolutions-VPC7,
// Checkov CKV2_AWS_11), all traffic, to a CloudWatch log group kept
// logRetentionDays, written through a role only VPC Flow Logs may assume, or
// to a locked bucket. flowLogs off is a deliberate deviation from both
// rules, for stacks that must cost nothing at all.
func (b *builder) flowLogs() error {
	b.comp.FlowLogID = pulumi.String("").ToStringOutput()
	b.comp.FlowLogDestination = pulumi.String("").ToStringOutput()
	args := &ec2.FlowLogArgs{
		VpcId:       b.comp.VPCID,
		TrafficType: pulumi.String("ALL"),
		// One-minute aggregation, so a verifier sees a probe's records soon.
		MaxAggregationInterval: pulumi.Int(60),
		Tags:                   b.tags(b.name + "-flow-log"),
	}
	switch b.lab.FlowLogs {
	case FlowLogsOff:
		return nil
	case FlowLogsCloudWatch:
		// Deviation: Checkov CKV_AWS_158 (KMS key for the log group), as for
		// the functions' logs.
		logs, err := cloudwatch.NewLogGroup(b.ctx, b.name+"-flow-logs", &cloudwatch.LogGroupArgs{
			NamePrefix:      pulumi.String("/aws/vpc-flow-logs/" + b.name + "-"),
			RetentionInDays: pulumi.Int(b.lab.LogRetentionDays),
			Tags:            b.tags(b.name + "-flow-logs"),
		}, b.child)
		if err != nil {
			return fmt.Errorf("flow log group: %w", err)
		}
		trust, err := policy.FlowLogsAssumeRole(b.policyInputs()).JSON()
		if err != nil {
			return fmt.Errorf("flow logs trust policy: %w", err)
		}
		role, err := iam.NewRole(b.ctx, b.name+"-flow-logs-role", b.roleArgs(&iam.RoleArgs{
			Description:      pulumi.String("Writes the lab VPC's flow logs to their log group"),
			AssumeRolePolicy: pulumi.String(trust),
			Tags:             b.tags(b.name + "-flow-logs-role"),
		}), b.child)
		if err != nil {
			return fmt.Errorf("flow logs role: %w", err)
		}
		in := b.policyInputs()
		rp, err := iam.NewRolePolicy(b.ctx, b.name+"-flow-logs-role-policy", &iam.RolePolicyArgs{
			Role:   role.Name,
			Policy: policyJSON(in, pendingInputs{FlowLogGroupARN: logs.Arn}, policy.FlowLogsRole),
		}, b.child)
		if err != nil {
			return fmt.Errorf("flow logs role policy: %w", err)
		}
		args.LogDestinationType = pulumi.String("cloud-watch-logs")
		args.LogDestination = logs.Arn
		args.IamRoleArn = role.Arn
		fl, err := ec2.NewFlowLog(b.ctx, b.name+"-flow-log", args, b.child, pulumi.DependsOn([]pulumi.Resource{rp}))
		if err != nil {
			return fmt.Errorf("flow log: %w", err)
		}
		b.comp.FlowLogID, b.comp.FlowLogDestination = fl.ID().ToStringOutput(), logs.Name
	case FlowLogsS3:
		lb, err := b.newLockedBucket(b.name+"-flow-logs", b.lab.BucketPrefix+"-fl", false)
		if err != nil {
			return err
		}
		in := b.policyInputs()
		bp, err := b.setPolicy(lb, b.name+"-flow-logs", policyJSON(in, pendingInputs{BucketName: lb.bucket.Bucket}, policy.FlowLogsBucket))
		if err != nil {
			return err
		}
		args.LogDestinationType = pulumi.String("s3")
		args.LogDestination = lb.bucket.Arn
		fl, err := ec2.NewFlowLog(b.ctx, b.name+"-flow-log", args, b.child, pulumi.DependsOn([]pulumi.Resource{bp}))
		if err != nil {
			return fmt.Errorf("flow log: %w", err)
		}
		b.comp.FlowLogID, b.comp.FlowLogDestination = fl.ID().ToStringOutput(), lb.bucket.Bucket
	}
	return nil
}
