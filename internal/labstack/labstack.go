// Package labstack is the body of the Pulumi program: it reads the stack's
// configuration, builds the Lambda handler, declares the lab and returns the
// stack outputs. main.go, the offline plan and the tests all run it.
package labstack

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformlab/s3-gateway-lab/components"
	"github.com/platformlab/s3-gateway-lab/internal/handlerbuild"
	"github.com/platformlab/s3-gateway-lab/internal/plan"
)

// Project is the Pulumi project name (Pulumi.yaml's name), which is also the
// namespace of the lab's configuration keys.
const Project = "s3-gateway-lab"

// LabName is the name of the lab component in the stack.
const LabName = "lab"

// ListPayload is the invocation payload that lists the bucket.
const ListPayload = `{"action":"list"}`

// Deploy declares the lab and returns the outputs the stack exports.
func Deploy(ctx *pulumi.Context) (pulumi.Map, error) {
	args, err := ArgsFromConfig(ctx)
	if err != nil {
		return nil, err
	}
	if err := args.Validate(); err != nil {
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

	lab, err := components.NewS3GatewayLab(ctx, LabName, args)
	if err != nil {
		return nil, err
	}
	outputs := lab.Outputs()
	outputs["invokeCommand"] = pulumi.Sprintf(
		"aws lambda invoke --region %s --function-name %s --cli-binary-format raw-in-base64-out --payload '%s' report.json && cat report.json",
		lab.Region, lab.FunctionName, ListPayload)
	return outputs, nil
}

// Plan runs the program offline, on the mock monitor, with stack's
// configuration read from the project directory root.
func Plan(root, stack string) (*plan.Plan, error) {
	cfg, err := StackConfig(root, stack)
	if err != nil {
		return nil, err
	}
	return plan.Run(Deploy, plan.Options{Project: Project, Stack: stack, RootDirectory: root, Config: cfg})
}
