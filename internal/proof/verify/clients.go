package verify

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
)

// Clients are the AWS clients the verifier uses.
type Clients struct {
	EC2    *ec2.Client
	Lambda *lambda.Client
	// S3 makes the verifier's own requests from outside the VPC (the access
	// point's refusal, and its control).
	S3 *s3.Client
	// S3Control reads the access point's configuration.
	S3Control *s3control.Client
	// Logs reads the flow log records (-wait-flow-logs).
	Logs *cloudwatchlogs.Client
}

// NewClients returns the verifier's clients of cfg (awsclient.Config).
func NewClients(cfg aws.Config) *Clients {
	return &Clients{
		EC2:       ec2.NewFromConfig(cfg),
		Lambda:    lambda.NewFromConfig(cfg),
		S3:        s3.NewFromConfig(cfg),
		S3Control: s3control.NewFromConfig(cfg),
		Logs:      cloudwatchlogs.NewFromConfig(cfg),
	}
}

// Verifier returns a verifier of outputs with these clients.
func (c *Clients) Verifier(outputs Outputs) *Verifier {
	return &Verifier{EC2: c.EC2, Lambda: c.Lambda, S3: c.S3, S3Control: c.S3Control, Logs: c.Logs, Outputs: outputs}
}
