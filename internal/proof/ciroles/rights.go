// Package ciroles says who may do what: the CI roles of iam/roles.json (the
// manifest: each role's trust and permission policy and the workflow jobs
// that assume it, with what each job runs), each role's permission policy
// derived from those runs (RolePolicy), and the policy of a person who
// deploys a scenario by hand (DeployPolicy).
//
// Both rest on two tables in this file: Rights, the actions the AWS provider
// calls to create, read, update, tag and delete each resource type, and
// Lookups, the rights of each lookup the program makes. Each resource type
// and lookup the program uses must have an entry, so that a new one fails
// the tests until its rights are written down. The actions are the API
// operations the provider calls for each type, named as the Service
// Authorization Reference names them
// (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
// They are not proved on a live account: a missing one shows as an
// AccessDenied naming it during `pulumi up`; the policy evaluator
// (internal/proof/policyeval) and moto (internal/proof/cijobs) prove the
// derived policies allow them.
package ciroles

import (
	"errors"
	"fmt"
	"strings"

	"github.com/platformlab/s3-gateway-lab/internal/program/policy"

	"github.com/platformlab/s3-gateway-lab/components"
)

// ec2Tags are the tagging actions of every EC2 resource the lab tags.
var ec2Tags = []string{"ec2:CreateTags", "ec2:DeleteTags", "ec2:DescribeTags"}

// Rights maps each resource type the program registers to the actions its
// lifecycle needs. Component and provider resources need none.
var Rights = map[string][]string{
	"pulumi:pulumi:Stack":                                 nil,
	"pulumi:providers:aws":                                nil,
	components.S3GatewayLabType:                           nil,
	"aws:ec2/vpc:Vpc":                                     append([]string{"ec2:CreateVpc", "ec2:DeleteVpc", "ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:ModifyVpcAttribute", "ec2:DescribeNetworkAcls", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcClassicLink", "ec2:DescribeVpcClassicLinkDnsSupport"}, ec2Tags...),
	"aws:ec2/subnet:Subnet":                               append([]string{"ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:DescribeSubnets", "ec2:ModifySubnetAttribute", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface", "ec2:DetachNetworkInterface"}, ec2Tags...),
	"aws:ec2/routeTable:RouteTable":                       append([]string{"ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:DescribeRouteTables"}, ec2Tags...),
	"aws:ec2/routeTableAssociation:RouteTableAssociation": {"ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:ReplaceRouteTableAssociation", "ec2:DescribeRouteTables"},
	"aws:ec2/route:Route":                                 {"ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute", "ec2:DescribeRouteTables"},
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":   append([]string{"ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"}, ec2Tags...),
	"aws:ec2/securityGroup:SecurityGroup": append([]string{"ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
		// Deleting a group waits for, and deletes, Lambda's leftover interfaces
		// (terraform-provider-aws deleteLingeringLambdaENI).
		"ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface", "ec2:DetachNetworkInterface"}, ec2Tags...),
	"aws:ec2/vpcEndpoint:VpcEndpoint": append([]string{"ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:DescribeVpcEndpoints", "ec2:ModifyVpcEndpoint", "ec2:DescribePrefixLists", "ec2:DescribeVpcEndpointServices",
		// Interface endpoints' private DNS.
		"route53:AssociateVPCWithHostedZone"}, ec2Tags...),
	"aws:ec2/internetGateway:InternetGateway": append([]string{"ec2:CreateInternetGateway", "ec2:DeleteInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway", "ec2:DescribeInternetGateways"}, ec2Tags...),
	"aws:ec2/eip:Eip":                         append([]string{"ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute", "ec2:DisassociateAddress"}, ec2Tags...),
	"aws:ec2/natGateway:NatGateway":           append([]string{"ec2:CreateNatGateway", "ec2:DeleteNatGateway", "ec2:DescribeNatGateways"}, ec2Tags...),
	"aws:ec2/flowLog:FlowLog": append([]string{"ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", "ec2:DescribeFlowLogs",
		// Delivery to CloudWatch Logs passes the flow logs role; to S3, the
		// log delivery service writes to the bucket.
		"iam:PassRole", "logs:CreateLogDelivery", "logs:DeleteLogDelivery"}, ec2Tags...),
	// No iam:DeleteRolePermissionsBoundary: a deployer must not lift a
	// boundary (the roles' scope is below, in Scope).
	"aws:iam/role:Role":             {"iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:PutRolePermissionsBoundary"},
	"aws:iam/rolePolicy:RolePolicy": {"iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"},
	"aws:lambda/function:Function": {"lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig", "lambda:GetRuntimeManagementConfig", "lambda:ListVersionsByFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:TagResource", "lambda:UntagResource", "lambda:ListTags",
		// The execution role is passed to Lambda, which checks its
		// network permissions (policy.ENI).
		"iam:PassRole",
		// Creating a function in a VPC, and replaceSecurityGroupsOnDestroy.
		"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeNetworkInterfaces"},
	"aws:cloudwatch/logGroup:LogGroup": {"logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DescribeLogGroups", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource"},
	"aws:s3/bucketV2:BucketV2": {"s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketLocation", "s3:GetBucketTagging", "s3:PutBucketTagging", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketWebsite", "s3:GetAccelerateConfiguration", "s3:GetBucketRequestPayment", "s3:GetBucketLogging", "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration", "s3:GetBucketObjectLockConfiguration", "s3:GetBucketPolicy", "s3:GetBucketVersioning",
		// forceDestroy empties the bucket, versions included.
		"s3:DeleteObject", "s3:DeleteObjectVersion"},
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     {"s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     {"s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"},
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {"s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"},
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               {"s3:PutBucketVersioning", "s3:GetBucketVersioning"},
	"aws:s3/bucketPolicy:BucketPolicy":                                                           {"s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"},
	"aws:s3/bucketObjectv2:BucketObjectv2":                                                       {"s3:PutObject", "s3:GetObject", "s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"},
	"aws:s3/accessPoint:AccessPoint":                                                             {"s3:CreateAccessPoint", "s3:DeleteAccessPoint", "s3:GetAccessPoint", "s3:PutAccessPointPolicy", "s3:GetAccessPointPolicy", "s3:DeleteAccessPointPolicy", "s3:GetAccessPointPolicyStatus"},
	"aws:dynamodb/table:Table":                                                                   {"dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:DescribeTable", "dynamodb:UpdateTable", "dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTimeToLive", "dynamodb:TagResource", "dynamodb:UntagResource", "dynamodb:ListTagsOfResource"},
	"aws:dynamodb/tableItem:TableItem":                                                           {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"},
}

// Lookups maps each lookup (invoke) the program makes to the rights it
// needs: a preview makes these and nothing else. The provider's
// aws_iam_session_context (iam.GetSessionContext), given an assumed-role ARN,
// reads the caller's own role (iam:GetRole on it) to find its path
// (terraform-provider-aws internal/service/iam/session_context_data_source.go):
// its right is on SelfRole, whatever the scope of the lab's roles.
var Lookups = map[string][]Right{
	"aws:index/getRegion:getRegion":                       nil,
	"aws:index/getPartition:getPartition":                 nil,
	"aws:index/getCallerIdentity:getCallerIdentity":       {{Action: "sts:GetCallerIdentity", Resources: []string{"*"}}},
	"aws:iam/getSessionContext:getSessionContext":         {{Action: "iam:GetRole", Resources: []string{SelfRole}}},
	"aws:index/getAvailabilityZones:getAvailabilityZones": {{Action: "ec2:DescribeAvailabilityZones", Resources: []string{"*"}}},
	"aws:ec2/getManagedPrefixList:getManagedPrefixList": {{Action: "ec2:DescribeManagedPrefixLists", Resources: []string{"*"}},
		{Action: "ec2:GetManagedPrefixListEntries", Resources: []string{"*"}}},
	"aws:ec2/getVpcEndpointService:getVpcEndpointService": {{Action: "ec2:DescribeVpcEndpointServices", Resources: []string{"*"}}},
}

// SelfRole stands for the ARN of the role the caller runs as, in a Right's
// resources: Scope.Self replaces it.
const SelfRole = "{self}"

// Right is an action on resources (ARNs, or SelfRole). Rights with other
// resources than "*" and SelfRole go in the statement Sid names.
type Right struct {
	Action    string
	Resources []string
	Sid       string
}

// Scope is what a stack's resource names start with, which the IAM and S3
// statements of its deployer policy are confined to: an identity that may
// create roles and write bucket policies anywhere could take the account.
type Scope struct {
	Partition string
	// Account is the account ID in the ARNs of the lab's roles ("*" when
	// empty).
	Account string
	// IAMPath and NamePrefix (iamPath, namePrefix) begin the roles' ARNs:
	// role/PATH/PREFIX-*; NamePrefix begins the functions' names too.
	IAMPath, NamePrefix string
	// BucketPrefix (bucketPrefix) begins every bucket the lab makes, then
	// the stack's name (components: bucketNamePrefix).
	BucketPrefix string
	// Stacks are the stacks (names, or a prefix ending in *) whose buckets
	// the policy reaches; none: any stack's.
	Stacks []string
	// PermissionsBoundaryARN, when set, must be on every role created.
	PermissionsBoundaryARN string
	// Self is the ARN of the identity the policy is for (its own role), for
	// the lookups that read it: a placeholder when it is not known.
	Self string
}

func (s Scope) account() string {
	if s.Account == "" {
		return "*"
	}
	return s.Account
}

func (s Scope) roles() string {
	return fmt.Sprintf("arn:%s:iam::%s:role%s%s-*", s.Partition, s.account(), s.IAMPath, s.NamePrefix)
}

// buckets are the ARNs of the stacks' buckets and their objects.
func (s Scope) buckets() []string {
	stacks := s.Stacks
	if len(stacks) == 0 {
		stacks = []string{"*"}
	}
	var out []string
	for _, st := range stacks {
		name := s.BucketPrefix + "-" + st
		if !strings.HasSuffix(st, "*") {
			name += "-*"
		}
		out = append(out, fmt.Sprintf("arn:%s:s3:::%s", s.Partition, name), fmt.Sprintf("arn:%s:s3:::%s/*", s.Partition, name))
	}
	return out
}

// accessPoints are the ARNs of the lab's access points
// (components.AccessPointName: "ap-" and the bucket's suffix).
func (s Scope) accessPoints() string {
	return fmt.Sprintf("arn:%s:s3:*:%s:accesspoint/ap-*", s.Partition, s.account())
}

func (s Scope) s3() []string {
	return append(s.buckets(), s.accessPoints())
}

func (s Scope) self() string {
	if s.Self == "" {
		return "CALLER_ROLE_ARN"
	}
	return s.Self
}

// DeployPolicy is the policy of an identity that runs `pulumi up`,
// `refresh` and `destroy` of a stack registering types and making lookups.
// The IAM and S3 statements reach only the roles and buckets named as the
// lab names them (scope), and the lookup of the caller's own role only it;
// the others have Resource "*": a deployer creates resources whose IDs the
// provider generates, and EC2, Lambda, CloudWatch Logs and DynamoDB
// creations are not confined by name here (a deliberate deviation from
// cdk-nag AwsSolutions-IAM5 and Checkov CKV_AWS_355/356).
func DeployPolicy(types, lookups []string, scope Scope) (policy.Document, error) {
	b := newBuilder("Deploy", scope)
	if err := errors.Join(b.deploy(types, false), b.lookups(lookups)); err != nil {
		return policy.Document{}, err
	}
	return b.document()
}

// sidWord turns a service prefix (ec2, s3, dynamodb) into a statement ID
// word.
func sidWord(service string) string {
	return strings.ToUpper(service[:1]) + service[1:]
}
