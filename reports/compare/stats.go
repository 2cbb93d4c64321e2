package compare

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/inferbench/inferbench/reports"
)

// Interval is a confidence interval [Lo, Hi] of a difference
// (candidate - baseline), in the metric's unit.
type Interval struct{ Lo, Hi float64 }

// excludesZero reports whether the interval lies wholly on one side of 0.
func (iv Interval) excludesZero() bool { return iv.Lo > 0 || iv.Hi < 0 }

// bootstrapStat is a statistic the bootstrap can recompute on a resample:
// a nearest-rank percentile (p > 0) or the mean (p == 0).
type bootstrapStat struct {
	name string
	p    float64
}

// bootstrapStats are the statistics a comparison tests, percentiles in
// ascending order, then the mean. The maximum is left out: the bootstrap
// distribution of a sample maximum is degenerate (it can never exceed the
// observed one), so its interval would mean nothing.
var bootstrapStats = []bootstrapStat{{"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}, {"mean", 0}}

// bootSide is one run's values prepared for resampling: a sorted
// subsample of at most cap values picked by quantile (every k-th value of
// the sorted data, so its empirical distribution is the closest cap-point
// picture of the full one), the statistics on the full data and on the
// subsample, and the factor sqrt(m/n) that scales the subsample's
// bootstrap deviations to the full sample size (an m-out-of-n bootstrap:
// percentiles and means vary as 1/sqrt(n)).
type bootSide struct {
	sub    []int64
	full   []float64 // per bootstrapStats
	subE   []float64
	scale  float64
	counts []int32
}

// resampler draws one bootstrap resample of one run's values and writes
// its bootstrapStats, moved to the full sample's scale, to out.
type resampler interface {
	resample(rng *rand.Rand, out []float64)
}

func newBootSide(sorted []int64, cap int) *bootSide {
	s := &bootSide{sub: sorted, scale: 1}
	if n := len(sorted); n > cap {
		s.sub = make([]int64, cap)
		for i := range s.sub {
			// The midpoint of the i-th of cap equal slices.
			s.sub[i] = sorted[int((float64(i)+0.5)*float64(n)/float64(cap))]
		}
		s.scale = math.Sqrt(float64(cap) / float64(n))
	}
	s.full = statsOfSorted(sorted)
	s.subE = statsOfSorted(s.sub)
	s.counts = make([]int32, len(s.sub))
	return s
}

// statsOfSorted computes bootstrapStats on sorted values.
func statsOfSorted(v []int64) []float64 {
	out := make([]float64, len(bootstrapStats))
	if len(v) == 0 {
		return out
	}
	var sum float64
	for _, x := range v {
		sum += float64(x)
	}
	for i, st := range bootstrapStats {
		if st.p == 0 {
			out[i] = sum / float64(len(v))
		} else {
			out[i] = float64(reports.Percentile(v, st.p))
		}
	}
	return out
}

// resample draws len(sub) values of sub with replacement and writes their
// statistics to out. It needs no sort: sub is sorted, so counting how
// often each index was drawn and walking the counts in order visits the
// resample in sorted order. That makes a resample O(m) instead of
// O(m log m).
func (s *bootSide) resample(rng *rand.Rand, out []float64) {
	m := len(s.sub)
	counts := s.counts
	clear(counts)
	// Two indices per 64 random bits by multiply-shift (Lemire): the bias
	// is under m / 2^32, far below what 1000 resamples can show, and it
	// is twice as fast as IntN, which dominates the cost.
	um := uint64(m)
	for i := 0; i < m; i += 2 {
		x := rng.Uint64()
		counts[(x&0xffffffff)*um>>32]++
		if i+1 < m {
			counts[(x>>32)*um>>32]++
		}
	}
	ranks, nr := percentileRanks(m)
	cum, j := 0, 0
	var sum float64
	for i, c := range counts {
		if c == 0 {
			continue
		}
		cum += int(c)
		sum += float64(c) * float64(s.sub[i])
		for j < nr && ranks[j] <= cum {
			out[j] = float64(s.sub[i])
			j++
		}
	}
	out[len(bootstrapStats)-1] = sum / float64(m)
	// Move back to the full sample's scale: estimate + scaled deviation.
	for k := range out {
		out[k] = s.full[k] + s.scale*(out[k]-s.subE[k])
	}
}

// percentileRanks are the nearest ranks of the percentiles of
// bootstrapStats among n values, ascending.
func percentileRanks(n int) (ranks [4]int, nr int) {
	for _, st := range bootstrapStats {
		if st.p > 0 {
			ranks[nr] = reports.NearestRank(st.p, n)
			nr++
		}
	}
	return ranks, nr
}

// bootstrapCI returns, per bootstrapStats, the percentile interval at
// level 1-alpha of the difference stat(cand) - stat(base), from resamples
// draws of each side. The random stream comes from seed alone, so a
// report is reproducible.
func bootstrapCI(base, cand resampler, resamples int, alpha float64, seed [2]uint64) []Interval {
	rng := rand.New(rand.NewPCG(seed[0], seed[1]))
	nst := len(bootstrapStats)
	diffs := make([][]float64, nst)
	for k := range diffs {
		diffs[k] = make([]float64, resamples)
	}
	ob, oc := make([]float64, nst), make([]float64, nst)
	for i := range resamples {
		base.resample(rng, ob)
		cand.resample(rng, oc)
		for k := range nst {
			diffs[k][i] = oc[k] - ob[k]
		}
	}
	return percentileIntervals(diffs, alpha)
}

// percentileIntervals are the alpha/2 and 1-alpha/2 quantiles of each
// list of bootstrap draws (sorted in place).
func percentileIntervals(draws [][]float64, alpha float64) []Interval {
	out := make([]Interval, len(draws))
	for k, d := range draws {
		slices.Sort(d)
		n := len(d)
		lo := int(math.Floor(alpha / 2 * float64(n)))
		hi := int(math.Ceil((1-alpha/2)*float64(n))) - 1
		out[k] = Interval{d[min(max(lo, 0), n-1)], d[min(max(hi, 0), n-1)]}
	}
	return out
}

// clusterSide is one run's inter-token gaps prepared for resampling whole
// requests (a cluster bootstrap): the gaps of one request share its
// server, batch and network path, so resampling gaps one by one would
// pretend to far more independent evidence than there is, and flag
// changes of a few percent as significant. vals are the gaps of the kept
// requests in ascending order, owner[i] the kept request vals[i] came
// from, lens the gaps per kept request.
type clusterSide struct {
	vals   []int64
	owner  []int32
	lens   []int32
	counts []int32
	full   []float64
	subE   []float64
	scale  float64
}

// newClusterSide takes the gaps of kept requests (vals, request after
// request, lens[i] of them for request i) out of nReq requests with gaps
// in all, and fullSorted, every gap of the run in order (for the full
// sample's statistics).
func newClusterSide(vals []int64, lens []int32, nReq int, fullSorted []int64) *clusterSide {
	type pair struct {
		v int64
		o int32
	}
	pairs := make([]pair, 0, len(vals))
	i := 0
	for r, n := range lens {
		for range n {
			pairs = append(pairs, pair{vals[i], int32(r)})
			i++
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int { return cmp.Compare(a.v, b.v) })
	s := &clusterSide{lens: lens, counts: make([]int32, len(lens)), scale: 1,
		vals: make([]int64, len(pairs)), owner: make([]int32, len(pairs))}
	for i, p := range pairs {
		s.vals[i], s.owner[i] = p.v, p.o
	}
	if nReq > len(lens) {
		s.scale = math.Sqrt(float64(len(lens)) / float64(nReq))
	}
	s.full = statsOfSorted(fullSorted)
	s.subE = statsOfSorted(s.vals)
	return s
}

// resample draws len(lens) requests with replacement and computes the
// statistics of all their gaps together: each gap weighs as often as its
// request was drawn, and a walk over the sorted gaps finds the
// percentiles, O(gaps) per resample.
func (s *clusterSide) resample(rng *rand.Rand, out []float64) {
	counts := s.counts
	drawCounts(rng, counts)
	w := 0
	for r, c := range counts {
		w += int(c) * int(s.lens[r])
	}
	weightedStats(s.vals, s.owner, counts, w, out)
	for k := range out {
		out[k] = s.full[k] + s.scale*(out[k]-s.subE[k])
	}
}

// drawCounts draws len(counts) indices uniformly with replacement and
// counts how often each was drawn.
func drawCounts(rng *rand.Rand, counts []int32) {
	clear(counts)
	m := uint64(len(counts))
	for range len(counts) {
		counts[(rng.Uint64()>>32)*m>>32]++
	}
}

// weightedStats writes bootstrapStats of sorted values vals to out, value
// i counted counts[owner[i]] times, n times in all: one walk finds the
// nearest-rank percentiles and the mean.
func weightedStats(vals []int64, owner []int32, counts []int32, n int, out []float64) {
	ranks, nr := percentileRanks(n)
	cum, j := 0, 0
	var sum float64
	for i, v := range vals {
		c := int(counts[owner[i]])
		if c == 0 {
			continue
		}
		cum += c
		sum += float64(c) * float64(v)
		for j < nr && ranks[j] <= cum {
			out[j] = float64(v)
			j++
		}
	}
	out[len(bootstrapStats)-1] = sum / float64(n)
}

// Shift is a test of one latency distribution: does the candidate's tend
// to be larger or smaller than the baseline's? Unpaired, a Mann-Whitney U
// test of the two distributions; paired, a Wilcoxon signed-rank test of
// the per-request differences.
type Shift struct {
	Metric string // latency family, like "ttft"
	// Test is "mann-whitney" or "wilcoxon" (paired).
	Test         string
	NBase, NCand int
	// Pairs is the number of request pairs of a paired test (0 unpaired).
	Pairs int
	// ProbGreater is, unpaired, P(candidate value > baseline value) +
	// P(equal)/2 over all pairs of values, U / (n_base * n_cand); paired,
	// the share of request pairs where the candidate was slower (ties
	// half). 0.5 means no shift.
	ProbGreater float64
	Z, P        float64 // normal approximation, two-sided
	// MedianDiff is the median of the per-request differences, candidate
	// minus baseline, and MedianCI its paired-bootstrap interval (paired
	// only: NaN and nil otherwise).
	MedianDiff float64
	MedianCI   *Interval
	Verdict    Verdict
	// Counted is false for metrics that do not sway the overall verdict.
	Counted bool
}

// mannWhitney tests sorted a (baseline) against sorted b (candidate) with
// the normal approximation to U, corrected for ties and for continuity:
//
//	U_b   = R_b - n_b(n_b+1)/2       R_b = sum of b's ranks (ties: mean rank)
//	mu    = n_a n_b / 2
//	sigma = sqrt(n_a n_b / 12 * ((N+1) - sum(t^3 - t) / (N(N-1))))
//	z     = (U_b - mu -/+ 0.5) / sigma,  p = erfc(|z| / sqrt 2)
//
// Both inputs being sorted, ranks come from one merge: O(N), no sort.
func mannWhitney(a, b []int64) (probGreater, z, p float64) {
	na, nb := len(a), len(b)
	if na == 0 || nb == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	var rb, ties float64
	i, j, rank := 0, 0, 0
	for i < na || j < nb {
		var v int64
		switch {
		case j >= nb || i < na && a[i] <= b[j]:
			v = a[i]
		default:
			v = b[j]
		}
		ta, tb := 0, 0
		for i < na && a[i] == v {
			i++
			ta++
		}
		for j < nb && b[j] == v {
			j++
			tb++
		}
		t := ta + tb
		mean := float64(rank) + float64(t+1)/2
		rb += float64(tb) * mean
		ties += float64(t)*float64(t)*float64(t) - float64(t)
		rank += t
	}
	n := float64(na + nb)
	ub := rb - float64(nb)*float64(nb+1)/2
	probGreater = ub / (float64(na) * float64(nb))
	mu := float64(na) * float64(nb) / 2
	variance := float64(na) * float64(nb) / 12 * ((n + 1) - ties/(n*(n-1)))
	if variance <= 0 {
		return probGreater, 0, 1 // every value tied
	}
	z, p = normalApprox(ub-mu, variance)
	return probGreater, z, p
}

// normalApprox is the two-sided p of a rank statistic's distance d from
// its mean under the normal approximation, with the continuity
// correction (d moves 0.5 towards 0), and its z.
func normalApprox(d, variance float64) (z, p float64) {
	switch {
	case d > 0.5:
		d -= 0.5
	case d < -0.5:
		d += 0.5
	default:
		d = 0
	}
	z = d / math.Sqrt(variance)
	return z, math.Erfc(math.Abs(z) / math.Sqrt2)
}

// normalQuantile returns z with P(Z > z) = q for a standard normal Z,
// 0 < q < 1, by bisection on erfc (accurate to 1e-12, and called a handful
// of times per report).
func normalQuantile(q float64) float64 {
	lo, hi := -40.0, 40.0
	for range 200 {
		mid := (lo + hi) / 2
		if 0.5*math.Erfc(mid/math.Sqrt2) > q {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo < 1e-12 {
			break
		}
	}
	return (lo + hi) / 2
}

// wilson is the Wilson score interval of the proportion x/n at normal
// quantile z.
func wilson(x, n int64, z float64) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	p, nf := float64(x)/float64(n), float64(n)
	den := 1 + z*z/nf
	center := (p + z*z/(2*nf)) / den
	half := z / den * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	return max(center-half, 0), min(center+half, 1)
}

// newcombe is Newcombe's hybrid score interval (his method 10) of the
// difference of proportions x2/n2 - x1/n1, built from the two Wilson
// intervals. Unlike the textbook Wald interval it behaves at 0 and 1,
// which is where error rates live: 0 of 60 against 2 of 60 failures.
func newcombe(x1, n1, x2, n2 int64, z float64) Interval {
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	l1, u1 := wilson(x1, n1, z)
	l2, u2 := wilson(x2, n2, z)
	d := p2 - p1
	return Interval{
		Lo: d - math.Sqrt((p2-l2)*(p2-l2)+(u1-p1)*(u1-p1)),
		Hi: d + math.Sqrt((u2-p2)*(u2-p2)+(p1-l1)*(p1-l1)),
	}
}

// rateCI is the normal interval of the difference of two rates measured
// as counts over windows: a count n over a window W is taken as Poisson,
// so rate = n/W has standard error sqrt(n)/W, and a rate proportional to
// it (tokens/s over the same requests) has standard error rate/sqrt(n).
// For a closed-loop or constant-rate run the count varies less than a
// Poisson count, so the interval is conservative there.
func rateCI(rb float64, nb int64, rc float64, nc int64, z float64) (Interval, bool) {
	if nb < 0 || nc < 0 || nb+nc == 0 {
		return Interval{}, false
	}
	se := func(r float64, n int64) float64 {
		if n == 0 {
			return 0 // no events: the rate is 0 too
		}
		return r / math.Sqrt(float64(n))
	}
	d, h := rc-rb, z*math.Hypot(se(rb, nb), se(rc, nc))
	return Interval{d - h, d + h}, true
}
