package reports

import (
	"math"
	"slices"
)

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted, which must be in ascending order:
//
//	rank = ceil(p/100 * N)   (1-based, clamped to 1..N)
//	P(p) = sorted[rank-1]
//
// Nearest-rank always returns a value that was observed, never an
// interpolation between two, so a p99 of 812 ms means some request really
// took 812 ms. It returns 0 for an empty slice.
func Percentile(sorted []int64, p float64) int64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	return sorted[nearestRank(p, n)-1]
}

// nearestRank is ceil(p/100 * n) clamped to 1..n. p*n is computed before
// the division so that whole-number cases stay exact (90*10/100 = 9, where
// 0.9*10 could round up past 9 and pick the wrong value).
func nearestRank(p float64, n int) int {
	r := int(math.Ceil(p * float64(n) / 100))
	return min(max(r, 1), n)
}

// Dist is the distribution of one latency over a run, in nanoseconds:
// nearest-rank percentiles, the maximum and the arithmetic mean of N
// values. The zero Dist (N = 0) means nothing was observed.
type Dist struct {
	N    int
	P50  int64
	P90  int64
	P95  int64
	P99  int64
	Max  int64
	Mean float64
}

// NewDist sorts values in place and returns their distribution.
func NewDist(values []int64) Dist {
	if len(values) == 0 {
		return Dist{}
	}
	slices.Sort(values)
	var sum float64
	for _, v := range values {
		sum += float64(v)
	}
	return Dist{
		N:    len(values),
		P50:  Percentile(values, 50),
		P90:  Percentile(values, 90),
		P95:  Percentile(values, 95),
		P99:  Percentile(values, 99),
		Max:  values[len(values)-1],
		Mean: sum / float64(len(values)),
	}
}
