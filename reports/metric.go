package reports

import (
	"math"
	"slices"
	"strings"

	"github.com/inferbench/inferbench/reports/internal/table"
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

// Metric is one metric that thresholds and comparisons know by name.
type Metric struct {
	Name   string
	Unit   Unit
	Better Better
	// Family and Stat name the per-request distribution and statistic of
	// a latency metric ("" for the others).
	Family, Stat string
	value        func(s *Summary) (float64, bool)
}

// Value is m's value in s (durations in nanoseconds, fractions 0..1), and
// false when s has none (no requests, no prices, no SLO).
func (m Metric) Value(s *Summary) (float64, bool) { return m.value(s) }

// Latency is one per-request latency distribution of a Summary: Name is
// how thresholds, comparisons and plans spell it, Label how tables show
// it.
type Latency struct {
	Name, Label string
	dist        func(s *Summary) *Dist
	// col is the family's per-request column of a RunData (nil for itl,
	// which is per token, in two columns). keepZero keeps its zeros: 0 is
	// a real schedule lag, where elsewhere it means "not observed".
	col      func(c *columns) []int64
	keepZero bool
}

// Of is the latency's distribution in s.
func (l Latency) Of(s *Summary) Dist { return *l.dist(s) }

// PerOKRequest reports whether the latency has one value per ok request
// (RunData.OKValues): every one but per-token ITL and schedule lag, which
// is measured over every request.
func (l Latency) PerOKRequest() bool { return l.col != nil && !l.keepZero }

// latencies are the latency distributions, in the order reports show
// them. Schedule lag measures the load generator, not the target, so a
// change in it is reported but does not sway a verdict.
var latencies = []Latency{
	{"ttft", "TTFT", func(s *Summary) *Dist { return &s.TTFT }, func(c *columns) []int64 { return c.ttft }, false},
	{"ttfo", "TTFO", func(s *Summary) *Dist { return &s.TTFO }, func(c *columns) []int64 { return c.ttfo }, false},
	{"tpot", "TPOT", func(s *Summary) *Dist { return &s.TPOT }, func(c *columns) []int64 { return c.tpot }, false},
	{"itl", "ITL", func(s *Summary) *Dist { return &s.ITL }, nil, true},
	{"e2e", "E2E", func(s *Summary) *Dist { return &s.E2E }, func(c *columns) []int64 { return c.e2e }, false},
	{"user_latency", "user latency", func(s *Summary) *Dist { return &s.UserLatency }, func(c *columns) []int64 { return c.user }, false},
	{"schedule_lag", "schedule lag", func(s *Summary) *Dist { return &s.ScheduleLag }, func(c *columns) []int64 { return c.lag }, true},
}

// Latencies are the latency distributions in the order reports show them.
func Latencies() []Latency { return slices.Clone(latencies) }

// LookupLatency returns the latency called name (ttft, itl, ...).
func LookupLatency(name string) (Latency, bool) {
	return named(latencies, name, func(l Latency) string { return l.Name })
}

// named returns the element of list that nameOf calls name.
func named[T any](list []T, name string, nameOf func(T) string) (T, bool) {
	i := slices.IndexFunc(list, func(x T) bool { return nameOf(x) == name })
	if i < 0 {
		var zero T
		return zero, false
	}
	return list[i], true
}

// ShownLatencies are the latencies a table of ss shows: those some run
// measured, less TTFO where it equals TTFT in every run (it differs only
// for reasoning output, and would repeat TTFT's rows).
func ShownLatencies(ss []Summary) []Latency {
	var out []Latency
	for _, f := range latencies {
		if !slices.ContainsFunc(ss, func(s Summary) bool { return f.dist(&s).N > 0 }) {
			continue
		}
		if f.Name == "ttfo" && !slices.ContainsFunc(ss, func(s Summary) bool { return s.TTFO != s.TTFT }) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// Stat is a statistic of a latency distribution that thresholds and plans
// may name and tables show.
type Stat struct {
	Name string
	get  func(d Dist) float64
}

// Of is the statistic of d, in nanoseconds.
func (st Stat) Of(d Dist) float64 { return st.get(d) }

// stats are the statistics in table order.
var stats = []Stat{
	{"p50", func(d Dist) float64 { return float64(d.P50) }},
	{"p90", func(d Dist) float64 { return float64(d.P90) }},
	{"p95", func(d Dist) float64 { return float64(d.P95) }},
	{"p99", func(d Dist) float64 { return float64(d.P99) }},
	{"max", func(d Dist) float64 { return float64(d.Max) }},
	{"mean", func(d Dist) float64 { return d.Mean }},
}

// Stats are the statistics of a latency distribution in table order.
func Stats() []Stat { return slices.Clone(stats) }

// LookupStat returns the statistic called name (p95, mean, ...).
func LookupStat(name string) (Stat, bool) {
	return named(stats, name, func(st Stat) string { return st.Name })
}

// metrics is the catalogue, built once.
var metrics = buildMetrics()

// Metrics is the catalogue of metrics, in catalogue order: every latency
// statistic, then throughput, error rate, goodput and cost.
func Metrics() []Metric { return slices.Clone(metrics) }

func buildMetrics() []Metric {
	var m []Metric
	for _, f := range latencies {
		for _, st := range stats {
			m = append(m, Metric{
				Name: f.Name + "." + st.Name, Unit: UnitDuration, Better: LowerIsBetter,
				Family: f.Name, Stat: st.Name, value: distStat(f.dist, st.get),
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
		Metric{Name: "throughput.requests_per_s", Unit: UnitRate, Better: HigherIsBetter,
			value: window(func(s *Summary) float64 { return s.RequestsPerS })},
		Metric{Name: "throughput.output_tok_s", Unit: UnitRate, Better: HigherIsBetter,
			value: window(func(s *Summary) float64 { return s.OutputTokensPerS })},
		Metric{Name: "error_rate", Unit: UnitFraction, Better: LowerIsBetter,
			value: func(s *Summary) (float64, bool) { return ErrorRate(s), s.Requests.Total > 0 }},
		Metric{Name: "goodput.fraction", Unit: UnitFraction, Better: HigherIsBetter,
			value: goodput(func(g *Goodput) float64 { return g.Fraction })},
		Metric{Name: "goodput.req_s", Unit: UnitRate, Better: HigherIsBetter,
			value: goodput(func(g *Goodput) float64 { return g.PerS })},
		Metric{Name: "cost_per_1m_output", Unit: UnitUSD, Better: LowerIsBetter,
			value: cost(func(c *Cost) float64 { return c.USDPer1MOutput })},
		Metric{Name: "cost_per_1m_input", Unit: UnitUSD, Better: LowerIsBetter,
			value: cost(func(c *Cost) float64 { return c.USDPer1MInput })},
		Metric{Name: "cost_per_request", Unit: UnitUSD, Better: LowerIsBetter,
			value: cost(func(c *Cost) float64 { return c.USDPerRequest })},
	)
}

// ErrorRate is failed / measured requests (canceled requests count in
// the denominator but are not errors: the run, not the target, ended them).
func ErrorRate(s *Summary) float64 {
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

// LookupMetric returns the metric called name (case-insensitive; a few
// other spellings are accepted).
func LookupMetric(name string) (Metric, bool) {
	name = strings.ToLower(name)
	if a, ok := metricAliases[name]; ok {
		name = a
	}
	return named(metrics, name, func(m Metric) string { return m.Name })
}

// MetricNames lists every metric a threshold may name, in catalogue order.
func MetricNames() []string {
	out := make([]string, len(metrics))
	for i, m := range metrics {
		out[i] = m.Name
	}
	return out
}

// MetricValue returns the value of the named metric in s (durations in
// nanoseconds, fractions as 0..1), and false when the metric is unknown
// or s has no value for it (no requests, no prices, no SLO).
func MetricValue(s *Summary, name string) (float64, bool) {
	m, ok := LookupMetric(name)
	if !ok {
		return 0, false
	}
	return m.value(s)
}

// Format shows v in the unit: durations in ms (µs below 1 ms, s from
// 100 s), fractions as percentages, rates with a /s, dollars as table.USD.
func (u Unit) Format(v float64) string {
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

// FormatDelta is Format with a sign (fractions in percentage points).
func (u Unit) FormatDelta(d float64) string {
	sign := "+"
	if d < 0 {
		sign = "-"
		d = -d
	}
	if u == UnitFraction {
		return sign + table.Ftoa(d*100, 2) + " pp"
	}
	return sign + u.Format(d)
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
