// Package telemetry samples what a load test cannot see from the client:
// how busy the GPUs are (NVML locally, a DCGM exporter or `inferbench
// agent` remotely) and how full the inference server is (its Prometheus
// /metrics: queue depth, batch occupancy, KV-cache usage). Samples go to
// gpu.parquet and server_metrics.parquet through package results; reports
// relates them to requests afterwards.
//
// Telemetry never stops a run: a failing sampler is logged once per kind of
// failure, counted, and tried again on the next tick. Collect runs
// samplers into a sink, Session is a run's telemetry (bench starts one),
// and Agent serves a host's GPU readings as dcgm-exporter text.
//
// It imports results only (and the NVML and Prometheus libraries).
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/inferbench/inferbench/results"
)

// Batch is what one sampler read at one tick. A sampler may fill both
// parts: a DCGM scrape yields GPU rows and the raw series.
type Batch struct {
	GPU    []results.GPUSample
	Server []results.ServerMetricSample
}

// Sampler reads one batch of telemetry. Collect stamps ts, ts_ns and run_id on
// rows that leave them zero. A sampler may return rows and an error
// together (one GPU lost, the others read); Collect keeps the rows and counts
// the error.
type Sampler interface {
	// Name identifies the sampler in logs and Stats (a URL, "nvml").
	Name() string
	Sample(ctx context.Context) (Batch, error)
}

// SamplerFunc adapts a function to Sampler.
type SamplerFunc struct {
	N string
	F func(ctx context.Context) (Batch, error)
}

// Name implements Sampler.
func (s SamplerFunc) Name() string { return s.N }

// Sample implements Sampler.
func (s SamplerFunc) Sample(ctx context.Context) (Batch, error) { return s.F(ctx) }

// Sink receives sampled rows. results.GPUWriter and
// results.ServerMetricsWriter together make one (see FileSink).
type Sink interface {
	WriteGPU([]results.GPUSample) error
	WriteServer([]results.ServerMetricSample) error
}

// Options configures Collect. Zero values mean the defaults.
type Options struct {
	// Interval between two samples of one sampler (default 1s).
	Interval time.Duration
	// Clock gives ts_ns; the zero Clock starts at the first Collect call.
	Clock results.Clock
	RunID string
	// Log receives one line per new kind of failure; nil discards them.
	Log func(string)
	// FinalTimeout bounds the last sample taken when ctx ends, so the
	// energy window reaches the end of the run (default 2s; negative: no
	// final sample).
	FinalTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Clock == (results.Clock{}) {
		o.Clock = results.NewClock(time.Now())
	}
	if o.FinalTimeout == 0 {
		o.FinalTimeout = 2 * time.Second
	}
	return o
}

// Stats counts what Collect did, per sampler.
type Stats struct {
	Samplers   []SamplerStats
	GPURows    int64
	ServerRows int64
	// SinkErrors counts failed writes (logged once).
	SinkErrors int64
}

// SamplerStats counts one sampler's ticks.
type SamplerStats struct {
	Name string
	// Samples is the number of calls; Failures those that returned an
	// error (rows may still have been kept).
	Samples   int64
	Failures  int64
	LastError string
	// FailuresByClass counts failures by class (refused, timeout,
	// malformed, http_status, device_lost, ...).
	FailuresByClass map[string]int64
}

// Failed returns the failures of class c.
func (s SamplerStats) Failed(c string) int64 { return s.FailuresByClass[c] }

// Error classes of sampling failures, for logs and Stats.
const (
	ClassRefused    = "refused"     // connection refused / host unreachable
	ClassTimeout    = "timeout"     // no complete answer within the timeout
	ClassHTTPStatus = "http_status" // the endpoint answered with a non-2xx status
	ClassMalformed  = "malformed"   // the body is not Prometheus text
	ClassDeviceLost = "device_lost" // a GPU fell off the bus or was reset
	ClassOther      = "other"
)

// SampleError is a sampling failure with a class, so Collect logs each class
// once per sampler however often it repeats.
type SampleError struct {
	Class string
	Err   error
	// Logged says the sampler already logged this failure itself (NVML
	// logs each lost GPU), so Collect only counts it.
	Logged bool
}

func (e *SampleError) Error() string { return e.Err.Error() }
func (e *SampleError) Unwrap() error { return e.Err }

// ClassOf returns the class of err (ClassOther if it carries none).
func ClassOf(err error) string {
	var se *SampleError
	if errors.As(err, &se) {
		return se.Class
	}
	return ClassOther
}

func logged(err error) bool {
	var se *SampleError
	return errors.As(err, &se) && se.Logged
}

// ErrNVMLUnavailable is wrapped by OpenNVML's error when local GPUs cannot
// be sampled (no driver, no GPU, no cgo); the message says which.
var ErrNVMLUnavailable = errors.New("NVML unavailable")

// runner holds the live counters of one Collect.
type runner struct {
	opts Options
	sink Sink

	mu       sync.Mutex
	stats    Stats
	logged   map[string]bool
	sinkErrs map[string]bool
}

// Collect samples every sampler on its own ticker (a slow scrape never delays
// NVML) until ctx ends, then takes one final sample of each, and returns
// the counts. Rows go to sink as they come.
func Collect(ctx context.Context, opts Options, sink Sink, samplers ...Sampler) Stats {
	r := newRunner(opts, sink, samplers)
	var wg sync.WaitGroup
	for i, s := range samplers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.loop(ctx, i, s)
		}()
	}
	wg.Wait()
	return r.snapshot()
}

func newRunner(opts Options, sink Sink, samplers []Sampler) *runner {
	r := &runner{opts: opts.withDefaults(), sink: sink, logged: map[string]bool{}, sinkErrs: map[string]bool{}}
	for _, s := range samplers {
		r.stats.Samplers = append(r.stats.Samplers, SamplerStats{Name: s.Name(), FailuresByClass: map[string]int64{}})
	}
	return r
}

func (r *runner) loop(ctx context.Context, i int, s Sampler) {
	t := time.NewTicker(r.opts.Interval)
	defer t.Stop()
	for {
		r.once(ctx, i, s)
		select {
		case <-ctx.Done():
			if r.opts.FinalTimeout > 0 {
				fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.FinalTimeout)
				r.once(fctx, i, s)
				cancel()
			}
			return
		case <-t.C:
		}
	}
}

// once takes one sample and hands it to the sink.
func (r *runner) once(ctx context.Context, i int, s Sampler) {
	b, err := s.Sample(ctx)
	if err != nil && ctx.Err() != nil && len(b.GPU) == 0 && len(b.Server) == 0 {
		// The run is stopping and cut this sample short: not a failure of
		// the endpoint, and the final sample follows.
		return
	}
	now := r.opts.Clock.Now()
	wall := r.opts.Clock.Wall(now)
	for j := range b.GPU {
		g := &b.GPU[j]
		if g.TsNs == 0 {
			g.TsNs, g.Ts = now, wall
		}
		if g.RunID == "" {
			g.RunID = r.opts.RunID
		}
	}
	for j := range b.Server {
		m := &b.Server[j]
		if m.TsNs == 0 {
			m.TsNs, m.Ts = now, wall
		}
		if m.RunID == "" {
			m.RunID = r.opts.RunID
		}
	}
	r.mu.Lock()
	st := &r.stats.Samplers[i]
	st.Samples++
	if err != nil {
		class := ClassOf(err)
		st.Failures++
		st.FailuresByClass[class]++
		st.LastError = err.Error()
		key := st.Name + "\x00" + class
		if !r.logged[key] && !logged(err) {
			r.logged[key] = true
			r.logf("telemetry: %s: %v (%s; logged once, counted, sampling goes on)", st.Name, err, class)
		}
	}
	r.mu.Unlock()
	if r.sink == nil {
		return
	}
	if len(b.GPU) > 0 {
		r.sinkResult("gpu", r.sink.WriteGPU(b.GPU), int64(len(b.GPU)))
	}
	if len(b.Server) > 0 {
		r.sinkResult("server_metrics", r.sink.WriteServer(b.Server), int64(len(b.Server)))
	}
}

func (r *runner) sinkResult(table string, err error, rows int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.stats.SinkErrors++
		if !r.sinkErrs[table] {
			r.sinkErrs[table] = true
			r.logf("telemetry: writing %s: %v (logged once)", table, err)
		}
		return
	}
	if table == "gpu" {
		r.stats.GPURows += rows
	} else {
		r.stats.ServerRows += rows
	}
}

// logf must be called with r.mu held, which also serialises Log calls.
func (r *runner) logf(format string, args ...any) {
	if r.opts.Log != nil {
		r.opts.Log(fmt.Sprintf(format, args...))
	}
}

func (r *runner) snapshot() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.stats
	out.Samplers = make([]SamplerStats, len(r.stats.Samplers))
	for i, s := range r.stats.Samplers {
		c := s
		c.FailuresByClass = make(map[string]int64, len(s.FailuresByClass))
		for k, v := range s.FailuresByClass {
			c.FailuresByClass[k] = v
		}
		out.Samplers[i] = c
	}
	return out
}

// MemorySink keeps rows in memory; for tests and for the agent's latest
// reading. It is safe for concurrent use.
type MemorySink struct {
	mu     sync.Mutex
	gpu    []results.GPUSample
	server []results.ServerMetricSample
}

// WriteGPU implements Sink.
func (m *MemorySink) WriteGPU(s []results.GPUSample) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gpu = append(m.gpu, s...)
	return nil
}

// WriteServer implements Sink.
func (m *MemorySink) WriteServer(s []results.ServerMetricSample) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.server = append(m.server, s...)
	return nil
}

// GPU returns a copy of the GPU rows so far.
func (m *MemorySink) GPU() []results.GPUSample {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]results.GPUSample(nil), m.gpu...)
}

// Server returns a copy of the server rows so far.
func (m *MemorySink) Server() []results.ServerMetricSample {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]results.ServerMetricSample(nil), m.server...)
}

// Failures are the failed reads of every sampler.
func (st Stats) Failures() int64 {
	var n int64
	for _, s := range st.Samplers {
		n += s.Failures
	}
	return n
}
