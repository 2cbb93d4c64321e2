package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/inferbench/inferbench/reports"
)

// rateList is --rate: one rate, or a comma-separated ladder of rates for a
// sweep ("1/s,2/s,4/s"). A repeated flag replaces the list.
type rateList []rateFlag

func (l *rateList) String() string {
	if l == nil {
		return ""
	}
	s := make([]string, len(*l))
	for i, r := range *l {
		s[i] = r.text
	}
	return strings.Join(s, ",")
}

func (l *rateList) Set(s string) error {
	var out rateList
	for part := range strings.SplitSeq(s, ",") {
		var r rateFlag
		if err := r.Set(strings.TrimSpace(part)); err != nil {
			return err
		}
		out = append(out, r)
	}
	*l = out
	return nil
}

// intList is --concurrency: one level, or a comma-separated ladder
// ("1,2,4,8"). Every level must be > 0.
type intList []int

func (l *intList) String() string {
	if l == nil {
		return ""
	}
	s := make([]string, len(*l))
	for i, n := range *l {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func (l *intList) Set(s string) error {
	var out intList
	for part := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n <= 0 {
			return fmt.Errorf("%q: want a positive number of virtual users, or a list such as 1,2,4,8", part)
		}
		out = append(out, n)
	}
	*l = out
	return nil
}

// sweepLevel is one step of a ladder: the plan with its load set, and the
// suffix that names its run directory.
type sweepLevel struct {
	label  string // "rate 2/s", "concurrency 4"
	suffix string // "-r2", "-c4": "-r"/"-c" and the 1-based step number
	plan   runPlan
}

// sweepLevels expands p into its ladder; nil when p is a single run.
func (p *runPlan) sweepLevels() []sweepLevel {
	var levels []sweepLevel
	switch {
	case len(p.rates) > 1:
		for i, r := range p.rates {
			c := *p
			c.rate, c.rates = r, nil
			levels = append(levels, sweepLevel{label: "rate " + r.text, suffix: fmt.Sprintf("-r%d", i+1), plan: c})
		}
	case len(p.concurrencies) > 1:
		for i, n := range p.concurrencies {
			c := *p
			c.concurrency, c.concurrencies = n, nil
			levels = append(levels, sweepLevel{label: fmt.Sprintf("concurrency %d", n), suffix: fmt.Sprintf("-c%d", i+1), plan: c})
		}
	}
	return levels
}

// runSweep runs each level of the ladder in turn, each into its own run
// directory RUN_ID-rN / RUN_ID-cN, printing each directory as it is done.
// With --saturate it stops at the first level whose requests meet the SLO
// less often than reports.DefaultAttainment, and names the highest level
// that met it.
func runSweep(ctx context.Context, e *env, p *runPlan, levels []sweepLevel) int {
	// Every level sends the same workload: read and prepare it once.
	wl, err := prepareWorkload(p)
	if err != nil {
		return runError(e, "", err)
	}
	base := p.runID
	best, bestID := -1, ""
	for i := range levels {
		lv := &levels[i]
		if i > 0 && p.sweepPause > 0 {
			if !pause(ctx, e, p.sweepPause) {
				return exitInterrupted
			}
		}
		lv.plan.runID, lv.plan.runIDSuffix, lv.plan.workload = base, lv.suffix, wl
		if !p.quiet {
			fmt.Fprintf(e.stderr, "inferbench run: sweep step %d/%d: %s\n", i+1, len(levels), lv.label)
		}
		res, err := executeRun(ctx, e, &lv.plan)
		if err != nil {
			return runError(e, lv.label+": ", err)
		}
		if base == "" {
			base = strings.TrimSuffix(strings.TrimSuffix(lv.plan.runID, p.shard.suffix()), lv.suffix)
		}
		fmt.Fprintf(e.stdout, "%s\n", res.dir)
		if res.interrupted() {
			return exitInterrupted
		}
		if !p.saturate {
			continue
		}
		met, frac, err := meetsSLO(res.dir, p.slo.slo)
		if err != nil {
			fmt.Fprintf(e.stderr, "inferbench run: %s: reading results: %v\n", lv.label, err)
			return exitFailed
		}
		fmt.Fprintf(e.stderr, "inferbench run: %s: %.1f%% of requests met the SLO\n", lv.label, 100*frac)
		if !met {
			break
		}
		best, bestID = i, lv.plan.runID
	}
	if !p.saturate {
		return exitOK
	}
	if best < 0 {
		fmt.Fprintf(e.stderr, "inferbench run: saturation: no level met the SLO (%s) for %.0f%% of requests\n",
			p.slo.String(), 100*reports.DefaultAttainment)
		return exitThresholds
	}
	fmt.Fprintf(e.stderr, "inferbench run: saturation: highest level meeting the SLO (%s) for %.0f%% of requests: %s (%s)\n",
		p.slo.String(), 100*reports.DefaultAttainment, levels[best].label, bestID)
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

// pause waits d (between sweep levels, or until --start-at); it reports
// false when a Ctrl-C or ctx ended the wait first.
func pause(ctx context.Context, e *env, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-e.interrupts: // nil in tests: never ready
	}
	return false
}
