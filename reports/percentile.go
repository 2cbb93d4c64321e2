package reports

import (
	"math"
	"math/bits"
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
	sortInt64(values)
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

// radixMin is the length from which sortInt64 radix-sorts; below it a
// comparison sort is as fast and needs no buffer.
const radixMin = 1 << 12

// sortInt64 sorts v ascending. Percentiles are exact, so every value has to
// be ordered, and a 1M-request run has tens of millions of inter-token
// gaps: a comparison sort of those takes seconds, a radix sort a fraction
// of that. It is an LSD radix sort with 11-bit digits on v - min(v), taking
// as many passes as the range of the values needs (3 for gaps under 8.5
// s), at the price of one buffer as large as v.
func sortInt64(v []int64) {
	if len(v) < radixMin {
		slices.Sort(v)
		return
	}
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	span := uint64(hi) - uint64(lo) // modular: right even when hi-lo overflows int64
	if span == 0 {
		return
	}
	const digit = 11
	passes := (bits.Len64(span) + digit - 1) / digit
	src, dst := v, make([]int64, len(v))
	for p := range passes {
		shift := uint(p * digit)
		var count [1 << digit]int
		for _, x := range src {
			count[(uint64(x)-uint64(lo))>>shift&(1<<digit-1)]++
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, x := range src {
			d := (uint64(x) - uint64(lo)) >> shift & (1<<digit - 1)
			dst[count[d]] = x
			count[d]++
		}
		src, dst = dst, src
	}
	if passes%2 == 1 {
		copy(v, src)
	}
}
