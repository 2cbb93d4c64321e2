package reports

import (
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/inferbench/inferbench/reports/chart"
)

// table is the side-by-side layout shared by the text and Markdown
// renderers: one column per run, one row per metric. A row without cells
// is a section heading.
type table struct {
	head []string // "run" cells, one per run
	rows []row
}

type row struct {
	label   string
	cells   []string // nil for a section heading
	section bool
}

func (t *table) section(label string) { t.rows = append(t.rows, row{label: label, section: true}) }

func (t *table) add(label string, cells []string) {
	t.rows = append(t.rows, row{label: label, cells: cells})
}

// buildTable lays out ss. Rows that no run has a value for are left out.
func buildTable(ss []Summary) *table {
	t := &table{}
	for _, s := range ss {
		t.head = append(t.head, s.RunID)
	}
	each := func(f func(s Summary) string) []string {
		c := make([]string, len(ss))
		for i, s := range ss {
			c[i] = f(s)
		}
		return c
	}
	anyRun := func(f func(s Summary) bool) bool {
		for _, s := range ss {
			if f(s) {
				return true
			}
		}
		return false
	}

	t.add("target", each(func(s Summary) string {
		if s.Simulated {
			return s.Target + " (simulated)"
		}
		return s.Target
	}))
	t.add("model", each(func(s Summary) string { return s.Model }))
	if anyRun(func(s Summary) bool { return s.StopReason != "completed" }) {
		t.add("stop reason", each(func(s Summary) string { return dash(s.StopReason) }))
	}

	t.section("requests")
	t.add("  total", each(func(s Summary) string { return itoa(s.Requests.Total) }))
	t.add("  ok", each(func(s Summary) string { return itoa(s.Requests.OK) }))
	t.add("  failed", each(func(s Summary) string { return itoa(s.Requests.Failed) }))
	t.add("  canceled", each(func(s Summary) string { return itoa(s.Requests.Canceled) }))
	t.add("  warm-up (not counted)", each(func(s Summary) string { return itoa(s.Requests.Warmup) }))
	for _, class := range errorClasses(ss) {
		t.add("  error "+class, each(func(s Summary) string {
			for _, c := range s.Requests.Errors {
				if c.Class == class {
					return itoa(c.Count)
				}
			}
			return "0"
		}))
	}

	t.section("throughput")
	t.add("  window (s)", each(func(s Summary) string { return ftoa(float64(s.WindowNs)/1e9, 3) }))
	t.add("  requests/s", each(func(s Summary) string { return ftoa(s.RequestsPerS, 3) }))
	t.add("  output tok/s", each(func(s Summary) string { return ftoa(s.OutputTokensPerS, 1) }))
	t.add("  input tok/s", each(func(s Summary) string { return ftoa(s.InputTokensPerS, 1) }))

	if anyRun(func(s Summary) bool { return s.Goodput != nil }) {
		slo := ""
		for _, s := range ss {
			if s.Goodput != nil {
				slo = sloString(s.Goodput.SLO)
				break
			}
		}
		t.section("goodput (SLO " + slo + ")")
		t.add("  good requests", each(func(s Summary) string {
			if s.Goodput == nil {
				return "-"
			}
			return itoa(s.Goodput.Good)
		}))
		t.add("  goodput (req/s)", each(func(s Summary) string {
			if s.Goodput == nil {
				return "-"
			}
			return ftoa(s.Goodput.PerS, 3)
		}))
		t.add("  good fraction", each(func(s Summary) string {
			if s.Goodput == nil {
				return "-"
			}
			return ftoa(s.Goodput.Fraction*100, 1) + "%"
		}))
	}

	t.section("latency (ms, nearest-rank)")
	for _, m := range shownFamilies(ss) {
		for _, st := range distStats {
			t.add("  "+m.label+" "+st.name, each(func(s Summary) string {
				d := *m.dist(&s)
				if d.N == 0 {
					return "-"
				}
				return ftoa(st.get(d)/1e6, 2)
			}))
		}
	}

	t.section("tokens (ok requests)")
	t.add("  input", each(func(s Summary) string { return itoa(s.InputTokens) }))
	t.add("  cached input", each(func(s Summary) string { return itoa(s.CachedInputTokens) }))
	t.add("  output", each(func(s Summary) string { return itoa(s.OutputTokens) }))
	t.add("  input counted by", each(func(s Summary) string { return sources(s.InputTokenSources) }))
	t.add("  output counted by", each(func(s Summary) string { return sources(s.OutputTokenSources) }))

	addSaturation(t, ss, each)

	if anyRun(func(s Summary) bool { return s.Cost != nil }) {
		t.section("cost (USD)")
		cost := func(f func(c *Cost) string) []string {
			return each(func(s Summary) string {
				if s.Cost == nil {
					return "-"
				}
				return f(s.Cost)
			})
		}
		t.add("  pricing", cost(func(c *Cost) string { return c.Model }))
		t.add("  prices from", cost(func(c *Cost) string { return c.Source }))
		t.add("  total", cost(func(c *Cost) string { return usd(c.TotalUSD) }))
		if anyRun(func(s Summary) bool { return s.Cost != nil && s.Cost.Model == CostPerToken }) {
			part := func(f func(c *Cost) float64) func(c *Cost) string {
				return func(c *Cost) string {
					if c.Model != CostPerToken {
						return "-"
					}
					return usd(f(c))
				}
			}
			t.add("    input part", cost(part(func(c *Cost) float64 { return c.InputUSD })))
			t.add("    cached input part", cost(part(func(c *Cost) float64 { return c.CachedInputUSD })))
			t.add("    output part", cost(part(func(c *Cost) float64 { return c.OutputUSD })))
		}
		t.add("  per request", cost(func(c *Cost) string { return usd(c.USDPerRequest) }))
		t.add("  per 1M input tok (blended)", cost(func(c *Cost) string { return usd(c.USDPer1MInput) }))
		t.add("  per 1M output tok (blended)", cost(func(c *Cost) string { return usd(c.USDPer1MOutput) }))
	}
	return t
}

// shownFamilies are the latency families a table of ss shows: those some
// run measured, less TTFO where it equals TTFT in every run (it differs
// only for reasoning output, and would repeat TTFT's rows).
func shownFamilies(ss []Summary) []latencyFamily {
	var out []latencyFamily
	for _, f := range latencyFamilies {
		if !slices.ContainsFunc(ss, func(s Summary) bool { return f.dist(&s).N > 0 }) {
			continue
		}
		if f.name == "ttfo" && !slices.ContainsFunc(ss, func(s Summary) bool { return s.TTFO != s.TTFT }) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// errorClasses is the union of the runs' error classes, in order of first
// appearance (each run lists its own most frequent first).
func errorClasses(ss []Summary) []string {
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

func sloString(s SLO) string {
	var parts []string
	for _, l := range []struct {
		name string
		d    time.Duration
	}{{"ttft", s.TTFT}, {"tpot", s.TPOT}, {"e2e", s.E2E}, {"itl", s.ITL}} {
		if l.d > 0 {
			parts = append(parts, l.name+"<="+l.d.String())
		}
	}
	return strings.Join(parts, " ")
}

func sources(sc []SourceCount) string {
	if len(sc) == 0 {
		return "-"
	}
	parts := make([]string, len(sc))
	for i, c := range sc {
		parts[i] = c.Source + " " + itoa(c.Count)
	}
	return strings.Join(parts, ", ")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ftoa(f float64, prec int) string { return strconv.FormatFloat(f, 'f', prec, 64) }

// usd formats a dollar amount with at least two decimals and at least
// four significant digits, so a fraction of a cent per request stays
// readable ($0.0002250) and large sums do not sprout decimals
// ($1,234.50; thousands are separated).
func usd(f float64) string {
	if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return "$" + ftoa(f, 2)
	}
	dec := max(2, 3-int(math.Floor(math.Log10(math.Abs(f)))))
	return "$" + chart.Thousands(ftoa(f, dec))
}

// price formats a list price as written: at least two decimals, no
// more than it has ($2.50, $0.075, $10.00).
func price(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i < 0 {
		s += ".00"
	} else if len(s)-i-1 < 2 {
		s += strings.Repeat("0", 2-(len(s)-i-1))
	}
	return "$" + chart.Thousands(s)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// notes lists every run's notes as "run_id: note".
func notes(ss []Summary) []string {
	var out []string
	for _, s := range ss {
		for _, n := range s.Notes {
			out = append(out, s.RunID+": "+n)
		}
	}
	return out
}

// RenderText writes ss side by side as a table aligned for a terminal:
// metric names on the left, one right-aligned column per run.
func RenderText(w io.Writer, ss []Summary) error {
	var b strings.Builder
	writeText(&b, "run", buildTable(ss))
	writeNotesText(&b, notes(ss))
	_, err := io.WriteString(w, b.String())
	return err
}

// writeText writes t aligned for a terminal, with corner above the labels.
// maxTextCell is the widest cell of a terminal table; longer text (price
// sources, mostly) is cut with an ellipsis. Markdown, JSON and HTML keep
// the whole text.
const maxTextCell = 40

// fitCell cuts c to maxTextCell runes.
func fitCell(c string) string {
	if utf8.RuneCountInString(c) <= maxTextCell {
		return c
	}
	r := []rune(c)
	return string(r[:maxTextCell-1]) + "…"
}

func writeText(b *strings.Builder, corner string, t *table) {
	width := utf8.RuneCountInString(corner)
	for _, r := range t.rows {
		width = max(width, utf8.RuneCountInString(r.label))
	}
	cols := make([]int, len(t.head))
	for i, h := range t.head {
		cols[i] = utf8.RuneCountInString(fitCell(h))
	}
	for _, r := range t.rows {
		for i, c := range r.cells {
			cols[i] = max(cols[i], utf8.RuneCountInString(fitCell(c)))
		}
	}
	line := func(label string, cells []string) {
		b.WriteString(label)
		b.WriteString(strings.Repeat(" ", width-utf8.RuneCountInString(label)))
		for i, c := range cells {
			c = fitCell(c)
			b.WriteString("  ")
			b.WriteString(strings.Repeat(" ", cols[i]-utf8.RuneCountInString(c)))
			b.WriteString(c)
		}
		b.WriteString("\n")
	}
	line(corner, t.head)
	total := width
	for _, c := range cols {
		total += 2 + c
	}
	b.WriteString(strings.Repeat("-", total) + "\n")
	for _, r := range t.rows {
		if r.section {
			b.WriteString(r.label + "\n")
			continue
		}
		line(r.label, r.cells)
	}
}

func writeNotesText(b *strings.Builder, n []string) {
	if len(n) == 0 {
		return
	}
	b.WriteString("\nnotes:\n")
	for _, s := range n {
		b.WriteString("  " + s + "\n")
	}
}

// RenderMarkdown writes ss side by side as a GitHub-flavoured Markdown
// table, with the notes as a list below it.
func RenderMarkdown(w io.Writer, ss []Summary) error {
	var b strings.Builder
	writeMarkdown(&b, "run", buildTable(ss))
	writeNotesMarkdown(&b, notes(ss))
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMarkdown writes t as a Markdown table with corner as the first
// column's heading.
func writeMarkdown(b *strings.Builder, corner string, t *table) {
	b.WriteString("| " + mdEscape(corner) + " |")
	for _, h := range t.head {
		b.WriteString(" " + mdEscape(h) + " |")
	}
	b.WriteString("\n|---|")
	b.WriteString(strings.Repeat("---:|", len(t.head)))
	b.WriteString("\n")
	for _, r := range t.rows {
		if r.section {
			b.WriteString("| **" + mdEscape(r.label) + "** |" + strings.Repeat(" |", len(t.head)) + "\n")
			continue
		}
		label := strings.TrimLeft(r.label, " ")
		if indent := len(r.label) - len(label); indent > 2 {
			label = strings.Repeat("&nbsp;", indent-2) + label
		}
		b.WriteString("| " + mdEscape(label) + " |")
		for _, c := range r.cells {
			b.WriteString(" " + mdEscape(c) + " |")
		}
		b.WriteString("\n")
	}
}

func writeNotesMarkdown(b *strings.Builder, n []string) {
	if len(n) == 0 {
		return
	}
	b.WriteString("\nNotes:\n\n")
	for _, s := range n {
		b.WriteString("- " + s + "\n")
	}
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// addSaturation adds the telemetry rows (GPU, energy, server queue) when
// any run has telemetry.
func addSaturation(t *table, ss []Summary, each func(func(Summary) string) []string) {
	anyRun := func(f func(s Summary) bool) bool { return slices.ContainsFunc(ss, f) }
	if !anyRun(func(s Summary) bool { return s.Saturation != nil }) {
		return
	}
	t.section("saturation (telemetry over the window)")
	sat := func(f func(*Saturation) string) []string {
		return each(func(s Summary) string {
			if s.Saturation == nil {
				return "-"
			}
			return f(s.Saturation)
		})
	}
	gpu := func(f func(*GPUWindow) string) []string {
		return sat(func(x *Saturation) string {
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
		return ftoa(*p, 1) + "%"
	}
	t.add("  GPUs", gpu(func(g *GPUWindow) string { return itoa(int64(g.GPUs)) }))
	t.add("  GPU util mean / max", gpu(func(g *GPUWindow) string { return pct(g.MeanUtilPct) + " / " + pct(g.MaxUtilPct) }))
	t.add("  SM active mean / max", gpu(func(g *GPUWindow) string { return pct(g.MeanSMActivePct) + " / " + pct(g.MaxSMActivePct) }))
	t.add("  memory high-water (GiB)", gpu(func(g *GPUWindow) string {
		if g.MemHighWaterBytes == nil {
			return "-"
		}
		v := ftoa(float64(*g.MemHighWaterBytes)/(1<<30), 1)
		if g.MemTotalBytes != nil {
			v += " of " + ftoa(float64(*g.MemTotalBytes)/(1<<30), 1)
		}
		return v
	}))
	t.add("  mean power (W, all GPUs)", gpu(func(g *GPUWindow) string {
		if g.MeanPowerW == nil {
			return "-"
		}
		return ftoa(*g.MeanPowerW, 0)
	}))
	energy := func(f func(*Energy) string) []string {
		return sat(func(x *Saturation) string {
			if x.Energy == nil {
				return "-"
			}
			return f(x.Energy)
		})
	}
	t.add("  energy (kWh)", energy(func(e *Energy) string { return ftoa(e.KWh, 4) }))
	t.add("  energy per output token (J)", energy(func(e *Energy) string { return ftoa(e.JPerOutputToken, 3) }))
	t.add("  energy per request (J)", energy(func(e *Energy) string { return ftoa(e.JPerRequest, 1) }))
	if anyRun(func(s Summary) bool {
		return s.Saturation != nil && s.Saturation.Energy != nil && s.Saturation.Energy.CostUSD > 0
	}) {
		t.add("  energy cost", energy(func(e *Energy) string { return usd(e.CostUSD) }))
	}
	t.add("  server queue mean / max", sat(func(x *Saturation) string {
		if x.Queue == nil {
			return "-"
		}
		return ftoa(x.Queue.MeanWaiting, 1) + " / " + ftoa(x.Queue.MaxWaiting, 0)
	}))
	t.add("  time with requests queued", sat(func(x *Saturation) string {
		if x.Queue == nil {
			return "-"
		}
		return ftoa(x.Queue.QueuedFraction*100, 0) + "%"
	}))
	t.add("  max running / KV usage", sat(func(x *Saturation) string {
		if x.MaxRunning == nil && x.MaxKVUsage == nil {
			return "-"
		}
		r, k := "-", "-"
		if x.MaxRunning != nil {
			r = ftoa(*x.MaxRunning, 0)
		}
		if x.MaxKVUsage != nil {
			k = ftoa(*x.MaxKVUsage*100, 0) + "%"
		}
		return r + " / " + k
	}))
}
