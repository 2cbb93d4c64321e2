package reports

import (
	"github.com/inferbench/inferbench/reports/internal/table"
	"math"
	"slices"
	"strings"

	"github.com/inferbench/inferbench/internal/suggest"
)

// Unit is what a metric's values measure. It decides how a threshold's
// numbers are read (a duration needs a unit, a fraction takes %) and how
// values are shown.
type Unit int

// Units of metrics.
const (
	UnitDuration Unit = iota // nanoseconds
	UnitFraction             // 0..1, shown as a percentage
	UnitRate                 // per second
	UnitUSD                  // US dollars
)

// String is the unit's name in JSON output.
func (u Unit) String() string {
	switch u {
	case UnitDuration:
		return "ms"
	case UnitFraction:
		return "fraction"
	case UnitRate:
		return "per_s"
	case UnitUSD:
		return "usd"
	}
	return "?"
}

// Better says which direction of change is an improvement.
type Better int

// Directions of improvement.
const (
	LowerIsBetter Better = iota
	HigherIsBetter
)

// metricDef is one metric that thresholds and comparisons know by name.
type metricDef struct {
	name   string
	unit   Unit
	better Better
	// family and stat name the per-request distribution and statistic of
	// a latency metric ("" for the others).
	family, stat string
	value        func(s *Summary) (float64, bool)
}

// latencyFamily is one per-request latency distribution: name is how
// thresholds, comparisons and plans spell it, label how tables show it.
type latencyFamily struct {
	name, label string
	dist        func(s *Summary) *Dist
	// col is the family's per-request column of a RunData (nil for itl, which
	// is per token, in two columns). keepZero keeps its zeros: 0 is a
	// real schedule lag, where elsewhere it means "not observed".
	col      func(c *columns) []int64
	keepZero bool
}

// latencyFamilies are the latency distributions, in the order reports show
// them. Schedule lag measures the load generator, not the target, so a
// change in it is reported but does not sway a verdict.
var latencyFamilies = []latencyFamily{
	{"ttft", "TTFT", func(s *Summary) *Dist { return &s.TTFT }, func(c *columns) []int64 { return c.ttft }, false},
	{"ttfo", "TTFO", func(s *Summary) *Dist { return &s.TTFO }, func(c *columns) []int64 { return c.ttfo }, false},
	{"tpot", "TPOT", func(s *Summary) *Dist { return &s.TPOT }, func(c *columns) []int64 { return c.tpot }, false},
	{"itl", "ITL", func(s *Summary) *Dist { return &s.ITL }, nil, true},
	{"e2e", "E2E", func(s *Summary) *Dist { return &s.E2E }, func(c *columns) []int64 { return c.e2e }, false},
	{"user_latency", "user latency", func(s *Summary) *Dist { return &s.UserLatency }, func(c *columns) []int64 { return c.user }, false},
	{"schedule_lag", "schedule lag", func(s *Summary) *Dist { return &s.ScheduleLag }, func(c *columns) []int64 { return c.lag }, true},
}

// distStats are the statistics of a latency distribution that thresholds
// and plans may name and tables show, in table order.
var distStats = []struct {
	name string
	get  func(d Dist) float64
}{
	{"p50", func(d Dist) float64 { return float64(d.P50) }},
	{"p90", func(d Dist) float64 { return float64(d.P90) }},
	{"p95", func(d Dist) float64 { return float64(d.P95) }},
	{"p99", func(d Dist) float64 { return float64(d.P99) }},
	{"max", func(d Dist) float64 { return float64(d.Max) }},
	{"mean", func(d Dist) float64 { return d.Mean }},
}

// metrics is the catalogue, built once.
var metrics = buildMetrics()

func buildMetrics() []metricDef {
	var m []metricDef
	for _, f := range latencyFamilies {
		for _, st := range distStats {
			m = append(m, metricDef{
				name: f.name + "." + st.name, unit: UnitDuration, better: LowerIsBetter,
				family: f.name, stat: st.name, value: distStat(f.dist, st.get),
			})
		}
	}
	cost := func(f func(c *Cost) float64) func(s *Summary) (float64, bool) {
		return func(s *Summary) (float64, bool) {
			if s.Cost == nil {
				return 0, false
			}
			v := f(s.Cost)
			return v, v > 0
		}
	}
	goodput := func(f func(g *Goodput) float64) func(s *Summary) (float64, bool) {
		return func(s *Summary) (float64, bool) {
			if s.Goodput == nil || s.Requests.Total == 0 {
				return 0, false
			}
			return f(s.Goodput), true
		}
	}
	window := func(f func(s *Summary) float64) func(s *Summary) (float64, bool) {
		return func(s *Summary) (float64, bool) { return f(s), s.WindowNs > 0 }
	}
	return append(m,
		metricDef{name: "throughput.requests_per_s", unit: UnitRate, better: HigherIsBetter,
			value: window(func(s *Summary) float64 { return s.RequestsPerS })},
		metricDef{name: "throughput.output_tok_s", unit: UnitRate, better: HigherIsBetter,
			value: window(func(s *Summary) float64 { return s.OutputTokensPerS })},
		metricDef{name: "error_rate", unit: UnitFraction, better: LowerIsBetter,
			value: func(s *Summary) (float64, bool) { return errorRate(s), s.Requests.Total > 0 }},
		metricDef{name: "goodput.fraction", unit: UnitFraction, better: HigherIsBetter,
			value: goodput(func(g *Goodput) float64 { return g.Fraction })},
		metricDef{name: "goodput.req_s", unit: UnitRate, better: HigherIsBetter,
			value: goodput(func(g *Goodput) float64 { return g.PerS })},
		metricDef{name: "cost_per_1m_output", unit: UnitUSD, better: LowerIsBetter,
			value: cost(func(c *Cost) float64 { return c.USDPer1MOutput })},
		metricDef{name: "cost_per_1m_input", unit: UnitUSD, better: LowerIsBetter,
			value: cost(func(c *Cost) float64 { return c.USDPer1MInput })},
		metricDef{name: "cost_per_request", unit: UnitUSD, better: LowerIsBetter,
			value: cost(func(c *Cost) float64 { return c.USDPerRequest })},
	)
}

// errorRate is failed / measured requests (canceled requests count in
// the denominator but are not errors: the run, not the target, ended them).
func errorRate(s *Summary) float64 {
	if s.Requests.Total == 0 {
		return 0
	}
	return float64(s.Requests.Failed) / float64(s.Requests.Total)
}

func distStat(dist func(s *Summary) *Dist, get func(d Dist) float64) func(s *Summary) (float64, bool) {
	return func(s *Summary) (float64, bool) {
		d := dist(s)
		if d.N == 0 {
			return 0, false
		}
		return get(*d), true
	}
}

// metricAliases are other spellings users reach for.
var metricAliases = map[string]string{
	"throughput.output_tokens_per_s": "throughput.output_tok_s",
	"throughput.req_s":               "throughput.requests_per_s",
	"goodput.requests_per_s":         "goodput.req_s",
	"goodput.good_fraction":          "goodput.fraction",
}

// lookupMetric returns the metric called name (case-insensitive).
func lookupMetric(name string) (metricDef, bool) {
	name = strings.ToLower(name)
	if a, ok := metricAliases[name]; ok {
		name = a
	}
	i := slices.IndexFunc(metrics, func(m metricDef) bool { return m.name == name })
	if i < 0 {
		return metricDef{}, false
	}
	return metrics[i], true
}

// MetricNames lists every metric a threshold may name, in catalogue order.
func MetricNames() []string {
	out := make([]string, len(metrics))
	for i, m := range metrics {
		out[i] = m.name
	}
	return out
}

// MetricValue returns the value of the named metric in s (durations in
// nanoseconds, fractions as 0..1), and false when the metric is unknown
// or s has no value for it (no requests, no prices, no SLO).
func MetricValue(s *Summary, name string) (float64, bool) {
	m, ok := lookupMetric(name)
	if !ok {
		return 0, false
	}
	return m.value(s)
}

// closestMetric is the catalogue name nearest to name by edit distance,
// for "did you mean" hints; "" when nothing is close.
func closestMetric(name string) string {
	c, _ := suggest.Closest(name, MetricNames())
	return c
}

// formatValue shows v in the metric's unit: durations in ms (µs below
// 1 ms), fractions as percentages, rates with a /s, dollars with usd.
func formatValue(u Unit, v float64) string {
	switch u {
	case UnitDuration:
		return formatDuration(v)
	case UnitFraction:
		return table.Ftoa(v*100, 2) + "%"
	case UnitRate:
		return sig(v) + "/s"
	case UnitUSD:
		return table.USD(v)
	}
	return sig(v)
}

// formatDelta is formatValue with a sign (fractions in percentage points).
func formatDelta(u Unit, d float64) string {
	sign := "+"
	if d < 0 {
		sign = "-"
		d = -d
	}
	if u == UnitFraction {
		return sign + table.Ftoa(d*100, 2) + " pp"
	}
	return sign + formatValue(u, d)
}

// formatDuration shows ns as ms with three significant digits or more.
func formatDuration(ns float64) string {
	a := math.Abs(ns)
	switch {
	case a == 0:
		return "0 ms"
	case a < 1e6:
		return sig(ns/1e3) + " µs"
	case a < 100e9:
		return sig(ns/1e6) + " ms"
	}
	return sig(ns/1e9) + " s"
}

// sig formats f with at least three significant digits and at most four
// decimals: 812.4, 25.0, 0.0123, and whole numbers from 1000 up.
func sig(f float64) string {
	if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return table.Ftoa(f, 0)
	}
	dec := min(max(0, 2-int(math.Floor(math.Log10(math.Abs(f))))), 4)
	if dec == 0 && math.Abs(f) < 1000 {
		dec = 1
	}
	return table.Ftoa(f, dec)
}
