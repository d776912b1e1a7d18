// Package verify checks a deployed lab against the real AWS APIs: the
// private route tables, the gateway endpoint and its policy, the function's
// listing of the seeded keys, and the negative claims (no internet, no bucket
// the endpoint does not allow, no other region), the last through the
// function's own probes. The variants a stack deploys (NAT egress, the S3
// interface endpoint, the access point, DynamoDB, other interface
// endpoints, the restricted tier, flow logs) add their claims, with the
// expected outcome derived from the stack's outputs; those it does not
// deploy are SKIP rows.
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
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// Status is a check's outcome.
type Status string

// Statuses. PASS: the observation proves the claim, for the reason the
// claim names. FAIL: the claim does not hold (a path is open, or a request
// was refused by another policy than the one the claim names).
// INCONCLUSIVE: the observation cannot tell (AWS's message names no policy,
// no claim of the same function that reads data passed first, the caller's
// own rights refused it). ERROR (Errored): the check could not be evaluated (the API
// kept failing, the function runs other code). SKIP: a part the stack does
// not deploy.
const (
	Pass         Status = "PASS"
	Fail         Status = "FAIL"
	Inconclusive Status = "INCONCLUSIVE"
	Errored      Status = "ERROR"
	Skip         Status = "SKIP"
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

// Verifier runs the checks.
type Verifier struct {
	EC2    *ec2.Client
	Lambda *lambda.Client
	// S3 lists through the access point from outside the VPC, and the
	// bucket by name as a control; without it those checks are an ERROR.
	S3 *s3.Client
	// S3Control reads the access point's configuration.
	S3Control *s3control.Client
	// Logs reads the flow log records when FlowLogWait is set.
	Logs    *cloudwatchlogs.Client
	Outputs Outputs
	// ProbeFunction is the function the negative probes (internet, denied
	// bucket, cross-region, denied table) run in. Default: the stack's probe
	// function (probeFunctionName), or, for a stack without one, the lab
	// function.
	ProbeFunction string
	// FlowLogWait, when set and the stack's flow logs go to CloudWatch Logs,
	// is how long to wait, after the probes, for the flow log to record a
	// REJECT of HTTPS; zero skips that check. FlowLogPollEvery is the pause
	// between reads (default 30 s).
	FlowLogWait      time.Duration
	FlowLogPollEvery time.Duration
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

	started, retryUntil time.Time
	// proved records, for "FUNCTION SERVICE", that a claim of the function
	// reading data of the service passed in this run: its role works and
	// has propagated (claimSpec.proves, claimSpec.needs).
	proved map[string]bool
	// refusedEgress are the addresses the lab function's refused-egress
	// probe tried, which its flow log records name.
	refusedEgress []string
}

// DefaultRetryFor is how long the commands retry function claims by default.
const DefaultRetryFor = 3 * time.Minute

// Run runs every check and returns the results in order.
func (v *Verifier) Run(ctx context.Context) []Result {
	v.started = v.now()
	v.retryUntil = v.started.Add(v.RetryFor)
	v.proved, v.refusedEgress = map[string]bool{}, nil
	var results []Result
	for _, step := range []struct {
		name string
		run  func(context.Context) []Result
	}{
		{"route tables", v.checkRouteTables},
		{"internet and NAT gateways", v.checkGateways},
		{"S3 gateway endpoint", v.checkEndpoint},
		{"S3 interface endpoint", v.checkS3InterfaceEndpoint},
		{"DynamoDB gateway endpoint", v.checkDynamoDBEndpoint},
		{"interface endpoints", v.checkInterfaceEndpoints},
		{"restricted tier", v.checkRestrictedTier},
		// Each function's claims that something works come before its
		// claims that something is refused (claimSpec.needs).
		{"function's variant claims", v.checkVariantClaims},
		{"function lists the seeded keys", v.checkListing},
		{"function's refusals", v.checkRefusals},
		{"negative probes", v.checkProbes},
		{"restricted function", v.checkRestrictedFunction},
		{"access point", v.checkAccessPoint},
		// After the function claims, whose retries share the window from
		// the start of Run: the flow log's status has a window of its own.
		{"flow log", v.checkFlowLog},
		{"flow log records", v.checkFlowLogRecords},
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
	return Result{Check: check, Expected: expected, Observed: "API error: " + err.Error(), Status: Errored}
}

// judge reads a function's report and says what was observed and whether
// it proves the claim.
type judge func(contract.Report) (observed string, s Status)

// claimSpec is a claim proved through a function.
type claimSpec struct {
	function, check, expected string
	ev                        contract.Event
	judge                     judge
	// proves names the service ("s3", "dynamodb") whose data the claim
	// reads: when it passes, the function's role is known to work, and to
	// have propagated, for that service.
	proves string
	// needs names the service of which a claim of the same function must
	// have passed earlier in the run for this one to count: a refusal that
	// AWS attributes to one policy ("because no VPC endpoint policy
	// allows") may hide another that also refuses ("If multiple policy types
	// deny an authorization request, AWS includes only one of those policy
	// types in the error message", IAM User Guide, "Troubleshoot access
	// denied error messages"), such as a role that has not propagated.
	// Otherwise the claim is INCONCLUSIVE. Claims proved by an explicit deny
	// need none: AWS evaluates explicit denies first, whatever the allows
	// (IAM User Guide, "Policy evaluation logic").
	needs string
}

// Services whose reads prove a function's role (claimSpec).
const (
	serviceS3       = "s3"
	serviceDynamoDB = "dynamodb"
)

// claim checks a claim proved through a function: it invokes the function
// with the event and judges the report, and while the claim does not pass,
// tries again every RetryEvery until RetryFor after the start of Run,
// showing each try on Progress. An API error after the SDK's retries, or a
// reply that is not a report of the lab's handler, ends the tries as an
// ERROR.
func (v *Verifier) claim(ctx context.Context, c claimSpec) Result {
	every := v.RetryEvery
	if every <= 0 {
		every = 10 * time.Second
	}
	for try := 1; ; try++ {
		rep, err := v.invoke(ctx, c.function, c.ev)
		if errors.Is(err, ErrNotAReport) {
			return Result{Check: c.check, Expected: c.expected, Observed: "wrong code: " + err.Error(), Status: Errored}
		}
		if err != nil {
			return apiError(c.check, c.expected, err)
		}
		observed, status := c.judge(rep)
		if status == Pass || !v.now().Add(every).Before(v.retryUntil) {
			if status != Pass && try > 1 {
				observed += fmt.Sprintf(" (after %d tries)", try)
			}
			return v.settle(c, rep, observed, status)
		}
		v.progress("    try %d: %s: %s; trying again in %s (until %s)", try, c.check, observed, every,
			v.retryUntil.Format(time.TimeOnly))
		if err := v.sleep(ctx, every); err != nil {
			return apiError(c.check, c.expected, err)
		}
	}
}

// settle records what a passing claim proves and holds a passing claim
// that needs a proof the run has not made.
func (v *Verifier) settle(c claimSpec, rep contract.Report, observed string, status Status) Result {
	if status == Pass && c.needs != "" && !v.proved[c.function+" "+c.needs] {
		status = Inconclusive
		observed += fmt.Sprintf("; but no claim of %s that reads %s passed before it in this run, so its role may "+
			"not work or not have propagated, and the refusal may be its own", c.function, c.needs)
	}
	if status == Pass && c.proves != "" {
		v.proved[c.function+" "+c.proves] = true
	}
	if status == Pass && c.ev.Probe == contract.ProbeRefusedEgress {
		v.refusedEgress = rep.Addresses
	}
	return Result{Check: c.check, Expected: c.expected, Observed: observed, Status: status}
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

// invoke calls function synchronously and decodes its report. A reply
// is taken as a report only when it has every field a report has and
// answers the action (and probe) that was sent.
func (v *Verifier) invoke(ctx context.Context, function string, ev contract.Event) (contract.Report, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return contract.Report{}, err
	}
	out, err := v.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(function), Payload: payload})
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

// ExitCode maps results to the command's exit code: any FAIL is
// exitcode.ClaimFailed; otherwise any ERROR or INCONCLUSIVE is
// exitcode.Incomplete.
func ExitCode(results []Result) exitcode.Code {
	code := exitcode.OK
	for _, r := range results {
		switch r.Status {
		case Fail:
			return exitcode.ClaimFailed
		case Errored, Inconclusive:
			code = exitcode.Incomplete
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
	fmt.Fprintf(&b, "\n%d passed, %d failed, %d inconclusive, %d errors, %d skipped\n", counts[Pass], counts[Fail],
		counts[Inconclusive], counts[Errored], counts[Skip])
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
