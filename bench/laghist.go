package bench

import (
	"math"
	"math/bits"
	"sync/atomic"
)

// lagHistogram counts non-negative durations (ns) in log-linear buckets,
// so that a run of any length keeps a fixed 8 KB and many goroutines add
// to it at once without a lock (one atomic add a value). Values below 16
// have a bucket each; above, every power of two [2^e, 2^(e+1)) is cut
// into 16 equal buckets, so a bucket's upper bound is at most 1/16 above
// any value in it:
//
//	value v >= 16, e = floor(log2 v):  sub = (v >> (e-4)) - 16   (0..15)
//	index = 16 + 16(e-4) + sub,  bucket = [(16+sub) << (e-4), (17+sub) << (e-4))
//
// It is HdrHistogram's layout with 4 significant bits, in 40 lines.
type lagHistogram struct {
	counts [16 + 16*59]atomic.Uint64 // e = 4..62
	n      atomic.Int64
	max    atomic.Int64
}

// lagIndex is the bucket of v (v >= 0).
func lagIndex(v int64) int {
	if v < 16 {
		return int(v)
	}
	e := bits.Len64(uint64(v)) - 1
	return 16 + 16*(e-4) + int(v>>(e-4)) - 16
}

// lagUpper is the largest value of bucket i.
func lagUpper(i int) int64 {
	if i < 16 {
		return int64(i)
	}
	e, sub := (i-16)/16+4, (i-16)%16
	hi := uint64(17+sub) << (e - 4)
	if hi > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(hi) - 1
}

// add counts v; a negative v (a send a hair early) counts as 0.
func (h *lagHistogram) add(v int64) {
	v = max(v, 0)
	h.counts[lagIndex(v)].Add(1)
	h.n.Add(1)
	for m := h.max.Load(); v > m && !h.max.CompareAndSwap(m, v); m = h.max.Load() {
	}
}

// quantile is the nearest-rank q-quantile (0 < q <= 1) as its bucket's
// upper bound, never above the largest value counted; 0 when empty. A
// quantile taken while values are being added counts some of them.
func (h *lagHistogram) quantile(q float64) int64 {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	var seen uint64
	for i := range h.counts {
		if seen += h.counts[i].Load(); seen >= rank {
			return min(lagUpper(i), h.max.Load())
		}
	}
	return h.max.Load()
}
