package demo

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

// Sim is a simulator served on a free loopback port, with two simulated
// GPUs at GPUPath.
type Sim struct {
	Config sim.Config
	// Root is http://127.0.0.1:PORT; URL is Root + "/v1".
	Root, URL string
	sim       *sim.Server
	http      *http.Server
}

// ServeSim serves cfg on a free loopback port until Close.
func ServeSim(cfg sim.Config) (*Sim, error) {
	s, err := sim.New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return nil, err
	}
	hs := &http.Server{Handler: Handler(s, 2), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	root := "http://" + ln.Addr().String()
	return &Sim{Config: cfg, Root: root, URL: root + "/v1", sim: s, http: hs}, nil
}

// ServePreset serves a simulator preset, tuned by tune (nil = as is), for
// model.
func ServePreset(preset, model string, tune func(*sim.Config)) (*Sim, error) {
	cfg, err := sim.Preset(preset)
	if err != nil {
		return nil, err
	}
	cfg.Model = model
	if tune != nil {
		tune(&cfg)
	}
	return ServeSim(cfg)
}

// Close stops serving: streams get 2 s to finish.
func (s *Sim) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.http.Shutdown(ctx)
	s.sim.Close()
}
