package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/workloads"
)

const runSynopsis = `inferbench run --base-url URL --model NAME --workload FILE
      (--rate R/s [--arrival poisson|constant|gamma:CV] | --concurrency N | --replay [--time-scale X])
      [--requests N] [--duration D] [--warmup N] --out DIR [--run-id ID]`

const runExamples = `  # 5 requests per second, Poisson arrivals, 200 requests, against a local vLLM
  inferbench run --base-url http://127.0.0.1:8000/v1 --model meta-llama/Llama-3.1-8B-Instruct \
      --workload prompts.jsonl --rate 5/s --requests 200 --out runs

  # 16 virtual users for two minutes against OpenAI (key from $OPENAI_API_KEY)
  inferbench run --base-url https://api.openai.com/v1 --model gpt-4o-mini --kind api \
      --workload sample --concurrency 16 --duration 2m --out runs --price-in 0.15 --price-out 0.60

  # replay a recorded workload's own arrival times, ten times faster
  inferbench run --base-url http://127.0.0.1:8000/v1 --model sim --workload trace.jsonl \
      --replay --time-scale 0.1 --out runs`

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
	rate             rateFlag
	arrival          string
	seed             uint64
	concurrency      int
	replay           bool
	timeScale        float64
	requests, warmup int
	duration         time.Duration
	maxInFlight      int
	timeout, drain   time.Duration
	temperature      optFloat
	noUsage          bool
	out, runID       string
	prices           results.Prices
	partRows         int
	partInterval     time.Duration
	quiet            bool
	args             []string
}

func (p *runPlan) flags(fs *flag.FlagSet) {
	fs.StringVar(&p.baseURL, "base-url", "", "OpenAI-compatible base URL, including /v1 (required)")
	fs.StringVar(&p.model, "model", "", "model name sent in requests (required)")
	fs.StringVar(&p.apiKeyEnv, "api-key-env", "OPENAI_API_KEY", "environment variable holding the API key (the key is never written anywhere)")
	fs.StringVar(&p.targetName, "target-name", "", "name of the target in results and reports (default: the URL's host)")
	fs.StringVar(&p.kind, "kind", "", "target kind: api, managed or self-hosted (default self-hosted for loopback URLs, else api)")
	fs.StringVar(&p.provider, "provider", "", "provider label, e.g. openai, together, vllm")
	fs.StringVar(&p.workloadPath, "workload", "", `workload file (native JSON Lines), or "sample" for the bundled sample (required)`)
	fs.Var(&p.rate, "rate", "open-loop arrival rate, e.g. 5/s, 300/m or 2.5")
	fs.StringVar(&p.arrival, "arrival", "poisson", "arrival process for --rate: poisson, constant or gamma:CV")
	fs.Uint64Var(&p.seed, "seed", 1, "seed of random arrivals (same seed, same schedule)")
	fs.IntVar(&p.concurrency, "concurrency", 0, "closed loop: N virtual users, each sending when its last request finished")
	fs.BoolVar(&p.replay, "replay", false, "replay the workload's at_ms arrival offsets")
	fs.Float64Var(&p.timeScale, "time-scale", 1, "replay speed factor: 0.1 replays ten times faster")
	fs.IntVar(&p.requests, "requests", 0, "measured requests to send (default: one pass over the workload, or unlimited with --duration)")
	fs.DurationVar(&p.duration, "duration", 0, "stop scheduling after this long (e.g. 2m)")
	fs.IntVar(&p.warmup, "warmup", 0, "warm-up requests sent first, recorded with warmup=true and left out of reports")
	fs.IntVar(&p.maxInFlight, "max-inflight", 0, "cap on concurrent requests in open loop (0 = none); delays show as schedule lag")
	fs.DurationVar(&p.timeout, "timeout", 10*time.Minute, "total timeout of one request")
	fs.DurationVar(&p.drain, "drain-timeout", 30*time.Second, "how long in-flight requests may finish after scheduling stops")
	fs.Var(&p.temperature, "temperature", "sampling temperature sent with every request (0 is sent as 0)")
	fs.BoolVar(&p.noUsage, "no-usage", false, "do not send stream_options.include_usage (for servers that reject it)")
	fs.StringVar(&p.out, "out", "", "results directory; the run is written to DIR/RUN_ID (required)")
	fs.StringVar(&p.runID, "run-id", "", "name of the run (default: UTC time, target and a random suffix)")
	fs.Float64Var(&p.prices.InputPer1M, "price-in", 0, "USD per 1M input tokens (for cost_usd and the manifest's price snapshot)")
	fs.Float64Var(&p.prices.CachedInputPer1M, "price-cached", 0, "USD per 1M cached input tokens (default: --price-in)")
	fs.Float64Var(&p.prices.OutputPer1M, "price-out", 0, "USD per 1M output tokens")
	fs.Float64Var(&p.prices.GPUHourly, "gpu-hourly", 0, "USD per hour for all GPUs of a self-hosted target")
	fs.IntVar(&p.partRows, "part-rows", 10000, "start a new Parquet part after this many rows")
	fs.DurationVar(&p.partInterval, "part-interval", 10*time.Second, "close the open Parquet part after this long, so a crash loses at most that much")
	fs.BoolVar(&p.quiet, "quiet", false, "no progress output")
}

func cmdRun(ctx context.Context, e *env, args []string) int {
	p := &runPlan{args: append([]string{"run"}, args...)}
	fs := newFlagSet("run", runSynopsis, runExamples, e.stderr)
	p.flags(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(e, "run", err)
	}
	if len(pos) > 0 {
		return usageError(e, "run", fmt.Errorf("unexpected argument %q", pos[0]))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := p.validate(set); err != nil {
		return usageError(e, "run", err)
	}
	res, err := executeRun(ctx, e, p)
	if err != nil {
		var ue *usageErr
		if errors.As(err, &ue) {
			return usageError(e, "run", ue.err)
		}
		fmt.Fprintf(e.stderr, "inferbench run: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(e.stdout, "%s\n", res.dir)
	switch res.outcome.StopReason {
	case results.StopInterrupted, results.StopCanceled:
		return exitInterrupted
	}
	return exitOK
}

// usageErr marks a configuration problem found after flag parsing (exit 2).
type usageErr struct{ err error }

func (u *usageErr) Error() string { return u.err.Error() }

// validate reports every problem with the flags at once.
func (p *runPlan) validate(set map[string]bool) error {
	var errs []error
	if p.baseURL == "" {
		errs = append(errs, errors.New("--base-url is required"))
	} else if u, err := url.Parse(p.baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("--base-url %q: want http(s)://host[:port]/v1", p.baseURL))
	}
	if p.model == "" {
		errs = append(errs, errors.New("--model is required"))
	}
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
	if p.requests < 0 || p.warmup < 0 || p.duration < 0 || p.maxInFlight < 0 {
		errs = append(errs, errors.New("--requests, --warmup, --duration and --max-inflight must not be negative"))
	}
	switch p.kind {
	case "", "api", "managed", "self-hosted":
	default:
		errs = append(errs, fmt.Errorf("--kind %q: want api, managed or self-hosted", p.kind))
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

// executeRun loads the workload, builds the target, runs the plan and
// writes the run directory.
func executeRun(ctx context.Context, e *env, p *runPlan) (*runResult, error) {
	wl, err := loadWorkload(p.workloadPath)
	if err != nil {
		return nil, &usageErr{err}
	}
	if p.replay {
		if err := sortForReplay(wl.requests); err != nil {
			return nil, &usageErr{fmt.Errorf("--replay: %s: %w", wl.name, err)}
		}
	}

	u, _ := url.Parse(p.baseURL)
	loopback := isLoopback(u.Hostname())
	if p.kind == "" {
		p.kind = "api"
		if loopback {
			p.kind = "self-hosted"
		}
	}
	if p.targetName == "" {
		p.targetName = u.Host
	}
	key := ""
	if p.apiKeyEnv != "" {
		key = e.getenv(p.apiKeyEnv)
		if key == "" && !loopback {
			return nil, &usageErr{fmt.Errorf("$%s is not set: it must hold the API key for %s (or name another variable with --api-key-env)", p.apiKeyEnv, u.Host)}
		}
	}
	tcfg := targets.OpenAIConfig{
		BaseURL:  p.baseURL,
		Model:    p.model,
		APIKey:   key,
		Name:     p.targetName,
		Kind:     p.kind,
		Provider: p.provider,
		Timeout:  p.timeout,
	}
	if p.noUsage {
		f := false
		tcfg.IncludeUsage = &f
	}
	if p.temperature.set {
		t := p.temperature.v
		tcfg.Temperature = &t
	}
	target, err := targets.NewOpenAI(tcfg)
	if err != nil {
		return nil, &usageErr{err}
	}

	if p.runID == "" {
		p.runID = newRunID(time.Now(), p.targetName)
	}
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
	}
	load := results.LoadInfo{
		Requests: p.requests, DurationNs: int64(p.duration), Warmup: p.warmup,
		MaxInFlight: p.maxInFlight, TimeoutNs: int64(p.timeout), DrainNs: int64(p.drain),
	}
	switch {
	case p.concurrency > 0:
		cfg.Concurrency = p.concurrency
		load.Mode, load.Concurrency = "concurrency", p.concurrency
	case p.replay:
		offs := make([]time.Duration, len(wl.requests))
		for i := range wl.requests {
			offs[i], _ = wl.requests[i].At()
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
			Name: p.targetName, Kind: p.kind, Provider: p.provider, Protocol: "openai-chat",
			BaseURL: redactURL(u), Model: p.model, APIKeyEnv: p.apiKeyEnv,
			Simulated: p.simulated, SimConfig: p.simConfig,
		},
		Workload: results.WorkloadInfo{Name: wl.name, Path: wl.path, SHA256: wl.sha256, Requests: len(wl.requests)},
		Load:     load,
		Args:     p.args,
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
	planned := cfg.Planned()
	prog := bench.NewProgress(start, planned)
	counts := &man.Requests
	cfg.Sink = bench.SinkFunc(func(r results.Record) error {
		if err := w.Write(r); err != nil {
			return err
		}
		prog.Observe(&r)
		counts.Sent++
		switch {
		case r.Warmup:
			counts.Warmup++
		}
		switch r.Status {
		case results.StatusOK:
			counts.OK++
		case results.StatusCanceled:
			counts.Canceled++
		default:
			counts.Failed++
		}
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
		if r.OK() {
			r.CostUSD = tokenCost(&p.prices, r)
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
	man.EndedAt = time.Now().UTC()
	man.StopReason = outcome.StopReason
	if outcome.StopReason == "" {
		man.StopReason = results.StopFailed
	}
	man.Parts = w.Parts()
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
		s := prog.Snapshot()
		fmt.Fprintf(e.stderr, "%s: %d requests (%d ok, %d failed, %d canceled) in %s; stop reason: %s\n",
			p.targetName, s.Done, s.OK, s.Errors, s.Canceled, s.Elapsed.Round(time.Millisecond), man.StopReason)
	}
	return &runResult{dir: dir, manifest: man, outcome: outcome}, nil
}

// tokenCost prices one request from per-token prices (USD per 1M):
//
//	cost = (input - cached)·P_in + cached·P_cached + output·P_out, / 1e6
//
// P_cached defaults to P_in. Reasoning tokens are part of output.
func tokenCost(p *results.Prices, r *results.Record) float64 {
	if p.InputPer1M == 0 && p.OutputPer1M == 0 {
		return 0
	}
	cachedPrice := p.CachedInputPer1M
	if cachedPrice == 0 {
		cachedPrice = p.InputPer1M
	}
	uncached := max(r.InputTokens-r.CachedInputTokens, 0)
	return (float64(uncached)*p.InputPer1M + float64(r.CachedInputTokens)*cachedPrice + float64(r.OutputTokens)*p.OutputPer1M) / 1e6
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

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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
	requests           []workloads.Request
}
