package compare

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/threshold"
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

// Defaults of Options.
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

// Options are the choices of a comparison. The zero value means
// the defaults.
type Options struct {
	// Options (SLO, prices) apply to both runs.
	reports.Options
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
	// Unpaired compares the distributions of the two runs even when their
	// requests pair (see Runs).
	Unpaired bool
}

func (o Options) withDefaults() Options {
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
	Base, Cand reports.Summary
	// Options are the options used, defaults filled in.
	Options Options
	// Metrics are the compared metrics in catalogue order.
	Metrics []MetricDelta
	// Shifts are Mann-Whitney tests of each latency distribution.
	Shifts []Shift
	// Verdict is worse when any counted metric got significantly worse,
	// better when some got better and none worse, else no significant
	// change.
	Verdict Verdict
	// Thresholds are the results of Check, in order.
	Thresholds []threshold.Result
	// Notes say how the numbers were made where that is not the default
	// (subsampling) and what could not be compared.
	Notes []string
	// Pairs is the number of ok requests of the candidate paired with the
	// same workload request of the baseline, when the latencies were
	// compared request by request (0 when they were not); Pairing says
	// why they were or were not.
	Pairs   int
	Pairing string
	// Incomplete are the Problems of the pair: reasons the verdict rests on
	// data that cannot carry one (a crashed run, a workload that differs).
	// A gate refuses such a pair unless told to accept it; then every
	// output says so.
	Incomplete []string
}

// MetricDelta is one metric of both runs and the difference
// candidate - baseline. Durations are nanoseconds, fractions 0..1.
type MetricDelta struct {
	Metric string
	Unit   reports.Unit
	Better reports.Better
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

// Runs measures cand against base. Latency metrics get a bootstrap
// interval of the difference of each statistic from the per-request
// values, and a test of the whole distribution; error rate and good
// fraction a Newcombe interval of the difference of proportions;
// throughputs a Poisson-count interval. Cost metrics are shown without a
// test. See docs/ci.md.
//
// When both runs replayed the same workload with the same load mode and
// seed (their manifests say so), their requests pair by workload request,
// and the per-request latencies (all but ITL and schedule lag) are
// compared pair by pair: a bootstrap that resamples pairs, and a Wilcoxon
// signed-rank test of the differences, which finds a shift that a
// comparison of two wide distributions cannot. Otherwise, or with
// opt.Unpaired, each run's values are resampled on their own and the
// distributions compared by a Mann-Whitney test.
func Runs(base, cand *reports.RunData, opt Options) *Comparison {
	opt = opt.withDefaults()
	c := &Comparison{
		Base: reports.Summarize(base, opt.Options), Cand: reports.Summarize(cand, opt.Options),
		Options: opt, Incomplete: Problems(base, cand),
	}
	var pairs *pairing
	ok, why := pairable(base, cand)
	switch {
	case opt.Unpaired:
		c.Pairing = "unpaired: asked for"
	case !ok:
		c.Pairing = "unpaired: " + why
	default:
		p := pairUp(base, cand)
		c.Pairs = len(p.base)
		if c.Pairs < minTestValues {
			c.Pairing = fmt.Sprintf("unpaired: only %d requests pair", c.Pairs)
			c.Pairs = 0
			break
		}
		pairs = &p
		c.Pairing = fmt.Sprintf("paired: %d requests paired by request_id (same workload, load mode and seed)", c.Pairs)
		if p.unpairedBase+p.unpairedCand > 0 {
			c.Pairing += fmt.Sprintf("; %d of the baseline's and %d of the candidate's ok requests have no twin", p.unpairedBase, p.unpairedCand)
		}
	}
	c.addLatencies(testLatencies(base, cand, pairs, opt))
	c.addOthers(normalQuantile(opt.Alpha / 2))
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

// latencyTest is what the tests of one latency found.
type latencyTest struct {
	latency reports.Latency
	cis     []Interval // per bootstrapStats; nil when a side is not tested
	shift   Shift
	notes   []string
	test    string // how cis were made: "bootstrap" or "paired bootstrap"
}

// testLatencies tests every latency, side by side (each sorts up to two
// million values), at most one per CPU to bound memory.
func testLatencies(base, cand *reports.RunData, pairs *pairing, opt Options) []latencyTest {
	lats := reports.Latencies()
	out := make([]latencyTest, len(lats))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, l := range lats {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if pairs != nil && l.PerOKRequest() {
				out[i] = testPaired(l, base, cand, *pairs, opt, uint64(i)+1)
				return
			}
			out[i] = testLatency(l, base, cand, opt, uint64(i)+1)
		})
	}
	wg.Wait()
	return out
}

// testLatency bootstraps the statistics of one latency and tests the
// shift of its distribution; stream seeds its bootstrap apart from the
// other latencies'.
func testLatency(l reports.Latency, base, cand *reports.RunData, opt Options, stream uint64) latencyTest {
	vb, nb := base.Values(l.Name, maxCompareValues)
	vc, nc := cand.Values(l.Name, maxCompareValues)
	r := latencyTest{latency: l}
	for _, s := range []struct {
		name    string
		n, kept int
	}{{"baseline", nb, len(vb)}, {"candidate", nc, len(vc)}} {
		if s.kept < s.n {
			r.notes = append(r.notes, fmt.Sprintf("%s: the %s's %d values were thinned to every %d-th (%d) for the tests",
				l.Name, s.name, s.n, (s.n+maxCompareValues-1)/maxCompareValues, s.kept))
		} else if s.n > opt.BootstrapCap && l.Name != "itl" {
			r.notes = append(r.notes, fmt.Sprintf("%s: the bootstrap resampled %d of the %s's %d values (m-out-of-n, spread scaled by sqrt(m/n))",
				l.Name, opt.BootstrapCap, s.name, s.n))
		}
	}
	r.test = "bootstrap"
	r.shift = Shift{Metric: l.Name, Test: "mann-whitney", NBase: len(vb), NCand: len(vc), Verdict: VerdictUntested,
		ProbGreater: math.NaN(), Z: math.NaN(), P: math.NaN(), MedianDiff: math.NaN()}
	if len(vb) == 0 || len(vc) == 0 {
		return r
	}
	if min(len(vb), len(vc)) < minTestValues {
		r.notes = append(r.notes, fmt.Sprintf("%s: %d and %d values: too few to test (at least %d a run)",
			l.Name, len(vb), len(vc), minTestValues))
		return r
	}
	var sb, sc resampler
	if l.Name == "itl" {
		var ok bool
		if sb, sc, ok = itlSides(base, cand, vb, vc, opt, &r.notes); !ok {
			return r
		}
	} else {
		sb, sc = newBootSide(vb, opt.BootstrapCap), newBootSide(vc, opt.BootstrapCap)
	}
	r.cis = bootstrapCI(sb, sc, opt.Resamples, opt.Alpha, [2]uint64{opt.Seed, stream})
	r.shift.ProbGreater, r.shift.Z, r.shift.P = mannWhitney(vb, vc)
	r.shift.decide(opt.Alpha)
	return r
}

// decide sets the shift's verdict from its p-value: larger latencies are
// worse.
func (s *Shift) decide(alpha float64) {
	s.Verdict = VerdictSame
	if s.P < alpha && s.ProbGreater != 0.5 {
		s.Verdict = VerdictBetter
		if s.ProbGreater > 0.5 {
			s.Verdict = VerdictWorse
		}
	}
}

// testPaired bootstraps the statistics of one per-request latency over
// pairs of requests and tests the per-request differences by Wilcoxon's
// signed-rank test.
func testPaired(l reports.Latency, base, cand *reports.RunData, p pairing, opt Options, stream uint64) latencyTest {
	r := latencyTest{latency: l, test: "paired bootstrap"}
	b, c := pairedValues(l, base, cand, p)
	r.shift = Shift{Metric: l.Name, Test: "wilcoxon", NBase: len(b), NCand: len(c), Pairs: len(b),
		Verdict: VerdictUntested, ProbGreater: math.NaN(), Z: math.NaN(), P: math.NaN(), MedianDiff: math.NaN()}
	if len(b) < minTestValues {
		if len(b) > 0 {
			r.notes = append(r.notes, fmt.Sprintf("%s: %d pairs: too few to test (at least %d)", l.Name, len(b), minTestValues))
		}
		return r
	}
	fb, _ := base.Values(l.Name, 0)
	fc, _ := cand.Values(l.Name, 0)
	pb := newPairedBoot(b, c, fb, fc, opt.BootstrapCap)
	if pb.scale < 1 {
		r.notes = append(r.notes, fmt.Sprintf("%s: the paired bootstrap resampled %d of the %d pairs (stratified; m-out-of-n, spread scaled by sqrt(m/n))",
			l.Name, len(pb.counts), len(b)))
	}
	cis := pairedCI(pb, opt.Resamples, opt.Alpha, [2]uint64{opt.Seed, stream})
	r.cis = cis[:len(bootstrapStats)]
	d := make([]int64, len(b))
	for i := range d {
		d[i] = c[i] - b[i]
	}
	r.shift.MedianDiff = pb.full[medianDiff]
	r.shift.MedianCI = &cis[medianDiff]
	r.shift.ProbGreater, r.shift.Z, r.shift.P = wilcoxon(d)
	r.shift.decide(opt.Alpha)
	return r
}

// itlSides are the bootstrap sides of inter-token latency: requests are
// resampled, not gaps, and more values are kept than for the others since
// whole requests are drawn. ok is false when too few requests have gaps.
func itlSides(base, cand *reports.RunData, vb, vc []int64, opt Options, notes *[]string) (sb, sc resampler, ok bool) {
	capGaps := itlCapFactor * opt.BootstrapCap
	vals, lens, nReq := base.ITLByRequest(capGaps)
	b := newClusterSide(vals, lens, nReq, vb)
	vals, lens, nReq2 := cand.ITLByRequest(capGaps)
	c := newClusterSide(vals, lens, nReq2, vc)
	if min(nReq, nReq2) < minTestValues {
		*notes = append(*notes, fmt.Sprintf("itl: %d and %d requests with gaps: too few to test (at least %d a run)",
			nReq, nReq2, minTestValues))
		return nil, nil, false
	}
	for _, s := range []struct {
		name    string
		n, kept int
	}{{"baseline", nReq, len(b.lens)}, {"candidate", nReq2, len(c.lens)}} {
		if s.kept < s.n {
			*notes = append(*notes, fmt.Sprintf("itl: the bootstrap resampled every %d-th of the %s's %d requests (m-out-of-n, spread scaled by sqrt(m/n))",
				(s.n+s.kept-1)/s.kept, s.name, s.n))
		}
	}
	return b, c, true
}

// addLatencies adds each tested latency's statistics (compareStats) and
// shift to c.
func (c *Comparison) addLatencies(tests []latencyTest) {
	for _, r := range tests {
		c.Notes = append(c.Notes, r.notes...)
		if r.shift.NBase == 0 && r.shift.NCand == 0 {
			continue
		}
		c.Shifts = append(c.Shifts, r.shift)
		for _, st := range compareStats {
			m, _ := reports.LookupMetric(r.latency.Name + "." + st)
			d := c.delta(m)
			if r.cis != nil {
				for k, bs := range bootstrapStats {
					if bs.name == st {
						d.setCI(r.cis[k], r.test, c.Options.MinEffect)
					}
				}
			}
			c.Metrics = append(c.Metrics, d)
		}
	}
}

// addOthers adds the metrics that are not latencies: throughputs, error
// rate, goodput (with an SLO) and cost (when either run has one), with z
// the normal quantile of the intervals.
func (c *Comparison) addOthers(z float64) {
	b, k, minEffect := &c.Base, &c.Cand, c.Options.MinEffect
	for _, m := range reports.Metrics() {
		if m.Family != "" {
			continue
		}
		d := c.delta(m)
		switch m.Name {
		case "throughput.requests_per_s", "throughput.output_tok_s":
			if iv, ok := rateCI(d.Base, b.Requests.OK, d.Cand, k.Requests.OK, z); ok && b.WindowNs > 0 && k.WindowNs > 0 {
				d.setCI(iv, "poisson", minEffect)
			}
		case "error_rate":
			if b.Requests.Total > 0 && k.Requests.Total > 0 {
				d.setCI(newcombe(b.Requests.Failed, b.Requests.Total, k.Requests.Failed, k.Requests.Total, z), "newcombe", minEffect)
			}
		case "goodput.fraction":
			if b.Goodput == nil || k.Goodput == nil {
				continue // no SLO: nothing to show
			}
			if b.Requests.Total > 0 && k.Requests.Total > 0 {
				d.setCI(newcombe(b.Goodput.Good, b.Requests.Total, k.Goodput.Good, k.Requests.Total, z), "newcombe", minEffect)
			}
		case "goodput.req_s":
			if b.Goodput == nil || k.Goodput == nil {
				continue
			}
			if iv, ok := rateCI(d.Base, b.Goodput.Good, d.Cand, k.Goodput.Good, z); ok && b.WindowNs > 0 && k.WindowNs > 0 {
				d.setCI(iv, "poisson", minEffect)
			}
		default: // cost: a price times a token mix has no sampling model here
			if b.Cost == nil && k.Cost == nil {
				continue
			}
		}
		c.Metrics = append(c.Metrics, d)
	}
}

// delta fills in both values of m and their difference, untested.
func (c *Comparison) delta(m reports.Metric) MetricDelta {
	d := MetricDelta{Metric: m.Name, Unit: m.Unit, Better: m.Better, Verdict: VerdictUntested,
		Counted: m.Family != "schedule_lag", Base: math.NaN(), Cand: math.NaN(), Delta: math.NaN(), RelDelta: math.NaN()}
	bv, bok := m.Value(&c.Base)
	cv, cok := m.Value(&c.Cand)
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
	if (d.Delta > 0) == (d.Better == reports.HigherIsBetter) {
		d.Verdict = VerdictBetter
	} else {
		d.Verdict = VerdictWorse
	}
}

// Check evaluates ths on the candidate, with the baseline as base, and
// keeps the results in c.Thresholds. It returns the number that failed.
func (c *Comparison) Check(ths []*threshold.Threshold) int {
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
