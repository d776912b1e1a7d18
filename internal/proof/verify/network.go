package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// skip is the row of a check of a part the stack does not deploy.
func skip(check, expected, why string) Result {
	return Result{Check: check, Expected: expected, Observed: "not deployed (" + why + ")", Status: Skip}
}

// routeWant is what each route table of a set must route.
type routeWant struct {
	// label starts each row's name ("route table ", "restricted route table ").
	label string
	// s3 is the S3 prefix-list route ("pl-... -> vpce-..."); empty skips
	// that row, saying s3Skip.
	s3, s3Skip string
	// dynamoDB is the DynamoDB prefix-list route; empty: no row. A
	// dynamoDBErr means its prefix list could not be read.
	dynamoDB    string
	dynamoDBErr error
	// nat is the default route to the NAT gateway ("0.0.0.0/0 -> nat-...");
	// empty: the table must have no default route.
	nat string
}

// tableRoutes are a route table's routes as the rows show them.
type tableRoutes struct {
	prefixLists, defaults []string
}

// describeTables reads route tables by filter, not by ID: a missing ID then
// leaves its table out (a FAIL of that table) instead of failing the whole
// call with InvalidRouteTableID.NotFound (an ERROR of every table).
func (v *Verifier) describeTables(ctx context.Context, ids []string) (map[string]tableRoutes, error) {
	out, err := v.EC2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{
		Filters: []ec2types.Filter{{Name: aws.String("route-table-id"), Values: ids}},
	})
	if err != nil {
		return nil, err
	}
	tables := map[string]tableRoutes{}
	for _, rt := range out.RouteTables {
		var t tableRoutes
		for _, r := range rt.Routes {
			target := firstNonEmpty(aws.ToString(r.GatewayId), aws.ToString(r.NatGatewayId), aws.ToString(r.NetworkInterfaceId),
				aws.ToString(r.TransitGatewayId), aws.ToString(r.VpcPeeringConnectionId), aws.ToString(r.EgressOnlyInternetGatewayId))
			if pl := aws.ToString(r.DestinationPrefixListId); pl != "" {
				t.prefixLists = append(t.prefixLists, fmt.Sprintf("%s -> %s (%s)", pl, target, r.State))
			}
			if d := firstNonEmpty(aws.ToString(r.DestinationCidrBlock), aws.ToString(r.DestinationIpv6CidrBlock)); d == "0.0.0.0/0" || d == "::/0" {
				t.defaults = append(t.defaults, fmt.Sprintf("%s -> %s (%s)", d, target, r.State))
			}
		}
		tables[aws.ToString(rt.RouteTableId)] = t
	}
	return tables, nil
}

// routeRows checks each table of ids against want.
func (v *Verifier) routeRows(ctx context.Context, ids []string, want routeWant) []Result {
	s3Check := func(id string) string { return want.label + id + ": S3 prefix-list route" }
	defaultCheck := func(id string) string {
		if want.nat != "" {
			return want.label + id + ": default route to the NAT gateway"
		}
		return want.label + id + ": no default route"
	}
	// first names a table's first row, which stands for the table when it
	// cannot be read.
	first := func(id string) (string, string) {
		if want.s3 != "" {
			return s3Check(id), want.s3
		}
		return defaultCheck(id), firstNonEmpty(want.nat, "none to 0.0.0.0/0 or ::/0")
	}
	tables, err := v.describeTables(ctx, ids)
	var rs []Result
	for _, id := range ids {
		check, expected := first(id)
		if err != nil {
			rs = append(rs, apiError(check, expected, err))
			continue
		}
		t, found := tables[id]
		if !found {
			rs = append(rs, result(check, expected, "route table not found", false))
			continue
		}
		if want.s3 != "" {
			rs = append(rs, result(s3Check(id), want.s3, orNone(t.prefixLists), slices.Contains(t.prefixLists, want.s3+" (active)")))
		} else {
			rs = append(rs, skip(s3Check(id), "a route to the S3 gateway endpoint", want.s3Skip))
		}
		ddbCheck := want.label + id + ": DynamoDB prefix-list route"
		switch {
		case want.dynamoDBErr != nil:
			rs = append(rs, apiError(ddbCheck, "a route to the DynamoDB endpoint", want.dynamoDBErr))
		case want.dynamoDB != "":
			rs = append(rs, result(ddbCheck, want.dynamoDB, orNone(t.prefixLists), slices.Contains(t.prefixLists, want.dynamoDB+" (active)")))
		}
		if want.nat != "" {
			rs = append(rs, result(defaultCheck(id), want.nat, orNone(t.defaults), slices.Equal(t.defaults, []string{want.nat + " (active)"})))
		} else {
			rs = append(rs, result(defaultCheck(id), "none to 0.0.0.0/0 or ::/0", orNone(t.defaults), len(t.defaults) == 0))
		}
	}
	return rs
}

// checkRouteTables: each private route table routes S3's prefix list to the
// S3 gateway endpoint and DynamoDB's to the DynamoDB endpoint (when the
// stack has them); it has no default route, or, with internetEgress nat,
// one to the NAT gateway.
func (v *Verifier) checkRouteTables(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	want := routeWant{label: "route table ", s3Skip: "endpointId is empty"}
	if o.EndpointID != "" {
		want.s3 = fmt.Sprintf("%s -> %s", o.PrefixListID, o.EndpointID)
	}
	if o.DynamoDBEndpointID != "" {
		pl, err := v.prefixListID(ctx, "dynamodb")
		want.dynamoDB, want.dynamoDBErr = fmt.Sprintf("%s -> %s", pl, o.DynamoDBEndpointID), err
	}
	if o.egress() == EgressNAT {
		want.nat = "0.0.0.0/0 -> " + o.NATGatewayID
	}
	return v.timed(start, v.routeRows(ctx, o.RouteTableIDs, want)...)
}

// prefixListID returns the ID of the AWS-managed prefix list of a service
// in the stack's region (com.amazonaws.<region>.<service>): the
// destination of its gateway endpoints' routes.
func (v *Verifier) prefixListID(ctx context.Context, service string) (string, error) {
	name := fmt.Sprintf("com.amazonaws.%s.%s", v.Outputs.Region, service)
	out, err := v.EC2.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{
		Filters: []ec2types.Filter{{Name: aws.String("prefix-list-name"), Values: []string{name}}},
	})
	if err != nil {
		return "", fmt.Errorf("describe prefix list %s: %w", name, err)
	}
	if len(out.PrefixLists) != 1 {
		return "", fmt.Errorf("describe prefix list %s: %d found", name, len(out.PrefixLists))
	}
	return aws.ToString(out.PrefixLists[0].PrefixListId), nil
}

// checkGateways: with internetEgress none, no internet gateway attached to
// the VPC and no NAT gateway in it; with nat, the stack's internet gateway
// attached and its NAT gateway available in a public subnet.
func (v *Verifier) checkGateways(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	vpc := o.VPCID
	igws, err := v.EC2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{
		Filters: []ec2types.Filter{{Name: aws.String("attachment.vpc-id"), Values: []string{vpc}}},
	})
	var igwIDs, attached []string
	if err == nil {
		for _, g := range igws.InternetGateways {
			id := aws.ToString(g.InternetGatewayId)
			igwIDs = append(igwIDs, id)
			for _, a := range g.Attachments {
				if aws.ToString(a.VpcId) == vpc {
					attached = append(attached, fmt.Sprintf("%s (%s)", id, a.State))
				}
			}
		}
	}
	var rs []Result
	if o.egress() == EgressNAT {
		check, want := "internet gateway "+o.InternetGatewayID+" attached to "+vpc, o.InternetGatewayID+" (available)"
		if err != nil {
			rs = append(rs, apiError(check, want, err))
		} else {
			// EC2 reports an internet gateway attached to a VPC as available.
			rs = append(rs, result(check, want, orNone(attached),
				slices.Contains(attached, want) || slices.Contains(attached, o.InternetGatewayID+" (attached)")))
		}
	} else {
		rs = append(rs, expectNone("no internet gateway attached to "+vpc, igwIDs, err))
	}

	filters := []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}}
	if o.egress() != EgressNAT {
		filters = append(filters, ec2types.Filter{Name: aws.String("state"), Values: []string{"pending", "available"}})
	}
	nats, err := v.EC2.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{Filter: filters})
	var natIDs []string
	if err == nil {
		for _, g := range nats.NatGateways {
			natIDs = append(natIDs, aws.ToString(g.NatGatewayId))
		}
	}
	if o.egress() != EgressNAT {
		return v.timed(start, append(rs, expectNone("no NAT gateway in "+vpc, natIDs, err))...)
	}
	check := "NAT gateway " + o.NATGatewayID + " available in a public subnet"
	want := fmt.Sprintf("%s available in one of %s", o.NATGatewayID, strings.Join(o.PublicSubnetIDs, ", "))
	if err != nil {
		return v.timed(start, append(rs, apiError(check, want, err))...)
	}
	var seen []string
	ok := false
	for _, g := range nats.NatGateways {
		id, subnet := aws.ToString(g.NatGatewayId), aws.ToString(g.SubnetId)
		public := "not a public subnet of the stack"
		if slices.Contains(o.PublicSubnetIDs, subnet) {
			public = "public"
		}
		seen = append(seen, fmt.Sprintf("%s %s in %s (%s)", id, g.State, subnet, public))
		if id == o.NATGatewayID && g.State == ec2types.NatGatewayStateAvailable && public == "public" {
			ok = true
		}
	}
	return v.timed(start, append(rs, result(check, want, orNone(seen), ok))...)
}

// expectNone is the result of a check that expects no resources: those
// found, or the API's error.
func expectNone(check string, found []string, err error) Result {
	if err != nil {
		return apiError(check, "none", err)
	}
	return result(check, "none", orNone(found), len(found) == 0)
}

// endpointSpec is what a VPC endpoint must be.
type endpointSpec struct {
	// name starts each row's name ("endpoint vpce-...").
	name string
	id   string
	typ  ec2types.VpcEndpointType
	// routeTables (Gateway) or subnets (Interface) it must be on, exactly.
	routeTables, subnets []string
	// policy is the declared policy; with leastPrivilege the policy is only
	// checked not to be the full-access default; with neither, no policy row.
	policy         string
	leastPrivilege bool
	// inboundResolverOnly: private DNS answers only the inbound resolver
	// endpoint (an S3 interface endpoint next to the gateway endpoint).
	inboundResolverOnly bool
}

// endpointRows checks an endpoint against its spec: state, type, route
// tables or subnets (and private DNS), policy.
func (v *Verifier) endpointRows(ctx context.Context, s endpointSpec) []Result {
	out, err := v.EC2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{s.id}})
	// A deleted endpoint is a failed claim, not an API error
	// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
	if apiErr := smithy.APIError(nil); errors.As(err, &apiErr) && apiErr.ErrorCode() == "InvalidVpcEndpointId.NotFound" {
		return []Result{result(s.name+": state", "available", "not found ("+apiErr.ErrorCode()+")", false)}
	}
	if err != nil {
		return []Result{apiError(s.name+": state", "available", err)}
	}
	if len(out.VpcEndpoints) != 1 {
		return []Result{result(s.name+": state", "available", fmt.Sprintf("%d endpoints found", len(out.VpcEndpoints)), false)}
	}
	ep := out.VpcEndpoints[0]
	rs := []Result{
		result(s.name+": state", "available", string(ep.State), strings.EqualFold(string(ep.State), "available")),
		result(s.name+": type", string(s.typ), string(ep.VpcEndpointType), ep.VpcEndpointType == s.typ),
	}
	if s.typ == ec2types.VpcEndpointTypeGateway {
		want, got := sortedCopy(s.routeTables), sortedCopy(ep.RouteTableIds)
		rs = append(rs, result(s.name+": route tables", strings.Join(want, ", "), orNone(got), slices.Equal(got, want)))
	} else {
		want, got := sortedCopy(s.subnets), sortedCopy(ep.SubnetIds)
		rs = append(rs, result(s.name+": subnets", strings.Join(want, ", "), orNone(got), slices.Equal(got, want)))
		wantDNS, gotDNS := "enabled", "disabled"
		if aws.ToBool(ep.PrivateDnsEnabled) {
			gotDNS = "enabled"
		}
		inboundOnly := ep.DnsOptions != nil && aws.ToBool(ep.DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint)
		if inboundOnly {
			gotDNS += ", only for the inbound resolver endpoint"
		}
		if s.inboundResolverOnly {
			wantDNS += ", only for the inbound resolver endpoint"
		}
		rs = append(rs, result(s.name+": private DNS", wantDNS, gotDNS, gotDNS == wantDNS))
	}
	switch {
	case s.leastPrivilege:
		ok, note := leastPrivilege(aws.ToString(ep.PolicyDocument))
		rs = append(rs, result(s.name+": policy", "not the full-access default", note, ok))
	case s.policy != "":
		ok, note := samePolicy(s.policy, aws.ToString(ep.PolicyDocument))
		rs = append(rs, result(s.name+": policy", "as declared by the program", note, ok))
	}
	return rs
}

// leastPrivilege reports whether a policy document grants less than
// everything: a statement that allows every action on every resource to
// every principal, without a condition, is AWS's full-access default.
func leastPrivilege(doc string) (bool, string) {
	if doc == "" {
		return false, "no policy (full access)"
	}
	var p struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return false, "deployed policy is not JSON: " + err.Error()
	}
	var stmts []map[string]any
	if err := json.Unmarshal(p.Statement, &stmts); err != nil {
		var one map[string]any
		if err := json.Unmarshal(p.Statement, &one); err != nil {
			return false, "deployed policy has no statements"
		}
		stmts = []map[string]any{one}
	}
	var all func(v any) bool
	all = func(v any) bool {
		switch t := v.(type) {
		case string:
			return t == "*"
		case []any:
			return slices.ContainsFunc(t, all)
		case map[string]any:
			return all(t["AWS"])
		}
		return false
	}
	for _, s := range stmts {
		if s["Effect"] == "Allow" && s["Condition"] == nil && all(s["Principal"]) && all(s["Action"]) && all(s["Resource"]) {
			return false, "full access: " + strings.TrimSpace(doc)
		}
	}
	return true, fmt.Sprintf("least privilege (%d statements, none allows everything)", len(stmts))
}

// checkEndpoint: the S3 gateway endpoint is available, a Gateway, on
// exactly the private route tables, with the policy the program declared.
func (v *Verifier) checkEndpoint(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	if o.EndpointID == "" {
		return v.timed(start, skip("S3 gateway endpoint", "available, Gateway, on the private route tables", "endpointId is empty"))
	}
	return v.timed(start, v.endpointRows(ctx, endpointSpec{name: "endpoint " + o.EndpointID, id: o.EndpointID,
		typ: ec2types.VpcEndpointTypeGateway, routeTables: o.RouteTableIDs, policy: o.EndpointPolicy})...)
}

// checkS3InterfaceEndpoint: the S3 interface endpoint is available, an
// Interface, in exactly the private subnets, with private DNS (only for the
// inbound resolver when the gateway endpoint is there too), and a policy
// that is not the full-access default (the stack does not export it).
func (v *Verifier) checkS3InterfaceEndpoint(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	if o.S3InterfaceEndpointID == "" {
		return v.timed(start, skip("S3 interface endpoint", "available, Interface, in the private subnets", "s3InterfaceEndpointId is empty"))
	}
	return v.timed(start, v.endpointRows(ctx, endpointSpec{name: "S3 interface endpoint " + o.S3InterfaceEndpointID,
		id: o.S3InterfaceEndpointID, typ: ec2types.VpcEndpointTypeInterface, subnets: o.PrivateSubnetIDs,
		leastPrivilege: true, inboundResolverOnly: o.EndpointID != ""})...)
}

// checkDynamoDBEndpoint: the DynamoDB gateway endpoint is available, a
// Gateway, on exactly the private route tables, with its declared policy.
func (v *Verifier) checkDynamoDBEndpoint(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	if o.DynamoDBEndpointID == "" {
		return v.timed(start, skip("DynamoDB gateway endpoint", "available, Gateway, on the private route tables", "dynamodbEndpointId is empty"))
	}
	return v.timed(start, v.endpointRows(ctx, endpointSpec{name: "DynamoDB endpoint " + o.DynamoDBEndpointID,
		id: o.DynamoDBEndpointID, typ: ec2types.VpcEndpointTypeGateway, routeTables: o.RouteTableIDs,
		policy: o.DynamoDBEndpointPolicy})...)
}

// checkInterfaceEndpoints: each other service's interface endpoint is
// available, an Interface, in exactly the private subnets, with private DNS.
func (v *Verifier) checkInterfaceEndpoints(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	if len(o.InterfaceEndpointIDs) == 0 {
		return v.timed(start, skip("interface endpoints", "available, Interface, in the private subnets", "interfaceEndpointIds is empty"))
	}
	var rs []Result
	for _, svc := range sortedKeys(o.InterfaceEndpointIDs) {
		id := o.InterfaceEndpointIDs[svc]
		rs = append(rs, v.endpointRows(ctx, endpointSpec{name: svc + " interface endpoint " + id, id: id,
			typ: ec2types.VpcEndpointTypeInterface, subnets: o.PrivateSubnetIDs})...)
	}
	return v.timed(start, rs...)
}

// checkRestrictedTier: the restricted tier's route tables route S3's prefix
// list to its own endpoint and have no default route; that endpoint is
// available, on exactly those tables, with its declared policy.
func (v *Verifier) checkRestrictedTier(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	if o.RestrictedEndpointID == "" {
		return v.timed(start, skip("restricted tier", "its own route tables and S3 gateway endpoint", "restrictedEndpointId is empty"))
	}
	pl := o.PrefixListID
	var plErr error
	if pl == "" {
		pl, plErr = v.prefixListID(ctx, "s3")
	}
	want := fmt.Sprintf("%s -> %s", pl, o.RestrictedEndpointID)
	var rs []Result
	if plErr != nil {
		for _, id := range o.RestrictedRouteTableIDs {
			rs = append(rs, apiError("restricted route table "+id+": S3 prefix-list route", want, plErr))
		}
	} else {
		rs = v.routeRows(ctx, o.RestrictedRouteTableIDs, routeWant{label: "restricted route table ", s3: want})
	}
	rs = append(rs, v.endpointRows(ctx, endpointSpec{name: "restricted endpoint " + o.RestrictedEndpointID,
		id: o.RestrictedEndpointID, typ: ec2types.VpcEndpointTypeGateway, routeTables: o.RestrictedRouteTableIDs,
		policy: o.RestrictedEndpointPolicy})...)
	return v.timed(start, rs...)
}

// checkFlowLog: the VPC's flow log is active, delivers, and goes from the
// VPC to the destination the stack exports.
func (v *Verifier) checkFlowLog(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	if o.FlowLogID == "" {
		return v.timed(start, skip("flow log", "ACTIVE", "flowLogId is empty"))
	}
	name := "flow log " + o.FlowLogID
	wantStatus, wantDest := "ACTIVE, delivery SUCCESS", o.VPCID+" -> "+o.FlowLogDestination
	every := v.RetryEvery
	if every <= 0 {
		every = 10 * time.Second
	}
	// A flow log's role minutes old can show a delivery error at first
	// ("Access error": DeliverLogsErrorMessage, EC2 API reference, FlowLog):
	// the status is read again for RetryFor from this check's start, or
	// until the claims' window ends, whichever is later.
	until := v.retryUntil
	if own := start.Add(v.RetryFor); own.After(until) {
		until = own
	}
	for try := 1; ; try++ {
		out, err := v.EC2.DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{
			Filter: []ec2types.Filter{{Name: aws.String("flow-log-id"), Values: []string{o.FlowLogID}}},
		})
		if err != nil {
			return v.timed(start, apiError(name+": status", wantStatus, err))
		}
		if len(out.FlowLogs) != 1 {
			return v.timed(start, result(name+": status", wantStatus, fmt.Sprintf("%d flow logs found", len(out.FlowLogs)), false))
		}
		fl := out.FlowLogs[0]
		status, delivery := aws.ToString(fl.FlowLogStatus), aws.ToString(fl.DeliverLogsStatus)
		observed := status
		if delivery != "" {
			observed += ", delivery " + delivery
		}
		if msg := aws.ToString(fl.DeliverLogsErrorMessage); msg != "" {
			observed += " (" + msg + ")"
		}
		ok := status == "ACTIVE" && (delivery == "" || delivery == "SUCCESS")
		if !ok && v.now().Add(every).Before(until) {
			v.progress("    try %d: %s: %s; reading again in %s (until %s)", try, name, observed, every, until.Format(time.TimeOnly))
			if err := v.sleep(ctx, every); err != nil {
				return v.timed(start, apiError(name+": status", wantStatus, err))
			}
			continue
		}
		if !ok && try > 1 {
			observed += fmt.Sprintf(" (after %d reads)", try)
		}
		gotDest := aws.ToString(fl.ResourceId) + " -> " + flowLogDestination(fl)
		return v.timed(start,
			result(name+": status", wantStatus, observed, ok),
			result(name+": destination", wantDest, gotDest, gotDest == wantDest))
	}
}

// flowLogDestination is the name of a flow log's destination: the log
// group, or the bucket of an S3 destination ARN.
func flowLogDestination(fl ec2types.FlowLog) string {
	if g := aws.ToString(fl.LogGroupName); g != "" {
		return g
	}
	d := aws.ToString(fl.LogDestination)
	switch {
	case strings.HasPrefix(d, "arn:") && strings.Contains(d, ":s3:::"):
		bucket, _, _ := strings.Cut(d[strings.Index(d, ":s3:::")+len(":s3:::"):], "/")
		return bucket
	case strings.Contains(d, ":log-group:"):
		return strings.TrimSuffix(d[strings.Index(d, ":log-group:")+len(":log-group:"):], ":*")
	}
	return d
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
