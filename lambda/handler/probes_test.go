package handler

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/platformlab/s3-gateway-lab/internal/testing/motoserver"
	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// seen is what a recording proxy was asked for.
type seen struct{ host, path, query string }

// recordingProxy is an HTTPS server on loopback that records each request's
// Host header, path and query and passes the request on, Host unchanged, to
// upstream: the SDK's request reaches a real S3 server exactly as it would
// reach AWS's name.
type recordingProxy struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []seen
}

func startRecordingProxy(t *testing.T, upstream string) *recordingProxy {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingProxy{}
	p.srv = httptest.NewTLSServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		p.mu.Lock()
		p.got = append(p.got, seen{r.In.Host, r.In.URL.Path, r.In.URL.RawQuery})
		p.mu.Unlock()
		r.SetURL(u)
		r.Out.Host = r.In.Host // signed by the SDK: pass it on as sent
	}})
	t.Cleanup(p.srv.Close)
	return p
}

func (p *recordingProxy) requests() []seen {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got)
}

// client is an HTTP client for the SDK that sends every connection, whatever
// the host name, to the proxy, and trusts the proxy's certificate.
func (p *recordingProxy) client() config.LoadOptionsFunc {
	pool := x509.NewCertPool()
	pool.AddCert(p.srv.Certificate())
	addr := p.srv.Listener.Addr().String()
	return config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.Proxy = nil
		tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}
		// httptest's certificate names example.com; the request's host is
		// AWS's name, routed here by DialContext.
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, ServerName: "example.com", MinVersion: tls.VersionTLS12}
	}))
}

// TestProbeThroughAWSNames: the access-point and interface-endpoint probes
// address the lab bucket by AWS's names. Each case runs a versitygw of its
// own whose virtual-host domain is the one the SDK should use, behind a
// recording proxy, so the test sees the host and path the SDK sends and a
// real S3 server checks the request's signature and answers it.
func TestProbeThroughAWSNames(t *testing.T) {
	needS3(t)
	const (
		account = "123456789012"
		vpceDNS = "*.vpce-0abc123-def456.s3.us-east-1.vpce.amazonaws.com"
	)
	tests := []struct {
		name  string
		probe string
		// domain is versitygw's virtual-host domain; bucket is the bucket
		// the request lands in.
		domain, bucket string
		set            func(*Config)
		wantTarget     string
		wantHost       string
	}{
		{
			name: "access point", probe: contract.ProbeAccessPoint,
			// The SDK sends ListObjectsV2 on an access point ARN to
			// NAME-ACCOUNT.s3-accesspoint.REGION.amazonaws.com: with that
			// domain, versitygw serves it from the bucket "lab-ACCOUNT".
			domain: "s3-accesspoint.us-east-1.amazonaws.com", bucket: "lab-" + account,
			set:        func(c *Config) { c.AccessPointARN = "arn:aws:s3:us-east-1:" + account + ":accesspoint/lab" },
			wantTarget: "arn:aws:s3:us-east-1:" + account + ":accesspoint/lab",
			wantHost:   "lab-" + account + ".s3-accesspoint.us-east-1.amazonaws.com",
		},
		{
			name: "interface endpoint", probe: contract.ProbeInterfaceEndpoint,
			domain: "bucket.vpce-0abc123-def456.s3.us-east-1.vpce.amazonaws.com", bucket: "lab",
			set:        func(c *Config) { c.S3InterfaceDNS = vpceDNS },
			wantTarget: "https://bucket.vpce-0abc123-def456.s3.us-east-1.vpce.amazonaws.com",
			wantHost:   "lab.bucket.vpce-0abc123-def456.s3.us-east-1.vpce.amazonaws.com",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endpoint, stop, err := startVersityGW("--virtual-domain", tt.domain)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(stop)
			seeds := []string{"a.txt", "b/c.txt"}
			owner, _ := newHandler(t, testConfig(endpoint, tt.bucket), testSecretKey)
			createBucket(t, owner, tt.bucket, seeds)
			proxy := startRecordingProxy(t, endpoint)

			// As in Lambda: no S3_ENDPOINT, the SDK picks the names.
			cfg := probeConfig("")
			tt.set(&cfg)
			for _, secret := range []string{testSecretKey, "wrong-secret"} {
				h, _ := newHandler(t, cfg, secret, proxy.client())
				rep, err := h.Handle(testContext(t), contract.Event{Action: contract.ActionProbe, Probe: tt.probe})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Target != tt.wantTarget {
					t.Errorf("target: got %q, want %q", rep.Target, tt.wantTarget)
				}
				if secret != testSecretKey {
					expectKind(t, "probe with a wrong secret", rep, contract.KindAccessDenied)
					continue
				}
				if !rep.OK || !slices.Equal(rep.Keys, seeds) {
					t.Errorf("probe: got ok=%v keys %v error %+v, want ok with keys %v", rep.OK, rep.Keys, rep.Error, seeds)
				}
			}
			got := proxy.requests()
			if len(got) == 0 {
				t.Fatal("the proxy saw no request")
			}
			for _, r := range got {
				if r.host != tt.wantHost || r.path != "/" || !strings.Contains(r.query, "list-type=2") {
					t.Errorf("request: got host %q path %q query %q, want host %q path / and ListObjectsV2", r.host, r.path, r.query, tt.wantHost)
				}
			}
		})
	}
}

func TestInterfaceEndpointURL(t *testing.T) {
	got := InterfaceEndpointURL("*.vpce-0abc123-def456.s3.eu-west-1.vpce.amazonaws.com")
	if want := "https://bucket.vpce-0abc123-def456.s3.eu-west-1.vpce.amazonaws.com"; got != want {
		t.Errorf("InterfaceEndpointURL: got %q, want %q", got, want)
	}
}

func TestProbeS3DNS(t *testing.T) {
	vpc := netip.MustParsePrefix("10.20.0.0/16")
	tests := []struct {
		name       string
		addrs      []string
		err        error
		wantOK     bool
		wantAddrs  []string
		wantInVPC  bool
		wantErrKnd string
	}{
		{name: "interface endpoint's private DNS", addrs: []string{"10.20.1.7", "10.20.0.9"},
			wantOK: true, wantAddrs: []string{"10.20.0.9", "10.20.1.7"}, wantInVPC: true},
		{name: "public addresses", addrs: []string{"52.217.1.1", "3.5.0.2"},
			wantOK: true, wantAddrs: []string{"3.5.0.2", "52.217.1.1"}},
		{name: "one outside", addrs: []string{"10.20.0.9", "52.217.1.1"},
			wantOK: true, wantAddrs: []string{"10.20.0.9", "52.217.1.1"}},
		{name: "IPv6", addrs: []string{"2600:1f18::1"}, wantOK: true, wantAddrs: []string{"2600:1f18::1"}},
		{name: "no such host", err: &net.DNSError{Err: "no such host", Name: "s3.us-east-1.amazonaws.com", IsNotFound: true},
			wantErrKnd: contract.KindUnreachable},
		{name: "no answer", addrs: []string{}, wantErrKnd: contract.KindOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := probeConfig("")
			cfg.VPCCIDR = vpc
			var asked []string
			h := &Handler{Config: cfg, LookupHost: func(_ context.Context, host string) ([]string, error) {
				asked = append(asked, host)
				return tt.addrs, tt.err
			}}
			rep := h.Probe(testContext(t), contract.ProbeS3DNS)
			if want := []string{"s3.us-east-1.amazonaws.com"}; !slices.Equal(asked, want) || rep.Target != want[0] {
				t.Errorf("looked up %v, target %q: want %v", asked, rep.Target, want)
			}
			if tt.wantErrKnd != "" {
				expectKind(t, "probe", rep, tt.wantErrKnd)
				return
			}
			if !rep.OK || !slices.Equal(rep.Addresses, tt.wantAddrs) || rep.InVPC != tt.wantInVPC {
				t.Errorf("probe: got ok=%v addresses %v inVPC %v error %+v, want ok, %v, %v",
					rep.OK, rep.Addresses, rep.InVPC, rep.Error, tt.wantAddrs, tt.wantInVPC)
			}
		})
	}
}

// TestProbeObjectKeys runs the allowed-key and denied-key probes against
// versitygw, where both objects exist: the endpoint policy that denies the
// second exists only in AWS, so here a wrong secret stands for a refusal.
func TestProbeObjectKeys(t *testing.T) {
	endpoint := needS3(t)
	cfg := probeConfig(endpoint)
	cfg.Bucket = "tiers"
	cfg.ProbeAllowedKey, cfg.ProbeDeniedKey = "team/allowed.txt", "other/denied.txt"
	owner, _ := newHandler(t, cfg, testSecretKey)
	createBucket(t, owner, "tiers", []string{cfg.ProbeAllowedKey, cfg.ProbeDeniedKey})
	refused, _ := newHandler(t, cfg, "wrong-secret")
	missing := cfg
	missing.ProbeDeniedKey = "other/absent.txt"
	withMissing, _ := newHandler(t, missing, testSecretKey)

	tests := []struct {
		name     string
		h        *Handler
		probe    string
		wantKey  string
		wantKind string
	}{
		{"allowed key", owner, contract.ProbeAllowedKey, "team/allowed.txt", ""},
		{"denied key", owner, contract.ProbeDeniedKey, "other/denied.txt", ""},
		{"allowed key refused", refused, contract.ProbeAllowedKey, "team/allowed.txt", contract.KindAccessDenied},
		{"denied key refused", refused, contract.ProbeDeniedKey, "other/denied.txt", contract.KindAccessDenied},
		{"missing key", withMissing, contract.ProbeDeniedKey, "other/absent.txt", contract.KindOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := tt.h.Probe(testContext(t), tt.probe)
			if rep.Target != tt.wantKey || rep.Bucket != "tiers" {
				t.Errorf("report: got target %q bucket %q, want %q in tiers", rep.Target, rep.Bucket, tt.wantKey)
			}
			if tt.wantKind != "" {
				expectKind(t, "probe", rep, tt.wantKind)
				return
			}
			if !rep.OK || !slices.Equal(rep.Keys, []string{tt.wantKey}) {
				t.Errorf("probe: got ok=%v keys %v error %+v, want ok with %s", rep.OK, rep.Keys, rep.Error, tt.wantKey)
			}
		})
	}
}

// TestProbesOnMoto runs the sts, dynamodb and denied-table probes against
// moto on loopback.
func TestProbesOnMoto(t *testing.T) {
	srv := motoserver.Start(t)
	ctx := testContext(t)
	db := dynamodb.NewFromConfig(srv.Config())
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("lab-table"),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(contract.TableKeyAttribute), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(contract.TableKeyAttribute), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatalf("create table: %v", err)
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("lab-table"), Item: map[string]types.AttributeValue{
		contract.TableKeyAttribute: &types.AttributeValueMemberS{Value: "seed"},
		"note":                     &types.AttributeValueMemberS{Value: "read through the DynamoDB gateway endpoint"},
	}}); err != nil {
		t.Fatalf("put item: %v", err)
	}
	closed, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	unreachable := srv.Config()
	unreachable.BaseEndpoint = aws.String("http://" + closed)

	type check func(t *testing.T, rep contract.Report)
	ok := func(t *testing.T, rep contract.Report) {
		t.Helper()
		if !rep.OK || rep.Error != nil {
			t.Errorf("probe: got ok=%v error=%+v, want ok", rep.OK, rep.Error)
		}
	}
	failed := func(kind, inMessage string) check {
		return func(t *testing.T, rep contract.Report) {
			t.Helper()
			if rep.OK || rep.Error == nil || rep.Error.Kind != kind || !strings.Contains(rep.Error.Message, inMessage) {
				t.Errorf("probe: got ok=%v error=%+v, want kind %s and a message with %q", rep.OK, rep.Error, kind, inMessage)
			}
		}
	}
	tests := []struct {
		name       string
		probe      string
		table, key string
		denied     string
		aws        aws.Config
		wantTarget string
		checks     []check
	}{
		{name: "sts", probe: contract.ProbeSTS, aws: srv.Config(), wantTarget: srv.URL, checks: []check{ok, func(t *testing.T, rep contract.Report) {
			// moto's default identity.
			if want := "arn:aws:sts::123456789012:user/moto"; rep.Identity != want {
				t.Errorf("identity: got %q, want %q", rep.Identity, want)
			}
		}}},
		{name: "sts unreachable", probe: contract.ProbeSTS, aws: unreachable, wantTarget: "http://" + closed,
			checks: []check{failed(contract.KindUnreachable, "get caller identity")}},
		{name: "table item", probe: contract.ProbeTable, table: "lab-table", key: "seed", aws: srv.Config(), wantTarget: "lab-table",
			checks: []check{ok, func(t *testing.T, rep contract.Report) {
				if want := []string{"note", "pk"}; !slices.Equal(rep.Keys, want) || rep.KeyCount != 2 {
					t.Errorf("keys: got %v (%d), want the item's attribute names %v", rep.Keys, rep.KeyCount, want)
				}
			}}},
		{name: "table item missing", probe: contract.ProbeTable, table: "lab-table", key: "absent", aws: srv.Config(), wantTarget: "lab-table",
			checks: []check{failed(contract.KindOther, `pk="absent" from lab-table: no such item`)}},
		{name: "table unreachable", probe: contract.ProbeTable, table: "lab-table", key: "seed", aws: unreachable, wantTarget: "lab-table",
			checks: []check{failed(contract.KindUnreachable, "lab-table")}},
		// moto has no endpoint policy: the denied table does not exist
		// there, and DynamoDB says so.
		{name: "denied table missing", probe: contract.ProbeDeniedTable, table: "lab-table", key: "seed", denied: "lab-denied-table",
			aws: srv.Config(), wantTarget: "lab-denied-table", checks: []check{failed(contract.KindOther, "ResourceNotFoundException")}},
		// The denied-table probe reads the denied table, not the lab's.
		{name: "denied table readable", probe: contract.ProbeDeniedTable, table: "other", key: "seed", denied: "lab-table",
			aws: srv.Config(), wantTarget: "lab-table", checks: []check{ok}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := probeConfig("")
			cfg.Table, cfg.TableKey, cfg.ProbeDeniedTable = tt.table, tt.key, tt.denied
			h := &Handler{Config: cfg, DynamoDB: dynamodb.NewFromConfig(tt.aws), STS: sts.NewFromConfig(tt.aws)}
			rep, err := h.Handle(testContext(t), contract.Event{Action: contract.ActionProbe, Probe: tt.probe})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Target != tt.wantTarget {
				t.Errorf("target: got %q, want %q", rep.Target, tt.wantTarget)
			}
			for _, c := range tt.checks {
				c(t, rep)
			}
		})
	}
}

// TestProbeDeniedTableRefused: DynamoDB's answer to a call an endpoint policy
// refuses, as AWS sends it (JSON protocol, HTTP 400), from a hand-written
// server: moto has no endpoint policies.
func TestProbeDeniedTableRefused(t *testing.T) {
	var mu sync.Mutex
	var target, body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body) // a short read shows in the body check below
		mu.Lock()
		target, body = r.Header.Get("X-Amz-Target"), string(b)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException",`+
			`"message":"User: arn:aws:sts::123456789012:assumed-role/lab-fn/lab is not authorized to perform: dynamodb:GetItem `+
			`on resource: arn:aws:dynamodb:us-east-1:123456789012:table/lab-denied-table because no VPC endpoint policy allows the dynamodb:GetItem action"}`)
	}))
	defer srv.Close()
	cfg := probeConfig("")
	cfg.Table, cfg.TableKey, cfg.ProbeDeniedTable = "lab-table", "seed", "lab-denied-table"
	h := &Handler{Config: cfg, DynamoDB: dynamodb.NewFromConfig(aws.Config{
		Region:       testRegion,
		Credentials:  aws.AnonymousCredentials{},
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   motoserver.HTTPClient(),
	})}
	rep := h.Probe(testContext(t), contract.ProbeDeniedTable)
	if rep.OK || rep.Error == nil || rep.Error.Kind != contract.KindAccessDenied || !strings.Contains(rep.Error.Message, "no VPC endpoint policy") {
		t.Fatalf("probe: got ok=%v error=%+v, want kind %s with DynamoDB's message", rep.OK, rep.Error, contract.KindAccessDenied)
	}
	want := contract.Denial{PolicyType: contract.PolicyVPCEndpoint}
	if rep.Error.Code != "AccessDeniedException" || rep.Error.Denial == nil || *rep.Error.Denial != want ||
		!strings.HasSuffix(rep.Error.AWSMessage, "because no VPC endpoint policy allows the dynamodb:GetItem action") {
		t.Errorf("error report: got code %q denial %+v message %q, want AccessDeniedException, %+v, DynamoDB's message verbatim",
			rep.Error.Code, rep.Error.Denial, rep.Error.AWSMessage, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if target != "DynamoDB_20120810.GetItem" || !strings.Contains(body, `"TableName":"lab-denied-table"`) || !strings.Contains(body, `"pk":{"S":"seed"}`) {
		t.Errorf("request: got target %q body %s, want GetItem of pk=seed in lab-denied-table", target, body)
	}
}

// TestSTSEndpointIsRegional: without an endpoint override the sts probe
// calls the regional endpoint, never the global sts.amazonaws.com.
func TestSTSEndpointIsRegional(t *testing.T) {
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		c := sts.NewFromConfig(aws.Config{Region: region})
		if got, want := stsEndpoint(context.Background(), c), "https://sts."+region+".amazonaws.com"; got != want {
			t.Errorf("sts endpoint in %s: got %q, want %q", region, got, want)
		}
	}
}

// TestProbeTableNeedsItsClient: a configured table with no DynamoDB client
// is not configured, rather than a nil dereference.
func TestProbeTableNeedsItsClient(t *testing.T) {
	cfg := probeConfig("")
	cfg.Table, cfg.TableKey, cfg.ProbeDeniedTable = "lab-table", "seed", "lab-denied-table"
	h := &Handler{Config: cfg}
	for _, probe := range []string{contract.ProbeTable, contract.ProbeDeniedTable, contract.ProbeSTS} {
		if rep := h.Probe(context.Background(), probe); rep.Error == nil || rep.Error.Kind != contract.KindNotConfigured {
			t.Errorf("probe %s without a client: got %+v, want kind %s", probe, rep.Error, contract.KindNotConfigured)
		}
	}
}

// TestDenialReported: S3's 403 for a refused listing and read, as AWS sends
// it (REST-XML, the S3 User Guide's access denied message examples), from a
// hand-written server: neither versitygw nor moto writes the policy type. The
// report keeps AWS's code and message verbatim and names the policy.
func TestDenialReported(t *testing.T) {
	const (
		endpointMsg = `User: arn:aws:sts::123456789012:assumed-role/lab-fn-role/lab-fn is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::probe-denied" because no VPC endpoint policy allows the s3:ListBucket action`
		bucketMsg   = `User: arn:aws:sts::123456789012:assumed-role/lab-fn-role/lab-fn is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::lab/other/denied.txt" with an explicit deny in a resource-based policy`
	)
	var mu sync.Mutex
	message := endpointMsg
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		m := message
		mu.Unlock()
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
			`<Error><Code>AccessDenied</Code><Message>`+html.EscapeString(m)+`</Message><RequestId>R</RequestId><HostId>H</HostId></Error>`)
	}))
	defer srv.Close()
	cfg := probeConfig(srv.URL)
	cfg.ProbeDeniedBucket, cfg.ProbeDeniedKey = "probe-denied", "other/denied.txt"
	h, _ := newHandler(t, cfg, testSecretKey)

	rep := h.Probe(testContext(t), contract.ProbeDeniedBucket)
	want := contract.Denial{PolicyType: contract.PolicyVPCEndpoint}
	if rep.Error == nil || rep.Error.Kind != contract.KindAccessDenied || rep.Error.Code != "AccessDenied" ||
		rep.Error.AWSMessage != endpointMsg || rep.Error.Denial == nil || *rep.Error.Denial != want {
		t.Errorf("denied bucket: got %+v, want AccessDenied with the message verbatim and denial %+v", rep.Error, want)
	}

	mu.Lock()
	message = bucketMsg
	mu.Unlock()
	rep = h.Probe(testContext(t), contract.ProbeDeniedKey)
	want = contract.Denial{PolicyType: contract.PolicyResourceBased, Explicit: true}
	if rep.Error == nil || rep.Error.AWSMessage != bucketMsg || rep.Error.Denial == nil || *rep.Error.Denial != want {
		t.Errorf("denied key: got %+v, want denial %+v", rep.Error, want)
	}

	// A bare "Access Denied" (what other accounts, versitygw and moto get)
	// names no policy: no denial.
	mu.Lock()
	message = "Access Denied"
	mu.Unlock()
	rep = h.Probe(testContext(t), contract.ProbeDeniedBucket)
	if rep.Error == nil || rep.Error.Kind != contract.KindAccessDenied || rep.Error.Denial != nil {
		t.Errorf("bare Access Denied: got %+v, want access_denied with no denial", rep.Error)
	}
}

// TestProbeRefusedEgress: the probe connects to the internet probe URL's
// host and port and reports each address it tried: an open port is reached
// (the path would be open), a closed one is unreachable.
func TestProbeRefusedEgress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	closed, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, addr string
		wantOK     bool
	}{
		{"open port", ln.Addr().String(), true},
		{"closed port", closed, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, port, _ := net.SplitHostPort(tc.addr)
			cfg := probeConfig("")
			cfg.ProbeInternetURL = "https://probe.example:" + port + "/"
			h, _ := newHandler(t, cfg, testSecretKey)
			var asked string
			h.LookupHost = func(_ context.Context, host string) ([]string, error) {
				asked = host
				return []string{"127.0.0.1"}, nil
			}
			rep := h.Probe(testContext(t), contract.ProbeRefusedEgress)
			if asked != "probe.example" || rep.Target != "probe.example:"+port || !slices.Equal(rep.Addresses, []string{"127.0.0.1"}) {
				t.Errorf("got lookup %q target %q addresses %v, want probe.example, probe.example:%s, [127.0.0.1]", asked, rep.Target, rep.Addresses, port)
			}
			if tc.wantOK != rep.OK || (!tc.wantOK && (rep.Error == nil || rep.Error.Kind != contract.KindUnreachable)) {
				t.Errorf("got ok=%v error=%+v, want ok=%v (else kind %s)", rep.OK, rep.Error, tc.wantOK, contract.KindUnreachable)
			}
		})
	}
	if got := internetHostPort("https://checkip.amazonaws.com/"); got != "checkip.amazonaws.com:443" {
		t.Errorf("internetHostPort: got %q, want checkip.amazonaws.com:443", got)
	}
}
