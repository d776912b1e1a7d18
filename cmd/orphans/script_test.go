package main

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/platformlab/s3-gateway-lab/internal/testing/cmdtest"
	"github.com/platformlab/s3-gateway-lab/internal/testing/motoserver"
)

// TestMain lets the scripts run the command as a process of its own, with
// the real Pulumi CLI on a file:// backend and moto on loopback as AWS: the
// exit code is what the hourly workflow reads.
func TestMain(m *testing.M) { cmdtest.Main(m, "orphans", main) }

// TestScripts runs testdata/script/*.txtar with ENDPOINT a moto server
// holding the VPC of stack eph-lost, which no backend holds.
func TestScripts(t *testing.T) {
	pulumi := cmdtest.Pulumi(t, nil)
	srv := motoserver.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := ec2.NewFromConfig(srv.Config()).CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.42.0.0/16"),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{
			{Key: aws.String("lab:project"), Value: aws.String("s3-gateway-lab")},
			{Key: aws.String("lab:stack"), Value: aws.String("eph-lost")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	cmdtest.Run(t, "orphans", pulumi, cmdtest.Setenv("ENDPOINT", srv.URL))
}
