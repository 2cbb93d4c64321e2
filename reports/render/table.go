package render

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/table"
	"github.com/inferbench/inferbench/results"
)

// Table lays ss out side by side, one column per run, as
// Text and Markdown write it (and the HTML page draws it).
// Rows that no run has a value for are left out.
func Table(ss []reports.Summary) *table.Table {
	t := &table.Table{}
	for _, s := range ss {
		t.Head = append(t.Head, s.RunID)
	}
	runs := runCells(ss)
	addRequests(t, runs)
	addThroughput(t, runs)
	addLatency(t, runs)
	t.Section("tokens (ok requests)")
	t.Add("  input", runs.each(func(s reports.Summary) string { return table.Itoa(s.InputTokens) }))
	t.Add("  cached input", runs.each(func(s reports.Summary) string { return table.Itoa(s.CachedInputTokens) }))
	t.Add("  output", runs.each(func(s reports.Summary) string { return table.Itoa(s.OutputTokens) }))
	t.Add("  input counted by", runs.each(func(s reports.Summary) string { return sources(s.InputTokenSources) }))
	t.Add("  output counted by", runs.each(func(s reports.Summary) string { return sources(s.OutputTokenSources) }))
	addSaturation(t, runs)
	addCost(t, runs)
	return t
}

// runCells are the runs of a summary table, which make its rows.
type runCells []reports.Summary

// each is a row: f of every run.
func (ss runCells) each(f func(s reports.Summary) string) []string {
	c := make([]string, len(ss))
	for i, s := range ss {
		c[i] = f(s)
	}
	return c
}

// any reports whether f holds for some run.
func (ss runCells) any(f func(s reports.Summary) bool) bool { return slices.ContainsFunc(ss, f) }

// addRequests adds the identity rows and the requests by outcome.
func addRequests(t *table.Table, runs runCells) {
	t.Add("target", runs.each(func(s reports.Summary) string {
		if s.Simulated {
			return s.Target + " (simulated)"
		}
		return s.Target
	}))
	t.Add("model", runs.each(func(s reports.Summary) string { return s.Model }))
	if runs.any(func(s reports.Summary) bool { return s.StopReason != "completed" }) {
		t.Add("stop reason", runs.each(func(s reports.Summary) string { return table.Dash(s.StopReason) }))
	}
	t.Section("requests")
	t.Add("  total", runs.each(func(s reports.Summary) string { return table.Itoa(s.Requests.Total) }))
	t.Add("  ok", runs.each(func(s reports.Summary) string { return table.Itoa(s.Requests.OK) }))
	t.Add("  failed", runs.each(func(s reports.Summary) string { return table.Itoa(s.Requests.Failed) }))
	t.Add("  canceled", runs.each(func(s reports.Summary) string { return table.Itoa(s.Requests.Canceled) }))
	t.Add("  warm-up (not counted)", runs.each(func(s reports.Summary) string { return table.Itoa(s.Requests.Warmup) }))
	for _, class := range errorClasses(runs) {
		t.Add("  error "+class, runs.each(func(s reports.Summary) string {
			for _, c := range s.Requests.Errors {
				if c.Class == class {
					return table.Itoa(c.Count)
				}
			}
			return "0"
		}))
	}
}

// addThroughput adds the throughput rows and, when some run has an SLO,
// the goodput rows.
func addThroughput(t *table.Table, runs runCells) {
	t.Section("throughput")
	t.Add("  window (s)", runs.each(func(s reports.Summary) string { return table.Ftoa(float64(s.WindowNs)/1e9, 3) }))
	t.Add("  requests/s", runs.each(func(s reports.Summary) string { return table.Ftoa(s.RequestsPerS, 3) }))
	t.Add("  output tok/s", runs.each(func(s reports.Summary) string { return table.Ftoa(s.OutputTokensPerS, 1) }))
	t.Add("  input tok/s", runs.each(func(s reports.Summary) string { return table.Ftoa(s.InputTokensPerS, 1) }))
	i := slices.IndexFunc(runs, func(s reports.Summary) bool { return s.Goodput != nil })
	if i < 0 {
		return
	}
	t.Section("goodput (SLO " + runs[i].Goodput.SLO.Format("<=", " ") + ")")
	good := func(f func(g *reports.Goodput) string) []string {
		return runs.each(func(s reports.Summary) string {
			if s.Goodput == nil {
				return "-"
			}
			return f(s.Goodput)
		})
	}
	t.Add("  good requests", good(func(g *reports.Goodput) string { return table.Itoa(g.Good) }))
	t.Add("  goodput (req/s)", good(func(g *reports.Goodput) string { return table.Ftoa(g.PerS, 3) }))
	t.Add("  good fraction", good(func(g *reports.Goodput) string { return table.Ftoa(g.Fraction*100, 1) + "%" }))
}

// addLatency adds every statistic of every latency shown, in ms.
func addLatency(t *table.Table, runs runCells) {
	method := reports.MethodNearestRank
	if len(runs) > 0 {
		method = runs[0].PercentileMethod
	}
	t.Section("latency (ms, " + method.String() + ")")
	stats := reports.Stats()
	for _, m := range reports.ShownLatencies(runs) {
		for _, st := range stats {
			t.Add("  "+m.Label+" "+st.Name, runs.each(func(s reports.Summary) string {
				d := m.Of(&s)
				if d.N == 0 {
					return "-"
				}
				return table.Ftoa(st.Of(d)/1e6, 2)
			}))
		}
	}
}

// addCost adds the cost rows when some run has a cost: the list prices
// apart from what the run cost, all-in, per request and per 1M tokens (an
// all-in figure per 1M output tokens carries the input's cost too, so it
// is not the output price); the per-token parts only where some run is
// priced per token.
func addCost(t *table.Table, runs runCells) {
	if !runs.any(func(s reports.Summary) bool { return s.Cost != nil }) {
		return
	}
	t.Section("cost (USD)")
	cost := func(f func(c *reports.Cost) string) []string {
		return runs.each(func(s reports.Summary) string {
			if s.Cost == nil {
				return "-"
			}
			return f(s.Cost)
		})
	}
	t.Add("  pricing", cost(func(c *reports.Cost) string { return c.Model }))
	t.Add("  list price /1M tok, or /h", cost(func(c *reports.Cost) string {
		switch c.Model {
		case reports.CostPerToken:
			return table.Price(c.Prices.InputPer1M) + " in, " + table.Price(c.Prices.OutputPer1M) + " out"
		case reports.CostGPUHourly:
			return table.Price(c.Prices.GPUHourly) + "/h"
		}
		return "-"
	}))
	cachedPrice := func(c *reports.Cost) bool {
		return c.Model == reports.CostPerToken && c.Prices.CachedInputPer1M != c.Prices.InputPer1M
	}
	if runs.any(func(s reports.Summary) bool { return s.Cost != nil && cachedPrice(s.Cost) }) {
		t.Add("    cached input /1M tok", cost(func(c *reports.Cost) string {
			if !cachedPrice(c) {
				return "-"
			}
			return table.Price(c.Prices.CachedInputPer1M)
		}))
	}
	t.AddProvenance("  prices from", cost(func(c *reports.Cost) string {
		if c.StaleDays > 0 {
			return c.Source + " (possibly stale: checked " + c.Prices.CheckedAt + ")"
		}
		return c.Source
	}))
	t.Add("  run total", cost(func(c *reports.Cost) string { return table.USD(c.TotalUSD) }))
	if runs.any(func(s reports.Summary) bool { return s.Cost != nil && s.Cost.Model == reports.CostPerToken }) {
		part := func(f func(c *reports.Cost) float64) func(c *reports.Cost) string {
			return func(c *reports.Cost) string {
				if c.Model != reports.CostPerToken {
					return "-"
				}
				return table.USD(f(c))
			}
		}
		t.Add("    input part", cost(part(func(c *reports.Cost) float64 { return c.InputUSD })))
		t.Add("    cached input part", cost(part(func(c *reports.Cost) float64 { return c.CachedInputUSD })))
		t.Add("    output part", cost(part(func(c *reports.Cost) float64 { return c.OutputUSD })))
	}
	t.Add("  all-in per request", cost(func(c *reports.Cost) string { return table.USD(c.USDPerRequest) }))
	t.Add("  all-in per 1M tokens (in+out)", cost(func(c *reports.Cost) string { return table.USD(c.USDPer1MBlended()) }))
	t.Add("  all-in per 1M output tokens", cost(func(c *reports.Cost) string { return table.USD(c.USDPer1MOutput) }))
}

// errorClasses is the union of the runs' error classes, in order of first
// appearance (each run lists its own most frequent first).
func errorClasses(ss []reports.Summary) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		for _, c := range s.Requests.Errors {
			if !seen[c.Class] {
				seen[c.Class] = true
				out = append(out, c.Class)
			}
		}
	}
	return out
}

func sources(sc []reports.SourceCount) string {
	if len(sc) == 0 {
		return "-"
	}
	parts := make([]string, len(sc))
	for i, c := range sc {
		parts[i] = c.Source + " " + table.Itoa(c.Count)
	}
	return strings.Join(parts, ", ")
}

// Notes lists every run's notes as "run_id: note".
func Notes(ss []reports.Summary) []string {
	var out []string
	for _, s := range ss {
		for _, n := range s.Notes {
			out = append(out, s.RunID+": "+n)
		}
	}
	return out
}

// Warnings are the lines a report puts above everything else: each run
// that cannot carry a verdict, why, and how many of its requests survive.
func Warnings(ss []reports.Summary) []string {
	var out []string
	for _, s := range ss {
		if len(s.Incomplete) == 0 {
			continue
		}
		out = append(out, "run "+s.RunID+" is incomplete: "+strings.Join(s.Incomplete, "; ")+
			". Its figures cover only what is on disk: "+s.RowsNote+".")
	}
	return out
}

// ErrorSample is one error class of one run with its count and sample
// message, as reports list them under the table.
type ErrorSample struct {
	RunID string
	results.ClassCount
}

// ErrorSamples lists the error classes of every run, most frequent first
// within a run.
func ErrorSamples(ss []reports.Summary) []ErrorSample {
	var out []ErrorSample
	for _, s := range ss {
		for _, c := range s.Requests.Errors {
			out = append(out, ErrorSample{RunID: s.RunID, ClassCount: c})
		}
	}
	return out
}

// StateSection is one run's server-state table (ServerState): a row per
// band of queue depth and of KV-cache usage at send, with the ok
// requests in it and their TTFT p50 and p95 (ms).
type StateSection struct {
	RunID string
	// Title says what the table shows and how many requests waited.
	Title string
	Table *table.Table
}

// StateSections are the server-state tables of the runs that have one.
func StateSections(ss []reports.Summary) []StateSection {
	var out []StateSection
	for _, s := range ss {
		st := s.ServerState
		if st == nil {
			continue
		}
		title := "Server state the requests met (" + s.RunID + "; engine /metrics at send, max over engines)"
		t := &table.Table{Head: []string{"requests", "TTFT p50 (ms)", "TTFT p95 (ms)"}}
		add := func(bands []reports.StateBand) {
			for _, b := range bands {
				t.Add("  "+b.Band, []string{table.Itoa(int64(b.Requests)), table.Ftoa(float64(b.TTFTP50Ns)/1e6, 1), table.Ftoa(float64(b.TTFTP95Ns)/1e6, 1)})
			}
		}
		pct := 0.0
		if st.Requests > 0 {
			pct = float64(st.Waited) / float64(st.Requests) * 100
		}
		t.Add("sent while others waited", []string{fmt.Sprintf("%d of %d (%s%%)", st.Waited, st.Requests, table.Ftoa(pct, 1)), "", ""})
		if len(st.ByQueue) > 0 {
			t.Section("requests waiting in the queue at send")
			add(st.ByQueue)
		}
		if len(st.ByKV) > 0 {
			t.Section("KV-cache usage at send")
			add(st.ByKV)
		}
		out = append(out, StateSection{RunID: s.RunID, Title: title, Table: t})
	}
	return out
}

// maxTextSample is the most of a sample error message a terminal report
// shows (Markdown, JSON and HTML show all of it, up to the 512 bytes a
// row keeps).
const maxTextSample = 200

// writeText writes the warnings, the table, the error samples, the
// server-state sections and the notes of ss for a terminal.
func writeText(b *strings.Builder, ss []reports.Summary) {
	if w := append(Warnings(ss), reports.ClientWarnings(ss)...); len(w) > 0 {
		for _, l := range w {
			table.WrapText(b, "WARNING: ", "         ", l)
		}
		b.WriteString("\n")
	}
	table.WriteText(b, "run", Table(ss))
	if es := ErrorSamples(ss); len(es) > 0 {
		b.WriteString("\nerrors (count and one sample message per class):\n")
		for _, e := range es {
			msg := e.Sample
			if msg == "" {
				msg = "(no message)"
			}
			if r := []rune(msg); len(r) > maxTextSample {
				msg = string(r[:maxTextSample-1]) + "…"
			}
			table.WrapText(b, fmt.Sprintf("  %s: %s x%d: ", e.RunID, e.Class, e.Count), "      ", msg)
		}
	}
	for _, st := range StateSections(ss) {
		b.WriteString("\n")
		table.WrapText(b, "", "  ", st.Title)
		b.WriteString("\n")
		table.WriteText(b, "state at send", st.Table)
	}
	table.WriteNotesText(b, Notes(ss))
}

// Text writes ss side by side as a table aligned for a terminal:
// metric names on the left, one right-aligned column per run, at most
// table.TextWidth columns wide (more runs split the table). Warnings
// about incomplete runs and about a load generator that was the limit
// (ClientWarnings) come first; the error classes with a sample
// message and the notes follow the table.
func Text(w io.Writer, ss []reports.Summary) error {
	var b strings.Builder
	writeText(&b, ss)
	_, err := io.WriteString(w, b.String())
	return err
}

// Markdown writes ss side by side as a GitHub-flavoured Markdown
// table, with warnings about incomplete runs and about a load generator
// that was the limit above it (a quote), and the error samples and notes
// below it.
func Markdown(w io.Writer, ss []reports.Summary) error {
	var b strings.Builder
	warnings := append(Warnings(ss), reports.ClientWarnings(ss)...)
	for _, l := range warnings {
		b.WriteString("> **Warning:** " + table.MDEscape(l) + "\n>\n")
	}
	if len(warnings) > 0 {
		b.WriteString("\n")
	}
	table.WriteMarkdown(&b, "run", Table(ss))
	if es := ErrorSamples(ss); len(es) > 0 {
		b.WriteString("\nErrors (count and one sample message per class):\n\n| run | class | count | sample message |\n|---|---|---:|---|\n")
		for _, e := range es {
			fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", table.MDEscape(e.RunID), table.MDEscape(e.Class), e.Count,
				table.MDEscape(strings.ReplaceAll(e.Sample, "\n", " ")))
		}
	}
	for _, st := range StateSections(ss) {
		b.WriteString("\n### " + table.MDEscape(st.Title) + "\n\n")
		table.WriteMarkdown(&b, "state at send", st.Table)
	}
	table.WriteNotesMarkdown(&b, Notes(ss))
	_, err := io.WriteString(w, b.String())
	return err
}

// addSaturation adds the telemetry rows (GPU, energy, server queue) when
// any run has telemetry.
func addSaturation(t *table.Table, runs runCells) {
	each, anyRun := runs.each, runs.any
	if !anyRun(func(s reports.Summary) bool { return s.Saturation != nil }) {
		return
	}
	t.Section("saturation (telemetry over the window)")
	sat := func(f func(*reports.Saturation) string) []string {
		return each(func(s reports.Summary) string {
			if s.Saturation == nil {
				return "-"
			}
			return f(s.Saturation)
		})
	}
	gpu := func(f func(*reports.GPUWindow) string) []string {
		return sat(func(x *reports.Saturation) string {
			if x.GPU == nil || x.GPU.Samples == 0 {
				return "-"
			}
			return f(x.GPU)
		})
	}
	pct := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return table.Ftoa(*p, 1) + "%"
	}
	t.Add("  GPUs", gpu(func(g *reports.GPUWindow) string { return table.Itoa(int64(g.GPUs)) }))
	t.Add("  GPU util mean / max", gpu(func(g *reports.GPUWindow) string { return pct(g.MeanUtilPct) + " / " + pct(g.MaxUtilPct) }))
	t.Add("  SM active mean / max", gpu(func(g *reports.GPUWindow) string { return pct(g.MeanSMActivePct) + " / " + pct(g.MaxSMActivePct) }))
	t.Add("  memory high-water (GiB)", gpu(func(g *reports.GPUWindow) string {
		if g.MemHighWaterBytes == nil {
			return "-"
		}
		v := table.Ftoa(float64(*g.MemHighWaterBytes)/(1<<30), 1)
		if g.MemTotalBytes != nil {
			v += " of " + table.Ftoa(float64(*g.MemTotalBytes)/(1<<30), 1)
		}
		return v
	}))
	t.Add("  mean power (W, all GPUs)", gpu(func(g *reports.GPUWindow) string {
		if g.MeanPowerW == nil {
			return "-"
		}
		return table.Ftoa(*g.MeanPowerW, 0)
	}))
	energy := func(f func(*reports.Energy) string) []string {
		return sat(func(x *reports.Saturation) string {
			if x.Energy == nil {
				return "-"
			}
			return f(x.Energy)
		})
	}
	t.Add("  energy (kWh)", energy(func(e *reports.Energy) string { return table.Ftoa(e.KWh, 4) }))
	t.Add("  energy per output token (J)", energy(func(e *reports.Energy) string { return table.Ftoa(e.JPerOutputToken, 3) }))
	t.Add("  energy per request (J)", energy(func(e *reports.Energy) string { return table.Ftoa(e.JPerRequest, 1) }))
	if anyRun(func(s reports.Summary) bool {
		return s.Saturation != nil && s.Saturation.Energy != nil && s.Saturation.Energy.CostUSD > 0
	}) {
		t.Add("  energy cost", energy(func(e *reports.Energy) string { return table.USD(e.CostUSD) }))
	}
	t.Add("  server queue mean / max", sat(func(x *reports.Saturation) string {
		if x.Queue == nil {
			return "-"
		}
		return table.Ftoa(x.Queue.MeanWaiting, 1) + " / " + table.Ftoa(x.Queue.MaxWaiting, 0)
	}))
	t.Add("  time with requests queued", sat(func(x *reports.Saturation) string {
		if x.Queue == nil {
			return "-"
		}
		return table.Ftoa(x.Queue.QueuedFraction*100, 0) + "%"
	}))
	t.Add("  max running / KV usage", sat(func(x *reports.Saturation) string {
		if x.MaxRunning == nil && x.MaxKVUsage == nil {
			return "-"
		}
		r, k := "-", "-"
		if x.MaxRunning != nil {
			r = table.Ftoa(*x.MaxRunning, 0)
		}
		if x.MaxKVUsage != nil {
			k = table.Ftoa(*x.MaxKVUsage*100, 0) + "%"
		}
		return r + " / " + k
	}))
}
