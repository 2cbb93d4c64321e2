package bench

import (
	"math"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestScheduleConstant(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		want []time.Duration
	}{
		{10, []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}},
		{2.5, []time.Duration{0, 400 * time.Millisecond, 800 * time.Millisecond}},
		{0.5, []time.Duration{0, 2 * time.Second, 4 * time.Second}},
		{1000, []time.Duration{0, time.Millisecond, 2 * time.Millisecond}},
	} {
		got := Offsets(ConstantPacer(tc.rate), len(tc.want))
		if !equalDurations(got, tc.want) {
			t.Errorf("rate %g: %v, want %v", tc.rate, got, tc.want)
		}
	}
}

// TestSchedulePoissonGolden pins the seeded offsets: a change here changes
// every recorded Poisson run.
func TestSchedulePoissonGolden(t *testing.T) {
	got := Offsets(PoissonPacer(20, 1), 6)
	want := []time.Duration{0, 125816380, 146810252, 195518844, 211465535, 228592995}
	if !equalDurations(got, want) {
		t.Fatalf("Poisson(20/s, seed 1) = %d\nwant %d", got, want)
	}
	if again := Offsets(PoissonPacer(20, 1), 6); !equalDurations(again, got) {
		t.Fatal("same seed, different offsets")
	}
	if other := Offsets(PoissonPacer(20, 2), 6); equalDurations(other, got) {
		t.Fatal("different seeds, same offsets")
	}
}

// TestScheduleArrivalStatistics checks rate and burstiness over many
// arrivals: CV = stddev/mean of the gaps is 1 for Poisson and cv for gamma.
func TestScheduleArrivalStatistics(t *testing.T) {
	for _, tc := range []struct {
		name  string
		p     Pacer
		rate  float64
		cv    float64
		cvTol float64
	}{
		{"poisson", PoissonPacer(50, 7), 50, 1, 0.05},
		{"gamma cv 2", GammaPacer(50, 2, 7), 50, 2, 0.15},
		{"gamma cv 0.5", GammaPacer(50, 0.5, 7), 50, 0.5, 0.03},
		{"constant", ConstantPacer(50), 50, 0, 0.001},
	} {
		const n = 20000
		offs := Offsets(tc.p, n)
		var sum, sq float64
		for i := 1; i < n; i++ {
			g := (offs[i] - offs[i-1]).Seconds()
			sum += g
			sq += g * g
		}
		mean := sum / (n - 1)
		cv := math.Sqrt(sq/(n-1)-mean*mean) / mean
		if rate := 1 / mean; math.Abs(rate-tc.rate)/tc.rate > 0.03 {
			t.Errorf("%s: rate %.2f, want %.2f", tc.name, rate, tc.rate)
		}
		if math.Abs(cv-tc.cv) > tc.cvTol {
			t.Errorf("%s: cv %.3f, want %.2f±%.2f", tc.name, cv, tc.cv, tc.cvTol)
		}
	}
}

func TestScheduleReplay(t *testing.T) {
	offs := []time.Duration{5 * time.Second, 5 * time.Second, 6 * time.Second, 9 * time.Second}
	got := Offsets(ReplayPacer(offs, 0.1), 10)
	want := []time.Duration{0, 0, 100 * time.Millisecond, 400 * time.Millisecond}
	if !equalDurations(got, want) {
		t.Fatalf("replay x0.1 = %v, want %v", got, want)
	}
	if got := Offsets(ReplayPacer(nil, 1), 3); len(got) != 0 {
		t.Fatalf("empty replay gave %v", got)
	}
}

func TestScheduleVegetaPacers(t *testing.T) {
	lin := vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: 10, Per: time.Second}, Slope: 10}
	got := Offsets(lin, 5)
	if len(got) != 5 || got[0] != 0 {
		t.Fatalf("linear pacer offsets %v", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("offsets not increasing: %v", got)
		}
	}
	if got := Offsets(stopAfter(2), 5); len(got) != 2 {
		t.Fatalf("stopping pacer gave %v", got)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// stopAfter is a pacer that allows n immediate hits, then stops.
type stopAfter uint64

func (n stopAfter) Pace(_ time.Duration, hits uint64) (time.Duration, bool) {
	return 0, hits >= uint64(n)
}
func (stopAfter) Rate(time.Duration) float64 { return 0 }
