package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/examples"
	"github.com/inferbench/inferbench/internal/cliflag"
	"github.com/inferbench/inferbench/suite"
)

const demoSynopsis = `inferbench demo [--out DIR] [--time-scale X] [--requests N] [--format text|md|json|html] [--html FILE] [--quiet]

Runs examples/demo.suite.yaml (built in): three simulated targets at once, an
API and a managed host replaying the bundled sample, and a self-hosted engine
swept over concurrency levels until it breaks the SLO (its capacity). Each
demo writes a folder of its own, DIR/YYYYMMDDTHHMMSSZ-demo-XXXXXX/ (UTC time,
six random hex digits): a run directory per target and sweep level and the
report as report.md, report.json and report.html.`

const demoExamples = `  inferbench demo                      # about a minute, writes demo-runs/YYYYMMDDTHHMMSSZ-demo-XXXXXX/
  inferbench demo --time-scale 1       # replay the sample at its recorded pace (~100 s)
  inferbench demo --format md > demo.md`

func cmdDemo(ctx context.Context, e *env, args []string) int {
	sr := &suiteRun{cmd: "demo"}
	fs := cliflag.New("demo", demoSynopsis, demoExamples, e.stderr)
	sr.register(fs, "demo-runs")
	scale := fs.Float64("time-scale", 0.5, "replay speed of the sample's recorded arrivals (0.5 = twice as fast)")
	requests := fs.Int("requests", 0, "send only the first N requests of the sample (default all 300), and N at each level of the self-hosted sweep (default the suite's)")
	fs.StringVar(&sr.html, "html", "", "also write the HTML report (charts) to this `FILE`")
	if err := cliflag.ParseNone(fs, args); err != nil {
		return usageError(e, "demo", err)
	}
	if *scale <= 0 || *requests < 0 {
		return usageError(e, "demo", errors.New("--time-scale must be > 0 and --requests >= 0"))
	}
	s, err := suite.Parse("examples/demo.suite.yaml", examples.DemoSuite)
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench demo: %v\n", err)
		return exitFailed
	}
	s.Name = bench.NewRunID(time.Now(), "demo") // a folder of its own each time
	for _, t := range s.Entries {
		if t.Run.Load.Replay {
			t.Run.Load.TimeScale = *scale
		}
		if *requests > 0 || t.Run.Load.Replay {
			t.Run.Load.Requests = *requests
		}
	}
	fmt.Fprintf(e.stderr, "inferbench demo: three simulated targets (no network beyond loopback, no API keys)\n")
	fmt.Fprintf(e.stderr, "replaying the bundled sample (300 chat requests, Azure 2023 conversation arrivals) at x%g speed;\n", 1 / *scale)
	fmt.Fprintf(e.stderr, "the self-hosted engine is swept over concurrency levels until it breaks the SLO: its capacity\n")
	code := sr.run(ctx, e, s, args)
	if code == exitOK {
		dir := filepath.Join(sr.out, s.Name)
		fmt.Fprintf(e.stderr, "\nAll three targets are SIMULATED (inferbench sim presets api, managed, self-hosted).\n")
		fmt.Fprintf(e.stderr, "Runs written to %s; report them again with:\n  inferbench report %s --slo %s\n", dir, dir, s.SLO)
	}
	return code
}
