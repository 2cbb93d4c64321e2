package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

const runSynopsis = `inferbench run (--base-url URL | --preset NAME | --targets FILE --target NAME) --model NAME --workload FILE
      (--rate R/s [--arrival poisson|constant|gamma:CV] | --concurrency N | --replay [--time-scale X])
      [--rate R1,R2,... | --concurrency N1,N2,... [--sweep-pause D] [--saturate --slo ttft=D,tpot=D]]
      [--sessions [--think-time D]] [--requests N] [--duration D] [--warmup N] --out DIR [--run-id ID]
      [--shard I/N --run-id ID [--start-at RFC3339]]`

const runExamples = `  # 5 requests per second, Poisson arrivals, 200 requests, against a local vLLM
  inferbench run --base-url http://127.0.0.1:8000/v1 --model meta-llama/Llama-3.1-8B-Instruct \
      --workload prompts.jsonl --rate 5/s --requests 200 --out runs

  # 16 virtual users for two minutes against OpenAI (key from $OPENAI_API_KEY)
  inferbench run --base-url https://api.openai.com/v1 --model gpt-4o-mini --kind api \
      --workload sample --concurrency 16 --duration 2m --out runs --price-in 0.15 --price-out 0.60

  # Anthropic through its preset, key from $ANTHROPIC_API_KEY, retrying 429s twice
  inferbench run --preset anthropic --model claude-sonnet-4-5 --workload sample \
      --concurrency 4 --requests 50 --retries 2 --out runs

  # a target declared in a targets file
  inferbench run --targets targets.yaml --target local-vllm --workload sample --rate 5/s --out runs

  # replay a recorded workload's own arrival times, ten times faster
  inferbench run --base-url http://127.0.0.1:8000/v1 --model sim --workload trace.jsonl \
      --replay --time-scale 0.1 --out runs

  # a sweep: one run per concurrency (runs/ID-c1 ... runs/ID-c4), stopping at the
  # first level where under 90% of requests meet the SLO
  inferbench run --base-url http://127.0.0.1:8000/v1 --model sim --workload sample \
      --concurrency 1,2,4,8 --requests 100 --saturate --slo ttft=500ms,tpot=50ms --out runs --run-id ladder

  # conversations: 2 new sessions a second, each turn 3 s after the last answer
  inferbench run --base-url http://127.0.0.1:8000/v1 --model sim --workload chats.jsonl \
      --rate 2/s --sessions --think-time 3s --out runs`

// runPlan is everything one run needs, from flags (cmdRun) or built in
// (cmdDemo).
type runPlan struct {
	baseURL, model   string
	apiKeyEnv        string
	targetName, kind string
	provider         string
	simulated        bool
	simConfig        map[string]any
	workloadPath     string // "sample" = the bundled sample
	workloadOpts     importFlags
	rate             rateFlag // this run's rate (one level of rates)
	rates            rateList // --rate: one rate, or a sweep's ladder
	arrival          string
	seed             uint64
	concurrency      int     // this run's virtual users
	concurrencies    intList // --concurrency: one level, or a sweep's ladder
	sweepPause       time.Duration
	saturate         bool
	slo              sloFlag
	replay           bool
	timeScale        float64
	sessions         bool
	thinkTime        time.Duration
	requests, warmup int
	duration         time.Duration
	maxInFlight      int
	spinWait         time.Duration
	timeout, drain   time.Duration
	temperature      optFloat
	noUsage          bool
	out, runID       string
	runIDSuffix      string // added to runID (given or generated): a sweep level's "-r2"
	shard            shardFlag
	startAt          string
	prices           results.Prices
	priceFlags       priceFlags         // catalogue lookups (prices.go)
	tokenPrice       *prices.TokenPrice // prices every request; nil = no per-token price
	partRows         int
	partInterval     time.Duration
	quiet            bool
	args             []string
	tf               targetFlags
	// Telemetry (issue 5): a DCGM-style GPU endpoint, the engine's
	// /metrics, local NVML, and the sampling interval.
	gpuMetrics, serverMetrics string
	nvml                      bool
	telemetryInterval         time.Duration

	// workload is prepared once for all levels of a sweep; nil: executeRun
	// prepares it.
	workload *loadedWorkload
}

func (p *runPlan) flags(fs *flag.FlagSet) {
	fs.StringVar(&p.baseURL, "base-url", "", "API base URL, including the version (/v1); optional with a --preset that has one")
	fs.StringVar(&p.model, "model", "", "model name sent in requests (required unless --targets gives it)")
	fs.StringVar(&p.apiKeyEnv, "api-key-env", "OPENAI_API_KEY", "environment variable holding the API key (the key is never written anywhere)")
	fs.StringVar(&p.targetName, "target-name", "", "name of the target in results and reports (default: the URL's host)")
	fs.StringVar(&p.kind, "kind", "", "target kind: api, managed or self-hosted (default self-hosted for loopback URLs, else api)")
	fs.StringVar(&p.provider, "provider", "", "provider label, e.g. openai, together, vllm")
	fs.StringVar(&p.workloadOpts.format, "workload-format", "", "workload file format: "+formatNames()+" (default: detected)")
	fs.StringVar(&p.workloadOpts.tokenizer, "tokenizer", "cl100k_base", "tokenizer that synthesised prompts of length-only traces are exact under (cl100k_base, o200k_base)")
	fs.Int64Var(&p.workloadOpts.seed, "workload-seed", 0, "seed of synthesised prompt text")
	fs.BoolVar(&p.workloadOpts.keepFailed, "keep-failed", false, "replay rows a trace records as failed (BurstGPT Response tokens 0)")
	fs.BoolVar(&p.workloadOpts.skipInvalid, "skip-invalid", false, "skip and count malformed workload rows instead of stopping")
	fs.StringVar(&p.workloadPath, "workload", "", `workload file (any supported format, see docs/workloads.md), or "sample" for the bundled sample (required)`)
	fs.Var(&p.rates, "rate", "open-loop arrival rate, e.g. 5/s, 300/m or 2.5; a list (1/s,2/s,4/s) sweeps: one run per rate, in order")
	fs.StringVar(&p.arrival, "arrival", "poisson", "arrival process for --rate: poisson, constant or gamma:CV")
	fs.Uint64Var(&p.seed, "seed", 1, "seed of random arrivals (same seed, same schedule)")
	fs.Var(&p.concurrencies, "concurrency", "closed loop: N virtual users, each sending when its last request finished; a list (1,2,4,8) sweeps: one run per level, in order")
	fs.DurationVar(&p.sweepPause, "sweep-pause", 0, "pause between the runs of a sweep")
	fs.BoolVar(&p.saturate, "saturate", false, "with a sweep: stop at the first level where fewer than 90% of requests meet --slo, and name the highest level that met it")
	fs.Var(&p.slo, "slo", "latency SLO for --saturate, `name=duration,...` with names ttft, tpot, e2e, itl")
	fs.BoolVar(&p.replay, "replay", false, "replay the workload's at_ms arrival offsets")
	fs.Float64Var(&p.timeScale, "time-scale", 1, "replay speed factor: 0.1 replays ten times faster")
	fs.BoolVar(&p.sessions, "sessions", false, "send requests sharing a session_id as conversations in turn order: the load starts each session, and each later turn waits for the previous answer (+ --think-time)")
	fs.DurationVar(&p.thinkTime, "think-time", 0, "with --sessions: pause between a turn's answer and the session's next turn")
	fs.IntVar(&p.requests, "requests", 0, "measured requests to send (default: one pass over the workload, or unlimited with --duration)")
	fs.DurationVar(&p.duration, "duration", 0, "stop scheduling after this long (e.g. 2m)")
	fs.IntVar(&p.warmup, "warmup", 0, "warm-up requests sent first, recorded with warmup=true and left out of reports")
	fs.IntVar(&p.maxInFlight, "max-inflight", 0, "cap on concurrent requests in open loop (0 = none); delays show as schedule lag")
	fs.DurationVar(&p.spinWait, "spin-wait", 0, "busy-wait this long before each open-loop send for sub-millisecond precision; costs CPU and can starve requests on a busy machine (0 = timers only)")
	fs.DurationVar(&p.timeout, "timeout", 10*time.Minute, "total timeout of one request")
	fs.DurationVar(&p.drain, "drain-timeout", 30*time.Second, "how long in-flight requests may finish after scheduling stops")
	fs.Var(&p.temperature, "temperature", "sampling temperature sent with every request (0 is sent as 0)")
	fs.BoolVar(&p.noUsage, "no-usage", false, "do not send stream_options.include_usage (for servers that reject it)")
	fs.StringVar(&p.out, "out", "", "results directory; the run is written to DIR/RUN_ID (required)")
	fs.StringVar(&p.runID, "run-id", "", "name of the run (default: UTC time, target and a random suffix)")
	fs.Var(&p.shard, "shard", "run shard I of N (0-based) of a run split across load generators: keeps the workload's requests whose index % N == I (whole conversations with --sessions) and writes DIR/RUN_ID-shard-I-of-N; needs --run-id")
	fs.StringVar(&p.startAt, "start-at", "", "wait until this RFC 3339 wall-clock time before starting (at most 1h ahead; up to 1m in the past starts at once, lateness shows as schedule lag), so shards start together")
	fs.Float64Var(&p.prices.InputPer1M, "price-in", 0, "USD per 1M input tokens (for cost_usd and the manifest's price snapshot)")
	fs.Float64Var(&p.prices.CachedInputPer1M, "price-cached", 0, "USD per 1M cached input tokens (default: --price-in)")
	fs.Float64Var(&p.prices.OutputPer1M, "price-out", 0, "USD per 1M output tokens")
	fs.Float64Var(&p.prices.GPUHourly, "gpu-hourly", 0, "USD per hour for all GPUs of a self-hosted target")
	fs.StringVar(&p.priceFlags.provider, "price-provider", "", "look up per-token prices for --model at this provider in the price catalogue (default: --provider; see 'inferbench prices')")
	fs.Var(&p.priceFlags.gpus, "gpus", "GPUs of a self-hosted target, TYPE:COUNT[:OFFER], e.g. H100-SXM-80GB:2:aws-on-demand; the offer's catalogue price sets --gpu-hourly")
	fs.StringVar(&p.priceFlags.file, "prices", "", "JSON file of prices that add to or replace price-catalogue entries (docs/prices.md)")
	fs.IntVar(&p.partRows, "part-rows", 10000, "start a new Parquet part after this many rows")
	fs.DurationVar(&p.partInterval, "part-interval", 10*time.Second, "close the open Parquet part after this long, so a crash loses at most that much")
	fs.BoolVar(&p.quiet, "quiet", false, "no progress output")
	p.tf.register(fs)
	fs.StringVar(&p.gpuMetrics, "gpu-metrics", "", "scrape this DCGM-style GPU metrics URL (dcgm-exporter, inferbench agent, inferbench sim's /gpu/metrics) into gpu.parquet")
	fs.StringVar(&p.serverMetrics, "server-metrics", "", "scrape the engine's Prometheus /metrics URL into server_metrics.parquet (vLLM, SGLang, TGI, llama.cpp names understood)")
	fs.BoolVar(&p.nvml, "nvml", false, "sample this host's NVIDIA GPUs through NVML into gpu.parquet")
	fs.DurationVar(&p.telemetryInterval, "telemetry-interval", time.Second, "interval between telemetry samples")
}

func cmdRun(ctx context.Context, e *env, args []string) int {
	p := &runPlan{args: append([]string{"run"}, args...)}
	fs := newFlagSet("run", runSynopsis, runExamples, e.stderr)
	p.flags(fs)
	if err := parseFlagsOnly(fs, args); err != nil {
		return usageError(e, "run", err)
	}
	set := givenFlags(fs)
	p.tf.set = set
	if len(p.rates) > 0 {
		p.rate = p.rates[0]
	}
	if len(p.concurrencies) > 0 {
		p.concurrency = p.concurrencies[0]
	}
	if err := p.validate(set); err != nil {
		return usageError(e, "run", err)
	}
	if levels := p.sweepLevels(); levels != nil {
		return runSweep(ctx, e, p, levels)
	}
	res, err := executeRun(ctx, e, p)
	if err != nil {
		return runError(e, "", err)
	}
	fmt.Fprintf(e.stdout, "%s\n", res.dir)
	if res.interrupted() {
		return exitInterrupted
	}
	return exitOK
}

// usageErr marks a configuration problem found after flag parsing (exit 2).
type usageErr struct{ err error }

func (u *usageErr) Error() string { return u.err.Error() }

// runError prints an executeRun error (after where, e.g. a sweep level's
// "rate 2/s: ") and returns the exit code: a usage error for a
// configuration problem, exitInterrupted when a Ctrl-C ended the --start-at
// wait, else exitFailed.
func runError(e *env, where string, err error) int {
	var ue *usageErr
	if errors.As(err, &ue) {
		return usageError(e, "run", ue.err)
	}
	fmt.Fprintf(e.stderr, "inferbench run: %s%v\n", where, err)
	if errors.Is(err, errStartWaitInterrupted) {
		return exitInterrupted
	}
	return exitFailed
}

// validate reports every problem with the flags at once.
func (p *runPlan) validate(set map[string]bool) error {
	errs := p.tf.validate(p)
	if p.workloadPath == "" {
		errs = append(errs, errors.New(`--workload is required (a JSON Lines file, or "sample")`))
	}
	if p.out == "" {
		errs = append(errs, errors.New("--out is required"))
	}
	modes := 0
	for _, m := range []string{"rate", "concurrency", "replay"} {
		if set[m] {
			modes++
		}
	}
	if modes != 1 {
		errs = append(errs, errors.New("give exactly one of --rate, --concurrency and --replay"))
	}
	if set["concurrency"] && p.concurrency <= 0 {
		errs = append(errs, fmt.Errorf("--concurrency must be > 0, got %d", p.concurrency))
	}
	if set["rate"] && p.rate.perSec <= 0 {
		errs = append(errs, errors.New("--rate must be > 0"))
	}
	if _, _, err := parseArrival(p.arrival); err != nil {
		errs = append(errs, err)
	}
	if p.timeScale <= 0 {
		errs = append(errs, fmt.Errorf("--time-scale must be > 0, got %g", p.timeScale))
	}
	if p.requests < 0 || p.warmup < 0 || p.duration < 0 || p.maxInFlight < 0 || p.thinkTime < 0 {
		errs = append(errs, errors.New("--requests, --warmup, --duration, --max-inflight and --think-time must not be negative"))
	}
	if set["think-time"] && !p.sessions {
		errs = append(errs, errors.New("--think-time needs --sessions"))
	}
	switch p.kind {
	case "", "api", "managed", "self-hosted":
	default:
		errs = append(errs, fmt.Errorf("--kind %q: want api, managed or self-hosted", p.kind))
	}
	for _, m := range []struct{ flag, v string }{{"--gpu-metrics", p.gpuMetrics}, {"--server-metrics", p.serverMetrics}} {
		if m.v == "" {
			continue
		}
		if u, err := url.Parse(m.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q: want an http(s) URL", m.flag, m.v))
		}
	}
	sweep := len(p.rates) > 1 || len(p.concurrencies) > 1
	if p.sweepPause < 0 {
		errs = append(errs, fmt.Errorf("--sweep-pause must not be negative, got %s", p.sweepPause))
	}
	if set["sweep-pause"] && !sweep {
		errs = append(errs, errors.New("--sweep-pause needs a sweep (a list of rates or concurrencies)"))
	}
	if p.shard.count > 0 && p.runID == "" {
		errs = append(errs, errors.New("--shard needs --run-id, the name all shards share"))
	}
	if p.startAt != "" {
		if _, err := parseStartAt(p.startAt, time.Now()); err != nil {
			errs = append(errs, err)
		}
		if sweep {
			errs = append(errs, errors.New("--start-at starts one run, not a sweep"))
		}
	}
	if p.saturate && (!sweep || p.slo.slo.IsZero()) {
		errs = append(errs, errors.New("--saturate needs a sweep (a list of rates or concurrencies) and --slo"))
	}
	if set["slo"] && !p.saturate {
		errs = append(errs, errors.New("--slo is for --saturate; apply an SLO to a finished run with 'inferbench report --slo'"))
	}
	if p.telemetryInterval <= 0 {
		errs = append(errs, fmt.Errorf("--telemetry-interval must be > 0, got %s", p.telemetryInterval))
	}
	if p.runID != "" && !validRunID.MatchString(p.runID) {
		errs = append(errs, fmt.Errorf("--run-id %q: use letters, digits, '.', '_' and '-'", p.runID))
	}
	if (p.prices.InputPer1M > 0 || p.prices.OutputPer1M > 0) && p.prices.GPUHourly > 0 {
		errs = append(errs, errors.New("give per-token prices or --gpu-hourly, not both"))
	}
	return errors.Join(errs...)
}

var validRunID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func parseArrival(s string) (kind string, cv float64, err error) {
	switch {
	case s == "poisson", s == "constant":
		return s, 0, nil
	case strings.HasPrefix(s, "gamma:"):
		if _, err := fmt.Sscanf(s[len("gamma:"):], "%g", &cv); err != nil || cv <= 0 {
			return "", 0, fmt.Errorf("--arrival %q: want gamma:CV with CV > 0 (1 = Poisson, 2 = bursty)", s)
		}
		return "gamma", cv, nil
	}
	return "", 0, fmt.Errorf("--arrival %q: want poisson, constant or gamma:CV", s)
}

type runResult struct {
	dir      string
	manifest *results.Manifest
	outcome  bench.Outcome
}

// interrupted says whether a Ctrl-C (or ctx) stopped the run early.
func (r *runResult) interrupted() bool {
	switch r.outcome.StopReason {
	case results.StopInterrupted, results.StopCanceled:
		return true
	}
	return false
}

// executeRun loads the workload, builds the target, runs the plan and
// writes the run directory.
func executeRun(ctx context.Context, e *env, p *runPlan) (*runResult, error) {
	wl := p.workload
	if wl == nil {
		var err error
		if wl, err = prepareWorkload(p); err != nil {
			return nil, err
		}
	}

	target, err := buildTarget(e, p)
	if err != nil {
		return nil, &usageErr{err}
	}
	if err := resolveRunPrices(e, p); err != nil {
		return nil, &usageErr{err}
	}
	u, _ := url.Parse(p.baseURL)

	if p.runID == "" {
		p.runID = newRunID(time.Now(), p.targetName)
	}
	p.runID += p.runIDSuffix
	group := p.runID
	p.runID += p.shard.suffix()
	dir := filepath.Join(p.out, p.runID)
	if _, err := os.Stat(dir); err == nil {
		return nil, &usageErr{fmt.Errorf("%s already exists; choose another --run-id or --out", dir)}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}

	cfg := bench.Config{
		Target:       target,
		Workload:     wl.requests,
		Requests:     p.requests,
		Duration:     p.duration,
		Warmup:       p.warmup,
		MaxInFlight:  p.maxInFlight,
		DrainTimeout: p.drain,
		SpinWait:     p.spinWait,
		Sessions:     p.sessions,
		ThinkTime:    p.thinkTime,
	}
	load := results.LoadInfo{
		Requests: p.requests, DurationNs: int64(p.duration), Warmup: p.warmup,
		MaxInFlight: p.maxInFlight, TimeoutNs: int64(p.timeout), DrainNs: int64(p.drain),
		Sessions: p.sessions, ThinkTimeNs: int64(p.thinkTime),
	}
	switch {
	case p.concurrency > 0:
		cfg.Concurrency = p.concurrency
		load.Mode, load.Concurrency = "concurrency", p.concurrency
	case p.replay:
		// With sessions only each conversation's first turn is paced;
		// later turns follow their answers.
		starts := bench.SessionStarts(wl.requests, p.sessions)
		offs := make([]time.Duration, len(starts))
		for i, wi := range starts {
			offs[i], _ = wl.requests[wi].At()
		}
		cfg.Pacer, cfg.Replay = bench.ReplayPacer(offs, p.timeScale), true
		load.Mode, load.TimeScale = "replay", p.timeScale
	default:
		kind, cv, _ := parseArrival(p.arrival)
		switch kind {
		case "constant":
			cfg.Pacer = bench.ConstantPacer(p.rate.perSec)
		case "gamma":
			cfg.Pacer = bench.GammaPacer(p.rate.perSec, cv, p.seed)
		default:
			cfg.Pacer = bench.PoissonPacer(p.rate.perSec, p.seed)
		}
		load.Mode, load.Rate, load.Arrival, load.Seed = "rate", p.rate.perSec, p.arrival, int64(p.seed)
	}

	start := time.Now()
	var startAt time.Time
	if p.startAt != "" {
		at, err := parseStartAt(p.startAt, start)
		if err != nil {
			return nil, &usageErr{err}
		}
		if !p.quiet {
			fmt.Fprintf(e.stderr, "inferbench run: waiting until %s to start\n", at.Format(time.RFC3339Nano))
		}
		var ok bool
		if start, ok = waitStart(ctx, e, at); !ok {
			os.RemoveAll(dir) // nothing was sent: leave no half run behind
			return nil, errStartWaitInterrupted
		}
		startAt = at
	}
	cfg.Start = start
	host, _ := os.Hostname()
	man := &results.Manifest{
		SchemaVersion: results.SchemaVersion,
		RunID:         p.runID,
		Tool:          toolInfo(),
		Host:          hostInfo(host),
		StartedAt:     start.UTC(),
		StopReason:    results.StopRunning,
		Target: results.TargetInfo{
			Name: p.targetName, Kind: p.kind, Provider: p.provider, Protocol: p.tf.resolvedProtocol,
			BaseURL: redactURL(u), Model: p.model, APIKeyEnv: p.apiKeyEnv,
			Simulated: p.simulated, SimConfig: p.simConfig,
		},
		Workload: results.WorkloadInfo{Name: wl.name, Path: wl.path, Format: wl.format, SHA256: wl.sha256, Requests: len(wl.requests), Skipped: wl.skipped},
		Load:     load,
		Args:     p.args,
	}
	if p.shard.count > 0 {
		man.Shard = &results.ShardInfo{Index: p.shard.index, Count: p.shard.count, Group: group, StartAt: startAt.UTC()}
	}
	if p.prices != (results.Prices{}) {
		pr := p.prices
		if pr.Source == "" {
			pr.Source = "command line"
		}
		man.Prices = &pr
	}
	if err := results.WriteManifest(dir, man); err != nil {
		return nil, err
	}

	w, err := results.NewWriter(dir, p.runID, results.WriterConfig{PartRows: p.partRows, PartInterval: p.partInterval})
	if err != nil {
		return nil, err
	}
	tel, err := startTelemetry(ctx, e, p, dir, results.NewClock(start))
	if err != nil {
		w.Close()
		return nil, err
	}
	planned := cfg.Planned()
	prog := bench.NewProgress(start, planned)
	cfg.Sink = bench.SinkFunc(func(r results.Record) error {
		if err := w.Write(r); err != nil {
			return err
		}
		prog.Observe(&r)
		return nil
	})
	cfg.Stamp = func(r *results.Record) {
		r.RunID = p.runID
		r.Target = p.targetName
		r.TargetKind = p.kind
		r.Provider = p.provider
		r.Model = p.model
		r.Workload = wl.name
		r.Simulated = p.simulated
		if p.tokenPrice != nil && r.OK() {
			r.CostUSD = prices.RecordCost(*man.Prices, r)
		}
	}

	// Signals: the first stops scheduling and drains; the second cancels
	// in-flight requests.
	schedCtx, stop := context.WithCancel(ctx)
	defer stop()
	abort := make(chan struct{})
	cfg.Abort = abort
	sigDone := make(chan struct{})
	defer close(sigDone)
	if e.interrupts != nil {
		go func() {
			n := 0
			for {
				select {
				case <-e.interrupts:
					n++
					if n == 1 {
						fmt.Fprintf(e.stderr, "\ninferbench: stopping: no new requests; waiting up to %s for those in flight (Ctrl-C again to cancel them)\n", p.drain)
						stop()
					} else {
						fmt.Fprintln(e.stderr, "\ninferbench: canceling in-flight requests")
						close(abort)
						return
					}
				case <-sigDone:
					return
				}
			}
		}()
	}

	var progDone chan struct{}
	if !p.quiet {
		progDone = make(chan struct{})
		stopProg := startProgress(e.stderr, p.targetName, prog, progDone)
		defer stopProg()
	}

	outcome, runErr := bench.Run(schedCtx, cfg)
	if progDone != nil {
		close(progDone)
	}
	closeErr := w.Close()
	if tel != nil {
		info, err := tel.stop()
		man.Telemetry = info
		if err != nil {
			fmt.Fprintf(e.stderr, "inferbench: telemetry: %v\n", err)
		}
	}
	man.EndedAt = time.Now().UTC()
	man.StopReason = outcome.StopReason
	if outcome.StopReason == "" {
		man.StopReason = results.StopFailed
	}
	man.Parts = w.Parts()
	// The manifest's counts are the progress counters: both count every
	// record the writer took.
	s := prog.Snapshot()
	man.Requests = results.RequestCounts{Sent: s.Done, OK: s.OK, Failed: s.Errors, Canceled: s.Canceled, Warmup: s.Warmup}
	if runErr != nil {
		man.StopDetail = runErr.Error()
	} else if closeErr != nil {
		man.StopReason, man.StopDetail = results.StopFailed, closeErr.Error()
	}
	if err := results.WriteManifest(dir, man); err != nil {
		return nil, err
	}
	if err := errors.Join(runErr, closeErr); err != nil {
		return nil, err
	}
	if !p.quiet {
		fmt.Fprintf(e.stderr, "%s: %d requests (%d ok, %d failed, %d canceled) in %s; stop reason: %s\n",
			p.targetName, s.Done, s.OK, s.Errors, s.Canceled, s.Elapsed.Round(time.Millisecond), man.StopReason)
	}
	return &runResult{dir: dir, manifest: man, outcome: outcome}, nil
}

// prepareWorkload loads the plan's workload and keeps this shard's part,
// in replay order with --replay. Configuration problems are usage errors.
func prepareWorkload(p *runPlan) (*loadedWorkload, error) {
	wl, err := loadWorkload(p.workloadPath, p.workloadOpts)
	if err != nil {
		return nil, &usageErr{err}
	}
	if p.shard.count > 1 {
		wl.requests = shardWorkload(wl.requests, p.shard, p.sessions)
		if len(wl.requests) == 0 {
			return nil, &usageErr{fmt.Errorf("--shard %s: %s has no requests for this shard", p.shard.String(), wl.name)}
		}
	}
	if p.replay {
		if err := sortForReplay(wl.requests); err != nil {
			return nil, &usageErr{fmt.Errorf("--replay: %s: %w", wl.name, err)}
		}
	}
	return wl, nil
}

func newRunID(t time.Time, target string) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, target)
	return t.UTC().Format("20060102T150405Z") + "-" + name + "-" + hex.EncodeToString(b[:])
}

// redactURL drops user info and query strings, which may carry keys.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	return c.String()
}

// loadedWorkload is a workload with its identity for the manifest.
type loadedWorkload struct {
	name, path, sha256 string
	format             string
	skipped            int // invalid rows skipped (--skip-invalid)
	requests           []workloads.Request
}
