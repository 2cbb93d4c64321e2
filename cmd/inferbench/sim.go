package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/inferbench/inferbench/demo"
	"github.com/inferbench/inferbench/targets/sim"
)

// simShutdownGrace is how long streams in flight may take to finish after
// a stop request before they are cut.
const simShutdownGrace = 3 * time.Second

// cmdSim serves a simulated OpenAI-compatible engine until ctx is
// cancelled or an interrupt arrives (a second interrupt cuts streams in
// flight). A stop request is the normal end of a server, so it exits 0.
func cmdSim(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet("sim", "inferbench sim [--listen ADDR] [--preset NAME] [flags]", `  # a vLLM-like GPU server that queues under load
  inferbench sim --preset self-hosted

  # the calibration target: first token after exactly 50ms, then one every 10ms
  inferbench sim --listen 127.0.0.1:9000 --ttft 50ms --itl 10ms

  # a hosted API that rate-limits 5% of requests and drops 1% of streams
  inferbench sim --preset api --rate-limit-rate 0.05 --disconnect-rate 0.01 --seed 7

  # a custom engine; any port (the real one is printed)
  inferbench sim --listen 127.0.0.1:0 --decode-step 10ms --decode-step-per-seq 1ms --max-batch 8

Presets:
`+presetHelp(), e.stderr)
	listen := fs.String("listen", "127.0.0.1:8000", "`address` to listen on (port 0 picks a free port)")
	gpus := fs.Int("gpus", 1, "GPUs of the simulated DCGM endpoint at /gpu/metrics (utilisation, power and energy follow the batch)")
	preset := fs.String("preset", "", "start from a preset: "+strings.Join(sim.PresetNames(), ", ")+" (default self-hosted unless --ttft/--itl or engine flags are given)")
	var c sim.Config
	fs.StringVar(&c.Model, "model", "", "model id to serve (default \"sim\")")
	fs.DurationVar(&c.TTFT, "ttft", 0, "exact mode: time to first token")
	fs.DurationVar(&c.ITL, "itl", 0, "exact mode: time between tokens")
	fs.DurationVar(&c.PrefillPerToken, "prefill-per-token", 0, "engine: prefill time per prompt token")
	fs.DurationVar(&c.DecodeStep, "decode-step", 0, "engine: base time of one decode step")
	fs.DurationVar(&c.DecodeStepPerSeq, "decode-step-per-seq", 0, "engine: extra step time per running sequence")
	fs.IntVar(&c.MaxBatch, "max-batch", 0, "engine: most sequences running at once (0: unlimited)")
	fs.IntVar(&c.KVCapacityTokens, "kv-capacity", 0, "engine: KV cache capacity in tokens (0: unlimited)")
	fs.IntVar(&c.MaxBatchedTokens, "max-batched-tokens", 0, "engine: token budget per step, chunking prefill (0: unlimited)")
	fs.DurationVar(&c.NetworkLatency, "network-latency", 0, "latency added before each request is served")
	fs.DurationVar(&c.NetworkJitter, "network-jitter", 0, "uniform jitter (±) on the network latency")
	fs.DurationVar(&c.InputLatencyPerToken, "input-latency-per-token", 0, "delay per prompt token before serving, outside the batch (a hosted fleet's prefill)")
	fs.IntVar(&c.TokensPerChunk, "tokens-per-chunk", 0, "tokens per SSE chunk (default 1)")
	fs.IntVar(&c.DefaultMaxTokens, "default-max-tokens", 0, "output length when a request sets no max_tokens (default 256)")
	fs.Int64Var(&c.Seed, "seed", 0, "seed for jitter and faults")
	fs.Float64Var(&c.Faults.ErrorRate, "error-rate", 0, "fraction of requests answered 500")
	fs.Float64Var(&c.Faults.RateLimitRate, "rate-limit-rate", 0, "fraction of requests answered 429 with Retry-After")
	fs.DurationVar(&c.Faults.RetryAfter, "retry-after", 0, "Retry-After of a 429 (default 1s)")
	fs.Float64Var(&c.Faults.DisconnectRate, "disconnect-rate", 0, "fraction of streams cut half-way without [DONE]")
	fs.Float64Var(&c.Faults.MalformedRate, "malformed-rate", 0, "fraction of streams with one invalid-JSON chunk")
	fs.Float64Var(&c.Faults.StallRate, "stall-rate", 0, "fraction of streams that pause half-way")
	fs.DurationVar(&c.Faults.Stall, "stall", 0, "length of a stall (default 1s)")
	fs.IntVar(&c.Provider.ReasoningTokens, "reasoning-tokens", 0, "provider: the first N output tokens are reasoning, sent before the answer (every path but legacy completions)")
	fs.Float64Var(&c.Provider.CachedFraction, "cached-fraction", 0, "provider: fraction of prompt tokens reported as cached in usage")
	fs.IntVar(&c.Provider.RPM, "rpm", 0, "provider: requests per minute before 429 + Retry-After (0: no limit)")
	fs.IntVar(&c.Provider.TPM, "tpm", 0, "provider: tokens per minute (prompt bytes/4 + max tokens) before 429 (0: no limit)")
	if err := parseFlagsOnly(fs, args); err != nil {
		return usageError(e, "sim", err)
	}
	if *gpus < 0 || *gpus > 1024 {
		return usageError(e, "sim", fmt.Errorf("--gpus %d: want 0 to 1024", *gpus))
	}
	set := givenFlags(fs)
	cfg, name, err := simConfig(*preset, c, set)
	if err != nil {
		return usageError(e, "sim", err)
	}
	srv, err := sim.New(cfg)
	if err != nil {
		return usageError(e, "sim", err)
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench sim: %v\n", err)
		return exitFailed
	}
	hs := &http.Server{Handler: demo.Handler(srv, *gpus), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(e.stdout, "inferbench sim: listening on http://%s (preset %s)\n", ln.Addr(), name)

	ctx, cut, release := e.interruptible(ctx, "", "")
	defer release()
	select {
	case err := <-served:
		fmt.Fprintf(e.stderr, "inferbench sim: %v\n", err)
		return exitFailed
	case <-ctx.Done():
	}
	// Stop accepting, let streams in flight finish for a grace period (a
	// second interrupt cuts it short), then cut what is left.
	if err := shutdown(hs, simShutdownGrace, cut); err != nil {
		srv.Close() // ends the streams so their handlers return
		hs.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(e.stderr, "inferbench sim: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// simEngineFlags are the flags that describe a continuous-batching engine.
var simEngineFlags = []string{"prefill-per-token", "decode-step", "decode-step-per-seq", "max-batch", "kv-capacity", "max-batched-tokens"}

// simConfig merges the flags that were set onto the preset and returns the
// config and the name to print: the preset, or "custom" when timing flags
// stand alone. Without --preset, --ttft/--itl select exact mode and engine
// flags an engine built from them alone; with neither, the self-hosted
// preset serves.
func simConfig(preset string, flags sim.Config, set map[string]bool) (sim.Config, string, error) {
	engine := false
	for _, f := range simEngineFlags {
		engine = engine || set[f]
	}
	exact := set["ttft"] || set["itl"]
	var cfg sim.Config
	name := preset
	switch {
	case preset != "":
		p, err := sim.Preset(preset)
		if err != nil {
			return cfg, "", err
		}
		cfg = p
	case exact && engine:
		return cfg, "", errors.New("--ttft/--itl (exact mode) cannot be combined with engine flags (--" + strings.Join(simEngineFlags, ", --") + ")")
	case exact:
		cfg, name = sim.Config{Exact: true}, "custom"
	case engine:
		name = "custom"
	default:
		name = "self-hosted"
		cfg, _ = sim.Preset(name)
	}
	for f, apply := range map[string]func(){
		"model":                   func() { cfg.Model = flags.Model },
		"ttft":                    func() { cfg.TTFT = flags.TTFT },
		"itl":                     func() { cfg.ITL = flags.ITL },
		"prefill-per-token":       func() { cfg.PrefillPerToken = flags.PrefillPerToken },
		"decode-step":             func() { cfg.DecodeStep = flags.DecodeStep },
		"decode-step-per-seq":     func() { cfg.DecodeStepPerSeq = flags.DecodeStepPerSeq },
		"max-batch":               func() { cfg.MaxBatch = flags.MaxBatch },
		"kv-capacity":             func() { cfg.KVCapacityTokens = flags.KVCapacityTokens },
		"max-batched-tokens":      func() { cfg.MaxBatchedTokens = flags.MaxBatchedTokens },
		"input-latency-per-token": func() { cfg.InputLatencyPerToken = flags.InputLatencyPerToken },
		"network-latency":         func() { cfg.NetworkLatency = flags.NetworkLatency },
		"network-jitter":          func() { cfg.NetworkJitter = flags.NetworkJitter },
		"tokens-per-chunk":        func() { cfg.TokensPerChunk = flags.TokensPerChunk },
		"default-max-tokens":      func() { cfg.DefaultMaxTokens = flags.DefaultMaxTokens },
		"seed":                    func() { cfg.Seed = flags.Seed },
		"error-rate":              func() { cfg.Faults.ErrorRate = flags.Faults.ErrorRate },
		"rate-limit-rate":         func() { cfg.Faults.RateLimitRate = flags.Faults.RateLimitRate },
		"retry-after":             func() { cfg.Faults.RetryAfter = flags.Faults.RetryAfter },
		"disconnect-rate":         func() { cfg.Faults.DisconnectRate = flags.Faults.DisconnectRate },
		"malformed-rate":          func() { cfg.Faults.MalformedRate = flags.Faults.MalformedRate },
		"stall-rate":              func() { cfg.Faults.StallRate = flags.Faults.StallRate },
		"stall":                   func() { cfg.Faults.Stall = flags.Faults.Stall },
		"reasoning-tokens":        func() { cfg.Provider.ReasoningTokens = flags.Provider.ReasoningTokens },
		"cached-fraction":         func() { cfg.Provider.CachedFraction = flags.Provider.CachedFraction },
		"rpm":                     func() { cfg.Provider.RPM = flags.Provider.RPM },
		"tpm":                     func() { cfg.Provider.TPM = flags.Provider.TPM },
	} {
		if set[f] {
			apply()
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, "", err
	}
	return cfg, name, nil
}

// presetHelp lists the presets for the usage text.
func presetHelp() string {
	var b strings.Builder
	for _, n := range sim.PresetNames() {
		fmt.Fprintf(&b, "  %-12s %s\n", n, sim.PresetDoc(n))
	}
	return b.String()
}
