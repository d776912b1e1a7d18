package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// DefaultFlowLogWait is how long -wait-flow-logs waits for the flow log's
// records: the lab aggregates over a minute, and CloudWatch Logs publishes
// records some minutes after that.
const DefaultFlowLogWait = 10 * time.Minute

// flowLogLookback is how far before the start of Run the records are read:
// a record's window starts before the probe that caused it.
const flowLogLookback = 5 * time.Minute

// Fields of a record of the default flow log format: version account-id
// interface-id srcaddr dstaddr srcport dstport protocol packets bytes start
// end action log-status
// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html).
const (
	fieldDstPort  = 6
	fieldAction   = 12
	defaultFields = 14
)

// rejectedHTTPS reports whether a record of the default format is a REJECT
// of traffic to port 443.
func rejectedHTTPS(message string) bool {
	f := strings.Fields(message)
	return len(f) == defaultFields && f[fieldAction] == "REJECT" && f[fieldDstPort] == "443"
}

// checkFlowLogRecords: with flow logs in CloudWatch Logs and FlowLogWait
// set, the log group gets a REJECT record of HTTPS (the probes' refused
// connections: the functions' security groups admit HTTPS to the endpoints
// only) within FlowLogWait, read every FlowLogPollEvery.
func (v *Verifier) checkFlowLogRecords(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	check, expected := "flow log records a REJECT of HTTPS", "a REJECT record with dstport 443"
	switch {
	case o.FlowLogs != FlowLogsCloudWatch:
		why := "flowLogs is " + firstNonEmpty(o.FlowLogs, FlowLogsOff)
		if o.FlowLogs == FlowLogsS3 {
			why += ": the records go to a bucket, which the verifier does not read"
		}
		return v.timed(start, Result{Check: check, Expected: expected, Observed: why, Status: Skip})
	case v.FlowLogWait <= 0:
		return v.timed(start, Result{Check: check, Expected: expected, Status: Skip,
			Observed: "not waited for: records arrive minutes after the probes; run with -wait-flow-logs"})
	case v.Logs == nil:
		return v.timed(start, Result{Check: check, Expected: expected, Observed: "no CloudWatch Logs client", Status: Error})
	}
	every := v.FlowLogPollEvery
	if every <= 0 {
		every = 30 * time.Second
	}
	deadline := v.now().Add(v.FlowLogWait)
	since := v.started.Add(-flowLogLookback)
	for try := 1; ; try++ {
		found, rejects, err := v.readRejects(ctx, since)
		var notFound *logstypes.ResourceNotFoundException
		switch {
		case errors.As(err, &notFound):
			return v.timed(start, result(check, expected, "log group "+o.FlowLogDestination+" not found", false))
		case err != nil:
			return v.timed(start, apiError(check, expected, err))
		case found != "":
			return v.timed(start, result(check, expected, found, true))
		}
		observed := fmt.Sprintf("none in %s after %s (%d REJECT records of other ports)", o.FlowLogDestination,
			v.now().Sub(start).Round(time.Second), rejects)
		if !v.now().Add(every).Before(deadline) {
			return v.timed(start, result(check, expected, observed, false))
		}
		v.progress("    flow log read %d: %s; reading again in %s (until %s)", try, observed, every, deadline.Format(time.TimeOnly))
		if err := v.sleep(ctx, every); err != nil {
			return v.timed(start, apiError(check, expected, err))
		}
	}
}

// readRejects reads the REJECT records written since, and returns the first
// of port 443 (empty if none) and how many others there were.
func (v *Verifier) readRejects(ctx context.Context, since time.Time) (string, int, error) {
	p := cloudwatchlogs.NewFilterLogEventsPaginator(v.Logs, &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(v.Outputs.FlowLogDestination),
		// A term, not the space-delimited pattern: the fields are checked
		// here, and the pattern then cannot drift from the parsing.
		FilterPattern: aws.String("REJECT"),
		StartTime:     aws.Int64(since.UnixMilli()),
	})
	others := 0
	// A bounded number of pages: a busy VPC's log need not be read whole.
	for page := 0; p.HasMorePages() && page < 20; page++ {
		out, err := p.NextPage(ctx)
		if err != nil {
			return "", others, err
		}
		for _, e := range out.Events {
			msg := aws.ToString(e.Message)
			if rejectedHTTPS(msg) {
				return fmt.Sprintf("%q in %s", msg, aws.ToString(e.LogStreamName)), others, nil
			}
			others++
		}
	}
	return "", others, nil
}
