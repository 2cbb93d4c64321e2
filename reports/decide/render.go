package decide

import (
	"fmt"
	"io"
	"strings"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/table"
)

// Section is one table of a Decision as the renderers show it: a title
// above it and the heading of its label column.
type Section struct {
	Title  string
	Corner string
	Table  *table.Table
}

// Empty reports whether d has nothing to show: no target has a cost, and
// no projection or scorecard was asked for.
func (d *Decision) Empty() bool {
	if d == nil {
		return true
	}
	if len(d.Projections) > 0 || d.Scorecard != nil {
		return false
	}
	for _, t := range d.Targets {
		if t.Pricing != "" {
			return false
		}
	}
	return true
}

// Sections are d's tables in the order RenderText writes them:
// the cost comparison, each sweep, each projection, the scorecard.
func (d *Decision) Sections() []Section {
	var out []Section
	out = append(out, Section{fmt.Sprintf("Cost comparison (USD; month = %s h)", table.Ftoa(d.MonthHours, -1)), "target", d.costTable()})
	for _, t := range d.Targets {
		if len(t.Sweep) > 0 {
			out = append(out, Section{fmt.Sprintf("Sweep of %s (meets the SLO: >= %s%% of requests good)", t.Target, table.Ftoa(d.Attainment*100, -1)), "load", sweepTable(t)})
		}
	}
	for _, p := range d.Projections {
		out = append(out, Section{fmt.Sprintf("Monthly projection at %s tokens (input:output), %s h", p.Volume, table.Ftoa(d.MonthHours, -1)), "target", d.projectionTable(p)})
	}
	if sc := d.Scorecard; sc != nil {
		out = append(out, Section{"Build-vs-buy scorecard (0-10, higher is better; plan: " + sc.Source + ")", "target", d.scoreTable()})
	}
	return out
}

func (d *Decision) each(f func(t *TargetCost) string) []string {
	c := make([]string, len(d.Targets))
	for i := range d.Targets {
		c[i] = f(&d.Targets[i])
	}
	return c
}

func (d *Decision) any(f func(t *TargetCost) bool) bool {
	for i := range d.Targets {
		if f(&d.Targets[i]) {
			return true
		}
	}
	return false
}

func money(v float64) string {
	if v == 0 {
		return "-"
	}
	return table.USD(v)
}

func percent(f float64) string { return table.Ftoa(f*100, 1) + "%" }

func (d *Decision) costTable() *table.Table {
	t := &table.Table{}
	for _, tc := range d.Targets {
		name := tc.Target
		if tc.Simulated {
			name += " (simulated)"
		}
		t.Head = append(t.Head, name)
	}
	t.Add("kind", d.each(func(t *TargetCost) string { return table.Dash(t.Kind) }))
	t.Add("pricing", d.each(func(t *TargetCost) string { return pricingText(t) }))
	t.Add("prices from", d.each(func(t *TargetCost) string { return table.Dash(t.PriceSource) }))
	t.Add("runs", d.each(func(t *TargetCost) string { return table.Itoa(int64(t.Runs)) }))
	t.Add("in:out token mix", d.each(func(t *TargetCost) string {
		if t.InputShare == 0 {
			return "-"
		}
		return table.Mix(t.InputShare)
	}))
	t.Section("at the run's load (most recent run)")
	t.Add("  load", d.each(func(t *TargetCost) string { return table.Dash(t.Load) }))
	costRows(t, d, func(t *TargetCost) *CostPoint {
		if t.Pricing == "" {
			return nil
		}
		return &t.AtLoad
	})
	if d.any(func(t *TargetCost) bool { return t.Capacity != nil }) {
		t.Add("  utilisation", d.each(func(t *TargetCost) string {
			if t.Capacity == nil || t.AtLoad.Utilisation == 0 {
				return "-"
			}
			return percent(t.AtLoad.Utilisation)
		}))
		t.Section("at measured capacity (self-hosted)")
		t.Add("  load", d.each(func(t *TargetCost) string {
			c := t.Capacity
			if c == nil {
				return "-"
			}
			s := c.Load
			switch {
			case !c.MetSLO:
				s += " (SLO not met)"
			case c.LowerBound:
				s += " (lower bound)"
			}
			return table.Dash(s)
		}))
		t.Add("  requests/s", d.each(func(t *TargetCost) string {
			if t.Capacity == nil {
				return "-"
			}
			return table.Ftoa(t.Capacity.RequestsPerS, 3)
		}))
		t.Add("  output tok/s", d.each(func(t *TargetCost) string {
			if t.Capacity == nil {
				return "-"
			}
			return table.Ftoa(t.Capacity.OutputTokensPerS, 1)
		}))
		costRows(t, d, func(t *TargetCost) *CostPoint {
			if t.Capacity == nil {
				return nil
			}
			return &t.Capacity.Cost
		})
	}
	return t
}

// costRows adds the rows of a CostPoint.
func costRows(t *table.Table, d *Decision, get func(t *TargetCost) *CostPoint) {
	row := func(label string, f func(p *CostPoint) float64) {
		t.Add(label, d.each(func(tc *TargetCost) string {
			p := get(tc)
			if p == nil {
				return "-"
			}
			return money(f(p))
		}))
	}
	row("  per request", func(p *CostPoint) float64 { return p.USDPerRequest })
	row("  per 1M input tok", func(p *CostPoint) float64 { return p.USDPer1MInput })
	row("  per 1M output tok", func(p *CostPoint) float64 { return p.USDPer1MOutput })
	row("  per 1M tok, blended at the mix", func(p *CostPoint) float64 { return p.USDPer1MBlended })
}

func pricingText(t *TargetCost) string {
	p := t.Prices
	switch t.Pricing {
	case reports.CostPerToken:
		s := table.Price(p.InputPer1M) + " in, " + table.Price(p.OutputPer1M) + " out /1M"
		if t.EffectiveInputPer1M != p.InputPer1M {
			s += " (cached " + table.Price(p.CachedInputPer1M) + ")"
		}
		return s
	case reports.CostGPUHourly:
		if p.GPUCount > 0 && p.USDPerGPUHour > 0 {
			gpu := "GPU"
			if p.GPUType != "" {
				gpu = p.GPUType
			}
			if p.GPUOffer != "" {
				gpu += " (" + p.GPUOffer + ")"
			}
			return fmt.Sprintf("%d %s x %s/h = %s/h", p.GPUCount, gpu, table.Price(p.USDPerGPUHour), table.Price(p.GPUHourly))
		}
		return table.Price(p.GPUHourly) + "/h"
	case reports.CostRecorded:
		return "recorded cost_usd"
	}
	return "-"
}

func sweepTable(tc TargetCost) *table.Table {
	t := &table.Table{}
	for _, p := range tc.Sweep {
		t.Head = append(t.Head, p.Load)
	}
	each := func(f func(p LoadPoint) string) []string {
		c := make([]string, len(tc.Sweep))
		for i, p := range tc.Sweep {
			c[i] = f(p)
		}
		return c
	}
	t.Add("run", each(func(p LoadPoint) string { return p.RunID }))
	t.Add("requests/s", each(func(p LoadPoint) string { return table.Ftoa(p.RequestsPerS, 3) }))
	t.Add("output tok/s", each(func(p LoadPoint) string { return table.Ftoa(p.OutputTokensPerS, 1) }))
	t.Add("good", each(func(p LoadPoint) string { return percent(p.GoodFraction) }))
	t.Add("meets SLO", each(func(p LoadPoint) string {
		if p.MetSLO {
			return "yes"
		}
		return "no"
	}))
	t.Add("per 1M tok, blended", each(func(p LoadPoint) string { return money(p.Cost.USDPer1MBlended) }))
	t.Add("utilisation", each(func(p LoadPoint) string { return percent(p.Cost.Utilisation) }))
	return t
}

func (d *Decision) projectionTable(p Projection) *table.Table {
	t := &table.Table{}
	for _, tc := range d.Targets {
		t.Head = append(t.Head, tc.Target)
	}
	each := func(f func(c ProjectedCost) string) []string {
		out := make([]string, len(p.Costs))
		for i, c := range p.Costs {
			if !c.Known {
				out[i] = "-"
				continue
			}
			out[i] = f(c)
		}
		return out
	}
	t.Add("monthly cost", each(func(c ProjectedCost) string { return table.USD(c.MonthlyUSD) }))
	t.Add("per 1M tok", each(func(c ProjectedCost) string { return table.USD(c.USDPer1M) }))
	if d.any(func(t *TargetCost) bool { return t.Pricing == reports.CostGPUHourly }) {
		gpu := func(f func(c ProjectedCost) string) func(c ProjectedCost) string {
			return func(c ProjectedCost) string {
				if c.Pricing != reports.CostGPUHourly {
					return "-"
				}
				return f(c)
			}
		}
		t.Add("replicas at capacity", each(gpu(func(c ProjectedCost) string { return table.Itoa(int64(c.Replicas)) })))
		t.Add("fixed per replica", each(gpu(func(c ProjectedCost) string { return table.USD(c.FixedUSD) })))
		t.Add("utilisation", each(gpu(func(c ProjectedCost) string { return percent(c.Utilisation) })))
	}
	// Break-even: one row per per-token target, a cell per self-hosted one.
	var apis []string
	for _, be := range p.BreakEvens {
		found := false
		for _, a := range apis {
			found = found || a == be.PerToken
		}
		if !found {
			apis = append(apis, be.PerToken)
		}
	}
	if len(apis) > 0 {
		t.Section("break-even volume (tokens/month at this mix)")
	}
	for _, api := range apis {
		cells := make([]string, len(d.Targets))
		for i, tc := range d.Targets {
			cells[i] = "-"
			for _, be := range p.BreakEvens {
				if be.PerToken == api && be.SelfHosted == tc.Target {
					if be.Never {
						cells[i] = "never"
					} else {
						cells[i] = Tokens(be.TokensPerMonth) + " (" + percent(be.Utilisation) + " busy)"
					}
				}
			}
		}
		t.Add("  vs "+api, cells)
	}
	return t
}

func (d *Decision) scoreTable() *table.Table {
	sc := d.Scorecard
	t := &table.Table{}
	for _, r := range sc.Rows {
		t.Head = append(t.Head, r.Target)
	}
	for j, c := range sc.Criteria {
		label := c
		if c == CriterionLatency {
			label += " " + sc.LatencyMetric
		}
		label += " (weight " + table.Ftoa(sc.Weights[j], -1) + ")"
		cells := make([]string, len(sc.Rows))
		for i, r := range sc.Rows {
			s := r.Scores[j]
			switch {
			case !s.Known:
				cells[i] = "0 (no data)"
			case c == CriterionCost || c == CriterionLatency:
				cells[i] = table.Ftoa(s.Score, 1) + " (" + s.Value + ")"
			default:
				cells[i] = s.Value + " (" + s.From + ")"
			}
		}
		t.Add(label, cells)
	}
	t.Add("weighted score", func() []string {
		c := make([]string, len(sc.Rows))
		for i, r := range sc.Rows {
			c[i] = table.Ftoa(r.Total, 2)
		}
		return c
	}())
	t.Add("rank", func() []string {
		c := make([]string, len(sc.Rows))
		for i, r := range sc.Rows {
			c[i] = table.Itoa(int64(r.Rank))
		}
		return c
	}())
	return t
}

// Notes are the targets' notes and what the figures leave out.
func (d *Decision) Notes() []string {
	var out []string
	for _, t := range d.Targets {
		for _, n := range t.Notes {
			out = append(out, t.Target+": "+n)
		}
	}
	if d.any(func(t *TargetCost) bool { return t.Pricing == reports.CostGPUHourly }) {
		out = append(out, "self-hosted cost is GPU rental only: storage, egress, engineering, redundancy and autoscaling headroom are not in it")
	}
	if sc := d.Scorecard; sc != nil {
		out = append(out, "scorecard cost: "+sc.CostBasis+"; measured criteria score 10 * best / this")
	}
	return out
}

// RenderText writes d's sections (cost comparison, sweeps,
// projections, scorecard) as terminal tables. It writes nothing when d is
// Empty.
func RenderText(w io.Writer, d *Decision) error {
	if d.Empty() {
		return nil
	}
	var b strings.Builder
	for _, s := range d.Sections() {
		b.WriteString("\n" + s.Title + "\n\n")
		table.WriteText(&b, s.Corner, s.Table)
	}
	table.WriteNotesText(&b, d.Notes())
	_, err := io.WriteString(w, b.String())
	return err
}

// RenderMarkdown writes d's sections as Markdown, each under a
// level-3 heading. It writes nothing when d is Empty.
func RenderMarkdown(w io.Writer, d *Decision) error {
	if d.Empty() {
		return nil
	}
	var b strings.Builder
	for _, s := range d.Sections() {
		b.WriteString("\n### " + table.MDEscape(s.Title) + "\n\n")
		table.WriteMarkdown(&b, s.Corner, s.Table)
	}
	table.WriteNotesMarkdown(&b, d.Notes())
	_, err := io.WriteString(w, b.String())
	return err
}
