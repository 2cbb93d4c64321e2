// Package compose is the one way loaded runs become a report in a format:
// the summaries and the decision (cost, capacity, projections, scorecard)
// as text, Markdown or JSON, the HTML page, or the nightly trend.
// `inferbench report` and a suite's report both go through it, so the
// same runs give the same report either way.
//
// It owns no figures: it chooses the renderer of reports, reports/decide,
// reports/trend and reports/html for a format. It imports those packages
// and results, never the runner (bench), the targets or cmd.
package compose

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/decide"
	"github.com/inferbench/inferbench/reports/html"
	"github.com/inferbench/inferbench/reports/render"
	"github.com/inferbench/inferbench/reports/trend"
)

// Formats are the formats of a report, text first.
var Formats = []string{"text", "md", "json", "html"}

// Options say how runs are summarised and decided upon, and what the HTML
// page says about itself.
type Options struct {
	reports.Options
	// Decide are the decision's options; its ScorecardPlan also groups
	// the summaries.
	Decide decide.Options
	// Title is the HTML page's title ("" is the page's default) and
	// Generated the time it says it was made.
	Title     string
	Generated time.Time
}

// Report is the side-by-side report of runs: the summary of each run,
// the decision and the HTML page. The summaries and the decision are
// computed when first needed (the HTML page computes its own).
type Report struct {
	Runs      []*reports.RunData
	opt       Options
	summaries []reports.Summary
	decision  *decide.Decision
}

// New is the report of runs under opt.
func New(runs []*reports.RunData, opt Options) *Report {
	return &Report{Runs: runs, opt: opt}
}

// Summaries are the runs' summaries, grouped by the scorecard plan.
func (r *Report) Summaries() []reports.Summary {
	if r.summaries == nil {
		r.summaries = decide.SummarizeAll(r.Runs, r.opt.Options, r.opt.Decide.ScorecardPlan)
	}
	return r.summaries
}

// Decision is the decision on the summaries.
func (r *Report) Decision() *decide.Decision {
	if r.decision == nil {
		r.decision = decide.New(r.Summaries(), r.opt.Decide)
	}
	return r.decision
}

// Render writes the report in a format: text, md, json or html.
func (r *Report) Render(w io.Writer, format string) error {
	switch format {
	case "text":
		if err := render.Text(w, r.Summaries()); err != nil {
			return err
		}
		return decide.RenderText(w, r.Decision())
	case "md":
		if err := render.Markdown(w, r.Summaries()); err != nil {
			return err
		}
		return decide.RenderMarkdown(w, r.Decision())
	case "json":
		return decide.RenderReportJSON(w, r.Summaries(), r.Decision())
	case "html":
		dopt := r.opt.Decide
		return html.Render(w, r.Runs, html.Options{Options: r.opt.Options, Title: r.opt.Title, Generated: r.opt.Generated, Decide: &dopt})
	}
	return fmt.Errorf("report format %q: want %s", format, strings.Join(Formats, ", "))
}

// WriteFile writes the report in a format to the file name.
func (r *Report) WriteFile(name, format string) error {
	var b bytes.Buffer
	if err := r.Render(&b, format); err != nil {
		return err
	}
	return os.WriteFile(name, b.Bytes(), 0o644)
}

// Trend writes the nightly trend of runs in a format; the HTML page's
// links to the runs are relative to the folder of the file out (the
// current directory when out is "", standard output), and it says it was
// made at now.
func Trend(w io.Writer, runs []*reports.RunData, opt reports.Options, format, out string, now time.Time) error {
	t := trend.Build(runs, trend.Options{Options: opt})
	switch format {
	case "md":
		return trend.RenderMarkdown(w, t)
	case "json":
		return trend.RenderJSON(w, t)
	case "html":
		base := "."
		if out != "" {
			base = filepath.Dir(out)
		}
		return html.RenderTrend(w, t, html.TrendOptions{Generated: now, LinkBase: base})
	}
	return trend.RenderText(w, t)
}
