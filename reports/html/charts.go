package html

import (
	"cmp"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/chart"
	"github.com/inferbench/inferbench/reports/decide"
)

// cdfPoints is the most points one CDF line is drawn with, so the report
// of a million-request run stays a few hundred kilobytes.
const cdfPoints = 500

// pt is a run of a sweep at its load.
type pt struct {
	x float64
	s reports.Summary
}

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

// msValues returns one latency of run (a Latency's Name), without
// unobserved zeros, in milliseconds, sorted.
func msValues(run *reports.RunData, latency string) []float64 {
	v, _ := run.Values(latency, 0)
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x) / 1e6
	}
	return out
}

// cdfFigure is the CDF of one latency, one line per run, on a log x axis.
func cdfFigure(id, latency string, runs []*reports.RunData, labels []string, colors []int) figure {
	l, _ := reports.LookupLatency(latency)
	name := l.Label
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
			Color: colors[i],
			// Past the palette, colours repeat: dashes tell them apart.
			Dashed: (i/chart.Colors)%2 == 1,
			Points: chart.Downsample(msValues(r, latency), cdfPoints),
		})
	}
	return figure{ID: id, Title: name + " distribution",
		Caption: "Cumulative share of ok requests at or below each " + name +
			". Further left is faster; a long flat tail at the top is the slow minority.",
		SVG: template.HTML(c.SVG())}
}

// sweepFigures are TTFT, TPOT and throughput against load, one line per
// target, for targets run at two or more loads of the same mode: the
// latency charts draw the SLO's limit, and the throughput chart marks
// each target's capacity (d's: the highest load that met the SLO).
func sweepFigures(ss []reports.Summary, targetColor map[string]int, d *decide.Decision) []figure {

	type key struct{ mode, target string }
	groups := map[key][]pt{}
	var order []key
	for i := range ss {
		// The load as Decide places it on a sweep; only rate and
		// concurrency are drawn below.
		v, ok := decide.LoadValue(ss[i].Load)
		if !ok {
			continue
		}
		k := key{ss[i].Load.Mode, ss[i].Target}
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
		line := func(stat string, get func(s reports.Summary) (float64, bool), dashed bool, k key) chart.Series {
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
		// A latency metric of the catalogue, in ms.
		ms := func(name string) func(s reports.Summary) (float64, bool) {
			m, _ := reports.LookupMetric(name)
			return func(s reports.Summary) (float64, bool) {
				v, ok := m.Value(&s)
				return v / 1e6, ok
			}
		}
		slo := sloOf(ss)
		for _, name := range []string{"TTFT", "TPOT"} {
			fam := strings.ToLower(name)
			id := "sweep-" + mode + "-" + name
			c := &chart.Line{ID: id, Title: name + " against load",
				X: chart.Axis{Label: xlabel}, Y: chart.Axis{Label: name + " (ms)"}}
			for _, k := range ks {
				c.Series = append(c.Series, line("p50", ms(fam+".p50"), false, k), line("p99", ms(fam+".p99"), true, k))
			}
			caption := "p50 solid, p99 dashed, one colour per target. Where p99 turns up steeply the target is saturating."
			limit := map[string]time.Duration{"TTFT": slo.TTFT, "TPOT": slo.TPOT}[name]
			if limit > 0 {
				c.Rules = append(c.Rules, chart.Rule{Value: float64(limit) / 1e6, Label: "SLO " + name + " " + limit.String()})
				caption += " The dashed line is the SLO's limit."
			}
			figs = append(figs, figure{ID: id, Title: name + " against load", Caption: caption, SVG: template.HTML(c.SVG())})
		}
		id := "sweep-" + mode + "-throughput"
		c := &chart.Line{ID: id, Title: "Throughput against load",
			X: chart.Axis{Label: xlabel}, Y: chart.Axis{Label: "output tokens/s"}}
		caption := "Output tokens per second of ok requests over each run's window. A flat line while load rises is the capacity."
		for _, k := range ks {
			c.Series = append(c.Series, line("", func(s reports.Summary) (float64, bool) { return s.OutputTokensPerS, true }, false, k))
			if m, ok := capacityMarker(k.target, groups[k], d, targetColor[k.target]); ok {
				c.Markers = append(c.Markers, m)
			}
		}
		if len(c.Markers) > 0 {
			caption += " The ringed point is the capacity: the highest load that met the SLO (≥ where no higher load broke it)."
		}
		figs = append(figs, figure{ID: id, Title: "Throughput against load", Caption: caption, SVG: template.HTML(c.SVG())})
	}
	return figs
}

// sloOf is the SLO the summaries were made under (zero when none).
func sloOf(ss []reports.Summary) reports.SLO {
	for _, s := range ss {
		if s.Goodput != nil {
			return s.Goodput.SLO
		}
	}
	return reports.SLO{}
}

// capacityMarker marks target's capacity among its sweep's points, when
// d knows one.
func capacityMarker(target string, pts []pt, d *decide.Decision, color int) (chart.Marker, bool) {
	for _, t := range d.Targets {
		c := t.Capacity
		if t.Target != target || !c.Known() {
			continue
		}
		for _, p := range pts {
			if x, s := p.x, p.s; s.RunID == c.RunID {
				label := "capacity " + c.Load
				if c.LowerBound {
					label = "capacity ≥ " + c.Load
				}
				return chart.Marker{X: x, Y: s.OutputTokensPerS, Label: label, Color: color}, true
			}
		}
	}
	return chart.Marker{}, false
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
