package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// probeFunction is the function the negative probes run in.
func (v *Verifier) probeFunction() string {
	return firstNonEmpty(v.ProbeFunction, v.Outputs.ProbeFunctionName, v.Outputs.FunctionName)
}

// reached describes a report whose action succeeded.
func reached(rep contract.Report) string {
	if rep.Action == contract.ActionList || rep.Target == "" {
		return fmt.Sprintf("listed %d keys", len(rep.Keys))
	}
	return "reached " + rep.Target
}

// expectKind judges a claim that an action fails with an error of kind.
func expectKind(kind string) func(contract.Report) (string, bool) {
	return func(rep contract.Report) (string, bool) {
		if rep.Error == nil {
			return reached(rep), false
		}
		return fmt.Sprintf("%s after %d ms", rep.Error.Kind, rep.ElapsedMS), rep.Error.Kind == kind
	}
}

// expectOK judges a claim that an action succeeds; detail describes it.
func expectOK(detail func(contract.Report) string) func(contract.Report) (string, bool) {
	return func(rep contract.Report) (string, bool) {
		if !rep.OK || rep.Error != nil {
			return describeFailure(rep), false
		}
		return fmt.Sprintf("%s (%d ms)", detail(rep), rep.ElapsedMS), true
	}
}

// expectKeys judges a claim that an action lists exactly want.
func expectKeys(want []string) func(contract.Report) (string, bool) {
	return func(rep contract.Report) (string, bool) {
		if !rep.OK {
			return describeFailure(rep), false
		}
		got := sortedCopy(rep.Keys)
		return fmt.Sprintf("%s (%d ms)", orNone(got), rep.ElapsedMS), slices.Equal(got, want) && !rep.Truncated
	}
}

func probe(name string) contract.Event {
	return contract.Event{Action: contract.ActionProbe, Probe: name}
}

// checkListing invokes the lab function with the list action. With an S3
// endpoint and no access point it expects exactly the seeded keys. With the
// access point, listing the bucket by name through the endpoint is refused
// (lab document 004); with no S3 endpoint at all, the bucket refuses reads
// that do not come through its endpoints (lab document 002, Example 1).
func (v *Verifier) checkListing(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	fn := o.FunctionName
	list := contract.Event{Action: contract.ActionList}
	var r Result
	switch {
	case o.AccessPointARN != "":
		r = v.claim(ctx, fn, "function "+fn+": listing the bucket by name through the endpoint is refused",
			contract.KindAccessDenied, list, expectKind(contract.KindAccessDenied))
	case !o.HasS3Endpoint():
		r = v.claim(ctx, fn, "function "+fn+": the bucket refuses reads that come through no endpoint of it",
			contract.KindAccessDenied, list, expectKind(contract.KindAccessDenied))
	default:
		want := sortedCopy(o.SeedKeys)
		r = v.claim(ctx, fn, "function "+fn+" lists the seeded keys", strings.Join(want, ","), list, expectKeys(want))
	}
	return v.timed(start, r)
}

// checkVariantClaims runs the lab function's probes of the variants the
// stack deploys: the access point, the S3 interface endpoint and its DNS,
// STS through its interface endpoint, and the DynamoDB table.
func (v *Verifier) checkVariantClaims(ctx context.Context) []Result {
	o := v.Outputs
	fn := o.FunctionName
	seeds := sortedCopy(o.SeedKeys)
	var rs []Result
	run := func(deployed bool, why, check, expected string, ev contract.Event, judge func(contract.Report) (string, bool)) {
		start := v.now()
		if !deployed {
			rs = append(rs, v.timed(start, skip(check, expected, why))...)
			return
		}
		rs = append(rs, v.timed(start, v.claim(ctx, fn, check, expected, ev, judge))...)
	}
	run(o.AccessPointARN != "", "accessPointArn is empty",
		"function "+fn+" lists the seeded keys through the access point", strings.Join(seeds, ","),
		probe(contract.ProbeAccessPoint), expectKeys(seeds))
	run(o.S3InterfaceEndpointID != "", "s3InterfaceEndpointId is empty",
		"function "+fn+" lists the seeded keys through the S3 interface endpoint", strings.Join(seeds, ","),
		probe(contract.ProbeInterfaceEndpoint), expectKeys(seeds))

	// Without the gateway endpoint, the interface endpoint's private DNS
	// answers S3's regional name inside the VPC; with it, private DNS is
	// only for the inbound resolver, and the name resolves to S3's public
	// addresses, which the gateway endpoint's route carries.
	dnsCheck, wantInVPC, dnsWant := "S3's regional name resolves inside the VPC", true, "addresses inside "+o.VPCCIDR
	if o.EndpointID != "" {
		dnsCheck, wantInVPC, dnsWant = "S3's regional name resolves outside the VPC (private DNS only for the inbound resolver)",
			false, "addresses outside the VPC"
	}
	run(o.S3InterfaceEndpointID != "", "s3InterfaceEndpointId is empty", "function "+fn+": "+dnsCheck, dnsWant,
		probe(contract.ProbeS3DNS), func(rep contract.Report) (string, bool) {
			if !rep.OK || rep.Error != nil {
				return describeFailure(rep), false
			}
			where := "outside the VPC"
			if rep.InVPC {
				where = "inside the VPC"
			}
			return fmt.Sprintf("%s (%s)", orNone(rep.Addresses), where), rep.InVPC == wantInVPC && len(rep.Addresses) > 0
		})
	_, sts := o.InterfaceEndpointIDs["sts"]
	run(sts, `interfaceEndpointIds has no "sts"`, "function "+fn+" calls STS through its interface endpoint",
		"OK, an identity", probe(contract.ProbeSTS), expectOK(func(rep contract.Report) string {
			return firstNonEmpty(rep.Identity, "no identity")
		}))
	run(o.TableName != "", "tableName is empty", "function "+fn+" reads the seeded item of "+
		firstNonEmpty(o.TableName, "the table")+" through the DynamoDB endpoint", "OK",
		probe(contract.ProbeTable), expectOK(func(contract.Report) string { return "read" }))
	return rs
}

// checkProbes runs the negative probes in the probe function. With
// internetEgress none each path must be closed, in the expected way; with
// nat the internet and the other region's bucket are reached through the NAT
// gateway (lab document 002, Example 3).
func (v *Verifier) checkProbes(ctx context.Context) []Result {
	o := v.Outputs
	fn := v.probeFunction()
	nat := o.egress() == EgressNAT
	var rs []Result
	run := func(why, check, expected string, ev contract.Event, judge func(contract.Report) (string, bool)) {
		start := v.now()
		if why != "" {
			rs = append(rs, v.timed(start, Result{Check: check, Expected: expected, Observed: why, Status: Skip})...)
			return
		}
		rs = append(rs, v.timed(start, v.claim(ctx, fn, check, expected, ev, judge))...)
	}
	reach := expectOK(func(rep contract.Report) string { return "reached " + rep.Target })

	if nat {
		run("", "private subnets reach the internet through the NAT gateway", "reached", probe(contract.ProbeInternet), reach)
	} else {
		run("", "private subnets cannot reach the internet", contract.KindUnreachable, probe(contract.ProbeInternet),
			expectKind(contract.KindUnreachable))
	}
	deniedWhy := ""
	if !o.HasS3Endpoint() {
		deniedWhy = "no S3 endpoint: no endpoint policy to prove"
	}
	run(deniedWhy, "a bucket the endpoint policy does not allow is denied", contract.KindAccessDenied,
		probe(contract.ProbeDeniedBucket), expectKind(contract.KindAccessDenied))
	crossWhy := ""
	if o.CrossRegionBucket == "" {
		crossWhy = "not deployed (crossRegion is empty)"
	}
	if nat {
		run(crossWhy, "the bucket in another region is reached through the NAT gateway", "reached",
			probe(contract.ProbeCrossRegion), reach)
	} else {
		run(crossWhy, "the bucket in another region is unreachable", contract.KindUnreachable,
			probe(contract.ProbeCrossRegion), expectKind(contract.KindUnreachable))
	}
	tableWhy := ""
	if o.DeniedTableName == "" {
		tableWhy = "not deployed (deniedTableName is empty)"
	}
	run(tableWhy, "a table the DynamoDB endpoint policy does not name is denied", contract.KindAccessDenied,
		probe(contract.ProbeDeniedTable), expectKind(contract.KindAccessDenied))
	return rs
}

// checkRestrictedFunction: the restricted tier's function reads a key under
// its prefix and is refused one outside it (its endpoint's policy).
func (v *Verifier) checkRestrictedFunction(ctx context.Context) []Result {
	o := v.Outputs
	fn := o.RestrictedFunctionName
	allowed := "restricted function reads a key under its prefix"
	denied := "restricted function cannot read a key outside its prefix"
	if fn == "" {
		start := v.now()
		return v.timed(start, skip(allowed, "OK", "restrictedFunctionName is empty"),
			skip(denied, contract.KindAccessDenied, "restrictedFunctionName is empty"))
	}
	allowed = fmt.Sprintf("restricted function %s reads a key under %s", fn, o.RestrictedPrefix)
	denied = fmt.Sprintf("restricted function %s cannot read a key outside %s", fn, o.RestrictedPrefix)
	var rs []Result
	start := v.now()
	rs = append(rs, v.timed(start, v.claim(ctx, fn, allowed, "OK", probe(contract.ProbeAllowedKey),
		expectOK(func(rep contract.Report) string { return "read " + rep.Target })))...)
	start = v.now()
	rs = append(rs, v.timed(start, v.claim(ctx, fn, denied, contract.KindAccessDenied, probe(contract.ProbeDeniedKey),
		expectKind(contract.KindAccessDenied)))...)
	return rs
}

// checkAccessPointOutside: the verifier itself, outside the VPC and with
// the caller's own credentials, lists through the access point and expects
// AccessDenied: its network origin is the VPC, so S3 refuses every request
// from elsewhere (lab document 004).
func (v *Verifier) checkAccessPointOutside(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	check, expected := "the access point refuses requests from outside the VPC", "AccessDenied"
	if o.AccessPointARN == "" {
		return v.timed(start, skip(check, expected, "accessPointArn is empty"))
	}
	if v.S3 == nil {
		return v.timed(start, Result{Check: check, Expected: expected, Observed: "no S3 client", Status: Error})
	}
	out, err := v.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(o.AccessPointARN), MaxKeys: aws.Int32(1)})
	var apiErr smithy.APIError
	switch {
	case err == nil:
		return v.timed(start, result(check, expected, fmt.Sprintf("listed %d keys from outside the VPC", aws.ToInt32(out.KeyCount)), false))
	case errors.As(err, &apiErr):
		return v.timed(start, result(check, expected, apiErr.ErrorCode()+": "+apiErr.ErrorMessage(), apiErr.ErrorCode() == "AccessDenied"))
	default:
		return v.timed(start, apiError(check, expected, err))
	}
}
