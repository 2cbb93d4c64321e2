package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/inferbench/inferbench/results"
)

// Config is what a run asks telemetry for. The zero value samples nothing.
type Config struct {
	// GPUMetricsURL is a DCGM-exporter-style endpoint (dcgm-exporter,
	// `inferbench agent`, the simulated GPU): its GPU series become
	// gpu.parquet rows and all its series server_metrics.parquet rows.
	GPUMetricsURL string
	// ServerMetricsURL is the engine's Prometheus /metrics.
	ServerMetricsURL string
	// NVML samples this host's GPUs. Without a GPU, libnvidia-ml or cgo
	// the run goes on and Log gets one line saying why telemetry is off.
	NVML bool
	// Interval between samples (default 1s).
	Interval time.Duration
	// ScrapeTimeout bounds one scrape (default: Interval, at least 1s, at
	// most 5s).
	ScrapeTimeout time.Duration
	// RunDir receives gpu.parquet and server_metrics.parquet.
	RunDir string
	// RunID is written on every row.
	RunID string
	// Clock is the run's clock, so ts_ns compares with request offsets.
	Clock results.Clock
	// Log receives human-readable lines (nil discards them).
	Log func(string)
	// Samplers are extra samplers (targets that declare more endpoints).
	Samplers []Sampler
	// openNVML replaces OpenNVML in tests.
	openNVML func(log func(string)) (Sampler, error)
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	for _, u := range []struct{ flag, v string }{{"gpu-metrics", c.GPUMetricsURL}, {"server-metrics", c.ServerMetricsURL}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("telemetry: %s %q: want an http(s) URL such as http://127.0.0.1:9400/metrics", u.flag, results.RedactURL(u.v)))
		}
	}
	if c.Interval < 0 {
		errs = append(errs, fmt.Errorf("telemetry: interval %v must be positive", c.Interval))
	}
	if c.RunDir == "" && c.enabled() {
		errs = append(errs, errors.New("telemetry: no run directory"))
	}
	return errors.Join(errs...)
}

func (c Config) enabled() bool {
	return c.GPUMetricsURL != "" || c.ServerMetricsURL != "" || c.NVML || len(c.Samplers) > 0
}

// SessionStats is what a Session did: Collect's counters, plus what was
// turned off and which files were written.
type SessionStats struct {
	Stats
	// NVML says whether local GPU sampling ran ("off: reason" otherwise;
	// empty when not asked for).
	NVML string
	// Files are the files written, relative to the run directory.
	Files []string
}

// Session is telemetry running alongside one run.
type Session struct {
	cancel   context.CancelFunc
	done     chan struct{}
	stats    Stats
	gpu      *results.GPUWriter
	server   *results.ServerMetricsWriter
	nvml     string
	closers  []func() error
	stopOnce sync.Once
	stopped  SessionStats
	stopErr  error
}

// Start begins sampling in the background until Stop (or ctx ends; Stop is
// still needed to close the files). It fails only on a bad Config or when
// the files cannot be created; a sampler that cannot start (no GPU) is
// logged and left out.
func Start(ctx context.Context, cfg Config) (*Session, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			cfg.Log(fmt.Sprintf(format, args...))
		}
	}
	s := &Session{done: make(chan struct{})}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	timeout := cfg.ScrapeTimeout
	if timeout <= 0 {
		timeout = min(max(cfg.Interval, time.Second), 5*time.Second)
	}
	var samplers []Sampler
	gpuRows := false
	if cfg.NVML {
		open := cfg.openNVML
		if open == nil {
			open = OpenNVML
		}
		n, err := open(cfg.Log)
		if err != nil {
			s.nvml = "off: " + err.Error()
			logf("telemetry: NVML off, local GPUs are not sampled: %v", err)
		} else {
			s.nvml = "on"
			samplers = append(samplers, n)
			gpuRows = true
			if c, ok := n.(interface{ Close() error }); ok {
				s.closers = append(s.closers, c.Close)
			}
		}
	}
	if cfg.GPUMetricsURL != "" {
		samplers = append(samplers, &Scraper{URL: cfg.GPUMetricsURL, GPU: true, Timeout: timeout})
		gpuRows = true
	}
	if cfg.ServerMetricsURL != "" {
		samplers = append(samplers, &Scraper{URL: cfg.ServerMetricsURL, Timeout: timeout})
	}
	samplers = append(samplers, cfg.Samplers...)
	if len(samplers) == 0 {
		close(s.done)
		s.cancel = func() {}
		return s, nil
	}
	var err error
	if gpuRows || len(cfg.Samplers) > 0 {
		if s.gpu, err = results.NewGPUWriter(cfg.RunDir, cfg.RunID); err != nil {
			s.closeSamplers()
			return nil, fmt.Errorf("telemetry: %w", err)
		}
	}
	if cfg.GPUMetricsURL != "" || cfg.ServerMetricsURL != "" || len(cfg.Samplers) > 0 {
		if s.server, err = results.NewServerMetricsWriter(cfg.RunDir, cfg.RunID); err != nil {
			if s.gpu != nil {
				s.gpu.Close()
			}
			s.closeSamplers()
			return nil, fmt.Errorf("telemetry: %w", err)
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	opts := Options{Interval: cfg.Interval, Clock: cfg.Clock, RunID: cfg.RunID, Log: cfg.Log}
	go func() {
		defer close(s.done)
		s.stats = Collect(rctx, opts, &FileSink{GPU: s.gpu, Server: s.server}, samplers...)
	}()
	return s, nil
}

func (s *Session) closeSamplers() error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// Stop takes a final sample, stops sampling, closes the Parquet files and
// returns what was done. It is safe to call more than once.
func (s *Session) Stop() (SessionStats, error) {
	s.stopOnce.Do(func() {
		s.cancel()
		<-s.done
		var errs []error
		st := SessionStats{Stats: s.stats, NVML: s.nvml}
		if s.gpu != nil {
			if err := s.gpu.Close(); err != nil {
				errs = append(errs, err)
			} else {
				st.Files = append(st.Files, results.GPUFile)
			}
		}
		if s.server != nil {
			if err := s.server.Close(); err != nil {
				errs = append(errs, err)
			} else {
				st.Files = append(st.Files, results.ServerMetricsFile)
			}
		}
		if err := s.closeSamplers(); err != nil {
			errs = append(errs, err)
		}
		s.stopped, s.stopErr = st, errors.Join(errs...)
	})
	return s.stopped, s.stopErr
}

// FileSink writes to the telemetry Parquet files; a nil writer drops its
// rows.
type FileSink struct {
	GPU    *results.GPUWriter
	Server *results.ServerMetricsWriter
}

// WriteGPU implements Sink.
func (f *FileSink) WriteGPU(s []results.GPUSample) error {
	if f.GPU == nil {
		return nil
	}
	return f.GPU.Write(s)
}

// WriteServer implements Sink.
func (f *FileSink) WriteServer(s []results.ServerMetricSample) error {
	if f.Server == nil {
		return nil
	}
	return f.Server.Write(s)
}
