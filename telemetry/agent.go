package telemetry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/inferbench/inferbench/results"
)

// Agent serves one host's GPU readings as dcgm-exporter text at /metrics,
// so a GPU host without dcgm-exporter can be measured from a load
// generator (inferbench run --gpu-metrics). It reads the GPUs on its own
// ticker and serves the latest reading: a scrape never triggers a
// hardware read, as with dcgm-exporter.
type Agent struct {
	// Sampler reads the GPUs (NVML); nil serves an empty /metrics.
	Sampler Sampler
	// Interval between two readings (default 1s).
	Interval time.Duration
	// Clock gives ts_ns of the rows written to GPU.
	Clock results.Clock
	// GPU, when set, also receives every reading (gpu.parquet).
	GPU *results.GPUWriter
	// Log receives one line per new kind of failure.
	Log func(string)
}

// Serve reads the GPUs and serves them on ln (nil: no server, readings go
// to GPU only) until ctx ends, then stops the server and returns what was
// read. The error is the server's, if it failed.
func (a *Agent) Serve(ctx context.Context, ln net.Listener) (Stats, error) {
	latest := &Latest{}
	var srv *http.Server
	srvDone := make(chan error, 1)
	if ln != nil {
		mux := http.NewServeMux()
		mux.Handle("/metrics", latest)
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r)
				return
			}
			fmt.Fprintln(w, "inferbench agent: GPU metrics in dcgm-exporter format at /metrics")
		})
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { srvDone <- srv.Serve(ln) }()
	}
	sink := Tee{latest}
	if a.GPU != nil {
		sink = append(sink, &FileSink{GPU: a.GPU})
	}
	var samplers []Sampler
	if a.Sampler != nil {
		samplers = append(samplers, a.Sampler)
	}
	st := Collect(ctx, Options{Interval: a.Interval, Clock: a.Clock, RunID: "agent", Log: a.Log}, sink, samplers...)
	if len(samplers) == 0 {
		<-ctx.Done()
	}
	if srv == nil {
		return st, nil
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if err := <-srvDone; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return st, err
	}
	return st, nil
}

// Latest is a Sink that keeps the latest GPU reading and serves it as
// dcgm-exporter text.
type Latest struct {
	mu     sync.Mutex
	latest []results.GPUSample
}

// WriteGPU implements Sink: the batch is the latest reading.
func (l *Latest) WriteGPU(s []results.GPUSample) error {
	l.mu.Lock()
	l.latest = append(l.latest[:0], s...)
	l.mu.Unlock()
	return nil
}

// WriteServer implements Sink; server metrics are not kept.
func (l *Latest) WriteServer([]results.ServerMetricSample) error { return nil }

// ServeHTTP serves the latest reading.
func (l *Latest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	latest := append([]results.GPUSample(nil), l.latest...)
	l.mu.Unlock()
	var buf bytes.Buffer
	if err := WriteDCGM(&buf, latest, nil); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write(buf.Bytes())
}

// Tee is a Sink that hands every batch to each of its sinks.
type Tee []Sink

// WriteGPU implements Sink.
func (t Tee) WriteGPU(s []results.GPUSample) error {
	var errs []error
	for _, k := range t {
		errs = append(errs, k.WriteGPU(s))
	}
	return errors.Join(errs...)
}

// WriteServer implements Sink.
func (t Tee) WriteServer(s []results.ServerMetricSample) error {
	var errs []error
	for _, k := range t {
		errs = append(errs, k.WriteServer(s))
	}
	return errors.Join(errs...)
}
