package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/sim"
	"github.com/inferbench/inferbench/telemetry"
	"github.com/inferbench/inferbench/telemetry/simgpu"
)

// runTelemetry is the telemetry session of one run, if any was asked for.
type runTelemetry struct {
	sess *telemetry.Session
	info results.TelemetryInfo
}

// startTelemetry starts sampling when the plan names a GPU or server
// metrics URL or asks for NVML; it returns nil otherwise. A sampler that
// fails is logged and counted, never fatal.
func startTelemetry(ctx context.Context, e *env, p *runPlan, dir string, clock results.Clock) (*runTelemetry, error) {
	if p.gpuMetrics == "" && p.serverMetrics == "" && !p.nvml {
		return nil, nil
	}
	sess, err := telemetry.Start(context.WithoutCancel(ctx), telemetry.Config{
		GPUMetricsURL:    p.gpuMetrics,
		ServerMetricsURL: p.serverMetrics,
		NVML:             p.nvml,
		Interval:         p.telemetryInterval,
		RunDir:           dir,
		RunID:            p.runID,
		Clock:            clock,
		Log:              func(s string) { fmt.Fprintf(e.stderr, "inferbench: telemetry: %s\n", s) },
	})
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	return &runTelemetry{sess: sess, info: results.TelemetryInfo{
		GPUMetricsURL: p.gpuMetrics, ServerMetricsURL: p.serverMetrics, IntervalNs: int64(p.telemetryInterval),
	}}, nil
}

// stop takes a last sample, closes the files and describes them for the
// manifest.
func (t *runTelemetry) stop() (*results.TelemetryInfo, error) {
	st, err := t.sess.Stop()
	info := t.info
	info.NVML = st.NVML
	info.Files = st.Files
	info.GPURows, info.ServerRows = st.GPURows, st.ServerRows
	for _, s := range st.Samplers {
		for class, n := range s.FailuresByClass {
			if info.Failures == nil {
				info.Failures = map[string]int64{}
			}
			info.Failures[class] += n
		}
	}
	return &info, err
}

// simGPUPath is where `inferbench sim` serves its simulated GPU.
const simGPUPath = "/gpu/metrics"

// simHandler serves the simulator and, at /gpu/metrics, a simulated GPU
// (DCGM exporter format) whose utilisation, power and energy follow the
// simulator's batch occupancy and KV usage.
func simHandler(s *sim.Server, gpus int) http.Handler {
	cfg := s.Config()
	gcfg := simgpu.Config{GPUs: gpus}
	if cfg.MaxBatch > 0 {
		gcfg.MaxBatch = cfg.MaxBatch
	}
	mux := http.NewServeMux()
	mux.Handle(simGPUPath, simgpu.New(gcfg, s.Load))
	mux.Handle("/", s)
	return mux
}
