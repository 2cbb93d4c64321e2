package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/internal/cliflag"
	"github.com/inferbench/inferbench/livemetrics"
	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/suite"
)

const runSynopsis = `inferbench run (--base-url URL | --preset NAME | --targets FILE --target NAME) --model NAME --workload FILE
      (--rate R/s [--arrival poisson|constant|gamma:CV] | --concurrency N | --replay [--time-scale X])
      [--rate R1,R2,... | --concurrency N1,N2,... [--sweep-pause D] [--saturate --slo ttft=D,tpot=D]]
      [--sessions [--think-time D]] [--requests N] [--duration D] [--warmup N] --out DIR [--run-id ID]
      [--shard I/N --run-id ID [--start-at RFC3339]] [--metrics-listen ADDR]
      [--max-error-rate X] [--no-probe] [--output-len max|observed]`

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

func cmdRun(ctx context.Context, e *env, args []string) int {
	r := suite.NewRun()
	r.Target.Spec.APIKeyEnv = "OPENAI_API_KEY" // a bare URL's; a preset or a targets file names its own
	var slo sloFlag
	var quiet bool
	var metricsAddr string
	fs := cliflag.New("run", runSynopsis, runExamples, e.stderr)
	for _, s := range suite.Settings {
		if s.Flag != "" {
			cliflag.Bind(fs, s.Flag, s.Usage, s.Field(&r))
		}
	}
	fs.Var(&slo, "slo", "latency SLO for --saturate, `name=duration,...` with names ttft, tpot, e2e, itl")
	fs.BoolVar(&quiet, "quiet", false, "no progress output")
	fs.StringVar(&metricsAddr, "metrics-listen", "", "serve live Prometheus metrics at http://`ADDR`/metrics while the run goes (docs/live-metrics.md)")
	if err := cliflag.ParseNone(fs, args); err != nil {
		return usageError(e, "run", err)
	}
	r.Given = cliflag.Given(fs)
	if !r.Given["api-key-env"] && (r.Target.File != "" || r.Target.Spec.Preset != "") {
		r.Target.Spec.APIKeyEnv = ""
	}
	r.Load.SLO = slo.slo
	// Signals: the first stops scheduling and drains; the second cancels
	// the requests in flight.
	ctx, abort, release := e.interruptible(ctx,
		fmt.Sprintf("inferbench: stopping: no new requests; waiting up to %s for those in flight (Ctrl-C again to cancel them)", r.Load.DrainTimeout),
		"inferbench: canceling in-flight requests")
	defer release()
	metrics, stop, ok := e.serveMetrics("run", metricsAddr)
	if !ok {
		return exitFailed
	}
	defer stop()
	b, err := r.Build(suite.Env{Getenv: e.getenv, Tool: toolInfo(), Args: append([]string{"run"}, args...), Log: e.log, Abort: abort, Metrics: metrics, FS: e.fs})
	if err != nil {
		return usageError(e, "run", errors.New(bench.FormatProblems(err, flagName)))
	}
	if b.Unpriced != nil && !quiet {
		fmt.Fprintf(e.stderr, "inferbench run: note: %v; cost_usd will be 0 (give --price-in/--price-out, --price-provider or --prices FILE)\n", b.Unpriced)
	}
	var progress *bench.ProgressPrinter
	if !quiet {
		progress = e.progress(b.Plan.TargetInfo.Name)
		b.Observe(progress)
	}
	defer progress.Stop()
	if b.Sweep != nil {
		return runSweep(ctx, e, b.Sweep, progress, quiet, slo.String())
	}
	if !b.Plan.Outputs.StartAt.IsZero() && !quiet {
		fmt.Fprintf(e.stderr, "inferbench run: waiting until %s to start\n", b.Plan.Outputs.StartAt.Format(time.RFC3339Nano))
	}
	out, err := bench.Execute(ctx, b.Plan)
	progress.Stop()
	if err != nil {
		return runError(e, "", err)
	}
	if !quiet {
		printSummary(e, out)
	}
	fmt.Fprintf(e.stdout, "%s\n", out.Dir)
	failed := failureBanner(e, "run", out, flagName)
	switch {
	case out.Interrupted():
		return exitInterrupted
	case failed:
		return exitFailed
	}
	return exitOK
}

// serveMetrics serves live metrics on addr (none when addr is empty),
// saying where; ok is false when it cannot listen.
func (e *env) serveMetrics(cmd, addr string) (_ *livemetrics.Metrics, stop func(), ok bool) {
	if addr == "" {
		return nil, func() {}, true
	}
	m := livemetrics.New()
	srv, err := livemetrics.Serve(addr, m)
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench %s: --metrics-listen: %v\n", cmd, err)
		return nil, nil, false
	}
	fmt.Fprintf(e.stderr, "inferbench %s: live metrics at http://%s/metrics\n", cmd, srv.Addr)
	return m, func() { srv.Close() }, true
}

// runSweep runs each level of the ladder in turn, each into its own run
// directory RUN_ID-rN / RUN_ID-cN, printing each directory as it is done.
// With a judge (--saturate) it stops at the first level whose requests
// meet the SLO less often than reports.DefaultAttainment, and names the
// highest level that met it.
func runSweep(ctx context.Context, e *env, sp *bench.SweepPlan, progress *bench.ProgressPrinter, quiet bool, slo string) int {
	sp.OnLevel = func(i int, l bench.Level) {
		if !quiet {
			fmt.Fprintf(e.stderr, "inferbench run: sweep step %d/%d: %s\n", i+1, len(sp.Levels), l.Name)
		}
	}
	sp.OnDone = func(lo bench.LevelOutcome) {
		progress.Stop()
		if !quiet {
			printSummary(e, lo.Outcome)
		}
		fmt.Fprintf(e.stdout, "%s\n", lo.Outcome.Dir)
		if lo.Judged {
			fmt.Fprintf(e.stderr, "inferbench run: %s: %.1f%% of requests met the SLO\n", lo.Level.Name, 100*lo.Fraction)
		}
		failureBanner(e, "run", lo.Outcome, flagName)
	}
	out, err := bench.Sweep(ctx, *sp)
	progress.Stop()
	if err != nil {
		return runError(e, "", err)
	}
	for _, l := range out.Verdict(sp.Judge != nil, slo, reports.DefaultAttainment) {
		fmt.Fprintf(e.stderr, "inferbench run: %s\n", l)
	}
	switch {
	case out.Interrupted:
		return exitInterrupted
	case sp.Judge != nil && out.Best < 0 && !out.Failed:
		return exitThresholds
	case out.Failed:
		return exitFailed
	}
	return exitOK
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
	switch {
	case errors.Is(err, bench.ErrStartInterrupted):
		return exitInterrupted
	case errors.Is(err, bench.ErrProbeFailed):
		fmt.Fprintf(e.stderr, "inferbench run: %s\n", probeHint)
	}
	return exitFailed
}

func printSummary(e *env, out bench.Outcome) { fmt.Fprintln(e.stderr, out.Summary()) }
