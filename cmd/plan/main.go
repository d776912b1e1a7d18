// Command plan prints the lab's resource graph for a stack without AWS, a
// Pulumi engine, credentials or network: it runs the real program on the
// Pulumi Go SDK's mock monitor with the stack's configuration (Pulumi.yaml
// defaults overlaid with Pulumi.<stack>.yaml).
//
//	go run ./cmd/plan [-stack dev] [-json] [-root .]
//
// Values known only after deployment are shown as "[unknown <resource>.<output>]".
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/platformlab/s3-gateway-lab/internal/labstack"
)

func main() {
	stack := flag.String("stack", "dev", "stack whose Pulumi.<stack>.yaml configures the plan")
	asJSON := flag.Bool("json", false, "print resources as `pulumi stack export`'s deployment.resources")
	root := flag.String("root", ".", "project directory (where Pulumi.yaml is)")
	flag.Parse()
	if err := run(*root, *stack, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, "plan:", err)
		os.Exit(1)
	}
}

func run(root, stack string, asJSON bool) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	p, err := labstack.Plan(abs, stack)
	if err != nil {
		return err
	}
	if !asJSON {
		fmt.Print(p.Text())
		return nil
	}
	out, err := p.JSON()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(out)
	return err
}
