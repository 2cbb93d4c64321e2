package html

import (
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/chart"
	"github.com/inferbench/inferbench/reports/trend"
	"github.com/inferbench/inferbench/results"
)

// TrendOptions are the choices of a trend page.
type TrendOptions struct {
	// Title heads the page (default "inferbench trend").
	Title string
	// Generated, when set, is printed as the time the page was made.
	Generated time.Time
	// LinkBase is the folder the page's links to runs are relative to:
	// the folder the page is written to ("": the current directory).
	LinkBase string
}

// RenderTrend writes t as one self-contained HTML page: a chart per
// metric (TTFT, TPOT and E2E with p50 solid and p95 dashed; goodput;
// error rate; cost per 1M tokens), a line per series over the nights,
// each night's point a link to its run (RunLink) with its value and
// change as a tooltip, a night that did not complete drawn as an open dot
// off the line; then each series' table as the text report has it, with
// its moves in words. Like Render, it loads nothing and runs no script.
func RenderTrend(w io.Writer, t *trend.Trend, opt TrendOptions) error {
	p := trendPage{Title: cmp.Or(opt.Title, "inferbench trend"), CSS: template.CSS(pageCSS + chart.CSS + trendCSS),
		Notes: t.Notes, Legend: t.Legend(),
		Method: "Each point links to its run's manifest.json (the run directory where a run has none), relative to this page's folder. " +
			"Changes are against the previous complete night; a run that did not complete is drawn apart (an open dot) and is not a baseline."}
	if !opt.Generated.IsZero() {
		p.Generated = opt.Generated.UTC().Format("2006-01-02 15:04 UTC")
	}
	nights := 0
	for _, s := range t.Series {
		nights += len(s.Nights)
		p.Simulated = p.Simulated || slices.ContainsFunc(s.Nights, func(n trend.Night) bool { return n.Simulated })
	}
	p.Subtitle = plural(len(t.Series), "target", "targets") + " · " + plural(nights, "run", "runs")
	p.Charts = trendFigures(t, opt.LinkBase)
	for _, s := range t.Sections() {
		tt := trendTable{Title: s.Title, Head: s.Table.Head, Moves: s.Moves, Notes: s.Notes}
		for _, r := range s.Table.Rows {
			tt.Rows = append(tt.Rows, htmlRowOf(r))
		}
		p.Tables = append(p.Tables, tt)
	}
	if err := trendTemplate.Execute(w, p); err != nil {
		return fmt.Errorf("render trend html: %w", err)
	}
	return nil
}

// trendPage is what the trend template draws.
type trendPage struct {
	Title, Subtitle, Generated string
	Simulated                  bool
	CSS                        template.CSS
	Charts                     []figure
	Tables                     []trendTable
	Notes                      []string
	Legend, Method             string
}

// trendTable is one series' table, its moves and notes.
type trendTable struct {
	Title string
	Head  []string
	Rows  []htmlRow
	Moves []string
	Notes []string
}

// trendChart is a chart of the trend: one metric, or a p50 and p95 pair
// of one latency.
type trendChart struct {
	id, title, axis string
	keys            []string // the metrics drawn; the second dashed
}

var trendCharts = []trendChart{
	{"trend-ttft", "TTFT", "ms (p50 solid, p95 dashed)", []string{"ttft_p50_ms", "ttft_p95_ms"}},
	{"trend-tpot", "TPOT", "ms (p50 solid, p95 dashed)", []string{"tpot_p50_ms", "tpot_p95_ms"}},
	{"trend-e2e", "E2E", "ms (p50 solid, p95 dashed)", []string{"e2e_p50_ms", "e2e_p95_ms"}},
	{"trend-goodput", "Goodput", "requests/s meeting the SLO", []string{"goodput_req_s"}},
	{"trend-errors", "Error rate", "failed / measured requests", []string{"error_rate"}},
	{"trend-cost", "Cost per 1M tokens", "USD per 1M tokens, all-in (input and output)", []string{"cost_per_1m_tokens_usd"}},
}

// trendFigures draws the charts that have a value to draw.
func trendFigures(t *trend.Trend, base string) []figure {
	index := map[string]int{}
	for i, m := range t.Metrics {
		index[m.Key] = i
	}
	var names []string
	for i := range t.Series {
		names = append(names, t.Series[i].Name())
	}
	colors := chart.ColorsOf(names)
	x, xAxis := trendX(t)
	var figs []figure
	for _, tc := range trendCharts {
		c := &chart.Line{ID: tc.id, Title: tc.title + " by night", X: xAxis}
		for k, key := range tc.keys {
			mi, ok := index[key]
			if !ok {
				continue
			}
			m := t.Metrics[mi]
			c.Y = trendYAxis(m.Unit, tc.axis)
			for i := range t.Series {
				s := &t.Series[i]
				cs := chart.Series{Name: s.Name(), Color: colors[s.Name()], Dashed: k > 0}
				if len(tc.keys) > 1 {
					cs.Name += " " + strings.ToLower(strings.TrimPrefix(m.Label, tc.title+" "))
				}
				for j := range s.Nights {
					n := &s.Nights[j]
					v := n.Values[mi]
					if !v.Known {
						continue
					}
					cs.Points = append(cs.Points, chart.Point{X: x(i, j), Y: trendY(m.Unit, v.V)})
					cs.Links = append(cs.Links, RunLink(base, n))
					cs.Titles = append(cs.Titles, pointTitle(m, n, v))
					cs.Apart = append(cs.Apart, !n.Complete())
				}
				if len(cs.Points) > 0 {
					c.Series = append(c.Series, cs)
				}
			}
		}
		if len(c.Series) == 0 {
			continue
		}
		figs = append(figs, figure{ID: tc.id, Title: tc.title + " by night", SVG: template.HTML(c.SVG())})
	}
	return figs
}

// trendX places night j of series i on the x axis: hours since the
// first night, when every night has a start time, else its position.
func trendX(t *trend.Trend) (func(i, j int) float64, chart.Axis) {
	var t0, t1 time.Time
	timed := true
	for _, s := range t.Series {
		for _, n := range s.Nights {
			if n.StartedAt.IsZero() {
				timed = false
			}
			if t0.IsZero() || n.StartedAt.Before(t0) {
				t0 = n.StartedAt
			}
			if n.StartedAt.After(t1) {
				t1 = n.StartedAt
			}
		}
	}
	if !timed {
		return func(_, j int) float64 { return float64(j + 1) },
			chart.Axis{Label: "night (in order of start)", Format: chart.Number}
	}
	layout := "01-02"
	if t1.Sub(t0) < 72*time.Hour {
		layout = "01-02 15:04"
	}
	// Ticks at the nights themselves, at most eight of them.
	var ticks []float64
	for _, s := range t.Series {
		for _, n := range s.Nights {
			ticks = append(ticks, n.StartedAt.Sub(t0).Hours())
		}
	}
	slices.Sort(ticks)
	ticks = slices.Compact(ticks)
	if len(ticks) > 8 {
		step := int(math.Ceil(float64(len(ticks)) / 8))
		var kept []float64
		for i := 0; i < len(ticks); i += step {
			kept = append(kept, ticks[i])
		}
		ticks = kept
	}
	hi := t1.Sub(t0).Hours()
	return func(i, j int) float64 { return t.Series[i].Nights[j].StartedAt.Sub(t0).Hours() },
		chart.Axis{Label: "night (started, UTC)", Min: -hi*0.03 - 1, Max: hi*1.03 + 1, Ticks: ticks,
			Format: func(h float64) string {
				return t0.Add(time.Duration(h * float64(time.Hour))).UTC().Format(layout)
			}}
}

// trendY is a value as the charts draw it: durations in ms.
func trendY(u reports.Unit, v float64) float64 {
	if u == reports.UnitDuration {
		return v / 1e6
	}
	return v
}

func trendYAxis(u reports.Unit, label string) chart.Axis {
	a := chart.Axis{Label: label}
	switch u {
	case reports.UnitFraction:
		a.Format = chart.Percent
	case reports.UnitUSD:
		a.Format = usdTick
	}
	return a
}

// pointTitle is a point's tooltip: the night, the value, its change and
// whether the run completed.
func pointTitle(m trend.Metric, n *trend.Night, v trend.Value) string {
	s := n.Name() + ": " + m.Name + " " + m.Unit.Format(v.V)
	switch {
	case !n.Complete():
		s += " (did not complete: not compared)"
	case v.Compared:
		s += " (" + m.Unit.FormatDelta(v.Delta)
		if v.Verdict != "" {
			s += ", " + v.Verdict
		}
		s += ")"
	}
	return s
}

// RunLink is the link from a page in folder base to night n's run: its
// manifest.json, or the run directory when it has none, relative (path
// segments escaped), or a file: URL when no relative path exists; "" for
// a run read from no directory.
func RunLink(base string, n *trend.Night) string {
	if n.Dir == "" {
		return ""
	}
	target := n.Dir
	if n.Manifest {
		target = filepath.Join(n.Dir, results.ManifestFile)
	}
	abs, err := filepath.Abs(target)
	if err != nil {
		return ""
	}
	from, err := filepath.Abs(cmp.Or(base, "."))
	rel := ""
	if err == nil {
		rel, err = filepath.Rel(from, abs)
	}
	if err != nil {
		return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	link := strings.Join(parts, "/")
	if !n.Manifest {
		link += "/"
	}
	return link
}

// trendCSS styles what only the trend page has: linked points filled,
// open dots for runs that did not complete, the moves list.
const trendCSS = `
svg.chart a.point .marker{fill:var(--c)}
svg.chart .marker.open,svg.chart a.point .marker.open{fill:var(--bg);stroke-dasharray:2 2}
svg.chart a.point:hover .marker{stroke-width:4}
ul.moves li{font-variant-numeric:tabular-nums}
`

//go:embed trend.tmpl
var trendTmpl string

var trendTemplate = template.Must(template.New("trend").Parse(trendTmpl))
