package telemetry

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

// logBuf collects log lines.
type logBuf struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuf) log(s string) { l.mu.Lock(); l.lines = append(l.lines, s); l.mu.Unlock() }
func (l *logBuf) count(sub string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.lines {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

func f64(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

func i64(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

// failingSink fails every write.
type failingSink struct{ calls atomic.Int64 }

func (f *failingSink) WriteGPU([]results.GPUSample) error {
	f.calls.Add(1)
	return errors.New("disk full")
}
func (f *failingSink) WriteServer([]results.ServerMetricSample) error {
	f.calls.Add(1)
	return errors.New("disk full")
}

func TestRunSinkErrorsAreLoggedOnceAndCounted(t *testing.T) {
	var lb logBuf
	var sink failingSink
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	s := SamplerFunc{N: "s", F: func(context.Context) (Batch, error) {
		if n.Add(1) == 3 {
			cancel()
		}
		return Batch{GPU: []results.GPUSample{{GPUUUID: "x"}}}, nil
	}}
	st := Collect(ctx, Options{Interval: time.Millisecond, Log: lb.log}, &sink, s)
	if st.SinkErrors != sink.calls.Load() || st.SinkErrors < 3 || st.GPURows != 0 {
		t.Errorf("stats = %+v, sink calls %d", st, sink.calls.Load())
	}
	if c := lb.count("disk full"); c != 1 {
		t.Errorf("sink error logged %d times, want once", c)
	}
}

func TestRunSamplesOnIndependentTickers(t *testing.T) {
	// A sampler that blocks must not hold the other back.
	release := make(chan struct{})
	slow := SamplerFunc{N: "slow", F: func(ctx context.Context) (Batch, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return Batch{}, nil
	}}
	var n atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fast := SamplerFunc{N: "fast", F: func(context.Context) (Batch, error) {
		if n.Add(1) == 5 {
			cancel()
		}
		return Batch{}, nil
	}}
	done := make(chan Stats)
	go func() { done <- Collect(ctx, Options{Interval: time.Millisecond, FinalTimeout: -1}, nil, slow, fast) }()
	select {
	case st := <-done:
		if st.Samplers[1].Samples < 4 {
			t.Errorf("fast sampler ran %d times", st.Samplers[1].Samples)
		}
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("Collect blocked behind the slow sampler")
	}
	close(release)
}

func TestClassOf(t *testing.T) {
	if ClassOf(errors.New("x")) != ClassOther {
		t.Error("plain error must be other")
	}
	wrapped := errors.Join(errors.New("ctx"), &SampleError{Class: ClassTimeout, Err: context.DeadlineExceeded})
	if ClassOf(wrapped) != ClassTimeout || !errors.Is(wrapped, context.DeadlineExceeded) {
		t.Error("class must survive wrapping")
	}
	if !strings.Contains((&SampleError{Class: ClassRefused, Err: errors.New("refused")}).Error(), "refused") {
		t.Error("message")
	}
}

func TestStatsFailures(t *testing.T) {
	st := Stats{Samplers: []SamplerStats{{Name: "nvml", Failures: 2}, {Name: "dcgm", Failures: 3}}}
	if got := st.Failures(); got != 5 {
		t.Errorf("failures %d, want 5", got)
	}
}
