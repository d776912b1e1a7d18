// Command s3-gateway-lab is the Pulumi program of the lab "a Lambda function in
// private subnets lists an S3 bucket through a VPC gateway endpoint".
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformlab/s3-gateway-lab/internal/program/labstack"
)

func main() {
	pulumi.Run(program)
}

// program declares the lab and exports its outputs.
func program(ctx *pulumi.Context) error {
	config, err := labstack.EngineConfig()
	if err != nil {
		return err
	}
	outputs, err := labstack.Declare(ctx, config)
	if err != nil {
		return err
	}
	for name, value := range outputs {
		ctx.Export(name, value)
	}
	return nil
}
