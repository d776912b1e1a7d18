// Command plan prints the lab's resource graph for a stack without AWS, a
// Pulumi engine, credentials or network: it runs the real program on the
// Pulumi Go SDK's mock monitor with the stack's configuration (Pulumi.yaml
// defaults overlaid with Pulumi.<stack>.yaml).
//
//	go run ./cmd/plan [-stack dev] [-json] [-root .]
//
// Values known only after deployment are shown as "[unknown <resource>.<output>]".
// Under the tree comes the stack's monthly cost at us-east-1 list prices: the
// fixed cost item by item, then what traffic adds (see internal/cost).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/platformlab/s3-gateway-lab/internal/cost"
	"github.com/platformlab/s3-gateway-lab/internal/labstack"
)

func main() {
	stack := flag.String("stack", "dev", "stack whose Pulumi.<stack>.yaml configures the plan")
	asJSON := flag.Bool("json", false, "print resources as `pulumi stack export`'s deployment.resources")
	root := flag.String("root", ".", "project directory (where Pulumi.yaml is)")
	flag.Parse()
	if err := run(os.Stdout, *root, *stack, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, "plan:", err)
		os.Exit(1)
	}
}

// run plans stack from the project directory root and writes it to w: the
// tree and the monthly cost, or the resources as JSON.
func run(w io.Writer, root, stack string, asJSON bool) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	p, err := labstack.Plan(abs, stack)
	if err != nil {
		return err
	}
	if asJSON {
		out, err := p.JSON()
		if err != nil {
			return err
		}
		_, err = w.Write(out)
		return err
	}
	b, err := cost.Estimate(p)
	if err != nil {
		return fmt.Errorf("estimate cost: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n%s", p.Text(), b.Text())
	return err
}
