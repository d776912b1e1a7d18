package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// DefaultFlowLogWait is how long -wait-flow-logs waits for the flow log's
// records: the lab aggregates over a minute, and CloudWatch Logs publishes
// records some minutes after that.
const DefaultFlowLogWait = 10 * time.Minute

// flowLogLookback is how far before the start of Run the records are read:
// a record's window starts before the probe that caused it.
const flowLogLookback = 5 * time.Minute

// flowRecord is a record of the default flow log format: version
// account-id interface-id srcaddr dstaddr srcport dstport protocol packets
// bytes start end action log-status ("You cannot customize or change the
// default format"; the fields: "Flow log records",
// https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html).
// action is ACCEPT or REJECT: "REJECT: The traffic was rejected. For
// example, the traffic was not allowed by the security groups or network
// ACLs" (same page).
type flowRecord struct {
	iface, src, dst string
	dstPort         int
	protocol        int
	action          string
}

// parseFlowRecord reads a record of the default format; ok is false for
// another format, or for a NODATA or SKIPDATA record, whose address fields
// are "-".
func parseFlowRecord(line string) (flowRecord, bool) {
	f := strings.Fields(line)
	if len(f) != 14 || f[0] != "2" {
		return flowRecord{}, false
	}
	port, errPort := strconv.Atoi(f[6])
	proto, errProto := strconv.Atoi(f[7])
	if errPort != nil || errProto != nil || (f[12] != "ACCEPT" && f[12] != "REJECT") {
		return flowRecord{}, false
	}
	return flowRecord{iface: f[2], src: f[3], dst: f[4], dstPort: port, protocol: proto, action: f[12]}, true
}

// tcp is the protocol number of TCP in flow log records (IANA).
const tcp = 6

// checkFlowLogRecords: with flow logs in CloudWatch Logs and FlowLogWait
// set, the log group gets, within FlowLogWait (read every
// FlowLogPollEvery), a REJECT record of the lab function's refused-egress
// probe: TCP to port 443 of an address the probe tried, from one of the
// lab function's network interfaces (those in its security group). Its
// security group admits HTTPS to the endpoints only, so the group refuses
// those packets, and a correct lab records them as REJECT.
func (v *Verifier) checkFlowLogRecords(ctx context.Context) []Result {
	start := v.now()
	o := v.Outputs
	check := "flow log records the lab function's security group refusing HTTPS to the internet"
	expected := "a REJECT record, TCP to port 443, from the lab function's interface to an address its probe tried"
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
		return v.timed(start, Result{Check: check, Expected: expected, Observed: "no CloudWatch Logs client", Status: Errored})
	case len(v.refusedEgress) == 0:
		return v.timed(start, Result{Check: check, Expected: expected, Status: Inconclusive,
			Observed: "the lab function's refused-egress probe did not pass, so no address to look for (see its row)"})
	}
	ifaces, err := v.functionInterfaces(ctx)
	switch {
	case err != nil:
		return v.timed(start, apiError(check, expected, err))
	case len(ifaces) == 0:
		return v.timed(start, result(check, expected, "no network interface in the lab function's security group "+o.SecurityGroupID, false))
	}
	want := func(r flowRecord) bool {
		return r.action == "REJECT" && r.protocol == tcp && r.dstPort == HTTPSPort &&
			slices.Contains(ifaces, r.iface) && slices.Contains(v.refusedEgress, r.dst)
	}
	every := v.FlowLogPollEvery
	if every <= 0 {
		every = 30 * time.Second
	}
	deadline := v.now().Add(v.FlowLogWait)
	since := v.started.Add(-flowLogLookback)
	for try := 1; ; try++ {
		found, rejects, err := v.readRejects(ctx, since, want)
		var notFound *logstypes.ResourceNotFoundException
		switch {
		case errors.As(err, &notFound):
			return v.timed(start, result(check, expected, "log group "+o.FlowLogDestination+" not found", false))
		case err != nil:
			return v.timed(start, apiError(check, expected, err))
		case found != "":
			return v.timed(start, result(check, expected, found, true))
		}
		observed := fmt.Sprintf("none in %s after %s (%d other REJECT records; looked for interfaces %s to %s port %d)",
			o.FlowLogDestination, v.now().Sub(start).Round(time.Second), rejects, orNone(ifaces), orNone(v.refusedEgress), HTTPSPort)
		if !v.now().Add(every).Before(deadline) {
			return v.timed(start, result(check, expected, observed, false))
		}
		v.progress("    flow log read %d: %s; reading again in %s (until %s)", try, observed, every, deadline.Format(time.TimeOnly))
		if err := v.sleep(ctx, every); err != nil {
			return v.timed(start, apiError(check, expected, err))
		}
	}
}

// HTTPSPort is the port the refused-egress probe connects to.
const HTTPSPort = 443

// functionInterfaces are the IDs of the network interfaces in the lab
// function's security group: Lambda's interfaces for the function.
func (v *Verifier) functionInterfaces(ctx context.Context) ([]string, error) {
	p := ec2.NewDescribeNetworkInterfacesPaginator(v.EC2, &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{v.Outputs.SecurityGroupID}}},
	})
	ids, err := allPages(ctx, p, func(out *ec2.DescribeNetworkInterfacesOutput) (ids []string) {
		for _, ni := range out.NetworkInterfaces {
			ids = append(ids, aws.ToString(ni.NetworkInterfaceId))
		}
		return ids
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// readRejects reads the REJECT records written since, and returns the
// first that want accepts (empty if none) and how many others there were.
func (v *Verifier) readRejects(ctx context.Context, since time.Time, want func(flowRecord) bool) (string, int, error) {
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
			if r, ok := parseFlowRecord(msg); ok && want(r) {
				return fmt.Sprintf("%q in %s", msg, aws.ToString(e.LogStreamName)), others, nil
			}
			others++
		}
	}
	return "", others, nil
}
