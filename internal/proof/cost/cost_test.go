package cost

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/proof/offlineplan"
)

// Resource builders for synthetic plans: inputs as the plan decodes them
// (JSON values, lists as []any).
func res(typ, name string, inputs map[string]any) offlineplan.Resource {
	if inputs == nil {
		inputs = map[string]any{}
	}
	return offlineplan.Resource{Type: typ, Name: name, Inputs: inputs}
}

func nat(name string) offlineplan.Resource { return res(natGatewayType, name, nil) }
func eip(name string) offlineplan.Resource {
	return res(eipType, name, map[string]any{"domain": "vpc"})
}

func interfaceEndpoint(name string, subnets ...any) offlineplan.Resource {
	return res(vpcEndpointType, name, map[string]any{"vpcEndpointType": "Interface",
		"serviceName": "com.amazonaws.us-east-1.ssm", "subnetIds": subnets})
}

func gatewayEndpoint(name string) offlineplan.Resource {
	return res(vpcEndpointType, name, map[string]any{"vpcEndpointType": "Gateway",
		"serviceName": "com.amazonaws.us-east-1.s3"})
}

// free is what every variant registers and AWS does not charge for.
func free() []offlineplan.Resource {
	return []offlineplan.Resource{
		{Type: "pulumi:pulumi:Stack", Name: "s3-gateway-lab-dev"},
		res("s3gwlab:index:S3GatewayLab", "lab", nil),
		res("pulumi:providers:aws", "lab-cross-region", map[string]any{"region": "eu-west-1"}),
		res("aws:ec2/vpc:Vpc", "lab-vpc", map[string]any{"cidrBlock": "10.42.0.0/16"}),
		res("aws:ec2/subnet:Subnet", "lab-private-us-east-1a", nil),
		res("aws:ec2/routeTable:RouteTable", "lab-rt-us-east-1a", nil),
		res("aws:ec2/routeTableAssociation:RouteTableAssociation", "lab-rta-us-east-1a", nil),
		res("aws:ec2/securityGroup:SecurityGroup", "lab-fn-sg", nil),
		res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "lab-default-sg", nil),
		res("aws:iam/role:Role", "lab-fn-role", nil),
		res("aws:iam/rolePolicy:RolePolicy", "lab-fn-policy", nil),
		res("aws:s3/bucketPolicy:BucketPolicy", "lab-bucket-policy", nil),
	}
}

// everything registers a resource for every entry of Prices.
func everything() []offlineplan.Resource {
	return append(free(),
		nat("lab-nat-us-east-1a"), nat("lab-nat-us-east-1b"),
		eip("lab-nat-eip-us-east-1a"), eip("lab-nat-eip-us-east-1b"),
		interfaceEndpoint("lab-ssm-endpoint", "subnet-a", "subnet-b", "subnet-c"),
		gatewayEndpoint("lab-s3-endpoint"),
		res(flowLogType, "lab-flow-logs", map[string]any{"logDestinationType": "cloud-watch-logs"}),
		res(flowLogType, "lab-flow-logs-s3", map[string]any{"logDestinationType": "s3"}),
		res(tableType, "lab-table", map[string]any{"billingMode": "PAY_PER_REQUEST"}),
		res(functionType, "lab-fn", map[string]any{"architectures": []any{"arm64"}}),
		res(bucketV2Type, "lab-bucket", nil),
		res(logGroupType, "lab-fn-logs", nil),
	)
}

func planOf(rs ...offlineplan.Resource) *offlineplan.Plan {
	return &offlineplan.Plan{Resources: rs, Outputs: map[string]any{"region": "us-east-1"}}
}

func keys(lines []Line) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l.Price.Key)
	}
	return out
}

func TestEstimateFixed(t *testing.T) {
	tests := []struct {
		name      string
		resources []offlineplan.Resource
		wantTotal string
		wantFixed []string // "key resource monthly"
	}{
		{"nothing billable", free(), "$0.00", nil},
		{"one NAT gateway and its EIP", []offlineplan.Resource{nat("lab-nat"), eip("lab-nat-eip")}, "$36.50",
			[]string{"nat-gateway-hour lab-nat $32.85", "public-ipv4-hour lab-nat-eip $3.65"}},
		{"interface endpoint in 2 subnets", []offlineplan.Resource{interfaceEndpoint("lab-ssm", "subnet-a", "subnet-b")}, "$14.60",
			[]string{"interface-endpoint-hour lab-ssm $14.60"}},
		{"interface endpoint in 1 subnet", []offlineplan.Resource{interfaceEndpoint("lab-ssm", "[unknown lab-private-us-east-1a.id]")}, "$7.30",
			[]string{"interface-endpoint-hour lab-ssm $7.30"}},
		{"gateway endpoint is listed free", []offlineplan.Resource{gatewayEndpoint("lab-s3-endpoint")}, "$0.00",
			[]string{"gateway-endpoint-hour lab-s3-endpoint $0.00"}},
		{"endpoint type unset is a gateway endpoint", []offlineplan.Resource{res(vpcEndpointType, "lab-ddb-endpoint", nil)}, "$0.00",
			[]string{"gateway-endpoint-hour lab-ddb-endpoint $0.00"}},
		{"usage-based resources cost nothing idle", []offlineplan.Resource{
			res(flowLogType, "lab-flow-logs", nil),
			res(tableType, "lab-table", map[string]any{"billingMode": "PAY_PER_REQUEST"}),
			res(functionType, "lab-fn", map[string]any{"architectures": []any{"arm64"}}),
			res(bucketV2Type, "lab-bucket", nil),
			res(logGroupType, "lab-fn-logs", nil),
		}, "$0.00", nil},
		// 2 x 32.85 + 2 x 3.65 + 3 x 7.30 = 94.90
		{"everything", everything(), "$94.90", []string{
			"nat-gateway-hour lab-nat-us-east-1a $32.85", "nat-gateway-hour lab-nat-us-east-1b $32.85",
			"public-ipv4-hour lab-nat-eip-us-east-1a $3.65", "public-ipv4-hour lab-nat-eip-us-east-1b $3.65",
			"interface-endpoint-hour lab-ssm-endpoint $21.90", "gateway-endpoint-hour lab-s3-endpoint $0.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Estimate(planOf(tt.resources...))
			if err != nil {
				t.Fatalf("Estimate: %v", err)
			}
			if got := Dollars(b.Total()); got != tt.wantTotal {
				t.Errorf("total: got %s, want %s", got, tt.wantTotal)
			}
			var fixed []string
			for _, l := range b.Fixed {
				fixed = append(fixed, l.Price.Key+" "+strings.Join(l.Resources, ",")+" "+Dollars(l.Monthly))
			}
			if !slices.Equal(fixed, tt.wantFixed) {
				t.Errorf("fixed lines: got %q, want %q", fixed, tt.wantFixed)
			}
			if len(b.Unpriced) > 0 {
				t.Errorf("unpriced: got %q, want none", b.Unpriced)
			}
			if got, want := strings.Contains(b.Text(), "Total fixed per month: "+tt.wantTotal+"\n"), true; got != want {
				t.Errorf("text shows total %s: got %v, want %v\n%s", tt.wantTotal, got, want, b.Text())
			}
		})
	}
}

func TestEstimateUsage(t *testing.T) {
	tests := []struct {
		name     string
		resource offlineplan.Resource
		want     []string
	}{
		{"NAT gateway data", nat("lab-nat"), []string{NATGatewayGB}},
		{"interface endpoint data", interfaceEndpoint("lab-ssm", "subnet-a"), []string{InterfaceEndpointGB}},
		{"gateway endpoint data is free", gatewayEndpoint("lab-s3-endpoint"), nil},
		{"flow logs default to CloudWatch Logs", res(flowLogType, "lab-flow-logs", nil), []string{FlowLogsToLogsGB}},
		{"flow logs to S3", res(flowLogType, "lab-flow-logs", map[string]any{"logDestinationType": "s3"}), []string{FlowLogsToS3GB}},
		{"on-demand table", res(tableType, "lab-table", map[string]any{"billingMode": "PAY_PER_REQUEST"}),
			[]string{DynamoDBStorage, DynamoDBReads}},
		{"arm64 function", res(functionType, "lab-fn", map[string]any{"architectures": []any{"arm64"}}),
			[]string{LambdaARMGBSecond, LambdaRequests}},
		{"bucket", res(bucketV2Type, "lab-bucket", nil), []string{S3StandardGBMonth}},
		{"log group", res(logGroupType, "lab-fn-logs", nil), []string{LogsIngestGB, LogsStorageGBMonth}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Estimate(planOf(tt.resource))
			if err != nil {
				t.Fatalf("Estimate: %v", err)
			}
			if got := keys(b.Usage); !slices.Equal(got, tt.want) {
				t.Errorf("usage prices: got %q, want %q", got, tt.want)
			}
			for _, l := range b.Usage {
				if l.Monthly != 0 || !slices.Equal(l.Resources, []string{tt.resource.Name}) {
					t.Errorf("usage line %s: got $%v for %q, want $0 for [%s]", l.Price.Key, l.Monthly, l.Resources, tt.resource.Name)
				}
			}
		})
	}
}

func TestEstimateUnpriced(t *testing.T) {
	tests := []struct {
		name     string
		resource offlineplan.Resource
		want     string
	}{
		{"provisioned table", res(tableType, "lab-table", nil),
			"aws:dynamodb/table:Table lab-table: billing mode PROVISIONED (provisioned capacity is charged by the hour)"},
		{"x86_64 function", res(functionType, "lab-fn", nil),
			"aws:lambda/function:Function lab-fn: duration of a function that is not arm64"},
		{"interface endpoint without subnets", res(vpcEndpointType, "lab-ssm", map[string]any{"vpcEndpointType": "Interface"}),
			"aws:ec2/vpcEndpoint:VpcEndpoint lab-ssm: interface endpoint without a known list of subnetIds"},
		{"gateway load balancer endpoint", res(vpcEndpointType, "lab-gwlb", map[string]any{"vpcEndpointType": "GatewayLoadBalancer"}),
			`aws:ec2/vpcEndpoint:VpcEndpoint lab-gwlb: endpoint type "GatewayLoadBalancer"`},
		{"flow logs to Firehose", res(flowLogType, "lab-flow-logs", map[string]any{"logDestinationType": "kinesis-data-firehose"}),
			`aws:ec2/flowLog:FlowLog lab-flow-logs: flow log destination "kinesis-data-firehose"`},
		{"AWS type the table does not know", res("aws:kms/key:Key", "lab-key", nil),
			"aws:kms/key:Key lab-key: type not in the price table"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Estimate(planOf(tt.resource))
			if err != nil {
				t.Fatalf("Estimate: %v", err)
			}
			if !slices.Equal(b.Unpriced, []string{tt.want}) {
				t.Errorf("unpriced: got %q, want [%q]", b.Unpriced, tt.want)
			}
			if len(b.Fixed) != 0 || b.Total() != 0 {
				t.Errorf("fixed: got %d lines, %s, want none", len(b.Fixed), Dollars(b.Total()))
			}
			if text := b.Text(); !strings.Contains(text, "Not in the price table (check by hand):\n  "+tt.want+"\n") {
				t.Errorf("text: got\n%s\nwant it to name %q", text, tt.want)
			}
		})
	}
}

func TestPriceTable(t *testing.T) {
	seen := map[string]bool{}
	// Every price is of Region, read in the month Taken.
	if _, err := time.Parse("2006-01", Taken); err != nil {
		t.Errorf("Taken %q is not a month: %v", Taken, err)
	}
	for _, p := range Prices {
		t.Run(p.Key, func(t *testing.T) {
			if p.Key == "" || seen[p.Key] {
				t.Errorf("key: got %q, want a unique key", p.Key)
			}
			seen[p.Key] = true
			if p.Item == "" || p.Unit == "" || p.Source == "" {
				t.Errorf("got item %q, unit %q, source %q, want all three", p.Item, p.Unit, p.Source)
			}
			if p.USD < 0 || (p.USD == 0) != (p.Key == GatewayEndpointHour) {
				t.Errorf("price: got %v, want positive (zero only for what AWS does not charge for)", p.USD)
			}
		})
	}
}

// TestEveryPriceIsUsed: a plan with every priced resource uses every entry
// of the table, so the table holds no dead prices.
func TestEveryPriceIsUsed(t *testing.T) {
	b, err := Estimate(planOf(everything()...))
	if err != nil {
		t.Fatalf("Estimate: %v", err)
	}
	used := append(keys(b.Fixed), keys(b.Usage)...)
	for _, p := range Prices {
		if !slices.Contains(used, p.Key) {
			t.Errorf("price %s: got unused, want used by some resource", p.Key)
		}
	}
}

// TestNumbersComeFromTheTable: the estimate takes every number from the
// table it is given; a price it needs but the table lacks is an error.
func TestNumbersComeFromTheTable(t *testing.T) {
	t.Run("a missing price is an error", func(t *testing.T) {
		for _, missing := range Prices {
			table := slices.DeleteFunc(slices.Clone(Prices), func(p Price) bool { return p.Key == missing.Key })
			_, err := estimate(planOf(everything()...), table)
			if err == nil || !strings.Contains(err.Error(), `"`+missing.Key+`"`) {
				t.Errorf("without %s: got error %v, want one naming it", missing.Key, err)
			}
		}
	})
	t.Run("a changed price changes the estimate", func(t *testing.T) {
		table := slices.Clone(Prices)
		for i := range table {
			table[i].USD *= 10
		}
		b, err := estimate(planOf(nat("lab-nat"), eip("lab-nat-eip")), table)
		if err != nil {
			t.Fatalf("estimate: %v", err)
		}
		if got, want := Dollars(b.Total()), "$365.00"; got != want {
			t.Errorf("total at ten times the prices: got %s, want %s", got, want)
		}
	})
	t.Run("a key twice is an error", func(t *testing.T) {
		_, err := estimate(planOf(), append(slices.Clone(Prices), Prices[0]))
		if err == nil {
			t.Errorf("got no error, want one for key %s twice", Prices[0].Key)
		}
	})
}

func TestText(t *testing.T) {
	rs := []offlineplan.Resource{gatewayEndpoint("lab-s3-endpoint"), eip("lab-nat-eip"), nat("lab-nat"),
		res(logGroupType, "lab-fn-logs", nil), res(tableType, "lab-table", map[string]any{"billingMode": "PAY_PER_REQUEST"})}
	want := `Monthly cost (us-east-1 list prices, November 2026; other regions differ):
  NAT gateway hours                lab-nat          730 h x $0.045/hour     $32.85
  Public IPv4 address hours        lab-nat-eip      730 h x $0.005/hour      $3.65
  Gateway endpoint (S3, DynamoDB)  lab-s3-endpoint  free                     $0.00
  Total fixed per month: $36.50
Usage-based (not in the total):
  NAT gateway data processed  $0.045/GB                     lab-nat
  CloudWatch Logs ingestion   $0.50/GB                      lab-fn-logs
  CloudWatch Logs storage     $0.03/GB-month                lab-fn-logs
  DynamoDB storage            $0.25/GB-month                lab-table    (first 25 GB a month free; a seeded item is negligible)
  DynamoDB on-demand reads    $0.125/1M read request units  lab-table    (as of the November 2024 on-demand price cut)
Prices: us-east-1, list prices, as read in November 2026 on the AWS pricing pages named in internal/proof/cost/prices.go; a month is 730 hours.
`
	b, err := Estimate(planOf(rs...))
	if err != nil {
		t.Fatalf("Estimate: %v", err)
	}
	if got := b.Text(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// The order of the plan's resources does not change the text.
	slices.Reverse(rs)
	b, err = Estimate(planOf(rs...))
	if err != nil {
		t.Fatalf("Estimate: %v", err)
	}
	if got := b.Text(); got != want {
		t.Errorf("resources reversed: got\n%s\nwant\n%s", got, want)
	}
}

func TestTextOtherRegion(t *testing.T) {
	p := planOf()
	p.Outputs["region"] = "eu-west-1"
	b, err := Estimate(p)
	if err != nil {
		t.Fatalf("Estimate: %v", err)
	}
	if got, want := b.Text(), "  The stack deploys to eu-west-1: its prices differ from these.\n"; !strings.Contains(got, want) {
		t.Errorf("got\n%s\nwant a line %q", got, want)
	}
}

func TestUnitPrice(t *testing.T) {
	tests := []struct {
		usd  float64
		unit Unit
		want string
	}{
		{0.045, PerHour, "$0.045/hour"},
		{0.5, PerGB, "$0.50/GB"},
		{0.2, PerMillionCalls, "$0.20/1M requests"},
		{0.0000133334, PerGBSecond, "$0.0000133334/GB-second"},
		{1, PerGBMonth, "$1.00/GB-month"},
	}
	for _, tt := range tests {
		if got := UnitPrice(Price{USD: tt.usd, Unit: tt.unit}); got != tt.want {
			t.Errorf("UnitPrice(%v %s): got %s, want %s", tt.usd, tt.unit, got, tt.want)
		}
	}
}
