package decide

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/results"
)

// DefaultMonthHours is the month the projections are priced over: 30
// days of 24 hours. (Some tools use 730, a twelfth of a year; the hours
// used are always shown.)
const DefaultMonthHours = 720

// Options are the choices of a cost comparison.
type Options struct {
	// Volumes are the monthly volumes to project (none: no projection).
	Volumes []Volume
	// MonthHours is the length of a month in hours (0: DefaultMonthHours).
	MonthHours float64
	// Attainment is the good fraction a run needs to meet the SLO
	// (0: DefaultAttainment). Without an SLO, "good" means "ok".
	Attainment float64
	// ScorecardPlan declares GPUs, per-target values and weights for the
	// scorecard; nil leaves the scorecard out.
	ScorecardPlan *ScorecardPlan
}

func (o Options) monthHours() float64 {
	if o.MonthHours > 0 {
		return o.MonthHours
	}
	return DefaultMonthHours
}

func (o Options) attainment() float64 {
	if o.Attainment > 0 {
		return o.Attainment
	}
	return reports.DefaultAttainment
}

// Decision compares targets on cost: what each cost per request and per
// token as measured, what a self-hosted target costs at its measured
// capacity, monthly projections at given volumes with break-even volumes,
// and (with a plan) a weighted build-vs-buy scorecard.
type Decision struct {
	MonthHours float64
	Attainment float64
	// Targets are one per target name, in order of first appearance.
	Targets     []TargetCost
	Projections []Projection
	Scorecard   *Scorecard
}

// TargetCost is one target's measured cost. Figures "at load" are of the
// target's most recent run (by manifest started_at; the last given when
// there is none); a self-hosted target's capacity comes from all its runs.
type TargetCost struct {
	Target    string
	Kind      string
	Model     string
	Simulated bool
	// Pricing is CostPerToken, CostGPUHourly, CostRecorded, or "" when no
	// price is known.
	Pricing     string
	PriceSource string
	// Prices are the prices applied: the run's Cost.Prices (GPUHourly is
	// all the target's GPUs; GPUCount and USDPerGPUHour are set when the
	// plan or the catalogue gave them).
	Prices results.Prices
	// EffectiveInputPer1M and EffectiveOutputPer1M are what an input and
	// an output token cost on the run's workload (per-token pricing): the
	// measured input-side cost (uncached, cache reads and writes) over the
	// input tokens, and the output cost over the output tokens, each per
	// 1M. Prompt caching, cache-write surcharges, long-context tiers and
	// reasoning billed above output are all in them, as in the run's
	// total; projections price a volume at them.
	EffectiveInputPer1M  float64
	EffectiveOutputPer1M float64
	// RunID, Load and Runs: the run the "at load" figures are from, the
	// load it applied, and how many runs the target has.
	RunID string
	Load  string
	Runs  int

	// InputShare is input / (input + output) tokens of the run: the
	// workload's own mix, at which Blended is priced.
	InputShare float64
	// AtLoad is the cost at the run's own load.
	AtLoad CostPoint
	// Capacity is set for GPU-hourly targets.
	Capacity *Capacity
	// Sweep is every load of a GPU-hourly target that was run at more
	// than one, by load.
	Sweep []LoadPoint

	Notes []string

	// summary and capacitySummary are the runs the figures at load and at
	// capacity are from, for the scorecard's latency.
	summary, capacitySummary *reports.Summary
}

// CostPoint is cost per request and per 1M tokens at one load.
//
// Per-token pricing: Input is the effective input price, Output the output
// price, Blended the run's total / (input + output) * 1e6.
//
// GPU-hourly pricing, with H the $/hour of all GPUs and throughputs of ok
// requests:
//
//	per request = H / (3600 * requests/s)
//	Input       = H / (3600 * input tok/s)          * 1e6  (all the cost on input)
//	Output      = H / (3600 * output tok/s)         * 1e6  (all the cost on output)
//	Blended     = H / (3600 * (input+output) tok/s) * 1e6
type CostPoint struct {
	USDPerRequest   float64
	USDPer1MInput   float64
	USDPer1MOutput  float64
	USDPer1MBlended float64
	// Utilisation is this load's requests/s over the capacity's (GPU-hourly
	// only; 0 otherwise). An always-on GPU costs the same busy or idle, so
	// cost per token at load = cost at capacity / utilisation.
	Utilisation float64
}

// Capacity is the highest load of a GPU-hourly target that met the SLO,
// with its throughput and what the target costs there.
type Capacity struct {
	RunID string
	Load  string
	// Sweep is whether the target ran at several loads; without one the
	// capacity is the one load measured.
	Sweep            bool
	RequestsPerS     float64
	InputTokensPerS  float64
	OutputTokensPerS float64
	GoodFraction     float64
	// MetSLO is false when no load met the SLO: the capacity is then the
	// run with the highest throughput, which over-states it.
	MetSLO bool
	// LowerBound is true when no higher load was measured: the target may
	// take more.
	LowerBound bool
	Cost       CostPoint
}

// LoadPoint is one load of a sweep.
type LoadPoint struct {
	RunID            string
	Load             string
	LoadValue        float64
	RequestsPerS     float64
	OutputTokensPerS float64
	GoodFraction     float64
	MetSLO           bool
	Cost             CostPoint
}

// New compares the targets of ss (several runs of one target are one
// target: a sweep, or a history) on cost. ss are summaries made with the
// prices and SLO to apply.
func New(ss []reports.Summary, opt Options) *Decision {
	d := &Decision{MonthHours: opt.monthHours(), Attainment: opt.attainment()}
	var order []string
	groups := map[string][]*reports.Summary{}
	for i := range ss {
		name := TargetName(&ss[i], opt.ScorecardPlan)
		if _, ok := groups[name]; !ok {
			order = append(order, name)
		}
		groups[name] = append(groups[name], &ss[i])
	}
	for _, name := range order {
		d.Targets = append(d.Targets, targetCost(name, groups[name], opt))
	}
	for _, v := range opt.Volumes {
		d.Projections = append(d.Projections, d.Project(v))
	}
	if opt.ScorecardPlan != nil {
		d.Scorecard = score(d, opt.ScorecardPlan)
	}
	return d
}

// TargetName is the name s's target goes by in a Decision: its plan
// group, else its target name.
func TargetName(s *reports.Summary, plan *ScorecardPlan) string {
	name := summaryTarget(s)
	if tp, ok := plan.target(name); ok && tp.Group != "" {
		return tp.Group
	}
	return name
}

func summaryTarget(s *reports.Summary) string {
	if s.Target != "" {
		return s.Target
	}
	return s.RunID
}

// latest is the most recent of runs: by started_at, ties and runs without
// a manifest going to the later one given.
func latest(runs []*reports.Summary) *reports.Summary {
	best := runs[0]
	for _, s := range runs[1:] {
		if !s.StartedAt.Before(best.StartedAt) {
			best = s
		}
	}
	return best
}

func targetCost(name string, runs []*reports.Summary, opt Options) TargetCost {
	s := latest(runs)
	t := TargetCost{
		Target: name, Kind: s.TargetKind, Model: s.Model, Simulated: s.Simulated,
		RunID: s.RunID, Load: LoadLabel(s.Load), Runs: len(runs), summary: s,
	}
	c := s.Cost
	if c == nil {
		t.Notes = append(t.Notes, "no prices and no recorded cost: give prices on the command line, in the manifest or in the plan")
		return t
	}
	t.Pricing, t.PriceSource = c.Model, c.Source
	if in, out := c.InputTokens, c.OutputTokens; in+out > 0 {
		t.InputShare = float64(in) / float64(in+out)
	}
	switch c.Model {
	case reports.CostPerToken:
		t.Prices = c.Prices
		t.EffectiveInputPer1M, t.EffectiveOutputPer1M = effectivePrices(c)
		t.AtLoad = CostPoint{USDPerRequest: c.USDPerRequest, USDPer1MInput: t.EffectiveInputPer1M,
			USDPer1MOutput: t.EffectiveOutputPer1M, USDPer1MBlended: c.USDPer1MBlended()}
	case reports.CostGPUHourly:
		t.Prices = c.Prices
		t.AtLoad = gpuCost(c.Prices.GPUHourly, s.RequestsPerS, s.InputTokensPerS, s.OutputTokensPerS)
		t.Capacity, t.capacitySummary, t.Sweep = capacity(runs, opt.attainment())
		if n := otherModes(runs); n > 0 {
			t.Notes = append(t.Notes, fmt.Sprintf("%d run(s) with another load mode than the most recent (%s) left out of the sweep", n, s.Load.Mode))
		}
		if t.Capacity != nil && t.Capacity.RequestsPerS > 0 {
			t.AtLoad.Utilisation = s.RequestsPerS / t.Capacity.RequestsPerS
			for i := range t.Sweep {
				t.Sweep[i].Cost.Utilisation = t.Sweep[i].RequestsPerS / t.Capacity.RequestsPerS
			}
		}
		if t.Capacity != nil && !t.Capacity.MetSLO {
			t.Notes = append(t.Notes, fmt.Sprintf("no load met the SLO (%.0f%% of requests good); capacity is the highest throughput measured and over-states it", opt.attainment()*100))
		}
	case reports.CostRecorded:
		t.AtLoad = CostPoint{USDPerRequest: c.USDPerRequest, USDPer1MBlended: c.USDPer1MBlended()}
		t.Notes = append(t.Notes, "cost is the recorded cost_usd: no prices to split input from output or to project")
	}
	return t
}

// effectivePrices are the per-token cost's input and output prices on the
// run's own workload (TargetCost.EffectiveInputPer1M): measured cost over
// measured tokens, or the list price for a side without tokens.
func effectivePrices(c *reports.Cost) (in, out float64) {
	in, out = c.Prices.InputPer1M, c.Prices.OutputPer1M
	if c.InputTokens > 0 {
		in = (c.InputUSD + c.CachedInputUSD) * 1e6 / float64(c.InputTokens)
	}
	if c.OutputTokens > 0 {
		out = c.OutputUSD * 1e6 / float64(c.OutputTokens)
	}
	return in, out
}

// gpuCost is the cost per request and per 1M tokens of GPUs costing
// hourly USD per hour at the given throughput.
func gpuCost(hourly, rps, inTPS, outTPS float64) CostPoint {
	per := func(rate, unit float64) float64 {
		if rate <= 0 {
			return 0
		}
		return hourly / (3600 * rate) * unit
	}
	return CostPoint{
		USDPerRequest:   per(rps, 1),
		USDPer1MInput:   per(inTPS, 1e6),
		USDPer1MOutput:  per(outTPS, 1e6),
		USDPer1MBlended: per(inTPS+outTPS, 1e6),
	}
}

// goodFraction is the share of a run's measured requests that met the
// SLO, or that completed ok when no SLO was given.
func goodFraction(s *reports.Summary) float64 {
	if s.Goodput != nil {
		return s.Goodput.Fraction
	}
	if s.Requests.Total == 0 {
		return 0
	}
	return float64(s.Requests.OK) / float64(s.Requests.Total)
}

// metSLO is whether a run with good fraction gf met the SLO: some request
// completed and at least attainment of them were good. The sweep's points
// and the capacity read it alike.
func metSLO(s *reports.Summary, gf, attainment float64) bool {
	return s.Requests.OK > 0 && gf >= attainment
}

// LoadValue is the load a run applied as one number that grows with the
// load, and whether it is known: requests/s for rate, users for
// concurrency, the speed-up (1 / time_scale) for replay.
func LoadValue(l results.LoadInfo) (float64, bool) {
	switch l.Mode {
	case "rate":
		return l.Rate, l.Rate > 0
	case "concurrency":
		return float64(l.Concurrency), l.Concurrency > 0
	case "replay":
		if l.TimeScale > 0 {
			return 1 / l.TimeScale, true
		}
		return 1, true
	}
	return 0, false
}

// LoadLabel names a load for people: "rate 8/s", "concurrency 16",
// "replay x10"; "" when unknown.
func LoadLabel(l results.LoadInfo) string {
	g := func(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }
	switch l.Mode {
	case "rate":
		return "rate " + g(l.Rate) + "/s"
	case "concurrency":
		return "concurrency " + strconv.Itoa(l.Concurrency)
	case "replay":
		if l.TimeScale > 0 && l.TimeScale != 1 {
			return "replay x" + g(1/l.TimeScale)
		}
		return "replay"
	}
	return l.Mode
}

// capacity finds the highest load that met the SLO among a GPU-hourly
// target's runs. Runs of the load mode of the most recent run count; of
// several runs at one load the most recent counts. A sweep is two or more
// loads; the sweep's points are returned in load order.
func capacity(runs []*reports.Summary, attainment float64) (*Capacity, *reports.Summary, []LoadPoint) {
	mode := latest(runs).Load.Mode
	byLoad := map[float64]*reports.Summary{}
	for _, s := range runs {
		l := s.Load
		v, ok := LoadValue(l)
		if !ok || l.Mode != mode {
			continue
		}
		if prev, seen := byLoad[v]; !seen || !s.StartedAt.Before(prev.StartedAt) {
			byLoad[v] = s
		}
	}
	if len(byLoad) == 0 {
		// No load recorded (no manifest): the most recent run stands in.
		s := latest(runs)
		c := capacityOf(s, attainment, false)
		c.LowerBound = true
		return c, s, nil
	}
	loads := make([]float64, 0, len(byLoad))
	for v := range byLoad {
		loads = append(loads, v)
	}
	slices.Sort(loads)
	sweep := len(loads) > 1
	var points []LoadPoint
	var best, fastest *reports.Summary
	bestIdx := -1
	for i, v := range loads {
		s := byLoad[v]
		gf := goodFraction(s)
		met := metSLO(s, gf, attainment)
		if met {
			best, bestIdx = s, i
		}
		if fastest == nil || s.RequestsPerS > fastest.RequestsPerS {
			fastest = s
		}
		if sweep {
			points = append(points, LoadPoint{RunID: s.RunID, Load: LoadLabel(s.Load), LoadValue: v,
				RequestsPerS: s.RequestsPerS, OutputTokensPerS: s.OutputTokensPerS, GoodFraction: gf, MetSLO: met,
				Cost: gpuCost(hourlyOf(s), s.RequestsPerS, s.InputTokensPerS, s.OutputTokensPerS)})
		}
	}
	if best == nil {
		return capacityOf(fastest, attainment, sweep), fastest, points
	}
	c := capacityOf(best, attainment, sweep)
	c.LowerBound = bestIdx == len(loads)-1
	return c, best, points
}

func capacityOf(s *reports.Summary, attainment float64, sweep bool) *Capacity {
	gf := goodFraction(s)
	hourly := hourlyOf(s)
	c := &Capacity{RunID: s.RunID, Load: LoadLabel(s.Load), Sweep: sweep,
		RequestsPerS: s.RequestsPerS, InputTokensPerS: s.InputTokensPerS, OutputTokensPerS: s.OutputTokensPerS,
		GoodFraction: gf, MetSLO: metSLO(s, gf, attainment),
		Cost: gpuCost(hourly, s.RequestsPerS, s.InputTokensPerS, s.OutputTokensPerS)}
	if c.RequestsPerS > 0 {
		c.Cost.Utilisation = 1
	}
	return c
}

// hourlyOf is the GPU-hourly price of s (0 when it has none).
func hourlyOf(s *reports.Summary) float64 {
	if s.Cost == nil {
		return 0
	}
	return s.Cost.Prices.GPUHourly
}

// otherModes counts the runs whose load mode differs from the most recent
// run's (they cannot be placed on its sweep's axis).
func otherModes(runs []*reports.Summary) int {
	mode := latest(runs).Load.Mode
	n := 0
	for _, s := range runs {
		if s.Load.Mode != mode {
			n++
		}
	}
	return n
}
