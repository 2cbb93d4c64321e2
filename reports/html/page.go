package html

import (
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/chart"
	"github.com/inferbench/inferbench/reports/decide"
	"github.com/inferbench/inferbench/reports/internal/table"
	"github.com/inferbench/inferbench/reports/render"
	"github.com/inferbench/inferbench/results"
)

// Options are the choices of an HTML report beyond the summary's.
type Options struct {
	reports.Options
	// Title heads the page (default "inferbench report").
	Title string
	// Generated, when set, is printed as the time the report was made;
	// left zero the page is the same every time (golden tests).
	Generated time.Time
	// Saturation are GPU and server saturation charts. Nil: they are
	// drawn from the runs' telemetry (SaturationCharts); the section is
	// left out when there is none.
	Saturation []SaturationChart
	// Decide are the choices of the cost comparison that the monthly
	// cost chart draws and the Decision section shows (its tables are
	// RenderDecisionText's). Nil: the defaults with no volumes, and no
	// Decision section; the chart then spans a default range of volumes
	// at the workload's mix. A plan's per-target prices price the runs.
	Decide *decide.Options
}

// Render writes runs as one self-contained HTML page: the summary
// table of render.Text, latency CDFs, TTFT/TPOT/throughput against load
// when runs form a sweep, cost per 1M tokens, monthly cost against volume
// with break-even points, the Decision tables when opt.Decide is set, GPU
// and server saturation over time where the runs have telemetry, and each
// run's manifest. Charts are inline SVG and the styles inline CSS; the page
// loads nothing and runs no script, so it opens from disk, offline, and
// prints. It follows the reader's light or dark colour scheme.
//
// Every string from the runs (names, models, error messages, notes) is
// escaped by html/template or, inside charts, by package chart.
func Render(w io.Writer, runs []*reports.RunData, opt Options) error {
	var dopt decide.Options
	if opt.Decide != nil {
		dopt = *opt.Decide
	}
	ss := decide.SummarizeAll(runs, opt.Options, dopt.ScorecardPlan)
	p := buildPage(runs, ss, decide.New(ss, dopt), opt)
	if err := pageTemplate.Execute(w, p); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	return nil
}

// page is what the template draws.
type page struct {
	Title     string
	Subtitle  string
	Generated string
	Simulated bool
	CSS       template.CSS
	Runs      []runHead
	Glance    []glance
	// Warnings are the incomplete runs, above everything (render.Warnings),
	// and ClientWarnings the runs whose load generator was the limit
	// (reports.ClientWarnings).
	Warnings       []string
	ClientWarnings []string
	// Summary is the summary table, its runs split into parts that fit
	// the page; Errors are the error classes with a sample message.
	Summary []runTable
	Errors  []render.ErrorSample
	Latency htmlTable
	// Server are the server-state tables of runs with telemetry.
	Server   []serverTable
	Notes    []string
	CDF      []figure
	Sweep    []figure
	Cost     []figure
	Decision []decisionTable
	// DecisionNotes are the Decision's notes, shown under its tables.
	DecisionNotes []string
	Sat           []figure
	Meta          []runTable
	Method        string
}

// runTable is a table with one column per run (of a part of the runs).
type runTable struct {
	Runs []runHead
	Rows []htmlRow
}

// runHead is a run as a table column heading.
type runHead struct {
	Label string
	RunID string
	Color int
}

type htmlTable struct {
	Head []string // column headings after the label column, if not the runs
	Rows []htmlRow
}

type htmlRow struct {
	Label   string
	Indent  int
	Section bool
	Note    string // a section's explanation
	Cells   []string
	Mono    bool // cells in a monospace font (digests, ids)
	// Fold shows long cells folded: their start, the whole on opening
	// (command lines).
	Fold bool
	// Swatch is the palette colour shown before the label, when Color.
	Color  bool
	Swatch int
}

// latencyDoc says what each latency of the text table measures.
var latencyDoc = map[string]string{
	"TTFT":         "time to first token: sent to the first content or reasoning text",
	"TTFO":         "time to first output: sent to the first non-reasoning text",
	"TPOT":         "time per output token after the first, per request",
	"ITL":          "inter-token latency, per token",
	"E2E":          "sent to last token",
	"user latency": "scheduled to last token: what a user waits, queueing included",
	"schedule lag": "sent minus scheduled: the load generator falling behind",
}

// latencyTable is the latency section of the text table as rows of runs
// and columns of statistics (ms).
func latencyTable(ss []reports.Summary, labels []string, colors []int) htmlTable {
	t := htmlTable{Head: []string{"p50", "p90", "p95", "p99", "max", "mean", "count"}}
	for _, m := range reports.ShownLatencies(ss) {
		t.Rows = append(t.Rows, htmlRow{Label: m.Label, Section: true, Note: latencyDoc[m.Label]})
		for i, s := range ss {
			d := m.Of(&s)
			row := htmlRow{Label: labels[i], Indent: 1, Color: true, Swatch: colors[i]}
			for _, st := range reports.Stats() {
				c := "-"
				if d.N > 0 {
					c = table.Ftoa(st.Of(d)/1e6, 2)
				}
				row.Cells = append(row.Cells, c)
			}
			row.Cells = append(row.Cells, strconv.Itoa(d.N))
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// htmlRowOf is a row of the text table, its indent (two spaces a level)
// made a class.
func htmlRowOf(r table.Row) htmlRow {
	label := strings.TrimLeft(r.Label, " ")
	return htmlRow{Label: label, Indent: (len(r.Label) - len(label)) / 2, Section: r.Section, Cells: r.Cells}
}

func buildPage(runs []*reports.RunData, ss []reports.Summary, d *decide.Decision, opt Options) page {
	labels := runLabels(runs, ss)
	colors := pageColors(ss, d)
	p := page{
		Title:          opt.Title,
		CSS:            template.CSS(pageCSS + chart.CSS),
		Notes:          render.Notes(ss),
		Warnings:       render.Warnings(ss),
		ClientWarnings: reports.ClientWarnings(ss),
		Errors:         render.ErrorSamples(ss),
		Method: "Percentiles are " + percentileMethod(ss) + " over every measured request (warm-up excluded); latencies of ok requests. " +
			"Definitions: docs/metrics.md.",
	}
	if p.Title == "" {
		p.Title = "inferbench report"
	}
	if !opt.Generated.IsZero() {
		p.Generated = opt.Generated.UTC().Format("2006-01-02 15:04 UTC")
	}
	workloads := map[string]bool{}
	var wl []string
	for i, s := range ss {
		p.Simulated = p.Simulated || s.Simulated
		p.Runs = append(p.Runs, runHead{Label: labels[i], RunID: s.RunID, Color: colors.run[i]})
		if s.Workload != "" && !workloads[s.Workload] {
			workloads[s.Workload] = true
			wl = append(wl, s.Workload)
		}
	}
	p.Glance = glances(ss, labels, colors.run)
	p.Subtitle = plural(len(runs), "run", "runs")
	if len(wl) > 0 {
		p.Subtitle += " · workload " + strings.Join(wl, ", ")
	}

	// The text table, with its latency section drawn as a table of its
	// own (one row per run and latency, a column per statistic), which
	// reads better than 42 rows of one column per run.
	inLatency := false
	var rows []htmlRow
	for _, r := range render.Table(ss).Rows {
		if r.Section {
			inLatency = strings.HasPrefix(r.Label, "latency")
		}
		if inLatency {
			continue
		}
		rows = append(rows, htmlRowOf(r))
	}
	p.Summary = splitRuns(p.Runs, rows, 180)
	p.Latency = latencyTable(ss, labels, colors.run)
	p.Server = serverTables(ss)

	if len(runs) > 0 {
		p.CDF = []figure{
			cdfFigure("cdf-ttft", "ttft", runs, labels, colors.run),
			cdfFigure("cdf-e2e", "e2e", runs, labels, colors.run),
		}
	}
	p.Sweep = sweepFigures(ss, colors.name, d)
	p.Cost = costFigures(ss, labels, colors.run, d, colors.name)
	if opt.Decide != nil {
		p.Decision = decisionTables(d)
		if p.Decision != nil {
			p.DecisionNotes = d.Notes()
		}
	}
	sat := opt.Saturation
	if sat == nil {
		sat = SaturationCharts(runs, labels, colors.run...)
	}
	p.Sat = saturationFigures(sat)
	p.Meta = splitRuns(p.Runs, metaTable(runs, ss).Rows, 300)
	return p
}

// colorSet are the palette colours of a page: a target keeps its colour
// from report to report (chart.ColorsOf its name); the first run of a
// target takes the target's, and its other runs (a sweep) the next free
// ones.
type colorSet struct {
	run  []int
	name map[string]int // by target name and by the Decision's target names
}

func pageColors(ss []reports.Summary, d *decide.Decision) colorSet {
	var names []string
	for i := range ss {
		names = append(names, cmp.Or(ss[i].Target, ss[i].RunID))
	}
	for _, t := range d.Targets {
		names = append(names, t.Target)
	}
	c := colorSet{name: chart.ColorsOf(names)}
	used := map[int]bool{}
	for _, col := range c.name {
		used[col] = true
	}
	first := map[string]bool{}
	for i := range ss {
		n := cmp.Or(ss[i].Target, ss[i].RunID)
		col := c.name[n]
		if first[n] {
			// Another run of the target: the next colour no target and no
			// run has, else the next one round.
			col = (col + 1) % chart.Colors
			for k := 0; k < chart.Colors && used[col]; k++ {
				col = (col + 1) % chart.Colors
			}
		}
		first[n] = true
		used[col] = true
		c.run = append(c.run, col)
	}
	return c
}

// pageWidth is the width, in CSS pixels, that a table may take: the
// page's content box at 1280 px (1240 less its padding), with room to
// spare for fonts wider than the estimate.
const pageWidth = 1080

// splitRuns cuts a table with a column per run into tables of as many
// runs as fit pageWidth, each repeating the labels, so no column hides
// behind a scrollbar (or off a printed page). wrapPx is the width at
// which a long cell wraps.
func splitRuns(runs []runHead, rows []htmlRow, wrapPx float64) []runTable {
	head := make([]string, len(runs))
	for i, r := range runs {
		head[i] = r.Label
	}
	var out []runTable
	for _, g := range columnGroups(head, rows, wrapPx) {
		t := runTable{Runs: runs[g[0]:g[1]]}
		for _, r := range rows {
			if !r.Section {
				r.Cells = r.Cells[g[0]:min(g[1], len(r.Cells))]
			}
			t.Rows = append(t.Rows, r)
		}
		out = append(out, t)
	}
	return out
}

// columnGroups splits columns into runs [from, to) whose estimated widths
// (text at about 7.5 px a character, headings wrapping at 160 px, long
// cells at wrapPx, 24 px of padding) fit pageWidth beside the labels.
func columnGroups(head []string, rows []htmlRow, wrapPx float64) [][2]int {
	const char, pad = 7.5, 24.0
	label := 0.0
	cols := make([]float64, len(head))
	for i, h := range head {
		cols[i] = min(float64(utf8.RuneCountInString(h))*char, 160)
	}
	for _, r := range rows {
		if r.Section {
			continue
		}
		label = max(label, float64(utf8.RuneCountInString(r.Label))*char+float64(r.Indent)*14)
		for i, c := range r.Cells {
			if i < len(cols) {
				cols[i] = max(cols[i], min(float64(utf8.RuneCountInString(c))*char, wrapPx))
			}
		}
	}
	var out [][2]int
	from, w := 0, label+pad
	for i, c := range cols {
		if i > from && w+c+pad > pageWidth {
			out = append(out, [2]int{from, i})
			from, w = i, label+pad
		}
		w += c + pad
	}
	return append(out, [2]int{from, len(cols)})
}

// serverTable is one run's server-state table (render.StateSections).
type serverTable struct {
	Title string
	Table htmlTable
}

func serverTables(ss []reports.Summary) []serverTable {
	var out []serverTable
	for _, st := range render.StateSections(ss) {
		t := htmlTable{Head: st.Table.Head}
		for _, r := range st.Table.Rows {
			t.Rows = append(t.Rows, htmlRowOf(r))
		}
		out = append(out, serverTable{Title: st.Title, Table: t})
	}
	return out
}

// glance is a run's card at the top of the page: the handful of numbers
// most readers came for.
type glance struct {
	Label string
	Sub   string
	Color int
	KPIs  []kpi
}

type kpi struct {
	Name  string
	Value string
	Bad   bool // drawn as a warning (errors)
}

func glances(ss []reports.Summary, labels []string, colors []int) []glance {
	var out []glance
	for i, s := range ss {
		g := glance{Label: labels[i], Color: colors[i]}
		var sub []string
		for _, v := range []string{s.TargetKind, s.Model} {
			if v != "" {
				sub = append(sub, v)
			}
		}
		if s.Simulated {
			sub = append(sub, "simulated")
		}
		g.Sub = strings.Join(sub, " · ")
		pair := func(d reports.Dist) string {
			if d.N == 0 {
				return "-"
			}
			return latPair(d.P50, d.P99)
		}
		g.KPIs = append(g.KPIs,
			kpi{Name: "TTFT p50 / p99", Value: pair(s.TTFT)},
			kpi{Name: "E2E p50 / p99", Value: pair(s.E2E)},
			kpi{Name: "output tok/s", Value: table.Ftoa(s.OutputTokensPerS, 1)},
		)
		errs := "0"
		if s.Requests.Failed > 0 {
			errs = table.Ftoa(reports.ErrorRate(&s)*100, 1) + "%"
		}
		g.KPIs = append(g.KPIs, kpi{Name: "errors", Value: errs, Bad: s.Requests.Failed > 0})
		if s.Goodput != nil {
			g.KPIs = append(g.KPIs, kpi{Name: "good (SLO)", Value: table.Ftoa(s.Goodput.Fraction*100, 1) + "%",
				Bad: s.Goodput.Fraction < 0.99})
		}
		if s.Cost != nil && s.Cost.USDPerRequest > 0 {
			g.KPIs = append(g.KPIs, kpi{Name: "all-in $ / request", Value: table.USD(s.Cost.USDPerRequest)})
		}
		if len(s.Incomplete) > 0 {
			g.KPIs = append(g.KPIs, kpi{Name: "run", Value: "incomplete", Bad: true})
		}
		out = append(out, g)
	}
	return out
}

// latPair writes two latencies in the unit the larger needs: "329 / 429
// ms", "1.81 / 12.3 s".
func latPair(a, b int64) string {
	if b >= 10e9 {
		return sig3(float64(a)/1e9) + " / " + sig3(float64(b)/1e9) + " s"
	}
	return sig3(float64(a)/1e6) + " / " + sig3(float64(b)/1e6) + " ms"
}

// sig3 writes v with about three significant digits (all of its integer
// digits).
func sig3(v float64) string {
	switch {
	case v >= 100:
		return table.Ftoa(v, 0)
	case v >= 10:
		return table.Ftoa(v, 1)
	}
	return table.Ftoa(v, 2)
}

// runLabels names each run for legends: the target, then the load where
// a target ran more than once, then the run id where that is not enough.
func runLabels(runs []*reports.RunData, ss []reports.Summary) []string {
	labels := make([]string, len(ss))
	count := map[string]int{}
	for i, s := range ss {
		labels[i] = cmp.Or(s.Target, s.RunID, "run "+strconv.Itoa(i+1))
		count[labels[i]]++
	}
	for i := range labels {
		if count[labels[i]] > 1 {
			if d := loadDesc(runs[i].Manifest); d != "" {
				labels[i] += " @ " + d
			}
		}
	}
	count = map[string]int{}
	for _, l := range labels {
		count[l]++
	}
	for i := range labels {
		if count[labels[i]] > 1 {
			labels[i] += " (" + ss[i].RunID + ")"
		}
	}
	return labels
}

// loadDesc says how a run was loaded, shortly ("8 req/s poisson").
func loadDesc(m *results.Manifest) string {
	if m == nil {
		return ""
	}
	l := m.Load
	switch l.Mode {
	case "rate":
		s := chart.Number(l.Rate) + " req/s"
		if l.Arrival != "" {
			s += " " + l.Arrival
		}
		return s
	case "concurrency":
		return strconv.Itoa(l.Concurrency) + " users"
	case "replay":
		if l.TimeScale > 0 && l.TimeScale != 1 {
			return "replay x" + chart.Number(1/l.TimeScale)
		}
		return "replay"
	}
	return l.Mode
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// metaTable is the runs' manifests side by side.
func metaTable(runs []*reports.RunData, ss []reports.Summary) htmlTable {
	var t htmlTable
	each := func(f func(r *reports.RunData, m *results.Manifest) string) []string {
		c := make([]string, len(runs))
		for i, r := range runs {
			if r.Manifest == nil {
				c[i] = "-"
				continue
			}
			c[i] = table.Dash(f(r, r.Manifest))
		}
		return c
	}
	hasValue := func(cells []string) bool {
		for _, c := range cells {
			if c != "-" {
				return true
			}
		}
		return false
	}
	add := func(label string, indent int, mono bool, cells []string) {
		if hasValue(cells) {
			t.Rows = append(t.Rows, htmlRow{Label: label, Indent: indent, Cells: cells, Mono: mono})
		}
	}
	section := func(label string) { t.Rows = append(t.Rows, htmlRow{Label: label, Section: true}) }
	ts := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	ids := make([]string, len(runs))
	for i, s := range ss {
		ids[i] = s.RunID
	}
	add("run id", 0, true, ids)
	add("directory", 0, true, each(func(r *reports.RunData, _ *results.Manifest) string { return r.Dir }))

	section("target")
	add("name", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string { return m.Target.Name }))
	add("kind", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string { return m.Target.Kind }))
	add("provider", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string { return m.Target.Provider }))
	add("protocol", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string { return m.Target.Protocol }))
	add("base URL", 1, true, each(func(_ *reports.RunData, m *results.Manifest) string { return m.Target.BaseURL }))
	add("model", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string { return m.Target.Model }))
	add("simulated", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string {
		if m.Target.Simulated {
			return "yes (inferbench simulator, not a real service)"
		}
		return "no"
	}))

	section("workload")
	add("name", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string { return m.Workload.Name }))
	add("path", 1, true, each(func(_ *reports.RunData, m *results.Manifest) string { return m.Workload.Path }))
	add("sha256", 1, true, each(func(_ *reports.RunData, m *results.Manifest) string { return m.Workload.SHA256 }))
	add("requests", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string {
		if m.Workload.Requests == 0 {
			return ""
		}
		return strconv.Itoa(m.Workload.Requests)
	}))

	section("load")
	add("plan", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string { return loadDesc(m) }))
	add("details", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string { return loadDetails(m.Load) }))

	section("run")
	add("started", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string { return ts(m.StartedAt) }))
	add("ended", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string { return ts(m.EndedAt) }))
	add("stop reason", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string {
		if m.StopDetail != "" {
			return m.StopReason + ": " + m.StopDetail
		}
		return m.StopReason
	}))
	add("prices", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string { return pricesDesc(m.Prices) }))
	if cells := each(func(_ *reports.RunData, m *results.Manifest) string { return strings.Join(m.Args, " ") }); hasValue(cells) {
		t.Rows = append(t.Rows, htmlRow{Label: "command", Indent: 1, Cells: cells, Mono: true, Fold: true})
	}

	section("harness")
	add("tool", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string {
		s := strings.TrimSpace(m.Tool.Name + " " + m.Tool.Version)
		if m.Tool.Commit != "" {
			s += " (" + m.Tool.Commit + ")"
		}
		if m.Tool.GoVersion != "" {
			s += ", " + m.Tool.GoVersion
		}
		return s
	}))
	add("host", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string {
		h := m.Host
		if h.Hostname == "" && h.OS == "" {
			return ""
		}
		return fmt.Sprintf("%s (%s/%s, %d CPUs)", h.Hostname, h.OS, h.Arch, h.CPUs)
	}))
	add("schema version", 1, false, each(func(_ *reports.RunData, m *results.Manifest) string {
		if m.SchemaVersion == 0 {
			return ""
		}
		return strconv.Itoa(m.SchemaVersion)
	}))
	return t
}

// loadDetails lists the load plan's settings that are set.
func loadDetails(l results.LoadInfo) string {
	var parts []string
	add := func(name, v string) { parts = append(parts, name+" "+v) }
	if l.Requests > 0 {
		add("requests", strconv.Itoa(l.Requests))
	}
	if l.DurationNs > 0 {
		add("duration", time.Duration(l.DurationNs).String())
	}
	if l.Warmup > 0 {
		add("warm-up", strconv.Itoa(l.Warmup))
	}
	if l.MaxInFlight > 0 {
		add("max in flight", strconv.Itoa(l.MaxInFlight))
	}
	if l.TimeoutNs > 0 {
		add("timeout", time.Duration(l.TimeoutNs).String())
	}
	if l.Seed != 0 {
		add("seed", strconv.FormatInt(l.Seed, 10))
	}
	return strings.Join(parts, ", ")
}

// pricesDesc writes a price snapshot on one line.
func pricesDesc(p *results.Prices) string {
	if p == nil {
		return ""
	}
	var s string
	if p.GPUHourly > 0 {
		s = priceText(p.GPUHourly) + " per hour (all GPUs)"
	} else {
		s = fmt.Sprintf("%s in / %s out per 1M tokens", priceText(p.InputPer1M), priceText(p.OutputPer1M))
		if p.CachedInputPer1M > 0 {
			s += fmt.Sprintf(", %s cached", priceText(p.CachedInputPer1M))
		}
	}
	if p.Source != "" {
		s += "; " + p.Source
	}
	if p.CheckedAt != "" {
		s += " (checked " + p.CheckedAt + ")"
	}
	return s
}

//go:embed html.tmpl
var pageTmpl string

//go:embed html.css
var pageCSS string

// foldAt is the length past which a folded cell (a command line) shows
// its start and opens to the whole.
const foldAt = 40

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"add": func(a, b int) int { return a + b },
	// wide cells (price sources) may wrap instead of widening their column
	"wide": func(s string) bool { return utf8.RuneCountInString(s) > 20 },
	"long": func(s string) bool { return utf8.RuneCountInString(s) > foldAt },
	"start": func(s string) string {
		r := []rune(s)
		return string(r[:min(len(r), foldAt-1)]) + "…"
	},
}).Parse(pageTmpl))

// percentileMethod names how the summaries' percentiles were taken.
func percentileMethod(ss []reports.Summary) string {
	if len(ss) > 0 && ss[0].PercentileMethod == reports.MethodLinear {
		return "linear (numpy's default interpolation)"
	}
	return "nearest-rank"
}
