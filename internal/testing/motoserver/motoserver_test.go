package motoserver

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

func TestStartServesEC2OnLoopback(t *testing.T) {
	var srv *Server
	t.Run("server", func(t *testing.T) {
		srv = Start(t)
		t.Logf("moto answered after %s at %s", srv.StartDuration.Round(time.Millisecond), srv.URL)
		u, err := url.Parse(srv.URL)
		if err != nil || u.Hostname() != "127.0.0.1" {
			t.Fatalf("URL: got %q, want http://127.0.0.1:PORT", srv.URL)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := ec2.NewFromConfig(srv.Config()).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		if err != nil {
			t.Fatalf("DescribeVpcs: %v", err)
		}
		// moto creates a default VPC in every region it serves.
		if len(out.Vpcs) == 0 || !aws.ToBool(out.Vpcs[0].IsDefault) {
			t.Errorf("DescribeVpcs: got %+v, want the default VPC", out.Vpcs)
		}
		// moto writes its access log line after it has answered: give it
		// a moment, bounded.
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(srv.Log(), "POST / HTTP") && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		if !strings.Contains(srv.Log(), "POST / HTTP") {
			t.Errorf("moto's log does not show the EC2 call:\n%s", srv.Log())
		}
	})
	if srv == nil {
		return // skipped without moto, or failed
	}
	// The subtest's cleanup stopped moto: nothing answers any more.
	client := HTTPClient()
	client.Timeout = 2 * time.Second
	resp, err := client.Get(srv.URL + "/moto-api/data.json")
	if err == nil {
		resp.Body.Close()
		t.Errorf("moto still answers at %s after its test ended", srv.URL)
	}
}

func TestHTTPClientRefusesNonLoopback(t *testing.T) {
	// 192.0.2.1 is TEST-NET-1 (RFC 5737). The dialer's Control runs before
	// connect, so nothing is sent.
	for _, target := range []string{"http://192.0.2.1/", "http://[2001:db8::1]/"} {
		_, err := HTTPClient().Get(target)
		if err == nil || !strings.Contains(err.Error(), "loopback only") {
			t.Errorf("GET %s: got %v, want a refusal naming loopback", target, err)
		}
	}
}

func TestStartWithoutMotoSkips(t *testing.T) {
	var inner *testing.T
	t.Run("no moto_server in PATH", func(t *testing.T) {
		inner = t
		t.Setenv("PATH", t.TempDir())
		t.Setenv("CI", "")
		Start(t)
		t.Error("Start returned without moto_server")
	})
	if !inner.Skipped() {
		t.Error("Start without moto_server outside CI: the test was not skipped")
	}
}
