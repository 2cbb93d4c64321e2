// Package chart draws the small set of charts a benchmark report needs
// (lines on linear or log axes, horizontal bars) as inline SVG.
//
// The SVG carries no colours of its own: elements have classes (series,
// bar, grid, c0..c7 for the palette) and CSS, the page's, decides how they
// look, so one chart reads in light and dark mode and in print. CSS is the
// stylesheet that goes with it.
//
// Every text that reaches the SVG (series names, labels, titles) is
// escaped, so a model or target name cannot inject markup. Series elements
// carry data-series and data-points attributes, so a test (or a script)
// can see what was drawn without parsing path data.
package chart

import (
	"fmt"
	"hash/fnv"
	"html"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Colors is the size of the palette: series colour i is class "c(i mod
// Colors)".
const Colors = 8

// Point is one data point.
type Point struct{ X, Y float64 }

// CSS styles the charts. The palette is defined for light and dark
// schemes and for print; a page includes it once.
const CSS = `
svg.chart{display:block;width:100%;height:auto;font:12px/1 var(--chart-font,system-ui,sans-serif);color:var(--fg)}
svg.chart text{fill:var(--muted)}
svg.chart .label{fill:var(--fg);font-weight:500}
svg.chart .legend text{fill:var(--fg)}
svg.chart .grid{stroke:var(--grid);stroke-width:1;shape-rendering:crispEdges}
svg.chart .axis{stroke:var(--axis);stroke-width:1;shape-rendering:crispEdges}
svg.chart .series{fill:none;stroke:var(--c);stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
svg.chart .dash{stroke-dasharray:6 4}
svg.chart .swatch{stroke:var(--c);stroke-width:3}
svg.chart .bar{fill:var(--c)}
svg.chart .light{fill-opacity:.45}
svg.chart .marker{fill:var(--bg);stroke:var(--c);stroke-width:2}
svg.chart .mlabel{fill:var(--fg);font-size:11px;paint-order:stroke;stroke:var(--bg);stroke-width:3px}
svg.chart .value{fill:var(--fg);font-size:11px}
svg.chart .neutral{--c:var(--fg)}
.c0{--c:var(--p0)}.c1{--c:var(--p1)}.c2{--c:var(--p2)}.c3{--c:var(--p3)}
.c4{--c:var(--p4)}.c5{--c:var(--p5)}.c6{--c:var(--p6)}.c7{--c:var(--p7)}
:root{--p0:#2563b8;--p1:#e07000;--p2:#2a9440;--p3:#cf3a32;--p4:#7e4fc2;--p5:#138a99;--p6:#c2417f;--p7:#8a6236}
@media (prefers-color-scheme:dark){:root{--p0:#6fa8ff;--p1:#ffa04d;--p2:#5fd27a;--p3:#ff6f66;--p4:#b59bff;--p5:#45c9d9;--p6:#f27eb4;--p7:#d1a574}}
@media print{:root{--p0:#2563b8;--p1:#e07000;--p2:#2a9440;--p3:#cf3a32;--p4:#7e4fc2;--p5:#138a99;--p6:#c2417f;--p7:#8a6236}}
`

// Font metrics for layout without a renderer: an average glyph of the
// 12 px sans-serif is taken to be 0.6 em wide. Generous, so labels do not
// overlap in wider fonts.
const (
	fontSize  = 12.0
	charWidth = 0.6 * fontSize
)

func textWidth(s string) float64 { return float64(utf8.RuneCountInString(s)) * charWidth }

// esc escapes s for SVG text and attribute values (the same escaping as
// html/template's for text: & < > " ').
func esc(s string) string { return html.EscapeString(s) }

// clip shortens s to n runes with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// num writes a coordinate with one decimal, which is finer than a pixel
// and keeps the SVG small.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}

// svg accumulates one SVG document.
type svg struct{ b strings.Builder }

func (s *svg) printf(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

func (s *svg) open(id, title string, w, h float64) {
	s.printf(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" role="img"`, num(w), num(h))
	if id != "" {
		s.printf(` id="%s"`, esc(id))
	}
	s.printf(">")
	if title != "" {
		s.printf("<title>%s</title>", esc(title))
	}
}

func (s *svg) close() string {
	s.printf("</svg>")
	return s.b.String()
}

// text writes a text element; anchor is start, middle or end.
func (s *svg) text(x, y float64, anchor, class, t string) {
	s.printf(`<text x="%s" y="%s"`, num(x), num(y))
	if anchor != "" && anchor != "start" {
		s.printf(` text-anchor="%s"`, anchor)
	}
	if class != "" {
		s.printf(` class="%s"`, class)
	}
	s.printf(">%s</text>", esc(t))
}

func (s *svg) line(x1, y1, x2, y2 float64, class string) {
	s.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="%s"/>`, num(x1), num(y1), num(x2), num(y2), class)
}

// legendItem is one entry of a legend.
type legendItem struct {
	name  string
	color int
	class string // extra classes of the swatch: dash, light, neutral
	bar   bool   // a box swatch (bars) instead of a line
}

// legend lays items out in rows across width starting at (x, y) and
// returns the height used.
func (s *svg) legend(items []legendItem, x, y, width float64) float64 {
	if len(items) == 0 {
		return 0
	}
	const rowH, gap = 18.0, 18.0
	s.printf(`<g class="legend">`)
	cx, cy := x, y+rowH/2
	for _, it := range items {
		name := clip(it.name, 48)
		w := 26 + textWidth(name)
		if cx > x && cx+w > x+width {
			cx, cy = x, cy+rowH
		}
		cls := "c" + strconv.Itoa(mod(it.color))
		if it.class != "" {
			cls += " " + it.class
		}
		if it.bar {
			s.printf(`<rect x="%s" y="%s" width="18" height="10" class="bar %s"/>`, num(cx), num(cy-5), cls)
		} else {
			s.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="swatch %s"/>`, num(cx), num(cy), num(cx+18), num(cy), cls)
		}
		s.printf(`<text x="%s" y="%s" dominant-baseline="middle">%s`, num(cx+24), num(cy+0.5), esc(name))
		if name != it.name {
			s.printf("<title>%s</title>", esc(it.name))
		}
		s.printf("</text>")
		cx += w + gap
	}
	s.printf("</g>")
	return cy + rowH/2 - y
}

func mod(i int) int { return ((i % Colors) + Colors) % Colors }

// ColorOf is the palette colour of a name: a stable hash (FNV-1a) of it,
// so a target keeps its colour from one report to the next.
func ColorOf(name string) int {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32() % Colors)
}

// ColorsOf gives each name its colour, ColorOf where it is free; a name
// whose colour an earlier name (in sorted order, so the pick does not
// depend on the order given) already took gets the next free one. Past
// Colors names, colours repeat.
func ColorsOf(names []string) map[string]int {
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	out := make(map[string]int, len(sorted))
	var taken [Colors]bool
	for i, n := range sorted {
		c := ColorOf(n)
		if i < Colors {
			for taken[c] {
				c = (c + 1) % Colors
			}
			taken[c] = true
		}
		out[n] = c
	}
	return out
}
