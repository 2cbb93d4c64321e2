// Package demo runs the built-in demo: the three ways to serve the
// bundled sample workload (buy an API, rent a managed host, build on own
// GPUs), each a simulator on a loopback port, each replayed with the same
// workload at once. It also serves single simulators with their simulated
// GPU (ServeSim), for `inferbench sim` and for tests.
//
// demo imports bench, prices, targets, targets/sim, telemetry/simgpu,
// workloads and results; cmd renders the report.
package demo

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/targets/sim"
	"github.com/inferbench/inferbench/workloads"
)

// Target is one simulated target of the demo with the price it is
// compared at.
type Target struct {
	Name, Kind, Preset, Provider, Model string
	Prices                              results.Prices
	// Tune adjusts the preset (nil = as is).
	Tune func(*sim.Config)
}

// Targets are the three ways to serve the sample workload: buy (an API
// priced like gpt-4o-mini), rent (a managed host priced like a hosted
// Llama 3.1 70B) and build (two GPUs at $2.50/h each). Prices are from
// ../shared/data/prices/api_prices_selected.csv and gpu_prices_selected.csv.
var Targets = []Target{
	{
		Name: "api-sim", Kind: "api", Preset: "api", Provider: "openai (simulated)", Model: "gpt-4o-mini-sim",
		Prices: results.Prices{InputPer1M: 0.15, CachedInputPer1M: 0.075, OutputPer1M: 0.60,
			Source: "OpenAI gpt-4o-mini list price (pydantic/genai-prices @47df840a)", CheckedAt: "2025-07-04"},
	},
	{
		Name: "managed-sim", Kind: "managed", Preset: "managed", Provider: "together (simulated)", Model: "llama-3.1-70b-sim",
		Prices: results.Prices{InputPer1M: 0.88, OutputPer1M: 0.88,
			Source: "Together Llama 3.1 70B Instruct Turbo list price (LiteLLM price table)", CheckedAt: "2026-07-24"},
	},
	{
		Name: "self-hosted-sim", Kind: "self-hosted", Preset: "self-hosted", Provider: "vllm (simulated)", Model: "llama-3.1-70b-sim",
		Prices: results.Prices{GPUHourly: 5.00, Source: "2 GPUs x $2.50/GPU-hour (demo assumption)"},
		// The self-hosted preset models one GPU; the demo prices two, so
		// give it a two-GPU node's room: twice the batch, four times the KV
		// cache (weights take less of each GPU), faster prefill and a
		// cheaper per-sequence step. At the sample's pace x2 it runs about
		// 50 sequences at once (~20ms steps), with bursts queueing.
		Tune: func(c *sim.Config) {
			c.MaxBatch = 96
			c.KVCapacityTokens = 131072
			c.PrefillPerToken = 25 * time.Microsecond
			c.DecodeStepPerSeq = 150 * time.Microsecond
		},
	},
}

// Options says how to run the demo.
type Options struct {
	// Dir receives one run directory per target (Dir/NAME).
	Dir string
	// TimeScale is the replay speed of the sample's recorded arrivals
	// (0.5 = twice as fast); Requests sends only the first N (0 = all).
	TimeScale float64
	Requests  int
	// Tool and Log are each run's (bench.Plan); Abort cancels the requests
	// in flight of every run.
	Tool  results.Tool
	Log   func(string)
	Abort <-chan struct{}
	// Observers gives the observers of the named target's run (nil: none).
	Observers func(target string) []bench.Observer
}

// Execute serves the three simulators and replays the sample against each at
// once. It returns every run's outcome, in the order of Targets; an error
// names the target whose run failed. Cancelling ctx stops scheduling and
// drains every run.
func Execute(ctx context.Context, o Options) ([]bench.Outcome, error) {
	wl, err := workloads.Load(workloads.SampleName, workloads.ImportOptions{})
	if err != nil {
		return nil, err
	}
	plans := make([]bench.Plan, len(Targets))
	for i, dt := range Targets {
		srv, err := ServePreset(dt.Preset, dt.Model, dt.Tune)
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		if plans[i], err = o.plan(dt, srv, wl); err != nil {
			return nil, err
		}
	}
	outs := make([]bench.Outcome, len(plans))
	errs := make([]error, len(plans))
	var wg sync.WaitGroup
	for i := range plans {
		wg.Go(func() {
			outs[i], errs[i] = bench.Execute(ctx, plans[i])
			if errs[i] != nil {
				errs[i] = fmt.Errorf("%s: %w", Targets[i].Name, errs[i])
			}
		})
	}
	wg.Wait()
	return outs, errors.Join(errs...)
}

// plan is the run of dt against its simulator srv.
func (o *Options) plan(dt Target, srv *Sim, wl *workloads.Workload) (bench.Plan, error) {
	spec, err := (targets.Spec{Name: dt.Name, BaseURL: srv.URL, Model: dt.Model, Kind: dt.Kind, Provider: dt.Provider,
		Timeouts: targets.TimeoutSpec{Total: 5 * time.Minute}}).Resolve()
	if err != nil {
		return bench.Plan{}, err
	}
	t, err := targets.New(spec, func(string) string { return "" })
	if err != nil {
		return bench.Plan{}, err
	}
	info := spec.Info()
	info.Simulated, info.SimConfig = true, srv.Config.Describe()
	pr, err := prices.Default().ForRun(prices.RunQuery{Explicit: dt.Prices, Kind: dt.Kind, TargetProvider: dt.Provider, TargetModel: dt.Model})
	if err != nil {
		return bench.Plan{}, err
	}
	p := bench.Plan{
		Target: t, TargetInfo: info, Workload: wl,
		Load: bench.Load{Mode: bench.ModeReplay, TimeScale: o.TimeScale,
			RequestTimeout: 5 * time.Minute, Flow: bench.Flow{Requests: o.Requests, DrainTimeout: 2 * time.Minute}},
		Outputs: bench.Outputs{Dir: o.Dir, RunID: dt.Name},
		Prices:  pr, Tool: o.Tool, Args: []string{"demo"}, Log: o.Log, Abort: o.Abort,
	}
	if dt.Kind == "self-hosted" {
		// Sample the simulated GPUs and the engine's vLLM metrics.
		p.Telemetry = bench.Telemetry{GPUMetricsURL: srv.Root + GPUPath, ServerMetricsURL: srv.Root + "/metrics", Interval: 500 * time.Millisecond}
	}
	if o.Observers != nil {
		p.Observers = o.Observers(dt.Name)
	}
	return p, nil
}

// Dir is a new demo directory under root, named for the time now.
func Dir(root string) string { return filepath.Join(root, bench.NewRunID(time.Now(), "demo")) }
