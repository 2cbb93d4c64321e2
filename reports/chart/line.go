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
	// Links, when set, are a link per point (aligned with Points; "" for
	// none): such a point is drawn as a dot inside an <a href>, with
	// Titles[i] (when set) as its tooltip, so a reader can open what the
	// point came from (a trend's run).
	Links  []string
	Titles []string
	// Apart marks points (aligned with Points) drawn as open dots off the
	// line: shown, but not joined to their neighbours (a run that did not
	// complete).
	Apart []bool
}

// at is s's i-th entry of a per-point list, or the zero value.
func at[T any](list []T, i int) T {
	var zero T
	if i < len(list) {
		return list[i]
	}
	return zero
}

// Marker is a labelled point drawn over the lines (a break-even volume).
type Marker struct {
	X, Y  float64
	Label string
	Color int
}

// Rule is a reference line across the plot: a limit (an SLO) at a Y
// value, or a point of interest (a volume asked for) at an X value, drawn
// dashed with its label. The axis range stretches to show it.
type Rule struct {
	// Vertical draws the rule at X = Value; otherwise at Y = Value.
	Vertical bool
	Value    float64
	Label    string
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
	Rules   []Rule
	// Width and Height are the size of the viewBox (default 600 x 340);
	// the SVG scales to its container.
	Width, Height float64
}

// SVG renders the chart: the legend on top, then the axes and grid, the
// lines clipped to the plot area, and the markers with their labels.
func (c *Line) SVG() string {
	w, h := c.Width, c.Height
	if w <= 0 {
		w = 600
	}
	if h <= 0 {
		h = 340
	}
	var out svg
	out.open(c.ID, c.Title, w, h)
	var items []legendItem
	for _, s := range c.Series {
		cls := ""
		if s.Dashed {
			cls = "dash"
		}
		items = append(items, legendItem{name: s.Name, color: s.Color, class: cls})
	}
	top := 8 + out.legend(items, 8, 6, w-16) + 12
	p := c.layout(w, h, top)
	c.drawAxes(&out, &p, h)
	placed := c.drawRules(&out, &p)
	c.drawSeries(&out, &p)
	c.drawMarkers(&out, &p, placed)
	return out.close()
}

// drawRules draws each rule dashed across the plot area with its label
// inside the plot at its top end (vertical) or right end (horizontal),
// and returns the labels' boxes, which marker labels then avoid.
func (c *Line) drawRules(out *svg, p *plotArea) []rect {
	var placed []rect
	for _, r := range c.Rules {
		sc := p.sy
		if r.Vertical {
			sc = p.sx
		}
		if !sc.ok(r.Value) {
			continue
		}
		v := sc.px(r.Value)
		w := textWidth(r.Label) * 0.92
		out.printf(`<g class="rule" data-rule="%s">`, esc(r.Label))
		var at rect
		if r.Vertical {
			out.line(v, p.y1, v, p.y0, "axis dash")
			at = rect{v + 4, p.y1 + 2, w, 13}
			if at.x+at.w > p.x1 {
				at.x = v - 4 - w
			}
		} else {
			out.line(p.x0, v, p.x1, v, "axis dash")
			at = rect{p.x1 - 4 - w, v - 15, w, 13}
			if at.y < p.y1 {
				at.y = v + 2
			}
		}
		placed = append(placed, at)
		out.text(at.x, at.y+at.h-2, "", "mlabel", r.Label)
		out.printf("</g>")
	}
	return placed
}

// plotArea is where a Line's data goes: the pixel box [x0, x1] x [y1, y0]
// (y grows downwards), the scales onto it and the ticks of both axes.
type plotArea struct {
	x0, x1, y0, y1 float64
	sx, sy         scale
	xticks, yticks []float64
	xfmt, yfmt     func(float64) string
}

// layout fits the plot area into a w x h chart below top: the left margin
// holds the widest y tick label and the rotated axis label, the bottom the
// x tick labels and axis label.
func (c *Line) layout(w, h, top float64) plotArea {
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
	for _, r := range c.Rules {
		if r.Vertical {
			xs = append(xs, r.Value)
		} else {
			ys = append(ys, r.Value)
		}
	}
	xlo, xhi, xticks := c.X.resolve(xs)
	ylo, yhi, yticks := c.Y.resolve(ys)
	p := plotArea{xticks: xticks, yticks: yticks, xfmt: formatter(c.X), yfmt: formatter(c.Y)}
	labelW := 0.0
	for _, t := range yticks {
		labelW = max(labelW, textWidth(p.yfmt(t)))
	}
	left := labelW + 14
	if c.Y.Label != "" {
		left += 20
	}
	right := 16.0
	if n := len(xticks); n > 0 {
		right = max(right, textWidth(p.xfmt(xticks[n-1]))/2+4)
	}
	bottom := 26.0
	if c.X.Label != "" {
		bottom += 18
	}
	p.x0, p.x1 = left, w-right
	p.y0, p.y1 = h-bottom, top
	p.sx = newScale(c.X.Log, xlo, xhi, p.x0, p.x1)
	p.sy = newScale(c.Y.Log, ylo, yhi, p.y0, p.y1)
	return p
}

// drawAxes draws the grid, the tick labels, the axes and their labels.
func (c *Line) drawAxes(out *svg, p *plotArea, h float64) {
	out.printf(`<g class="axes">`)
	for _, t := range p.yticks {
		y := p.sy.px(t)
		out.line(p.x0, y, p.x1, y, "grid")
		out.text(p.x0-6, y+4, "end", "", p.yfmt(t))
	}
	for _, t := range p.xticks {
		x := p.sx.px(t)
		out.line(x, p.y1, x, p.y0, "grid")
		out.text(x, p.y0+16, "middle", "", p.xfmt(t))
	}
	out.line(p.x0, p.y0, p.x1, p.y0, "axis")
	out.line(p.x0, p.y1, p.x0, p.y0, "axis")
	if c.X.Label != "" {
		out.text((p.x0+p.x1)/2, h-6, "middle", "label", c.X.Label)
	}
	if c.Y.Label != "" {
		cy := (p.y0 + p.y1) / 2
		out.printf(`<text x="14" y="%s" text-anchor="middle" transform="rotate(-90 14 %s)" class="label">%s</text>`,
			num(cy), num(cy), esc(c.Y.Label))
	}
	out.printf("</g>")
}

// drawSeries draws the lines (and their dots), clipped to the plot area.
// A point a scale cannot place (a 0 on a log axis, NaN) breaks its line.
func (c *Line) drawSeries(out *svg, p *plotArea) {
	if c.ID != "" {
		clipID := c.ID + "-plot"
		out.printf(`<clipPath id="%s"><rect x="%s" y="%s" width="%s" height="%s"/></clipPath>`,
			esc(clipID), num(p.x0-3), num(p.y1-3), num(p.x1-p.x0+6), num(p.y0-p.y1+6))
		out.printf(`<g clip-path="url(#%s)">`, esc(clipID))
	} else {
		out.printf("<g>")
	}
	for _, s := range c.Series {
		var d strings.Builder
		n := 0
		pen := false
		for i, pt := range s.Points {
			if at(s.Apart, i) {
				continue // off the line, which joins its neighbours
			}
			if !p.sx.ok(pt.X) || !p.sy.ok(pt.Y) {
				pen = false // a gap: start a new subpath after it
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			d.WriteString(cmd + num(p.sx.px(pt.X)) + " " + num(p.sy.px(pt.Y)))
			pen = true
			n++
		}
		cls := "series c" + strconv.Itoa(mod(s.Color))
		if s.Dashed {
			cls += " dash"
		}
		out.printf(`<path class="%s" data-series="%s" data-points="%d" d="%s"/>`, cls, esc(s.Name), n, d.String())
		drawDots(out, p, s)
	}
	out.printf("</g>")
}

// drawDots draws the dots of a series: every point with Dots, and every
// point that has a link or is apart; a linked dot inside its <a>.
func drawDots(out *svg, p *plotArea, s Series) {
	for i, pt := range s.Points {
		link, apart := at(s.Links, i), at(s.Apart, i)
		if !(s.Dots || link != "" || apart) || !p.sx.ok(pt.X) || !p.sy.ok(pt.Y) {
			continue
		}
		cls := "marker c" + strconv.Itoa(mod(s.Color))
		if apart {
			cls += " open"
		}
		if link != "" {
			out.printf(`<a href="%s" class="point" data-series="%s">`, esc(link), esc(s.Name))
		}
		out.printf(`<circle cx="%s" cy="%s" r="3" class="%s"`, num(p.sx.px(pt.X)), num(p.sy.px(pt.Y)), cls)
		if t := at(s.Titles, i); t != "" {
			out.printf("><title>%s</title></circle>", esc(t))
		} else {
			out.printf("/>")
		}
		if link != "" {
			out.printf("</a>")
		}
	}
}

// drawMarkers draws each marker inside the plot area with a dashed drop
// line, and its label at the first free place around it (clear of the
// labels already placed, the rules' among them), so break-even points
// close together stay readable.
func (c *Line) drawMarkers(out *svg, p *plotArea, placed []rect) {
	for _, m := range c.Markers {
		if !p.sx.ok(m.X) || !p.sy.ok(m.Y) {
			continue
		}
		x, y := p.sx.px(m.X), p.sy.px(m.Y)
		if x < p.x0-1 || x > p.x1+1 || y < p.y1-1 || y > p.y0+1 {
			continue
		}
		out.printf(`<g class="mark" data-marker="%s">`, esc(m.Label))
		out.line(x, y, x, p.y0, "grid dash")
		out.printf(`<circle cx="%s" cy="%s" r="5" class="marker c%d"/>`, num(x), num(y), mod(m.Color))
		at := p.labelPlace(x, y, textWidth(m.Label)*0.92, 13, placed)
		placed = append(placed, at)
		out.text(at.x, at.y+at.h-2, "", "mlabel", m.Label)
		out.printf("</g>")
	}
}

// labelPlace is the first box of w x h next to (x, y), above or below it,
// to its right or left, moving outwards a row at a time, that stays in
// the plot area and overlaps none of placed; when none is free near the
// point, the first free row of the plot area, top down, at the point's
// side; the box above right only when the plot is full.
func (p *plotArea) labelPlace(x, y, w, h float64, placed []rect) rect {
	free := func(r rect) bool {
		return r.x >= p.x0 && r.x+r.w <= p.x1 && r.y >= p.y1 && r.y+r.h <= p.y0 && !slices.ContainsFunc(placed, r.overlaps)
	}
	for k := range 8 {
		for _, cand := range []rect{
			{x + 8, y - 8 - h - float64(k)*h, w, h},
			{x - 8 - w, y - 8 - h - float64(k)*h, w, h},
			{x + 8, y + 8 + float64(k)*h, w, h},
			{x - 8 - w, y + 8 + float64(k)*h, w, h},
		} {
			if free(cand) {
				return cand
			}
		}
	}
	for ty := p.y1; ty+h <= p.y0; ty += h {
		for _, tx := range []float64{x + 8, x - 8 - w, p.x0 + 4, p.x1 - 4 - w} {
			if cand := (rect{tx, ty, w, h}); free(cand) {
				return cand
			}
		}
	}
	return rect{x + 8, y - 8 - h, w, h}
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
