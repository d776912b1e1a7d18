// Package awsclient is the one AWS SDK set-up of the lab's commands (verify,
// orphans, ephemeral, reap): the region, the credential chain (the EC2
// instance metadata service only when asked), bounded retries, an endpoint
// for emulators and the tests' fake servers, and a log of every call a
// command makes, which the tests evaluate against the CI roles' policies and
// a user can read to see what rights a command needs.
package awsclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// ErrNoCredentials means the AWS SDK found no credentials.
var ErrNoCredentials = errors.New("no AWS credentials")

// CallLogEnv names a file to which every AWS call of a command is appended
// as a JSON line (Call), for auditing which rights a command needs.
const CallLogEnv = "LAB_AWS_CALL_LOG"

// Options configure the AWS SDK.
type Options struct {
	Region string
	// EndpointURL, when set, sends every call there (a local emulator, or
	// the tests' fake servers). S3 requests through an access point ARN go
	// to <access point>-<account>.<EndpointURL's host>, as the SDK's
	// endpoint rules make them: HTTPClient must then reach the server.
	EndpointURL string
	// HTTPClient, when set, replaces the SDK's HTTP client (tests).
	HTTPClient aws.HTTPClient
	// UseIMDS lets the SDK ask the EC2 instance metadata service for
	// credentials. Off by default: outside EC2 it is an address no request
	// should go to.
	UseIMDS bool
	// MaxAttempts and MaxBackoff bound the SDK's retries of throttled and
	// failed calls (defaults 5 and 20 s).
	MaxAttempts int
	MaxBackoff  time.Duration
	// Credentials, when set, replace the default credential chain.
	Credentials aws.CredentialsProvider
	// Calls, when set, records every call (besides CallLogEnv's file).
	Calls *CallLog
}

// Config loads the AWS configuration, makes sure credentials can be had
// (without them it returns an error wrapping ErrNoCredentials, and nothing is
// sent), and returns it with the endpoint, retries and call log of o. Clients
// made from it with NewFromConfig need no further options.
func Config(ctx context.Context, o Options) (aws.Config, error) {
	attempts, backoff := o.MaxAttempts, o.MaxBackoff
	if attempts == 0 {
		attempts = 5
	}
	if backoff == 0 {
		backoff = 20 * time.Second
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(o.Region),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = attempts
				so.MaxBackoff = backoff
				so.Backoff = retry.NewExponentialJitterBackoff(backoff)
			})
		}),
	}
	if !o.UseIMDS {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	if o.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(o.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if o.HTTPClient != nil {
		// After loading: a CA bundle in the environment (AWS_CA_BUNDLE)
		// needs the SDK's buildable client at load time.
		cfg.HTTPClient = o.HTTPClient
	}
	credCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := cfg.Credentials.Retrieve(credCtx); err != nil {
		return aws.Config{}, fmt.Errorf("%w: %v; configure them (aws configure, aws sso login, AWS_PROFILE, or "+
			"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; on EC2 add -use-imds)", ErrNoCredentials, err)
	}
	if o.EndpointURL != "" {
		cfg.BaseEndpoint = aws.String(o.EndpointURL)
	}
	logs := []*CallLog{o.Calls}
	if path := os.Getenv(CallLogEnv); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return aws.Config{}, fmt.Errorf("open %s=%s: %w", CallLogEnv, path, err)
		}
		logs = append(logs, &CallLog{file: f})
	}
	for _, l := range logs {
		if l != nil {
			cfg.APIOptions = append(cfg.APIOptions, l.middleware)
		}
	}
	return cfg, nil
}

// Call is one AWS API call a command made.
type Call struct {
	// Service is the SDK's service ID (EC2, S3, Lambda, ...), Operation the
	// API operation (DescribeRouteTables, ListObjectsV2, Invoke, ...).
	Service   string `json:"service"`
	Operation string `json:"operation"`
	Region    string `json:"region"`
	// Input is the operation's input as the SDK was given it.
	Input json.RawMessage `json:"input,omitempty"`
	// ErrorCode is AWS's error code when the call failed (AccessDenied, ...).
	ErrorCode string `json:"errorCode,omitempty"`
}

// CallLog records calls; it is safe for concurrent use.
type CallLog struct {
	mu    sync.Mutex
	calls []Call
	file  *os.File
}

// Calls returns the calls recorded so far.
func (l *CallLog) Calls() []Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Call(nil), l.calls...)
}

func (l *CallLog) record(c Call) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file != nil {
		if line, err := json.Marshal(c); err == nil {
			// A failed write of the audit log must not fail the command.
			_, _ = l.file.Write(append(line, '\n'))
		}
		return
	}
	l.calls = append(l.calls, c)
}

// middleware records each operation once, whatever its retries, with its
// outcome.
func (l *CallLog) middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("LabCallLog",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c := Call{Service: awsmiddleware.GetServiceID(ctx), Operation: awsmiddleware.GetOperationName(ctx), Region: awsmiddleware.GetRegion(ctx)}
			if input, err := json.Marshal(in.Parameters); err == nil {
				c.Input = input
			}
			out, md, err := next.HandleInitialize(ctx, in)
			var apiErr smithy.APIError
			if errors.As(err, &apiErr) {
				c.ErrorCode = apiErr.ErrorCode()
			}
			l.record(c)
			return out, md, err
		}), middleware.After)
}

// Region is the region of the environment (AWS_REGION, else
// AWS_DEFAULT_REGION), else us-east-1.
func Region(getenv func(string) string) string {
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if r := getenv(k); r != "" {
			return r
		}
	}
	return "us-east-1"
}
