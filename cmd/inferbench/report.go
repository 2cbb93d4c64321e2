package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/inferbench/inferbench/internal/cliflag"
	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/compose"
	"github.com/inferbench/inferbench/reports/decide"
	"github.com/inferbench/inferbench/suite"
)

const reportSynopsis = `inferbench report RUN_DIR... [--format text|md|json|html] [--slo ttft=500ms,tpot=50ms,e2e=10s,itl=200ms]
      [--percentiles nearest-rank|linear] [--fail-on EXPR]... [--allow-incomplete]
      [--price-in USD --price-out USD [--price-cached USD] | --gpu-hourly USD] [--out FILE]
      [--volume IN:OUT]... [--scorecard PLAN.yaml] [--month-hours 720] [--slo-attainment 90%]
      [--since 7d|2026-11-01] [--target NAME]...
inferbench report NIGHTLY_DIR... --trend [--format text|md|json|html] [--slo ...]
      [--price-in USD --price-out USD | --gpu-hourly USD] [--since 7d] [--target NAME]... [--out FILE]

Summarises one or more run directories side by side: request counts and
error classes, throughput, latency percentiles (nearest-rank, or numpy's
linear interpolation with --percentiles linear; TTFT, TTFO, TPOT, per-token
ITL, E2E, user latency, schedule lag), goodput under an SLO,
token-count sources and cost. RUN_DIR may also be a folder of run
directories (such as the --out folder of several runs). Warm-up requests
are counted but left out of every figure. Definitions: docs/metrics.md.

A run that did not complete (crashed, failed, canceled, no manifest) or a
shard group with a shard missing or given twice is still summarised, under
a warning that says so and how many of its requests survive on disk; but
--fail-on refuses to gate on it (exit 1) unless --allow-incomplete.

Prices default to the snapshot in each run's manifest; prices given here
replace it for every run, and a plan's per-target prices replace both.

When any target has a price, a cost comparison follows the table: per
target, cost per request and per 1M input, output and blended tokens at the
run's load and, for GPU-hour pricing, at the measured capacity (the highest
load of a sweep that met the SLO). --volume projects monthly cost, replicas
and break-even volumes; --scorecard adds a weighted build-vs-buy score and,
when the plan has components:, the component matrix (build when
differentiation > 5 and complexity < 7, else buy; docs/cost.md). Runs of
the same target at different loads form a sweep.

--trend reads many runs of the same targets (a nightly folder of run
directories) and shows, per target, TTFT, TPOT and E2E p50 and p95,
goodput (with --slo), error rate and all-in cost per 1M tokens night by
night, in order of start, each against the previous complete night, moves
of more than 10% marked as regressions or improvements (docs/ci.md). A run
that did not complete is shown, marked, and never the baseline. The HTML
page draws a line per target and metric, each night's point linking to
its run's manifest.json, relative to the folder of --out.`

const reportExamples = `  inferbench report runs/20261126-101500-sim
  inferbench report runs/ --format md --out report.md
  inferbench report runs/ --format html --out report.html   # one file, charts inline, opens offline
  inferbench report runs/a runs/b --slo ttft=500ms,tpot=50ms
  inferbench report runs/api --price-in 2.50 --price-out 10 --price-cached 1.25 --format json
  inferbench report runs/vllm --gpu-hourly 8   # total $/hour of all the target's GPUs
  inferbench report runs/ --volume 100M:20M --volume 1B:200M --scorecard plan.yaml
  inferbench report nightly/ --since 7d --target 'vllm-*' --format md
  inferbench report nightly/ --trend --since 30d --slo ttft=500ms --format html --out trend.html`

// cmdReport implements `inferbench report`.
func cmdReport(ctx context.Context, e *env, args []string) int {
	q := compose.Request{Format: "text", Energy: reports.EnergyPrice{PUE: 1}, MonthHours: float64(decide.DefaultMonthHours)}
	var (
		slo             sloFlag
		out             string
		volumes         volumesFlag
		attainment      = suite.Fraction(reports.DefaultAttainment)
		since           sinceFlag
		targets         cliflag.List
		allowIncomplete bool
	)
	fs := cliflag.New("report", reportSynopsis, reportExamples, e.stdout)
	fs.StringVar(&q.Format, "format", q.Format, "output `format`: text, md, json or html")
	fs.Var(&slo, "slo", "latency SLO for goodput, `name=duration,...` with names ttft, tpot, e2e, itl (the request's largest per-token gap); repeatable")
	failOn := thresholdsFlag{single: true}
	fs.Var(&failOn, "fail-on", "exit 3 when `EXPR` holds for any run, like 'ttft.p95 > 800ms' or 'error_rate > 1%' (docs/ci.md); repeatable")
	fs.Var(&q.Percentiles, "percentiles", "percentile `method`: nearest-rank (always an observed value) or linear (numpy's default, as vLLM and AIPerf report); --fail-on judges the same figures")
	fs.BoolVar(&allowIncomplete, "allow-incomplete", false, "let --fail-on gate runs that cannot carry a verdict (crashed, shards missing) instead of refusing them")
	fs.Float64Var(&q.PriceIn, "price-in", 0, "input price, `USD` per 1M tokens (with --price-out)")
	fs.Float64Var(&q.PriceOut, "price-out", 0, "output price, `USD` per 1M tokens (with --price-in)")
	fs.Float64Var(&q.Energy.USDPerKWh, "usd-per-kwh", 0, "electricity price, `USD` per kWh, to cost the measured GPU energy")
	fs.Float64Var(&q.Energy.PUE, "pue", 1, "power usage effectiveness multiplying GPU energy for its cost (1 = GPU boards only)")
	fs.Float64Var(&q.PriceCached, "price-cached", 0, "cached-input price, `USD` per 1M tokens (default: the --price-in price)")
	fs.Float64Var(&q.GPUHourly, "gpu-hourly", 0, "self-hosted price, `USD` per hour for all the target's GPUs together")
	fs.StringVar(&out, "out", "", "write the report to `FILE` instead of standard output")
	fs.Var(&volumes, "volume", "project monthly cost at `IN:OUT` tokens per month, suffixes K, M, B (or G), T, any case (like 100M:20M or 1.5B:300M); repeatable")
	fs.StringVar(&q.Scorecard, "scorecard", "", "build-vs-buy scorecard from the plan `FILE` (YAML or JSON: weights, per-kind and per-target scores, per-target prices); \"default\" for the defaults")
	fs.Float64Var(&q.MonthHours, "month-hours", q.MonthHours, "`hours` in the month of the projections")
	fs.Var(&attainment, "slo-attainment", "share of a run's requests that must meet the SLO for its load to count toward capacity (`percent`)")
	fs.Var(&since, "since", "only runs started within `AGE` (like 7d, 36h) or since a date (2026-11-01 or RFC 3339)")
	fs.Var(&targets, "target", "only runs of target `NAME` (a pattern like 'vllm-*'); repeatable")
	fs.BoolVar(&q.Trend, "trend", false, "the nightly trend: each target's runs night by night, with the change against the previous complete night")

	dirs, code, ok := parseQuiet(e, "report", fs, args)
	if !ok {
		return code
	}
	q.SLO, q.Volumes, q.Attainment, q.Given = slo.slo, volumes, float64(attainment), cliflag.Given(fs)
	var noDirs error
	if len(dirs) == 0 {
		noDirs = errors.New("no run directories given")
	}
	opt, err := q.Options(time.Now())
	if err := errors.Join(noDirs, err); err != nil {
		return usageError(e, "report", err)
	}
	runs, err := reports.LoadMatching(dirs, reports.Filter{Since: since.From(time.Now()), Targets: targets})
	var rep *compose.Report
	if err == nil {
		rep, err = q.Write(e.stdout, runs, opt, out)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench report: %v\n", err)
		return exitFailed
	}
	if out != "" {
		fmt.Fprintf(e.stderr, "inferbench report: wrote %s (%d run(s))\n", out, len(runs))
	}
	if len(failOn.list) == 0 {
		return exitOK
	}
	if err := reports.CheckComplete(runs...); err != nil {
		var ie *reports.IncompleteError
		errors.As(err, &ie)
		if !allowIncomplete {
			refuse(e, "report", ie.Reasons)
			return exitFailed
		}
		fmt.Fprintf(e.stderr, "inferbench report: gating on incomplete data (--allow-incomplete): %s\n", strings.Join(ie.Reasons, "; "))
	}
	return failOn.gate(e, "report", rep.Summaries())
}

// sloFlag is --slo: a comma-separated list of name=duration limits. It may
// be repeated; later limits replace earlier ones of the same name.
type sloFlag struct{ slo reports.SLO }

func (f *sloFlag) String() string { return f.slo.String() }

func (f *sloFlag) Set(s string) (err error) {
	f.slo, err = reports.ParseSLO(s, f.slo)
	return err
}

// volumesFlag is --volume, repeatable.
type volumesFlag []decide.Volume

func (f *volumesFlag) String() string {
	if f == nil {
		return ""
	}
	parts := make([]string, len(*f))
	for i, v := range *f {
		parts[i] = v.String()
	}
	return strings.Join(parts, ",")
}

func (f *volumesFlag) Set(s string) error {
	v, err := decide.ParseVolume(s)
	if err != nil {
		return err
	}
	*f = append(*f, v)
	return nil
}

// sinceFlag is --since: an age (7d, 36h, 2w, 90m) or a date or time.
type sinceFlag struct{ reports.Since }

func (f *sinceFlag) String() string { return f.Text }

func (f *sinceFlag) Set(s string) (err error) {
	f.Since, err = reports.ParseSince(s)
	return err
}
