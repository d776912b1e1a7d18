// Package handler holds the lab's Lambda logic: it lists the lab bucket through
// whatever network path the function has (in the lab, the S3 gateway endpoint)
// and returns a JSON report that says what happened.
//
// The package is pure with respect to its dependencies: the S3 client, the
// clock and the limits are passed in, so tests run it against a real S3 server
// on loopback and the Lambda entry point only wires it to lambda.Start.
package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Environment variables the function reads. The Pulumi program sets them.
const (
	EnvBucket           = "BUCKET_NAME"
	EnvMaxKeys          = "MAX_KEYS"
	EnvConnectTimeoutMS = "CONNECT_TIMEOUT_MS"
	EnvRequestTimeoutMS = "REQUEST_TIMEOUT_MS"
	// EnvS3Endpoint overrides the S3 endpoint. The lab never sets it; tests
	// point it at an S3 server on loopback.
	EnvS3Endpoint = "S3_ENDPOINT"
	// EnvRegion is set by the Lambda runtime.
	EnvRegion = "AWS_REGION"
)

// Limits on the settings, shared with the Pulumi program's validation.
const (
	MinMaxKeys          = 1
	MaxMaxKeys          = 10000
	MinConnectTimeoutMS = 100
	MaxRequestTimeoutMS = 60000
)

// Error kinds reported in Report.Error.Kind.
const (
	KindAccessDenied = "access_denied"
	KindNoSuchBucket = "no_such_bucket"
	KindUnreachable  = "unreachable"
	KindOther        = "error"
)

// ActionList is the default action: list the lab bucket.
const ActionList = "list"

// Config is the handler's configuration, normally read from the environment.
type Config struct {
	Bucket         string
	Region         string
	MaxKeys        int
	ConnectTimeout time.Duration
	RequestTimeout time.Duration
	Endpoint       string
}

// ConfigFromEnv reads the configuration through getenv (os.Getenv in Lambda)
// and checks it, so that a misconfigured function fails with a clear message.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		Bucket:   getenv(EnvBucket),
		Region:   getenv(EnvRegion),
		Endpoint: getenv(EnvS3Endpoint),
	}
	var errs []error
	if cfg.Bucket == "" {
		errs = append(errs, fmt.Errorf("%s is not set", EnvBucket))
	}
	if cfg.Region == "" {
		errs = append(errs, fmt.Errorf("%s is not set", EnvRegion))
	}
	intVar := func(name string, def, lo, hi int) int {
		raw := getenv(name)
		if raw == "" {
			return def
		}
		v, err := strconv.Atoi(raw)
		if err != nil || v < lo || v > hi {
			errs = append(errs, fmt.Errorf("%s=%q: want an integer from %d to %d", name, raw, lo, hi))
			return def
		}
		return v
	}
	cfg.MaxKeys = intVar(EnvMaxKeys, 1000, MinMaxKeys, MaxMaxKeys)
	cfg.ConnectTimeout = time.Duration(intVar(EnvConnectTimeoutMS, 2000, MinConnectTimeoutMS, MaxRequestTimeoutMS)) * time.Millisecond
	cfg.RequestTimeout = time.Duration(intVar(EnvRequestTimeoutMS, 5000, MinConnectTimeoutMS, MaxRequestTimeoutMS)) * time.Millisecond
	if cfg.ConnectTimeout > cfg.RequestTimeout {
		errs = append(errs, fmt.Errorf("%s (%v) must not exceed %s (%v)",
			EnvConnectTimeoutMS, cfg.ConnectTimeout, EnvRequestTimeoutMS, cfg.RequestTimeout))
	}
	return cfg, errors.Join(errs...)
}

// NewS3Client returns an S3 client whose connections give up after
// cfg.ConnectTimeout, so that a blocked network path shows up in seconds.
// The overall bound is the request context, set by Handler.Handle.
func NewS3Client(ctx context.Context, cfg Config, optFns ...func(*config.LoadOptions) error) (*s3.Client, error) {
	httpClient := awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = cfg.ConnectTimeout }).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSHandshakeTimeout = cfg.ConnectTimeout
			t.ResponseHeaderTimeout = cfg.RequestTimeout
		})
	opts := append([]func(*config.LoadOptions) error{
		config.WithRegion(cfg.Region),
		config.WithHTTPClient(httpClient),
		// Two attempts: one retry for a transient fault, and still well
		// inside the request timeout.
		config.WithRetryMaxAttempts(2),
	}, optFns...)
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load aws config: %w", err)
	}
	return s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			o.UsePathStyle = true
		}
	}), nil
}

// Event is the invocation payload. An empty event lists the bucket.
type Event struct {
	Action string `json:"action,omitempty"`
}

// Report is what an invocation returns.
type Report struct {
	Action    string       `json:"action"`
	OK        bool         `json:"ok"`
	Bucket    string       `json:"bucket"`
	Region    string       `json:"region"`
	KeyCount  int          `json:"keyCount"`
	Keys      []string     `json:"keys"`
	Truncated bool         `json:"truncated"`
	ElapsedMS int64        `json:"elapsedMs"`
	Error     *ErrorReport `json:"error,omitempty"`
}

// ErrorReport says why an action failed.
type ErrorReport struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Handler answers invocations.
type Handler struct {
	S3     *s3.Client
	Config Config
	Log    *slog.Logger
	Now    func() time.Time
}

// Handle runs the action the event asks for. Failures of the action are
// reported in the Report, not as an invocation error, so that the caller always
// gets a report to read.
func (h *Handler) Handle(ctx context.Context, ev Event) (Report, error) {
	action := ev.Action
	if action == "" {
		action = ActionList
	}
	if action != ActionList {
		return Report{}, fmt.Errorf("unknown action %q: accepted %q", ev.Action, ActionList)
	}
	return h.List(ctx), nil
}

// List lists up to Config.MaxKeys keys of the bucket, page by page, within
// Config.RequestTimeout.
func (h *Handler) List(ctx context.Context) Report {
	now := h.now()
	start := now()
	rep := Report{Action: ActionList, Bucket: h.Config.Bucket, Region: h.Config.Region, Keys: []string{}}
	h.logger().InfoContext(ctx, "list started", "bucket", rep.Bucket, "region", rep.Region, "maxKeys", h.Config.MaxKeys)

	ctx, cancel := context.WithTimeout(ctx, h.Config.RequestTimeout)
	defer cancel()
	err := h.list(ctx, &rep)
	rep.ElapsedMS = now().Sub(start).Milliseconds()
	rep.KeyCount = len(rep.Keys)
	if err != nil {
		rep.Error = &ErrorReport{Kind: Classify(err), Message: err.Error()}
		h.logger().ErrorContext(ctx, "list failed", "bucket", rep.Bucket, "kind", rep.Error.Kind,
			"error", rep.Error.Message, "elapsedMs", rep.ElapsedMS)
		return rep
	}
	rep.OK = true
	h.logger().InfoContext(ctx, "list finished", "bucket", rep.Bucket, "keyCount", rep.KeyCount,
		"truncated", rep.Truncated, "elapsedMs", rep.ElapsedMS)
	return rep
}

func (h *Handler) list(ctx context.Context, rep *Report) error {
	limit := h.Config.MaxKeys
	pageSize := int32(min(limit, 1000))
	p := s3.NewListObjectsV2Paginator(h.S3, &s3.ListObjectsV2Input{
		Bucket:  aws.String(h.Config.Bucket),
		MaxKeys: aws.Int32(pageSize),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list objects in %s: %w", h.Config.Bucket, err)
		}
		for _, obj := range page.Contents {
			if len(rep.Keys) == limit {
				rep.Truncated = true
				return nil
			}
			rep.Keys = append(rep.Keys, aws.ToString(obj.Key))
		}
		if len(rep.Keys) == limit && aws.ToBool(page.IsTruncated) {
			rep.Truncated = true
			return nil
		}
	}
	return nil
}

func (h *Handler) now() func() time.Time {
	if h.Now != nil {
		return h.Now
	}
	return time.Now
}

func (h *Handler) logger() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Classify maps an S3 call's error to one of the Kind constants.
func Classify(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "AccessDenied", "AllAccessDisabled", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch":
			return KindAccessDenied
		case "NoSuchBucket":
			return KindNoSuchBucket
		}
		return KindOther
	}
	var sendErr *smithyhttp.RequestSendError
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &sendErr),
		errors.As(err, &netErr):
		return KindUnreachable
	}
	return KindOther
}
