package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/platformlab/s3-gateway-lab/lambda/contract"
	"github.com/platformlab/s3-gateway-lab/lambda/denial"
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
func expectKind(kind string) judge {
	return func(rep contract.Report) (string, Status) {
		if rep.Error == nil {
			return reached(rep), Fail
		}
		return fmt.Sprintf("%s after %d ms", rep.Error.Kind, rep.ElapsedMS), passIf(rep.Error.Kind == kind)
	}
}

// expectOK judges a claim that an action succeeds; detail describes it.
func expectOK(detail func(contract.Report) string) judge {
	return func(rep contract.Report) (string, Status) {
		if !rep.OK || rep.Error != nil {
			return describeFailure(rep), Fail
		}
		return fmt.Sprintf("%s (%d ms)", detail(rep), rep.ElapsedMS), Pass
	}
}

// expectKeys judges a claim that an action lists exactly want.
func expectKeys(want []string) judge {
	return func(rep contract.Report) (string, Status) {
		if !rep.OK {
			return describeFailure(rep), Fail
		}
		got := sortedCopy(rep.Keys)
		return fmt.Sprintf("%s (%d ms)", orNone(got), rep.ElapsedMS), passIf(slices.Equal(got, want) && !rep.Truncated)
	}
}

func passIf(ok bool) Status {
	if ok {
		return Pass
	}
	return Fail
}

// refusal is the policy a negative claim says refuses a request, as AWS's
// access-denied message names it (contract.Denial).
type refusal struct {
	denial contract.Denial
	// what names the lab's policy that refuses, for the rows.
	what string
}

// The refusals the lab's negative claims name.
var (
	byEndpointPolicy = refusal{denial: contract.Denial{PolicyType: contract.PolicyVPCEndpoint}, what: "the endpoint policy"}
	byBucketPolicy   = refusal{denial: contract.Denial{PolicyType: contract.PolicyResourceBased, Explicit: true}, what: "the bucket policy"}
)

// describeDenial says what refused a request, in the words of AWS's
// messages.
func describeDenial(d contract.Denial) string {
	article := "a"
	if strings.HasPrefix(d.PolicyType, "identity") {
		article = "an"
	}
	if d.Explicit {
		return fmt.Sprintf("by an explicit deny in %s %s", article, d.PolicyType)
	}
	return fmt.Sprintf("because no %s allows it", d.PolicyType)
}

func (r refusal) expected() string {
	return "AccessDenied " + describeDenial(r.denial)
}

// expectRefusedBy judges a claim that a request is refused by the policy
// r names: AWS's message must name that policy type, explicit or not as r
// says. A refusal by another policy is a FAIL (the named policy was not
// tested); a message that names no policy type is INCONCLUSIVE.
func expectRefusedBy(r refusal) judge {
	return func(rep contract.Report) (string, Status) {
		if rep.Error == nil {
			return reached(rep), Fail
		}
		if rep.Error.Kind != contract.KindAccessDenied {
			return fmt.Sprintf("%s after %d ms: %s was not tested", rep.Error.Kind, rep.ElapsedMS, r.what), Fail
		}
		// The verifier reads AWS's message itself, verbatim in the report,
		// rather than the function's reading of it.
		d, ok := denial.Parse(rep.Error.AWSMessage)
		if !ok {
			return fmt.Sprintf("refused, but AWS's message names no policy type: %q",
				firstNonEmpty(rep.Error.AWSMessage, rep.Error.Message)), Inconclusive
		}
		if d != r.denial {
			return fmt.Sprintf("refused, but %s: %s was not tested", describeDenial(d), r.what), Fail
		}
		return fmt.Sprintf("refused %s (%d ms)", describeDenial(d), rep.ElapsedMS), Pass
	}
}

// refusedBy is the claim that function's request ev is refused by r; a
// refusal by an implicit deny needs a claim of the same function reading
// service's data to have passed first.
func refusedBy(function, check string, ev contract.Event, r refusal, service string) claimSpec {
	c := claimSpec{function: function, check: check, expected: r.expected(), ev: ev, judge: expectRefusedBy(r)}
	if !r.denial.Explicit {
		c.needs = service
	}
	return c
}

func probe(name string) contract.Event {
	return contract.Event{Action: contract.ActionProbe, Probe: name}
}

// checkListing invokes the lab function with the list action. With an S3
// endpoint and no access point it expects exactly the seeded keys. With the
// access point, listing the bucket by name through the endpoint is refused
// by the endpoint policy (lab document 004); with no S3 endpoint at all, the
// bucket policy refuses reads that do not come through its endpoints (lab
// document 002, Example 1).
func (v *Verifier) checkListing(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	fn := o.FunctionName
	list := contract.Event{Action: contract.ActionList}
	var c claimSpec
	switch {
	case o.AccessPointARN != "":
		c = refusedBy(fn, "function "+fn+": listing the bucket by name through the endpoint is refused by the endpoint policy",
			list, byEndpointPolicy, serviceS3)
	case !o.HasS3Endpoint():
		c = refusedBy(fn, "function "+fn+": the bucket policy refuses reads that come through no endpoint of it",
			list, byBucketPolicy, serviceS3)
	default:
		want := sortedCopy(o.SeedKeys)
		c = claimSpec{function: fn, check: "function " + fn + " lists the seeded keys", expected: strings.Join(want, ","),
			ev: list, judge: expectKeys(want), proves: serviceS3}
	}
	return v.timed(start, v.claim(ctx, c))
}

// checkVariantClaims runs the lab function's probes of the variants the
// stack deploys that must work: the access point, the S3 interface endpoint
// and its DNS, STS through its interface endpoint, and the DynamoDB table.
func (v *Verifier) checkVariantClaims(ctx context.Context) []Result {
	o := v.Outputs
	fn := o.FunctionName
	seeds := sortedCopy(o.SeedKeys)
	var rs []Result
	run := func(deployed bool, why string, c claimSpec) {
		start := v.now()
		if !deployed {
			rs = append(rs, v.timed(start, skip(c.check, c.expected, why))...)
			return
		}
		c.function = fn
		rs = append(rs, v.timed(start, v.claim(ctx, c))...)
	}
	run(o.AccessPointARN != "", "accessPointArn is empty", claimSpec{
		check: "function " + fn + " lists the seeded keys through the access point", expected: strings.Join(seeds, ","),
		ev: probe(contract.ProbeAccessPoint), judge: expectKeys(seeds), proves: serviceS3})
	run(o.S3InterfaceEndpointID != "", "s3InterfaceEndpointId is empty", claimSpec{
		check: "function " + fn + " lists the seeded keys through the S3 interface endpoint", expected: strings.Join(seeds, ","),
		ev: probe(contract.ProbeInterfaceEndpoint), judge: expectKeys(seeds), proves: serviceS3})

	// Without the gateway endpoint, the interface endpoint's private DNS
	// answers S3's regional name inside the VPC; with it, private DNS is
	// only for the inbound resolver, and the name resolves to S3's public
	// addresses, which the gateway endpoint's route carries.
	dnsCheck, wantInVPC, dnsWant := "S3's regional name resolves inside the VPC", true, "addresses inside "+o.VPCCIDR
	if o.EndpointID != "" {
		dnsCheck, wantInVPC, dnsWant = "S3's regional name resolves outside the VPC (private DNS only for the inbound resolver)",
			false, "addresses outside the VPC"
	}
	run(o.S3InterfaceEndpointID != "", "s3InterfaceEndpointId is empty", claimSpec{
		check: "function " + fn + ": " + dnsCheck, expected: dnsWant, ev: probe(contract.ProbeS3DNS),
		judge: func(rep contract.Report) (string, Status) {
			if !rep.OK || rep.Error != nil {
				return describeFailure(rep), Fail
			}
			where := "outside the VPC"
			if rep.InVPC {
				where = "inside the VPC"
			}
			return fmt.Sprintf("%s (%s)", orNone(rep.Addresses), where), passIf(rep.InVPC == wantInVPC && len(rep.Addresses) > 0)
		}})
	_, sts := o.InterfaceEndpointIDs["sts"]
	run(sts, `interfaceEndpointIds has no "sts"`, claimSpec{
		check: "function " + fn + " calls STS through its interface endpoint", expected: "OK, an identity",
		ev: probe(contract.ProbeSTS), judge: expectOK(func(rep contract.Report) string {
			return firstNonEmpty(rep.Identity, "no identity")
		})})
	run(o.TableName != "", "tableName is empty", claimSpec{
		check:    "function " + fn + " reads the seeded item of " + firstNonEmpty(o.TableName, "the table") + " through the DynamoDB endpoint",
		expected: "OK", ev: probe(contract.ProbeTable), judge: expectOK(func(contract.Report) string { return "read" }),
		proves: serviceDynamoDB})
	return rs
}

// checkRefusals runs the lab function's probes that must be refused, after
// its claims that something works: a bucket and a table its role may read
// but its endpoint policies do not name are refused by those policies, and
// its security group refuses HTTPS to the internet (the flow log's REJECT
// records come from this probe).
func (v *Verifier) checkRefusals(ctx context.Context) []Result {
	o := v.Outputs
	fn := o.FunctionName
	var rs []Result
	run := func(why string, c claimSpec) {
		start := v.now()
		if why != "" {
			rs = append(rs, v.timed(start, skip(c.check, c.expected, why))...)
			return
		}
		r := v.claim(ctx, c)
		if c.ev.Probe == contract.ProbeRefusedEgress {
			r = v.checkRefusedEgress(ctx, r, v.refusedEgress)
		}
		rs = append(rs, v.timed(start, r)...)
	}
	deniedWhy := ""
	if !o.HasS3Endpoint() {
		deniedWhy = "no S3 endpoint: no endpoint policy to prove"
	}
	run(deniedWhy, refusedBy(fn, "function "+fn+": a bucket the endpoint policy does not allow is refused by it",
		probe(contract.ProbeDeniedBucket), byEndpointPolicy, serviceS3))
	tableWhy := ""
	if o.DeniedTableName == "" {
		tableWhy = "deniedTableName is empty"
	}
	run(tableWhy, refusedBy(fn, "function "+fn+": a table the DynamoDB endpoint policy does not name is refused by it",
		probe(contract.ProbeDeniedTable), byEndpointPolicy, serviceDynamoDB))
	run("", claimSpec{function: fn, check: "function " + fn + ": its security group refuses HTTPS to the internet",
		expected: contract.KindUnreachable, ev: probe(contract.ProbeRefusedEgress),
		judge: func(rep contract.Report) (string, Status) {
			observed, status := expectKind(contract.KindUnreachable)(rep)
			if status == Pass && len(rep.Addresses) == 0 {
				// A name that did not resolve sent no packet.
				return observed + ": no address was tried", Inconclusive
			}
			return fmt.Sprintf("%s (tried %s)", observed, orNone(rep.Addresses)), status
		}})
	return rs
}

// checkProbes runs the network probes in the probe function, whose
// security group lets HTTPS go anywhere, so that the route tables are what
// stop it. With internetEgress none each path must be closed; with nat the
// internet and the other region's bucket are reached through the NAT
// gateway (lab document 002, Example 3).
func (v *Verifier) checkProbes(ctx context.Context) []Result {
	o := v.Outputs
	fn := v.probeFunction()
	nat := o.egress() == EgressNAT
	var rs []Result
	run := func(why, check, expected string, ev contract.Event, j judge) {
		start := v.now()
		if why != "" {
			rs = append(rs, v.timed(start, Result{Check: check, Expected: expected, Observed: why, Status: Skip})...)
			return
		}
		rs = append(rs, v.timed(start, v.claim(ctx, claimSpec{function: fn, check: check, expected: expected, ev: ev, judge: j}))...)
	}
	reach := expectOK(func(rep contract.Report) string { return "reached " + rep.Target })

	if nat {
		run("", "private subnets reach the internet through the NAT gateway", "reached", probe(contract.ProbeInternet), reach)
	} else {
		run("", "private subnets cannot reach the internet", contract.KindUnreachable, probe(contract.ProbeInternet),
			expectKind(contract.KindUnreachable))
	}
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
	return rs
}

// checkRestrictedFunction: the restricted tier's function reads a key under
// its prefix, and then is refused one outside it by its endpoint's policy.
func (v *Verifier) checkRestrictedFunction(ctx context.Context) []Result {
	o := v.Outputs
	fn := o.RestrictedFunctionName
	allowed := "restricted function reads a key under its prefix"
	denied := "restricted function: a key outside its prefix is refused by its endpoint policy"
	if fn == "" {
		start := v.now()
		return v.timed(start, skip(allowed, "OK", "restrictedFunctionName is empty"),
			skip(denied, byEndpointPolicy.expected(), "restrictedFunctionName is empty"))
	}
	allowed = fmt.Sprintf("restricted function %s reads a key under %s", fn, o.RestrictedPrefix)
	denied = fmt.Sprintf("restricted function %s: a key outside %s is refused by its endpoint policy", fn, o.RestrictedPrefix)
	var rs []Result
	start := v.now()
	rs = append(rs, v.timed(start, v.claim(ctx, claimSpec{function: fn, check: allowed, expected: "OK",
		ev: probe(contract.ProbeAllowedKey), judge: expectOK(func(rep contract.Report) string { return "read " + rep.Target }),
		proves: serviceS3}))...)
	start = v.now()
	rs = append(rs, v.timed(start, v.claim(ctx, refusedBy(fn, denied, probe(contract.ProbeDeniedKey), byEndpointPolicy, serviceS3)))...)
	return rs
}
