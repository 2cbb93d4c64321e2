package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/demo"
	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/decide"
	"github.com/inferbench/inferbench/reports/html"
	"github.com/inferbench/inferbench/workloads"
)

const demoSynopsis = `inferbench demo [--out DIR] [--time-scale X] [--requests N] [--format text|md|json]`

const demoExamples = `  inferbench demo                      # about a minute, writes demo-runs/demo-<time>/
  inferbench demo --time-scale 1       # replay the sample at its recorded pace (~100 s)
  inferbench demo --format md > demo.md`

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
	if !(*scale >= workloads.MinTimeScale && *scale <= workloads.MaxTimeScale) || *requests < 0 || *requests > bench.MaxRequests {
		return usageError(e, "demo", fmt.Errorf("--time-scale must be from %g to %g and --requests from 0 to %d",
			workloads.MinTimeScale, workloads.MaxTimeScale, bench.MaxRequests))
	}
	render, ok := renderers[*format]
	if !ok && *format != "html" {
		return usageError(e, "demo", fmt.Errorf("--format %q: want text, md, json or html", *format))
	}

	base := demo.Dir(*out)
	fmt.Fprintf(e.stderr, "inferbench demo: three simulated targets (no network beyond loopback, no API keys)\n")
	fmt.Fprintf(e.stderr, "replaying the bundled sample (300 chat requests, Azure 2023 conversation arrivals) at x%g speed\n", 1 / *scale)

	ctx, abort, release := e.interruptible(ctx, "inferbench demo: stopping: no new requests (Ctrl-C again to cancel those in flight)", "")
	defer release()
	var printers []*progressPrinter
	opts := demo.Options{Dir: base, TimeScale: *scale, Requests: *requests, Tool: toolInfo(), Abort: abort,
		Log: func(s string) { fmt.Fprintf(e.stderr, "inferbench: %s\n", s) }}
	if !*quiet {
		opts.Observers = func(target string) []bench.Observer {
			p := &progressPrinter{w: e.stderr, name: target}
			printers = append(printers, p)
			return []bench.Observer{p}
		}
	}
	outs, err := demo.Execute(ctx, opts)
	for _, p := range printers {
		p.stop()
	}
	if errors.Is(err, bench.ErrInvalidPlan) {
		return usageError(e, "demo", err)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench demo: %v\n", err)
		return exitFailed
	}
	var dirs []string
	for _, o := range outs {
		if !*quiet {
			printSummary(e, o)
		}
		dirs = append(dirs, o.Dir)
	}
	runs, err := reports.LoadAll(dirs)
	if errors.Is(err, bench.ErrInvalidPlan) {
		return usageError(e, "demo", err)
	}
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
	if errors.Is(err, bench.ErrInvalidPlan) {
		return usageError(e, "demo", err)
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
