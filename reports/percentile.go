package reports

import (
	"fmt"
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
	return sorted[NearestRank(p, n)-1]
}

// NearestRank is the 1-based rank of the p-th percentile among n sorted
// values: ceil(p/100 * n) clamped to 1..n. p*n is computed before the
// division so that whole-number cases stay exact (90*10/100 = 9, where
// 0.9*10 could round up past 9 and pick the wrong value).
func NearestRank(p float64, n int) int {
	r := int(math.Ceil(p * float64(n) / 100))
	return min(max(r, 1), n)
}

// PercentileMethod is how a Dist's percentiles are taken from the sorted
// values. The zero value is MethodNearestRank.
type PercentileMethod int

// Percentile methods.
const (
	// MethodNearestRank is Percentile's definition: always a value that
	// was observed (GuideLLM's too).
	MethodNearestRank PercentileMethod = iota
	// MethodLinear is numpy's default (np.percentile, method "linear"), which
	// vLLM's benchmark and AIPerf report: with h = (N-1) * p/100,
	//
	//	P(p) = x[floor(h)] + (h - floor(h)) * (x[floor(h)+1] - x[floor(h)])
	//
	// over the values x sorted ascending (0-based), rounded to the
	// nanosecond. It falls between two observed values.
	MethodLinear
)

// PercentileMethods are the methods' names, as --percentiles takes them.
var PercentileMethods = []string{"nearest-rank", "linear"}

// String is the method's name: nearest-rank or linear.
func (m PercentileMethod) String() string {
	if m == MethodLinear {
		return "linear"
	}
	return "nearest-rank"
}

// Set reads a method's name into m (flag.Value).
func (m *PercentileMethod) Set(s string) error {
	v, err := ParsePercentileMethod(s)
	if err == nil {
		*m = v
	}
	return err
}

// ParsePercentileMethod reads a method's name.
func ParsePercentileMethod(s string) (PercentileMethod, error) {
	switch s {
	case "nearest-rank":
		return MethodNearestRank, nil
	case "linear":
		return MethodLinear, nil
	}
	return 0, fmt.Errorf("unknown percentile method %q (want nearest-rank or linear)", s)
}

// LinearPercentile is the p-th percentile (0 <= p <= 100) of n sorted
// values read through at (0-based) by numpy's linear method (MethodLinear),
// rounded to the nanosecond. n must be positive.
func LinearPercentile(p float64, n int, at func(i int) int64) int64 {
	h := float64(n-1) * p / 100
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return at(n - 1)
	}
	a := float64(at(lo))
	// float64() rounds the product, so no platform fuses it with the sum
	// (the Go spec allows that) and the result is the same everywhere.
	return int64(math.Round(a + float64((h-float64(lo))*(float64(at(lo+1))-a))))
}

// Dist is the distribution of one latency over a run, in nanoseconds:
// percentiles (nearest-rank unless the Summary says linear), the maximum,
// the arithmetic mean and the population standard deviation of N values.
// The zero Dist (N = 0) means nothing was observed.
type Dist struct {
	N    int
	P50  int64
	P90  int64
	P95  int64
	P99  int64
	Max  int64
	Mean float64
	// Std is the population standard deviation, sqrt(mean((x - mean)^2)):
	// numpy's np.std with its default ddof=0, as vLLM's and AIPerf's std.
	Std float64
}

// NewDist sorts values in place and returns their distribution, with
// nearest-rank percentiles.
func NewDist(values []int64) Dist { return newDist(values, MethodNearestRank) }

// newDist is NewDist with the percentiles of method m.
func newDist(values []int64, m PercentileMethod) Dist {
	radixSort(values)
	var sum float64
	for _, v := range values {
		sum += float64(v)
	}
	d := distOf(len(values), sum, m, func(i int) int64 { return values[i] })
	d.Std = std(d.N, sqDev(values, d.Mean))
	return d
}

// splitDist is newDist over the values of small and big together, where
// small holds values in [0, 2^32) and big every other value. Inter-token
// gaps are nearly all under 4.29 s, so holding them as uint32 halves the
// memory of the largest column of a run. Both are sorted in place.
func splitDist(small []uint32, big []int64, m PercentileMethod) Dist {
	radixSort(small)
	slices.Sort(big)
	var sum float64
	for _, v := range small {
		sum += float64(v)
	}
	for _, v := range big {
		sum += float64(v)
	}
	// In order: the negative values of big, small, the rest of big.
	neg, _ := slices.BinarySearch(big, 0)
	at := func(i int) int64 {
		if i < neg {
			return big[i]
		}
		if i -= neg; i < len(small) {
			return int64(small[i])
		}
		return big[neg+i-len(small)]
	}
	d := distOf(len(small)+len(big), sum, m, at)
	d.Std = std(d.N, sqDev(small, d.Mean)+sqDev(big, d.Mean))
	return d
}

// sqDev is the sum of the squared deviations of values from mean (the
// second pass of a two-pass variance, which stays exact where the sum of
// squares of nanosecond values would lose the digits that matter).
func sqDev[T int64 | uint32](values []T, mean float64) float64 {
	var s float64
	for _, v := range values {
		d := float64(v) - mean
		s += float64(d * d) // rounded, never fused: the same sum on every platform
	}
	return s
}

// std is the population standard deviation of n values whose squared
// deviations sum to sq.
func std(n int, sq float64) float64 {
	if n == 0 {
		return 0
	}
	return math.Sqrt(sq / float64(n))
}

// distOf is the distribution of n sorted values, read through at (0-based),
// whose sum is sum, with the percentiles of method m; Std is left to the
// caller, which holds the values.
func distOf(n int, sum float64, m PercentileMethod, at func(i int) int64) Dist {
	if n == 0 {
		return Dist{}
	}
	pct := func(p float64) int64 { return at(NearestRank(p, n) - 1) }
	if m == MethodLinear {
		pct = func(p float64) int64 { return LinearPercentile(p, n, at) }
	}
	return Dist{
		N:    n,
		P50:  pct(50),
		P90:  pct(90),
		P95:  pct(95),
		P99:  pct(99),
		Max:  at(n - 1),
		Mean: sum / float64(n),
	}
}

// radixMin is the length from which radixSort radix-sorts; below it a
// comparison sort is as fast and needs no buffer.
const radixMin = 1 << 12

// radixSort sorts v ascending. Percentiles are exact, so every value has to
// be ordered, and a 1M-request run has tens of millions of inter-token
// gaps: a comparison sort of those takes seconds, a radix sort a fraction
// of that. It is an LSD radix sort with 11-bit digits on v - min(v), taking
// as many passes as the range of the values needs (3 for gaps under 8.5
// s), at the price of one buffer as large as v.
func radixSort[T int64 | uint32](v []T) {
	if len(v) < radixMin {
		slices.Sort(v)
		return
	}
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	// Offsets from lo as uint64: modular, so right even when hi-lo
	// overflows int64.
	span := uint64(hi) - uint64(lo)
	if span == 0 {
		return
	}
	const digit = 11
	passes := (bits.Len64(span) + digit - 1) / digit
	src, dst := v, make([]T, len(v))
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
