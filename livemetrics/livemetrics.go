// Package livemetrics serves Prometheus metrics of runs while they go, so
// the dashboards a team already watches (Grafana, examples/grafana) show a
// benchmark live: requests by status and error class, TTFT, ITL, E2E and
// schedule-lag histograms, requests in flight and output tokens. Every
// series is labelled with the run (the id all its shards share), the
// shard and the target, so a panel can sum the shards of one run.
//
// A Run is a bench.Observer for one run (or every level of a sweep) plus
// a wrapper of its target that counts the requests inside Target.Do: in
// flight needs no hook in bench. livemetrics imports bench, results,
// workloads and client_golang; suite and cmd use it.
package livemetrics

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// Names are the metric families served, for docs and dashboards.
var Names = []string{
	"inferbench_requests_total", "inferbench_ttft_seconds", "inferbench_itl_seconds", "inferbench_e2e_seconds",
	"inferbench_schedule_lag_seconds", "inferbench_in_flight", "inferbench_output_tokens_total",
}

// Metrics is one registry of run metrics; several runs (a suite's targets,
// a sweep's levels) share it.
type Metrics struct {
	reg                 *prometheus.Registry
	requests, outTokens *prometheus.CounterVec
	ttft, itl, e2e, lag *prometheus.HistogramVec
	inFlight            *prometheus.GaugeVec
}

var runLabels = []string{"run", "shard", "target"}

// New returns an empty registry of the run metrics.
func New() *Metrics {
	hist := func(name, help string, from, to float64) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help,
			Buckets: prometheus.ExponentialBucketsRange(from, to, 24)}, runLabels)
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "inferbench_requests_total",
			Help: "Requests finished, by status (ok, error, canceled) and error class; warm-up requests included."},
			append(runLabels[:3:3], "status", "error_class")),
		outTokens: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "inferbench_output_tokens_total",
			Help: "Output tokens of successful requests, warm-up included."}, runLabels),
		ttft: hist("inferbench_ttft_seconds", "Time to first token (first_token - sent) of successful measured requests.", 0.001, 120),
		itl:  hist("inferbench_itl_seconds", "Inter-token latency: each gap between content events, split evenly over the tokens it carried.", 0.0001, 30),
		e2e:  hist("inferbench_e2e_seconds", "End to end (last_token - sent) of successful measured requests.", 0.005, 1200),
		lag:  hist("inferbench_schedule_lag_seconds", "Schedule lag (sent - scheduled) of measured requests: the client falling behind.", 0.00001, 60),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "inferbench_in_flight",
			Help: "Requests sent and not yet finished."}, runLabels),
	}
	m.reg.MustRegister(m.requests, m.outTokens, m.ttft, m.itl, m.e2e, m.lag, m.inFlight)
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Server serves a Metrics at /metrics.
type Server struct {
	// Addr is the address it listens on (the port chosen for ":0").
	Addr string
	hs   *http.Server
}

// Serve serves m at http://addr/metrics until Close.
func Serve(addr string, m *Metrics) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return &Server{Addr: ln.Addr().String(), hs: hs}, nil
}

// Close stops serving, giving a scrape in progress a second.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return s.hs.Shutdown(ctx)
}

// Run is the metrics of one run of target: a bench.Observer for the
// plan's Observers, and Target to wrap the plan's target with. A sweep
// uses one Run for all its levels (each level is a run of its own id).
type Run struct {
	m      *Metrics
	target string
	shard  workloads.Shard
	cur    atomic.Pointer[series]
}

// series are one run's labelled children.
type series struct {
	labels              []string
	ttft, itl, e2e, lag prometheus.Observer
	inFlight            prometheus.Gauge
	outTokens           prometheus.Counter
}

// Run returns the metrics of a run of target (shard: its part of a
// sharded run; zero when not sharded).
func (m *Metrics) Run(target string, shard workloads.Shard) *Run {
	return &Run{m: m, target: target, shard: shard}
}

// Begin implements bench.Observer: the run's series exist from now on, at
// zero, so a dashboard shows the run before its first request ends.
func (r *Run) Begin(s bench.Started) {
	l := []string{strings.TrimSuffix(s.RunID, r.shard.Suffix()), strconv.Itoa(r.shard.Index), r.target}
	m := r.m
	r.cur.Store(&series{labels: l,
		ttft: m.ttft.WithLabelValues(l...), itl: m.itl.WithLabelValues(l...), e2e: m.e2e.WithLabelValues(l...),
		lag: m.lag.WithLabelValues(l...), inFlight: m.inFlight.WithLabelValues(l...), outTokens: m.outTokens.WithLabelValues(l...)})
	m.requests.WithLabelValues(append(l[:3:3], results.StatusOK, "")...)
}

// Observe implements bench.Observer: one finished request.
func (r *Run) Observe(rec *results.Record) {
	s := r.cur.Load()
	if s == nil {
		return
	}
	r.m.requests.WithLabelValues(append(s.labels[:3:3], rec.Status, rec.ErrorClass)...).Inc()
	if rec.OK() {
		s.outTokens.Add(float64(rec.OutputTokens))
	}
	if rec.Warmup {
		return
	}
	s.lag.Observe(seconds(rec.ScheduleLagNs))
	if !rec.OK() {
		return
	}
	if rec.TTFTNs > 0 {
		s.ttft.Observe(seconds(rec.TTFTNs))
	}
	if rec.E2ENs > 0 {
		s.e2e.Observe(seconds(rec.E2ENs))
	}
	// Per-token ITL as reports count it: a gap that delivered k tokens
	// counts as k gaps of gap/k.
	perChunk := len(rec.ChunkTokens) == len(rec.ChunkGapsNs)+1
	for i, g := range rec.ChunkGapsNs {
		k := int64(1)
		if perChunk && rec.ChunkTokens[i+1] > 1 {
			k = int64(rec.ChunkTokens[i+1])
		}
		for range k {
			s.itl.Observe(seconds(g / k))
		}
	}
}

func seconds(ns int64) float64 { return float64(ns) / 1e9 }

// Target wraps t so that the requests inside its Do count as in flight.
func (r *Run) Target(t bench.Target) bench.Target {
	return bench.TargetFunc(func(ctx context.Context, clock results.Clock, req *workloads.Request) results.Record {
		s := r.cur.Load()
		if s != nil {
			s.inFlight.Inc()
			defer s.inFlight.Dec()
		}
		return t.Do(ctx, clock, req)
	})
}
