package chart

import (
	"encoding/xml"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestNumber(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {0.5, "0.5"}, {0.075, "0.075"}, {1, "1"}, {2.5, "2.5"}, {30, "30"},
		{1000, "1000"}, {10000, "10,000"}, {250000, "250,000"},
		{1e6, "1M"}, {2.5e6, "2.5M"}, {960e6, "960M"}, {1e9, "1B"}, {16.7e9, "16.7B"}, {3e12, "3T"},
		{-0.0, "0"}, {-1500, "-1500"}, {-25000, "-25,000"},
	} {
		if got := Number(c.v); got != c.want {
			t.Errorf("Number(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "999": "999", "1000": "1,000", "1234567.891": "1,234,567.891",
		"-1234.5": "-1,234.5", "0.0001": "0.0001", "-12": "-12",
	} {
		if got := Thousands(in); got != want {
			t.Errorf("Thousands(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCompact(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0.1, "0.1"}, {100, "100"}, {1000, "1k"}, {100000, "100k"}, {1e6, "1M"}, {3e8, "300M"},
	} {
		if got := Compact(c.v); got != c.want {
			t.Errorf("Compact(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestAxisResolve(t *testing.T) {
	for _, c := range []struct {
		name      string
		axis      Axis
		values    []float64
		lo, hi    float64
		wantTicks []float64
	}{
		{"linear from zero", Axis{}, []float64{3, 17}, 0, 20, []float64{0, 5, 10, 15, 20}},
		{"linear negative", Axis{}, []float64{-3, 4}, -4, 4, []float64{-4, -2, 0, 2, 4}},
		{"linear empty", Axis{}, nil, 0, 1, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{"linear fixed", Axis{Min: 0, Max: 1, Ticks: []float64{0, 0.5, 0.9, 1, 2}}, []float64{5}, 0, 1, []float64{0, 0.5, 0.9, 1}},
		{"log two decades gets 2 and 5", Axis{Log: true}, []float64{30, 800}, 10, 1000, []float64{10, 20, 50, 100, 200, 500, 1000}},
		{"log four decades gets 3", Axis{Log: true}, []float64{5, 2000}, 1, 10000, []float64{1, 3, 10, 30, 100, 300, 1000, 3000, 10000}},
		{"log many decades", Axis{Log: true}, []float64{1, 1e7}, 1, 1e7, []float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7}},
		{"log drops non-positive", Axis{Log: true}, []float64{0, -5, 100}, 100, 1000, []float64{100, 200, 500, 1000}},
		{"log single value", Axis{Log: true}, []float64{100}, 100, 1000, []float64{100, 200, 500, 1000}},
	} {
		lo, hi, ticks := c.axis.resolve(c.values)
		if lo != c.lo || hi != c.hi {
			t.Errorf("%s: range %v..%v, want %v..%v", c.name, lo, hi, c.lo, c.hi)
		}
		if !slices.EqualFunc(ticks, c.wantTicks, func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }) {
			t.Errorf("%s: ticks %v, want %v", c.name, ticks, c.wantTicks)
		}
	}
}

func TestDownsample(t *testing.T) {
	if Downsample(nil, 500) != nil {
		t.Error("empty input gives points")
	}
	// Small inputs are drawn exactly: one point per value.
	small := []float64{1, 2, 2, 5}
	got := Downsample(small, 500)
	want := []Point{{1, 0.25}, {2, 0.5}, {2, 0.75}, {5, 1}}
	if !slices.Equal(got, want) {
		t.Errorf("Downsample(small) = %v, want %v", got, want)
	}
	for _, n := range []int{501, 10_000, 1_000_000} {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(i + 1)
		}
		pts := Downsample(v, 500)
		if len(pts) > 502 || len(pts) < 400 {
			t.Errorf("n=%d: %d points", n, len(pts))
		}
		if pts[0] != (Point{1, 1 / float64(n)}) || pts[len(pts)-1] != (Point{float64(n), 1}) {
			t.Errorf("n=%d: ends %v .. %v, want the smallest and largest value", n, pts[0], pts[len(pts)-1])
		}
		for i := 1; i < len(pts); i++ {
			if pts[i].X < pts[i-1].X || pts[i].Y <= pts[i-1].Y {
				t.Fatalf("n=%d: not increasing at %d: %v then %v", n, i, pts[i-1], pts[i])
			}
		}
		// Every point lies on the CDF: value at rank Y*n.
		for _, p := range pts {
			if rank := p.Y * float64(n); math.Abs(rank-p.X) > 1e-6*float64(n) {
				t.Fatalf("n=%d: point %v is not on the CDF", n, p)
			}
		}
		// The tail beyond p99 is drawn, not cut to one point.
		tail := 0
		for _, p := range pts {
			if p.Y > 0.99 {
				tail++
			}
		}
		if n >= 10_000 && tail < 50 {
			t.Errorf("n=%d: %d points beyond p99", n, tail)
		}
	}
}

// wellFormed parses s as XML, failing on any syntax error, and returns
// the text of every element and attribute.
func wellFormed(t *testing.T, s string) string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if strings.EqualFold(x.Name.Local, "script") || strings.EqualFold(x.Name.Local, "img") {
				t.Errorf("<%s> element in the SVG", x.Name.Local)
			}
			for _, a := range x.Attr {
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
					t.Errorf("event attribute %s", a.Name.Local)
				}
				text.WriteString(a.Value + "\n")
			}
		case xml.CharData:
			text.Write(x)
			text.WriteString("\n")
		}
	}
	return text.String()
}

const evil = `<script>alert(1)</script>"><img src=x onerror=alert(1)>&amp;'`

func TestLineSVGEscapesAndCarriesData(t *testing.T) {
	c := &Line{
		ID: "x" + evil, Title: evil,
		X: Axis{Label: evil, Log: true}, Y: Axis{Label: evil, Format: func(float64) string { return evil }},
		Series: []Series{
			{Name: "a" + evil, Points: []Point{{1, 1}, {10, 2}, {100, 3}}},
			{Name: "b", Color: 1, Points: []Point{{1, 1}, {0, 2}, {100, 3}}, Dashed: true, Dots: true}, // 0: a gap on a log axis
			{Name: "empty"},
		},
		Markers: []Marker{{X: 10, Y: 2, Label: evil}},
	}
	s := c.SVG()
	if strings.Contains(s, "<script") || strings.Contains(s, "<img") {
		t.Fatalf("markup came through:\n%s", s)
	}
	text := wellFormed(t, s)
	if strings.Count(text, evil) < 4 {
		t.Errorf("payload not kept as text (%d times)", strings.Count(text, evil))
	}
	for _, want := range []string{
		`data-points="3"`, // series a
		`data-points="2"`, // series b, the 0 left out
		`data-series="empty" data-points="0"`,
		`d="M`, `class="series c1 dash"`, `<circle`, `data-marker=`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %s", want)
		}
	}
	// The gap starts a new subpath instead of joining across it.
	b := s[strings.Index(s, `data-series="b"`):]
	b = b[:strings.Index(b, "/>")]
	if strings.Count(b, "M") != 2 {
		t.Errorf("series b path %s: want two subpaths", b)
	}
}

// TestLineLinksAndApart: linked points are dots inside <a href> with
// their tooltips (escaped), and a point apart is an open dot the line
// skips, joining its neighbours.
func TestLineLinksAndApart(t *testing.T) {
	c := &Line{ID: "trend", Series: []Series{{
		Name:   "api",
		Points: []Point{{1, 10}, {2, 11}, {3, 99}, {4, 10}},
		Links:  []string{"n1/manifest.json", "n2/manifest.json", "n3/manifest.json", evil},
		Titles: []string{"night 1", "", "night 3 (incomplete)", evil},
		Apart:  []bool{false, false, true},
	}}}
	s := c.SVG()
	wellFormed(t, s)
	if strings.Contains(s, "<script") || strings.Contains(s, "<img") {
		t.Fatalf("markup came through:\n%s", s)
	}
	if n := strings.Count(s, `<a href=`); n != 4 {
		t.Errorf("%d links, want 4:\n%s", n, s)
	}
	for _, want := range []string{`<a href="n1/manifest.json" class="point" data-series="api"><circle`,
		`<title>night 1</title>`, `class="marker c0 open"><title>night 3 (incomplete)</title>`, `data-points="3"`} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %s:\n%s", want, s)
		}
	}
	// The line joins nights 2 and 4 in one subpath, past night 3.
	path := s[strings.Index(s, `data-series="api" data-points`):]
	path = path[:strings.Index(path, "/>")]
	if strings.Count(path, "M") != 1 || strings.Count(path, "L") != 2 {
		t.Errorf("path %s: want one subpath of three points", path)
	}
}

func TestBarsSVG(t *testing.T) {
	c := &Bars{ID: "bars", Title: evil, Categories: []string{"api" + evil, "self"},
		Colors: []int{3, 9},
		Series: []BarSeries{
			{Name: "out" + evil, Values: []float64{1.5, 3.79}},
			{Name: "all", Values: []float64{0.2, math.NaN()}, Light: true},
		},
		X: Axis{Label: "USD", Format: func(v float64) string { return "$" + Number(v) }},
	}
	s := c.SVG()
	text := wellFormed(t, s)
	if !strings.Contains(text, "api"+evil) {
		t.Error("category name not kept as text")
	}
	if n := strings.Count(s, "<rect class=\"bar"); n != 3 {
		t.Errorf("%d bars, want 3 (NaN draws none)", n)
	}
	for _, want := range []string{`class="bar c3"`, `class="bar c1"`, `class="bar c3 light"`, `data-value="3.79"`, ">$4<"} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %s", want)
		}
	}
}

func TestSVGDeterministic(t *testing.T) {
	mk := func() string {
		c := &Line{ID: "d", Series: []Series{{Name: "s", Points: Downsample([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10)}}}
		return c.SVG()
	}
	if mk() != mk() {
		t.Error("same chart, different SVG")
	}
}

// TestLineRulesAndCrowdedMarkers: rules stretch the axis to show their
// value and carry data-rule; marker labels of points close together (and
// a rule's label) are placed without overlapping.
func TestLineRulesAndCrowdedMarkers(t *testing.T) {
	c := &Line{ID: "m", X: Axis{Log: true}, Y: Axis{Log: true},
		Series: []Series{{Name: "api", Points: []Point{{1, 10}, {1000, 10000}}}},
		Rules:  []Rule{{Vertical: true, Value: 100, Label: "100M:20M asked"}, {Value: 50000, Label: "SLO 50"}}}
	for i := range 5 {
		// Five break-evens a few percent apart: their labels would stack.
		c.Markers = append(c.Markers, Marker{X: 200 * (1 + 0.03*float64(i)), Y: 500, Label: "960M vs api-" + string(rune('a'+i))})
	}
	var p plotArea
	{
		var out svg
		top := 8 + out.legend([]legendItem{{name: "api"}}, 8, 6, 584) + 12
		p = c.layout(600, 340, top)
	}
	if p.sy.hi < 50000 {
		t.Errorf("y axis to %v: the SLO rule at 50000 is off the chart", p.sy.hi)
	}
	svgText := c.SVG()
	for _, want := range []string{`data-rule="100M:20M asked"`, `data-rule="SLO 50"`} {
		if !strings.Contains(svgText, want) {
			t.Errorf("svg lacks %s", want)
		}
	}
	// Replay the placement: every label box is inside the plot and
	// overlaps no other.
	var out svg
	placed := c.drawRules(&out, &p)
	for _, m := range c.Markers {
		x, y := p.sx.px(m.X), p.sy.px(m.Y)
		at := p.labelPlace(x, y, textWidth(m.Label)*0.92, 13, placed)
		placed = append(placed, at)
	}
	for i, a := range placed {
		for _, b := range placed[i+1:] {
			if a.overlaps(b) {
				t.Errorf("labels overlap: %+v and %+v", a, b)
			}
		}
	}
}

func TestColorsOf(t *testing.T) {
	if ColorOf("vllm-h100") != ColorOf("vllm-h100") || ColorOf("a") < 0 || ColorOf("a") >= Colors {
		t.Fatal("ColorOf not stable or out of the palette")
	}
	names := []string{"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"}
	got := ColorsOf(names)
	seen := map[int]bool{}
	for _, n := range names {
		seen[got[n]] = true
	}
	if len(seen) != Colors {
		t.Errorf("8 names in %d colours: %v", len(seen), got)
	}
	// The order given does not change the colours.
	rev := slices.Clone(names)
	slices.Reverse(rev)
	if again := ColorsOf(rev); !maps.Equal(again, got) {
		t.Errorf("order changed colours: %v vs %v", again, got)
	}
}
