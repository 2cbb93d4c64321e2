package trend

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/decide"
)

// DefaultSignificant is the relative change past which a move from one
// night to the next is marked: 10%.
const DefaultSignificant = 0.10

// MinFractionMove is the smallest change of a fraction (the error rate)
// that is marked, however large relative to the night before: from 0.1%
// to 0.2% is +100% but one request in a thousand, not a regression.
const MinFractionMove = 0.01

// Options are the choices of a trend.
type Options struct {
	// Options are the summaries' (SLO, prices). Without an SLO the trend
	// has no goodput, and says so.
	reports.Options
	// Significant is the relative change past which a move is marked
	// (0: DefaultSignificant).
	Significant float64
}

func (o Options) significant() float64 {
	if o.Significant > 0 {
		return o.Significant
	}
	return DefaultSignificant
}

// Metric is one column of a trend: its JSON key (with its unit), its
// column heading (Label) and name in prose, how its values read, and
// which direction is better.
type Metric struct {
	Key    string
	Label  string
	Name   string
	Unit   reports.Unit
	Better reports.Better
	value  func(s *reports.Summary) (float64, bool)
}

// Value is m's value in s, and false when s has none.
func (m Metric) Value(s *reports.Summary) (float64, bool) { return m.value(s) }

// catalog is a metric of the reports' catalogue (reports.LookupMetric),
// under a trend's key, label and name (the label when empty), so a trend
// reads the same figures as --fail-on and compare.
func catalog(metric, key, label, name string) Metric {
	m, ok := reports.LookupMetric(metric)
	if !ok {
		panic("trend: no metric " + metric)
	}
	return Metric{Key: key, Label: label, Name: cmp.Or(name, label), Unit: m.Unit, Better: m.Better, value: m.Value}
}

// Metrics are the columns of a trend, in order: TTFT, TPOT and E2E p50
// and p95, goodput (requests/s meeting the SLO; only with one), error
// rate and the all-in cost per 1M tokens (input and output: the run's
// cost over every token it moved).
func Metrics(withGoodput bool) []Metric {
	m := []Metric{
		catalog("ttft.p50", "ttft_p50_ms", "TTFT p50", ""),
		catalog("ttft.p95", "ttft_p95_ms", "TTFT p95", ""),
		catalog("tpot.p50", "tpot_p50_ms", "TPOT p50", ""),
		catalog("tpot.p95", "tpot_p95_ms", "TPOT p95", ""),
		catalog("e2e.p50", "e2e_p50_ms", "E2E p50", ""),
		catalog("e2e.p95", "e2e_p95_ms", "E2E p95", ""),
	}
	if withGoodput {
		m = append(m, catalog("goodput.req_s", "goodput_req_s", "goodput", ""))
	}
	return append(m,
		catalog("error_rate", "error_rate", "errors", "error rate"),
		Metric{Key: "cost_per_1m_tokens_usd", Label: "$/1M tok", Name: "cost per 1M tokens", Unit: reports.UnitUSD, Better: reports.LowerIsBetter,
			value: func(s *reports.Summary) (float64, bool) {
				if s.Cost == nil {
					return 0, false
				}
				v := s.Cost.USDPer1MBlended()
				return v, v > 0
			}},
	)
}

// Trend is the runs of the same targets night by night: per target, one
// night per run in order of start time, each metric's value and its
// change against the previous complete night.
type Trend struct {
	Metrics []Metric
	// SLO is the goodput's (zero: no goodput column).
	SLO         reports.SLO
	Significant float64
	Series      []Series
	// Notes say what the trend leaves out and why.
	Notes []string
}

// Series is one target's nights. A target run at several loads (a sweep
// each night) is one series per load, so a night is compared with the
// same load the night before.
type Series struct {
	Target string
	// Load is set when the target ran at several loads ("rate 4/s").
	Load   string
	Nights []Night
}

// Name is the series' name for people: the target, with its load when
// the target has several.
func (s *Series) Name() string {
	if s.Load == "" {
		return s.Target
	}
	return s.Target + " @ " + s.Load
}

// Night is one run of a series.
type Night struct {
	RunID     string
	Dir       string
	StartedAt time.Time
	Simulated bool
	// Manifest is whether the run directory has its manifest (a crashed
	// run may have none).
	Manifest bool
	// Incomplete says why the run did not complete (reports.RunData's):
	// it is shown, but neither compared nor a baseline.
	Incomplete []string
	// Baseline is the index in the series of the night the changes are
	// against: the most recent earlier complete night (-1 for none).
	Baseline int
	// Values are aligned with Trend.Metrics.
	Values []Value
}

// Complete reports whether the night can be compared and be a baseline.
func (n *Night) Complete() bool { return len(n.Incomplete) == 0 }

// Value is one metric of one night and its change against the
// baseline night.
//
//	Delta = this - baseline
//	Pct   = Delta / baseline            (NaN when the baseline is 0)
//
// A change is Significant when |Pct| > Trend.Significant (or the
// baseline is 0 and the value is not), and for a fraction also |Delta| >=
// MinFractionMove. A significant change is a regression when it goes
// the worse way for the metric (up for latency, errors and cost; down
// for goodput), else an improvement.
type Value struct {
	V     float64
	Known bool
	// Compared is set when the night and its baseline both have a value.
	Compared    bool
	Delta       float64
	Pct         float64
	Significant bool
	// Verdict is VerdictRegressed, VerdictImproved, or "" for a change
	// that is not significant.
	Verdict string
}

// Verdicts of a significant change.
const (
	VerdictRegressed = "regressed"
	VerdictImproved  = "improved"
)

// Build makes the trend of runs: summarised with opt, grouped by target
// name (and load, for a target run at several), each group in order of
// start time.
func Build(runs []*reports.RunData, opt Options) *Trend {
	t := &Trend{Metrics: Metrics(!opt.SLO.IsZero()), SLO: opt.SLO, Significant: opt.significant()}
	type run struct {
		r *reports.RunData
		s reports.Summary
	}
	groups := map[string][]run{}
	var names []string
	for _, r := range runs {
		name := cmp.Or(r.Target, r.RunID)
		if _, ok := groups[name]; !ok {
			names = append(names, name)
		}
		groups[name] = append(groups[name], run{r, reports.Summarize(r, opt.Options)})
	}
	slices.Sort(names)
	for _, name := range names {
		g := groups[name]
		loads := map[string][]run{}
		var order []string
		for _, x := range g {
			l := decide.LoadLabel(x.s.Load)
			if _, ok := loads[l]; !ok {
				order = append(order, l)
			}
			loads[l] = append(loads[l], x)
		}
		// A sweep each night: one series per load, in load order.
		slices.SortStableFunc(order, func(a, b string) int {
			va, _ := decide.LoadValue(loads[a][0].s.Load)
			vb, _ := decide.LoadValue(loads[b][0].s.Load)
			return cmp.Compare(va, vb)
		})
		for _, l := range order {
			s := Series{Target: name}
			if len(order) > 1 {
				s.Load = l
			}
			rs := loads[l]
			slices.SortStableFunc(rs, func(a, b run) int {
				return cmp.Or(a.r.StartedAt.Compare(b.r.StartedAt), cmp.Compare(a.r.RunID, b.r.RunID), cmp.Compare(a.r.Dir, b.r.Dir))
			})
			for _, x := range rs {
				s.Nights = append(s.Nights, t.night(x.r, &x.s))
			}
			t.compare(&s)
			t.Series = append(t.Series, s)
		}
	}
	if opt.SLO.IsZero() {
		t.Notes = append(t.Notes, "goodput omitted: it needs an SLO (--slo ttft=500ms,tpot=50ms)")
	}
	return t
}

func (t *Trend) night(r *reports.RunData, s *reports.Summary) Night {
	n := Night{RunID: r.RunID, Dir: r.Dir, StartedAt: r.StartedAt, Simulated: r.Simulated,
		Manifest: r.Manifest != nil, Incomplete: slices.Clone(r.Incomplete), Baseline: -1}
	for _, m := range t.Metrics {
		v, ok := m.value(s)
		n.Values = append(n.Values, Value{V: v, Known: ok})
	}
	return n
}

// compare sets each complete night's changes against the most recent
// earlier complete night.
func (t *Trend) compare(s *Series) {
	base := -1
	for i := range s.Nights {
		n := &s.Nights[i]
		if !n.Complete() {
			continue
		}
		if base >= 0 {
			b := &s.Nights[base]
			n.Baseline = base
			for j, m := range t.Metrics {
				if n.Values[j].Known && b.Values[j].Known {
					t.change(m, b.Values[j].V, &n.Values[j])
				}
			}
		}
		base = i
	}
}

// change sets v's change from the baseline value b (see Value).
func (t *Trend) change(m Metric, b float64, v *Value) {
	v.Compared = true
	v.Delta = v.V - b
	switch {
	case b != 0:
		v.Pct = v.Delta / b
		v.Significant = math.Abs(v.Pct) > t.Significant
	case v.Delta == 0:
		v.Pct = 0
	default:
		v.Pct = math.NaN()
		v.Significant = true
	}
	if m.Unit == reports.UnitFraction && math.Abs(v.Delta) < MinFractionMove {
		v.Significant = false
	}
	if !v.Significant {
		return
	}
	worse := v.Delta > 0
	if m.Better == reports.HigherIsBetter {
		worse = v.Delta < 0
	}
	v.Verdict = VerdictImproved
	if worse {
		v.Verdict = VerdictRegressed
	}
}

// Move is a significant change of one metric on one night.
type Move struct {
	Series *Series
	Night  *Night
	Metric Metric
	// Before is the baseline night's value.
	Before float64
	Value  Value
}

// Moves are the significant changes, series by series and night by
// night, regressions and improvements alike.
func (t *Trend) Moves() []Move {
	var out []Move
	for i := range t.Series {
		s := &t.Series[i]
		for j := range s.Nights {
			n := &s.Nights[j]
			for k, v := range n.Values {
				if v.Significant {
					out = append(out, Move{Series: s, Night: n, Metric: t.Metrics[k], Before: v.V - v.Delta, Value: v})
				}
			}
		}
	}
	return out
}

// Regressions counts the significant changes for the worse.
func (t *Trend) Regressions() int {
	n := 0
	for _, m := range t.Moves() {
		if m.Value.Verdict == VerdictRegressed {
			n++
		}
	}
	return n
}

// Text says a move in words, the direction of better with it:
// "TTFT p95 regressed (lower is better): 180.0 ms -> 240.0 ms (+60.0 ms,
// +33.3%)".
func (m Move) Text() string {
	better := "lower is better"
	if m.Metric.Better == reports.HigherIsBetter {
		better = "higher is better"
	}
	u := m.Metric.Unit
	return fmt.Sprintf("%s %s (%s): %s -> %s (%s, %s)", m.Metric.Name, m.Value.Verdict, better,
		u.Format(m.Before), u.Format(m.Value.V), u.FormatDelta(m.Value.Delta), pctText(m.Value.Pct))
}

// pctText is a relative change as a signed percentage, "from 0" when
// there was nothing before.
func pctText(p float64) string {
	if math.IsNaN(p) {
		return "from 0"
	}
	sign := "+"
	if p < 0 {
		sign, p = "-", -p
	}
	return sign + fmt.Sprintf("%.1f%%", p*100)
}
