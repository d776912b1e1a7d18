package handler

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/platformlab/s3-gateway-lab/lambda/contract"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func testConfig(endpoint, bucket string) Config {
	return Config{
		Bucket:         bucket,
		Region:         testRegion,
		MaxKeys:        1000,
		ConnectTimeout: 2 * time.Second,
		RequestTimeout: 20 * time.Second,
		Endpoint:       endpoint,
	}
}

func newHandler(t *testing.T, cfg Config, secret string, optFns ...func(*config.LoadOptions) error) (*Handler, *bytes.Buffer) {
	t.Helper()
	awsCfg, err := LoadAWSConfig(testContext(t), cfg, append([]func(*config.LoadOptions) error{
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(testAccessKey, secret, "")),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{})}, optFns...)...)
	if err != nil {
		t.Fatalf("load aws config: %v", err)
	}
	var logs bytes.Buffer
	return &Handler{S3: NewS3Client(awsCfg, cfg), Config: cfg, Log: slog.New(slog.NewJSONHandler(&logs, nil))}, &logs
}

// createBucket makes a bucket on the test server and puts keys in it, with at
// most 16 uploads at a time.
func createBucket(t *testing.T, h *Handler, bucket string, keys []string) {
	t.Helper()
	ctx := testContext(t)
	if _, err := h.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	errs := make(chan error, len(keys))
	for _, k := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := h.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k),
				Body: strings.NewReader("seed " + k)})
			if err != nil {
				errs <- fmt.Errorf("put %s: %w", k, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestListSeededKeys(t *testing.T) {
	endpoint := needS3(t)
	h, logs := newHandler(t, testConfig(endpoint, "seeded"), testSecretKey)
	seeds := []string{"hello.txt", "data/sample.json", "reports/README.md"}
	createBucket(t, h, "seeded", seeds)

	rep, err := h.Handle(testContext(t), contract.Event{})
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	want := slices.Sorted(slices.Values(seeds))
	if !rep.OK || rep.Error != nil {
		t.Fatalf("report: got ok=%v error=%+v, want success", rep.OK, rep.Error)
	}
	if !slices.Equal(rep.Keys, want) || rep.KeyCount != len(want) || rep.Truncated {
		t.Errorf("report: got keys %v count %d truncated %v, want %v", rep.Keys, rep.KeyCount, rep.Truncated, want)
	}
	if rep.Bucket != "seeded" || rep.Region != testRegion || rep.Action != contract.ActionList {
		t.Errorf("report: got bucket %q region %q action %q", rep.Bucket, rep.Region, rep.Action)
	}

	// The report is the function's JSON answer: check its field names.
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"bucket":`, `"region":`, `"keyCount":3`, `"keys":[`, `"elapsedMs":`, `"ok":true`} {
		if !bytes.Contains(b, []byte(field)) {
			t.Errorf("report JSON %s lacks %s", b, field)
		}
	}
	if bytes.Contains(b, []byte(`"error"`)) {
		t.Errorf("report JSON %s has an error field on success", b)
	}

	// Structured logs: one JSON object a line, the last one the summary.
	var last map[string]any
	sc := bufio.NewScanner(logs)
	for sc.Scan() {
		last = nil
		if err := json.Unmarshal(sc.Bytes(), &last); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
	}
	if last["msg"] != "list finished" || last["keyCount"] != 3.0 || last["bucket"] != "seeded" {
		t.Errorf("last log line: got %v, want the list summary", last)
	}
}

// TestListPaginates: more than 1,000 keys take several ListObjectsV2 pages,
// and MaxKeys bounds what is returned.
func TestListPaginates(t *testing.T) {
	endpoint := needS3(t)
	cfg := testConfig(endpoint, "many")
	cfg.MaxKeys = 5000
	h, _ := newHandler(t, cfg, testSecretKey)
	var keys []string
	for i := range 1100 {
		keys = append(keys, fmt.Sprintf("obj/%04d", i))
	}
	createBucket(t, h, "many", keys)

	rep := h.List(testContext(t))
	if !rep.OK {
		t.Fatalf("List: %+v", rep.Error)
	}
	if rep.KeyCount != 1100 || !slices.Equal(rep.Keys, keys) || rep.Truncated {
		t.Errorf("List: got %d keys (truncated %v), want all 1100 in order", rep.KeyCount, rep.Truncated)
	}

	h.Config.MaxKeys = 1050
	rep = h.List(testContext(t))
	if !rep.OK || rep.KeyCount != 1050 || !rep.Truncated || !slices.Equal(rep.Keys, keys[:1050]) {
		t.Errorf("List with MaxKeys 1050: got ok=%v %d keys truncated=%v, want the first 1050, truncated", rep.OK, rep.KeyCount, rep.Truncated)
	}

	h.Config.MaxKeys = 1100
	rep = h.List(testContext(t))
	if !rep.OK || rep.KeyCount != 1100 || rep.Truncated {
		t.Errorf("List with MaxKeys 1100: got %d keys truncated=%v, want 1100 not truncated", rep.KeyCount, rep.Truncated)
	}
}

func TestListMissingBucket(t *testing.T) {
	endpoint := needS3(t)
	h, _ := newHandler(t, testConfig(endpoint, "no-such-lab-bucket"), testSecretKey)
	rep := h.List(testContext(t))
	if !expectKind(t, "List of a missing bucket", rep, contract.KindNoSuchBucket) {
		return
	}
	if !strings.Contains(rep.Error.Message, "no-such-lab-bucket") {
		t.Errorf("error message %q does not name the bucket", rep.Error.Message)
	}
}

// expectKind fails t unless rep is a failure of kind (what names the call),
// and reports whether it is.
func expectKind(t *testing.T, what string, rep contract.Report, kind string) bool {
	t.Helper()
	if rep.OK || rep.Error == nil || rep.Error.Kind != kind {
		t.Errorf("%s: got ok=%v error=%+v, want kind %s", what, rep.OK, rep.Error, kind)
		return false
	}
	return true
}

func TestListAccessDenied(t *testing.T) {
	endpoint := needS3(t)
	h, _ := newHandler(t, testConfig(endpoint, "seeded-denied"), testSecretKey)
	createBucket(t, h, "seeded-denied", []string{"a"})
	bad, _ := newHandler(t, testConfig(endpoint, "seeded-denied"), "not-the-secret")
	rep := bad.List(testContext(t))
	expectKind(t, "List with a wrong secret", rep, contract.KindAccessDenied)
}

// TestUnreachableRefused: nothing listens on the endpoint.
func TestUnreachableRefused(t *testing.T) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig("http://"+addr, "lab")
	cfg.ConnectTimeout, cfg.RequestTimeout = 300*time.Millisecond, 2*time.Second
	h, _ := newHandler(t, cfg, testSecretKey)
	rep := h.List(testContext(t))
	expectKind(t, "List against a closed port", rep, contract.KindUnreachable)
}

// TestUnreachableBlackhole: the endpoint accepts connections and never
// answers, as a path that drops packets would look to the SDK. The report
// must say "unreachable" once the request timeout is spent, not at the
// function's timeout.
func TestUnreachableBlackhole(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})

	cfg := testConfig("http://"+l.Addr().String(), "lab")
	cfg.ConnectTimeout, cfg.RequestTimeout = 300*time.Millisecond, 1500*time.Millisecond
	h, _ := newHandler(t, cfg, testSecretKey)
	rep := h.List(testContext(t))
	if !expectKind(t, "List against a silent endpoint", rep, contract.KindUnreachable) {
		return
	}
	// A functional bound, not a performance target: the listing must stop at
	// its own timeout (1.5 s); 10 s leaves room for a loaded machine while
	// still far below any function timeout worth the name.
	if limit := 10 * time.Second; time.Duration(rep.ElapsedMS)*time.Millisecond > limit {
		t.Errorf("unreachable reported after %d ms, want it bounded by the request timeout (%v)", rep.ElapsedMS, cfg.RequestTimeout)
	}
	if rep.ElapsedMS < cfg.RequestTimeout.Milliseconds()/2 {
		t.Errorf("unreachable reported after %d ms, before the request timeout could have passed", rep.ElapsedMS)
	}
}

func TestHandleUnknownAction(t *testing.T) {
	h := &Handler{Config: testConfig("", "lab")}
	_, err := h.Handle(context.Background(), contract.Event{Action: "delete-everything"})
	if err == nil || !strings.Contains(err.Error(), `unknown action "delete-everything"`) {
		t.Fatalf("Handle: got %v, want an unknown-action error", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	base := map[string]string{contract.EnvBucket: "b", contract.EnvRegion: "us-east-1", contract.EnvMaxKeys: "1000", contract.EnvConnectTimeoutMS: "2000",
		contract.EnvRequestTimeoutMS: "5000"}
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{name: "as the program sets it", env: base, want: Config{Bucket: "b", Region: "us-east-1", MaxKeys: 1000,
			ConnectTimeout: 2 * time.Second, RequestTimeout: 5 * time.Second}},
		{name: "set", env: map[string]string{contract.EnvBucket: "b", contract.EnvRegion: "eu-west-1", contract.EnvMaxKeys: "10",
			contract.EnvConnectTimeoutMS: "500", contract.EnvRequestTimeoutMS: "900", contract.EnvS3Endpoint: "http://127.0.0.1:1"},
			want: Config{Bucket: "b", Region: "eu-west-1", MaxKeys: 10, ConnectTimeout: 500 * time.Millisecond,
				RequestTimeout: 900 * time.Millisecond, Endpoint: "http://127.0.0.1:1"}},
		{name: "no bucket", env: with(base, contract.EnvBucket, ""), wantErr: "BUCKET_NAME is not set"},
		{name: "no region", env: with(base, contract.EnvRegion, ""), wantErr: "AWS_REGION is not set"},
		{name: "no max keys", env: with(base, contract.EnvMaxKeys, ""), wantErr: "MAX_KEYS is not set"},
		{name: "no timeouts", env: with(with(base, contract.EnvConnectTimeoutMS, ""), contract.EnvRequestTimeoutMS, ""),
			wantErr: "CONNECT_TIMEOUT_MS is not set\nREQUEST_TIMEOUT_MS is not set"},
		{name: "max keys not a number", env: with(base, contract.EnvMaxKeys, "many"), wantErr: `MAX_KEYS="many": want an integer from 1 to 10000`},
		{name: "max keys zero", env: with(base, contract.EnvMaxKeys, "0"), wantErr: "MAX_KEYS"},
		{name: "connect too short", env: with(base, contract.EnvConnectTimeoutMS, "5"), wantErr: "CONNECT_TIMEOUT_MS"},
		{name: "connect above request", env: with(with(base, contract.EnvConnectTimeoutMS, "3000"), contract.EnvRequestTimeoutMS, "1000"),
			wantErr: "must not exceed REQUEST_TIMEOUT_MS"},
		{name: "cross-region bucket without region", env: with(base, contract.EnvProbeCrossRegionBucket, "x"),
			wantErr: "set together or not at all"},
		{name: "plain-http internet probe", env: with(base, contract.EnvProbeInternetURL, "http://example.com"),
			wantErr: "want an https:// URL"},
		{name: "every variant", env: withAll(base, map[string]string{
			contract.EnvVPCCIDR:          "10.20.0.0/16",
			contract.EnvAccessPointARN:   "arn:aws:s3:us-east-1:123456789012:accesspoint/lab",
			contract.EnvS3InterfaceDNS:   "*.vpce-0abc123-def456.s3.us-east-1.vpce.amazonaws.com",
			contract.EnvTable:            "lab-table",
			contract.EnvTableKey:         "seed",
			contract.EnvProbeDeniedTable: "lab-denied-table",
			contract.EnvAllowedKey:       "team/a.txt",
			contract.EnvDeniedKey:        "other/b.txt",
		}), want: Config{Bucket: "b", Region: "us-east-1", MaxKeys: 1000, ConnectTimeout: 2 * time.Second, RequestTimeout: 5 * time.Second,
			VPCCIDR: netip.MustParsePrefix("10.20.0.0/16"), AccessPointARN: "arn:aws:s3:us-east-1:123456789012:accesspoint/lab",
			S3InterfaceDNS: "*.vpce-0abc123-def456.s3.us-east-1.vpce.amazonaws.com", Table: "lab-table", TableKey: "seed",
			ProbeDeniedTable: "lab-denied-table", ProbeAllowedKey: "team/a.txt", ProbeDeniedKey: "other/b.txt"}},
		{name: "VPC CIDR not a CIDR", env: with(base, contract.EnvVPCCIDR, "10.20.0.0"), wantErr: `VPC_CIDR="10.20.0.0": want a CIDR block`},
		{name: "VPC CIDR with host bits", env: with(base, contract.EnvVPCCIDR, "10.20.0.1/16"), wantErr: `VPC_CIDR="10.20.0.1/16"`},
		{name: "access point ARN not an ARN", env: with(base, contract.EnvAccessPointARN, "lab-ap"), wantErr: "want an access point ARN"},
		{name: "bucket ARN for an access point", env: with(base, contract.EnvAccessPointARN, "arn:aws:s3:::lab"),
			wantErr: "want arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME"},
		{name: "access point ARN of another service", env: with(base, contract.EnvAccessPointARN, "arn:aws:s3-object-lambda:us-east-1:123456789012:accesspoint/lab"),
			wantErr: "want arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME"},
		{name: "access point in another region", env: with(base, contract.EnvAccessPointARN, "arn:aws:s3:eu-west-1:123456789012:accesspoint/lab"),
			wantErr: `the access point is in "eu-west-1", the function in "us-east-1"`},
		{name: "interface DNS without its wildcard", env: with(base, contract.EnvS3InterfaceDNS, "vpce-0abc123-def456.s3.us-east-1.vpce.amazonaws.com"),
			wantErr: "S3_INTERFACE_DNS"},
		{name: "interface DNS as a URL", env: with(base, contract.EnvS3InterfaceDNS, "*.vpce-0abc.s3.us-east-1.vpce.amazonaws.com/"),
			wantErr: "S3_INTERFACE_DNS"},
		{name: "table without key", env: with(base, contract.EnvTable, "lab-table"), wantErr: "DYNAMODB_TABLE and DYNAMODB_KEY are set together"},
		{name: "key without table", env: with(base, contract.EnvTableKey, "seed"), wantErr: "DYNAMODB_TABLE and DYNAMODB_KEY are set together"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ConfigFromEnv: got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ConfigFromEnv: %v", err)
			}
			if got != tt.want {
				t.Errorf("ConfigFromEnv: got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for mk, mv := range m {
		if _, ok := out[mk]; !ok {
			out[mk] = mv
		}
	}
	return out
}

func withAll(m, set map[string]string) map[string]string {
	for k, v := range set {
		m = with(m, k, v)
	}
	return m
}

func TestClassify(t *testing.T) {
	apiErr := func(code string) error {
		return fmt.Errorf("call: %w", &smithy.GenericAPIError{Code: code, Message: "from the service"})
	}
	tests := []struct {
		err  error
		want string
	}{
		{apiErr("AccessDenied"), contract.KindAccessDenied},
		{apiErr("NoSuchBucket"), contract.KindNoSuchBucket},
		{apiErr("NoSuchKey"), contract.KindOther},
		// DynamoDB: an endpoint or IAM policy refusal; unknown credentials.
		{apiErr("AccessDeniedException"), contract.KindAccessDenied},
		{apiErr("UnrecognizedClientException"), contract.KindAccessDenied},
		// STS: unknown credentials.
		{apiErr("InvalidClientTokenId"), contract.KindAccessDenied},
		// A missing table, or a missing item: the service answered.
		{apiErr("ResourceNotFoundException"), contract.KindOther},
		{fmt.Errorf("get item: %w", errNoItem), contract.KindOther},
		{context.DeadlineExceeded, contract.KindUnreachable},
		{fmt.Errorf("list: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), contract.KindUnreachable},
		{errors.New("something else"), contract.KindOther},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v): got %s, want %s", tt.err, got, tt.want)
		}
	}
}

func probeConfig(endpoint string) Config {
	cfg := testConfig(endpoint, "lab")
	cfg.ConnectTimeout, cfg.RequestTimeout = 300*time.Millisecond, 1500*time.Millisecond
	return cfg
}

func TestProbeInternet(t *testing.T) {
	closed, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	tests := []struct {
		name, url, wantKind string
	}{
		{"closed port", "https://" + closed + "/", contract.KindUnreachable},
		// The server answers with a certificate the probe does not trust:
		// the path is open, so the result must not read as unreachable.
		{"reachable server", srv.URL, contract.KindOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := probeConfig("")
			cfg.ProbeInternetURL = tt.url
			h, _ := newHandler(t, cfg, testSecretKey)
			rep, err := h.Handle(testContext(t), contract.Event{Action: contract.ActionProbe, Probe: contract.ProbeInternet})
			if err != nil {
				t.Fatal(err)
			}
			if !expectKind(t, "probe internet "+tt.url, rep, tt.wantKind) {
				return
			}
			if rep.Action != contract.ActionProbe || rep.Probe != contract.ProbeInternet || rep.Target != tt.url {
				t.Errorf("report: got action %q probe %q target %q", rep.Action, rep.Probe, rep.Target)
			}
		})
	}
}

func TestProbeDeniedBucket(t *testing.T) {
	endpoint := needS3(t)
	cfg := probeConfig(endpoint)
	cfg.ProbeDeniedBucket = "probe-denied"
	owner, _ := newHandler(t, cfg, testSecretKey)
	createBucket(t, owner, "probe-denied", []string{"secret.txt"})

	// With the right credentials the path is open: the probe says so.
	rep := owner.Probe(testContext(t), contract.ProbeDeniedBucket)
	if !rep.OK || rep.Bucket != "probe-denied" || rep.KeyCount != 1 {
		t.Errorf("probe with access: got ok=%v bucket %q keys %d error %+v, want ok", rep.OK, rep.Bucket, rep.KeyCount, rep.Error)
	}
	// A refused request reads as access_denied.
	denied, _ := newHandler(t, cfg, "wrong-secret")
	rep = denied.Probe(testContext(t), contract.ProbeDeniedBucket)
	expectKind(t, "refused probe", rep, contract.KindAccessDenied)
}

func TestProbeCrossRegion(t *testing.T) {
	closed, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	cfg := probeConfig("http://" + closed)
	cfg.ProbeCrossRegionBucket, cfg.ProbeCrossRegion = "other-region-bucket", "eu-west-1"
	h, _ := newHandler(t, cfg, testSecretKey)
	rep := h.Probe(testContext(t), contract.ProbeCrossRegion)
	if !expectKind(t, "cross-region probe", rep, contract.KindUnreachable) {
		return
	}
	if rep.Region != "eu-west-1" || rep.Bucket != "other-region-bucket" {
		t.Errorf("cross-region probe report: got region %q bucket %q, want eu-west-1 other-region-bucket", rep.Region, rep.Bucket)
	}
}

func TestProbeNotConfigured(t *testing.T) {
	h, _ := newHandler(t, probeConfig(""), testSecretKey)
	for _, probe := range contract.Probes {
		rep := h.Probe(testContext(t), probe)
		expectKind(t, "probe "+probe+" without a target", rep, contract.KindNotConfigured)
	}
	// With every client, as in Lambda, only the sts probe has a target
	// without the lab's variables; the rest still do not run.
	h.DynamoDB = dynamodb.NewFromConfig(aws.Config{Region: testRegion})
	h.STS = sts.NewFromConfig(aws.Config{Region: testRegion})
	h.LookupHost = func(context.Context, string) ([]string, error) { return nil, errors.New("not to be called") }
	for _, probe := range contract.Probes {
		if probe == contract.ProbeSTS {
			continue
		}
		rep := h.Probe(testContext(t), probe)
		expectKind(t, "probe "+probe+" with clients and no target", rep, contract.KindNotConfigured)
	}
	if _, err := h.Handle(testContext(t), contract.Event{Action: contract.ActionProbe, Probe: "http://example.com"}); err == nil ||
		!strings.Contains(err.Error(), `unknown probe "http://example.com"`) {
		t.Errorf("probe with a URL for a name: got %v, want an unknown-probe error", err)
	}
}
