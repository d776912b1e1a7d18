package verify

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/platformlab/s3-gateway-lab/lambda/contract"
	"github.com/platformlab/s3-gateway-lab/lambda/handler"
)

// TestRefusalEndToEnd: S3's 403 as AWS sends it (REST-XML, the message in
// the form of the S3 User Guide's access denied examples) goes through the
// real handler's probe and then the verifier's judgement of the denied
// bucket claim: the endpoint policy's refusal passes, the role's fails, a
// bare "Access Denied" is inconclusive.
func TestRefusalEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		name, message string
		want          Status
	}{
		{"endpoint policy", endpointRefusal, Pass},
		{"identity-based policy", identityRefusal, Fail},
		{"bucket policy", bucketRefusal, Fail},
		{"no policy named", "Access Denied", Inconclusive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
					`<Error><Code>AccessDenied</Code><Message>`+html.EscapeString(tc.message)+`</Message><RequestId>R</RequestId></Error>`)
			}))
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cfg := handler.Config{Bucket: "lab-bucket-1", Region: "us-east-1", MaxKeys: 10, ConnectTimeout: time.Second,
				RequestTimeout: 5 * time.Second, Endpoint: srv.URL, ProbeDeniedBucket: "lab-deny-1"}
			awsCfg, err := handler.LoadAWSConfig(ctx, cfg,
				config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
				config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
			if err != nil {
				t.Fatal(err)
			}
			h := &handler.Handler{S3: handler.NewS3Client(awsCfg, cfg), Config: cfg}
			rep := h.Probe(ctx, contract.ProbeDeniedBucket)
			observed, status := expectRefusedBy(byEndpointPolicy)(rep)
			if status != tc.want {
				t.Errorf("got %s (%s), want %s; report error %+v", status, observed, tc.want, rep.Error)
			}
		})
	}
}
