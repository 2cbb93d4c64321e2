package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/reports"
)

// sweepPlan is the ladder of --rate or --concurrency levels over p; with
// --saturate the judge is reports' SLO rule.
func (f *runFlags) sweepPlan(p bench.Plan) bench.SweepPlan {
	sp := bench.SweepPlan{Plan: p, Pause: f.sweepPause}
	if len(f.rates) > 1 {
		for _, r := range f.rates {
			sp.Levels = append(sp.Levels, bench.Level{Name: "rate " + r.text, Rate: r.perSec})
		}
	} else {
		for _, n := range f.concurrency {
			sp.Levels = append(sp.Levels, bench.Level{Name: fmt.Sprintf("concurrency %d", n), Concurrency: n})
		}
	}
	if f.saturate {
		slo := f.slo.slo
		sp.Judge = func(dir string) (bool, float64, error) { return meetsSLO(dir, slo) }
	}
	return sp
}

// runSweep runs each level of the ladder in turn, each into its own run
// directory RUN_ID-rN / RUN_ID-cN, printing each directory as it is done.
// With --saturate it stops at the first level whose requests meet the SLO
// less often than reports.DefaultAttainment, and names the highest level
// that met it.
func runSweep(ctx context.Context, e *env, f *runFlags, sp bench.SweepPlan) int {
	var progress *progressPrinter
	if pp := f.progress(e, sp.Plan.TargetInfo.Name); pp != nil {
		progress = pp
		sp.Plan.Observers = append(sp.Plan.Observers, pp)
	}
	sp.OnLevel = func(i int, l bench.Level) {
		if !f.quiet {
			fmt.Fprintf(e.stderr, "inferbench run: sweep step %d/%d: %s\n", i+1, len(sp.Levels), l.Name)
		}
	}
	sp.OnDone = func(lo bench.LevelOutcome) {
		progress.stop()
		f.summary(e, lo.Outcome)
		fmt.Fprintf(e.stdout, "%s\n", lo.Outcome.Dir)
		if lo.Judged {
			fmt.Fprintf(e.stderr, "inferbench run: %s: %.1f%% of requests met the SLO\n", lo.Level.Name, 100*lo.Fraction)
		}
	}
	out, err := bench.Sweep(ctx, sp)
	progress.stop()
	if err != nil {
		return runError(e, "", err)
	}
	switch {
	case out.Interrupted:
		return exitInterrupted
	case !f.saturate:
		return exitOK
	case out.Best < 0:
		fmt.Fprintf(e.stderr, "inferbench run: saturation: no level met the SLO (%s) for %.0f%% of requests\n",
			f.slo.String(), 100*reports.DefaultAttainment)
		return exitThresholds
	}
	best := out.Levels[out.Best]
	fmt.Fprintf(e.stderr, "inferbench run: saturation: highest level meeting the SLO (%s) for %.0f%% of requests: %s (%s)\n",
		f.slo.String(), 100*reports.DefaultAttainment, best.Level.Name, best.Outcome.RunID)
	return exitOK
}

// meetsSLO reads a finished run and reports whether its measured requests
// met slo at least reports.DefaultAttainment of the time (failures count
// against it), and the fraction that did.
func meetsSLO(dir string, slo reports.SLO) (bool, float64, error) {
	run, err := reports.Load(dir)
	if err != nil {
		return false, 0, err
	}
	s := reports.Summarize(run, reports.Options{SLO: slo})
	if s.Goodput == nil {
		return false, 0, errors.New("no SLO")
	}
	return s.Goodput.Fraction >= reports.DefaultAttainment, s.Goodput.Fraction, nil
}
