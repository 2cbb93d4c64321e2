package decide

import (
	"fmt"
	"io"
	"math"
	"slices"
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
// no projection, scorecard or component matrix was asked for.
func (d *Decision) Empty() bool {
	if d == nil {
		return true
	}
	if len(d.Projections) > 0 || d.Scorecard != nil || len(d.Components) > 0 {
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
// the cost comparison, each sweep, each projection, the scorecard, the
// component matrix.
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
	if len(d.Components) > 0 {
		out = append(out, Section{componentTitle(), "component", d.componentTable()})
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
	t.Add("list price", d.each(func(t *TargetCost) string { return pricingText(t) }))
	t.AddProvenance("prices from", d.each(func(t *TargetCost) string {
		if t.StaleDays > 0 {
			return t.PriceSource + " (possibly stale: checked " + t.Prices.CheckedAt + ")"
		}
		return table.Dash(t.PriceSource)
	}))
	t.Add("runs", d.each(func(t *TargetCost) string { return table.Itoa(int64(t.Runs)) }))
	t.Add("in:out token mix", d.each(func(t *TargetCost) string {
		if t.InputShare == 0 {
			return "-"
		}
		return table.Mix(t.InputShare)
	}))
	t.Section("at the run's load (all-in: cost over what was delivered)")
	t.Add("  load", d.each(func(t *TargetCost) string { return table.Dash(t.Load) }))
	if d.any(func(t *TargetCost) bool { return t.LoadBasis != "" }) {
		t.Add("  run", d.each(func(t *TargetCost) string { return table.Dash(t.LoadBasis) }))
	}
	costRows(t, d, "", func(t *TargetCost) *CostPoint {
		if t.Pricing == "" {
			return nil
		}
		return &t.AtLoad
	})
	if d.any(func(t *TargetCost) bool { return t.Pricing == reports.CostPerToken }) {
		t.Add("  effective price in, out /1M", d.each(func(t *TargetCost) string {
			if t.Pricing != reports.CostPerToken {
				return "-"
			}
			// Measured cost over tokens: round off the float noise.
			round := func(v float64) float64 { return math.Round(v*1e6) / 1e6 }
			return table.Price(round(t.EffectiveInputPer1M)) + ", " + table.Price(round(t.EffectiveOutputPer1M))
		}))
	}
	if d.any(func(t *TargetCost) bool { return t.Capacity != nil }) {
		t.Add("  utilisation", d.each(func(t *TargetCost) string {
			return utilisationText(t.Capacity, t.RunID, t.AtLoad.Utilisation > 0, t.AtLoad.Utilisation, "SLO not met")
		}))
		d.capacityRows(t)
	}
	return t
}

// capacityRows adds the rows at measured capacity: a bound (≥, ≤) where
// the capacity is a lower bound, and why it is unknown where it is.
func (d *Decision) capacityRows(t *table.Table) {
	t.Section("at measured capacity (self-hosted; highest load meeting the SLO)")
	t.Add("  load", d.each(func(t *TargetCost) string {
		c := t.Capacity
		switch {
		case c == nil:
			return "-"
		case !c.Known():
			return "capacity unknown"
		case c.LowerBound:
			return "≥ " + c.Load
		}
		return c.Load
	}))
	known := func(f func(c *Capacity) string) []string {
		return d.each(func(t *TargetCost) string {
			if !t.Capacity.Known() {
				return "-"
			}
			return f(t.Capacity)
		})
	}
	atLeast := func(c *Capacity) string {
		if c.LowerBound {
			return "≥ "
		}
		return ""
	}
	t.Add("  requests/s", known(func(c *Capacity) string { return atLeast(c) + table.Ftoa(c.RequestsPerS, 3) }))
	t.Add("  output tok/s", known(func(c *Capacity) string { return atLeast(c) + table.Ftoa(c.OutputTokensPerS, 1) }))
	costRows(t, d, "≤ ", func(t *TargetCost) *CostPoint {
		if !t.Capacity.Known() {
			return nil
		}
		return &t.Capacity.Cost
	})
}

// costRows adds the rows of a CostPoint: all-in per request, per 1M
// tokens (in+out) and per 1M output tokens (input cost included). bound
// prefixes the cells of targets whose capacity is a lower bound.
func costRows(t *table.Table, d *Decision, bound string, get func(t *TargetCost) *CostPoint) {
	row := func(label string, f func(p *CostPoint) float64) {
		t.Add(label, d.each(func(tc *TargetCost) string {
			p := get(tc)
			if p == nil || f(p) == 0 {
				return "-"
			}
			if bound != "" && tc.Capacity.Known() && tc.Capacity.LowerBound {
				return bound + money(f(p))
			}
			return money(f(p))
		}))
	}
	row("  all-in per request", func(p *CostPoint) float64 { return p.USDPerRequest })
	row("  all-in per 1M tokens (in+out)", func(p *CostPoint) float64 { return p.USDPer1MBlended })
	row("  all-in per 1M output tokens", func(p *CostPoint) float64 { return p.USDPer1MOutput })
}

func pricingText(t *TargetCost) string {
	switch t.Pricing {
	case reports.CostPerToken, reports.CostGPUHourly:
		return reports.ListPrices(t.Prices)
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
		switch {
		case p.MetSLO && tc.Capacity.Known() && p.RunID == tc.Capacity.RunID && tc.Capacity.LowerBound:
			return "yes: ≤ capacity"
		case p.MetSLO && tc.Capacity.Known() && p.RunID == tc.Capacity.RunID:
			return "yes: capacity"
		case p.MetSLO:
			return "yes"
		}
		return "no"
	}))
	t.Add("all-in per 1M tok (in+out)", each(func(p LoadPoint) string { return money(p.Cost.USDPer1MBlended) }))
	t.Add("utilisation", each(func(p LoadPoint) string {
		return utilisationText(tc.Capacity, p.RunID, p.MetSLO, p.Cost.Utilisation, "past capacity")
	}))
	return t
}

// utilisationText is the utilisation of run runID against capacity c:
// none without a capacity, past (the text given) for a load that broke
// the SLO, "at capacity" for the capacity's own run, an upper bound (≤)
// when the capacity is a lower bound (≤ 100% for the bound's own run).
func utilisationText(c *Capacity, runID string, met bool, u float64, past string) string {
	switch {
	case !c.Known():
		return "-"
	case !met:
		return past
	case runID == c.RunID && c.LowerBound:
		return "≤ 100.0%"
	case runID == c.RunID:
		return "at capacity"
	case c.LowerBound:
		return "≤ " + percent(u)
	}
	return percent(u)
}

func (d *Decision) projectionTable(p Projection) *table.Table {
	t := &table.Table{}
	for _, tc := range d.Targets {
		t.Head = append(t.Head, tc.Target)
	}
	each := func(f func(c ProjectedCost) string) []string {
		out := make([]string, len(p.Costs))
		for i, c := range p.Costs {
			switch {
			case c.Unknown != "":
				out[i] = "capacity unknown"
			case !c.Known:
				out[i] = "-"
			default:
				out[i] = f(c)
			}
		}
		return out
	}
	atMost := func(c ProjectedCost, s string) string {
		if c.AtMost {
			return "≤ " + s
		}
		return s
	}
	t.Add("monthly cost", each(func(c ProjectedCost) string { return atMost(c, table.USD(c.MonthlyUSD)) }))
	t.Add("all-in per 1M tok (in+out)", each(func(c ProjectedCost) string { return atMost(c, table.USD(c.USDPer1M)) }))
	if d.any(func(t *TargetCost) bool { return t.Pricing == reports.CostGPUHourly }) {
		gpu := func(f func(c ProjectedCost) string) func(c ProjectedCost) string {
			return func(c ProjectedCost) string {
				if c.Pricing != reports.CostGPUHourly {
					return "-"
				}
				return f(c)
			}
		}
		t.Add("replicas at capacity", each(gpu(func(c ProjectedCost) string { return atMost(c, table.Itoa(int64(c.Replicas))) })))
		t.Add("fixed per replica", d.eachCost(p, func(c ProjectedCost) string {
			if c.Pricing != reports.CostGPUHourly || c.FixedUSD == 0 {
				return "-"
			}
			return table.USD(c.FixedUSD)
		}))
		t.Add("utilisation", each(gpu(func(c ProjectedCost) string {
			if c.AtMost {
				return "≥ " + percent(c.Utilisation)
			}
			return percent(c.Utilisation)
		})))
	}
	// Break-even: one row per per-token target, a cell per self-hosted one.
	var apis []string
	for _, be := range p.BreakEvens {
		if !slices.Contains(apis, be.PerToken) {
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
					cells[i] = breakEvenText(be)
				}
			}
		}
		t.Add("  vs "+api, cells)
	}
	return t
}

// eachCost is a row of a projection, one cell per target.
func (d *Decision) eachCost(p Projection, f func(c ProjectedCost) string) []string {
	out := make([]string, len(p.Costs))
	for i, c := range p.Costs {
		out[i] = f(c)
	}
	return out
}

func breakEvenText(be BreakEven) string {
	switch {
	case be.Unknown != "":
		return "unknown"
	case be.Never:
		return "never"
	case be.AtMost:
		return Tokens(be.TokensPerMonth) + " (≤ " + percent(be.Utilisation) + " busy)"
	}
	return Tokens(be.TokensPerMonth) + " (" + percent(be.Utilisation) + " busy)"
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

// Notes are the targets' notes, why projections have no figure or how
// far their mix is from the measured one, and what the figures leave out.
func (d *Decision) Notes() []string {
	var out []string
	for _, t := range d.Targets {
		for _, n := range t.Notes {
			out = append(out, t.Target+": "+n)
		}
	}
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, p := range d.Projections {
		for i, c := range p.Costs {
			switch {
			case c.Unknown != "" && !slices.Contains(d.Targets[i].Notes, c.Unknown):
				add(fmt.Sprintf("at %s: %s: %s", p.Volume, c.Target, c.Unknown))
			case c.MixNote != "":
				add(fmt.Sprintf("at %s: %s: %s", p.Volume, c.Target, c.MixNote))
			}
		}
		for _, be := range p.BreakEvens {
			if be.Unknown != "" && !strings.HasPrefix(be.Unknown, "capacity unknown") && be.Unknown != "no capacity" {
				add(fmt.Sprintf("at %s: %s vs %s: break-even %s", p.Volume, be.SelfHosted, be.PerToken, be.Unknown))
			}
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
// projections, scorecard, component matrix) as terminal tables. It writes nothing when d is
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
