package compare

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestMannWhitneyKnown(t *testing.T) {
	// scipy.stats.mannwhitneyu([4,5,6], [1,2,3], method="asymptotic")
	// gives U = 9, p = 0.0808556.
	pg, z, p := mannWhitney([]int64{1, 2, 3}, []int64{4, 5, 6})
	if pg != 1 || math.Abs(z-4/math.Sqrt(5.25)) > 1e-12 || math.Abs(p-0.0808556) > 1e-6 {
		t.Errorf("prob %v z %v p %v", pg, z, p)
	}
	// Identical samples: no shift at all.
	pg, _, p = mannWhitney([]int64{1, 2, 2, 3}, []int64{1, 2, 2, 3})
	if pg != 0.5 || p != 1 {
		t.Errorf("same: prob %v p %v", pg, p)
	}
	// Every value tied: the variance is 0 and nothing can be said.
	pg, _, p = mannWhitney([]int64{7, 7}, []int64{7, 7, 7})
	if pg != 0.5 || p != 1 {
		t.Errorf("all tied: prob %v p %v", pg, p)
	}
}

// TestMannWhitneyTies checks the merge-based ranks against a direct count
// over all pairs and a sort-based tie-corrected variance, on data with
// many ties.
func TestMannWhitneyTies(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 20 {
		a := make([]int64, 5+rng.IntN(40))
		b := make([]int64, 5+rng.IntN(40))
		for i := range a {
			a[i] = int64(rng.IntN(8))
		}
		for i := range b {
			b[i] = int64(rng.IntN(8) + trial%3)
		}
		slices.Sort(a)
		slices.Sort(b)
		var u float64
		for _, x := range a {
			for _, y := range b {
				switch {
				case y > x:
					u++
				case y == x:
					u += 0.5
				}
			}
		}
		na, nb := float64(len(a)), float64(len(b))
		all := append(slices.Clone(a), b...)
		slices.Sort(all)
		var ties float64
		for i := 0; i < len(all); {
			j := i
			for j < len(all) && all[j] == all[i] {
				j++
			}
			tt := float64(j - i)
			ties += tt*tt*tt - tt
			i = j
		}
		n := na + nb
		sigma := math.Sqrt(na * nb / 12 * ((n + 1) - ties/(n*(n-1))))
		d := u - na*nb/2
		d -= math.Copysign(math.Min(0.5, math.Abs(d)), d)
		wantP := math.Erfc(math.Abs(d/sigma) / math.Sqrt2)

		pg, _, p := mannWhitney(a, b)
		if math.Abs(pg-u/(na*nb)) > 1e-12 || math.Abs(p-wantP) > 1e-12 {
			t.Fatalf("trial %d: prob %v p %v, want %v %v", trial, pg, p, u/(na*nb), wantP)
		}
	}
}

func TestNormalQuantile(t *testing.T) {
	for q, want := range map[float64]float64{0.025: 1.959963984540054, 0.005: 2.5758293035489, 0.5: 0, 0.975: -1.959963984540054} {
		if got := normalQuantile(q); math.Abs(got-want) > 1e-9 {
			t.Errorf("normalQuantile(%v) = %v, want %v", q, got, want)
		}
	}
}

func TestNewcombe(t *testing.T) {
	// Newcombe (1998), Statistics in Medicine 17:873, table II, example
	// (a): 56/70 - 48/80, method 10 gives 0.0524 to 0.3339.
	iv := newcombe(48, 80, 56, 70, normalQuantile(0.025))
	if math.Abs(iv.Lo-0.0524) > 5e-5 || math.Abs(iv.Hi-0.3339) > 5e-5 {
		t.Errorf("interval %+v, want [0.0524, 0.3339]", iv)
	}
	// 0 of 60 against 0 of 60: centred on 0, not degenerate.
	iv = newcombe(0, 60, 0, 60, 1.96)
	if !(iv.Lo < 0 && iv.Hi > 0) || math.Abs(iv.Lo+iv.Hi) > 1e-12 {
		t.Errorf("0/60 vs 0/60: %+v", iv)
	}
	// 0 of 200 against 30 of 200 is a clear rise.
	if iv := newcombe(0, 200, 30, 200, 1.96); iv.Lo <= 0 {
		t.Errorf("0/200 vs 30/200: %+v", iv)
	}
}

// TestResampleCounting checks that the counting resample computes the
// same statistics as sorting an explicit resample.
func TestResampleCounting(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	v := make([]int64, 257)
	for i := range v {
		v[i] = int64(rng.IntN(1000))
	}
	slices.Sort(v)
	s := newBootSide(v, len(v))
	got := make([]float64, len(bootstrapStats))
	s.resample(rand.New(rand.NewPCG(9, 9)), got)
	// Replay the same draws.
	r2 := rand.New(rand.NewPCG(9, 9))
	re := make([]int64, 0, len(v))
	m := uint64(len(v))
	for len(re) < len(v) {
		x := r2.Uint64()
		re = append(re, v[(x&0xffffffff)*m>>32])
		if len(re) < len(v) {
			re = append(re, v[(x>>32)*m>>32])
		}
	}
	slices.Sort(re)
	want := statsOfSorted(re)
	for k := range want {
		if math.Abs(got[k]-want[k]) > 1e-9 {
			t.Errorf("%s: %v, want %v", bootstrapStats[k].name, got[k], want[k])
		}
	}
}

// bootCI is bootstrapCI over two plain samples.
func bootCI(a, b []int64, resamples, cap int, alpha float64, seed [2]uint64) []Interval {
	return bootstrapCI(newBootSide(a, cap), newBootSide(b, cap), resamples, alpha, seed)
}

func normalSample(rng *rand.Rand, n int, mean, sd float64) []int64 {
	v := make([]int64, n)
	for i := range v {
		v[i] = int64(mean + sd*rng.NormFloat64())
	}
	slices.Sort(v)
	return v
}

// TestBootstrapCoverage: two samples of one distribution give intervals
// that hold 0 about 95% of the time; a real shift is found.
func TestBootstrapCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const trials = 60
	cover := make([]int, len(bootstrapStats))
	for i := range trials {
		a := normalSample(rng, 150, 1e6, 1e5)
		b := normalSample(rng, 150, 1e6, 1e5)
		for k, iv := range bootCI(a, b, 500, DefaultBootstrapCap, 0.05, [2]uint64{1, uint64(i)}) {
			if !iv.excludesZero() {
				cover[k]++
			}
		}
	}
	for k, c := range cover {
		// 95% nominal; binomial(60, 0.95) falls under 51 with p < 0.01.
		if c < 51 {
			t.Errorf("%s: interval held 0 in %d of %d trials", bootstrapStats[k].name, c, trials)
		}
	}
	// A shift of 1 sd over 300 values is 6 standard errors of the mean
	// difference and 3 or more of the upper percentiles'.
	a := normalSample(rng, 300, 1e6, 1e5)
	b := normalSample(rng, 300, 1.1e6, 1e5)
	for k, iv := range bootCI(a, b, 500, DefaultBootstrapCap, 0.05, [2]uint64{1, 1}) {
		if bootstrapStats[k].name == "p99" {
			continue // 3 values above p99: too few to resolve it
		}
		if iv.Lo <= 0 {
			t.Errorf("%s: shift of 1 sd not found: %+v", bootstrapStats[k].name, iv)
		}
	}
}

// TestBootstrapSubsample: resampling a 2,000-value quantile subsample of
// 30,000 values and scaling by sqrt(m/n) gives about the interval of
// resampling all of them.
func TestBootstrapSubsample(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	a := normalSample(rng, 30000, 1e6, 1e5)
	b := normalSample(rng, 30000, 1e6, 1e5)
	full := bootCI(a, b, 300, len(a), 0.05, [2]uint64{1, 1})
	sub := bootCI(a, b, 300, 2000, 0.05, [2]uint64{1, 1})
	for k := range full {
		wf, ws := full[k].Hi-full[k].Lo, sub[k].Hi-sub[k].Lo
		if ws < 0.7*wf || ws > 1.3*wf {
			t.Errorf("%s: width %v subsampled, %v in full", bootstrapStats[k].name, ws, wf)
		}
	}
}

func TestBootstrapDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	a, b := normalSample(rng, 300, 1e6, 1e5), normalSample(rng, 300, 1e6, 1e5)
	x := bootCI(a, b, 200, 100, 0.05, [2]uint64{4, 2})
	y := bootCI(a, b, 200, 100, 0.05, [2]uint64{4, 2})
	z := bootCI(a, b, 200, 100, 0.05, [2]uint64{5, 2})
	if !slices.Equal(x, y) {
		t.Errorf("same seed, different intervals: %v %v", x, y)
	}
	if slices.Equal(x, z) {
		t.Errorf("different seeds, same intervals")
	}
}

// BenchmarkBootstrap is one latency family of two 10,000-request runs at
// the default settings.
func BenchmarkBootstrap(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := normalSample(rng, 10000, 1e6, 1e5), normalSample(rng, 10000, 1e6, 1e5)
	for b.Loop() {
		bootCI(x, y, DefaultResamples, DefaultBootstrapCap, 0.05, [2]uint64{1, 1})
	}
}

// clustered draws n requests of k gaps each: a per-request level (sd
// reqSD) plus per-gap noise (sd gapSD), the way a request's batch and
// path set the pace of all its tokens. It returns the gaps request by
// request, their lengths, and all gaps sorted.
func clustered(rng *rand.Rand, n, k int, reqSD, gapSD float64) ([]int64, []int32, []int64) {
	var vals []int64
	var lens []int32
	for range n {
		level := 10e6 + reqSD*rng.NormFloat64()
		for range k {
			vals = append(vals, int64(level+gapSD*rng.NormFloat64()))
		}
		lens = append(lens, int32(k))
	}
	sorted := slices.Clone(vals)
	slices.Sort(sorted)
	return vals, lens, sorted
}

// TestClusterResampleCounting checks the weighted walk against an
// explicit resample of whole requests.
func TestClusterResampleCounting(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	var vals []int64
	var lens []int32
	for r := range 37 {
		n := 1 + r%5
		for range n {
			vals = append(vals, int64(rng.IntN(500)))
		}
		lens = append(lens, int32(n))
	}
	sorted := slices.Clone(vals)
	slices.Sort(sorted)
	s := newClusterSide(vals, lens, len(lens), sorted)
	got := make([]float64, len(bootstrapStats))
	s.resample(rand.New(rand.NewPCG(9, 9)), got)

	starts := make([]int, len(lens))
	for i := 1; i < len(lens); i++ {
		starts[i] = starts[i-1] + int(lens[i-1])
	}
	r2 := rand.New(rand.NewPCG(9, 9))
	var re []int64
	m := uint64(len(lens))
	for range len(lens) {
		r := (r2.Uint64() >> 32) * m >> 32
		re = append(re, vals[starts[r]:starts[r]+int(lens[r])]...)
	}
	slices.Sort(re)
	want := statsOfSorted(re)
	for k := range want {
		if math.Abs(got[k]-want[k]) > 1e-9 {
			t.Errorf("%s: %v, want %v", bootstrapStats[k].name, got[k], want[k])
		}
	}
}

// TestClusterBootstrapCoverage: gaps that share their request's pace.
// Resampling requests keeps the interval honest (it holds 0 about 95% of
// the time for two runs of one distribution); resampling gaps one by one
// would call most of those pairs different.
func TestClusterBootstrapCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const trials = 40
	cluster, naive := 0, 0
	for i := range trials {
		va, la, sa := clustered(rng, 30, 30, 1e6, 2e4)
		vb, lb, sb := clustered(rng, 30, 30, 1e6, 2e4)
		seed := [2]uint64{1, uint64(i)}
		k := len(bootstrapStats) - 1 // the mean
		if iv := bootstrapCI(newClusterSide(va, la, len(la), sa), newClusterSide(vb, lb, len(lb), sb), 300, 0.05, seed)[k]; !iv.excludesZero() {
			cluster++
		}
		if iv := bootCI(sa, sb, 300, DefaultBootstrapCap, 0.05, seed)[k]; !iv.excludesZero() {
			naive++
		}
	}
	if cluster < 34 {
		t.Errorf("request-level interval held 0 in %d of %d trials, want about 95%%", cluster, trials)
	}
	// Resampling gaps understates the spread of the mean by about
	// sqrt(30) here, so its 95% interval holds 0 only about 28% of the time.
	if naive > 20 {
		t.Errorf("gap-level interval held 0 in %d of %d trials: the data are not clustered enough to show the point", naive, trials)
	}
	t.Logf("held 0: %d of %d resampling requests, %d resampling gaps", cluster, trials, naive)
}
