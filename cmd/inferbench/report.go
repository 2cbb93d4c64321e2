package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/results"
)

const reportSynopsis = `inferbench report RUN_DIR... [--format text|md|json] [--slo ttft=500ms,tpot=50ms,e2e=10s,itl=200ms]
      [--price-in USD --price-out USD [--price-cached USD] | --gpu-hourly USD] [--out FILE]

Summarises one or more run directories side by side: request counts and
error classes, throughput, latency percentiles (nearest-rank; TTFT, TTFO,
TPOT, per-token ITL, E2E, user latency, schedule lag), goodput under an SLO,
token-count sources and cost. RUN_DIR may also be a folder of run
directories (such as the --out folder of several runs). Warm-up requests
are counted but left out of every figure. Definitions: docs/metrics.md.

Prices default to the snapshot in each run's manifest; prices given here
replace it for every run.`

const reportExamples = `  inferbench report runs/20261126-101500-sim
  inferbench report runs/ --format md --out report.md
  inferbench report runs/a runs/b --slo ttft=500ms,tpot=50ms
  inferbench report runs/api --price-in 2.50 --price-out 10 --price-cached 1.25 --format json
  inferbench report runs/vllm --gpu-hourly 8   # total $/hour of all the target's GPUs`

// cmdReport implements `inferbench report`.
func cmdReport(ctx context.Context, e *env, args []string) int {
	var (
		format                     = "text"
		slo                        sloFlag
		priceIn, priceOut, priceCa float64
		gpuHourly                  float64
		out                        string
	)
	fs := newFlagSet("report", reportSynopsis, reportExamples, e.stdout)
	fs.StringVar(&format, "format", format, "output `format`: text, md or json")
	fs.Var(&slo, "slo", "latency SLO for goodput, `name=duration,...` with names ttft, tpot, e2e, itl (the request's largest per-token gap); repeatable")
	fs.Float64Var(&priceIn, "price-in", 0, "input price, `USD` per 1M tokens (with --price-out)")
	fs.Float64Var(&priceOut, "price-out", 0, "output price, `USD` per 1M tokens (with --price-in)")
	fs.Float64Var(&priceCa, "price-cached", 0, "cached-input price, `USD` per 1M tokens (default: the --price-in price)")
	fs.Float64Var(&gpuHourly, "gpu-hourly", 0, "self-hosted price, `USD` per hour for all the target's GPUs together")
	fs.StringVar(&out, "out", "", "write the report to `FILE` instead of standard output")

	// The flag package prints the whole usage on any error; print it only
	// for -h (to stdout, exit 0) and keep errors to one clear line.
	usage := fs.Usage
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	dirs, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(e.stdout)
		usage()
		return exitOK
	}
	if err != nil {
		return usageError(e, "report", err)
	}

	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var problems []error
	if len(dirs) == 0 {
		problems = append(problems, errors.New("no run directories given"))
	}
	if !slices.Contains([]string{"text", "md", "json"}, format) {
		problems = append(problems, fmt.Errorf("unknown --format %q (want text, md or json)", format))
	}
	prices, err := pricesFromFlags(set, priceIn, priceOut, priceCa, gpuHourly)
	if err != nil {
		problems = append(problems, err)
	}
	if len(problems) > 0 {
		return usageError(e, "report", errors.Join(problems...))
	}

	runs, err := reports.LoadAll(dirs)
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench report: %v\n", err)
		return exitFailed
	}
	opt := reports.Options{SLO: slo.slo, Prices: prices}
	summaries := make([]reports.Summary, len(runs))
	for i, r := range runs {
		summaries[i] = reports.Summarize(r, opt)
	}
	var b bytes.Buffer
	switch format {
	case "md":
		err = reports.RenderMarkdown(&b, summaries)
	case "json":
		err = reports.RenderJSON(&b, summaries)
	default:
		err = reports.RenderText(&b, summaries)
	}
	if err == nil {
		if out != "" {
			err = os.WriteFile(out, b.Bytes(), 0o644)
		} else {
			_, err = e.stdout.Write(b.Bytes())
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench report: %v\n", err)
		return exitFailed
	}
	if out != "" {
		fmt.Fprintf(e.stderr, "inferbench report: wrote %s (%d run(s))\n", out, len(runs))
	}
	return exitOK
}

// pricesFromFlags checks the price flags and returns the prices they give,
// or nil when none was given (the manifests' snapshots then apply).
func pricesFromFlags(set map[string]bool, in, out, cached, hourly float64) (*results.Prices, error) {
	perToken := set["price-in"] || set["price-out"] || set["price-cached"]
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{{"price-in", in}, {"price-out", out}, {"price-cached", cached}, {"gpu-hourly", hourly}} {
		if set[f.name] && f.v < 0 {
			errs = append(errs, fmt.Errorf("--%s %v is negative", f.name, f.v))
		}
	}
	switch {
	case perToken && set["gpu-hourly"]:
		errs = append(errs, errors.New("--gpu-hourly and --price-in/--price-out/--price-cached exclude each other: price a target per token or per GPU-hour"))
	case perToken && !(set["price-in"] && set["price-out"]):
		errs = append(errs, errors.New("per-token prices need both --price-in and --price-out"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	switch {
	case set["gpu-hourly"]:
		return &results.Prices{GPUHourly: hourly, Source: "command line"}, nil
	case perToken:
		return &results.Prices{InputPer1M: in, OutputPer1M: out, CachedInputPer1M: cached, Source: "command line"}, nil
	}
	return nil, nil
}

// sloFlag is --slo: a comma-separated list of name=duration limits. It may
// be repeated; later limits replace earlier ones of the same name.
type sloFlag struct{ slo reports.SLO }

func (f *sloFlag) String() string {
	if f == nil {
		return ""
	}
	var parts []string
	for _, l := range []struct {
		name string
		d    time.Duration
	}{{"ttft", f.slo.TTFT}, {"tpot", f.slo.TPOT}, {"e2e", f.slo.E2E}, {"itl", f.slo.ITL}} {
		if l.d > 0 {
			parts = append(parts, l.name+"="+l.d.String())
		}
	}
	return strings.Join(parts, ",")
}

// Set parses the list and reports every bad item, not just the first.
func (f *sloFlag) Set(s string) error {
	next := f.slo
	var bad []string
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, val, ok := strings.Cut(item, "=")
		if !ok {
			bad = append(bad, fmt.Sprintf("%q: want name=duration", item))
			continue
		}
		var dst *time.Duration
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "ttft":
			dst = &next.TTFT
		case "tpot":
			dst = &next.TPOT
		case "e2e":
			dst = &next.E2E
		case "itl":
			dst = &next.ITL
		default:
			bad = append(bad, fmt.Sprintf("%q: unknown limit %q (want ttft, tpot, e2e or itl)", item, name))
			continue
		}
		d, err := time.ParseDuration(strings.TrimSpace(val))
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("%q: not a duration (like 500ms or 2s)", item))
		case d <= 0:
			bad = append(bad, fmt.Sprintf("%q: must be positive", item))
		default:
			*dst = d
		}
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	if next.IsZero() {
		return errors.New("no limits given (like ttft=500ms,tpot=50ms)")
	}
	f.slo = next
	return nil
}
