package compare

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/inferbench/inferbench/reports"
)

// Paired comparison. When the baseline and the candidate replayed the same
// workload with the same load plan, each request of one has a twin in the
// other, and the difference of the twins removes what makes requests
// differ from each other (prompt and answer length): a constant shift of
// 70 ms on requests whose latencies range over 50x is invisible to a test
// of two distributions, and plain in the per-request differences.

// pairing is how the requests of two runs pair: base[i] with cand[i],
// indices into each run's ok requests (RunData.PairKeys order).
type pairing struct {
	base, cand []int
	// unpairedBase and unpairedCand count the ok requests without a twin.
	unpairedBase, unpairedCand int
}

// pairable says whether base and cand sent the same requests the same
// way: their manifests name the same workload digest, load mode and load
// seed. why says what differs when they do not.
func pairable(base, cand *reports.RunData) (ok bool, why string) {
	bm, cm := base.Manifest, cand.Manifest
	switch {
	case bm == nil || cm == nil:
		return false, "a run has no manifest"
	case bm.Workload.SHA256 == "" || cm.Workload.SHA256 == "":
		return false, "a manifest has no workload digest"
	case bm.Workload.SHA256 != cm.Workload.SHA256:
		return false, "the workloads differ"
	case bm.Load.Mode != cm.Load.Mode:
		return false, fmt.Sprintf("the load modes differ (%s, %s)", bm.Load.Mode, cm.Load.Mode)
	case bm.Load.Seed != cm.Load.Seed:
		return false, fmt.Sprintf("the load seeds differ (%d, %d)", bm.Load.Seed, cm.Load.Seed)
	}
	return true, ""
}

// pairUp pairs the ok requests of base and cand by their workload request
// (request_id, session_id, turn): the k-th time a request was sent in one
// run (in request_index order) pairs with the k-th time in the other.
func pairUp(base, cand *reports.RunData) pairing {
	type slot struct {
		key uint64
		occ int
	}
	slots := func(r *reports.RunData) []slot {
		keys, idx := r.PairKeys()
		order := make([]int, len(keys))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return cmp.Or(cmp.Compare(keys[a], keys[b]), cmp.Compare(idx[a], idx[b])) })
		out := make([]slot, len(keys))
		for n, i := range order {
			occ := 0
			if n > 0 && keys[order[n-1]] == keys[i] {
				occ = out[order[n-1]].occ + 1
			}
			out[i] = slot{keys[i], occ}
		}
		return out
	}
	bs, cs := slots(base), slots(cand)
	at := make(map[slot]int, len(bs))
	for i, s := range bs {
		at[s] = i
	}
	var p pairing
	for j, s := range cs {
		if i, ok := at[s]; ok {
			p.base = append(p.base, i)
			p.cand = append(p.cand, j)
			delete(at, s)
		}
	}
	p.unpairedBase, p.unpairedCand = len(bs)-len(p.base), len(cs)-len(p.cand)
	return p
}

// pairedValues are one latency's values of the pairs where both requests
// observed it.
func pairedValues(l reports.Latency, base, cand *reports.RunData, p pairing) (b, c []int64) {
	vb, vc := base.OKValues(l.Name), cand.OKValues(l.Name)
	for k := range p.base {
		x, y := vb[p.base[k]], vc[p.cand[k]]
		if x != 0 && y != 0 {
			b = append(b, x)
			c = append(c, y)
		}
	}
	return b, c
}

// pairedBoot resamples pairs: each draw takes a pair whole, so the
// statistics of both sides move together and their difference keeps only
// the per-request change. Its statistics are bootstrapStats' differences
// (statistic of the candidate minus the baseline's) and then the median of
// the per-request differences.
type pairedBoot struct {
	// b, c and d are the (sub)sample's baseline and candidate values and
	// differences, each sorted, with the pair each value belongs to.
	b, c, d    []int64
	bp, cp, dp []int32
	counts     []int32
	full       []float64
	subE       []float64
	scale      float64
	sb, sc     []float64 // a resample's statistics of each side
}

// medianDiff is the index of the median of differences in pairedBoot's
// statistics.
var medianDiff = len(bootstrapStats)

// newPairedBoot prepares pairs (b[i], c[i]) for resampling, with
// fullB and fullC every value of each run, sorted, for the point
// estimates (the statistics over all requests, paired or not, which is
// what the summaries show). Above cap pairs, a stratified subsample (every
// k-th pair in order of the baseline's value) is resampled and the spread
// scaled by sqrt(m/n), as newBootSide does.
func newPairedBoot(b, c, fullB, fullC []int64, cap int) *pairedBoot {
	n := len(b)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	s := &pairedBoot{scale: 1, sb: make([]float64, len(bootstrapStats)), sc: make([]float64, len(bootstrapStats))}
	if n > cap {
		slices.SortFunc(order, func(x, y int) int { return cmp.Compare(b[x], b[y]) })
		k := (n + cap - 1) / cap
		sub := make([]int, 0, n/k+1)
		for i := 0; i < n; i += k {
			sub = append(sub, order[i])
		}
		order = sub
		s.scale = math.Sqrt(float64(len(order)) / float64(n))
	}
	side := func(v func(i int) int64) ([]int64, []int32) {
		pairOf := make([]int32, len(order))
		for j := range pairOf {
			pairOf[j] = int32(j)
		}
		slices.SortFunc(pairOf, func(x, y int32) int { return cmp.Compare(v(order[x]), v(order[y])) })
		vals := make([]int64, len(order))
		for k, j := range pairOf {
			vals[k] = v(order[j])
		}
		return vals, pairOf
	}
	s.b, s.bp = side(func(i int) int64 { return b[i] })
	s.c, s.cp = side(func(i int) int64 { return c[i] })
	s.d, s.dp = side(func(i int) int64 { return c[i] - b[i] })
	s.counts = make([]int32, len(order))
	d := make([]int64, n)
	for i := range d {
		d[i] = c[i] - b[i]
	}
	slices.Sort(d)
	s.full = diffStats(statsOfSorted(fullB), statsOfSorted(fullC), d)
	s.subE = diffStats(statsOfSorted(s.b), statsOfSorted(s.c), s.d)
	return s
}

// diffStats are pairedBoot's statistics from each side's bootstrapStats
// and the sorted differences.
func diffStats(b, c []float64, sortedDiffs []int64) []float64 {
	out := make([]float64, len(bootstrapStats)+1)
	for k := range bootstrapStats {
		out[k] = c[k] - b[k]
	}
	if len(sortedDiffs) > 0 {
		out[medianDiff] = float64(reports.Percentile(sortedDiffs, 50))
	}
	return out
}

// resample draws len(counts) pairs with replacement and writes the
// statistics, moved to the full sample's scale, to out. Each side is
// walked in its sorted order weighting every value by its pair's count,
// O(m) per resample.
func (s *pairedBoot) resample(rng *rand.Rand, out []float64) {
	counts := s.counts
	drawCounts(rng, counts)
	m := len(counts)
	weightedStats(s.b, s.bp, counts, m, s.sb)
	weightedStats(s.c, s.cp, counts, m, s.sc)
	for k := range bootstrapStats {
		out[k] = s.sc[k] - s.sb[k]
	}
	med, cum := reports.NearestRank(50, m), 0
	for i, v := range s.d {
		if cum += int(counts[s.dp[i]]); cum >= med {
			out[medianDiff] = float64(v)
			break
		}
	}
	for k := range out {
		out[k] = s.full[k] + s.scale*(out[k]-s.subE[k])
	}
}

// pairedCI is the percentile interval at level 1-alpha of each of s's
// statistics over resamples draws, seeded like bootstrapCI.
func pairedCI(s *pairedBoot, resamples int, alpha float64, seed [2]uint64) []Interval {
	rng := rand.New(rand.NewPCG(seed[0], seed[1]))
	nst := len(s.full)
	draws := make([][]float64, nst)
	for k := range draws {
		draws[k] = make([]float64, resamples)
	}
	out := make([]float64, nst)
	for i := range resamples {
		s.resample(rng, out)
		for k := range nst {
			draws[k][i] = out[k]
		}
	}
	return percentileIntervals(draws, alpha)
}

// wilcoxon is the Wilcoxon signed-rank test of paired differences d
// against 0, by the normal approximation with mean ranks for ties, the
// tie correction, zeros dropped (Wilcoxon's way) and a continuity
// correction:
//
//	W+    = sum of the ranks of |d| over the positive d (n nonzero d)
//	mu    = n(n+1)/4
//	sigma = sqrt(n(n+1)(2n+1)/24 - sum(t^3 - t)/48)
//	z     = (W+ - mu -/+ 0.5) / sigma,  p = erfc(|z| / sqrt 2)
//
// probGreater is the share of pairs where the candidate was slower (ties
// counting half), 0.5 meaning no shift.
func wilcoxon(d []int64) (probGreater, z, p float64) {
	if len(d) == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	abs := make([]int64, 0, len(d))
	sign := map[int64][2]int{} // |d| -> positive, negative count
	pos, zeros := 0, 0
	for _, x := range d {
		switch {
		case x == 0:
			zeros++
			continue
		case x > 0:
			pos++
		}
		a := max(x, -x)
		abs = append(abs, a)
		c := sign[a]
		if x > 0 {
			c[0]++
		} else {
			c[1]++
		}
		sign[a] = c
	}
	probGreater = (float64(pos) + float64(zeros)/2) / float64(len(d))
	n := len(abs)
	if n == 0 {
		return probGreater, 0, 1
	}
	slices.Sort(abs)
	var wPlus, ties float64
	for i := 0; i < n; {
		j := i
		for j < n && abs[j] == abs[i] {
			j++
		}
		t := float64(j - i)
		meanRank := float64(i+1+j) / 2
		wPlus += float64(sign[abs[i]][0]) * meanRank
		ties += t*t*t - t
		i = j
	}
	nf := float64(n)
	mu := nf * (nf + 1) / 4
	variance := nf*(nf+1)*(2*nf+1)/24 - ties/48
	if variance <= 0 {
		return probGreater, 0, 1
	}
	z, p = normalApprox(wPlus-mu, variance)
	return probGreater, z, p
}
