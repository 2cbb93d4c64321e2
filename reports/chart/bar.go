package chart

import (
	"math"
	"strconv"
)

// BarSeries is one value per category of a Bars chart.
type BarSeries struct {
	Name string
	// Values are aligned with the chart's categories; NaN means none.
	Values []float64
	// Light draws the series in a lighter shade of each category's colour,
	// to tell two statistics of the same category apart.
	Light bool
}

// Bars is a horizontal bar chart: one row per category (long target names
// read better down the side than slanted under columns), one bar per
// series in each row, each category in its own palette colour.
type Bars struct {
	ID, Title  string
	Categories []string
	// Colors are the palette indexes of the categories (default: 0, 1, ...).
	Colors []int
	Series []BarSeries
	// X is the value axis; it always starts at zero.
	X Axis
	// Value formats the label drawn at the end of each bar (default:
	// the axis's format).
	Value func(float64) string
	Width float64
}

// SVG renders the chart.
func (c *Bars) SVG() string {
	w := c.Width
	if w <= 0 {
		w = 600
	}
	var vals []float64
	for _, s := range c.Series {
		vals = append(vals, s.Values...)
	}
	ax := c.X
	ax.Log = false
	if ax.Max <= ax.Min {
		ax.Min = 0
	}
	lo, hi, ticks := ax.resolve(vals)
	lo = math.Min(lo, 0)
	xfmt := formatter(c.X)
	vfmt := c.Value
	if vfmt == nil {
		vfmt = xfmt
	}

	var out svg
	// Height depends on the legend, so the document is assembled after
	// the body is drawn.
	var body svg
	var items []legendItem
	if len(c.Series) > 1 {
		for _, s := range c.Series {
			cls := "neutral"
			if s.Light {
				cls += " light"
			}
			items = append(items, legendItem{name: s.Name, class: cls, bar: true})
		}
	}
	top := 8 + body.legend(items, 8, 6, w-16) + 10

	labelW := 0.0
	names := make([]string, len(c.Categories))
	for i, cat := range c.Categories {
		names[i] = clip(cat, 28)
		labelW = max(labelW, textWidth(names[i]))
	}
	left := labelW + 14
	// Room for the value label of the longest bar.
	valueW := 0.0
	for _, v := range vals {
		if !math.IsNaN(v) {
			valueW = max(valueW, textWidth(vfmt(v)))
		}
	}
	right := valueW + 14
	const barH, barGap, groupGap = 16.0, 3.0, 12.0
	nser := max(len(c.Series), 1)
	groupH := float64(nser)*barH + float64(nser-1)*barGap
	plotH := float64(len(c.Categories))*(groupH+groupGap) + groupGap
	bottom := 26.0
	if c.X.Label != "" {
		bottom += 18
	}
	h := top + plotH + bottom
	px0, px1 := left, w-right
	py0, py1 := top+plotH, top
	sx := newScale(false, lo, hi, px0, px1)

	body.printf(`<g class="axes">`)
	for _, t := range ticks {
		x := sx.px(t)
		body.line(x, py1, x, py0, "grid")
		body.text(x, py0+16, "middle", "", xfmt(t))
	}
	body.line(px0, py0, px1, py0, "axis")
	body.line(px0, py1, px0, py0, "axis")
	if c.X.Label != "" {
		body.text((px0+px1)/2, h-6, "middle", "label", c.X.Label)
	}
	body.printf("</g>")

	for i, name := range names {
		color := i
		if i < len(c.Colors) {
			color = c.Colors[i]
		}
		gy := py1 + groupGap + float64(i)*(groupH+groupGap)
		body.text(px0-8, gy+groupH/2+4, "end", "label", name)
		for j, s := range c.Series {
			if i >= len(s.Values) || math.IsNaN(s.Values[i]) || math.IsInf(s.Values[i], 0) {
				continue
			}
			v := s.Values[i]
			y := gy + float64(j)*(barH+barGap)
			x0, x1 := sx.px(0), sx.px(v)
			cls := "bar c" + strconv.Itoa(mod(color))
			if s.Light {
				cls += " light"
			}
			body.printf(`<rect class="%s" data-series="%s" data-category="%s" data-value="%s" x="%s" y="%s" width="%s" height="%s"/>`,
				cls, esc(s.Name), esc(c.Categories[i]), strconv.FormatFloat(v, 'g', 6, 64),
				num(min(x0, x1)), num(y), num(max(math.Abs(x1-x0), 0.5)), num(barH))
			body.text(max(x0, x1)+5, y+barH/2+4, "", "value", vfmt(v))
		}
	}

	out.open(c.ID, c.Title, w, h)
	out.b.WriteString(body.b.String())
	return out.close()
}
