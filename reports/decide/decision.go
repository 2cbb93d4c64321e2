package decide

import (
	"cmp"
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
	// Components are the build-vs-buy component matrix's rows (a suite's
	// components:), shown after the plan's own.
	Components []Component
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
// a weighted build-vs-buy scorecard (with a plan), and the build-vs-buy
// component matrix (with components).
type Decision struct {
	MonthHours float64
	Attainment float64
	// Targets are one per target name, in order of first appearance.
	Targets     []TargetCost
	Projections []Projection
	Scorecard   *Scorecard
	// Components are the component matrix's rows: the plan's, then the
	// options'; each has its Verdict.
	Components []Component
}

// TargetCost is one target's measured cost. Figures "at load" are of the
// target's most recent run (by manifest started_at; the last given when
// there is none), except for a self-hosted target run at several loads,
// whose figures at load are of the highest load that met the SLO (the
// most recent run of a sweep is often the one that broke it); a
// self-hosted target's capacity comes from all its runs.
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
	// StaleDays is the run's Cost.StaleDays: how long before the run its
	// prices were checked, when more than reports.StaleAfterDays.
	StaleDays int
	// RunID, Load and Runs: the run the "at load" figures are from, the
	// load it applied, and how many runs the target has. LoadBasis says
	// why that run: "most recent run", "highest load meeting the SLO".
	RunID     string
	Load      string
	LoadBasis string
	Runs      int

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

// CostPoint is the all-in cost per request and per 1M tokens at one load:
// what the target cost over what it delivered, never a list price.
//
// Per-token pricing: the run's total over its requests and tokens (so
// USDPer1MOutput carries the input's cost too, and is not the output
// price: TargetCost.EffectiveOutputPer1M is).
//
// GPU-hourly pricing, with H the $/hour of all GPUs and throughputs of ok
// requests:
//
//	per request = H / (3600 * requests/s)
//	Input       = H / (3600 * input tok/s)          * 1e6  (all the cost on input)
//	Output      = H / (3600 * output tok/s)         * 1e6  (all the cost on output)
//	Blended     = H / (3600 * (input+output) tok/s) * 1e6  (in+out)
type CostPoint struct {
	USDPerRequest   float64
	USDPer1MInput   float64
	USDPer1MOutput  float64
	USDPer1MBlended float64
	// Utilisation is this load's requests/s over the capacity's (GPU-hourly
	// with a known capacity, at a load that met the SLO; 0 otherwise, so
	// it is never above 1). An always-on GPU costs the same busy or idle,
	// so cost per token at load = cost at capacity / utilisation.
	Utilisation float64
}

// Capacity is the highest load of a GPU-hourly target that met the SLO,
// with its throughput and what the target costs there.
//
// It is known when a sweep measured a higher load that broke the SLO, or
// saw throughput flatten while latency rose (reports.SaturationVerdict);
// a lower bound (LowerBound) when the highest load of a sweep still met
// the SLO; and Unknown when the target ran at one load only, or no load
// met the SLO: a light-load run says nothing of what the GPUs can take, so
// no replica count, bill or break-even is built on it.
type Capacity struct {
	RunID string
	Load  string
	// Sweep is whether the target ran at several loads.
	Sweep            bool
	RequestsPerS     float64
	InputTokensPerS  float64
	OutputTokensPerS float64
	GoodFraction     float64
	// MetSLO is whether the capacity's run met the SLO.
	MetSLO bool
	// LowerBound is true when no higher load was measured and the sweep
	// did not saturate: the target may take more, so figures built on the
	// capacity are bounds (replicas and cost at most).
	LowerBound bool
	// Unknown, when set, says why there is no capacity and what to run
	// ("capacity unknown: run a sweep or --saturate"); the throughputs and
	// Cost are then zero.
	Unknown string
	Cost    CostPoint
}

// Known reports whether c is a capacity (exact or a lower bound).
func (c *Capacity) Known() bool { return c != nil && c.Unknown == "" }

// LoadPoint is one load of a sweep.
type LoadPoint struct {
	RunID            string
	Load             string
	LoadValue        float64
	RequestsPerS     float64
	OutputTokensPerS float64
	GoodFraction     float64
	MetSLO           bool
	// P50LatencyNs is the median E2E, Queue the server's mean waiting
	// queue (0 unknown): what the saturation verdict reads.
	P50LatencyNs float64
	Queue        float64
	Cost         CostPoint
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
		d.Components = append(d.Components, opt.ScorecardPlan.Components...)
	}
	d.Components = append(d.Components, opt.Components...)
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
	if len(runs) > 1 {
		t.LoadBasis = "most recent run"
	}
	c := s.Cost
	if c == nil {
		t.Notes = append(t.Notes, "no prices and no recorded cost: give prices on the command line, in the manifest or in the plan")
		return t
	}
	t.Pricing, t.PriceSource, t.StaleDays = c.Model, c.Source, c.StaleDays
	if n := c.StaleNote(); n != "" {
		t.Notes = append(t.Notes, n)
	}
	if in, out := c.InputTokens, c.OutputTokens; in+out > 0 {
		t.InputShare = float64(in) / float64(in+out)
	}
	switch c.Model {
	case reports.CostPerToken:
		t.Prices = c.Prices
		t.EffectiveInputPer1M, t.EffectiveOutputPer1M = effectivePrices(c)
		t.AtLoad = CostPoint{USDPerRequest: c.USDPerRequest, USDPer1MInput: c.USDPer1MInput,
			USDPer1MOutput: c.USDPer1MOutput, USDPer1MBlended: c.USDPer1MBlended()}
	case reports.CostGPUHourly:
		t.Prices = c.Prices
		t.Capacity, t.capacitySummary, t.Sweep = capacity(runs, opt.attainment())
		if len(t.Sweep) > 0 && t.capacitySummary != nil {
			// A sweep's figures at load are of its highest load that met
			// the SLO, not of the most recent level run.
			s = t.capacitySummary
			t.summary, t.RunID, t.Load, t.LoadBasis = s, s.RunID, LoadLabel(s.Load), "highest load meeting the SLO"
		}
		t.AtLoad = gpuCost(c.Prices.GPUHourly, s.RequestsPerS, s.InputTokensPerS, s.OutputTokensPerS)
		if n := otherModes(runs); n > 0 {
			t.Notes = append(t.Notes, fmt.Sprintf("%d run(s) with another load mode than the most recent (%s) left out of the sweep", n, latest(runs).Load.Mode))
		}
		t.utilisation(s, opt.attainment())
		if !t.Capacity.Known() {
			t.Notes = append(t.Notes, t.Capacity.Unknown)
		} else if t.Capacity.LowerBound {
			t.Notes = append(t.Notes, fmt.Sprintf("capacity is a lower bound: the highest load run (%s) still met the SLO; figures built on it are bounds (≥, ≤); sweep higher or use --saturate", t.Capacity.Load))
		}
	case reports.CostRecorded:
		t.AtLoad = CostPoint{USDPerRequest: c.USDPerRequest, USDPer1MBlended: c.USDPer1MBlended()}
		t.Notes = append(t.Notes, "cost is the recorded cost_usd: no prices to split input from output or to project")
	}
	return t
}

// utilisation sets the utilisation of the run at load (s) and of the
// sweep's loads against a known capacity: a load that met the SLO is at
// most at capacity; one that broke it is past capacity and gets none (its
// throughput is not capacity that can be sold), so no utilisation is ever
// above 100%.
func (t *TargetCost) utilisation(s *reports.Summary, attainment float64) {
	c := t.Capacity
	if !c.Known() || c.RequestsPerS <= 0 {
		return
	}
	at := func(rps float64, met bool) float64 {
		if !met {
			return 0
		}
		return min(rps/c.RequestsPerS, 1)
	}
	t.AtLoad.Utilisation = at(s.RequestsPerS, metSLO(s, goodFraction(s), attainment))
	for i := range t.Sweep {
		t.Sweep[i].Cost.Utilisation = at(t.Sweep[i].RequestsPerS, t.Sweep[i].MetSLO)
	}
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
// target's runs (see Capacity). Runs of the load mode of the most recent
// run count; of several runs at one load the most recent counts. A sweep
// is two or more loads; the sweep's points are returned in load order,
// with the run the capacity is from (nil when unknown).
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
	if len(byLoad) < 2 {
		s := latest(runs)
		why := "capacity unknown: one load measured (" + cmp.Or(LoadLabel(s.Load), "no load recorded") + "); run a sweep or --saturate"
		return &Capacity{RunID: s.RunID, Load: LoadLabel(s.Load), Unknown: why}, nil, nil
	}
	loads := make([]float64, 0, len(byLoad))
	for v := range byLoad {
		loads = append(loads, v)
	}
	slices.Sort(loads)
	var points []LoadPoint
	var sat []reports.SweepPoint
	var best *reports.Summary
	bestIdx := -1
	for i, v := range loads {
		s := byLoad[v]
		gf := goodFraction(s)
		met := metSLO(s, gf, attainment)
		if met {
			best, bestIdx = s, i
		}
		p := LoadPoint{RunID: s.RunID, Load: LoadLabel(s.Load), LoadValue: v,
			RequestsPerS: s.RequestsPerS, OutputTokensPerS: s.OutputTokensPerS, GoodFraction: gf, MetSLO: met,
			P50LatencyNs: float64(s.E2E.P50), Queue: meanQueue(s),
			Cost: gpuCost(hourlyOf(s), s.RequestsPerS, s.InputTokensPerS, s.OutputTokensPerS)}
		points = append(points, p)
		sat = append(sat, reports.SweepPoint{Load: v, Throughput: p.OutputTokensPerS, P50Latency: p.P50LatencyNs, Queue: p.Queue})
	}
	if best == nil {
		return &Capacity{Sweep: true, Unknown: fmt.Sprintf("capacity unknown: no load of the sweep met the SLO (the lowest was %s); sweep lower loads",
			points[0].Load)}, nil, points
	}
	c := capacityOf(best, attainment, true)
	// Known when a higher load broke the SLO, or throughput flattened
	// while latency or the queue rose at or before this load.
	broke := bestIdx < len(loads)-1
	v := reports.SaturationVerdict(sat)
	c.LowerBound = !broke && !(v.Saturated && v.AtLoad <= loads[bestIdx])
	return c, best, points
}

// meanQueue is a run's mean waiting queue over its window (0 unknown).
func meanQueue(s *reports.Summary) float64 {
	if s.Saturation == nil || s.Saturation.Queue == nil {
		return 0
	}
	return s.Saturation.Queue.MeanWaiting
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
