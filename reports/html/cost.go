package html

import (
	"fmt"
	"html/template"
	"math"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/chart"
	"github.com/inferbench/inferbench/reports/decide"
	"github.com/inferbench/inferbench/reports/internal/table"
)

// costFigures are the cost per 1M tokens of every priced run and, when a
// target has a cost to project, monthly cost against volume with
// break-even points. The monthly chart draws d's numbers, so it agrees
// with the Decision tables and with the text report.
func costFigures(ss []reports.Summary, labels []string, runColors []int, d *decide.Decision, colors map[string]int) []figure {
	bars := &chart.Bars{ID: "cost-per-1m", Title: "All-in cost per 1M tokens",
		X:     chart.Axis{Label: "USD per 1M tokens, all-in (not a list price)", Format: usdTick},
		Value: table.USD,
	}
	out1M := chart.BarSeries{Name: "all-in per 1M output tokens (input cost included)"}
	all1M := chart.BarSeries{Name: "all-in per 1M tokens, input + output", Light: true}
	for i, s := range ss {
		c := s.Cost
		if c == nil {
			continue
		}
		bars.Categories = append(bars.Categories, labels[i])
		bars.Colors = append(bars.Colors, runColors[i])
		out1M.Values = append(out1M.Values, nanIfZero(c.USDPer1MOutput))
		all1M.Values = append(all1M.Values, nanIfZero(c.USDPer1MBlended()))
	}
	if len(bars.Categories) == 0 {
		return nil
	}
	bars.Series = []chart.BarSeries{out1M, all1M}
	figs := []figure{{ID: "cost-per-1m", Title: "All-in cost per 1M tokens",
		Caption: "Measured on this workload: what the run cost divided by the tokens it moved, so the output figure carries the input's cost " +
			"(list prices are in the summary table). " +
			"Self-hosted targets are priced by the GPU-hour over the measured throughput, at the load they were run at.",
		SVG: template.HTML(bars.SVG())}}
	if f, ok := monthlyFigure(d, colors); ok {
		figs = append(figs, f)
	}
	return figs
}

// nanIfZero is v, or NaN (no bar) when v is 0 (unknown).
func nanIfZero(v float64) float64 {
	if v == 0 {
		return math.NaN()
	}
	return v
}

// chartProjection is the projection the monthly chart draws: d's first
// (the first volume asked for), or else one at the workload's mix (the
// first priced target's). The chart spans many volumes at that mix; its
// size does not matter, as neither the break-even volumes nor what a
// replica serves depend on it.
func chartProjection(d *decide.Decision) (decide.Projection, bool) {
	if len(d.Projections) > 0 {
		return d.Projections[0], true
	}
	for _, t := range d.Targets {
		if t.Pricing != "" && t.InputShare > 0 {
			v := decide.Volume{InputTokens: t.InputShare * 1e6, OutputTokens: (1 - t.InputShare) * 1e6}
			return d.Project(v), true
		}
	}
	return decide.Projection{}, false
}

// monthlyFigure is monthly cost against monthly volume, log-log, at one
// projection's input:output mix (see Projection). A per-token target is a
// straight line (cost = price x volume). A self-hosted target is a
// staircase: each replica costs its FixedUSD and serves what its capacity
// does in a month, so monthly(V) = replicas(V) x fixed. The break-even
// markers are the projection's BreakEvens: where a per-token line crosses
// the first step, if one replica can serve that much.
func monthlyFigure(d *decide.Decision, colors map[string]int) (figure, bool) {
	p, ok := chartProjection(d)
	if !ok {
		return figure{}, false
	}
	var perTok, fixed []int                 // indexes into d.Targets and p.Costs
	capM := make([]float64, len(d.Targets)) // million tokens a month one replica serves
	for i, c := range p.Costs {
		switch {
		case c.Pricing == reports.CostPerToken && c.Known && c.USDPer1M > 0:
			perTok = append(perTok, i)
		case c.Pricing == reports.CostGPUHourly && c.FixedUSD > 0:
			// An unknown capacity is not drawn, but said in the caption.
			fixed = append(fixed, i)
			capM[i] = d.Targets[i].ReplicaTokens(p.Volume, d.MonthHours) / 1e6
		}
	}
	if len(perTok) == 0 && len(fixed) == 0 {
		return figure{}, false
	}
	index := map[string]int{}
	for i, t := range d.Targets {
		index[t.Target] = i
	}
	// Volume range: whole decades from 1M tokens to 10B, widened to show
	// every break-even point, one replica's capacity and every volume
	// projected, with room.
	lo, hi := 1.0, 10000.0
	for _, be := range p.BreakEvens {
		if be.TokensPerMonth > 0 { // not never, not unknown
			lo = math.Min(lo, be.TokensPerMonth/1e7)
			hi = math.Max(hi, be.TokensPerMonth/1e5)
		}
	}
	for _, i := range fixed {
		if capM[i] > 0 {
			hi = math.Max(hi, capM[i]*3)
		}
	}
	var rules []chart.Rule
	for _, q := range d.Projections {
		lo = math.Min(lo, q.Volume.Total()/3e6)
		hi = math.Max(hi, q.Volume.Total()*3/1e6)
		rules = append(rules, chart.Rule{Vertical: true, Value: q.Volume.Total() / 1e6, Label: q.Volume.String() + " asked"})
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	c := &chart.Line{ID: "monthly-cost", Title: "Monthly cost against volume",
		X: chart.Axis{Label: "tokens per month (input + output, log scale)", Log: true, Min: lo, Max: hi,
			Format: func(v float64) string { return chart.Compact(v * 1e6) }},
		Y:     chart.Axis{Label: "USD per month (log scale)", Log: true, Format: usdTick},
		Rules: rules,
	}
	for _, i := range perTok {
		t, per1M := d.Targets[i].Target, p.Costs[i].USDPer1M
		c.Series = append(c.Series, chart.Series{Name: t + " (per token)", Color: colors[t],
			Points: []chart.Point{{X: lo, Y: per1M * lo}, {X: hi, Y: per1M * hi}}})
	}
	mix := "the workload's"
	if len(d.Projections) > 0 {
		mix = "the first projected volume's (" + p.Volume.String() + ")"
	}
	hours := table.Ftoa(d.MonthHours, -1)
	caption := "At " + mix + " input:output mix, " + table.Mix(p.Volume.InputTokens/p.Volume.Total()) + ". " +
		"Each line is a per-token target at its prices. " +
		"Self-hosted targets step up by one replica (GPU $/h x " + hours + " h) each time the volume passes what a replica serves at its measured capacity (the highest load that met the SLO); " +
		"a capacity that is a lower bound makes the steps come later in practice."
	if len(rules) > 0 {
		caption += " Dashed verticals are the volumes asked for."
	}
	for _, i := range fixed {
		t := &d.Targets[i]
		if pc := p.Costs[i]; !pc.Known {
			caption += fmt.Sprintf(" %s is not drawn: %s.", t.Target, pc.Unknown)
			continue
		}
		c.Series = append(c.Series, chart.Series{Name: t.Target + " (" + priceText(t.Prices.GPUHourly) + "/h a replica)",
			Color: colors[t.Target], Dashed: true, Points: staircase(p.Costs[i].FixedUSD, capM[i], lo, hi)})
		if t.Capacity.LowerBound {
			caption += fmt.Sprintf(" One %s replica serves at least %s tokens/month (its capacity is a lower bound: the steps may come later).", t.Target, decide.Tokens(capM[i]*1e6))
		} else {
			caption += fmt.Sprintf(" One %s replica serves %s tokens/month.", t.Target, decide.Tokens(capM[i]*1e6))
		}
	}
	for _, be := range p.BreakEvens {
		switch {
		case be.Unknown != "":
			continue // said above, with the target's line
		case be.Never:
			caption += fmt.Sprintf(" %s costs more per token than %s even with its replicas full: no break-even.", be.SelfHosted, be.PerToken)
			continue
		}
		vol := be.TokensPerMonth / 1e6
		c.Markers = append(c.Markers, chart.Marker{X: vol, Y: p.Costs[index[be.SelfHosted]].FixedUSD,
			Color: colors[be.SelfHosted], Label: decide.Tokens(be.TokensPerMonth) + " vs " + be.PerToken})
		caption += fmt.Sprintf(" %s breaks even with %s at %s tokens/month.", be.SelfHosted, be.PerToken, decide.Tokens(be.TokensPerMonth))
	}
	return figure{ID: "monthly-cost", Title: "Monthly cost against volume", Caption: caption,
		SVG: template.HTML(c.SVG())}, true
}

// maxSteps is the most replica steps drawn one by one; beyond, the
// staircase is drawn as its envelope, fixed x V / C.
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

// decisionTable is one table of the Decision section, its columns split
// into parts that fit the page.
type decisionTable struct {
	Title  string
	Corner string
	Parts  []htmlTable
}

// decisionTables are d's tables as RenderDecisionText lays them out.
func decisionTables(d *decide.Decision) []decisionTable {
	if d.Empty() {
		return nil
	}
	var out []decisionTable
	for _, s := range d.Sections() {
		var rows []htmlRow
		for _, r := range s.Table.Rows {
			rows = append(rows, htmlRowOf(r))
		}
		dt := decisionTable{Title: s.Title, Corner: s.Corner}
		for _, g := range columnGroups(s.Table.Head, rows, 180) {
			t := htmlTable{Head: s.Table.Head[g[0]:g[1]]}
			for _, r := range rows {
				if !r.Section {
					r.Cells = r.Cells[g[0]:min(g[1], len(r.Cells))]
				}
				t.Rows = append(t.Rows, r)
			}
			dt.Parts = append(dt.Parts, t)
		}
		out = append(out, dt)
	}
	return out
}
