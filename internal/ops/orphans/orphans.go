// Package orphans finds the lab's orphaned AWS resources: resources tagged
// lab:project with the lab's project and lab:stack=<name> whose stack no
// longer exists in the state backend (state lost, stack removed with
// --force). No state tracks them, so no destroy will ever delete them. It
// lists them with what they cost a month (the plan's price table) and the
// commands a person can delete them with; it deletes nothing.
package orphans

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"

	"github.com/aws/smithy-go"

	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
	"github.com/platformlab/s3-gateway-lab/internal/proof/cost"
)

// Resource is one orphaned resource.
type Resource struct {
	ARN    string
	Region string
	// Stack is its lab:stack tag; ExpiresAt its lab:expires-at tag.
	Stack     string
	ExpiresAt string
	// Kind is the ARN's service:type, such as ec2:natgateway.
	Kind string
	// Monthly is its fixed monthly cost (0 for what costs nothing idle),
	// Pricing how it was found.
	Monthly float64
	Pricing string
	// Delete is a command that deletes it, or what to do instead.
	Delete string
}

// Finder lists the lab's orphans in one region.
type Finder struct {
	Tagging *resourcegroupstaggingapi.Client
	// EC2 prices VPC endpoints (interface or gateway, how many zones).
	EC2 *ec2.Client
	// Region is the region both clients are for.
	Region string
	// Project is the lab:project tag value to look for.
	Project string
}

// Find returns the resources tagged with the project whose lab:stack is not
// in live (the backend's stack names, without organization and project).
func (f *Finder) Find(ctx context.Context, live map[string]bool) ([]Resource, error) {
	var found []Resource
	p := resourcegroupstaggingapi.NewGetResourcesPaginator(f.Tagging, &resourcegroupstaggingapi.GetResourcesInput{
		TagFilters: []types.TagFilter{{Key: aws.String(settings.TagProject), Values: []string{f.Project}}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list resources tagged %s=%s in %s: %w", settings.TagProject, f.Project, f.Region, err)
		}
		for _, m := range page.ResourceTagMappingList {
			tags := map[string]string{}
			for _, t := range m.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			stack := tags[settings.TagStack]
			if stack == "" || live[stack] {
				continue
			}
			found = append(found, Resource{ARN: aws.ToString(m.ResourceARN), Region: f.Region, Stack: stack,
				ExpiresAt: tags[settings.TagExpiresAt]})
		}
	}
	kept := found[:0]
	for _, r := range found {
		gone, err := f.price(ctx, &r)
		if err != nil {
			return nil, err
		}
		if !gone {
			kept = append(kept, r)
		}
	}
	found = kept
	sort.Slice(found, func(i, j int) bool {
		if found[i].Stack != found[j].Stack {
			return found[i].Stack < found[j].Stack
		}
		return found[i].ARN < found[j].ARN
	})
	return found, nil
}

// price sets the resource's kind, monthly cost and delete command. It
// reports gone for a NAT gateway or VPC endpoint already deleted, which the
// Tagging API still lists for a while.
func (f *Finder) price(ctx context.Context, r *Resource) (gone bool, err error) {
	a, err := arn.Parse(r.ARN)
	if err != nil {
		r.Kind, r.Pricing, r.Delete = "?", "not priced: "+err.Error(), "look it up in the console"
		return false, nil
	}
	// The resource part is type/id (EC2, DynamoDB, IAM) or type:id
	// (Lambda, CloudWatch Logs); an S3 bucket's is its name.
	kind, id := a.Resource, ""
	if i := strings.IndexAny(a.Resource, "/:"); i >= 0 {
		kind, id = a.Resource[:i], a.Resource[i+1:]
	}
	if a.Service == "s3" {
		kind, id = "bucket", a.Resource
	}
	r.Kind = a.Service + ":" + kind
	region := " --region " + r.Region
	hourly := func(key, what string) {
		pr := priceOf(key)
		r.Monthly = cents(float64(cost.HoursPerMonth) * pr.USD)
		r.Pricing = fmt.Sprintf("%s, %d h x %s", what, cost.HoursPerMonth, cost.UnitPrice(pr))
	}
	switch r.Kind {
	case "ec2:natgateway":
		out, err := f.EC2.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{id}})
		if gone, err := f.described(err, "NAT gateway", id); gone || err != nil {
			return gone, err
		}
		// AWS answers NatGatewayNotFound for an unknown ID, moto an empty
		// list: either way there is no such gateway.
		if len(out.NatGateways) == 0 || out.NatGateways[0].State == "deleted" || out.NatGateways[0].State == "deleting" {
			return true, nil
		}
		hourly(cost.NATGatewayHour, "NAT gateway")
		r.Delete = "aws ec2 delete-nat-gateway --nat-gateway-id " + id + region
	case "ec2:elastic-ip":
		hourly(cost.PublicIPv4Hour, "public IPv4 address")
		r.Delete = "aws ec2 release-address --allocation-id " + id + region
	case "ec2:vpc-endpoint":
		out, err := f.EC2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
		if gone, err := f.described(err, "VPC endpoint", id); gone || err != nil {
			return gone, err
		}
		if len(out.VpcEndpoints) == 1 && (out.VpcEndpoints[0].State == "deleted" || out.VpcEndpoints[0].State == "deleting") {
			return true, nil
		}
		r.Delete = "aws ec2 delete-vpc-endpoints --vpc-endpoint-ids " + id + region
		r.Pricing = "gateway endpoint, free"
		if len(out.VpcEndpoints) == 1 && out.VpcEndpoints[0].VpcEndpointType == "Interface" {
			zones := len(out.VpcEndpoints[0].SubnetIds)
			pr := priceOf(cost.InterfaceEndpointHour)
			r.Monthly = cents(float64(zones*cost.HoursPerMonth) * pr.USD)
			r.Pricing = fmt.Sprintf("interface endpoint, %d zones x %d h x %s", zones, cost.HoursPerMonth, cost.UnitPrice(pr))
		}
	case "s3:bucket":
		r.Pricing = "usage-based (storage)"
		r.Delete = "aws s3 rb s3://" + id + " --force  # deletes the objects; versioned: empty every version first"
	case "logs:log-group":
		r.Pricing = "usage-based (storage)"
		r.Delete = "aws logs delete-log-group --log-group-name " + strings.TrimSuffix(id, ":*") + region
	case "iam:role":
		r.Pricing = "free"
		r.Delete = "aws iam delete-role --role-name " + id[strings.LastIndex(id, "/")+1:] + "  # after its inline policies (aws iam list-role-policies)"
	default:
		if p, ok := plain[r.Kind]; ok {
			r.Pricing = p.pricing
			r.Delete = fmt.Sprintf(p.delete, id, region)
			break
		}
		r.Pricing = "not in the price table: check by hand"
		r.Delete = "see the console, or aws resourcegroupstaggingapi get-resources --resource-arn-list " + r.ARN + region
	}
	return false, nil
}

// described sorts the error of describing the what id: gone when AWS knows
// no such resource, else the error wrapped (nil for none).
func (f *Finder) described(err error, what, id string) (gone bool, _ error) {
	if notFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("describe %s %s in %s: %w", what, id, f.Region, err)
	}
	return false, nil
}

// plain are the kinds with no cost of their own to look up: how they are
// priced, and the command that deletes one (its ID, then the region flag).
var plain = map[string]struct{ pricing, delete string }{
	"ec2:vpc":              {"free", "aws ec2 delete-vpc --vpc-id %s%s  # after what is inside it"},
	"ec2:subnet":           {"free", "aws ec2 delete-subnet --subnet-id %s%s"},
	"ec2:security-group":   {"free", "aws ec2 delete-security-group --group-id %s%s"},
	"ec2:route-table":      {"free", "aws ec2 delete-route-table --route-table-id %s%s"},
	"ec2:internet-gateway": {"free", "aws ec2 delete-internet-gateway --internet-gateway-id %s%s  # after detach-internet-gateway"},
	"ec2:vpc-flow-log":     {"usage-based (flow log data)", "aws ec2 delete-flow-logs --flow-log-ids %s%s"},
	"lambda:function":      {"usage-based (requests)", "aws lambda delete-function --function-name %s%s"},
	"dynamodb:table":       {"usage-based (on demand)", "aws dynamodb delete-table --table-name %s%s"},
}

// cents rounds an amount in US dollars to the cent.
func cents(usd float64) float64 { return math.Round(usd*100) / 100 }

// deleteOrder ranks kinds for the delete commands: what holds network
// interfaces or addresses first, the VPC last.
var deleteOrder = map[string]int{
	"ec2:natgateway": 0, "ec2:vpc-endpoint": 0, "lambda:function": 0,
	"ec2:elastic-ip": 1, "ec2:vpc-flow-log": 1, "ec2:internet-gateway": 1,
	"ec2:security-group": 2, "ec2:subnet": 2, "ec2:route-table": 2,
	"ec2:vpc": 9,
}

// priceOf returns the price with key from the plan's price table; the keys
// used here are constants of that table, so a missing one is a bug.
func priceOf(key string) cost.Price {
	for _, p := range cost.Prices {
		if p.Key == key {
			return p
		}
	}
	panic("orphans: price table has no key " + key)
}

// Report renders the orphans: a line per resource with its cost, the
// total, and the delete commands.
func Report(found []Resource, regions []string) string {
	var s strings.Builder
	if len(found) == 0 {
		fmt.Fprintf(&s, "No orphaned resources of the lab in %s: every resource tagged %s belongs to a stack of the backend.\n",
			strings.Join(regions, ", "), settings.TagStack)
		return s.String()
	}
	var total float64
	stacks := map[string]bool{}
	fmt.Fprintf(&s, "Orphaned resources (tagged %s=<stack>, no such stack in the backend; no destroy will delete them):\n", settings.TagStack)
	for _, r := range found {
		total += r.Monthly
		stacks[r.Stack] = true
		fmt.Fprintf(&s, "  %-22s %-10s %-22s %9s  %s  (%s)\n", r.Stack, r.Region, r.Kind, cost.Dollars(r.Monthly), r.ARN, r.Pricing)
	}
	fmt.Fprintf(&s, "%d resources of %d lost stacks cost %s a month (fixed, %s list prices); they stay until someone deletes them.\n",
		len(found), len(stacks), cost.Dollars(total), cost.Region)
	s.WriteString("Nothing was deleted. Check each one, then delete them in this order (NAT gateways, endpoints and functions first, the VPC last):\n")
	ordered := slices.Clone(found)
	sort.SliceStable(ordered, func(i, j int) bool {
		ri, ok := deleteOrder[ordered[i].Kind]
		if !ok {
			ri = 5
		}
		rj, ok := deleteOrder[ordered[j].Kind]
		if !ok {
			rj = 5
		}
		return ri < rj
	})
	for _, r := range ordered {
		fmt.Fprintf(&s, "  %s\n", r.Delete)
	}
	return s.String()
}

// NewFinder returns a Finder for the region of cfg (awsclient.Config).
func NewFinder(cfg aws.Config, project string) *Finder {
	return &Finder{
		Tagging: resourcegroupstaggingapi.NewFromConfig(cfg),
		EC2:     ec2.NewFromConfig(cfg),
		Region:  cfg.Region,
		Project: project,
	}
}

// notFound reports whether err is EC2's answer for an ID that no longer
// exists: the Resource Groups Tagging API can go on listing a resource for a
// while after it is deleted, and such a resource is no orphan.
func notFound(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "NatGatewayNotFound", "InvalidVpcEndpointId.NotFound", "InvalidVpcEndpoint.NotFound":
		return true
	}
	return false
}
