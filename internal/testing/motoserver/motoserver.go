// Package motoserver runs moto (https://github.com/getmoto/moto) in server
// mode on loopback for tests that need real AWS API shapes: EC2, S3, IAM,
// Lambda and the rest moto emulates. A test calls Start; the server is
// stopped when the test ends. Clients built from Server.Config send every
// request to the server, and their HTTP client refuses to dial anything but
// a loopback address, so nothing a test does can reach AWS.
package motoserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Command is the moto server executable, looked up in PATH.
const Command = "moto_server"

// InstallCommand installs the moto server these tests are written against.
const InstallCommand = "pip install 'moto[server]==5.2.1'"

// Static test credentials. moto accepts any; these name no real account.
const (
	AccessKeyID     = "testing"
	SecretAccessKey = "testing"
)

// Region is the region clients from Config use.
const Region = "us-east-1"

// StartTimeout bounds how long Start waits for moto to answer.
const StartTimeout = 60 * time.Second

// stopTimeout bounds how long the cleanup waits for moto to exit after
// SIGTERM before it kills it.
const stopTimeout = 5 * time.Second

// Server is a running moto server.
type Server struct {
	// URL is the server's endpoint, http://127.0.0.1:PORT.
	URL string
	// StartDuration is how long moto took to answer.
	StartDuration time.Duration

	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{} // closed when cmd.Wait returns
}

// Start runs moto_server on a free loopback port, waits until it answers
// (at most StartTimeout), and stops it when t ends. Without moto_server it
// skips t, or fails it when the CI environment variable is set, naming the
// install command.
func Start(t testing.TB) *Server {
	t.Helper()
	path, err := exec.LookPath(Command)
	if err != nil {
		missing(t, fmt.Sprintf("%s not found in PATH (%v)", Command, err))
	}
	// Picking a free port and handing it to moto races with other processes
	// binding it in between; moto then exits, and another port is tried.
	var lastErr error
	for range 3 {
		s, err := start(t, nil, path)
		if err == nil {
			return s
		}
		if errors.Is(err, errNotInstalled) {
			missing(t, err.Error())
		}
		lastErr = err
		if !errors.Is(err, errExited) {
			break
		}
	}
	t.Fatalf("start moto: %v", lastErr)
	return nil
}

var (
	errExited       = errors.New("moto_server exited before answering")
	errNotInstalled = errors.New("moto_server is not installed for the current Python")
)

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s; moto is required in CI: %s", why, InstallCommand)
	}
	t.Skipf("%s; install it to run this test: %s", why, InstallCommand)
}

// start runs argv (moto_server, or Python with a launcher) with the moto
// server's flags for a free port on loopback and env over the children's
// environment, and waits until it answers. On an error after the process
// started, the server is returned too: its log and exit status say why.
func start(t testing.TB, env []string, argv ...string) (*Server, error) {
	t.Helper()
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL:  "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		log:  &syncBuffer{},
		done: make(chan struct{}),
	}
	s.cmd = exec.Command(argv[0], append(argv[1:], "-H", "127.0.0.1", "-p", strconv.Itoa(port))...)
	s.cmd.Env = append(childEnv(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	ownProcessGroup(s.cmd)
	began := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", strings.Join(argv, " "), err)
	}
	go func() {
		_ = s.cmd.Wait() // the exit status is reported through s.log and s.done
		close(s.done)
	}()
	t.Cleanup(s.stop)
	if err := s.waitReady(); err != nil {
		s.stop()
		return s, err
	}
	s.StartDuration = time.Since(began)
	return s, nil
}

// waitReady polls moto's own API until it answers, the process exits, or
// StartTimeout passes.
func (s *Server) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	client := HTTPClient()
	client.Timeout = 2 * time.Second
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/moto-api/data.json", nil)
		if err != nil {
			return fmt.Errorf("probe moto: %w", err)
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body) // drained only to reuse the connection
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %s", resp.Status)
		}
		select {
		case <-s.done:
			out := s.log.String()
			if strings.Contains(out, "command not found") || strings.Contains(out, "No module named") {
				return fmt.Errorf("%w: %s", errNotInstalled, lastLines(out, 5))
			}
			return fmt.Errorf("%w (%s): %s", errExited, s.cmd.ProcessState, lastLines(out, 10))
		case <-ctx.Done():
			return fmt.Errorf("moto_server did not answer at %s within %s (last: %v): %s",
				s.URL, StartTimeout, err, lastLines(s.log.String(), 10))
		case <-tick.C:
		}
	}
}

// stop asks moto to exit, and kills it after stopTimeout. It is safe to
// call more than once.
func (s *Server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	terminate(s.cmd)
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		kill(s.cmd)
		<-s.done
	}
}

// Log returns what moto has written so far (one line per request).
func (s *Server) Log() string { return s.log.String() }

// Config is an AWS configuration for clients of this server: region
// us-east-1, the static test credentials, BaseEndpoint at the server, and
// HTTPClient's loopback-only transport. It reads no environment variable or
// shared file and never consults IMDS. S3 clients also need
// o.UsePathStyle = true.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:           Region,
		Credentials:      credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint:     aws.String(s.URL),
		HTTPClient:       HTTPClient(),
		RetryMaxAttempts: 2,
	}
}

// HTTPClient returns an HTTP client that uses no proxy and refuses to
// connect to any address that is not loopback.
func HTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: loopbackOnly}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dialer.DialContext,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

// loopbackOnly is a net.Dialer Control: it runs after name resolution, on
// the address actually dialed.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("motoserver: dial %s %s: %w", network, address, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("motoserver: refusing to dial %s %s: tests talk to loopback only", network, address)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// childEnv is the test's environment without AWS credentials or endpoint
// settings, which moto does not need and should never see.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// syncBuffer is a bytes.Buffer safe for moto's stdout and stderr writers
// and the test's readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
