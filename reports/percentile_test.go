package reports

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestPercentileNearestRank(t *testing.T) {
	ten := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		name   string
		sorted []int64
		p      float64
		want   int64
	}{
		{"empty", nil, 50, 0},
		{"one value", []int64{7}, 99, 7},
		{"p50 of 10 is the 5th", ten, 50, 5},
		{"p90 of 10 is the 9th, not rounded up to 10th", ten, 90, 9},
		{"p95 of 10 rounds up to the 10th", ten, 95, 10},
		{"p99 of 10", ten, 99, 10},
		{"p100 is the max", ten, 100, 10},
		{"tiny p clamps to the 1st", ten, 0.001, 1},
		{"p0 clamps to the 1st", ten, 0, 1},
		// Wikipedia's nearest-rank example: 15 20 35 40 50.
		{"wiki p5", []int64{15, 20, 35, 40, 50}, 5, 15},
		{"wiki p30", []int64{15, 20, 35, 40, 50}, 30, 20},
		{"wiki p40", []int64{15, 20, 35, 40, 50}, 40, 20},
		{"wiki p50", []int64{15, 20, 35, 40, 50}, 50, 35},
		{"wiki p100", []int64{15, 20, 35, 40, 50}, 100, 50},
		{"p99 of 100 is the 99th", seq(100), 99, 99},
		{"p99 of 1000 is the 990th", seq(1000), 99, 990},
		{"p99.9 of 1000 is the 999th", seq(1000), 99.9, 999},
		{"p50 of 3 is the 2nd", []int64{1, 2, 3}, 50, 2},
		{"p50 of 4 is the 2nd (no interpolation)", []int64{10, 20, 30, 40}, 50, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%v, %v) = %d, want %d", short(tt.sorted), tt.p, got, tt.want)
			}
		})
	}
}

// TestPercentileMatchesDefinition checks the rank arithmetic against a
// brute-force reading of the definition: the smallest value such that at
// least p% of the values are <= it.
func TestPercentileMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 300; n++ {
		v := make([]int64, n)
		for i := range v {
			v[i] = rng.Int64N(50)
		}
		slices.Sort(v)
		for _, p := range []float64{1, 10, 25, 50, 90, 95, 99, 99.9, 100} {
			want := v[n-1]
			for _, x := range v {
				le := 0
				for _, y := range v {
					if y <= x {
						le++
					}
				}
				if float64(le)*100 >= p*float64(n) {
					want = x
					break
				}
			}
			if got := Percentile(v, p); got != want {
				t.Fatalf("n=%d p=%v: got %d, want %d", n, p, got, want)
			}
		}
	}
}

func TestNewDist(t *testing.T) {
	v := []int64{5, 1, 4, 2, 3}
	d := NewDist(v)
	// Std: deviations -2, -1, 0, 1, 2 square to 10; sqrt(10/5).
	want := Dist{N: 5, P50: 3, P90: 5, P95: 5, P99: 5, Max: 5, Mean: 3, Std: math.Sqrt2}
	if d != want {
		t.Errorf("NewDist = %+v, want %+v", d, want)
	}
	if !slices.IsSorted(v) {
		t.Errorf("values not sorted in place: %v", v)
	}
	if got := NewDist(nil); got != (Dist{}) {
		t.Errorf("NewDist(nil) = %+v, want zero", got)
	}
}

func seq(n int) []int64 {
	v := make([]int64, n)
	for i := range v {
		v[i] = int64(i + 1)
	}
	return v
}

func short(v []int64) []int64 {
	if len(v) > 12 {
		return v[:12]
	}
	return v
}

func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	gens := []struct {
		name string
		gen  func() int64
	}{
		{"small range", func() int64 { return rng.Int64N(100) }},
		{"latencies", func() int64 { return rng.Int64N(10_000_000_000) }},
		{"negative and positive", func() int64 { return rng.Int64N(1<<40) - 1<<39 }},
		{"full int64 range", func() int64 { return int64(rng.Uint64()) }},
		{"constant", func() int64 { return 42 }},
	}
	for _, g := range gens {
		for _, n := range []int{0, 1, radixMin - 1, radixMin, 3*radixMin + 17} {
			v := make([]int64, n)
			for i := range v {
				v[i] = g.gen()
			}
			want := slices.Clone(v)
			slices.Sort(want)
			radixSort(v)
			if !slices.Equal(v, want) {
				t.Errorf("%s n=%d: radixSort disagrees with slices.Sort", g.name, n)
			}
			u := make([]uint32, n)
			for i := range u {
				u[i] = uint32(want[i] * 2654435761)
			}
			wantU := slices.Clone(u)
			slices.Sort(wantU)
			radixSort(u)
			if !slices.Equal(u, wantU) {
				t.Errorf("%s n=%d: radixSort[uint32] disagrees with slices.Sort", g.name, n)
			}
		}
	}
}

// TestSplitDist checks that holding values as uint32 plus an int64
// overflow list gives the distribution of all of them together.
func TestSplitDist(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 7, 100, radixMin + 3} {
		for _, bigShare := range []int{0, 10, 100} {
			var all, big []int64
			var small []uint32
			for range n {
				var v int64
				switch r := rng.IntN(100); {
				case r < bigShare/2:
					v = -rng.Int64N(1000) - 1
				case r < bigShare:
					v = 1<<32 + rng.Int64N(1<<40)
				default:
					v = rng.Int64N(1 << 32)
				}
				all = append(all, v)
				if v >= 0 && v < 1<<32 {
					small = append(small, uint32(v))
				} else {
					big = append(big, v)
				}
			}
			for _, m := range []PercentileMethod{MethodNearestRank, MethodLinear} {
				got, want := splitDist(slices.Clone(small), slices.Clone(big), m), newDist(slices.Clone(all), m)
				if got.N != want.N || got.P50 != want.P50 || got.P90 != want.P90 || got.P95 != want.P95 ||
					got.P99 != want.P99 || got.Max != want.Max || math.Abs(got.Mean-want.Mean) > 1e-6*math.Abs(want.Mean)+1e-9 ||
					math.Abs(got.Std-want.Std) > 1e-6*want.Std+1e-9 {
					t.Errorf("n=%d big=%d%% %s: splitDist = %+v, newDist = %+v", n, bigShare, m, got, want)
				}
			}
		}
	}
}

// TestLinearDist checks the linear method and the standard deviation
// against values worked out by hand: for 1000, 2000, 3000, 4000 ns,
// h = 3p/100, so p50 is halfway between 2000 and 3000 (2500), p90 is
// 3000 + 0.7*1000 (h = 2.7), p95 3000 + 0.85*1000, p99 3000 + 0.97*1000;
// the mean is 2500 and the squared deviations 1500², 500², 500², 1500²
// sum to 5e6, so std = sqrt(5e6/4) = 1118.034 ns (numpy's np.std, ddof=0).
// Nearest-rank of the same values takes rank ceil(4p/100): 2000, 4000,
// 4000, 4000.
func TestLinearDist(t *testing.T) {
	v := []int64{4000, 1000, 3000, 2000}
	lin := newDist(slices.Clone(v), MethodLinear)
	if lin.P50 != 2500 || lin.P90 != 3700 || lin.P95 != 3850 || lin.P99 != 3970 || lin.Max != 4000 || lin.Mean != 2500 ||
		math.Abs(lin.Std-1118.0339887498948) > 1e-9 {
		t.Errorf("linear = %+v", lin)
	}
	nr := newDist(slices.Clone(v), MethodNearestRank)
	if nr.P50 != 2000 || nr.P90 != 4000 || nr.P95 != 4000 || nr.P99 != 4000 || nr.Std != lin.Std {
		t.Errorf("nearest-rank = %+v", nr)
	}
	// One value: every percentile is it, std 0.
	if one := newDist([]int64{7}, MethodLinear); one.P50 != 7 || one.P99 != 7 || one.Std != 0 {
		t.Errorf("one value = %+v", one)
	}
	// Rounded to the nanosecond: 1, 2 at p50 is 1.5, which rounds half
	// away from zero to 2; at p10 (h = 0.1) 1.1 rounds to 1.
	if d := newDist([]int64{2, 1}, MethodLinear); d.P50 != 2 || LinearPercentile(10, 2, func(i int) int64 { return int64(i + 1) }) != 1 {
		t.Errorf("rounding: %+v", d)
	}
	for _, name := range PercentileMethods {
		m, err := ParsePercentileMethod(name)
		if err != nil || m.String() != name {
			t.Errorf("%s: %v %v", name, m, err)
		}
	}
	if _, err := ParsePercentileMethod("hazen"); err == nil {
		t.Error("hazen accepted")
	}
}
