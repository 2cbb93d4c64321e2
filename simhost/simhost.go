// Package simhost serves simulated inference engines (targets/sim) over
// HTTP, each with its simulated GPU (telemetry/simgpu): on a free loopback
// port inside the process (suites, the demo, tests), behind `inferbench
// sim`'s listener, or as a child `inferbench sim` process (calibrate,
// whose CPU figures must not include the simulator's). It also owns the
// simulator's settings, so `inferbench sim` flags and a suite file's
// `sim:` keys are one list with one merge over a preset.
//
// simhost imports targets/sim and telemetry/simgpu only; suite and cmd
// import it.
package simhost

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/inferbench/inferbench/targets/sim"
	"github.com/inferbench/inferbench/telemetry/simgpu"
)

// GPUPath is where a served simulator exposes its simulated GPU.
const GPUPath = "/gpu/metrics"

// DefaultGPUs is how many simulated GPUs Serve gives a simulator.
const DefaultGPUs = 2

// Handler serves the simulator and, at GPUPath, a simulated GPU (DCGM
// exporter format) whose utilisation, power and energy follow the
// simulator's batch occupancy and KV usage.
func Handler(s *sim.Server, gpus int) http.Handler {
	cfg := s.Config()
	gcfg := simgpu.Config{GPUs: gpus}
	if cfg.MaxBatch > 0 {
		gcfg.MaxBatch = cfg.MaxBatch
	}
	mux := http.NewServeMux()
	mux.Handle(GPUPath, simgpu.New(gcfg, s.Load))
	mux.Handle("/", s)
	return mux
}

// Sim is a simulator served on a free loopback port, with its simulated
// GPUs at GPUPath and its vLLM-named metrics at /metrics.
type Sim struct {
	Config sim.Config
	// Root is http://127.0.0.1:PORT; URL is Root + "/v1".
	Root, URL string
	sim       *sim.Server
	http      *http.Server
}

// Serve serves cfg on a free loopback port until Close, with gpus
// simulated GPUs (0: DefaultGPUs).
func Serve(cfg sim.Config, gpus int) (*Sim, error) {
	s, err := sim.New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return nil, err
	}
	if gpus <= 0 {
		gpus = DefaultGPUs
	}
	hs := &http.Server{Handler: Handler(s, gpus), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	root := "http://" + ln.Addr().String()
	return &Sim{Config: cfg, Root: root, URL: root + "/v1", sim: s, http: hs}, nil
}

// GPUMetricsURL and ServerMetricsURL are the simulator's telemetry
// endpoints, for a run's gpu.parquet and server_metrics.parquet.
func (s *Sim) GPUMetricsURL() string    { return s.Root + GPUPath }
func (s *Sim) ServerMetricsURL() string { return s.Root + "/metrics" }

// Close stops serving: streams get 2 s to finish.
func (s *Sim) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.http.Shutdown(ctx)
	s.sim.Close()
}
