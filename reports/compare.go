package reports

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
)

// Verdict is the outcome of comparing a candidate run with a baseline.
type Verdict string

// Verdicts.
const (
	VerdictBetter Verdict = "better"
	VerdictWorse  Verdict = "worse"
	VerdictSame   Verdict = "no significant change"
	// VerdictUntested is for a metric without a sampling model (cost) or
	// without values on both sides; it never sways the overall verdict.
	VerdictUntested Verdict = "not tested"
)

// Defaults of CompareOptions.
const (
	DefaultAlpha        = 0.05
	DefaultResamples    = 1000
	DefaultBootstrapCap = 10000
	DefaultMinEffect    = 0.02
	DefaultSeed         = 1
)

// maxCompareValues caps the values of one latency distribution that a
// comparison holds: every k-th value in recorded order beyond it (a
// million-request run's inter-token gaps run to tens of millions). The
// point estimates come from the Summary, over every value.
const maxCompareValues = 1 << 20

// minTestValues is the fewest values (requests, for ITL) a run needs for
// its distribution to be tested: below it a bootstrap resamples so few
// distinct values that its interval is too narrow to trust (with one
// value, it is a point).
const minTestValues = 10

// itlCapFactor times BootstrapCap is the most inter-token gaps the
// request-level bootstrap of ITL resamples.
const itlCapFactor = 4

// CompareOptions are the choices of a comparison. The zero value means
// the defaults.
type CompareOptions struct {
	// Options (SLO, prices) apply to both runs.
	Options
	// Alpha is 1 - the confidence level of the intervals (default 0.05:
	// 95% intervals).
	Alpha float64
	// Resamples is the number of bootstrap resamples (default 1000).
	Resamples int
	// Seed seeds the bootstrap (0 means DefaultSeed), so a comparison of
	// the same runs always prints the same intervals.
	Seed uint64
	// BootstrapCap is the most values of a distribution that are
	// resampled (default 10000); above it the bootstrap resamples a
	// quantile subsample of that size and scales its spread by
	// sqrt(cap/n), the m-out-of-n bootstrap.
	BootstrapCap int
	// MinEffect is the smallest relative change (of the baseline's value)
	// that a verdict counts, so a 0.3% shift that a long run makes
	// "significant" does not turn a nightly build red (default 0.02; a
	// negative value turns it off).
	MinEffect float64
}

func (o CompareOptions) withDefaults() CompareOptions {
	if o.Alpha <= 0 || o.Alpha >= 1 {
		o.Alpha = DefaultAlpha
	}
	if o.Resamples <= 0 {
		o.Resamples = DefaultResamples
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.BootstrapCap <= 0 {
		o.BootstrapCap = DefaultBootstrapCap
	}
	switch {
	case o.MinEffect == 0:
		o.MinEffect = DefaultMinEffect
	case o.MinEffect < 0:
		o.MinEffect = 0
	}
	return o
}

// Comparison is a candidate run measured against a baseline run.
type Comparison struct {
	Base, Cand Summary
	// Options are the options used, defaults filled in.
	Options CompareOptions
	// Metrics are the compared metrics in catalogue order.
	Metrics []MetricDelta
	// Shifts are Mann-Whitney tests of each latency distribution.
	Shifts []Shift
	// Verdict is worse when any counted metric got significantly worse,
	// better when some got better and none worse, else no significant
	// change.
	Verdict Verdict
	// Thresholds are the results of Check, in order.
	Thresholds []ThresholdResult
	// Notes say how the numbers were made where that is not the default
	// (subsampling) and what could not be compared.
	Notes []string
}

// MetricDelta is one metric of both runs and the difference
// candidate - baseline. Durations are nanoseconds, fractions 0..1.
type MetricDelta struct {
	Metric string
	Unit   Unit
	Better Better
	Base   float64
	Cand   float64
	Delta  float64
	// RelDelta is Delta / Base (NaN when Base is 0).
	RelDelta float64
	// CI is the confidence interval of Delta; nil when untested.
	CI *Interval
	// Test names how CI was made: "bootstrap", "newcombe", "poisson".
	Test string
	// Significant is whether CI excludes 0.
	Significant bool
	Verdict     Verdict
	// Counted is false for metrics that are shown but do not sway the
	// overall verdict (schedule lag measures the load generator).
	Counted bool
}

// compareStats are the latency statistics a comparison lists.
var compareStats = []string{"p50", "p95", "p99", "mean"}

// Compare measures cand against base. Latency metrics get a bootstrap
// interval of the difference of each statistic from the per-request
// values, and a Mann-Whitney test of the whole distribution; error rate
// and good fraction a Newcombe interval of the difference of proportions;
// throughputs a Poisson-count interval. Cost metrics are shown without a
// test. See docs/ci.md.
func Compare(base, cand *RunData, opt CompareOptions) *Comparison {
	opt = opt.withDefaults()
	c := &Comparison{
		Base: Summarize(base, opt.Options), Cand: Summarize(cand, opt.Options),
		Options: opt,
	}
	z := normalQuantile(opt.Alpha / 2)

	// Latency families, side by side (each sorts up to two million
	// values), at most one per CPU to bound memory.
	type famResult struct {
		cis   []Interval // per bootstrapStats; nil when a side is empty
		shift Shift
		notes []string
	}
	fams := make([]famResult, len(latencyFamilies))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for fi, f := range latencyFamilies {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			vb, nb := runValues(base, f.name)
			vc, nc := runValues(cand, f.name)
			r := &fams[fi]
			for _, s := range []struct {
				name    string
				n, kept int
			}{{"baseline", nb, len(vb)}, {"candidate", nc, len(vc)}} {
				if s.kept < s.n {
					r.notes = append(r.notes, fmt.Sprintf("%s: the %s's %d values were thinned to every %d-th (%d) for the tests",
						f.name, s.name, s.n, (s.n+maxCompareValues-1)/maxCompareValues, s.kept))
				} else if s.n > opt.BootstrapCap && f.name != "itl" {
					r.notes = append(r.notes, fmt.Sprintf("%s: the bootstrap resampled %d of the %s's %d values (m-out-of-n, spread scaled by sqrt(m/n))",
						f.name, opt.BootstrapCap, s.name, s.n))
				}
			}
			radixSort(vb)
			radixSort(vc)
			r.shift = Shift{Metric: f.name, NBase: len(vb), NCand: len(vc), Verdict: VerdictUntested,
				ProbGreater: math.NaN(), Z: math.NaN(), P: math.NaN()}
			if len(vb) == 0 || len(vc) == 0 {
				return
			}
			if min(len(vb), len(vc)) < minTestValues {
				r.notes = append(r.notes, fmt.Sprintf("%s: %d and %d values: too few to test (at least %d a run)",
					f.name, len(vb), len(vc), minTestValues))
				return
			}
			var sb, sc resampler
			if f.name == "itl" {
				// Resample requests, not gaps; more values are kept than
				// for the others since whole requests are drawn.
				capGaps := itlCapFactor * opt.BootstrapCap
				vals, lens, nReq := itlClusters(base, capGaps)
				sb = newClusterSide(vals, lens, nReq, vb)
				vals, lens, nReq2 := itlClusters(cand, capGaps)
				sc = newClusterSide(vals, lens, nReq2, vc)
				if min(nReq, nReq2) < minTestValues {
					r.notes = append(r.notes, fmt.Sprintf("itl: %d and %d requests with gaps: too few to test (at least %d a run)",
						nReq, nReq2, minTestValues))
					return
				}
				for _, s := range []struct {
					name    string
					n, kept int
				}{{"baseline", nReq, len(sb.(*clusterSide).lens)}, {"candidate", nReq2, len(sc.(*clusterSide).lens)}} {
					if s.kept < s.n {
						r.notes = append(r.notes, fmt.Sprintf("itl: the bootstrap resampled every %d-th of the %s's %d requests (m-out-of-n, spread scaled by sqrt(m/n))",
							(s.n+s.kept-1)/s.kept, s.name, s.n))
					}
				}
			} else {
				sb, sc = newBootSide(vb, opt.BootstrapCap), newBootSide(vc, opt.BootstrapCap)
			}
			r.cis = bootstrapCI(sb, sc, opt.Resamples, opt.Alpha, [2]uint64{opt.Seed, uint64(fi) + 1})
			r.shift.ProbGreater, r.shift.Z, r.shift.P = mannWhitney(vb, vc)
			r.shift.Verdict = VerdictSame
			if r.shift.P < opt.Alpha && r.shift.ProbGreater != 0.5 {
				// Larger latencies are worse.
				r.shift.Verdict = VerdictBetter
				if r.shift.ProbGreater > 0.5 {
					r.shift.Verdict = VerdictWorse
				}
			}
		})
	}
	wg.Wait()

	for fi, f := range latencyFamilies {
		r := fams[fi]
		c.Notes = append(c.Notes, r.notes...)
		if r.shift.NBase == 0 && r.shift.NCand == 0 {
			continue
		}
		c.Shifts = append(c.Shifts, r.shift)
		for _, st := range compareStats {
			m, _ := lookupMetric(f.name + "." + st)
			d := c.delta(m)
			if r.cis != nil {
				for k, bs := range bootstrapStats {
					if bs.name == st {
						d.setCI(r.cis[k], "bootstrap", opt.MinEffect)
					}
				}
			}
			c.Metrics = append(c.Metrics, d)
		}
	}

	b, k := &c.Base, &c.Cand
	for _, m := range metrics {
		if m.family != "" {
			continue
		}
		d := c.delta(m)
		switch m.name {
		case "throughput.requests_per_s", "throughput.output_tok_s":
			if iv, ok := rateCI(d.Base, b.Requests.OK, d.Cand, k.Requests.OK, z); ok && b.WindowNs > 0 && k.WindowNs > 0 {
				d.setCI(iv, "poisson", opt.MinEffect)
			}
		case "error_rate":
			if b.Requests.Total > 0 && k.Requests.Total > 0 {
				d.setCI(newcombe(b.Requests.Failed, b.Requests.Total, k.Requests.Failed, k.Requests.Total, z), "newcombe", opt.MinEffect)
			}
		case "goodput.fraction":
			if b.Goodput == nil || k.Goodput == nil {
				continue // no SLO: nothing to show
			}
			if b.Requests.Total > 0 && k.Requests.Total > 0 {
				d.setCI(newcombe(b.Goodput.Good, b.Requests.Total, k.Goodput.Good, k.Requests.Total, z), "newcombe", opt.MinEffect)
			}
		case "goodput.req_s":
			if b.Goodput == nil || k.Goodput == nil {
				continue
			}
			if iv, ok := rateCI(d.Base, b.Goodput.Good, d.Cand, k.Goodput.Good, z); ok && b.WindowNs > 0 && k.WindowNs > 0 {
				d.setCI(iv, "poisson", opt.MinEffect)
			}
		default: // cost: a price times a token mix has no sampling model here
			if b.Cost == nil && k.Cost == nil {
				continue
			}
		}
		c.Metrics = append(c.Metrics, d)
	}

	c.Verdict = VerdictSame
	for _, d := range c.Metrics {
		if !d.Counted {
			continue
		}
		switch {
		case d.Verdict == VerdictWorse:
			c.Verdict = VerdictWorse
		case d.Verdict == VerdictBetter && c.Verdict == VerdictSame:
			c.Verdict = VerdictBetter
		}
	}
	return c
}

// delta fills in both values of m and their difference, untested.
func (c *Comparison) delta(m metricDef) MetricDelta {
	d := MetricDelta{Metric: m.name, Unit: m.unit, Better: m.better, Verdict: VerdictUntested,
		Counted: m.family != "schedule_lag", Base: math.NaN(), Cand: math.NaN(), Delta: math.NaN(), RelDelta: math.NaN()}
	bv, bok := m.value(&c.Base)
	cv, cok := m.value(&c.Cand)
	if bok {
		d.Base = bv
	}
	if cok {
		d.Cand = cv
	}
	if bok && cok {
		d.Delta = cv - bv
		if bv != 0 {
			d.RelDelta = d.Delta / math.Abs(bv)
		}
	}
	return d
}

// setCI records the interval and decides the metric's verdict: a change
// counts when the interval excludes 0 and the change is at least
// minEffect of the baseline's value.
func (d *MetricDelta) setCI(iv Interval, test string, minEffect float64) {
	if math.IsNaN(d.Delta) {
		return
	}
	d.CI, d.Test = &iv, test
	d.Significant = iv.excludesZero()
	d.Verdict = VerdictSame
	if !d.Significant || math.Abs(d.Delta) < minEffect*math.Abs(d.Base) {
		return
	}
	if (d.Delta > 0) == (d.Better == HigherIsBetter) {
		d.Verdict = VerdictBetter
	} else {
		d.Verdict = VerdictWorse
	}
}

// Check evaluates ths on the candidate, with the baseline as base, and
// keeps the results in c.Thresholds. It returns the number that failed.
func (c *Comparison) Check(ths []*Threshold) int {
	c.Thresholds = c.Thresholds[:0]
	failed := 0
	for _, t := range ths {
		r := t.Check(&c.Cand, &c.Base)
		if r.Failed {
			failed++
		}
		c.Thresholds = append(c.Thresholds, r)
	}
	return failed
}

// ThresholdsFailed is the number of failed thresholds.
func (c *Comparison) ThresholdsFailed() int {
	n := 0
	for _, r := range c.Thresholds {
		if r.Failed {
			n++
		}
	}
	return n
}

// runValues returns a new slice of the per-request values of one latency
// family of r (at most maxCompareValues, every k-th beyond that) and how
// many there are in all. Zeros (not observed) are left out as Summarize
// leaves them out, except for schedule lag and inter-token gaps, where 0
// is a real value.
func runValues(r *RunData, family string) ([]int64, int) {
	fi := slices.IndexFunc(latencyFamilies, func(f latencyFamily) bool { return f.name == family })
	if fi < 0 {
		panic("reports: unknown latency family " + family)
	}
	col, keepZero := latencyFamilies[fi].col, latencyFamilies[fi].keepZero
	if col == nil {
		return itlValues(r)
	}
	n := 0
	for _, b := range r.blocks {
		for _, v := range col(b) {
			if keepZero || v != 0 {
				n++
			}
		}
	}
	stride := (n + maxCompareValues - 1) / maxCompareValues
	out := make([]int64, 0, min(n, maxCompareValues))
	i := 0
	for _, b := range r.blocks {
		for _, v := range col(b) {
			if !keepZero && v == 0 {
				continue
			}
			if i%max(stride, 1) == 0 {
				out = append(out, v)
			}
			i++
		}
	}
	return out, n
}

// itlValues is runValues for the per-token gaps, held in two columns.
func itlValues(r *RunData) ([]int64, int) {
	n := 0
	for _, b := range r.blocks {
		n += len(b.itl) + len(b.itlBig)
	}
	stride := max((n+maxCompareValues-1)/maxCompareValues, 1)
	out := make([]int64, 0, min(n, maxCompareValues))
	i := 0
	for _, b := range r.blocks {
		for _, v := range b.itl {
			if i%stride == 0 {
				out = append(out, int64(v))
			}
			i++
		}
		for _, v := range b.itlBig {
			if i%stride == 0 {
				out = append(out, v)
			}
			i++
		}
	}
	return out, n
}

// itlClusters returns the inter-token gaps of r request by request: vals
// holds the gaps of each kept request in turn, lens[i] of them for kept
// request i. Requests without gaps (one chunk) are left out; nReq counts
// the others. When there are more than capGaps gaps, every k-th request
// is kept so that about capGaps remain.
func itlClusters(r *RunData, capGaps int) (vals []int64, lens []int32, nReq int) {
	total := 0
	for _, b := range r.blocks {
		for i := range b.itlN {
			if n := int(b.itlN[i]) + int(b.itlBigN[i]); n > 0 {
				total += n
				nReq++
			}
		}
	}
	stride := max((total+capGaps-1)/max(capGaps, 1), 1)
	req := 0
	for _, b := range r.blocks {
		small, big := 0, 0
		for i := range b.itlN {
			ns, nb := int(b.itlN[i]), int(b.itlBigN[i])
			if ns+nb > 0 {
				if req%stride == 0 {
					for _, v := range b.itl[small : small+ns] {
						vals = append(vals, int64(v))
					}
					vals = append(vals, b.itlBig[big:big+nb]...)
					lens = append(lens, int32(ns+nb))
				}
				req++
			}
			small += ns
			big += nb
		}
	}
	return vals, lens, nReq
}
