package trend

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/table"
)

// Section is one series as the renderers show it: a title, its table (a
// row per night, with its change rows under it), the significant moves
// in words and the series' notes.
type Section struct {
	Title string
	Table *table.Table
	Moves []string
	Notes []string
}

// nightTime is how a night's start is shown (UTC).
const nightTime = "2006-01-02 15:04"

// Name is the night's start (UTC) and run: a suite's runs of one target
// share a run ID, so the start tells them apart.
func (n *Night) Name() string {
	if n.StartedAt.IsZero() {
		return n.RunID
	}
	return n.StartedAt.UTC().Format(nightTime) + " " + n.RunID
}

// Label is the night's row label: its Name, marked when the run did not
// complete.
func (n *Night) Label() string {
	if !n.Complete() {
		return n.Name() + " (incomplete)"
	}
	return n.Name()
}

// Sections are the trend's series as tables. A column no night of a
// series has a value for is left out of its table (the JSON keeps it).
func (t *Trend) Sections() []Section {
	var out []Section
	for i := range t.Series {
		s := &t.Series[i]
		var cols []int
		for j := range t.Metrics {
			for _, n := range s.Nights {
				if n.Values[j].Known {
					cols = append(cols, j)
					break
				}
			}
		}
		tb := &table.Table{}
		for _, j := range cols {
			tb.Head = append(tb.Head, t.Metrics[j].Label)
		}
		sec := Section{Title: t.title(s), Table: tb}
		for _, n := range s.Nights {
			cells := func(f func(m Metric, v Value) string) []string {
				c := make([]string, len(cols))
				for k, j := range cols {
					c[k] = f(t.Metrics[j], n.Values[j])
				}
				return c
			}
			tb.Add(n.Label(), cells(func(m Metric, v Value) string {
				if !v.Known {
					return "-"
				}
				return cell(m.Unit, v.V)
			}))
			if n.Baseline < 0 {
				continue
			}
			tb.Add("  change", cells(func(m Metric, v Value) string {
				if !v.Compared {
					return "-"
				}
				return deltaCell(m.Unit, v.Delta)
			}))
			tb.Add("  change %", cells(func(m Metric, v Value) string {
				if !v.Compared {
					return "-"
				}
				if v.Significant {
					return pctText(v.Pct) + " !"
				}
				return pctText(v.Pct)
			}))
		}
		for _, m := range t.Moves() {
			if m.Series == s {
				sec.Moves = append(sec.Moves, m.Night.Name()+": "+m.Text())
			}
		}
		for j, n := range s.Nights {
			switch {
			case !n.Complete():
				sec.Notes = append(sec.Notes, fmt.Sprintf("%s did not complete (%s): shown, not compared, and not the baseline of the next night",
					n.Name(), strings.Join(n.Incomplete, "; ")))
			case n.Baseline < 0 && j > 0:
				sec.Notes = append(sec.Notes, n.Name()+": no complete night before it to compare with")
			}
		}
		if !hasColumn(cols, t.Metrics, "cost_per_1m_tokens_usd") {
			sec.Notes = append(sec.Notes, "no cost: the runs have no prices (give --price-in/--price-out or --gpu-hourly)")
		}
		out = append(out, sec)
	}
	return out
}

// hasColumn reports whether the columns cols include the metric key.
func hasColumn(cols []int, ms []Metric, key string) bool {
	for _, j := range cols {
		if ms[j].Key == key {
			return true
		}
	}
	return false
}

// title is a series' heading: its name, how many nights from when to
// when, and the units of the columns.
func (t *Trend) title(s *Series) string {
	var sim string
	for _, n := range s.Nights {
		if n.Simulated {
			sim = " (simulated)"
			break
		}
	}
	span := ""
	first, last := s.Nights[0].StartedAt, s.Nights[len(s.Nights)-1].StartedAt
	if !first.IsZero() {
		span = ", " + first.UTC().Format("2006-01-02")
		if l := last.UTC().Format("2006-01-02"); l != span[2:] {
			span += " to " + l
		}
	}
	unit := "latencies in ms"
	if !t.SLO.IsZero() {
		unit += ", goodput in requests/s meeting the SLO"
	}
	return fmt.Sprintf("Trend of %s%s: %d run(s)%s (%s; $/1M tok all-in, input and output)", s.Name(), sim, len(s.Nights), span, unit)
}

// Legend says how to read the change rows and the marks.
func (t *Trend) Legend() string {
	return fmt.Sprintf("change: against the previous complete night; ! marks a move of more than %s (of the error rate, also at least %s percentage point)",
		strconv.FormatFloat(t.Significant*100, 'f', -1, 64)+"%", strconv.FormatFloat(MinFractionMove*100, 'f', -1, 64))
}

// cell is a value as a table shows it: latencies in ms, fractions as
// percentages, dollars, rates.
func cell(u reports.Unit, v float64) string {
	switch u {
	case reports.UnitDuration:
		return table.Ftoa(v/1e6, 1)
	case reports.UnitFraction:
		return table.Ftoa(v*100, 2) + "%"
	case reports.UnitUSD:
		return table.USD(v)
	}
	return table.Ftoa(v, 2)
}

// deltaCell is a change in the column's unit, signed (fractions in
// percentage points).
func deltaCell(u reports.Unit, d float64) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	switch u {
	case reports.UnitFraction:
		return sign + table.Ftoa(d*100, 2) + " pp"
	case reports.UnitUSD:
		return sign + table.USD(d)
	}
	return sign + cell(u, d)
}

// RenderText writes the trend for a terminal, within 120 columns: a
// table per series, the significant moves in words under it, then the
// notes.
func RenderText(w io.Writer, t *Trend) error {
	var b strings.Builder
	if len(t.Series) == 0 {
		b.WriteString("no runs\n")
	}
	for i, s := range t.Sections() {
		if i > 0 {
			b.WriteString("\n")
		}
		table.WrapText(&b, "", "  ", s.Title)
		b.WriteString("\n")
		table.WriteText(&b, "night (UTC) and run", s.Table)
		if len(s.Moves) > 0 {
			fmt.Fprintf(&b, "\nmoves of more than %s:\n", percentOf(t.Significant))
			for _, m := range s.Moves {
				table.WrapText(&b, "  ", "    ", m)
			}
		}
		if len(s.Notes) > 0 {
			b.WriteString("\n")
			for _, n := range s.Notes {
				table.WrapText(&b, "  ", "    ", n)
			}
		}
	}
	notes := append([]string{t.Legend()}, t.Notes...)
	table.WriteNotesText(&b, notes)
	_, err := io.WriteString(w, b.String())
	return err
}

// RenderMarkdown writes the trend as Markdown: a level-3 heading and a
// table per series, the moves as a list.
func RenderMarkdown(w io.Writer, t *Trend) error {
	var b strings.Builder
	b.WriteString("## inferbench trend\n")
	for _, s := range t.Sections() {
		b.WriteString("\n### " + table.MDEscape(s.Title) + "\n\n")
		table.WriteMarkdown(&b, "night (UTC) and run", s.Table)
		if len(s.Moves) > 0 {
			fmt.Fprintf(&b, "\nMoves of more than %s:\n\n", percentOf(t.Significant))
			for _, m := range s.Moves {
				b.WriteString("- " + table.MDEscape(m) + "\n")
			}
		}
		if len(s.Notes) > 0 {
			b.WriteString("\n")
			for _, n := range s.Notes {
				b.WriteString("- " + table.MDEscape(n) + "\n")
			}
		}
	}
	table.WriteNotesMarkdown(&b, append([]string{t.Legend()}, t.Notes...))
	_, err := io.WriteString(w, b.String())
	return err
}

func percentOf(f float64) string { return strconv.FormatFloat(f*100, 'f', -1, 64) + "%" }
