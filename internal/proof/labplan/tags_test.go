package labplan

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"

	"github.com/platformlab/s3-gateway-lab/internal/program/labstack"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// argsTypes are the provider SDK's argument types of the resource types the
// program registers: a type whose arguments have a Tags field is taggable.
var argsTypes = map[string]any{
	"aws:cloudwatch/logGroup:LogGroup":                       cloudwatch.LogGroupArgs{},
	"aws:dynamodb/table:Table":                               dynamodb.TableArgs{},
	"aws:dynamodb/tableItem:TableItem":                       dynamodb.TableItemArgs{},
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":      ec2.DefaultSecurityGroupArgs{},
	"aws:ec2/eip:Eip":                                        ec2.EipArgs{},
	"aws:ec2/flowLog:FlowLog":                                ec2.FlowLogArgs{},
	"aws:ec2/internetGateway:InternetGateway":                ec2.InternetGatewayArgs{},
	"aws:ec2/natGateway:NatGateway":                          ec2.NatGatewayArgs{},
	"aws:ec2/route:Route":                                    ec2.RouteArgs{},
	"aws:ec2/routeTable:RouteTable":                          ec2.RouteTableArgs{},
	"aws:ec2/routeTableAssociation:RouteTableAssociation":    ec2.RouteTableAssociationArgs{},
	"aws:ec2/securityGroup:SecurityGroup":                    ec2.SecurityGroupArgs{},
	"aws:ec2/subnet:Subnet":                                  ec2.SubnetArgs{},
	"aws:ec2/vpc:Vpc":                                        ec2.VpcArgs{},
	"aws:ec2/vpcEndpoint:VpcEndpoint":                        ec2.VpcEndpointArgs{},
	"aws:iam/role:Role":                                      iam.RoleArgs{},
	"aws:iam/rolePolicy:RolePolicy":                          iam.RolePolicyArgs{},
	"aws:lambda/function:Function":                           lambda.FunctionArgs{},
	"aws:s3/accessPoint:AccessPoint":                         s3.AccessPointArgs{},
	"aws:s3/bucketObjectv2:BucketObjectv2":                   s3.BucketObjectv2Args{},
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls": s3.BucketOwnershipControlsArgs{},
	"aws:s3/bucketPolicy:BucketPolicy":                       s3.BucketPolicyArgs{},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": s3.BucketPublicAccessBlockArgs{},
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": s3.BucketServerSideEncryptionConfigurationV2Args{},
	"aws:s3/bucketV2:BucketV2":                     s3.BucketV2Args{},
	"aws:s3/bucketVersioningV2:BucketVersioningV2": s3.BucketVersioningV2Args{},
}

// TestOrganizationTagsEverywhere: with the tags setting and the stack's
// aws:defaultTags, every taggable resource of every scenario (a type whose
// provider arguments have Tags) carries the organization's tags and the
// lab's, and every explicit provider's default tags repeat the stack's
// aws:defaultTags besides both.
func TestOrganizationTagsEverywhere(t *testing.T) {
	r := repo.Root(t)
	for _, stack := range Scenarios {
		t.Run(stack, func(t *testing.T) {
			cfg, err := labstack.StackConfig(r, stack)
			if err != nil {
				t.Fatal(err)
			}
			// A number, as `pulumi config set --path` stores 4711.
			cfg[settings.Project+":"+settings.KeyTags] = `{"cost-center":4711,"owner":"platform team"}`
			cfg[settings.AWSDefaultTags] = `{"tags":{"team":"platform"}}`
			cfg[settings.Project+":"+settings.KeyCrossRegion] = "us-west-2"
			p, err := Stack(r, stack, Options{Config: cfg})
			if err != nil {
				t.Fatal(err)
			}
			taggable, providers := 0, 0
			for _, res := range p.Resources {
				if res.Type == "pulumi:providers:aws" {
					providers++
					dt, _ := res.Inputs["defaultTags"].(map[string]any)
					tags, _ := dt["tags"].(map[string]any)
					for k, v := range map[string]string{"team": "platform", "cost-center": "4711", settings.TagProject: settings.Project, settings.TagStack: stack} {
						if tags[k] != v {
							t.Errorf("provider %s default tags: %s=%v, want %s", res.Name, k, tags[k], v)
						}
					}
					continue
				}
				args, ok := argsTypes[res.Type]
				if !ok {
					if res.Custom {
						t.Errorf("%s: no provider argument type known for %s: add it to argsTypes", res.Name, res.Type)
					}
					continue
				}
				if _, has := reflect.TypeOf(args).FieldByName("Tags"); !has {
					continue
				}
				taggable++
				tags, _ := res.Inputs["tags"].(map[string]any)
				if tags["cost-center"] != "4711" || tags["owner"] != "platform team" || tags[settings.TagProject] != settings.Project {
					t.Errorf("%s (%s): tags %v, want the organization's and the lab's", res.Name, res.Type, tags)
				}
			}
			if taggable < 15 || providers == 0 {
				t.Errorf("%d taggable resources and %d explicit providers: the test proves little", taggable, providers)
			}
		})
	}
}

// TestTagsAndNamePrefixRefused: tags the lab or AWS own, and a name prefix
// that is not a valid name, are refused before anything is registered.
func TestTagsAndNamePrefixRefused(t *testing.T) {
	r := repo.Root(t)
	for _, tc := range []struct {
		key, value, want string
	}{
		{settings.KeyTags, `{"lab:stack":"x"}`, `tags "lab:stack": keys starting with aws: are AWS's`},
		{settings.KeyTags, `{"aws:cloudformation:stack":"x"}`, `tags "aws:cloudformation:stack"`},
		{settings.KeyTags, `{"Name":"x"}`, `tags "Name"`},
		{settings.KeyTags, `["a"]`, `s3-gateway-lab:tags "[\"a\"]": accepted: an object of strings`},
		{settings.KeyTags, `{"team":{"name":"x"}}`, `accepted: an object of strings`},
		{settings.KeyNamePrefix, "Dev_Lab", `s3-gateway-lab:namePrefix "Dev_Lab": accepted: 1 to 20 lowercase letters`},
	} {
		cfg, err := labstack.StackConfig(r, "dev")
		if err != nil {
			t.Fatal(err)
		}
		cfg[settings.Project+":"+tc.key] = tc.value
		p, err := Stack(r, "dev", Options{Config: cfg})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%s: got %v, want an error containing %q", tc.key, tc.value, err, tc.want)
		}
		if p != nil && len(p.Resources) > 0 {
			t.Errorf("%s=%s: registered %d resources", tc.key, tc.value, len(p.Resources))
		}
	}
}

// TestNamePrefix: the name prefix names every resource; the default keeps
// the names (and URNs) the golden plans show.
func TestNamePrefix(t *testing.T) {
	r := repo.Root(t)
	cfg, err := labstack.StackConfig(r, "dev")
	if err != nil {
		t.Fatal(err)
	}
	cfg[settings.Project+":"+settings.KeyNamePrefix] = "pr-12-lab"
	p, err := Stack(r, "dev", Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range p.Resources[1:] {
		if res.Type != "pulumi:providers:aws" && !strings.HasPrefix(res.Name, "pr-12-lab") {
			t.Errorf("%s (%s) does not start with the name prefix", res.Name, res.Type)
		}
	}
}
