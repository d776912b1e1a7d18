// Package awsfake is an HTTP server for tests that speaks the two AWS wire
// protocols the verifier uses: the EC2 Query API (form-encoded POST, XML
// answers, as in the EC2 API reference) and the Lambda REST API
// (POST /2015-03-31/functions/{name}/invocations). The SDK reaches it through
// its endpoint override. It serves a lab whose state a test sets, and can
// throttle or fail any action.
package awsfake

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/platformlab/s3-gateway-lab/lambda/contract"
)

// Route is one route of a route table.
type Route struct {
	DestinationCIDR       string
	DestinationPrefixList string
	GatewayID             string
	NatGatewayID          string
	State                 string
}

// RouteTable is a route table of the lab.
type RouteTable struct {
	ID     string
	VPCID  string
	Routes []Route
}

// Endpoint is the VPC endpoint.
type Endpoint struct {
	ID, VPCID, Type, State, ServiceName, Policy string
	RouteTableIDs                               []string
}

// Lab is the state the server reports.
type Lab struct {
	RouteTables      []RouteTable
	InternetGateways []string
	NatGateways      []string
	Endpoint         Endpoint
	// Reports answer invocations: key "list", or "probe:<name>".
	Reports map[string]contract.Report
	// FunctionError, when set, makes every invocation fail in the function.
	FunctionError string
	// Unsettled answers the first Times invocations of a key with Report
	// instead of Reports[key], as while a policy change propagates.
	Unsettled map[string]Unsettled
	// Echo makes the function return its payload: code other than the lab's.
	Echo bool
}

// Unsettled is the answer of a claim before it settles.
type Unsettled struct {
	Report contract.Report
	Times  int
}

// Server is the fake AWS endpoint.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	lab      Lab
	throttle map[string]int
	fail     map[string]bool
	calls    map[string]int
}

// New starts a server on loopback that serves lab.
func New(lab Lab) *Server {
	s := &Server{lab: lab, throttle: map[string]int{}, fail: map[string]bool{}, calls: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Throttle makes the next n calls of action (an EC2 action such as
// DescribeRouteTables, or Invoke) fail with the service's throttling error.
func (s *Server) Throttle(action string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle[action] = n
}

// Fail makes every call of action fail with a 500 internal error.
func (s *Server) Fail(action string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[action] = true
}

// Calls returns how many calls of action arrived.
func (s *Server) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if name, ok := invocationPath(r.URL.Path); ok && r.Method == http.MethodPost {
		s.invoke(w, name, body)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || r.Method != http.MethodPost || form.Get("Action") == "" {
		ec2Error(w, http.StatusBadRequest, "InvalidAction", "the fake serves EC2 Query POSTs and Lambda invocations only")
		return
	}
	s.ec2(w, form)
}

// gate counts the call and answers for throttling or failure; it reports
// whether the call may proceed.
func (s *Server) gate(action string) (throttled, failed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[action]++
	if s.throttle[action] > 0 {
		s.throttle[action]--
		return true, false
	}
	return false, s.fail[action]
}

func invocationPath(p string) (string, bool) {
	const prefix, suffix = "/2015-03-31/functions/", "/invocations"
	if !strings.HasPrefix(p, prefix) || !strings.HasSuffix(p, suffix) {
		return "", false
	}
	name, err := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(p, prefix), suffix))
	return name, err == nil
}

func (s *Server) invoke(w http.ResponseWriter, name string, body []byte) {
	throttled, failed := s.gate("Invoke")
	switch {
	case throttled:
		lambdaError(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.")
		return
	case failed:
		lambdaError(w, http.StatusInternalServerError, "ServiceException", "An internal error occurred.")
		return
	}
	var ev contract.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "could not parse request body into json")
		return
	}
	s.mu.Lock()
	lab := s.lab
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	if lab.FunctionError != "" {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		fmt.Fprintf(w, `{"errorMessage":%q,"errorType":"Runtime.ExitError"}`, lab.FunctionError)
		return
	}
	key := ev.Action
	if key == "" {
		key = contract.ActionList
	}
	if key == contract.ActionProbe {
		key += ":" + ev.Probe
	}
	if lab.Echo {
		_, _ = w.Write(body)
		return
	}
	rep, ok := lab.Reports[key]
	s.mu.Lock()
	if u, unsettled := s.lab.Unsettled[key]; unsettled && u.Times > 0 {
		rep, ok = u.Report, true
		u.Times--
		s.lab.Unsettled[key] = u
	}
	s.mu.Unlock()
	if !ok {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		fmt.Fprintf(w, `{"errorMessage":"no report for %s","errorType":"errorString"}`, key)
		return
	}
	if err := json.NewEncoder(w).Encode(rep); err != nil {
		lambdaError(w, http.StatusInternalServerError, "ServiceException", err.Error())
	}
}

func (s *Server) ec2(w http.ResponseWriter, form url.Values) {
	action := form.Get("Action")
	throttled, failed := s.gate(action)
	switch {
	case throttled:
		ec2Error(w, http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
		return
	case failed:
		ec2Error(w, http.StatusInternalServerError, "InternalError", "An internal error has occurred.")
		return
	}
	s.mu.Lock()
	lab := s.lab
	s.mu.Unlock()
	var b strings.Builder
	switch action {
	case "DescribeRouteTables":
		ids := append(indexed(form, "RouteTableId"), filterValues(form, "Filter", "route-table-id")...)
		b.WriteString("<routeTableSet>")
		for _, rt := range lab.RouteTables {
			if len(ids) > 0 && !slices.Contains(ids, rt.ID) {
				continue
			}
			fmt.Fprintf(&b, "<item><routeTableId>%s</routeTableId><vpcId>%s</vpcId><routeSet>", esc(rt.ID), esc(rt.VPCID))
			for _, r := range rt.Routes {
				b.WriteString("<item>")
				tag(&b, "destinationCidrBlock", r.DestinationCIDR)
				tag(&b, "destinationPrefixListId", r.DestinationPrefixList)
				tag(&b, "gatewayId", r.GatewayID)
				tag(&b, "natGatewayId", r.NatGatewayID)
				tag(&b, "state", r.State)
				tag(&b, "origin", "CreateRoute")
				b.WriteString("</item>")
			}
			b.WriteString("</routeSet><associationSet/><tagSet/></item>")
		}
		b.WriteString("</routeTableSet>")
	case "DescribeInternetGateways":
		b.WriteString("<internetGatewaySet>")
		for _, id := range lab.InternetGateways {
			fmt.Fprintf(&b, "<item><internetGatewayId>%s</internetGatewayId><attachmentSet><item><vpcId>%s</vpcId><state>available</state></item></attachmentSet></item>",
				esc(id), esc(filterValue(form, "Filter", "attachment.vpc-id")))
		}
		b.WriteString("</internetGatewaySet>")
	case "DescribeNatGateways":
		b.WriteString("<natGatewaySet>")
		for _, id := range lab.NatGateways {
			fmt.Fprintf(&b, "<item><natGatewayId>%s</natGatewayId><vpcId>%s</vpcId><state>available</state></item>",
				esc(id), esc(filterValue(form, "Filter", "vpc-id")))
		}
		b.WriteString("</natGatewaySet>")
	case "DescribeVpcEndpoints":
		ep := lab.Endpoint
		b.WriteString("<vpcEndpointSet>")
		ids := indexed(form, "VpcEndpointId")
		for _, id := range ids {
			if id != ep.ID {
				// As EC2 answers an ID it does not know.
				ec2Error(w, http.StatusBadRequest, "InvalidVpcEndpointId.NotFound", "The Vpc Endpoint Id '"+id+"' does not exist")
				return
			}
		}
		if len(ids) > 0 {
			b.WriteString("<item>")
			tag(&b, "vpcEndpointId", ep.ID)
			tag(&b, "vpcEndpointType", ep.Type)
			tag(&b, "vpcId", ep.VPCID)
			tag(&b, "serviceName", ep.ServiceName)
			tag(&b, "state", ep.State)
			tag(&b, "policyDocument", ep.Policy)
			b.WriteString("<routeTableIdSet>")
			for _, id := range ep.RouteTableIDs {
				tag(&b, "item", id)
			}
			b.WriteString("</routeTableIdSet><subnetIdSet/><groupSet/></item>")
		}
		b.WriteString("</vpcEndpointSet>")
	default:
		ec2Error(w, http.StatusBadRequest, "InvalidAction", "The action "+action+" is not valid for this web service.")
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<%sResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>fake-request</requestId>%s</%sResponse>`,
		action, b.String(), action)
}

// indexed reads a Query list parameter: Name.1, Name.2, ...
func indexed(form url.Values, name string) []string {
	var out []string
	for i := 1; ; i++ {
		v := form.Get(fmt.Sprintf("%s.%d", name, i))
		if v == "" {
			return out
		}
		out = append(out, v)
	}
}

// filterValue returns the first value of the filter named name.
func filterValue(form url.Values, param, name string) string {
	if vs := filterValues(form, param, name); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// filterValues returns the values of the filter named name.
func filterValues(form url.Values, param, name string) []string {
	for i := 1; ; i++ {
		n := form.Get(fmt.Sprintf("%s.%d.Name", param, i))
		if n == "" {
			return nil
		}
		if n == name {
			return indexed(form, fmt.Sprintf("%s.%d.Value", param, i))
		}
	}
}

func tag(b *strings.Builder, name, value string) {
	if value != "" {
		fmt.Fprintf(b, "<%s>%s</%s>", name, esc(value), name)
	}
}

func esc(s string) string {
	var b strings.Builder
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		return "" // a strings.Builder never fails to write
	}
	return b.String()
}

func ec2Error(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>fake-request</RequestID></Response>`,
		esc(code), esc(message))
}

func lambdaError(w http.ResponseWriter, status int, typ, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"Type":"User","message":%q}`, message)
}

// WithoutCredentials hides the machine's AWS credentials from the test: the
// credential variables are emptied and the shared files point nowhere.
func WithoutCredentials(t testing.TB) {
	t.Helper()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}
