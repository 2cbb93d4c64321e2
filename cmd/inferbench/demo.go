package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/decide"
	"github.com/inferbench/inferbench/reports/html"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/sim"
)

const demoSynopsis = `inferbench demo [--out DIR] [--time-scale X] [--requests N] [--format text|md|json]`

const demoExamples = `  inferbench demo                      # about a minute, writes demo-runs/demo-<time>/
  inferbench demo --time-scale 1       # replay the sample at its recorded pace (~100 s)
  inferbench demo --format md > demo.md`

// demoTarget is one simulated target of the demo with the price it is
// compared at.
type demoTarget struct {
	name, kind, preset, provider, model string
	prices                              results.Prices
	// tune adjusts the preset (nil = as is).
	tune func(*sim.Config)
}

// demoTargets are the three ways to serve the sample workload: buy (an
// API priced like gpt-4o-mini), rent (a managed host priced like a hosted
// Llama 3.1 70B) and build (two GPUs at $2.50/h each). Prices are from
// ../shared/data/prices/api_prices_selected.csv and gpu_prices_selected.csv.
var demoTargets = []demoTarget{
	{
		name: "api-sim", kind: "api", preset: "api", provider: "openai (simulated)", model: "gpt-4o-mini-sim",
		prices: results.Prices{InputPer1M: 0.15, CachedInputPer1M: 0.075, OutputPer1M: 0.60,
			Source: "OpenAI gpt-4o-mini list price (pydantic/genai-prices @47df840a)", CheckedAt: "2025-07-04"},
	},
	{
		name: "managed-sim", kind: "managed", preset: "managed", provider: "together (simulated)", model: "llama-3.1-70b-sim",
		prices: results.Prices{InputPer1M: 0.88, OutputPer1M: 0.88,
			Source: "Together Llama 3.1 70B Instruct Turbo list price (LiteLLM price table)", CheckedAt: "2026-07-24"},
	},
	{
		name: "self-hosted-sim", kind: "self-hosted", preset: "self-hosted", provider: "vllm (simulated)", model: "llama-3.1-70b-sim",
		prices: results.Prices{GPUHourly: 5.00, Source: "2 GPUs x $2.50/GPU-hour (demo assumption)"},
		// The self-hosted preset models one GPU; the demo prices two, so
		// give it a two-GPU node's room: twice the batch, four times the KV
		// cache (weights take less of each GPU), faster prefill and a
		// cheaper per-sequence step. At the sample's pace x2 it runs about
		// 50 sequences at once (~20ms steps), with bursts queueing.
		tune: func(c *sim.Config) {
			c.MaxBatch = 96
			c.KVCapacityTokens = 131072
			c.PrefillPerToken = 25 * time.Microsecond
			c.DecodeStepPerSeq = 150 * time.Microsecond
		},
	},
}

func cmdDemo(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet("demo", demoSynopsis, demoExamples, e.stderr)
	out := fs.String("out", "demo-runs", "directory for the demo's run directories")
	scale := fs.Float64("time-scale", 0.5, "replay speed of the sample's recorded arrivals (0.5 = twice as fast)")
	requests := fs.Int("requests", 0, "send only the first N requests of the sample (default all 300)")
	format := fs.String("format", "text", "report format: text, md, json or html")
	htmlOut := fs.String("html", "", "also write the HTML report (charts) to this file")
	quiet := fs.Bool("quiet", false, "no progress output")
	if err := parseFlagsOnly(fs, args); err != nil {
		return usageError(e, "demo", err)
	}
	if *scale <= 0 || *requests < 0 {
		return usageError(e, "demo", errors.New("--time-scale must be > 0 and --requests >= 0"))
	}
	render, ok := renderers[*format]
	if !ok && *format != "html" {
		return usageError(e, "demo", fmt.Errorf("--format %q: want text, md, json or html", *format))
	}

	base := filepath.Join(*out, newRunID(time.Now(), "demo"))
	fmt.Fprintf(e.stderr, "inferbench demo: three simulated targets (no network beyond loopback, no API keys)\n")
	fmt.Fprintf(e.stderr, "replaying the bundled sample (300 chat requests, Azure 2023 conversation arrivals) at x%g speed\n", 1 / *scale)

	type outcome struct {
		dir string
		err error
	}
	outs := make([]outcome, len(demoTargets))
	var wg sync.WaitGroup
	for i, dt := range demoTargets {
		srv, url, err := startPresetSim(dt.preset, dt.model, dt.tune)
		if err != nil {
			fmt.Fprintf(e.stderr, "inferbench demo: %v\n", err)
			return exitFailed
		}
		defer srv.close()
		plan := &runPlan{
			baseURL: url, model: dt.model, targetName: dt.name, kind: dt.kind, provider: dt.provider,
			simulated: true, simConfig: srv.cfg.Describe(),
			workloadPath: "sample", replay: true, timeScale: *scale, requests: *requests,
			timeout: 5 * time.Minute, drain: 2 * time.Minute,
			out: base, runID: dt.name, prices: dt.prices,
			partRows: 10000, partInterval: 10 * time.Second,
			quiet: *quiet, args: []string{"demo"},
		}
		if dt.kind == "self-hosted" {
			// Sample the simulated GPUs and the engine's vLLM metrics.
			base := strings.TrimSuffix(url, "/v1")
			plan.gpuMetrics, plan.serverMetrics = base+simGPUPath, base+"/metrics"
			plan.telemetryInterval = 500 * time.Millisecond
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := executeRun(ctx, e, plan)
			if err != nil {
				outs[i] = outcome{err: fmt.Errorf("%s: %w", dt.name, err)}
				return
			}
			outs[i] = outcome{dir: res.dir}
		}()
	}
	wg.Wait()

	var dirs []string
	for _, o := range outs {
		if o.err != nil {
			fmt.Fprintf(e.stderr, "inferbench demo: %v\n", o.err)
			return exitFailed
		}
		dirs = append(dirs, o.dir)
	}
	runs, err := reports.LoadAll(dirs)
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench demo: %v\n", err)
		return exitFailed
	}
	opt := reports.Options{SLO: reports.SLO{TTFT: time.Second, TPOT: 50 * time.Millisecond}}
	var sums []reports.Summary
	for _, r := range runs {
		sums = append(sums, reports.Summarize(r, opt))
	}
	// The decision the demo is for: what each way of serving costs at the
	// cost model's worked-example volume (docs/cost.md), in text and HTML.
	dopt := decide.Options{Volumes: []decide.Volume{{InputTokens: 100e6, OutputTokens: 20e6}}}
	hopt := html.Options{Options: opt, Title: "inferbench demo (simulated targets)", Generated: time.Now(), Decide: &dopt}
	if *format == "html" {
		err = html.Render(e.stdout, runs, hopt)
	} else {
		err = render(e.stdout, sums, decide.New(sums, dopt))
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench demo: %v\n", err)
		return exitFailed
	}
	if *htmlOut != "" {
		var b bytes.Buffer
		if err := html.Render(&b, runs, hopt); err == nil {
			err = os.WriteFile(*htmlOut, b.Bytes(), 0o644)
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "inferbench demo: --html: %v\n", err)
			return exitFailed
		}
		fmt.Fprintf(e.stderr, "HTML report written to %s\n", *htmlOut)
	}
	fmt.Fprintf(e.stderr, "\nAll three targets are SIMULATED (inferbench sim presets api, managed, self-hosted).\n")
	fmt.Fprintf(e.stderr, "Runs written to %s; report them again with: inferbench report %s --slo ttft=1s,tpot=50ms\n", base, base)
	return exitOK
}

// simServer is an in-process simulator on a loopback port.
type simServer struct {
	cfg  sim.Config
	sim  *sim.Server
	http *http.Server
}

func (s *simServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.http.Shutdown(ctx)
	s.sim.Close()
}

// startPresetSim serves a simulator preset on 127.0.0.1 and returns its /v1 URL.
func startPresetSim(preset, model string, tune func(*sim.Config)) (*simServer, string, error) {
	cfg, err := sim.Preset(preset)
	if err != nil {
		return nil, "", err
	}
	cfg.Model = model
	if tune != nil {
		tune(&cfg)
	}
	return serveSim(cfg)
}

// serveSim serves a simulator configuration on a free loopback port.
func serveSim(cfg sim.Config) (*simServer, string, error) {
	s, err := sim.New(cfg)
	if err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return nil, "", err
	}
	hs := &http.Server{Handler: simHandler(s, 2), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return &simServer{cfg: cfg, sim: s, http: hs}, "http://" + ln.Addr().String() + "/v1", nil
}

// renderers are the report formats by --format name.
var renderers = map[string]func(io.Writer, []reports.Summary, *decide.Decision) error{
	"text": func(w io.Writer, ss []reports.Summary, d *decide.Decision) error {
		if err := reports.RenderText(w, ss); err != nil {
			return err
		}
		return decide.RenderText(w, d)
	},
	"md": func(w io.Writer, ss []reports.Summary, d *decide.Decision) error {
		if err := reports.RenderMarkdown(w, ss); err != nil {
			return err
		}
		return decide.RenderMarkdown(w, d)
	},
	"json": decide.RenderReportJSON,
}
