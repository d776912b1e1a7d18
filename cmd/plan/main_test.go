package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/platformlab/s3-gateway-lab/internal/testing/repo"
)

// gatewayLine is the dev stack's S3 gateway endpoint, listed free.
var gatewayLine = regexp.MustCompile(`(?m)^  Gateway endpoint \(S3, DynamoDB\) +lab-s3-endpoint +free +\$0\.00$`)

// TestRunDevText: the dev plan prints the tree, then the monthly cost; dev
// has no NAT gateway and no interface endpoint, so it costs nothing idle,
// and every AWS resource it declares is priced or known to be free.
func TestRunDevText(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, repo.Root(t), "dev", "", false); err != nil {
		t.Fatalf("run: %v", err)
	}
	text := out.String()
	tree := strings.Index(text, "pulumi:pulumi:Stack  s3-gateway-lab-dev\n")
	cost := strings.Index(text, "\nMonthly cost (us-east-1 list prices, November 2026; other regions differ):\n")
	if tree != 0 || cost < 0 {
		t.Fatalf("got the tree at %d and the cost at %d, want the tree first and the cost under it:\n%s", tree, cost, text)
	}
	section := text[cost:]
	for _, want := range []string{
		"  Total fixed per month: $0.00\n",
		"Usage-based (not in the total):\n",
		"  Lambda arm64 duration ",
	} {
		if !strings.Contains(section, want) {
			t.Errorf("cost section: got\n%s\nwant it to contain %q", section, want)
		}
	}
	if !gatewayLine.MatchString(section) {
		t.Errorf("cost section: got\n%s\nwant a line matching %s", section, gatewayLine)
	}
	if strings.Contains(section, "Not in the price table") {
		t.Errorf("cost section: got unpriced resources, want none (price them or list them as free in internal/proof/cost):\n%s", section)
	}
}

// TestRunDevJSON: -json prints the resources alone, as JSON.
func TestRunDevJSON(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, repo.Root(t), "dev", "", true); err != nil {
		t.Fatalf("run: %v", err)
	}
	var resources []map[string]any
	if err := json.Unmarshal(out.Bytes(), &resources); err != nil {
		t.Fatalf("got output that is not a JSON list of resources: %v", err)
	}
	if got, want := resources[0]["type"], "pulumi:pulumi:Stack"; got != want {
		t.Errorf("first resource: got %v, want %s", got, want)
	}
	if bytes.Contains(out.Bytes(), []byte("Monthly cost")) {
		t.Errorf("got the cost section in -json output, want resources only")
	}
}
