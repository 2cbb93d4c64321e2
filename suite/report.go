package suite

import (
	"cmp"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/compose"
	"github.com/inferbench/inferbench/reports/decide"
)

// Formats are the formats of a suite's report, in the order they are
// written beside the runs (text goes to the terminal).
var Formats = compose.Formats

// Report reads the runs of out and writes the report beside them, as
// report.md, report.json and report.html in the suite's directory, made
// at now: the summary of each run, the decision (cost, capacity,
// projections at the suite's volumes, the scorecard, the component
// matrix) and the HTML page. It returns the report (for the terminal and
// the gates) and the files written.
func (s *Suite) Report(out *Outcome, now time.Time) (*compose.Report, []string, error) {
	var dirs []string
	for _, r := range out.Runs {
		dirs = append(dirs, r.Dir)
	}
	runs, err := reports.LoadAll(dirs)
	if err != nil {
		return nil, nil, err
	}
	r := compose.New(runs, compose.Options{
		Options:   reports.Options{SLO: s.SLO, Percentiles: s.Percentiles},
		Decide:    decide.Options{Volumes: s.Volumes, ScorecardPlan: s.Scorecard, Components: s.Components},
		Title:     cmp.Or(s.Title, "inferbench suite "+s.Name),
		Generated: now,
	})
	var files []string
	for _, f := range Formats[1:] {
		name := filepath.Join(out.Dir, "report."+f)
		if err := r.WriteFile(name, f); err != nil {
			return r, files, err
		}
		files = append(files, name)
	}
	return r, files, nil
}

// Describe writes what the steps run, without running them: each
// target, its load, its price and its run directories, then the gates
// and the report's files.
func (s *Suite) Describe(w io.Writer, steps []*Step, o Options) error {
	how := "one after another"
	if s.Parallel {
		how = "all at once"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "suite %s (%s): %d target(s), %s; dry run: nothing is sent\n", s.Name, s.File, len(steps), how)
	for _, st := range steps {
		p := st.Built.Plan
		fmt.Fprintf(&b, "target %s: %s\n", st.Entry.Name, targetText(st))
		fmt.Fprintf(&b, "  workload: %s (%d requests)\n", p.Workload.Name, len(p.Workload.Requests))
		fmt.Fprintf(&b, "  load:     %s\n", loadText(st))
		fmt.Fprintf(&b, "  price:    %s\n", priceText(st.Built))
		fmt.Fprintf(&b, "  out:      %s\n", strings.Join(runDirs(st.Built), ", "))
	}
	for _, g := range s.Gates {
		fmt.Fprintf(&b, "gate: require %s\n", g.Expr)
	}
	for _, g := range s.FailOn {
		fmt.Fprintf(&b, "fail_on: fail when %s\n", g.Expr)
	}
	fmt.Fprintf(&b, "report: %s/report.{md,json,html}\n", s.Dir(o))
	_, err := io.WriteString(w, b.String())
	return err
}

func targetText(st *Step) string {
	i := st.Built.Plan.TargetInfo
	where := i.Protocol + " " + i.BaseURL
	if sim := st.Entry.Run.Target.Sim; sim != nil {
		where = "simulator served in process (preset " + cmp.Or(sim.Preset, "as given") + ")"
	}
	return fmt.Sprintf("%s, model %s (%s%s)", where, i.Model, i.Kind, prefixed(", ", i.Provider))
}

func prefixed(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

func loadText(st *Step) string {
	r, l := &st.Entry.Run, st.Built.Plan.Load
	var parts []string
	switch l.Mode {
	case bench.ModeRate:
		parts = append(parts, fmt.Sprintf("rate %s (%s)", r.Load.Rates.String(), l.Arrival))
	case bench.ModeConcurrency:
		parts = append(parts, "concurrency "+r.Load.Concurrency.String())
	case bench.ModeReplay:
		parts = append(parts, fmt.Sprintf("replay at x%g", l.TimeScale))
	}
	if st.Built.Sweep != nil {
		sweep := "a sweep, one run per level"
		if r.Load.Saturate {
			sweep += ", stopping at the first level under the SLO"
		}
		parts = append(parts, sweep)
	}
	if l.Requests > 0 {
		parts = append(parts, fmt.Sprintf("%d requests", l.Requests))
	}
	if l.Duration > 0 {
		parts = append(parts, "for "+l.Duration.String())
	}
	if l.Warmup > 0 {
		parts = append(parts, fmt.Sprintf("%d warm-up", l.Warmup))
	}
	if l.Sessions {
		parts = append(parts, "as conversations")
	}
	return strings.Join(parts, ", ")
}

func priceText(b *Built) string {
	p := b.Plan.Prices
	switch {
	case p == nil:
		return "none (cost_usd 0)"
	case p.GPUHourly > 0:
		return fmt.Sprintf("$%g per hour (%s)", p.GPUHourly, p.Source)
	}
	return fmt.Sprintf("$%g in / $%g out per 1M tokens (%s)", p.InputPer1M, p.OutputPer1M, p.Source)
}
