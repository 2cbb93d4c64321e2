package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/prices"
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

// runFlags are run's flags as given; plan turns them into a bench.Plan.
type runFlags struct {
	target       targetFlags
	price        priceFlags
	workloadPath string // "sample" = the bundled sample
	workloadOpts importFlags
	rates        rateList // one rate, or a sweep's ladder
	arrival      string
	concurrency  intList // one level, or a sweep's ladder
	replay       bool
	sweepPause   time.Duration
	saturate     bool
	slo          sloFlag
	shard        shardFlag
	startAt      string
	quiet        bool
	load         bench.Load
	outputs      bench.Outputs
	telemetry    bench.Telemetry
}

func (f *runFlags) register(fs *flag.FlagSet) {
	l, o, t := &f.load, &f.outputs, &f.telemetry
	f.target.register(fs)
	w := &f.workloadOpts
	fs.StringVar(&w.format, "workload-format", "", "workload file format: "+formatNames()+" (default: detected)")
	fs.StringVar(&w.Tokenizer, "tokenizer", "cl100k_base", "tokenizer that synthesised prompts of length-only traces are exact under (cl100k_base, o200k_base)")
	fs.Int64Var(&w.Seed, "workload-seed", 0, "seed of synthesised prompt text")
	fs.BoolVar(&w.KeepFailed, "keep-failed", false, "replay rows a trace records as failed (BurstGPT Response tokens 0)")
	fs.BoolVar(&w.SkipInvalid, "skip-invalid", false, "skip and count malformed workload rows instead of stopping")
	fs.StringVar(&f.workloadPath, "workload", "", `workload file (any supported format, see docs/workloads.md), or "sample" for the bundled sample (required)`)
	fs.Var(&f.rates, "rate", "open-loop arrival rate, e.g. 5/s, 300/m or 2.5; a list (1/s,2/s,4/s) sweeps: one run per rate, in order")
	fs.StringVar(&f.arrival, "arrival", "poisson", "arrival process for --rate: poisson, constant or gamma:CV")
	fs.Uint64Var(&l.Seed, "seed", 1, "seed of random arrivals (same seed, same schedule)")
	fs.Var(&f.concurrency, "concurrency", "closed loop: N virtual users, each sending when its last request finished; a list (1,2,4,8) sweeps: one run per level, in order")
	fs.DurationVar(&f.sweepPause, "sweep-pause", 0, "pause between the runs of a sweep")
	fs.BoolVar(&f.saturate, "saturate", false, "with a sweep: stop at the first level where fewer than 90% of requests meet --slo, and name the highest level that met it")
	fs.Var(&f.slo, "slo", "latency SLO for --saturate, `name=duration,...` with names ttft, tpot, e2e, itl")
	fs.BoolVar(&f.replay, "replay", false, "replay the workload's at_ms arrival offsets")
	fs.Float64Var(&l.TimeScale, "time-scale", 1, "replay speed factor: 0.1 replays ten times faster")
	fs.BoolVar(&l.Sessions, "sessions", false, "send requests sharing a session_id as conversations in turn order: the load starts each session, and each later turn waits for the previous answer (+ --think-time)")
	fs.DurationVar(&l.ThinkTime, "think-time", 0, "with --sessions: pause between a turn's answer and the session's next turn")
	fs.IntVar(&l.Requests, "requests", 0, "measured requests to send (default: one pass over the workload, or unlimited with --duration)")
	fs.DurationVar(&l.Duration, "duration", 0, "stop scheduling after this long (e.g. 2m)")
	fs.IntVar(&l.Warmup, "warmup", 0, "warm-up requests sent first, recorded with warmup=true and left out of reports")
	fs.IntVar(&l.MaxInFlight, "max-inflight", 0, "cap on concurrent requests in open loop (0 = none); delays show as schedule lag")
	fs.DurationVar(&l.SpinWait, "spin-wait", 0, "busy-wait this long before each open-loop send for sub-millisecond precision; costs CPU and can starve requests on a busy machine (0 = timers only)")
	fs.DurationVar(&l.RequestTimeout, "timeout", 10*time.Minute, "total timeout of one request")
	fs.DurationVar(&l.DrainTimeout, "drain-timeout", 30*time.Second, "how long in-flight requests may finish after scheduling stops")
	fs.StringVar(&o.Dir, "out", "", "results directory; the run is written to DIR/RUN_ID (required)")
	fs.StringVar(&o.RunID, "run-id", "", "name of the run (default: UTC time, target and a random suffix)")
	fs.Var(&f.shard, "shard", "run shard I of N (0-based) of a run split across load generators: keeps the workload's requests whose index % N == I (whole conversations with --sessions) and writes DIR/RUN_ID-shard-I-of-N; needs --run-id")
	fs.StringVar(&f.startAt, "start-at", "", "wait until this RFC 3339 wall-clock time before starting (at most 1h ahead; up to 1m in the past starts at once, lateness shows as schedule lag), so shards start together")
	f.price.register(fs)
	fs.IntVar(&o.PartRows, "part-rows", 10000, "start a new Parquet part after this many rows")
	fs.DurationVar(&o.PartInterval, "part-interval", 10*time.Second, "close the open Parquet part after this long, so a crash loses at most that much")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress output")
	fs.StringVar(&t.GPUMetricsURL, "gpu-metrics", "", "scrape this DCGM-style GPU metrics URL (dcgm-exporter, inferbench agent, inferbench sim's /gpu/metrics) into gpu.parquet")
	fs.StringVar(&t.ServerMetricsURL, "server-metrics", "", "scrape the engine's Prometheus /metrics URL into server_metrics.parquet (vLLM, SGLang, TGI, llama.cpp names understood)")
	fs.BoolVar(&t.NVML, "nvml", false, "sample this host's NVIDIA GPUs through NVML into gpu.parquet")
	fs.DurationVar(&t.Interval, "telemetry-interval", time.Second, "interval between telemetry samples")
}

func cmdRun(ctx context.Context, e *env, args []string) int {
	f := &runFlags{}
	fs := newFlagSet("run", runSynopsis, runExamples, e.stderr)
	f.register(fs)
	if err := parseFlagsOnly(fs, args); err != nil {
		return usageError(e, "run", err)
	}
	set := givenFlags(fs)
	f.target.set = set
	p, problems := f.plan(e, set)
	p.Args = append([]string{"run"}, args...)
	sweep := len(f.rates) > 1 || len(f.concurrency) > 1
	if set["sweep-pause"] && !sweep {
		problems = append(problems, errors.New("--sweep-pause needs a sweep (a list of rates or concurrencies)"))
	}
	if f.saturate && (!sweep || f.slo.slo.IsZero()) {
		problems = append(problems, errors.New("--saturate needs a sweep (a list of rates or concurrencies) and --slo"))
	}
	if set["slo"] && !f.saturate {
		problems = append(problems, errors.New("--slo is for --saturate; apply an SLO to a finished run with 'inferbench report --slo'"))
	}
	// Signals: the first stops scheduling and drains; the second cancels
	// the requests in flight.
	ctx, abort, release := e.interruptible(ctx,
		fmt.Sprintf("inferbench: stopping: no new requests; waiting up to %s for those in flight (Ctrl-C again to cancel them)", f.load.DrainTimeout),
		"inferbench: canceling in-flight requests")
	defer release()
	p.Abort = abort
	if sweep {
		sp := f.sweepPlan(p)
		if err := f.planProblems(&p, sp.Validate(), problems); err != nil {
			return usageError(e, "run", err)
		}
		return runSweep(ctx, e, f, sp)
	}
	if err := f.planProblems(&p, p.Validate(), problems); err != nil {
		return usageError(e, "run", err)
	}
	progress := f.progress(e, p.TargetInfo.Name)
	if progress != nil {
		p.Observers = append(p.Observers, progress)
	}
	if !p.Outputs.StartAt.IsZero() && !f.quiet {
		fmt.Fprintf(e.stderr, "inferbench run: waiting until %s to start\n", p.Outputs.StartAt.Format(time.RFC3339Nano))
	}
	out, err := bench.Execute(ctx, p)
	progress.stop()
	if err != nil {
		return runError(e, "", err)
	}
	f.summary(e, out)
	fmt.Fprintf(e.stdout, "%s\n", out.Dir)
	if out.Interrupted() {
		return exitInterrupted
	}
	return exitOK
}

// plan turns the flags into a plan: it loads the workload, builds the
// target and resolves the price. The problems are those of the flags that
// the plan's own Validate cannot see; a part that could not be built is
// left out of the plan, and its problem is among them.
func (f *runFlags) plan(e *env, set map[string]bool) (bench.Plan, []error) {
	p := bench.Plan{Load: f.load, Outputs: f.outputs, Telemetry: f.telemetry, Tool: toolInfo(),
		Log: func(s string) { fmt.Fprintf(e.stderr, "inferbench: %s\n", s) }}
	p.Outputs.Shard, p.Outputs.FS = f.shard.Shard, e.fs
	problems := f.target.validate()
	modes := 0
	for _, m := range []struct {
		flag string
		mode bench.Mode
	}{{"rate", bench.ModeRate}, {"concurrency", bench.ModeConcurrency}, {"replay", bench.ModeReplay}} {
		if set[m.flag] {
			modes++
			p.Load.Mode = m.mode
		}
	}
	if modes != 1 {
		p.Load.Mode = "" // Validate says to give exactly one
	}
	if len(f.rates) > 0 {
		p.Load.Rate = f.rates[0].perSec
	}
	if len(f.concurrency) > 0 {
		p.Load.Concurrency = f.concurrency[0]
	}
	var err error
	if p.Load.Arrival, err = workloads.ParseArrival(f.arrival); err != nil {
		problems = append(problems, fmt.Errorf("--%w", err))
	}
	if f.startAt != "" {
		if p.Outputs.StartAt, err = bench.ParseStartAt(f.startAt, time.Now()); err != nil {
			problems = append(problems, fmt.Errorf("--start-at %w", err))
		}
	}
	if f.workloadPath != "" {
		if p.Workload, err = f.loadWorkload(e); err != nil {
			problems = append(problems, err)
		}
	}
	if len(problems) > 0 {
		return p, problems // the target flags are wrong: build nothing
	}
	spec, err := f.target.build(e, &p)
	if err != nil {
		return p, append(problems, err)
	}
	if p.Prices, err = f.price.resolve(spec.Price, p.TargetInfo, f.target.where(spec.Name)); errors.Is(err, prices.ErrUnpriced) {
		if !f.quiet {
			fmt.Fprintf(e.stderr, "inferbench run: note: %v; cost_usd will be 0 (give --price-in/--price-out, --price-provider or --prices FILE)\n", err)
		}
	} else if err != nil {
		problems = append(problems, err)
	}
	return p, problems
}

// loadWorkload reads --workload as the workload flags say.
func (f *runFlags) loadWorkload(e *env) (*workloads.Workload, error) {
	opts, err := f.workloadOpts.options(e, "inferbench run: --workload")
	if err != nil {
		return nil, err // says which: an unknown format or tokenizer
	}
	w, err := workloads.Load(f.workloadPath, opts)
	if err != nil {
		return nil, fmt.Errorf("--workload: %w", err)
	}
	if w.Skipped > 0 {
		fmt.Fprintf(e.stderr, "inferbench run: --workload: skipped %d invalid line(s) of %s (--skip-invalid)%s\n", w.Skipped, w.Name, moreSkipped(w.Skipped))
	}
	return w, nil
}

// planProblems joins the flags' problems with the plan's (rendered with
// flag names), leaving out the plan's complaint about a target or a
// workload that the flags' problems say could not be built.
func (f *runFlags) planProblems(p *bench.Plan, planErr error, problems []error) error {
	explained := map[string]bool{"target": p.Target == nil && len(problems) > 0, "workload": p.Workload == nil && f.workloadPath != ""}
	if planErr != nil {
		for _, e := range planErr.(interface{ Unwrap() []error }).Unwrap() {
			var fe *bench.FieldError
			if errors.As(e, &fe) && explained[fe.Setting] {
				continue
			}
			problems = append(problems, e)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New(bench.FormatProblems(errors.Join(problems...), flagName))
}

// flagName names a plan's setting as its flag.
func flagName(setting string) string { return "--" + setting }

// runError prints an error of a run (after where, e.g. a sweep level's
// "rate 2/s: ") and returns the exit code: a usage error for a problem
// with the plan, exitInterrupted when a Ctrl-C ended the --start-at wait,
// else exitFailed.
func runError(e *env, where string, err error) int {
	if errors.Is(err, bench.ErrInvalidPlan) {
		return usageError(e, "run", errors.New(bench.FormatProblems(err, flagName)))
	}
	fmt.Fprintf(e.stderr, "inferbench run: %s%v\n", where, err)
	if errors.Is(err, bench.ErrStartInterrupted) {
		return exitInterrupted
	}
	return exitFailed
}

// progress is a progress printer for the run of target, or nil with
// --quiet.
func (f *runFlags) progress(e *env, target string) *progressPrinter {
	if f.quiet {
		return nil
	}
	return &progressPrinter{w: e.stderr, name: target}
}

// summary prints a finished run's counts (not with --quiet).
func (f *runFlags) summary(e *env, out bench.Outcome) {
	if f.quiet {
		return
	}
	printSummary(e, out)
}

func printSummary(e *env, out bench.Outcome) {
	c := out.Requests
	fmt.Fprintf(e.stderr, "%s: %d requests (%d ok, %d failed, %d canceled) in %s; stop reason: %s\n",
		out.Manifest.Target.Name, c.Sent, c.OK, c.Failed, c.Canceled, out.End.Sub(out.Start).Round(time.Millisecond), out.StopReason)
}
