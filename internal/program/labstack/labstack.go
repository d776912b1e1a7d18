// Package labstack is the body of the Pulumi program: it reads the stack's
// configuration, builds the Lambda handler, declares the lab and returns the
// stack outputs. main.go runs it in `pulumi up`; the offline plan
// (internal/proof/labplan) runs it on a mock monitor.
package labstack

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformlab/s3-gateway-lab/components"
	"github.com/platformlab/s3-gateway-lab/internal/program/handlerbuild"
	"github.com/platformlab/s3-gateway-lab/internal/program/settings"
)

// LabName is the default name of the lab component in the stack (the
// namePrefix setting): every resource's logical name starts with it.
const LabName = "lab"

// namePrefixRE is what namePrefix accepts.
var namePrefixRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)

// ListPayload is the invocation payload that lists the bucket.
const ListPayload = `{"action":"list"}`

// Declare declares the lab and returns the outputs the stack exports. config
// is the stack's whole configuration (EngineConfig, or StackConfig offline);
// problems found in the stack's files before are reported with its own.
// Nothing is registered, and the handler is not built, unless every setting
// is accepted.
func Declare(ctx *pulumi.Context, config map[string]string, problems ...error) (pulumi.Map, error) {
	args, err := ArgsFromConfig(config, ctx.Project(), ctx.Stack(), problems...)
	if err != nil {
		return nil, err
	}
	root := ctx.RootDirectory()
	if root == "" {
		if root, err = os.Getwd(); err != nil {
			return nil, fmt.Errorf("find project root: %w", err)
		}
	}
	zip, err := handlerbuild.Build(ctx.Context(), root, handlerbuild.OutDir)
	if err != nil {
		return nil, err
	}
	args.HandlerCode = pulumi.NewFileArchive(zip)

	lab, err := components.NewS3GatewayLab(ctx, config[qualify(ctx.Project(), settings.KeyNamePrefix)], args)
	if err != nil {
		return nil, err
	}
	outputs := lab.Outputs()
	outputs["invokeCommand"] = pulumi.Sprintf(
		"aws lambda invoke --region %s --function-name %s --cli-binary-format raw-in-base64-out --payload '%s' report.json && cat report.json",
		lab.Region, lab.FunctionName, ListPayload)
	return outputs, nil
}

// PinnedAccount is the first account of the stack's aws:allowedAccountIds
// (the AWS provider refuses credentials of any other), or "" when it pins
// none or the setting is not a list of account IDs (CheckKeys and the
// provider report that).
func PinnedAccount(cfg map[string]string) string {
	// `pulumi config set --path 'aws:allowedAccountIds[0]' 111122223333`
	// stores a number: take either.
	var ids []json.RawMessage
	if err := json.Unmarshal([]byte(cfg[settings.AWSAllowedAccountIDs]), &ids); err != nil || len(ids) == 0 {
		return ""
	}
	id := strings.Trim(string(ids[0]), `"`)
	if !accountIDRE.MatchString(id) {
		return ""
	}
	return id
}

// accountIDRE matches an AWS account ID.
var accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)
