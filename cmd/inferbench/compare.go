package main

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/inferbench/inferbench/internal/cliflag"
	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/compare"
	"github.com/inferbench/inferbench/suite"
)

const compareSynopsis = `inferbench compare BASE_RUN CAND_RUN [--format text|md|json|junit] [--fail-on EXPR]...
      [--allow-incomplete] [--unpaired] [--alpha 0.05] [--resamples 1000] [--seed 1] [--min-effect 2%]
      [--slo ttft=500ms,...]
      [--price-in USD --price-out USD [--price-cached USD] | --gpu-hourly USD]
      [--out FILE] [--md FILE] [--json FILE] [--junit FILE] [--text FILE]

Compares a candidate run with a baseline run, metric by metric: TTFT, TTFO,
TPOT, ITL, E2E, user latency and schedule lag (p50, p95, p99, mean),
throughput, error rate, goodput (with --slo) and cost. Each difference gets a
confidence interval computed from the per-request values (a seeded
bootstrap; Newcombe's interval for rates of errors; a Poisson interval for
throughput) and a verdict: better, worse or no significant change.

When both runs replayed the same workload with the same load mode and seed
(their manifests say so), requests pair by request_id, and latencies are
compared request by request: a bootstrap of the pairs and a Wilcoxon
signed-rank test of the differences, which find a small shift that two wide
distributions hide. Otherwise (or with --unpaired) the distributions are
compared: a bootstrap of each run and a Mann-Whitney test. Every output
says which, and how many pairs.

--fail-on gates a CI job: each EXPR says when to fail, on the candidate's
value, and may use the baseline's value as base:
  'ttft.p95 > 800ms'   'e2e.p99 > 1.10 * base'   'error_rate > 1%'
  'cost_per_1m_output > 1.05 * base'   'throughput.output_tok_s < 0.9 * base'
Metrics: ttft|ttfo|tpot|itl|e2e|user_latency|schedule_lag . p50|p90|p95|p99|max|mean,
error_rate, throughput.requests_per_s, throughput.output_tok_s, goodput.fraction,
goodput.req_s, cost_per_1m_output, cost_per_1m_input, cost_per_request.

A pair that cannot carry a verdict is refused (exit 1), naming the run and
why: a run that did not complete (crashed, failed, canceled, no manifest), a
shard group with a shard missing or given twice, or a candidate that
replayed another workload than the baseline. --allow-incomplete compares
them anyway, and every output then says the verdict rests on incomplete
data.

Exit status: 0 when every threshold passed (whatever the verdict), 3 when
one failed, 2 for a usage error (a bad expression names its column), 1 when
a run cannot be read or the pair is refused. Details: docs/ci.md.`

const compareExamples = `  inferbench compare runs/nightly-0412 runs/nightly-0413
  inferbench compare base/ cand/ --fail-on 'ttft.p95 > 1.10 * base' --fail-on 'error_rate > 1%'
  inferbench compare base/ cand/ --format md --junit junit.xml --json compare.json >> "$GITHUB_STEP_SUMMARY"`

// cmdCompare implements `inferbench compare`.
func cmdCompare(ctx context.Context, e *env, args []string) int {
	var (
		format                     = "text"
		failOn                     thresholdsFlag
		alpha                      = compare.DefaultAlpha
		resamples                  = compare.DefaultResamples
		seed                       = uint64(compare.DefaultSeed)
		minEffect                  = suite.Fraction(compare.DefaultMinEffect)
		slo                        sloFlag
		priceIn, priceOut, priceCa float64
		gpuHourly                  float64
		allowIncomplete, unpaired  bool
		outs                       = map[string]*string{"out": new(string), "md": new(string), "json": new(string), "junit": new(string), "text": new(string)}
	)
	fs := cliflag.New("compare", compareSynopsis, compareExamples, e.stdout)
	fs.StringVar(&format, "format", format, "standard output `format`: text, md, json or junit")
	fs.Var(&failOn, "fail-on", "fail (exit 3) when `EXPR` holds for the candidate, like 'ttft.p95 > 1.1 * base'; repeatable")
	fs.BoolVar(&allowIncomplete, "allow-incomplete", false, "compare runs that cannot carry a verdict (crashed, shards missing, another workload) instead of refusing them; the output says so")
	fs.Float64Var(&alpha, "alpha", alpha, "1 - confidence level of the intervals (0.05: 95% intervals)")
	fs.IntVar(&resamples, "resamples", resamples, "bootstrap resamples")
	fs.Uint64Var(&seed, "seed", seed, "bootstrap seed (the same seed gives the same intervals)")
	fs.BoolVar(&unpaired, "unpaired", false, "compare the two runs' distributions even when their requests pair (same workload, load mode and seed)")
	fs.Var(&minEffect, "min-effect", "smallest change, relative to the baseline, that a verdict counts (`percent`, like 2% or 0.02)")
	fs.Var(&slo, "slo", "latency SLO for goodput, `name=duration,...` with names ttft, tpot, e2e, itl; repeatable")
	fs.Float64Var(&priceIn, "price-in", 0, "input price, `USD` per 1M tokens, for both runs (with --price-out)")
	fs.Float64Var(&priceOut, "price-out", 0, "output price, `USD` per 1M tokens (with --price-in)")
	fs.Float64Var(&priceCa, "price-cached", 0, "cached-input price, `USD` per 1M tokens (default: the --price-in price)")
	fs.Float64Var(&gpuHourly, "gpu-hourly", 0, "self-hosted price, `USD` per hour for all the target's GPUs together")
	fs.StringVar(outs["out"], "out", "", "write the --format output to `FILE` instead of standard output")
	fs.StringVar(outs["md"], "md", "", "also write Markdown (for a CI job summary or a PR comment) to `FILE`")
	fs.StringVar(outs["json"], "json", "", "also write JSON to `FILE`")
	fs.StringVar(outs["junit"], "junit", "", "also write JUnit XML, one test case per threshold, to `FILE`")
	fs.StringVar(outs["text"], "text", "", "also write the text table to `FILE`")

	dirs, code, ok := parseQuiet(e, "compare", fs, args)
	if !ok {
		return code
	}
	var problems []error
	if len(dirs) != 2 {
		problems = append(problems, fmt.Errorf("want two run directories, BASE_RUN and CAND_RUN; got %d", len(dirs)))
	}
	if !slices.Contains(compare.Formats, format) {
		problems = append(problems, fmt.Errorf("unknown --format %q (want text, md, json or junit)", format))
	}
	me := float64(minEffect)
	if me == 0 {
		me = -1 // compare.Options: negative turns it off, 0 is the default
	}
	opt := compare.Options{Alpha: alpha, Resamples: resamples, Seed: seed, MinEffect: me, Unpaired: unpaired}
	prices, err := reports.OverridePrices(cliflag.Given(fs), priceIn, priceOut, priceCa, gpuHourly)
	opt.Options = reports.Options{SLO: slo.slo, Prices: prices}
	if err := errors.Join(append(problems, opt.Validate(), err)...); err != nil {
		return usageError(e, "compare", err)
	}
	base, err := compare.LoadRun(dirs[0])
	var cand *reports.RunData
	if err == nil {
		cand, err = compare.LoadRun(dirs[1])
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench compare: %v\n", err)
		return exitFailed
	}
	if problems := compare.Problems(base, cand); len(problems) > 0 && !allowIncomplete {
		refuse(e, "compare", problems)
		return exitFailed
	}
	return writeComparison(e, compare.Runs(base, cand, opt), failOn, format, outs)
}

// refuse says why a gate will not judge the data, one reason a line, and
// how to judge it anyway.
func refuse(e *env, cmd string, reasons []string) {
	fmt.Fprintf(e.stderr, "inferbench %s: refused: the data cannot carry a verdict:\n", cmd)
	for _, r := range reasons {
		fmt.Fprintf(e.stderr, "  %s\n", r)
	}
	fmt.Fprintf(e.stderr, "inferbench %s: --allow-incomplete judges it anyway, saying so in the output\n", cmd)
}

// writeComparison checks the thresholds, writes every requested output
// and returns the exit code.
func writeComparison(e *env, c *compare.Comparison, failOn thresholdsFlag, format string, outs map[string]*string) int {
	failed := c.Check(failOn.list)
	also := map[string]string{}
	for f, file := range outs {
		also[f] = *file
	}
	written, err := compare.WriteAll(e.stdout, c, format, also["out"], also)
	for _, file := range written {
		fmt.Fprintf(e.stderr, "inferbench compare: wrote %s\n", file)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench compare: %v\n", err)
		return exitFailed
	}
	if failed > 0 {
		fmt.Fprintf(e.stderr, "inferbench compare: %d of %d thresholds failed (verdict: %s)\n", failed, len(c.Thresholds), c.Verdict)
		return exitThresholds
	}
	return exitOK
}
