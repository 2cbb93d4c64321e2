package reports

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/reports/chart"
)

// cdfPoints is the most points one CDF line is drawn with, so the report
// of a million-request run stays a few hundred kilobytes.
const cdfPoints = 500

// hoursPerMonth is the month of the monthly projection: 30 days, the
// convention of the cost model's worked example (2 GPUs x $2.50/h x 720 h
// = $3,600).
const hoursPerMonth = 720

// figure is one chart of the page with its caption.
type figure struct {
	ID      string
	Title   string
	Caption string
	SVG     template.HTML // built by package chart, which escapes every text
}

// SaturationChart is one chart of saturation over time (GPU utilisation,
// running and waiting requests, KV-cache usage): plain series of (seconds
// since the run started, value), so the report does not depend on how
// telemetry is stored. Series names should say which run and GPU or
// metric they are.
type SaturationChart struct {
	Title   string
	YLabel  string
	Caption string
	Series  []chart.Series
}

// msValues returns one latency column of run, without unobserved zeros, in
// milliseconds, sorted.
func msValues(run *Run, col func(c *columns) []int64) []float64 {
	v := gather(run, col, false)
	radixSort(v)
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x) / 1e6
	}
	return out
}

// cdfFigure is the CDF of one latency, one line per run, on a log x axis.
func cdfFigure(id, name string, runs []*Run, labels []string, col func(c *columns) []int64) figure {
	c := &chart.Line{
		ID:    id,
		Title: name + " CDF",
		X:     chart.Axis{Label: name + " (ms, log scale)", Log: true},
		Y: chart.Axis{Label: "share of ok requests", Min: 0, Max: 1,
			Ticks: []float64{0, 0.25, 0.5, 0.75, 0.9, 1}, Format: chart.Percent},
	}
	for i, r := range runs {
		c.Series = append(c.Series, chart.Series{
			Name:  labels[i],
			Color: i,
			// Past the palette, colours repeat: dashes tell them apart.
			Dashed: (i/chart.Colors)%2 == 1,
			Points: chart.Downsample(msValues(r, col), cdfPoints),
		})
	}
	return figure{ID: id, Title: name + " distribution",
		Caption: "Cumulative share of ok requests at or below each " + name +
			". Further left is faster; a long flat tail at the top is the slow minority.",
		SVG: template.HTML(c.SVG())}
}

// loadOf is the load level of a run for sweep detection: mode and value
// (rate per second or concurrency); ok false when the run has none.
func loadOf(r *Run) (mode string, v float64, ok bool) {
	if r.Manifest == nil {
		return "", 0, false
	}
	l := r.Manifest.Load
	switch {
	case l.Mode == "rate" && l.Rate > 0:
		return "rate", l.Rate, true
	case l.Mode == "concurrency" && l.Concurrency > 0:
		return "concurrency", float64(l.Concurrency), true
	}
	return "", 0, false
}

// sweepFigures are TTFT, TPOT and throughput against load, one line per
// target, for targets run at two or more loads of the same mode.
func sweepFigures(runs []*Run, ss []Summary, targetColor map[string]int) []figure {
	type pt struct {
		x float64
		s Summary
	}
	type key struct{ mode, target string }
	groups := map[key][]pt{}
	var order []key
	for i, r := range runs {
		mode, v, ok := loadOf(r)
		if !ok {
			continue
		}
		k := key{mode, ss[i].Target}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], pt{v, ss[i]})
	}
	var figs []figure
	for _, mode := range []string{"rate", "concurrency"} {
		var ks []key
		for _, k := range order {
			if k.mode != mode {
				continue
			}
			pts := groups[k]
			slices.SortStableFunc(pts, func(a, b pt) int { return cmp.Compare(a.x, b.x) })
			distinct := 1
			for i := 1; i < len(pts); i++ {
				if pts[i].x != pts[i-1].x {
					distinct++
				}
			}
			if distinct >= 2 {
				ks = append(ks, k)
			}
		}
		if len(ks) == 0 {
			continue
		}
		xlabel := "offered load (requests/s)"
		if mode == "concurrency" {
			xlabel = "concurrency (virtual users)"
		}
		line := func(stat string, get func(s Summary) (float64, bool), dashed bool, k key) chart.Series {
			name := k.target
			if stat != "" {
				name += " " + stat
			}
			sr := chart.Series{Name: name, Color: targetColor[k.target], Dashed: dashed, Dots: true}
			for _, p := range groups[k] {
				if v, ok := get(p.s); ok {
					sr.Points = append(sr.Points, chart.Point{X: p.x, Y: v})
				}
			}
			return sr
		}
		dist := func(d func(s Summary) Dist, p99 bool) func(s Summary) (float64, bool) {
			return func(s Summary) (float64, bool) {
				dd := d(s)
				if dd.N == 0 {
					return 0, false
				}
				if p99 {
					return float64(dd.P99) / 1e6, true
				}
				return float64(dd.P50) / 1e6, true
			}
		}
		for _, m := range []struct {
			name string
			d    func(s Summary) Dist
		}{{"TTFT", func(s Summary) Dist { return s.TTFT }}, {"TPOT", func(s Summary) Dist { return s.TPOT }}} {
			id := "sweep-" + mode + "-" + m.name
			c := &chart.Line{ID: id, Title: m.name + " against load",
				X: chart.Axis{Label: xlabel}, Y: chart.Axis{Label: m.name + " (ms)"}}
			for _, k := range ks {
				c.Series = append(c.Series, line("p50", dist(m.d, false), false, k), line("p99", dist(m.d, true), true, k))
			}
			figs = append(figs, figure{ID: id, Title: m.name + " against load",
				Caption: "p50 solid, p99 dashed, one colour per target. Where p99 turns up steeply the target is saturating.",
				SVG:     template.HTML(c.SVG())})
		}
		id := "sweep-" + mode + "-throughput"
		c := &chart.Line{ID: id, Title: "Throughput against load",
			X: chart.Axis{Label: xlabel}, Y: chart.Axis{Label: "output tokens/s"}}
		for _, k := range ks {
			c.Series = append(c.Series, line("", func(s Summary) (float64, bool) { return s.OutputTokensPerS, true }, false, k))
		}
		figs = append(figs, figure{ID: id, Title: "Throughput against load",
			Caption: "Output tokens per second of ok requests over each run's window. A flat line while load rises is the capacity.",
			SVG:     template.HTML(c.SVG())})
	}
	return figs
}

// costRun is a run with a cost, as the cost charts need it.
type costRun struct {
	label  string
	target string
	color  int
	cost   *Cost
	per1M  float64 // blended USD per 1M tokens, input + output
	fixed  float64 // monthly USD of one replica (GPU-hourly); 0 otherwise
	in     int64
	out    int64
	hourly bool
}

// costRuns are the runs whose summary has a cost, with the token totals
// their cost was spread over (every measured request for per-token and
// recorded costs, ok requests for GPU-hours, as in computeCost).
func costRuns(runs []*Run, ss []Summary, labels []string) []costRun {
	var out []costRun
	for i, s := range ss {
		if s.Cost == nil {
			continue
		}
		r := runs[i]
		cr := costRun{label: labels[i], target: s.Target, color: i, cost: s.Cost, in: r.allIn, out: r.allOut}
		if s.Cost.Model == CostGPUHourly {
			cr.hourly = true
			cr.in, cr.out = r.okIn, r.okOut
			cr.fixed = s.Cost.Prices.GPUHourly * hoursPerMonth
		}
		if tok := cr.in + cr.out; tok > 0 {
			cr.per1M = s.Cost.TotalUSD / float64(tok) * 1e6
		} else {
			cr.per1M = math.NaN()
		}
		out = append(out, cr)
	}
	return out
}

// priceText writes a unit price as people quote it: "$5", "$2.50", "$0.15",
// "$0.075".
func priceText(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i < 0 {
		return "$" + s
	} else if len(s)-i-1 == 1 {
		s += "0"
	}
	return "$" + s
}

// usdTick writes an axis value in dollars.
func usdTick(v float64) string { return "$" + chart.Compact(v) }

// costFigures are the cost per 1M tokens of every priced run and, when
// there are both kinds, monthly cost against volume with break-even
// points.
func costFigures(crs []costRun) []figure {
	if len(crs) == 0 {
		return nil
	}
	bars := &chart.Bars{ID: "cost-per-1m", Title: "Cost per 1M tokens",
		X:     chart.Axis{Label: "USD per 1M tokens", Format: usdTick},
		Value: usd,
	}
	out1M := chart.BarSeries{Name: "per 1M output tokens (input cost included)"}
	all1M := chart.BarSeries{Name: "per 1M tokens, input + output", Light: true}
	for _, cr := range crs {
		bars.Categories = append(bars.Categories, cr.label)
		bars.Colors = append(bars.Colors, cr.color)
		v := cr.cost.USDPer1MOutput
		if v == 0 {
			v = math.NaN()
		}
		out1M.Values = append(out1M.Values, v)
		all1M.Values = append(all1M.Values, cr.per1M)
	}
	bars.Series = []chart.BarSeries{out1M, all1M}
	figs := []figure{{ID: "cost-per-1m", Title: "Cost per 1M tokens",
		Caption: "Measured on this workload: what the run cost divided by the tokens it moved. " +
			"Self-hosted targets are priced by the GPU-hour over the measured throughput, at the load they were run at.",
		SVG: template.HTML(bars.SVG())}}
	if f, ok := monthlyFigure(crs); ok {
		figs = append(figs, f)
	}
	return figs
}

// monthlyFigure is monthly cost against monthly volume, log-log: a
// per-token target is a straight line (cost = price x volume), a
// self-hosted one a flat line (its GPUs cost the same however busy),
// and where they cross is the break-even volume:
//
//	V* = (GPU $/h x 720 h) / (per-token $ per 1M) x 1M tokens
func monthlyFigure(crs []costRun) (figure, bool) {
	var perTok, fixed []costRun
	type gpus struct {
		target string
		hourly float64
	}
	seen := map[gpus]bool{}
	for _, cr := range crs {
		switch {
		case cr.hourly && cr.fixed > 0:
			// Runs of one target at several loads cost the same flat
			// monthly amount: one line, named for the target.
			k := gpus{cr.target, cr.fixed}
			if seen[k] {
				continue
			}
			seen[k] = true
			cr.label = cmpOr(cr.target, cr.label)
			fixed = append(fixed, cr)
		case !cr.hourly && cr.per1M > 0 && !math.IsNaN(cr.per1M):
			perTok = append(perTok, cr)
		}
	}
	if len(perTok) == 0 && len(fixed) == 0 {
		return figure{}, false
	}
	type even struct {
		vol, usd    float64 // million tokens per month, USD per month
		color       int
		self, other string
	}
	var evens []even
	for _, f := range fixed {
		for _, p := range perTok {
			evens = append(evens, even{f.fixed / p.per1M, f.fixed, f.color, f.label, p.label})
		}
	}
	// Volume range: whole decades from 1M tokens to 10B, widened to show
	// every break-even point with room on both sides.
	lo, hi := 1.0, 10000.0
	for _, e := range evens {
		lo = math.Min(lo, e.vol/10)
		hi = math.Max(hi, e.vol*10)
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	c := &chart.Line{ID: "monthly-cost", Title: "Monthly cost against volume",
		X: chart.Axis{Label: "tokens per month (input + output, log scale)", Log: true, Min: lo, Max: hi,
			Format: func(v float64) string { return chart.Compact(v * 1e6) }},
		Y: chart.Axis{Label: "USD per month (log scale)", Log: true, Format: usdTick},
	}
	for _, p := range perTok {
		c.Series = append(c.Series, chart.Series{Name: p.label + " (per token)", Color: p.color,
			Points: []chart.Point{{X: lo, Y: p.per1M * lo}, {X: hi, Y: p.per1M * hi}}})
	}
	for _, f := range fixed {
		c.Series = append(c.Series, chart.Series{Name: f.label + " (" + priceText(f.cost.Prices.GPUHourly) + "/h, 1 replica)",
			Color: f.color, Dashed: true,
			Points: []chart.Point{{X: lo, Y: f.fixed}, {X: hi, Y: f.fixed}}})
	}
	caption := "Each line is a target at its measured cost per token on this workload's input/output mix. " +
		"Self-hosted lines are GPU $/h x 720 h for one replica (more volume than one replica serves needs more; the cost projection sizes replicas)."
	for _, e := range evens {
		c.Markers = append(c.Markers, chart.Marker{X: e.vol, Y: e.usd, Color: e.color,
			Label: chart.Compact(e.vol*1e6) + " vs " + e.other})
		caption += fmt.Sprintf(" %s breaks even with %s at %s tokens/month.", e.self, e.other, chart.Compact(e.vol*1e6))
	}
	return figure{ID: "monthly-cost", Title: "Monthly cost against volume", Caption: caption,
		SVG: template.HTML(c.SVG())}, true
}

// saturationFigures draws the given saturation charts.
func saturationFigures(charts []SaturationChart) []figure {
	var figs []figure
	for i, sc := range charts {
		if len(sc.Series) == 0 {
			continue
		}
		id := "saturation-" + strconv.Itoa(i)
		c := &chart.Line{ID: id, Title: sc.Title,
			X: chart.Axis{Label: "seconds since the run started"}, Y: chart.Axis{Label: sc.YLabel},
			Series: sc.Series}
		figs = append(figs, figure{ID: id, Title: sc.Title, Caption: sc.Caption, SVG: template.HTML(c.SVG())})
	}
	return figs
}
