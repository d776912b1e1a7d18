// Package cost estimates what a planned stack of the lab costs a month at AWS
// list prices: the fixed cost, paid with no traffic at all (NAT gateway hours,
// public IPv4 addresses, interface endpoint hours per zone), item by item, and
// the unit prices of what traffic adds. It reads resource types and inputs
// from the offline plan, not the stack's configuration, and takes every
// number from one table, Prices.
package cost

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/platformlab/s3-gateway-lab/internal/proof/offlineplan"
)

// Resource types the estimate prices.
const (
	natGatewayType  = "aws:ec2/natGateway:NatGateway"
	eipType         = "aws:ec2/eip:Eip"
	vpcEndpointType = "aws:ec2/vpcEndpoint:VpcEndpoint"
	flowLogType     = "aws:ec2/flowLog:FlowLog"
	tableType       = "aws:dynamodb/table:Table"
	functionType    = "aws:lambda/function:Function"
	bucketV2Type    = "aws:s3/bucketV2:BucketV2"
	bucketType      = "aws:s3/bucket:Bucket"
	logGroupType    = "aws:cloudwatch/logGroup:LogGroup"
)

// freeTypes are AWS resource types that cost nothing by themselves; what
// they hold (objects, items) is priced at their bucket or table. An AWS type
// neither priced nor listed here is reported as not in the price table, so a
// new billable resource is never counted as free without a look.
var freeTypes = map[string]bool{
	"aws:ec2/vpc:Vpc":                                                                            true,
	"aws:ec2/subnet:Subnet":                                                                      true,
	"aws:ec2/routeTable:RouteTable":                                                              true,
	"aws:ec2/routeTableAssociation:RouteTableAssociation":                                        true,
	"aws:ec2/route:Route":                                                                        true,
	"aws:ec2/defaultRouteTable:DefaultRouteTable":                                                true,
	"aws:ec2/networkAcl:NetworkAcl":                                                              true,
	"aws:ec2/defaultNetworkAcl:DefaultNetworkAcl":                                                true,
	"aws:ec2/securityGroup:SecurityGroup":                                                        true,
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":                                          true,
	"aws:ec2/securityGroupRule:SecurityGroupRule":                                                true,
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":                                  true,
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":                                    true,
	"aws:ec2/internetGateway:InternetGateway":                                                    true,
	"aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway":                                true,
	"aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation":                  true,
	"aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy":                                                true,
	"aws:iam/role:Role":                                                                          true,
	"aws:iam/rolePolicy:RolePolicy":                                                              true,
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":                                          true,
	"aws:iam/policy:Policy":                                                                      true,
	"aws:lambda/permission:Permission":                                                           true,
	"aws:s3/bucketObjectv2:BucketObjectv2":                                                       true,
	"aws:s3/bucketObject:BucketObject":                                                           true,
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     true,
	"aws:s3/bucketPolicy:BucketPolicy":                                                           true,
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     true,
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": true,
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               true,
	"aws:s3/accessPoint:AccessPoint":                                                             true,
	"aws:s3control/accessPointPolicy:AccessPointPolicy":                                          true,
	"aws:dynamodb/tableItem:TableItem":                                                           true,
}

// Line is one priced item of a Breakdown.
type Line struct {
	Price Price
	// Resources are the logical names of the resources the line is for.
	Resources []string
	// Quantity is how many of Price.Unit a month the line counts, and
	// Detail how it was found ("2 zones x 730 h"); both are zero for a
	// usage-based line.
	Quantity float64
	Detail   string
	// Monthly is the line's fixed cost in US dollars a month, rounded to
	// the cent; 0 for a usage-based line.
	Monthly float64
}

// Breakdown is a stack's monthly cost.
type Breakdown struct {
	// Fixed lists what the stack costs idle, one line per resource, free
	// resources the reader might expect to pay for (gateway endpoints)
	// included at $0.
	Fixed []Line
	// Usage lists the unit prices traffic and storage add, one line per
	// price with the resources that incur it; none counts in Total.
	Usage []Line
	// Unpriced lists AWS resources the table has no price for, as
	// "type name: why".
	Unpriced []string
	// StackRegion is the region the stack deploys to, from the plan's
	// "region" output; empty when the plan does not say.
	StackRegion string
}

// Total returns the fixed cost a month in US dollars, rounded to the cent.
func (b Breakdown) Total() float64 {
	var cents int64
	for _, l := range b.Fixed {
		cents += toCents(l.Monthly)
	}
	return float64(cents) / 100
}

// Estimate prices the resources of p with Prices.
func Estimate(p *offlineplan.Plan) (Breakdown, error) {
	return estimate(p, Prices)
}

// estimate prices the resources of p with table. A price the estimate needs
// but table lacks is an error, never a silent zero.
func estimate(p *offlineplan.Plan, table []Price) (Breakdown, error) {
	e := estimator{prices: map[string]Price{}, order: map[string]int{}, usage: map[string][]string{}}
	for i, pr := range table {
		if _, dup := e.prices[pr.Key]; dup {
			return Breakdown{}, fmt.Errorf("price table: key %q appears twice", pr.Key)
		}
		e.prices[pr.Key] = pr
		e.order[pr.Key] = i
	}
	for _, r := range p.Resources {
		e.add(r)
	}
	if len(e.missing) > 0 {
		return Breakdown{}, fmt.Errorf("price table: no price for %s", strings.Join(e.missing, ", "))
	}
	b := Breakdown{Fixed: e.fixed, Unpriced: e.unpriced}
	if region, ok := p.Outputs["region"].(string); ok {
		b.StackRegion = region
	}
	sort.SliceStable(b.Fixed, func(i, j int) bool {
		oi, oj := e.order[b.Fixed[i].Price.Key], e.order[b.Fixed[j].Price.Key]
		if oi != oj {
			return oi < oj
		}
		return b.Fixed[i].Resources[0] < b.Fixed[j].Resources[0]
	})
	keys := make([]string, 0, len(e.usage))
	for k := range e.usage {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return e.order[keys[i]] < e.order[keys[j]] })
	for _, k := range keys {
		names := e.usage[k]
		sort.Strings(names)
		b.Usage = append(b.Usage, Line{Price: e.prices[k], Resources: slices.Compact(names)})
	}
	sort.Strings(b.Unpriced)
	return b, nil
}

// estimator collects the lines of a Breakdown, resource by resource.
type estimator struct {
	prices   map[string]Price
	order    map[string]int // a key's place in the table, to order lines
	missing  []string
	fixed    []Line
	usage    map[string][]string // price key to resource names
	unpriced []string
}

// price returns the price with key, recording a key the table lacks.
func (e *estimator) price(key string) (Price, bool) {
	pr, ok := e.prices[key]
	if !ok && !slices.Contains(e.missing, strconv.Quote(key)) {
		e.missing = append(e.missing, strconv.Quote(key))
	}
	return pr, ok
}

// addFixed adds a fixed line for resource name: quantity units of key.
func (e *estimator) addFixed(key, name string, quantity float64, detail string) {
	pr, ok := e.price(key)
	if !ok {
		return
	}
	e.fixed = append(e.fixed, Line{Price: pr, Resources: []string{name}, Quantity: quantity,
		Detail: detail, Monthly: float64(toCents(quantity*pr.USD)) / 100})
}

// addUsage lists resource name under the usage-based price key.
func (e *estimator) addUsage(key, name string) {
	if _, ok := e.price(key); ok {
		e.usage[key] = append(e.usage[key], name)
	}
}

func (e *estimator) addUnpriced(r offlineplan.Resource, why string) {
	e.unpriced = append(e.unpriced, fmt.Sprintf("%s %s: %s", r.Type, r.Name, why))
}

// add prices one resource.
func (e *estimator) add(r offlineplan.Resource) {
	hours := fmt.Sprintf("%d h", HoursPerMonth)
	switch r.Type {
	case natGatewayType:
		e.addFixed(NATGatewayHour, r.Name, HoursPerMonth, hours)
		e.addUsage(NATGatewayGB, r.Name)
	case eipType:
		e.addFixed(PublicIPv4Hour, r.Name, HoursPerMonth, hours)
	case vpcEndpointType:
		switch kind := stringInput(r, "vpcEndpointType", "Gateway"); kind {
		case "Gateway":
			e.addFixed(GatewayEndpointHour, r.Name, HoursPerMonth, hours)
		case "Interface":
			zones, ok := count(r.Inputs["subnetIds"])
			if !ok || zones == 0 {
				e.addUnpriced(r, "interface endpoint without a known list of subnetIds")
				return
			}
			e.addFixed(InterfaceEndpointHour, r.Name, float64(zones*HoursPerMonth),
				fmt.Sprintf("%d zone%s x %s", zones, plural(zones), hours))
			e.addUsage(InterfaceEndpointGB, r.Name)
		default:
			e.addUnpriced(r, fmt.Sprintf("endpoint type %q", kind))
		}
	case flowLogType:
		switch dest := stringInput(r, "logDestinationType", "cloud-watch-logs"); dest {
		case "cloud-watch-logs":
			e.addUsage(FlowLogsToLogsGB, r.Name)
		case "s3":
			e.addUsage(FlowLogsToS3GB, r.Name)
		default:
			e.addUnpriced(r, fmt.Sprintf("flow log destination %q", dest))
		}
	case tableType:
		if mode := stringInput(r, "billingMode", "PROVISIONED"); mode != "PAY_PER_REQUEST" {
			e.addUnpriced(r, fmt.Sprintf("billing mode %s (provisioned capacity is charged by the hour)", mode))
			return
		}
		e.addUsage(DynamoDBStorage, r.Name)
		e.addUsage(DynamoDBReads, r.Name)
	case functionType:
		archs, _ := r.Inputs["architectures"].([]any)
		if len(archs) == 1 && archs[0] == "arm64" {
			e.addUsage(LambdaARMGBSecond, r.Name)
		} else {
			e.addUnpriced(r, "duration of a function that is not arm64")
		}
		e.addUsage(LambdaRequests, r.Name)
	case bucketV2Type, bucketType:
		e.addUsage(S3StandardGBMonth, r.Name)
	case logGroupType:
		e.addUsage(LogsIngestGB, r.Name)
		e.addUsage(LogsStorageGBMonth, r.Name)
	default:
		if strings.HasPrefix(r.Type, "aws:") && !freeTypes[r.Type] {
			e.addUnpriced(r, "type not in the price table")
		}
	}
}

// stringInput returns the string input key of r, or def when it is unset.
func stringInput(r offlineplan.Resource, key, def string) string {
	if s, ok := r.Inputs[key].(string); ok && s != "" {
		return s
	}
	return def
}

// count returns the length of a list input.
func count(v any) (int, bool) {
	switch l := v.(type) {
	case []any:
		return len(l), true
	case []string:
		return len(l), true
	}
	return 0, false
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func toCents(usd float64) int64 {
	return int64(math.Round(usd * 100))
}

// Dollars formats an amount in US dollars to the cent: "$36.50".
func Dollars(usd float64) string {
	return fmt.Sprintf("$%.2f", usd)
}

// UnitPrice formats a unit price with as many decimals as it has, and at
// least two: "$0.045/hour", "$0.50/GB".
func UnitPrice(p Price) string {
	s := strconv.FormatFloat(p.USD, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i < 0 || len(s)-i-1 < 2 {
		s = strconv.FormatFloat(p.USD, 'f', 2, 64)
	}
	return "$" + s + "/" + string(p.Unit)
}

// takenText renders the month prices were taken ("2026-11") as
// "November 2026".
func takenText() string {
	t, err := time.Parse("2006-01", Taken)
	if err != nil {
		return Taken
	}
	return t.Format("January 2006")
}

// Text renders the breakdown: the fixed items with their amounts and total,
// then the usage-based prices, then what the table does not price.
func (b Breakdown) Text() string {
	var s strings.Builder
	fmt.Fprintf(&s, "Monthly cost (%s list prices, %s; other regions differ):\n", Region, takenText())
	if b.StackRegion != "" && b.StackRegion != Region {
		fmt.Fprintf(&s, "  The stack deploys to %s: its prices differ from these.\n", b.StackRegion)
	}
	if len(b.Fixed) == 0 {
		s.WriteString("  (nothing with a fixed cost)\n")
	}
	var rows [][]string
	for _, l := range b.Fixed {
		how := "free"
		if l.Price.USD != 0 {
			how = l.Detail + " x " + UnitPrice(l.Price)
		}
		rows = append(rows, []string{l.Price.Item, strings.Join(l.Resources, ", "), how, fmt.Sprintf("%9s", Dollars(l.Monthly))})
	}
	writeColumns(&s, rows)
	fmt.Fprintf(&s, "  Total fixed per month: %s\n", Dollars(b.Total()))
	if len(b.Usage) > 0 {
		s.WriteString("Usage-based (not in the total):\n")
		rows = rows[:0]
		for _, l := range b.Usage {
			row := []string{l.Price.Item, UnitPrice(l.Price), strings.Join(l.Resources, ", ")}
			if l.Price.Note != "" {
				row = append(row, "("+l.Price.Note+")")
			}
			rows = append(rows, row)
		}
		writeColumns(&s, rows)
	}
	if len(b.Unpriced) > 0 {
		s.WriteString("Not in the price table (check by hand):\n")
		for _, u := range b.Unpriced {
			fmt.Fprintf(&s, "  %s\n", u)
		}
	}
	fmt.Fprintf(&s, "Prices: %s, list prices, as read in %s on the AWS pricing pages named in internal/proof/cost/prices.go; a month is %d hours.\n",
		Region, takenText(), HoursPerMonth)
	return s.String()
}

// writeColumns writes rows indented by two spaces, each column but the last
// padded to its widest cell.
func writeColumns(s *strings.Builder, rows [][]string) {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, row := range rows {
		s.WriteString(" ")
		for i, cell := range row {
			s.WriteString(" ")
			s.WriteString(cell)
			if i < len(row)-1 {
				s.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)+1))
			}
		}
		s.WriteString("\n")
	}
}
