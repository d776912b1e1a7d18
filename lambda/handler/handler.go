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
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
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

	// Probe targets, set by the Pulumi program. A probe whose target is not
	// set reports KindNotConfigured.
	EnvProbeInternetURL       = "PROBE_INTERNET_URL"
	EnvProbeDeniedBucket      = "PROBE_DENIED_BUCKET"
	EnvProbeCrossRegionBucket = "PROBE_CROSS_REGION_BUCKET"
	EnvProbeCrossRegion       = "PROBE_CROSS_REGION"
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
	// KindNotConfigured: the lab has no target for the probe asked for.
	KindNotConfigured = "not_configured"
)

// Actions an event may ask for.
const (
	// ActionList is the default action: list the lab bucket.
	ActionList = "list"
	// ActionProbe tries one of the paths the lab claims is closed.
	ActionProbe = "probe"
)

// Probes: each tries a path the lab claims is closed. The targets come from
// the function's environment, set by the lab; an event only names a probe,
// so an invocation can never aim the function at an arbitrary address.
const (
	// ProbeInternet fetches PROBE_INTERNET_URL: the private subnets have no
	// route to the internet, so the lab expects KindUnreachable.
	ProbeInternet = "internet"
	// ProbeDeniedBucket lists PROBE_DENIED_BUCKET, which the role may list
	// but the endpoint policy does not allow: the lab expects
	// KindAccessDenied, from the endpoint.
	ProbeDeniedBucket = "denied-bucket"
	// ProbeCrossRegion lists PROBE_CROSS_REGION_BUCKET in
	// PROBE_CROSS_REGION: a gateway endpoint only reaches its own region, so
	// the lab expects KindUnreachable.
	ProbeCrossRegion = "cross-region"
)

// Probes lists the probes in the order a verifier runs them.
var Probes = []string{ProbeInternet, ProbeDeniedBucket, ProbeCrossRegion}

// Config is the handler's configuration, normally read from the environment.
type Config struct {
	Bucket         string
	Region         string
	MaxKeys        int
	ConnectTimeout time.Duration
	RequestTimeout time.Duration
	Endpoint       string

	ProbeInternetURL       string
	ProbeDeniedBucket      string
	ProbeCrossRegionBucket string
	ProbeCrossRegion       string
}

// ConfigFromEnv reads the configuration through getenv (os.Getenv in Lambda)
// and checks it, so that a misconfigured function fails with a clear message.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		Bucket:   getenv(EnvBucket),
		Region:   getenv(EnvRegion),
		Endpoint: getenv(EnvS3Endpoint),

		ProbeInternetURL:       getenv(EnvProbeInternetURL),
		ProbeDeniedBucket:      getenv(EnvProbeDeniedBucket),
		ProbeCrossRegionBucket: getenv(EnvProbeCrossRegionBucket),
		ProbeCrossRegion:       getenv(EnvProbeCrossRegion),
	}
	var errs []error
	if cfg.Bucket == "" {
		errs = append(errs, fmt.Errorf("%s is not set", EnvBucket))
	}
	if cfg.Region == "" {
		errs = append(errs, fmt.Errorf("%s is not set", EnvRegion))
	}
	// No defaults here: the program sets every variable from the stack's
	// configuration, whose defaults live in Pulumi.yaml only.
	intVar := func(name string, lo, hi int) int {
		raw := getenv(name)
		if raw == "" {
			errs = append(errs, fmt.Errorf("%s is not set", name))
			return 0
		}
		v, err := strconv.Atoi(raw)
		if err != nil || v < lo || v > hi {
			errs = append(errs, fmt.Errorf("%s=%q: want an integer from %d to %d", name, raw, lo, hi))
			return 0
		}
		return v
	}
	cfg.MaxKeys = intVar(EnvMaxKeys, MinMaxKeys, MaxMaxKeys)
	cfg.ConnectTimeout = time.Duration(intVar(EnvConnectTimeoutMS, MinConnectTimeoutMS, MaxRequestTimeoutMS)) * time.Millisecond
	cfg.RequestTimeout = time.Duration(intVar(EnvRequestTimeoutMS, MinConnectTimeoutMS, MaxRequestTimeoutMS)) * time.Millisecond
	if (cfg.ProbeCrossRegionBucket == "") != (cfg.ProbeCrossRegion == "") {
		errs = append(errs, fmt.Errorf("%s and %s are set together or not at all", EnvProbeCrossRegionBucket, EnvProbeCrossRegion))
	}
	if cfg.ProbeInternetURL != "" && !strings.HasPrefix(cfg.ProbeInternetURL, "https://") {
		errs = append(errs, fmt.Errorf("%s=%q: want an https:// URL", EnvProbeInternetURL, cfg.ProbeInternetURL))
	}
	if cfg.ConnectTimeout > cfg.RequestTimeout {
		errs = append(errs, fmt.Errorf("%s (%v) must not exceed %s (%v)",
			EnvConnectTimeoutMS, cfg.ConnectTimeout, EnvRequestTimeoutMS, cfg.RequestTimeout))
	}
	return cfg, errors.Join(errs...)
}

// httpClient returns an HTTP client whose connections give up after
// cfg.ConnectTimeout, so that a blocked network path shows up in seconds.
func httpClient(cfg Config) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = cfg.ConnectTimeout }).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSHandshakeTimeout = cfg.ConnectTimeout
			t.ResponseHeaderTimeout = cfg.RequestTimeout
		})
}

// NewS3Client returns an S3 client built on httpClient. The overall bound is
// the request context, set by Handler.List and Handler.Probe.
func NewS3Client(ctx context.Context, cfg Config, optFns ...func(*config.LoadOptions) error) (*s3.Client, error) {
	httpClient := httpClient(cfg)
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
	// Probe names the probe when Action is ActionProbe.
	Probe string `json:"probe,omitempty"`
}

// Report is what an invocation returns.
type Report struct {
	Action string `json:"action"`
	// Probe and Target say what a probe tried (ActionProbe only).
	Probe     string       `json:"probe,omitempty"`
	Target    string       `json:"target,omitempty"`
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
	switch action {
	case ActionList:
		return h.List(ctx), nil
	case ActionProbe:
		if !slices.Contains(Probes, ev.Probe) {
			return Report{}, fmt.Errorf("unknown probe %q: accepted %q", ev.Probe, Probes)
		}
		return h.Probe(ctx, ev.Probe), nil
	}
	return Report{}, fmt.Errorf("unknown action %q: accepted %q, %q", ev.Action, ActionList, ActionProbe)
}

// List lists up to Config.MaxKeys keys of the bucket, page by page, within
// Config.RequestTimeout.
func (h *Handler) List(ctx context.Context) Report {
	rep := Report{Action: ActionList, Bucket: h.Config.Bucket, Region: h.Config.Region, Keys: []string{}}
	h.logger().InfoContext(ctx, "list started", "bucket", rep.Bucket, "region", rep.Region, "maxKeys", h.Config.MaxKeys)
	return h.run(ctx, rep, func(ctx context.Context, rep *Report) error {
		return h.list(ctx, rep, h.Config.MaxKeys)
	})
}

// Probe runs one of the Probes and reports what happened. OK means the path
// was open; the error kind says how it was closed.
func (h *Handler) Probe(ctx context.Context, probe string) Report {
	rep := Report{Action: ActionProbe, Probe: probe, Region: h.Config.Region, Keys: []string{}}
	var do func(ctx context.Context, rep *Report) error
	switch probe {
	case ProbeInternet:
		rep.Target = h.Config.ProbeInternetURL
		do = h.fetch
	case ProbeDeniedBucket:
		rep.Target, rep.Bucket = h.Config.ProbeDeniedBucket, h.Config.ProbeDeniedBucket
		do = func(ctx context.Context, rep *Report) error { return h.list(ctx, rep, 1) }
	case ProbeCrossRegion:
		rep.Target, rep.Bucket, rep.Region = h.Config.ProbeCrossRegionBucket, h.Config.ProbeCrossRegionBucket, h.Config.ProbeCrossRegion
		do = func(ctx context.Context, rep *Report) error {
			return h.list(ctx, rep, 1, func(o *s3.Options) { o.Region = h.Config.ProbeCrossRegion })
		}
	}
	if rep.Target == "" {
		rep.Error = &ErrorReport{Kind: KindNotConfigured, Message: fmt.Sprintf("this lab has no target for probe %q", probe)}
		return rep
	}
	h.logger().InfoContext(ctx, "probe started", "probe", probe, "target", rep.Target)
	return h.run(ctx, rep, do)
}

// run does one bounded action, timing it, classifying its error and logging
// the outcome.
func (h *Handler) run(ctx context.Context, rep Report, do func(ctx context.Context, rep *Report) error) Report {
	now := h.now()
	start := now()
	ctx, cancel := context.WithTimeout(ctx, h.Config.RequestTimeout)
	defer cancel()
	err := do(ctx, &rep)
	rep.ElapsedMS = now().Sub(start).Milliseconds()
	rep.KeyCount = len(rep.Keys)
	attrs := []any{"action", rep.Action, "probe", rep.Probe, "bucket", rep.Bucket, "elapsedMs", rep.ElapsedMS}
	if err != nil {
		rep.Error = &ErrorReport{Kind: Classify(err), Message: err.Error()}
		h.logger().ErrorContext(ctx, rep.Action+" failed", append(attrs, "kind", rep.Error.Kind, "error", rep.Error.Message)...)
		return rep
	}
	rep.OK = true
	h.logger().InfoContext(ctx, rep.Action+" finished", append(attrs, "keyCount", rep.KeyCount, "truncated", rep.Truncated)...)
	return rep
}

// fetch GETs the internet probe's URL with the handler's timeouts. Any HTTP
// answer means the internet was reached.
func (h *Handler) fetch(ctx context.Context, rep *Report) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.Config.ProbeInternetURL, nil)
	if err != nil {
		return fmt.Errorf("probe %s: %w", h.Config.ProbeInternetURL, err)
	}
	resp, err := httpClient(h.Config).Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", h.Config.ProbeInternetURL, err)
	}
	resp.Body.Close()
	return nil
}

// list lists up to limit keys of rep.Bucket into rep.
func (h *Handler) list(ctx context.Context, rep *Report, limit int, optFns ...func(*s3.Options)) error {
	pageSize := int32(min(limit, 1000))
	p := s3.NewListObjectsV2Paginator(h.S3, &s3.ListObjectsV2Input{
		Bucket:  aws.String(rep.Bucket),
		MaxKeys: aws.Int32(pageSize),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, optFns...)
		if err != nil {
			return fmt.Errorf("list objects in %s: %w", rep.Bucket, err)
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
	// A server that answered with a certificate we do not trust was
	// reached: that is not an unreachable path.
	var certErr *tls.CertificateVerificationError
	var authErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &authErr) || errors.As(err, &hostErr) {
		return KindOther
	}
	var sendErr *smithyhttp.RequestSendError
	var opErr *net.OpError
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &sendErr),
		errors.As(err, &opErr),
		errors.As(err, &dnsErr),
		errors.As(err, &netErr) && netErr.Timeout():
		return KindUnreachable
	}
	return KindOther
}
