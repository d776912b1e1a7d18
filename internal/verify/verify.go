// Package verify checks a deployed lab against the real AWS APIs: the
// private route tables, the gateway endpoint and its policy, the function's
// listing of the seeded keys, and the negative claims (no internet, no bucket
// the endpoint does not allow, no other region), the last through the
// function's own probes.
package verify

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"

	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// Status is a check's outcome.
type Status string

// Statuses. SKIP is a check of a part the stack does not deploy; ERROR is a
// check that could not be evaluated (the API kept failing).
const (
	Pass  Status = "PASS"
	Fail  Status = "FAIL"
	Error Status = "ERROR"
	Skip  Status = "SKIP"
)

// Exit codes of the verify and ephemeral commands.
const (
	ExitPass = 0
	// ExitFail: at least one claim of the lab did not hold.
	ExitFail = 1
	// ExitCouldNotRun: nothing was checked (no credentials, no CLI, no
	// stack, missing outputs).
	ExitCouldNotRun = 2
	// ExitIncomplete: no claim failed, but some could not be checked.
	ExitIncomplete = 3
)

// Result is one row of the verifier's table.
type Result struct {
	Check    string        `json:"check"`
	Expected string        `json:"expected"`
	Observed string        `json:"observed"`
	Status   Status        `json:"status"`
	Duration time.Duration `json:"-"`
	// DurationMS is Duration in milliseconds, for -json.
	DurationMS int64 `json:"durationMs"`
}

// Outputs are the stack outputs the verifier reads.
type Outputs struct {
	Region            string
	VPCID             string
	RouteTableIDs     []string
	EndpointID        string
	PrefixListID      string
	EndpointPolicy    string
	FunctionName      string
	SeedKeys          []string
	DeniedProbeBucket string
	CrossRegionBucket string
	CrossRegion       string
}

// ParseOutputs reads the outputs from `pulumi stack output --json` (or the
// Automation API). All required outputs missing are named in one error.
func ParseOutputs(m map[string]any) (Outputs, error) {
	var missing []string
	str := func(k string, required bool) string {
		s, _ := m[k].(string)
		if s == "" && required {
			missing = append(missing, k)
		}
		return s
	}
	list := func(k string) []string {
		var raw []any
		switch v := m[k].(type) {
		case []any:
			raw = v
		case []string:
			for _, s := range v {
				raw = append(raw, s)
			}
		}
		var out []string
		for _, v := range raw {
			if s, ok := v.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			missing = append(missing, k)
		}
		return out
	}
	o := Outputs{
		Region:            str("region", true),
		VPCID:             str("vpcId", true),
		RouteTableIDs:     list("routeTableIds"),
		EndpointID:        str("endpointId", true),
		PrefixListID:      str("prefixListId", true),
		EndpointPolicy:    str("endpointPolicy", true),
		FunctionName:      str("functionName", true),
		SeedKeys:          list("seedKeys"),
		DeniedProbeBucket: str("deniedProbeBucket", true),
		CrossRegionBucket: str("crossRegionBucket", false),
		CrossRegion:       str("crossRegion", false),
	}
	if len(missing) > 0 {
		return o, fmt.Errorf("stack outputs missing: %s (is this a stack of the lab, and is it deployed?)", strings.Join(missing, ", "))
	}
	return o, nil
}

// Verifier runs the checks.
type Verifier struct {
	EC2     *ec2.Client
	Lambda  *lambda.Client
	Outputs Outputs
	// Progress, when set, gets a line as each check starts and ends.
	Progress io.Writer
	Now      func() time.Time

	// RetryFor bounds how long, from the start of Run, the claims proved
	// through the function (the listing and the probes) are tried again
	// before one is called failed: AWS applies endpoint and bucket policy
	// changes within minutes, not at once ("it can take a few minutes for
	// the policy to take effect",
	// https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
	// Zero tries each claim once.
	RetryFor time.Duration
	// RetryEvery is the pause between tries (default 10 s).
	RetryEvery time.Duration
	// Sleep waits d or until ctx ends (default: a timer); tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error

	retryUntil time.Time
}

// DefaultRetryFor is how long the commands retry function claims by default.
const DefaultRetryFor = 3 * time.Minute

// Run runs every check and returns the results in order.
func (v *Verifier) Run(ctx context.Context) []Result {
	v.retryUntil = v.now().Add(v.RetryFor)
	var results []Result
	for _, step := range []struct {
		name string
		run  func(context.Context) []Result
	}{
		{"route tables", v.checkRouteTables},
		{"internet and NAT gateways", v.checkGateways},
		{"S3 gateway endpoint", v.checkEndpoint},
		{"function lists the seeded keys", v.checkListing},
		{"negative probes", v.checkProbes},
	} {
		v.progress("… %s", step.name)
		rs := step.run(ctx)
		for _, r := range rs {
			v.progress("  %-5s %s (%s)", r.Status, r.Check, r.Duration.Round(time.Millisecond))
		}
		results = append(results, rs...)
	}
	return results
}

func (v *Verifier) progress(format string, args ...any) {
	if v.Progress != nil {
		fmt.Fprintf(v.Progress, format+"\n", args...)
	}
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// timed stamps results with the time since start.
func (v *Verifier) timed(start time.Time, rs ...Result) []Result {
	d := v.now().Sub(start)
	for i := range rs {
		rs[i].Duration = d
		rs[i].DurationMS = d.Milliseconds()
	}
	return rs
}

func result(check, expected, observed string, ok bool) Result {
	s := Fail
	if ok {
		s = Pass
	}
	return Result{Check: check, Expected: expected, Observed: observed, Status: s}
}

func apiError(check, expected string, err error) Result {
	return Result{Check: check, Expected: expected, Observed: "API error: " + err.Error(), Status: Error}
}

// checkRouteTables: each private route table routes S3's prefix list to the
// endpoint, and has no default route.
func (v *Verifier) checkRouteTables(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	wantRoute := fmt.Sprintf("%s -> %s", o.PrefixListID, o.EndpointID)
	// By filter, not by ID: a missing ID then leaves its table out (a FAIL
	// of that table) instead of failing the whole call with
	// InvalidRouteTableID.NotFound (an ERROR of every table).
	out, err := v.EC2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{
		Filters: []ec2types.Filter{{Name: aws.String("route-table-id"), Values: o.RouteTableIDs}},
	})
	if err != nil {
		var rs []Result
		for _, id := range o.RouteTableIDs {
			rs = append(rs, apiError("route table "+id+": S3 prefix-list route", wantRoute, err))
		}
		return v.timed(start, rs...)
	}
	byID := map[string]ec2types.RouteTable{}
	for _, rt := range out.RouteTables {
		byID[aws.ToString(rt.RouteTableId)] = rt
	}
	var rs []Result
	for _, id := range o.RouteTableIDs {
		rt, found := byID[id]
		if !found {
			rs = append(rs, result("route table "+id+": S3 prefix-list route", wantRoute, "route table not found", false))
			continue
		}
		var s3Routes, defaults []string
		for _, r := range rt.Routes {
			target := firstNonEmpty(aws.ToString(r.GatewayId), aws.ToString(r.NatGatewayId), aws.ToString(r.NetworkInterfaceId),
				aws.ToString(r.TransitGatewayId), aws.ToString(r.VpcPeeringConnectionId), aws.ToString(r.EgressOnlyInternetGatewayId))
			if pl := aws.ToString(r.DestinationPrefixListId); pl != "" {
				s3Routes = append(s3Routes, fmt.Sprintf("%s -> %s (%s)", pl, target, r.State))
			}
			if d := firstNonEmpty(aws.ToString(r.DestinationCidrBlock), aws.ToString(r.DestinationIpv6CidrBlock)); d == "0.0.0.0/0" || d == "::/0" {
				defaults = append(defaults, fmt.Sprintf("%s -> %s", d, target))
			}
		}
		want := wantRoute + " (active)"
		rs = append(rs,
			result("route table "+id+": S3 prefix-list route", wantRoute, orNone(s3Routes), slices.Contains(s3Routes, want)),
			result("route table "+id+": no default route", "none to 0.0.0.0/0 or ::/0", orNone(defaults), len(defaults) == 0))
	}
	return v.timed(start, rs...)
}

// checkGateways: no internet gateway attached to the VPC, no NAT gateway in it.
func (v *Verifier) checkGateways(ctx context.Context) []Result {
	start := v.now()
	vpc := v.Outputs.VPCID
	igws, err := v.EC2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{
		Filters: []ec2types.Filter{{Name: aws.String("attachment.vpc-id"), Values: []string{vpc}}},
	})
	var igwIDs []string
	if err == nil {
		for _, g := range igws.InternetGateways {
			igwIDs = append(igwIDs, aws.ToString(g.InternetGatewayId))
		}
	}
	rs := []Result{expectNone("no internet gateway attached to "+vpc, igwIDs, err)}

	nats, err := v.EC2.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{
		Filter: []ec2types.Filter{
			{Name: aws.String("vpc-id"), Values: []string{vpc}},
			{Name: aws.String("state"), Values: []string{"pending", "available"}},
		},
	})
	var natIDs []string
	if err == nil {
		for _, g := range nats.NatGateways {
			natIDs = append(natIDs, aws.ToString(g.NatGatewayId))
		}
	}
	rs = append(rs, expectNone("no NAT gateway in "+vpc, natIDs, err))
	return v.timed(start, rs...)
}

// expectNone is the result of a check that expects no resources: those
// found, or the API's error.
func expectNone(check string, found []string, err error) Result {
	if err != nil {
		return apiError(check, "none", err)
	}
	return result(check, "none", orNone(found), len(found) == 0)
}

// checkEndpoint: the endpoint is available, a Gateway, on exactly the private
// route tables, with the policy the program declared.
func (v *Verifier) checkEndpoint(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	name := "endpoint " + o.EndpointID
	wantRTs := sortedCopy(o.RouteTableIDs)
	out, err := v.EC2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{o.EndpointID}})
	// A deleted endpoint is a failed claim, not an API error
	// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
	if apiErr := smithy.APIError(nil); errors.As(err, &apiErr) && apiErr.ErrorCode() == "InvalidVpcEndpointId.NotFound" {
		return v.timed(start, result(name+": state", "available", "not found ("+apiErr.ErrorCode()+")", false))
	}
	if err != nil {
		return v.timed(start, apiError(name+": state", "available", err))
	}
	if len(out.VpcEndpoints) != 1 {
		return v.timed(start, result(name+": state", "available", fmt.Sprintf("%d endpoints found", len(out.VpcEndpoints)), false))
	}
	ep := out.VpcEndpoints[0]
	gotRTs := sortedCopy(ep.RouteTableIds)
	samePolicy, policyNote := samePolicy(o.EndpointPolicy, aws.ToString(ep.PolicyDocument))
	return v.timed(start,
		result(name+": state", "available", string(ep.State), strings.EqualFold(string(ep.State), "available")),
		result(name+": type", string(ec2types.VpcEndpointTypeGateway), string(ep.VpcEndpointType),
			ep.VpcEndpointType == ec2types.VpcEndpointTypeGateway),
		result(name+": route tables", strings.Join(wantRTs, ", "), orNone(gotRTs), slices.Equal(gotRTs, wantRTs)),
		result(name+": policy", "as declared by the program", policyNote, samePolicy),
	)
}

// checkListing invokes the function with the list action and expects exactly
// the seeded keys.
func (v *Verifier) checkListing(ctx context.Context) []Result {
	start := v.now()
	want := sortedCopy(v.Outputs.SeedKeys)
	check := "function " + v.Outputs.FunctionName + " lists the seeded keys"
	r := v.claim(ctx, check, strings.Join(want, ","), contract.Event{Action: contract.ActionList},
		func(rep contract.Report) (string, bool) {
			if !rep.OK {
				return describeFailure(rep), false
			}
			got := sortedCopy(rep.Keys)
			return fmt.Sprintf("%s (%d ms)", orNone(got), rep.ElapsedMS), slices.Equal(got, want) && !rep.Truncated
		})
	return v.timed(start, r)
}

// probeClaims are the negative claims and the outcome each expects.
var probeClaims = []struct {
	probe, check, want string
}{
	{contract.ProbeInternet, "private subnets cannot reach the internet", contract.KindUnreachable},
	{contract.ProbeDeniedBucket, "a bucket the endpoint policy does not allow is denied", contract.KindAccessDenied},
	{contract.ProbeCrossRegion, "the bucket in another region is unreachable", contract.KindUnreachable},
}

// checkProbes runs the function's probes: each path must be closed, in the
// expected way.
func (v *Verifier) checkProbes(ctx context.Context) []Result {
	var rs []Result
	for _, c := range probeClaims {
		start := v.now()
		if c.probe == contract.ProbeCrossRegion && v.Outputs.CrossRegionBucket == "" {
			rs = append(rs, v.timed(start, Result{Check: c.check, Expected: c.want,
				Observed: "not deployed (crossRegion is empty)", Status: Skip})...)
			continue
		}
		r := v.claim(ctx, c.check, c.want, contract.Event{Action: contract.ActionProbe, Probe: c.probe},
			func(rep contract.Report) (string, bool) {
				if rep.Error == nil {
					return "reached " + rep.Target, false
				}
				return fmt.Sprintf("%s after %d ms", rep.Error.Kind, rep.ElapsedMS), rep.Error.Kind == c.want
			})
		rs = append(rs, v.timed(start, r)...)
	}
	return rs
}

// claim checks a claim proved through the function: it invokes the function
// with ev and judges the report, and while the claim does not hold, tries
// again every RetryEvery until RetryFor after the start of Run, showing each
// try on Progress. An API error after the SDK's retries, or a reply that is
// not a report of the lab's handler, ends the tries as an ERROR.
func (v *Verifier) claim(ctx context.Context, check, expected string, ev contract.Event,
	judge func(contract.Report) (observed string, ok bool)) Result {
	every := v.RetryEvery
	if every <= 0 {
		every = 10 * time.Second
	}
	for try := 1; ; try++ {
		rep, err := v.invoke(ctx, ev)
		if errors.Is(err, ErrNotAReport) {
			return Result{Check: check, Expected: expected, Observed: "wrong code: " + err.Error(), Status: Error}
		}
		if err != nil {
			return apiError(check, expected, err)
		}
		observed, ok := judge(rep)
		if ok || !v.now().Add(every).Before(v.retryUntil) {
			if !ok && try > 1 {
				observed += fmt.Sprintf(" (after %d tries)", try)
			}
			return result(check, expected, observed, ok)
		}
		v.progress("    try %d: %s: %s; trying again in %s (until %s)", try, check, observed, every,
			v.retryUntil.Format(time.TimeOnly))
		if err := v.sleep(ctx, every); err != nil {
			return apiError(check, expected, err)
		}
	}
}

func (v *Verifier) sleep(ctx context.Context, d time.Duration) error {
	if v.Sleep != nil {
		return v.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ErrNotAReport means the function answered with something that is not a
// report of the lab's handler for the event sent: the function runs other
// code than the lab's (or an older version of it).
var ErrNotAReport = errors.New("the reply is not a report of the lab's handler for this event (is the function running the lab's code?)")

// reportFields are the fields every report of the handler has.
var reportFields = []string{"action", "ok", "bucket", "region", "keyCount", "keys", "truncated", "elapsedMs"}

// invoke calls the function synchronously and decodes its report. A reply
// is taken as a report only when it has every field a report has and
// answers the action (and probe) that was sent.
func (v *Verifier) invoke(ctx context.Context, ev contract.Event) (contract.Report, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return contract.Report{}, err
	}
	out, err := v.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(v.Outputs.FunctionName), Payload: payload})
	if err != nil {
		return contract.Report{}, err
	}
	var rep contract.Report
	if fe := aws.ToString(out.FunctionError); fe != "" {
		return rep, fmt.Errorf("function error %s: %s", fe, strings.TrimSpace(string(out.Payload)))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(out.Payload, &fields); err != nil {
		return rep, fmt.Errorf("%w: %q", ErrNotAReport, out.Payload)
	}
	for _, f := range reportFields {
		if _, ok := fields[f]; !ok {
			return rep, fmt.Errorf("%w: no %q in %s", ErrNotAReport, f, out.Payload)
		}
	}
	if err := json.Unmarshal(out.Payload, &rep); err != nil {
		return rep, fmt.Errorf("%w: %v: %s", ErrNotAReport, err, out.Payload)
	}
	wantAction := cmp.Or(ev.Action, contract.ActionList)
	if rep.Action != wantAction || rep.Probe != ev.Probe {
		return rep, fmt.Errorf("%w: it answers action %q probe %q, not action %q probe %q", ErrNotAReport,
			rep.Action, rep.Probe, wantAction, ev.Probe)
	}
	return rep, nil
}

func describeFailure(rep contract.Report) string {
	if rep.Error == nil {
		return "failed without an error"
	}
	return rep.Error.Kind + ": " + rep.Error.Message
}

// samePolicy compares two policy documents as IAM reads them: key order,
// whitespace, single-element lists and list order do not matter.
func samePolicy(declared, deployed string) (bool, string) {
	if deployed == "" {
		return false, "no policy (full access)"
	}
	a, errA := canonicalPolicy(declared)
	b, errB := canonicalPolicy(deployed)
	switch {
	case errA != nil:
		return false, "declared policy is not JSON: " + errA.Error()
	case errB != nil:
		return false, "deployed policy is not JSON: " + errB.Error()
	case a != b:
		return false, "differs: " + b
	}
	return true, "as declared"
}

func canonicalPolicy(doc string) (string, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(doc))
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	b, err := json.Marshal(canonical(v))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func canonical(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = canonical(e)
		}
		return out
	case []any:
		if len(t) == 1 {
			return canonical(t[0])
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = canonical(e)
		}
		sort.SliceStable(out, func(i, j int) bool {
			bi, errI := json.Marshal(out[i])
			bj, errJ := json.Marshal(out[j])
			return errI == nil && errJ == nil && string(bi) < string(bj)
		})
		return out
	}
	return v
}

// ExitCode maps results to the command's exit code.
func ExitCode(results []Result) int {
	code := ExitPass
	for _, r := range results {
		switch r.Status {
		case Fail:
			return ExitFail
		case Error:
			code = ExitIncomplete
		}
	}
	return code
}

// Table renders results as a fixed-width table with a summary line.
func Table(results []Result) string {
	headers := []string{"CHECK", "EXPECTED", "OBSERVED", "RESULT", "TIME"}
	rows := [][]string{headers}
	counts := map[Status]int{}
	for _, r := range results {
		counts[r.Status]++
		rows = append(rows, []string{r.Check, r.Expected, r.Observed, string(r.Status),
			r.Duration.Round(time.Millisecond).String()})
	}
	widths := make([]int, len(headers))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], min(len(c), 60))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, c := range row {
			if len(c) > 60 {
				c = c[:57] + "..."
			}
			if i == len(row)-1 {
				b.WriteString(c)
			} else {
				fmt.Fprintf(&b, "%-*s  ", widths[i], c)
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n%d passed, %d failed, %d errors, %d skipped\n", counts[Pass], counts[Fail], counts[Error], counts[Skip])
	return b.String()
}

// JSON renders results for -json.
func JSON(results []Result) ([]byte, error) {
	if results == nil {
		results = []Result{}
	}
	b, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode results: %w", err)
	}
	return append(b, '\n'), nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func orNone(vals []string) string {
	if len(vals) == 0 {
		return "none"
	}
	return strings.Join(vals, ", ")
}

func sortedCopy(vals []string) []string {
	out := slices.Clone(vals)
	slices.Sort(out)
	return out
}

// ErrNoCredentials means no AWS credentials could be found.
var ErrNoCredentials = errors.New("no AWS credentials")
