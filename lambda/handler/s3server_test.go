package handler

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The handler tests run against a real S3 server on loopback: versitygw with
// its posix backend in a temporary directory. .ci/run installs it; locally,
// `go install github.com/versity/versitygw/cmd/versitygw@v1.8.0`.
const (
	testAccessKey = "labtestaccess"
	testSecretKey = "labtestsecretkey0123456789"
	testRegion    = "us-east-1"
)

// s3Endpoint is the versitygw endpoint, or "" when it could not start.
var (
	s3Endpoint  string
	s3SkipCause string
)

func TestMain(m *testing.M) {
	endpoint, stop, err := startVersityGW()
	s3Endpoint = endpoint
	if err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintf(os.Stderr, "handler tests need versitygw: %v\n", err)
			os.Exit(1)
		}
		s3SkipCause = err.Error()
	}
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// needS3 skips the test when no S3 server runs (never in CI, where TestMain
// fails instead).
func needS3(t *testing.T) string {
	t.Helper()
	if s3Endpoint == "" {
		t.Skipf("no S3 server: %s", s3SkipCause)
	}
	return s3Endpoint
}

func findVersityGW() (string, error) {
	if p := os.Getenv("VERSITYGW"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("versitygw not found on PATH, in $VERSITYGW or in $(go env GOPATH)/bin: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0")
}

// startVersityGW starts versitygw, with the global options args, on a free
// loopback port and waits, at most 20 s, until it accepts connections. stop
// ends it and removes its data.
func startVersityGW(args ...string) (endpoint string, stop func(), err error) {
	bin, err := findVersityGW()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "lab-s3-*")
	if err != nil {
		return "", nil, err
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return "", nil, err
	}
	args = append([]string{"--access", testAccessKey, "--secret", testSecretKey, "--port", addr}, args...)
	cmd := exec.Command(bin, append(args, "posix", dir)...)
	logFile, err := os.Create(filepath.Join(dir, "..", filepath.Base(dir)+".log"))
	if err != nil {
		return "", nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start versitygw: %w", err)
	}
	stop = func() {
		_ = cmd.Process.Kill() // the server is ours; its exit status is of no interest
		_ = cmd.Wait()
		logFile.Close()
		os.RemoveAll(dir)
		os.Remove(logFile.Name())
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return "http://" + addr, stop, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("versitygw did not listen on %s within 20s", addr)
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// testContext bounds every test's S3 traffic.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
