package reports

import (
	"io"
	"math"
	"strconv"
	"strings"
	"time"
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
	for _, m := range latencyMetrics {
		if !anyRun(func(s Summary) bool { return m.dist(&s).N > 0 }) {
			continue
		}
		for _, st := range distStats {
			t.add("  "+m.name+" "+st.name, each(func(s Summary) string {
				d := m.dist(&s)
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

// latencyMetrics are the distributions in table order.
var latencyMetrics = []struct {
	name string
	dist func(s *Summary) Dist
}{
	{"TTFT", func(s *Summary) Dist { return s.TTFT }},
	{"TTFO", func(s *Summary) Dist { return s.TTFO }},
	{"TPOT", func(s *Summary) Dist { return s.TPOT }},
	{"ITL", func(s *Summary) Dist { return s.ITL }},
	{"E2E", func(s *Summary) Dist { return s.E2E }},
	{"user latency", func(s *Summary) Dist { return s.UserLatency }},
	{"schedule lag", func(s *Summary) Dist { return s.ScheduleLag }},
}

var distStats = []struct {
	name string
	get  func(d Dist) float64
}{
	{"p50", func(d Dist) float64 { return float64(d.P50) }},
	{"p90", func(d Dist) float64 { return float64(d.P90) }},
	{"p95", func(d Dist) float64 { return float64(d.P95) }},
	{"p99", func(d Dist) float64 { return float64(d.P99) }},
	{"max", func(d Dist) float64 { return float64(d.Max) }},
	{"mean", func(d Dist) float64 { return d.Mean }},
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
// readable ($0.0002250) and large sums do not sprout decimals ($1234.50).
func usd(f float64) string {
	if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return "$" + ftoa(f, 2)
	}
	dec := max(2, 3-int(math.Floor(math.Log10(math.Abs(f)))))
	return "$" + ftoa(f, dec)
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
	t := buildTable(ss)
	width := len("run")
	for _, r := range t.rows {
		width = max(width, len(r.label))
	}
	cols := make([]int, len(t.head))
	for i, h := range t.head {
		cols[i] = len(h)
	}
	for _, r := range t.rows {
		for i, c := range r.cells {
			cols[i] = max(cols[i], len(c))
		}
	}
	var b strings.Builder
	line := func(label string, cells []string) {
		b.WriteString(label)
		b.WriteString(strings.Repeat(" ", width-len(label)))
		for i, c := range cells {
			b.WriteString("  ")
			b.WriteString(strings.Repeat(" ", cols[i]-len(c)))
			b.WriteString(c)
		}
		b.WriteString("\n")
	}
	line("run", t.head)
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
	if n := notes(ss); len(n) > 0 {
		b.WriteString("\nnotes:\n")
		for _, s := range n {
			b.WriteString("  " + s + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// RenderMarkdown writes ss side by side as a GitHub-flavoured Markdown
// table, with the notes as a list below it.
func RenderMarkdown(w io.Writer, ss []Summary) error {
	t := buildTable(ss)
	var b strings.Builder
	b.WriteString("| run |")
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
	if n := notes(ss); len(n) > 0 {
		b.WriteString("\nNotes:\n\n")
		for _, s := range n {
			b.WriteString("- " + s + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
