package review

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	pkgresource "github.com/pulumi/pulumi/pkg/v3/resource"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
	"github.com/pulumi/pulumi/sdk/v3/go/common/providers"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/platformlab/s3-gateway-lab/internal/proof/offlineplan"
)

// CreateTime is the time a resource type typically takes to create, and
// where the figure comes from.
type CreateTime struct {
	Typical time.Duration
	// Source names the provider code or document the figure rests on:
	// the waiter the provider runs after the create call and its default
	// timeout (an upper bound), and what the typical figure is.
	Source string
}

// tfAWS is where the provider facts below are read: terraform-provider-aws
// (bridged by pulumi-aws), the same tree forcenew.json is generated from.
const tfAWS = "terraform-provider-aws "

// CreateTimes are the per-type create times the deploy estimate uses. A
// type missing here counts defaultCreate. The "typical" figures are
// estimates within the cited waiters' bounds; the only documented figure
// of a typical time is the gateway endpoint's (issue 12 measured 60 s).
var CreateTimes = map[string]CreateTime{
	"aws:ec2/vpcEndpoint:VpcEndpoint": {60 * time.Second, tfAWS + "internal/service/ec2/vpc_endpoint.go: waits for state available " +
		"(waitVPCEndpointAvailable), create timeout VPCEndpointCreationTimeout 10 min; 60 s measured for a gateway endpoint (issue 12)"},
	"aws:ec2/natGateway:NatGateway": {2 * time.Minute, tfAWS + "internal/service/ec2/vpc_nat_gateway.go: WaitNATGatewayCreated, " +
		"create timeout 10 min; 2 min is an estimate"},
	"aws:lambda/function:Function": {90 * time.Second, tfAWS + "internal/service/lambda/function.go: waitFunctionCreated " +
		"(state Active: Lambda creates the VPC network interfaces while the function is Pending, " +
		"https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html), create timeout 10 min; 90 s is an estimate"},
	"aws:dynamodb/table:Table": {30 * time.Second, tfAWS + "internal/service/dynamodb/table.go: waits for ACTIVE, " +
		"create timeout createTableTimeout 30 min; 30 s is an estimate for an on-demand table without indexes"},
	"aws:ec2/securityGroup:SecurityGroup": {10 * time.Second, tfAWS + "internal/service/ec2/vpc_security_group.go: " +
		"WaitSecurityGroupCreated, then revokes the default egress and authorizes the rules; create timeout 10 min; 10 s is an estimate"},
	"aws:ec2/subnet:Subnet": {5 * time.Second, tfAWS + "internal/service/ec2/vpc_subnet.go: WaitSubnetAvailable, create timeout 10 min; " +
		"5 s is an estimate"},
	"aws:ec2/vpc:Vpc": {5 * time.Second, tfAWS + "internal/service/ec2/vpc_.go: waits for state available; 5 s is an estimate"},
	"aws:ec2/internetGateway:InternetGateway": {10 * time.Second, tfAWS + "internal/service/ec2/vpc_internet_gateway.go: " +
		"attachInternetGateway waits for the attachment, create timeout 20 min; 10 s is an estimate"},
	"aws:ec2/route:Route": {5 * time.Second, tfAWS + "internal/service/ec2/vpc_route.go: retries while the target is not found, " +
		"create timeout 5 min; 5 s is an estimate"},
	"aws:iam/role:Role": {10 * time.Second, tfAWS + "internal/service/iam/role.go: retries the create while IAM propagates " +
		"(propagationTimeout 2 min); 10 s is an estimate"},
	"aws:s3/bucketV2:BucketV2": {10 * time.Second, tfAWS + "internal/service/s3/bucket.go: waits until the bucket is found " +
		"(bucketCreatedTimeout 2 min); 10 s is an estimate"},
}

// defaultCreate is the create time of a type CreateTimes lacks: one API
// call with no waiter.
const defaultCreate = 3 * time.Second

// Node is a resource in the deployment graph: what it waits for to be
// created.
type Node struct {
	URN  string
	Type string
	Deps []string
}

// Path is the longest chain of create times through a graph.
type Path struct {
	Total time.Duration
	Steps []Node
}

// GraphOfSnapshot returns the engine's graph of snap: each custom
// resource with the resources it depends on (dependencies, property
// dependencies, its provider, a custom parent).
func GraphOfSnapshot(snap *deploy.Snapshot) []Node {
	custom := map[resource.URN]bool{}
	for _, r := range snap.Resources {
		custom[r.URN] = r.Custom && !providers.IsProviderType(r.Type)
	}
	var out []Node
	for _, r := range snap.Resources {
		if !custom[r.URN] {
			continue
		}
		out = append(out, Node{URN: string(r.URN), Type: string(r.Type), Deps: depsOf(r, custom)})
	}
	return out
}

func depsOf(r *pkgresource.State, custom map[resource.URN]bool) []string {
	var deps []string
	add := func(u resource.URN) {
		if custom[u] && !slices.Contains(deps, string(u)) {
			deps = append(deps, string(u))
		}
	}
	for _, d := range r.Dependencies {
		add(d)
	}
	for _, ds := range r.PropertyDependencies {
		for _, d := range ds {
			add(d)
		}
	}
	add(r.Parent)
	slices.Sort(deps)
	return deps
}

// GraphOfPlan returns the graph the offline plan recorded (the
// dependencies the program registered, the same the engine receives).
func GraphOfPlan(p *offlineplan.Plan) []Node {
	custom := map[string]bool{}
	for _, r := range p.Resources {
		custom[r.URN] = r.Custom
	}
	var out []Node
	for _, r := range p.Resources {
		if !r.Custom {
			continue
		}
		var deps []string
		for _, d := range r.Dependencies {
			if custom[d] {
				deps = append(deps, d)
			}
		}
		out = append(out, Node{URN: r.URN, Type: r.Type, Deps: deps})
	}
	return out
}

// CriticalPath returns the longest chain of create times in the graph: the
// deploy time with unlimited parallelism.
func CriticalPath(nodes []Node) Path {
	byURN := map[string]Node{}
	for _, n := range nodes {
		byURN[n.URN] = n
	}
	memo := map[string]Path{}
	var longest func(u string) Path
	longest = func(u string) Path {
		if p, ok := memo[u]; ok {
			return p
		}
		n := byURN[u]
		var best Path
		for _, d := range n.Deps {
			if p := longest(d); p.Total > best.Total || (p.Total == best.Total && best.Steps != nil && p.Steps[len(p.Steps)-1].URN < best.Steps[len(best.Steps)-1].URN) {
				best = p
			}
		}
		out := Path{Total: best.Total + createTime(n.Type), Steps: append(slices.Clone(best.Steps), n)}
		memo[u] = out
		return out
	}
	var best Path
	for _, u := range slices.Sorted(maps.Keys(byURN)) {
		if p := longest(u); p.Total > best.Total {
			best = p
		}
	}
	return best
}

func createTime(typ string) time.Duration {
	if c, ok := CreateTimes[typ]; ok {
		return c.Typical
	}
	return defaultCreate
}

// Text renders the path one step a line: type, name, create time.
func (p Path) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s in %d steps:\n", minutes(p.Total), len(p.Steps))
	for _, s := range p.Steps {
		fmt.Fprintf(&b, "  %-6s %s %s\n", minutes(createTime(s.Type)), s.Type, resource.URN(s.URN).Name())
	}
	return b.String()
}

// minutes renders d as "2m30s" or "45s".
func minutes(d time.Duration) string {
	return d.Round(time.Second).String()
}
