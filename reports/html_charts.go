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

// sloAttainment is the good fraction at which a run counts as meeting the
// SLO, for a self-hosted target's capacity.
const sloAttainment = 0.9

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
	// tokPerS is the run's input + output tokens per second of ok
	// requests; metSLO whether it met the SLO (good fraction >= 90%, or
	// no SLO given). A GPU-hourly target's replica capacity is the best
	// tokPerS of its runs that met the SLO.
	tokPerS float64
	metSLO  bool
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
		cr := costRun{label: labels[i], target: s.Target, color: i, cost: s.Cost, in: r.allIn, out: r.allOut,
			tokPerS: s.InputTokensPerS + s.OutputTokensPerS,
			metSLO:  s.Goodput == nil || s.Goodput.Fraction >= sloAttainment}
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

// monthlyFigure is monthly cost against monthly volume, log-log. A
// per-token target is a straight line (cost = price x volume). A
// self-hosted target is a staircase: each replica costs GPU $/h x 720 h
// and serves up to its capacity C (the best input + output tok/s of the
// target's runs that met the SLO, over a month), so
//
//	monthly(V) = ceil(V / C) x H x 720
//
// They break even where the per-token line crosses the first step:
//
//	V* = H x 720 / (per-token $ per token)   if V* <= C, else never
//
// (if the first replica is cheaper than the API only beyond what it can
// serve, every further replica is too).
func monthlyFigure(crs []costRun) (figure, bool) {
	var perTok []costRun
	type gpus struct {
		target string
		fixed  float64
	}
	type selfHosted struct {
		costRun
		capM float64 // million tokens a month one replica serves
		met  bool    // capacity from a run that met the SLO
	}
	var fixed []*selfHosted
	byKey := map[gpus]*selfHosted{}
	for _, cr := range crs {
		switch {
		case cr.hourly && cr.fixed > 0:
			// Runs of one target at several loads are one staircase,
			// named for the target, sized by its best run.
			k := gpus{cr.target, cr.fixed}
			sh := byKey[k]
			if sh == nil {
				sh = &selfHosted{costRun: cr}
				sh.label = cmpOr(cr.target, cr.label)
				byKey[k] = sh
				fixed = append(fixed, sh)
			}
			capM := cr.tokPerS * hoursPerMonth * 3600 / 1e6
			if (cr.metSLO && !sh.met) || (cr.metSLO == sh.met && capM > sh.capM) {
				sh.capM, sh.met = capM, cr.metSLO
			}
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
		never       bool
	}
	var evens []even
	for _, f := range fixed {
		for _, p := range perTok {
			v := f.fixed / p.per1M
			evens = append(evens, even{v, f.fixed, f.color, f.label, p.label, f.capM <= 0 || v > f.capM*(1+1e-9)})
		}
	}
	// Volume range: whole decades from 1M tokens to 10B, widened to show
	// every break-even point and one replica's capacity with room.
	lo, hi := 1.0, 10000.0
	for _, e := range evens {
		if !e.never {
			lo = math.Min(lo, e.vol/10)
			hi = math.Max(hi, e.vol*10)
		}
	}
	for _, f := range fixed {
		if f.capM > 0 {
			hi = math.Max(hi, f.capM*3)
		}
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
	caption := "Each line is a target at its measured cost per token on this workload's input/output mix. " +
		"Self-hosted targets step up by one replica (GPU $/h x 720 h) each time the volume passes what a replica serves at the best throughput measured within the SLO; " +
		"a run below its capacity makes that a lower bound, so the steps may come later in practice."
	for _, f := range fixed {
		c.Series = append(c.Series, chart.Series{Name: f.label + " (" + priceText(f.cost.Prices.GPUHourly) + "/h a replica)",
			Color: f.color, Dashed: true, Points: staircase(f.fixed, f.capM, lo, hi)})
		if f.capM > 0 {
			caption += fmt.Sprintf(" One %s replica serves %s tokens/month", f.label, chart.Compact(f.capM*1e6))
			if !f.met {
				caption += " (no run met the SLO: this is its best throughput, not a capacity within the SLO)"
			}
			caption += "."
		}
	}
	for _, e := range evens {
		if e.never {
			caption += fmt.Sprintf(" %s costs more per token than %s even with its replicas full: no break-even.", e.self, e.other)
			continue
		}
		c.Markers = append(c.Markers, chart.Marker{X: e.vol, Y: e.usd, Color: e.color,
			Label: chart.Compact(e.vol*1e6) + " vs " + e.other})
		caption += fmt.Sprintf(" %s breaks even with %s at %s tokens/month.", e.self, e.other, chart.Compact(e.vol*1e6))
	}
	return figure{ID: "monthly-cost", Title: "Monthly cost against volume", Caption: caption,
		SVG: template.HTML(c.SVG())}, true
}

// maxSteps is the most replica steps drawn one by one; beyond, the
// staircase is drawn as its envelope, H x 720 x V / C.
const maxSteps = 100

// staircase is the monthly cost of replicas of capacity capM (million
// tokens a month; 0: unknown, one replica drawn flat) over [lo, hi].
func staircase(fixed, capM, lo, hi float64) []chart.Point {
	if capM <= 0 {
		return []chart.Point{{X: lo, Y: fixed}, {X: hi, Y: fixed}}
	}
	if hi/capM > maxSteps {
		pts := []chart.Point{{X: lo, Y: fixed * max(1, math.Ceil(lo/capM))}}
		if capM > lo {
			pts = append(pts, chart.Point{X: capM, Y: fixed})
		}
		return append(pts, chart.Point{X: hi, Y: fixed * hi / capM})
	}
	k := max(1, math.Ceil(lo/capM-1e-9))
	pts := []chart.Point{{X: lo, Y: fixed * k}}
	for ; k*capM < hi; k++ {
		pts = append(pts, chart.Point{X: k * capM, Y: fixed * k}, chart.Point{X: k * capM, Y: fixed * (k + 1)})
	}
	return append(pts, chart.Point{X: hi, Y: fixed * k})
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
