package chart

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// Series is one line of a Line chart.
type Series struct {
	Name   string
	Points []Point
	// Color is the palette index.
	Color int
	// Dashed draws the line dashed (a second statistic of the same
	// target, such as p99 next to p50).
	Dashed bool
	// Dots draws a dot on every point (few points, such as a load sweep).
	Dots bool
}

// Marker is a labelled point drawn over the lines (a break-even volume).
type Marker struct {
	X, Y  float64
	Label string
	Color int
}

// Line is a chart of lines over two axes.
type Line struct {
	// ID is the SVG element's id, also used to name its clip path; give
	// each chart of a page a different one.
	ID string
	// Title is the accessible name of the chart (an SVG title, shown as a
	// tooltip); the page draws its own caption.
	Title   string
	X, Y    Axis
	Series  []Series
	Markers []Marker
	// Width and Height are the size of the viewBox (default 600 x 340);
	// the SVG scales to its container.
	Width, Height float64
}

// SVG renders the chart.
func (c *Line) SVG() string {
	w, h := c.Width, c.Height
	if w <= 0 {
		w = 600
	}
	if h <= 0 {
		h = 340
	}
	var xs, ys []float64
	for _, s := range c.Series {
		for _, p := range s.Points {
			xs = append(xs, p.X)
			ys = append(ys, p.Y)
		}
	}
	for _, m := range c.Markers {
		xs = append(xs, m.X)
		ys = append(ys, m.Y)
	}
	xlo, xhi, xticks := c.X.resolve(xs)
	ylo, yhi, yticks := c.Y.resolve(ys)
	xfmt, yfmt := formatter(c.X), formatter(c.Y)

	var out svg
	out.open(c.ID, c.Title, w, h)

	// Legend on top, across the width.
	var items []legendItem
	for _, s := range c.Series {
		cls := ""
		if s.Dashed {
			cls = "dash"
		}
		items = append(items, legendItem{name: s.Name, color: s.Color, class: cls})
	}
	top := 8 + out.legend(items, 8, 6, w-16) + 12

	// Left margin: the widest y tick label, plus the rotated axis label.
	labelW := 0.0
	for _, t := range yticks {
		labelW = max(labelW, textWidth(yfmt(t)))
	}
	left := labelW + 14
	if c.Y.Label != "" {
		left += 20
	}
	right := 16.0
	if n := len(xticks); n > 0 {
		right = max(right, textWidth(xfmt(xticks[n-1]))/2+4)
	}
	bottom := 26.0
	if c.X.Label != "" {
		bottom += 18
	}
	px0, px1 := left, w-right
	py0, py1 := h-bottom, top
	sx := newScale(c.X.Log, xlo, xhi, px0, px1)
	sy := newScale(c.Y.Log, ylo, yhi, py0, py1)

	// Grid and tick labels.
	out.printf(`<g class="axes">`)
	for _, t := range yticks {
		y := sy.px(t)
		out.line(px0, y, px1, y, "grid")
		out.text(px0-6, y+4, "end", "", yfmt(t))
	}
	for _, t := range xticks {
		x := sx.px(t)
		out.line(x, py1, x, py0, "grid")
		out.text(x, py0+16, "middle", "", xfmt(t))
	}
	out.line(px0, py0, px1, py0, "axis")
	out.line(px0, py1, px0, py0, "axis")
	if c.X.Label != "" {
		out.text((px0+px1)/2, h-6, "middle", "label", c.X.Label)
	}
	if c.Y.Label != "" {
		cy := (py0 + py1) / 2
		out.printf(`<text x="14" y="%s" text-anchor="middle" transform="rotate(-90 14 %s)" class="label">%s</text>`,
			num(cy), num(cy), esc(c.Y.Label))
	}
	out.printf("</g>")

	// Lines, clipped to the plot area.
	clipID := ""
	if c.ID != "" {
		clipID = c.ID + "-plot"
		out.printf(`<clipPath id="%s"><rect x="%s" y="%s" width="%s" height="%s"/></clipPath>`,
			esc(clipID), num(px0-3), num(py1-3), num(px1-px0+6), num(py0-py1+6))
		out.printf(`<g clip-path="url(#%s)">`, esc(clipID))
	} else {
		out.printf("<g>")
	}
	for _, s := range c.Series {
		var d strings.Builder
		n := 0
		pen := false
		for _, p := range s.Points {
			if !sx.ok(p.X) || !sy.ok(p.Y) {
				pen = false // a gap: start a new subpath after it
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			d.WriteString(cmd + num(sx.px(p.X)) + " " + num(sy.px(p.Y)))
			pen = true
			n++
		}
		cls := "series c" + strconv.Itoa(mod(s.Color))
		if s.Dashed {
			cls += " dash"
		}
		out.printf(`<path class="%s" data-series="%s" data-points="%d" d="%s"/>`, cls, esc(s.Name), n, d.String())
		if s.Dots {
			for _, p := range s.Points {
				if sx.ok(p.X) && sy.ok(p.Y) {
					out.printf(`<circle cx="%s" cy="%s" r="3" class="marker c%d"/>`, num(sx.px(p.X)), num(sy.px(p.Y)), mod(s.Color))
				}
			}
		}
	}
	out.printf("</g>")

	// Marker labels go to the first free place around their point, so
	// break-even points close together stay readable.
	var placed []rect
	for _, m := range c.Markers {
		if !sx.ok(m.X) || !sy.ok(m.Y) {
			continue
		}
		x, y := sx.px(m.X), sy.px(m.Y)
		if x < px0-1 || x > px1+1 || y < py1-1 || y > py0+1 {
			continue
		}
		out.printf(`<g class="mark" data-marker="%s">`, esc(m.Label))
		out.line(x, y, x, py0, "grid dash")
		out.printf(`<circle cx="%s" cy="%s" r="5" class="marker c%d"/>`, num(x), num(y), mod(m.Color))
		lw, lh := textWidth(m.Label)*0.92, 13.0
		var at rect
		found := false
		for k := 0; k < 8 && !found; k++ {
			for _, cand := range []rect{
				{x + 8, y - 8 - lh - float64(k)*lh, lw, lh},
				{x - 8 - lw, y - 8 - lh - float64(k)*lh, lw, lh},
				{x + 8, y + 8 + float64(k)*lh, lw, lh},
				{x - 8 - lw, y + 8 + float64(k)*lh, lw, lh},
			} {
				if cand.x < px0 || cand.x+cand.w > px1 || cand.y < py1 || cand.y+cand.h > py0 {
					continue
				}
				if !slices.ContainsFunc(placed, cand.overlaps) {
					at, found = cand, true
					break
				}
			}
		}
		if !found {
			at = rect{x + 8, y - 8 - lh, lw, lh}
		}
		placed = append(placed, at)
		out.text(at.x, at.y+lh-2, "", "mlabel", m.Label)
		out.printf("</g>")
	}
	return out.close()
}

// rect is a box in pixels, for placing labels.
type rect struct{ x, y, w, h float64 }

func (r rect) overlaps(o rect) bool {
	return r.x < o.x+o.w && o.x < r.x+r.w && r.y < o.y+o.h && o.y < r.y+r.h
}

// formatter is the axis's tick formatter.
func formatter(a Axis) func(float64) string {
	if a.Format != nil {
		return a.Format
	}
	return Number
}

// Percent formats a fraction (0.25) as a percentage ("25%").
func Percent(v float64) string { return trimFloat(v*100) + "%" }

// Downsample returns at most about max points of an empirical CDF of
// sorted (ascending) values: X is the value, Y the fraction of values <=
// it. Points are spread evenly in probability, with more in the upper tail
// (down to 1 - 1/N), where latency percentiles live, and the smallest and
// largest value are always kept. A run of a million requests thus draws
// as a few hundred points with the same shape.
func Downsample(sorted []float64, maxPoints int) []Point {
	n := len(sorted)
	if n == 0 {
		return nil
	}
	if maxPoints < 10 {
		maxPoints = 10
	}
	at := func(rank int) Point { // 1-based rank
		return Point{X: sorted[rank-1], Y: float64(rank) / float64(n)}
	}
	if n <= maxPoints {
		pts := make([]Point, n)
		for i := range pts {
			pts[i] = at(i + 1)
		}
		return pts
	}
	// A fifth of the budget goes to the tail beyond p99, spaced
	// logarithmically in 1-p (p99, p99.5, p99.9, ...).
	tail := maxPoints / 5
	body := maxPoints - tail
	ranks := make([]int, 0, maxPoints+2)
	ranks = append(ranks, 1)
	for i := 1; i <= body; i++ {
		ranks = append(ranks, int(math.Ceil(float64(i)*0.99*float64(n)/float64(body))))
	}
	decades := math.Log10(float64(n)) - 2 // from 1-p = 1e-2 to 1/N
	for i := 1; i <= tail && decades > 0; i++ {
		q := math.Pow(10, -2-decades*float64(i)/float64(tail))
		ranks = append(ranks, int(math.Ceil((1-q)*float64(n))))
	}
	ranks = append(ranks, n)
	pts := make([]Point, 0, len(ranks))
	last := 0
	for _, r := range ranks {
		r = min(max(r, 1), n)
		if r <= last {
			continue
		}
		last = r
		pts = append(pts, at(r))
	}
	return pts
}
