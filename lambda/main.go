// Command lambda is the lab's Lambda function: it lists the lab bucket through
// the VPC's S3 gateway endpoint, runs the lab's probes, and returns a JSON
// report. The Pulumi program builds it as a `bootstrap` binary for the
// provided.al2023 runtime on arm64.
package main

import (
	"context"
	"log/slog"
	"net"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/platformlab/s3-gateway-lab/lambda/handler"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := handler.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := handler.LoadAWSConfig(context.Background(), cfg)
	if err != nil {
		log.Error("create aws clients", "error", err.Error())
		os.Exit(1)
	}
	h := &handler.Handler{
		S3:         handler.NewS3Client(awsCfg, cfg),
		DynamoDB:   dynamodb.NewFromConfig(awsCfg),
		STS:        sts.NewFromConfig(awsCfg),
		LookupHost: net.DefaultResolver.LookupHost,
		Config:     cfg,
		Log:        log,
	}
	lambda.Start(h.Handle)
}
