// Command ci-roles renders the CI roles of iam/roles.json for an
// organization and, with -create, creates them (or brings them up to date)
// in the AWS account of the current credentials: each role with its trust
// policy (GitHub's OIDC provider, this repository's jobs only), its
// permission policy (derived from what its jobs run) as the inline policy
// s3-gateway-lab-ci, and its maximum session duration.
//
//	go build -o bin/ ./cmd/ci-roles
//	./bin/ci-roles -account 111122223333 -repo my-org/my-lab -state-bucket my-pulumi-state \
//	  -state-prefix my-lab -review-state-prefix my-lab-review \
//	  -kms-key-arn arn:aws:kms:us-east-1:111122223333:key/... \
//	  -permissions-boundary-arn arn:aws:iam::111122223333:policy/s3-gateway-lab-boundary [-out DIR] [-create]
//
// It prints each role's ARN and the repository variable that holds it.
// Exit codes: 0 done; 2 could not run (a missing or bad value, no
// credentials, IAM refused a call).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/ops/awsclient"
	"github.com/platformlab/s3-gateway-lab/internal/ops/cisetup"
	"github.com/platformlab/s3-gateway-lab/internal/proof/ciroles"
)

func main() {
	os.Exit(int(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) exitcode.Code {
	fs := flag.NewFlagSet("ci-roles", flag.ContinueOnError)
	fs.SetOutput(stderr)
	values := map[string]*string{
		"ACCOUNT_ID":          fs.String("account", "", "the AWS account of the roles, the stacks and the state bucket"),
		"ORG/REPO":            fs.String("repo", "", "the GitHub repository whose jobs assume the roles, as owner/name"),
		"STATE_BUCKET":        fs.String("state-bucket", "", "the S3 bucket of the Pulumi state"),
		"STATE_PREFIX":        fs.String("state-prefix", "", "dev's backend in it: PULUMI_BACKEND_URL=s3://BUCKET/PREFIX"),
		"REVIEW_STATE_PREFIX": fs.String("review-state-prefix", "", "the review stacks' backend: LAB_REVIEW_BACKEND_URL=s3://BUCKET/PREFIX"),
		"KMS_KEY_ARN":         fs.String("kms-key-arn", "", "the ARN of the secrets provider's KMS key (LAB_SECRETS_PROVIDER=awskms://...)"),
		"PERMISSIONS_BOUNDARY_ARN": fs.String("permissions-boundary-arn", "", "the ARN of the managed policy iam/lab-permissions-boundary.json, "+
			"which every role the CI roles create or change must carry (LAB_PERMISSIONS_BOUNDARY_ARN)"),
	}
	root := fs.String("root", ".", "the repository (where iam/roles.json is)")
	out := fs.String("out", "", "write each role's <id>-trust.json and <id>-policy.json into this directory")
	create := fs.Bool("create", false, "create the roles, or update them, in the account of the current AWS credentials")
	if err := fs.Parse(args); err != nil {
		return exitcode.CouldNotRun
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ci-roles: unexpected argument %q\n", fs.Arg(0))
		return exitcode.CouldNotRun
	}
	m, err := ciroles.LoadManifest(*root)
	if err != nil {
		fmt.Fprintln(stderr, "ci-roles: could not run:", err)
		return exitcode.CouldNotRun
	}
	given := map[string]string{}
	for k, v := range values {
		given[k] = *v
	}
	roles, err := cisetup.Render(*root, m, given)
	if err != nil {
		fmt.Fprintln(stderr, "ci-roles:", err)
		return exitcode.CouldNotRun
	}
	if *out != "" {
		if err := cisetup.Write(*out, roles); err != nil {
			fmt.Fprintln(stderr, "ci-roles:", err)
			return exitcode.CouldNotRun
		}
		fmt.Fprintf(stderr, "ci-roles: wrote the roles' policies into %s\n", *out)
	}
	if !*create {
		for _, r := range roles {
			fmt.Fprintf(stdout, "%s\t%s\n", r.Variable, r.ARN("aws", given["ACCOUNT_ID"]))
		}
		return exitcode.OK
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cfg, err := awsclient.Config(ctx, awsclient.Options{Region: awsclient.Region(os.Getenv)})
	if err != nil {
		fmt.Fprintln(stderr, "ci-roles: could not run:", err)
		return exitcode.CouldNotRun
	}
	// The roles' policies name -account: they go nowhere else.
	id, err := awsclient.Account(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "ci-roles: could not run:", err)
		return exitcode.CouldNotRun
	}
	if id.Account != given["ACCOUNT_ID"] {
		fmt.Fprintf(stderr, "ci-roles: your credentials are of account %s, not -account %s: the roles' policies would name the wrong account\n", id.Account, given["ACCOUNT_ID"])
		return exitcode.CouldNotRun
	}
	arns, err := cisetup.Apply(ctx, iam.NewFromConfig(cfg), roles)
	if err != nil {
		fmt.Fprintln(stderr, "ci-roles:", err)
		return exitcode.CouldNotRun
	}
	for _, r := range roles {
		fmt.Fprintf(stdout, "%s\t%s\n", r.Variable, arns[r.ID])
	}
	return exitcode.OK
}
