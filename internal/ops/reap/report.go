package reap

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/proof/cost"
)

// Text renders the report: a line per stack of the project, the stacks of
// other projects left alone, and a summary line.
func (r Report) Text() string {
	var s strings.Builder
	mode := "reaping"
	if r.DryRun {
		mode = "dry run (nothing is changed; -yes reaps)"
	}
	fmt.Fprintf(&s, "Stacks of project %s at %s, %s; reaping only stacks created by %s:\n", r.Project, r.Now.Format(time.RFC3339), mode, r.Owner)
	tw := tabwriter.NewWriter(&s, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tEXPIRES\tRESOURCES\tMONTHLY\tOUTCOME\tDETAIL")
	var expired, failed int
	var monthly float64
	for _, res := range r.Results {
		expires, resources, price := "-", "?", "-"
		if !res.ExpiresAt.IsZero() {
			expires = res.ExpiresAt.Format(time.RFC3339)
		}
		if res.Resources >= 0 {
			resources = strconv.Itoa(res.Resources)
		}
		switch res.Outcome {
		case WouldReap, Reaped, Failed, Locked:
			if !res.ExpiresAt.IsZero() {
				expired++
				price = cost.Dollars(res.Monthly)
				if res.CostErr != nil {
					price = "?"
				} else if res.Outcome != Reaped {
					monthly += res.Monthly
				}
			}
		}
		if res.Failure() {
			failed++
		}
		detail := res.Detail
		if res.CostErr != nil {
			detail += " (cost unknown: " + res.CostErr.Error() + ")"
		}
		if res.Duration > 0 {
			detail += fmt.Sprintf(" [%s]", res.Duration.Round(time.Second))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", res.Stack, expires, resources, price, res.Outcome, oneLine(detail))
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(&s, "(could not render the table: %v)\n", err)
	}
	if len(r.Results) == 0 {
		s.WriteString("  (no stacks of this project)\n")
	}
	if len(r.Others) > 0 {
		fmt.Fprintf(&s, "Not this project's, never touched: %s\n", strings.Join(r.Others, ", "))
	}
	fmt.Fprintf(&s, "%d stacks, %d expired, %d need attention; expired stacks still deployed cost %s a month (fixed, %s list prices)\n",
		len(r.Results), expired, failed, cost.Dollars(monthly), cost.Region)
	return s.String()
}

// oneLine joins the lines of a multi-line message (a CLI error).
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
