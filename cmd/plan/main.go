// Command plan prints the lab's resource graph for a stack without AWS, a
// Pulumi engine, credentials or network: it runs the real program on the
// Pulumi Go SDK's mock monitor with the stack's configuration (Pulumi.yaml
// defaults overlaid with Pulumi.<stack>.yaml).
//
//	go run ./cmd/plan [-stack dev] [-json] [-root .] [-account 123456789012]
//
// The lookups answer for the account the stack file pins
// (aws:allowedAccountIds), or -account, or else a placeholder account; the
// program runs as in a preview. Settings of other tools' namespaces (not the
// project's, not aws) are listed under the tree: the program does not read
// them.
//
// Values known only after deployment are shown as "[unknown <resource>.<output>]".
// Under the tree comes the stack's monthly cost at us-east-1 list prices: the
// fixed cost item by item, then what traffic adds (see internal/proof/cost).
//
// Exit codes: 0 planned; 2 could not plan (a bad flag, a stack file or
// setting that is missing or invalid, a program error).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/program/labstack"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
	"github.com/platformlab/s3-gateway-lab/internal/proof/cost"
	"github.com/platformlab/s3-gateway-lab/internal/proof/labplan"
)

func main() {
	stack := flag.String("stack", "dev", "stack whose Pulumi.<stack>.yaml configures the plan")
	asJSON := flag.Bool("json", false, "print resources as `pulumi stack export`'s deployment.resources")
	root := flag.String("root", ".", "project directory (where Pulumi.yaml is)")
	account := flag.String("account", "", "AWS account ID the plan stands for (default: the stack file's aws:allowedAccountIds, else a placeholder)")
	flag.Parse()
	if *account != "" && !regexp.MustCompile(`^[0-9]{12}$`).MatchString(*account) {
		fmt.Fprintf(os.Stderr, "plan: -account %q: want a 12-digit AWS account ID\n", *account)
		os.Exit(int(exitcode.CouldNotRun))
	}
	if err := run(os.Stdout, *root, *stack, *account, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, "plan:", err)
		os.Exit(int(exitcode.CouldNotRun))
	}
}

// run plans stack from the project directory root and writes it to w: the
// tree and the monthly cost, or the resources as JSON.
func run(w io.Writer, root, stack, account string, asJSON bool) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	p, err := labplan.Stack(abs, stack, labplan.Options{Account: account})
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
	if _, err = fmt.Fprintf(w, "%s\n%s", p.Text(), b.Text()); err != nil {
		return err
	}
	cfg, err := labstack.StackConfig(abs, stack)
	var problems labstack.FileProblems
	if err != nil && !errors.As(err, &problems) {
		return err
	}
	if foreign := labstack.ForeignKeys(cfg, settings.Project); len(foreign) > 0 {
		_, err = fmt.Fprintf(w, "\nSettings of other namespaces, not read by the program: %s\n", strings.Join(foreign, ", "))
	}
	return err
}
