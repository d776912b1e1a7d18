package ephemeral

import (
	"context"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/platformlab/s3-gateway-lab/internal/exitcode"
)

// recorder builds Ops that record the order of calls and fail where told.
type recorder struct {
	mu    sync.Mutex
	calls []string
	// cleanupCtxOK is false if destroy or remove ran on a cancelled context.
	cleanupCtxOK bool

	createErr, upErr, destroyErr, removeErr error
	verifyCode                              exitcode.Code
	// upStarted is closed when Up starts; blockUp makes Up wait for its
	// context to end.
	upStarted chan struct{}
	blockUp   bool
	// destroyStarted is closed when Destroy starts; destroyGate, when set,
	// makes Destroy wait for it.
	destroyStarted chan struct{}
	destroyGate    chan struct{}
}

func newRecorder() *recorder {
	return &recorder{cleanupCtxOK: true, upStarted: make(chan struct{}), destroyStarted: make(chan struct{})}
}

func (r *recorder) record(call string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call)
}

func (r *recorder) ops() Ops {
	return Ops{
		Create: func(ctx context.Context, stack string) error {
			r.record("create " + stack)
			return r.createErr
		},
		Up: func(ctx context.Context) (map[string]any, error) {
			r.record("up")
			close(r.upStarted)
			if r.blockUp {
				<-ctx.Done()
				return nil, ctx.Err()
			}
			return map[string]any{"functionName": "fn"}, r.upErr
		},
		Verify: func(ctx context.Context, outputs map[string]any) exitcode.Code {
			r.record("verify " + outputs["functionName"].(string))
			return r.verifyCode
		},
		Destroy: func(ctx context.Context) error {
			r.record("destroy")
			close(r.destroyStarted)
			if r.destroyGate != nil {
				<-r.destroyGate
			}
			if ctx.Err() != nil {
				r.mu.Lock()
				r.cleanupCtxOK = false
				r.mu.Unlock()
			}
			return r.destroyErr
		},
		Remove: func(ctx context.Context) error {
			r.record("remove")
			if ctx.Err() != nil {
				r.mu.Lock()
				r.cleanupCtxOK = false
				r.mu.Unlock()
			}
			return r.removeErr
		},
	}
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func runWith(t *testing.T, rec *recorder, keep bool, signals chan os.Signal, parent context.Context) (exitcode.Code, []PhaseResult, string) {
	t.Helper()
	out := &syncBuffer{}
	code, phases := runTo(out, rec, keep, signals, parent)
	return code, phases, out.String()
}

func runTo(out *syncBuffer, rec *recorder, keep bool, signals chan os.Signal, parent context.Context) (exitcode.Code, []PhaseResult) {
	r := &Runner{Ops: rec.ops(), Keep: keep, Signals: signals, Out: out, CleanupTimeout: time.Minute}
	return r.Run(parent, "eph-test")
}

// syncBuffer is a strings.Builder safe for the runner's two goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPhaseOrder(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*recorder)
		keep      bool
		wantCalls []string
		wantCode  exitcode.Code
	}{
		{name: "success", setup: func(*recorder) {},
			wantCalls: []string{"create eph-test", "up", "verify fn", "destroy", "remove"}, wantCode: exitcode.OK},
		{name: "up fails", setup: func(r *recorder) { r.upErr = errors.New("quota exceeded") },
			wantCalls: []string{"create eph-test", "up", "destroy", "remove"}, wantCode: exitcode.ClaimFailed},
		{name: "a claim fails", setup: func(r *recorder) { r.verifyCode = exitcode.ClaimFailed },
			wantCalls: []string{"create eph-test", "up", "verify fn", "destroy", "remove"}, wantCode: exitcode.ClaimFailed},
		{name: "checks incomplete", setup: func(r *recorder) { r.verifyCode = exitcode.Incomplete },
			wantCalls: []string{"create eph-test", "up", "verify fn", "destroy", "remove"}, wantCode: exitcode.Incomplete},
		{name: "create fails", setup: func(r *recorder) { r.createErr = errors.New("backend unreachable") },
			wantCalls: []string{"create eph-test", "remove"}, wantCode: exitcode.CouldNotRun},
		{name: "destroy fails keeps the stack", setup: func(r *recorder) { r.destroyErr = errors.New("DependencyViolation") },
			wantCalls: []string{"create eph-test", "up", "verify fn", "destroy"}, wantCode: exitcode.CleanupFailed},
		{name: "remove fails", setup: func(r *recorder) { r.removeErr = errors.New("locked") },
			wantCalls: []string{"create eph-test", "up", "verify fn", "destroy", "remove"}, wantCode: exitcode.CleanupFailed},
		{name: "keep", keep: true, setup: func(*recorder) {},
			wantCalls: []string{"create eph-test", "up", "verify fn"}, wantCode: exitcode.OK},
		{name: "keep after a failed claim", keep: true, setup: func(r *recorder) { r.verifyCode = exitcode.ClaimFailed },
			wantCalls: []string{"create eph-test", "up", "verify fn"}, wantCode: exitcode.ClaimFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			tt.setup(rec)
			code, phases, out := runWith(t, rec, tt.keep, nil, context.Background())
			if got := rec.got(); !slices.Equal(got, tt.wantCalls) {
				t.Errorf("calls: got %v, want %v", got, tt.wantCalls)
			}
			if code != tt.wantCode {
				t.Errorf("exit code: got %d, want %d\n%s", code, tt.wantCode, out)
			}
			if len(phases) != 5 {
				t.Errorf("got %d phase results, want one for each of the 5 phases: %+v", len(phases), phases)
			}
			for _, p := range phases {
				if !p.Skipped && !strings.Contains(out, "ephemeral: "+p.Phase) {
					t.Errorf("phase %s not reported:\n%s", p.Phase, out)
				}
			}
		})
	}
}

// TestSignalDuringUp: SIGTERM while the stack deploys stops the deployment,
// skips verification, and still destroys and removes the stack, on a context
// the signal did not cancel.
func TestSignalDuringUp(t *testing.T) {
	rec := newRecorder()
	rec.blockUp = true
	signals := make(chan os.Signal, 1)
	go func() {
		<-rec.upStarted
		signals <- syscall.SIGTERM
	}()
	code, _, out := runWith(t, rec, false, signals, context.Background())
	checkCleanup(t, rec, code, []string{"create eph-test", "up", "destroy", "remove"}, exitcode.Interrupted,
		"destroy or remove ran on a cancelled context")
	if !strings.Contains(out, "terminated received") {
		t.Errorf("the signal is not reported:\n%s", out)
	}
}

// TestSignalDuringDestroy: a second Ctrl-C while cleaning up does not stop
// the cleanup.
func TestSignalDuringDestroy(t *testing.T) {
	rec := newRecorder()
	rec.destroyGate = make(chan struct{})
	signals := make(chan os.Signal)
	buf := &syncBuffer{}
	go func() {
		<-rec.destroyStarted
		signals <- os.Interrupt
		signals <- os.Interrupt
		// Let the runner report the second signal before destroy ends
		// (bounded: 5 s).
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if strings.Contains(buf.String(), "received again") {
				break
			}
		}
		close(rec.destroyGate)
	}()
	code, _ := runTo(buf, rec, false, signals, context.Background())
	out := buf.String()
	checkCleanup(t, rec, code, []string{"create eph-test", "up", "verify fn", "destroy", "remove"}, exitcode.Interrupted,
		"a signal during cleanup cancelled it")
	if !strings.Contains(out, "received again: cleanup of eph-test goes on") {
		t.Errorf("the second signal is not reported:\n%s", out)
	}
}

// TestParentDeadline: when the caller's context ends mid-run, cleanup still
// runs on a context of its own.
func TestParentDeadline(t *testing.T) {
	rec := newRecorder()
	rec.blockUp = true
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	code, _, _ := runWith(t, rec, false, nil, ctx)
	checkCleanup(t, rec, code, []string{"create eph-test", "up", "destroy", "remove"}, exitcode.ClaimFailed,
		"cleanup ran on the expired context")
}

// checkCleanup fails t unless the run made the calls want, in order, ran its
// cleanup on a context that was not cancelled (else it reports cancelled),
// and ended with wantCode.
func checkCleanup(t *testing.T, rec *recorder, code exitcode.Code, want []string, wantCode exitcode.Code, cancelled string) {
	t.Helper()
	if !slices.Equal(rec.got(), want) {
		t.Errorf("calls: got %v, want %v", rec.got(), want)
	}
	if !rec.cleanupCtxOK {
		t.Error(cancelled)
	}
	if code != wantCode {
		t.Errorf("exit code: got %d, want %d", code, wantCode)
	}
}

func TestPhaseDurations(t *testing.T) {
	rec := newRecorder()
	clock := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	var out strings.Builder
	r := &Runner{Ops: rec.ops(), Out: &out, Now: func() time.Time {
		clock = clock.Add(90 * time.Second)
		return clock
	}}
	_, phases := r.Run(context.Background(), "eph-test")
	for _, p := range phases {
		if p.Duration != 90*time.Second {
			t.Errorf("phase %s: duration %v, want 1m30s from the fake clock", p.Phase, p.Duration)
		}
	}
	if !strings.Contains(out.String(), "ephemeral: up      1m30s") {
		t.Errorf("durations are not printed:\n%s", out.String())
	}
}

func TestStackName(t *testing.T) {
	now := time.Date(2026, 11, 22, 19, 30, 5, 0, time.FixedZone("CET", 3600))
	re := regexp.MustCompile(`^eph-20261122-183005-[a-z0-9]{4}$`)
	seen := map[string]bool{}
	for range 50 {
		name := StackName(now)
		if !re.MatchString(name) {
			t.Fatalf("StackName = %q, want eph-<UTC time>-<4 random>", name)
		}
		seen[name] = true
	}
	if len(seen) < 45 {
		t.Errorf("50 names at the same second gave only %d distinct ones", len(seen))
	}
}
