// Package table lays out the side-by-side tables of the reports packages
// (one column per run or target, one row per figure) as aligned terminal
// text or GitHub-flavoured Markdown, and writes the numbers in their cells
// the same way everywhere: dollars, list prices, counts. It is internal to
// reports and imports only the standard library and reports/chart.
package table

import (
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
}

// Section adds a section heading.
func (t *Table) Section(label string) { t.Rows = append(t.Rows, Row{Label: label, Section: true}) }

// Add adds a row.
func (t *Table) Add(label string, cells []string) {
	t.Rows = append(t.Rows, Row{Label: label, Cells: cells})
}

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

// WriteText writes t aligned for a terminal, with corner above the labels:
// labels left-aligned, cells right-aligned, a rule under the heading.
func WriteText(b *strings.Builder, corner string, t *Table) {
	width := utf8.RuneCountInString(corner)
	for _, r := range t.Rows {
		width = max(width, utf8.RuneCountInString(r.Label))
	}
	cols := make([]int, len(t.Head))
	for i, h := range t.Head {
		cols[i] = utf8.RuneCountInString(fitCell(h))
	}
	for _, r := range t.Rows {
		for i, c := range r.Cells {
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
	line(corner, t.Head)
	total := width
	for _, c := range cols {
		total += 2 + c
	}
	b.WriteString(strings.Repeat("-", total) + "\n")
	for _, r := range t.Rows {
		if r.Section {
			b.WriteString(r.Label + "\n")
			continue
		}
		line(r.Label, r.Cells)
	}
}

// WriteNotesText writes notes as an indented list under "notes:".
func WriteNotesText(b *strings.Builder, n []string) {
	if len(n) == 0 {
		return
	}
	b.WriteString("\nnotes:\n")
	for _, s := range n {
		b.WriteString("  " + s + "\n")
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
