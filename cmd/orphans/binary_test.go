package main

// These tests build the command and run the binary with the real Pulumi CLI
// (tools/bin/pulumi) on a file:// backend and moto on loopback as AWS: the
// exit code is what the hourly workflow reads.

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
	"github.com/platformlab/s3-gateway-lab/internal/testing/cmdtest"
	"github.com/platformlab/s3-gateway-lab/internal/testing/motoserver"
	"github.com/platformlab/s3-gateway-lab/internal/testing/pulumitest"
)

func TestBinaryExitCodes(t *testing.T) {
	b := pulumitest.NewBackend(t)
	bin := cmdtest.Build(t, "orphans")
	root := pulumitest.Project(t, "s3-gateway-lab")
	b.MustRun(t, root, "stack", "init", "dev", "--non-interactive")
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
	none := filepath.Join(t.TempDir(), "none")
	withCLI := []string{"PATH=" + filepath.Dir(b.Bin) + ":/usr/bin:/bin", "AWS_CONFIG_FILE=" + none,
		"AWS_SHARED_CREDENTIALS_FILE=" + none, "AWS_EC2_METADATA_DISABLED=true"}
	credentials := append([]string{"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing"}, withCLI...)
	args := []string{"-root", root, "-regions", "us-east-1", "-endpoint-url", srv.URL}

	tests := []struct {
		name     string
		env      []string
		args     []string
		setup    func()
		wantCode exitcode.Code
		wantOut  string
		wantErr  string
	}{
		{name: "an orphan", env: credentials, args: args, wantCode: exitcode.LeftBehind,
			wantOut: "aws ec2 delete-vpc --vpc-id vpc-"},
		{name: "no AWS credentials", env: withCLI, args: args, wantCode: exitcode.CouldNotRun, wantErr: "no AWS credentials"},
		{name: "no Pulumi CLI", env: []string{"PATH=" + t.TempDir()}, args: args, wantCode: exitcode.CouldNotRun,
			wantErr: "the Pulumi CLI is not installed"},
		{name: "unreadable backend", env: credentials, args: append([]string{"-backend", "file://" + filepath.Join(t.TempDir(), "none")}, args...),
			wantCode: exitcode.CouldNotRun, wantErr: "unable to open state directory"},
		{name: "no regions", env: credentials, args: []string{"-root", root, "-regions", ","}, wantCode: exitcode.CouldNotRun,
			wantErr: "give the regions with -regions"},
		{name: "its stack is back: no orphan", env: credentials, args: args,
			setup:    func() { b.MustRun(t, root, "stack", "init", "eph-lost", "--non-interactive") },
			wantCode: exitcode.OK, wantOut: "No orphaned resources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			cmdtest.Expect(t, bin, b.Env(tt.env...), "", tt.args, int(tt.wantCode), tt.wantOut, tt.wantErr)
		})
	}
}
