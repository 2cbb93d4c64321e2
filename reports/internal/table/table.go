// Package table lays out the side-by-side tables of the reports packages
// (one column per run or target, one row per figure) as aligned terminal
// text or GitHub-flavoured Markdown, and writes the numbers in their cells
// the same way everywhere: dollars, list prices, counts. It is internal to
// reports and imports only the standard library and reports/chart.
package table

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Table is a side-by-side layout: Head has one cell per column, each Row a
// label and one cell per column. A row without cells is a section heading.
type Table struct {
	Head []string
	Rows []Row
}

// Row is one row of a Table. Its label is indented two spaces a level.
type Row struct {
	Label   string
	Cells   []string // nil for a section heading
	Section bool
	// Provenance marks a row of where-from text (price sources, URLs):
	// the terminal table shows a footnote mark in each cell and lists the
	// text under the table; Markdown and HTML keep it in the cells.
	Provenance bool
}

// Section adds a section heading.
func (t *Table) Section(label string) { t.Rows = append(t.Rows, Row{Label: label, Section: true}) }

// Add adds a row.
func (t *Table) Add(label string, cells []string) {
	t.Rows = append(t.Rows, Row{Label: label, Cells: cells})
}

// AddProvenance adds a row of where-from text (see Row.Provenance).
func (t *Table) AddProvenance(label string, cells []string) {
	t.Rows = append(t.Rows, Row{Label: label, Cells: cells, Provenance: true})
}

// TextWidth is the most columns the terminal renderings use: wider
// tables are split into groups of columns, each repeating the labels,
// and longer lines of prose are wrapped.
const TextWidth = 120

// maxTextCell is the widest cell of a terminal table; longer text is cut
// with an ellipsis. Markdown, JSON and HTML keep the whole text.
const maxTextCell = 40

// fitCell cuts c to maxTextCell runes.
func fitCell(c string) string {
	if utf8.RuneCountInString(c) <= maxTextCell {
		return c
	}
	r := []rune(c)
	return string(r[:maxTextCell-1]) + "…"
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// WriteText writes t aligned for a terminal, with corner above the labels:
// labels left-aligned, cells right-aligned, a rule under the heading. A
// table wider than TextWidth is written as several, each with as many of
// the columns as fit and the labels repeated. Provenance rows show
// footnote marks ([1], [2]...; one per distinct text) listed under the
// table.
func WriteText(b *strings.Builder, corner string, t *Table) {
	rows, foot := footnotes(t.Rows)
	// Section headings stand on lines of their own, so only the labels
	// of rows set the label column's width.
	width := runes(corner)
	for _, r := range rows {
		if !r.Section {
			width = max(width, runes(r.Label))
		}
	}
	cols := make([]int, len(t.Head))
	for i, h := range t.Head {
		cols[i] = runes(fitCell(h))
	}
	for _, r := range rows {
		for i, c := range r.Cells {
			cols[i] = max(cols[i], runes(fitCell(c)))
		}
	}
	for g, grp := range columnGroups(width, cols) {
		if g > 0 {
			b.WriteString("\n")
		}
		writeGroup(b, corner, t.Head, rows, width, cols, grp)
	}
	for i, f := range foot {
		WrapText(b, fmt.Sprintf("  [%d] ", i+1), "      ", f)
	}
}

// columnGroups splits the columns into runs [from, to) that fit
// TextWidth beside labels of the given width (at least one column each).
func columnGroups(label int, cols []int) [][2]int {
	var out [][2]int
	from, w := 0, label
	for i, c := range cols {
		if i > from && w+2+c > TextWidth {
			out = append(out, [2]int{from, i})
			from, w = i, label
		}
		w += 2 + c
	}
	return append(out, [2]int{from, len(cols)})
}

// writeGroup writes the columns grp of a table.
func writeGroup(b *strings.Builder, corner string, head []string, rows []Row, width int, cols []int, grp [2]int) {
	line := func(label string, cells []string) {
		var l strings.Builder
		l.WriteString(label)
		l.WriteString(strings.Repeat(" ", width-runes(label)))
		for i := grp[0]; i < grp[1] && i < len(cells); i++ {
			c := fitCell(cells[i])
			l.WriteString("  ")
			l.WriteString(strings.Repeat(" ", cols[i]-runes(c)))
			l.WriteString(c)
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	line(corner, head)
	total := width
	for _, c := range cols[grp[0]:grp[1]] {
		total += 2 + c
	}
	b.WriteString(strings.Repeat("-", total) + "\n")
	for _, r := range rows {
		if r.Section {
			b.WriteString(r.Label + "\n")
			continue
		}
		line(r.Label, r.Cells)
	}
}

// maxInlineProvenance is the longest provenance text a terminal table
// keeps in its cell ("command line", "manifest").
const maxInlineProvenance = 20

// footnotes replaces the longer cells of provenance rows by footnote
// marks, one per distinct text in order of appearance, and returns the
// texts.
func footnotes(rows []Row) ([]Row, []string) {
	var foot []string
	index := map[string]int{}
	out := make([]Row, len(rows))
	for i, r := range rows {
		out[i] = r
		if !r.Provenance {
			continue
		}
		out[i].Cells = make([]string, len(r.Cells))
		for j, c := range r.Cells {
			if runes(c) <= maxInlineProvenance {
				out[i].Cells[j] = Dash(c)
				continue
			}
			n, ok := index[c]
			if !ok {
				foot = append(foot, c)
				n = len(foot)
				index[c] = n
			}
			out[i].Cells[j] = fmt.Sprintf("[%d]", n)
		}
	}
	return out, foot
}

// WrapText writes s after first, wrapped at word boundaries to
// TextWidth, continuation lines starting with indent. A word longer than
// a line (a URL) gets a line of its own, unbroken.
func WrapText(b *strings.Builder, first, indent, s string) {
	line, n := first, runes(first)
	empty := true
	for _, w := range strings.Fields(s) {
		if !empty && n+1+runes(w) > TextWidth {
			b.WriteString(line + "\n")
			line, n, empty = indent, runes(indent), true
		}
		if !empty {
			line += " "
			n++
		}
		line += w
		n += runes(w)
		empty = false
	}
	b.WriteString(line + "\n")
}

// WriteNotesText writes notes as an indented list under "notes:", each
// wrapped to TextWidth.
func WriteNotesText(b *strings.Builder, n []string) {
	if len(n) == 0 {
		return
	}
	b.WriteString("\nnotes:\n")
	for _, s := range n {
		WrapText(b, "  ", "    ", s)
	}
}

// WriteMarkdown writes t as a Markdown table with corner as the first
// column's heading; sections are bold rows, deeper indents non-breaking
// spaces.
func WriteMarkdown(b *strings.Builder, corner string, t *Table) {
	b.WriteString("| " + MDEscape(corner) + " |")
	for _, h := range t.Head {
		b.WriteString(" " + MDEscape(h) + " |")
	}
	b.WriteString("\n|---|")
	b.WriteString(strings.Repeat("---:|", len(t.Head)))
	b.WriteString("\n")
	for _, r := range t.Rows {
		if r.Section {
			b.WriteString("| **" + MDEscape(r.Label) + "** |" + strings.Repeat(" |", len(t.Head)) + "\n")
			continue
		}
		label := strings.TrimLeft(r.Label, " ")
		if indent := len(r.Label) - len(label); indent > 2 {
			label = strings.Repeat("&nbsp;", indent-2) + label
		}
		b.WriteString("| " + MDEscape(label) + " |")
		for _, c := range r.Cells {
			b.WriteString(" " + MDEscape(c) + " |")
		}
		b.WriteString("\n")
	}
}

// WriteNotesMarkdown writes notes as a Markdown list under "Notes:".
func WriteNotesMarkdown(b *strings.Builder, n []string) {
	if len(n) == 0 {
		return
	}
	b.WriteString("\nNotes:\n\n")
	for _, s := range n {
		b.WriteString("- " + s + "\n")
	}
}

// MDEscape escapes the pipes of s for a Markdown table cell.
func MDEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
