// Package awsfake is an HTTP server for tests that speaks the AWS wire
// protocols the verifier uses: the EC2 Query API (form-encoded POST, XML
// answers, as in the EC2 API reference), the Lambda REST API
// (POST /2015-03-31/functions/{name}/invocations), S3's ListObjectsV2
// (GET ?list-type=2, as through an access point) and CloudWatch Logs'
// FilterLogEvents (JSON 1.1). The SDK reaches it through its endpoint
// override (and, for access point hosts, HTTPClient). It serves a lab whose
// state a test sets, and can throttle or fail any action.
package awsfake

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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

// Endpoint is a VPC endpoint.
type Endpoint struct {
	ID, VPCID, Type, State, ServiceName, Policy string
	RouteTableIDs                               []string
	// SubnetIDs, PrivateDNS and InboundResolverOnly are an interface
	// endpoint's.
	SubnetIDs                       []string
	PrivateDNS, InboundResolverOnly bool
}

// NatGateway is a NAT gateway of the lab's VPC.
type NatGateway struct {
	ID, SubnetID, State string
}

// FlowLog is a flow log of the lab's VPC.
type FlowLog struct {
	ID, ResourceID, Status, DeliverLogsStatus, LogGroupName, LogDestination string
	// FailedReads answers the first reads with delivery FAILED, "Access
	// error", as while a new role propagates.
	FailedReads int
}

// Lab is the state the server reports.
type Lab struct {
	RouteTables      []RouteTable
	InternetGateways []string
	NatGateways      []NatGateway
	// Endpoint and Endpoints are the VPC endpoints DescribeVpcEndpoints
	// knows.
	Endpoint  Endpoint
	Endpoints []Endpoint
	// PrefixLists maps AWS-managed prefix list names to IDs.
	PrefixLists map[string]string
	// PrefixListEntries answer GetManagedPrefixListEntries: a list's CIDR
	// blocks, by ID. A list not here is answered as EC2 answers an ID it
	// does not know.
	PrefixListEntries map[string][]string
	FlowLogs          []FlowLog
	// ListObjects answers S3 ListObjectsV2 through an access point (a
	// request to NAME-ACCOUNT.host): the keys, or with Code set, that error
	// (AccessDenied, 403). ListObjectsByName answers the others.
	ListObjects       S3Answer
	ListObjectsByName S3Answer
	// AccessPoints answer S3 Control's GetAccessPoint, by name.
	AccessPoints map[string]AccessPoint
	// NetworkInterfaces answer DescribeNetworkInterfaces (filter group-id).
	NetworkInterfaces []NetworkInterface
	// SecurityGroupRules answer DescribeSecurityGroupRules (filter
	// group-id).
	SecurityGroupRules []SecurityGroupRule
	// LogEvents are the messages FilterLogEvents serves, by log group.
	LogEvents map[string][]string
	// Reports answer invocations: key "list", or "probe:<name>", for any
	// function; "<function>/list" or "<function>/probe:<name>" for one
	// function, which comes first.
	Reports map[string]contract.Report
	// FunctionError, when set, makes every invocation fail in the function.
	FunctionError string
	// Unsettled answers the first Times invocations of a key with Report
	// instead of Reports[key], as while a policy change propagates.
	Unsettled map[string]Unsettled
	// Echo makes the function return its payload: code other than the lab's.
	Echo bool
}

// AccessPoint is an S3 access point's configuration.
type AccessPoint struct {
	// NetworkOrigin is VPC or Internet; VPCID is set with VPC.
	NetworkOrigin, VPCID string
	// BlockPublicAccess turns on all four settings.
	BlockPublicAccess bool
}

// NetworkInterface is a network interface and its security groups.
type NetworkInterface struct {
	ID       string
	GroupIDs []string
}

// SecurityGroupRule is a rule of a security group: to a CIDR block or to a
// prefix list.
type SecurityGroupRule struct {
	ID, GroupID        string
	Egress             bool
	Protocol           string
	FromPort, ToPort   int
	CIDR, PrefixListID string
}

// S3Answer is what S3 answers a listing.
type S3Answer struct {
	Keys          []string
	Code, Message string
	Status        int
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

// SetLogEvents replaces the messages of a log group, as records arrive.
func (s *Server) SetLogEvents(group string, messages []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lab.LogEvents == nil {
		s.lab.LogEvents = map[string][]string{}
	}
	s.lab.LogEvents[group] = messages
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
	if r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2" {
		s.listObjects(w, r)
		return
	}
	if name, ok := strings.CutPrefix(r.URL.Path, "/v20180820/accesspoint/"); ok && r.Method == http.MethodGet {
		s.getAccessPoint(w, name)
		return
	}
	if target := r.Header.Get("X-Amz-Target"); strings.HasPrefix(target, "Logs_20140328.") {
		s.logs(w, strings.TrimPrefix(target, "Logs_20140328."), body)
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

// refusal is an error answer: HTTP status, error code and message.
type refusal struct {
	status        int
	code, message string
}

// admitted gates the call (see gate): a throttled call is answered with
// throttle, one set to fail with fail, each written by answer, and neither
// is admitted.
func (s *Server) admitted(w http.ResponseWriter, action string, answer func(w http.ResponseWriter, status int, code, message string),
	throttle, fail refusal) bool {
	throttled, failed := s.gate(action)
	switch {
	case throttled:
		answer(w, throttle.status, throttle.code, throttle.message)
	case failed:
		answer(w, fail.status, fail.code, fail.message)
	default:
		return true
	}
	return false
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
	if !s.admitted(w, "Invoke", lambdaError, refusal{http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded."},
		refusal{http.StatusInternalServerError, "ServiceException", "An internal error occurred."}) {
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
	rep, ok := lab.Reports[name+"/"+key]
	if !ok {
		rep, ok = lab.Reports[key]
	}
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
	if !s.admitted(w, action, ec2Error, refusal{http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded."},
		refusal{http.StatusInternalServerError, "InternalError", "An internal error has occurred."}) {
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
				item(&b, "destinationCidrBlock", r.DestinationCIDR, "destinationPrefixListId", r.DestinationPrefixList,
					"gatewayId", r.GatewayID, "natGatewayId", r.NatGatewayID, "state", r.State, "origin", "CreateRoute")
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
		states := filterValues(form, "Filter", "state")
		b.WriteString("<natGatewaySet>")
		for _, g := range lab.NatGateways {
			state := g.State
			if state == "" {
				state = "available"
			}
			if len(states) > 0 && !slices.Contains(states, state) {
				continue
			}
			fmt.Fprintf(&b, "<item><natGatewayId>%s</natGatewayId><vpcId>%s</vpcId><state>%s</state>",
				esc(g.ID), esc(filterValue(form, "Filter", "vpc-id")), esc(state))
			tag(&b, "subnetId", g.SubnetID)
			b.WriteString("</item>")
		}
		b.WriteString("</natGatewaySet>")
	case "DescribeVpcEndpoints":
		known := append([]Endpoint{lab.Endpoint}, lab.Endpoints...)
		b.WriteString("<vpcEndpointSet>")
		for _, id := range indexed(form, "VpcEndpointId") {
			i := slices.IndexFunc(known, func(ep Endpoint) bool { return ep.ID == id })
			if i < 0 {
				// As EC2 answers an ID it does not know.
				ec2Error(w, http.StatusBadRequest, "InvalidVpcEndpointId.NotFound", "The Vpc Endpoint Id '"+id+"' does not exist")
				return
			}
			writeEndpoint(&b, known[i])
		}
		b.WriteString("</vpcEndpointSet>")
	case "DescribePrefixLists":
		b.WriteString("<prefixListSet>")
		for _, name := range filterValues(form, "Filter", "prefix-list-name") {
			if id, ok := lab.PrefixLists[name]; ok {
				fmt.Fprintf(&b, "<item><prefixListId>%s</prefixListId><prefixListName>%s</prefixListName></item>", esc(id), esc(name))
			}
		}
		b.WriteString("</prefixListSet>")
	case "GetManagedPrefixListEntries":
		id := form.Get("PrefixListId")
		entries, ok := lab.PrefixListEntries[id]
		if !ok {
			ec2Error(w, http.StatusBadRequest, "InvalidPrefixListID.NotFound", "The prefix list ID '"+id+"' does not exist")
			return
		}
		b.WriteString("<entrySet>")
		for _, cidr := range entries {
			item(&b, "cidr", cidr)
		}
		b.WriteString("</entrySet>")
	case "DescribeFlowLogs":
		ids := filterValues(form, "Filter", "flow-log-id")
		b.WriteString("<flowLogSet>")
		for i, fl := range lab.FlowLogs {
			if len(ids) > 0 && !slices.Contains(ids, fl.ID) {
				continue
			}
			delivery := fl.DeliverLogsStatus
			s.mu.Lock()
			if f := &s.lab.FlowLogs[i]; f.FailedReads > 0 {
				f.FailedReads--
				delivery = "FAILED"
			}
			s.mu.Unlock()
			deliveryError := "" // no tag
			if delivery == "FAILED" {
				deliveryError = "Access error"
			}
			item(&b, "flowLogId", fl.ID, "resourceId", fl.ResourceID, "flowLogStatus", fl.Status, "deliverLogsStatus", delivery,
				"deliverLogsErrorMessage", deliveryError, "logGroupName", fl.LogGroupName, "logDestination", fl.LogDestination)
		}
		b.WriteString("</flowLogSet>")
	case "DescribeSecurityGroupRules":
		groups := filterValues(form, "Filter", "group-id")
		b.WriteString("<securityGroupRuleSet>")
		for _, r := range lab.SecurityGroupRules {
			if len(groups) > 0 && !slices.Contains(groups, r.GroupID) {
				continue
			}
			item(&b, "securityGroupRuleId", r.ID, "groupId", r.GroupID, "isEgress", strconv.FormatBool(r.Egress), "ipProtocol", r.Protocol,
				"fromPort", strconv.Itoa(r.FromPort), "toPort", strconv.Itoa(r.ToPort), "cidrIpv4", r.CIDR, "prefixListId", r.PrefixListID)
		}
		b.WriteString("</securityGroupRuleSet>")
	case "DescribeNetworkInterfaces":
		groups := filterValues(form, "Filter", "group-id")
		b.WriteString("<networkInterfaceSet>")
		for _, ni := range lab.NetworkInterfaces {
			if len(groups) > 0 && !slices.ContainsFunc(ni.GroupIDs, func(g string) bool { return slices.Contains(groups, g) }) {
				continue
			}
			b.WriteString("<item>")
			tag(&b, "networkInterfaceId", ni.ID)
			b.WriteString("<groupSet>")
			for _, g := range ni.GroupIDs {
				fmt.Fprintf(&b, "<item><groupId>%s</groupId></item>", esc(g))
			}
			b.WriteString("</groupSet></item>")
		}
		b.WriteString("</networkInterfaceSet>")
	default:
		ec2Error(w, http.StatusBadRequest, "InvalidAction", "The action "+action+" is not valid for this web service.")
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<%sResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>fake-request</requestId>%s</%sResponse>`,
		action, b.String(), action)
}

func writeEndpoint(b *strings.Builder, ep Endpoint) {
	b.WriteString("<item>")
	tag(b, "vpcEndpointId", ep.ID)
	tag(b, "vpcEndpointType", ep.Type)
	tag(b, "vpcId", ep.VPCID)
	tag(b, "serviceName", ep.ServiceName)
	tag(b, "state", ep.State)
	tag(b, "policyDocument", ep.Policy)
	b.WriteString("<routeTableIdSet>")
	for _, id := range ep.RouteTableIDs {
		tag(b, "item", id)
	}
	b.WriteString("</routeTableIdSet><subnetIdSet>")
	for _, id := range ep.SubnetIDs {
		tag(b, "item", id)
	}
	b.WriteString("</subnetIdSet><groupSet/>")
	if ep.Type == "Interface" {
		fmt.Fprintf(b, "<privateDnsEnabled>%t</privateDnsEnabled>", ep.PrivateDNS)
		fmt.Fprintf(b, "<dnsOptions><dnsRecordIpType>ipv4</dnsRecordIpType><privateDnsOnlyForInboundResolverEndpoint>%t</privateDnsOnlyForInboundResolverEndpoint></dnsOptions>",
			ep.InboundResolverOnly)
	}
	b.WriteString("</item>")
}

// accessPointHost matches the host of a request through one of the lab's
// access points: NAME-ACCOUNT.<endpoint host>.
func (s *Server) accessPointHost(host string) bool {
	for name := range s.lab.AccessPoints {
		if regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `-[0-9]{12}\.`).MatchString(host) {
			return true
		}
	}
	return false
}

// listObjects answers ListObjectsV2 with the lab's S3Answer: ListObjects
// through an access point, ListObjectsByName otherwise.
func (s *Server) listObjects(w http.ResponseWriter, r *http.Request) {
	throttled, failed := s.gate("ListObjectsV2")
	s.mu.Lock()
	a := s.lab.ListObjectsByName
	if s.accessPointHost(r.Host) {
		a = s.lab.ListObjects
	}
	s.mu.Unlock()
	switch {
	case throttled:
		a = S3Answer{Code: "SlowDown", Message: "Please reduce your request rate.", Status: http.StatusServiceUnavailable}
	case failed:
		a = S3Answer{Code: "InternalError", Message: "We encountered an internal error. Please try again.", Status: http.StatusInternalServerError}
	}
	w.Header().Set("Content-Type", "application/xml")
	if a.Code != "" {
		status := a.Status
		if status == 0 {
			status = http.StatusForbidden
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>%s</Code><Message>%s</Message><RequestId>fake-request</RequestId></Error>`, esc(a.Code), esc(a.Message))
		return
	}
	var b strings.Builder
	for _, k := range a.Keys {
		fmt.Fprintf(&b, "<Contents><Key>%s</Key><Size>1</Size></Contents>", esc(k))
	}
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>lab</Name><KeyCount>%d</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>%s</ListBucketResult>`,
		len(a.Keys), b.String())
}

// getAccessPoint answers S3 Control's GetAccessPoint (REST-XML,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_GetAccessPoint.html).
func (s *Server) getAccessPoint(w http.ResponseWriter, name string) {
	throttled, failed := s.gate("GetAccessPoint")
	s.mu.Lock()
	ap, ok := s.lab.AccessPoints[name]
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/xml")
	if throttled || failed {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>ServiceUnavailable</Code><Message>Please reduce your request rate.</Message></Error>`)
		return
	}
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchAccessPoint</Code><Message>The specified accesspoint does not exist</Message></Error>`)
		return
	}
	var b strings.Builder
	tag(&b, "Name", name)
	tag(&b, "NetworkOrigin", ap.NetworkOrigin)
	if ap.VPCID != "" {
		b.WriteString("<VpcConfiguration>")
		tag(&b, "VpcId", ap.VPCID)
		b.WriteString("</VpcConfiguration>")
	}
	on := strconv.FormatBool(ap.BlockPublicAccess)
	fmt.Fprintf(&b, "<PublicAccessBlockConfiguration><BlockPublicAcls>%s</BlockPublicAcls><IgnorePublicAcls>%s</IgnorePublicAcls>"+
		"<BlockPublicPolicy>%s</BlockPublicPolicy><RestrictPublicBuckets>%s</RestrictPublicBuckets></PublicAccessBlockConfiguration>",
		on, on, on, on)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<GetAccessPointResult xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/">%s</GetAccessPointResult>`, b.String())
}

// logs answers CloudWatch Logs' FilterLogEvents: the lab's messages of the
// group that contain the filter pattern (a single term), in one page.
func (s *Server) logs(w http.ResponseWriter, action string, body []byte) {
	if !s.admitted(w, action, logsError, refusal{http.StatusBadRequest, "ThrottlingException", "Rate exceeded"},
		refusal{http.StatusInternalServerError, "ServiceUnavailableException", "The service is unavailable"}) {
		return
	}
	if action != "FilterLogEvents" {
		logsError(w, http.StatusBadRequest, "InvalidAction", "the fake serves FilterLogEvents only")
		return
	}
	var in struct {
		LogGroupName, FilterPattern string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		logsError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	s.mu.Lock()
	msgs, ok := s.lab.LogEvents[in.LogGroupName]
	s.mu.Unlock()
	if !ok {
		logsError(w, http.StatusBadRequest, "ResourceNotFoundException", "The specified log group does not exist.")
		return
	}
	type event struct {
		LogStreamName string `json:"logStreamName"`
		Message       string `json:"message"`
		Timestamp     int64  `json:"timestamp"`
	}
	out := struct {
		Events []event `json:"events"`
	}{Events: []event{}}
	for _, m := range msgs {
		if strings.Contains(m, in.FilterPattern) {
			out.Events = append(out.Events, event{LogStreamName: "eni-1-all", Message: m})
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		logsError(w, http.StatusInternalServerError, "InternalFailure", err.Error())
	}
}

// HTTPClient returns an HTTP client that sends every request to the server,
// whatever its host: S3 requests through an access point ARN go to
// <name>-<account>.<endpoint host>, a name that resolves nowhere.
func (s *Server) HTTPClient() *http.Client {
	addr := s.Listener.Addr().String()
	dialer := &net.Dialer{}
	return &http.Client{Transport: &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
	}}
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

// item writes an <item> holding the tags of kv, its names and values in
// turn (each as tag writes it).
func item(b *strings.Builder, kv ...string) {
	b.WriteString("<item>")
	for i := 0; i+1 < len(kv); i += 2 {
		tag(b, kv[i], kv[i+1])
	}
	b.WriteString("</item>")
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

// logsError answers a CloudWatch Logs error.
func logsError(w http.ResponseWriter, status int, typ, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"__type":%q,"message":%q}`, typ, message)
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
