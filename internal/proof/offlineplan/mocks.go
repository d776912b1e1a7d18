// Package plan runs a Pulumi program on the Pulumi Go SDK's mock monitor and
// records every resource it registers: no engine, no AWS, no credentials, no
// network. It is how a reviewer sees the lab's resource graph offline, and how
// tests assert on it.
package offlineplan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Mock facts: what the AWS provider's lookups answer offline.
const (
	MockAccountID   = "123456789012"
	MockDeployerARN = "arn:aws:iam::" + MockAccountID + ":role/platform-deployer"
)

// Unknown is the placeholder for a value known only after deployment, as in
// "[unknown lab-vpc.id]": the resource's name and the output's name.
func Unknown(resourceName, output string) string {
	return fmt.Sprintf("[unknown %s.%s]", resourceName, output)
}

// Resource is one registered resource, shaped like an entry of
// `pulumi stack export`'s deployment.resources.
type Resource struct {
	URN          string         `json:"urn"`
	Custom       bool           `json:"custom"`
	Type         string         `json:"type"`
	Parent       string         `json:"parent,omitempty"`
	Provider     string         `json:"provider,omitempty"`
	Inputs       map[string]any `json:"inputs"`
	Dependencies []string       `json:"dependencies,omitempty"`

	// Name is the resource's logical name.
	Name string `json:"-"`
	// State is what the mock returned as the resource's outputs.
	State resource.PropertyMap `json:"-"`
}

// Mocks is a pulumi.MockResourceMonitor that records what is registered and
// answers the AWS lookups the lab makes. An invoke it does not know fails.
type Mocks struct {
	// Project and Stack make the URNs, as the engine would.
	Project, Stack string
	// Region is what aws:getRegion answers and what zones are named after.
	Region string
	// AccountID is the account aws:getCallerIdentity answers (default
	// MockAccountID).
	AccountID string

	mu        sync.Mutex
	resources []Resource
	invokes   []string
}

// computedOutputs lists, per type, the outputs the provider computes; the
// mock answers them with Unknown placeholders.
var computedOutputs = map[string][]string{
	"aws:ec2/vpcEndpoint:VpcEndpoint":                   {"prefixListId", "cidrBlocks"},
	"aws:s3/bucketV2:BucketV2":                          {"bucket", "bucketRegionalDomainName"},
	"aws:iam/role:Role":                                 {"name", "uniqueId"},
	"aws:lambda/function:Function":                      {"name", "invokeArn", "qualifiedArn"},
	"aws:cloudwatch/logGroup:LogGroup":                  {"name"},
	"aws:ec2/securityGroup:SecurityGroup":               {"name"},
	"aws:ec2/vpc:Vpc":                                   {"defaultRouteTableId", "mainRouteTableId"},
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {"name"},
	"aws:dynamodb/table:Table":                          {"name"},
	"aws:ec2/natGateway:NatGateway":                     {"publicIp"},
}

// The prefix list IDs the mock's getManagedPrefixList answers for S3 and
// DynamoDB in us-east-1 (AWS's real ones there); other regions get
// "pl-mock-<region>-<service>".
const (
	S3PrefixList       = "pl-63a5400a"
	DynamoDBPrefixList = "pl-02cd2c6b"
)

// NewResource records the resource and returns its inputs plus placeholders
// for the outputs the provider would compute.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	state := args.Inputs.Copy()
	id := ""
	if args.Custom {
		id = Unknown(args.Name, "id")
		outs := append([]string{"arn"}, computedOutputs[args.TypeToken]...)
		for _, k := range outs {
			if _, ok := state[resource.PropertyKey(k)]; !ok {
				state[resource.PropertyKey(k)] = resource.NewProperty(Unknown(args.Name, k))
			}
		}
	}
	// An interface endpoint's DNS entries: the regional one first, as EC2
	// lists them.
	if args.TypeToken == "aws:ec2/vpcEndpoint:VpcEndpoint" {
		if _, ok := state["dnsEntries"]; !ok {
			state["dnsEntries"] = resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{
				"dnsName":      resource.NewProperty(Unknown(args.Name, "dnsEntries[0].dnsName")),
				"hostedZoneId": resource.NewProperty(Unknown(args.Name, "dnsEntries[0].hostedZoneId")),
			})})
		}
	}
	rpc := args.RegisterRPC
	r := Resource{
		Custom:   args.Custom,
		Type:     args.TypeToken,
		Name:     args.Name,
		Provider: args.Provider,
		Inputs:   plainMap(args.Inputs),
		State:    state,
	}
	if rpc != nil {
		r.Parent = rpc.GetParent()
		r.Dependencies = slices.Sorted(slices.Values(rpc.GetDependencies()))
	}
	r.URN = m.urn(r.Parent, r.Type, r.Name)
	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	return id, state, nil
}

// account is the account the mocks answer for.
func (m *Mocks) account() string {
	if m.AccountID != "" {
		return m.AccountID
	}
	return MockAccountID
}

// DeployerARN is the role the mocks say runs the update: MockDeployerARN, in
// the mocks' account.
func (m *Mocks) DeployerARN() string {
	return "arn:aws:iam::" + m.account() + ":role/platform-deployer"
}

func (m *Mocks) sessionARN() string {
	return "arn:aws:sts::" + m.account() + ":assumed-role/platform-deployer/pulumi-session"
}

// Call answers the lookups the lab makes and fails on any other.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.invokes = append(m.invokes, args.Token)
	m.mu.Unlock()
	region := m.region()
	var out map[string]any
	switch args.Token {
	case "aws:index/getRegion:getRegion":
		out = map[string]any{"name": region, "id": region, "description": region,
			"endpoint": "ec2." + region + ".amazonaws.com"}
	case "aws:index/getPartition:getPartition":
		out = map[string]any{"partition": "aws", "id": "aws", "dnsSuffix": "amazonaws.com",
			"reverseDnsPrefix": "com.amazonaws"}
	case "aws:index/getCallerIdentity:getCallerIdentity":
		out = map[string]any{"accountId": m.account(), "arn": m.sessionARN(), "id": m.account(),
			"userId": "AROAEXAMPLE:pulumi-session"}
	case "aws:iam/getSessionContext:getSessionContext":
		arn := args.Args["arn"].StringValue()
		if arn != m.sessionARN() {
			return nil, fmt.Errorf("mock getSessionContext: unexpected arn %q", arn)
		}
		out = map[string]any{"arn": arn, "id": arn, "issuerArn": m.DeployerARN(), "issuerId": "AROAEXAMPLE",
			"issuerName": "platform-deployer", "sessionName": "pulumi-session"}
	case "aws:ec2/getManagedPrefixList:getManagedPrefixList":
		name := args.Args["name"].StringValue()
		service, ok := strings.CutPrefix(name, "com.amazonaws."+region+".")
		id, known := map[string]string{"s3": S3PrefixList, "dynamodb": DynamoDBPrefixList}[service]
		if !ok || !known {
			return nil, fmt.Errorf("mock getManagedPrefixList: unexpected name %q", name)
		}
		if region != "us-east-1" {
			id = "pl-mock-" + region + "-" + service
		}
		out = map[string]any{"id": id, "name": name, "addressFamily": "IPv4", "maxEntries": 0}
	case "aws:ec2/getVpcEndpointService:getVpcEndpointService":
		name := args.Args["serviceName"].StringValue()
		if args.Args["serviceType"].StringValue() != "Interface" {
			return nil, fmt.Errorf("mock getVpcEndpointService: %s: want serviceType Interface", name)
		}
		names, _ := Zones(region)
		// As in AWS, not every service is offered in every zone: in the
		// mock, bedrock-runtime lacks the region's last zone.
		if strings.HasSuffix(name, ".bedrock-runtime") {
			names = names[:len(names)-1]
		}
		out = map[string]any{"id": name, "serviceName": name, "serviceType": "Interface", "availabilityZones": names,
			"privateDnsName": "", "serviceId": "vpce-svc-mock"}
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		names, ids := Zones(region)
		out = map[string]any{"id": region, "names": names, "zoneIds": ids, "groupNames": []string{region}}
	default:
		return nil, fmt.Errorf("plan mocks: unexpected invoke %s: add it to internal/proof/offlineplan.Mocks.Call", args.Token)
	}
	return resource.NewPropertyMapFromMap(out), nil
}

// Zones are the availability zones the mock region has: six for us-east-1,
// four for us-west-2, three elsewhere. As in a real account, names and IDs
// do not line up: zone "a" is az2, and the last zone is az1.
func Zones(region string) (names, ids []string) {
	n := 3
	switch region {
	case "us-east-1":
		n = 6
	case "us-west-2":
		n = 4
	}
	for i := range n {
		names = append(names, fmt.Sprintf("%s%c", region, 'a'+i))
		ids = append(ids, fmt.Sprintf("%s-az%d", regionCode(region), (i+1)%n+1))
	}
	return names, ids
}

// regionCode abbreviates a region name as zone IDs do: us-east-1 -> use1,
// ap-southeast-2 -> apse2, eu-central-1 -> euc1.
func regionCode(region string) string {
	parts := strings.Split(region, "-")
	var b strings.Builder
	for i, p := range parts {
		switch {
		case i == 0 || i == len(parts)-1:
			b.WriteString(p)
		default:
			for _, dir := range []string{"north", "south", "east", "west", "central"} {
				if strings.HasPrefix(p, dir) {
					b.WriteByte(dir[0])
					p = strings.TrimPrefix(p, dir)
				}
			}
		}
	}
	return b.String()
}

// urn builds a URN the way the engine (and the SDK's mock monitor) does.
func (m *Mocks) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.Stack), tokens.PackageName(m.Project), parentType, tokens.Type(typ), name))
}

func (m *Mocks) region() string {
	if m.Region == "" {
		return "us-east-1"
	}
	return m.Region
}

// Resources returns what was registered, in registration order.
func (m *Mocks) Resources() []Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.resources)
}

// Invokes returns the tokens of the invokes made, in order.
func (m *Mocks) Invokes() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.invokes)
}

// plainMap turns registered inputs into plain JSON values: unknowns become
// "[unknown]", secrets "[secret]", archives and assets their paths, and
// policy documents are decoded so that a plan diff shows statement changes.
func plainMap(pm resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(pm))
	for k, v := range pm {
		out[string(k)] = plain(string(k), v)
	}
	return out
}

func plain(key string, v resource.PropertyValue) any {
	switch {
	case v.IsComputed():
		return "[unknown]"
	case v.IsOutput():
		if !v.OutputValue().Known {
			return "[unknown]"
		}
		return plain(key, v.OutputValue().Element)
	case v.IsSecret():
		return "[secret]"
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		s := v.StringValue()
		if strings.HasSuffix(strings.ToLower(key), "policy") && strings.HasPrefix(s, "{") {
			var doc any
			if json.Unmarshal([]byte(s), &doc) == nil {
				return doc
			}
		}
		return s
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = plain(key, e)
		}
		return out
	case v.IsObject():
		return plainMap(v.ObjectValue())
	case v.IsArchive():
		a := v.ArchiveValue()
		switch {
		case a.Path != "":
			return map[string]any{"archive": a.Path}
		case len(a.Assets) > 0:
			return map[string]any{"archive": "assets"}
		}
		return map[string]any{"archive": a.URI}
	case v.IsAsset():
		a := v.AssetValue()
		if a.Path != "" {
			return map[string]any{"asset": a.Path}
		}
		return map[string]any{"asset": "text"}
	case v.IsResourceReference():
		return v.ResourceReferenceValue().URN
	}
	return fmt.Sprintf("[%s]", v.TypeString())
}
