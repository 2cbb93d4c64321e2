package reports

import (
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
	want := Dist{N: 5, P50: 3, P90: 5, P95: 5, P99: 5, Max: 5, Mean: 3}
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

func TestSortInt64(t *testing.T) {
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
			sortInt64(v)
			if !slices.Equal(v, want) {
				t.Errorf("%s n=%d: sortInt64 disagrees with slices.Sort", g.name, n)
			}
		}
	}
}
