package forcenew

import (
	"reflect"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
)

// Source is where a Pulumi type's facts come from: the Terraform resource
// pulumi-aws bridges for it (provider/resources.go maps the token to it),
// the terraform-provider-aws file that defines its schema, the pulumi-aws
// SDK's args type (its plain struct's `pulumi:"..."` tags are the Pulumi
// property names), and what pulumi-aws's provider/resources.go says beyond
// the bridge's default naming.
type Source struct {
	Terraform string
	File      string
	// Args is the SDK's args value (its ElementType is the plain struct).
	Args interface{ ElementType() reflect.Type }
	// Renames are pulumi-aws's explicit property names, by Terraform path,
	// where the default (lowerCamelCase, pluralized for a list of more
	// than one) is not the name.
	Renames map[string]string
	// AutoName is the Pulumi property resources.go names with AutoName
	// (filled with a generated name when the program sets none); without
	// one, setAutonaming's rule applies (SetAutonaming).
	AutoName string
	// Overrides cites provider/resources.go's entry for the type.
	Overrides string
}

// resourcesGo is the pulumi-aws provider/resources.go read: the tag
// v6.83.4 was not reachable here, so a stored provider/v6 version.
const resourcesGo = "pulumi/pulumi-aws provider/resources.go@00ba5ea53c2548fd367776345b7c52f191ce1372 (provider/v6, mid-2024; v6.83.4's not reachable)"

// SetAutonaming is pulumi-aws's rule that gives every resource with an
// Optional or Required "name" attribute, and no override of it, an
// auto-named "name" (AutoName("name", 255, "-")).
const SetAutonaming = "provider/resources.go@00ba5ea5 calls setAutonaming(&prov), which gives every resource with an Optional or Required `name` and no override AutoName(\"name\", 255, \"-\") (its body: pulumi/pulumi-aws provider/autonaming.go@0c5f6583)"

// Sources maps the Pulumi type tokens the lab registers to their sources.
var Sources = map[string]Source{
	"aws:cloudwatch/logGroup:LogGroup": {Terraform: "aws_cloudwatch_log_group", File: "internal/service/logs/group.go",
		Args:      cloudwatch.LogGroupArgs{},
		Overrides: resourcesGo + `: "aws_cloudwatch_log_group": {IDFields: []string{"name"}}`},
	"aws:dynamodb/table:Table": {Terraform: "aws_dynamodb_table", File: "internal/service/dynamodb/table.go",
		Args:      dynamodb.TableArgs{},
		Renames:   map[string]string{"global_secondary_index": "globalSecondaryIndexes", "local_secondary_index": "localSecondaryIndexes"},
		Overrides: resourcesGo + `: "global_secondary_index": {Name: "globalSecondaryIndexes"}, "local_secondary_index": {Name: "localSecondaryIndexes"}`},
	"aws:dynamodb/tableItem:TableItem": {Terraform: "aws_dynamodb_table_item", File: "internal/service/dynamodb/table_item.go",
		Args: dynamodb.TableItemArgs{}, Overrides: resourcesGo + ": Tok only"},
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {Terraform: "aws_default_security_group",
		File: "internal/service/ec2/vpc_default_security_group.go", Args: ec2.DefaultSecurityGroupArgs{},
		Overrides: resourcesGo + ": Tok only"},
	"aws:ec2/eip:Eip": {Terraform: "aws_eip", File: "internal/service/ec2/ec2_eip.go", Args: ec2.EipArgs{},
		Overrides: resourcesGo + ": Tok only"},
	"aws:ec2/flowLog:FlowLog": {Terraform: "aws_flow_log", File: "internal/service/ec2/vpc_flow_log.go", Args: ec2.FlowLogArgs{},
		Overrides: resourcesGo + ": Tok only"},
	"aws:ec2/internetGateway:InternetGateway": {Terraform: "aws_internet_gateway",
		File: "internal/service/ec2/vpc_internet_gateway.go", Args: ec2.InternetGatewayArgs{}, Overrides: resourcesGo + ": Tok only"},
	"aws:ec2/natGateway:NatGateway": {Terraform: "aws_nat_gateway", File: "internal/service/ec2/vpc_nat_gateway.go",
		Args: ec2.NatGatewayArgs{}, Overrides: resourcesGo + ": Tok only"},
	"aws:ec2/route:Route": {Terraform: "aws_route", File: "internal/service/ec2/vpc_route.go", Args: ec2.RouteArgs{},
		Overrides: resourcesGo + ": Tok only"},
	"aws:ec2/routeTable:RouteTable": {Terraform: "aws_route_table", File: "internal/service/ec2/vpc_route_table.go",
		Args: ec2.RouteTableArgs{}, Overrides: resourcesGo + ": Tok only"},
	"aws:ec2/routeTableAssociation:RouteTableAssociation": {Terraform: "aws_route_table_association",
		File: "internal/service/ec2/vpc_route_table_association.go", Args: ec2.RouteTableAssociationArgs{},
		Overrides: resourcesGo + ": Tok only"},
	"aws:ec2/securityGroup:SecurityGroup": {Terraform: "aws_security_group", File: "internal/service/ec2/vpc_security_group.go",
		Args:      ec2.SecurityGroupArgs{},
		Renames:   map[string]string{"ingress": "ingress", "egress": "egress"},
		Overrides: resourcesGo + `: "description": {Default: managedByPulumi}, "ingress": {Name: "ingress"}, "egress": {Name: "egress"}`},
	"aws:ec2/subnet:Subnet": {Terraform: "aws_subnet", File: "internal/service/ec2/vpc_subnet.go", Args: ec2.SubnetArgs{},
		Overrides: resourcesGo + ": Tok only"},
	"aws:ec2/vpc:Vpc": {Terraform: "aws_vpc", File: "internal/service/ec2/vpc_.go", Args: ec2.VpcArgs{},
		Overrides: resourcesGo + ": Tok only"},
	"aws:ec2/vpcEndpoint:VpcEndpoint": {Terraform: "aws_vpc_endpoint", File: "internal/service/ec2/vpc_endpoint.go",
		Args: ec2.VpcEndpointArgs{}, Overrides: resourcesGo + ": Tok only"},
	"aws:iam/role:Role": {Terraform: "aws_iam_role", File: "internal/service/iam/role.go", Args: iam.RoleArgs{}, AutoName: "name",
		Overrides: resourcesGo + `: "name": tfbridge.AutoName("name", 64, "-"), assume_role_policy and inline_policy as JSON documents`},
	"aws:iam/rolePolicy:RolePolicy": {Terraform: "aws_iam_role_policy", File: "internal/service/iam/role_policy.go",
		Args:      iam.RolePolicyArgs{},
		Overrides: resourcesGo + `: "role" AltTypes Role, "policy" a JSON document`},
	"aws:lambda/function:Function": {Terraform: "aws_lambda_function", File: "internal/service/lambda/function.go",
		Args: lambda.FunctionArgs{}, AutoName: "name",
		Renames: map[string]string{"function_name": "name", "filename": "code"},
		Overrides: resourcesGo + `: "function_name": tfbridge.AutoName("name", 64, "-"), ` +
			`"filename": {Name: "code", Asset: FileArchive ZIP, HashField: "source_code_hash"}`},
	"aws:s3/accessPoint:AccessPoint": {Terraform: "aws_s3_access_point", File: "internal/service/s3control/access_point.go",
		Args: s3.AccessPointArgs{}, Overrides: resourcesGo + ": Tok only"},
	"aws:s3/bucketObjectv2:BucketObjectv2": {Terraform: "aws_s3_object", File: "internal/service/s3/object.go",
		Args:      s3.BucketObjectv2Args{},
		Overrides: resourcesGo + `: IDFields {"bucket","key"}, "key" defaults from the resource name (FromName, not AutoNamed), "source" an asset`},
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls": {Terraform: "aws_s3_bucket_ownership_controls",
		File: "internal/service/s3/bucket_ownership_controls.go", Args: s3.BucketOwnershipControlsArgs{},
		Overrides: resourcesGo + ": Tok only"},
	"aws:s3/bucketPolicy:BucketPolicy": {Terraform: "aws_s3_bucket_policy", File: "internal/service/s3/bucket_policy.go",
		Args: s3.BucketPolicyArgs{}, Overrides: resourcesGo + `: "policy" a JSON document`},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {Terraform: "aws_s3_bucket_public_access_block",
		File: "internal/service/s3/bucket_public_access_block.go", Args: s3.BucketPublicAccessBlockArgs{},
		Overrides: resourcesGo + ": Tok only"},
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {
		Terraform: "aws_s3_bucket_server_side_encryption_configuration",
		File:      "internal/service/s3/bucket_server_side_encryption_configuration.go",
		Args:      s3.BucketServerSideEncryptionConfigurationV2Args{}, Overrides: resourcesGo + ": Tok only"},
	"aws:s3/bucketV2:BucketV2": {Terraform: "aws_s3_bucket", File: "internal/service/s3/bucket.go", Args: s3.BucketV2Args{},
		AutoName: "bucket",
		Overrides: resourcesGo + `: Tok BucketV2, "bucket": tfbridge.AutoNameTransform("bucket", 63, strings.ToLower), ` +
			`MaxItemsOne false on its deprecated inline blocks (logging→loggings, versioning→versionings, ...)`},
	"aws:s3/bucketVersioningV2:BucketVersioningV2": {Terraform: "aws_s3_bucket_versioning",
		File: "internal/service/s3/bucket_versioning.go", Args: s3.BucketVersioningV2Args{}, Overrides: resourcesGo + ": Tok only"},
}
