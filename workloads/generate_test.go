package workloads

import (
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestParseDist(t *testing.T) {
	good := map[string]Dist{
		"fixed:128":         {Kind: "fixed", A: 128},
		"128":               {Kind: "fixed", A: 128},
		"uniform:100,200":   {Kind: "uniform", A: 100, B: 200},
		"normal:512,64":     {Kind: "normal", A: 512, B: 64},
		"lognormal:512,0.4": {Kind: "lognormal", A: 512, B: 0.4},
		"exponential:300":   {Kind: "exponential", A: 300},
	}
	for in, want := range good {
		if got, err := ParseDist(in); err != nil || got != want {
			t.Errorf("ParseDist(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "fixed", "fixed:0", "uniform:5,1", "lognormal:512", "zipf:1", "fixed:-3", "fixed:NaN"} {
		if _, err := ParseDist(in); err == nil {
			t.Errorf("ParseDist(%q) succeeded", in)
		}
	}
}

func TestDistMeans(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		spec string
		mean float64
	}{{"fixed:128", 128}, {"uniform:100,200", 150}, {"lognormal:512,0.4", 512}, {"exponential:300", 300}, {"normal:1000,10", 1000}} {
		d, _ := ParseDist(tc.spec)
		sum := 0
		const n = 20000
		for range n {
			v := d.Sample(rng)
			if v < 1 {
				t.Fatalf("%s: sample %d < 1", tc.spec, v)
			}
			sum += v
		}
		if got := float64(sum) / n; math.Abs(got-tc.mean)/tc.mean > 0.03 {
			t.Errorf("%s: mean %.1f, want about %.0f", tc.spec, got, tc.mean)
		}
	}
}

func TestArrivalCV(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		spec string
		cv   float64
	}{{"constant", 0}, {"poisson", 1}, {"gamma:0.5", 0.5}, {"gamma:2", 2}} {
		a, err := ParseArrival(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		var s, s2 float64
		const n = 50000
		for range n {
			g := a.Gap(rng, 5)
			s += g
			s2 += g * g
		}
		mean := s / n
		cv := math.Sqrt(max(s2/n-mean*mean, 0)) / mean
		if math.Abs(mean-0.2) > 0.01 || math.Abs(cv-tc.cv) > 0.06 {
			t.Errorf("%s: mean gap %.4f cv %.3f, want 0.2 and %.1f", tc.spec, mean, cv, tc.cv)
		}
	}
	for _, in := range []string{"gamma", "gamma:0", "burst", "poisson:2", "gamma:NaN", "gamma:-1", "gamma:Inf", "gamma:1e300", "gamma:10.5"} {
		if _, err := ParseArrival(in); err == nil {
			t.Errorf("ParseArrival(%q) succeeded", in)
		}
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"5/s": 5, "300/m": 5, "7200/h": 2, "2.5": 2.5, "3/sec": 3, "120/min": 2, "60/1m": 1, " 4/1s ": 4, "3600/1h": 1, "1000000": 1e6, "1/h": 1.0 / 3600} {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0", "0/s", "-1", "-1/s", "5/d", "x/s", "fast", "5/", "NaN", "nan/s", "Inf", "+Inf/m", "1e400",
		"1e-300", "1e-300/s", "0.04/h", "1e300", "1000001", "2e6/s"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) succeeded", in)
		}
	}
}

func TestGenerate(t *testing.T) {
	in, _ := ParseDist("uniform:20,200")
	out, _ := ParseDist("fixed:16")
	spec := GenerateSpec{N: 50, Input: in, Output: out, Rate: 10, Arrival: Arrival{Kind: "gamma", CV: 2}, SharedPrefix: 64, Seed: 9}
	var reqs []Request
	if err := Generate(spec, func(r Request) error { reqs = append(reqs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	tok, _ := NewTokenizer("cl100k_base")
	prefix := reqs[0].Prompt[:strings.Index(reqs[0].Prompt, "\n")]
	last := -1.0
	for i, r := range reqs {
		if got := len(tok.Encode(r.Prompt)); got != r.InputTokens || r.InputTokens < 84 || r.InputTokens > 264 {
			t.Errorf("request %d: %d tokens, input_tokens %d", i, got, r.InputTokens)
		}
		if r.MaxTokens != 16 || r.AtMs == nil || *r.AtMs < last || r.Index != i {
			t.Errorf("request %d: %+v", i, r)
		}
		if !strings.HasPrefix(r.Prompt, prefix) {
			t.Errorf("request %d does not start with the shared prefix", i)
		}
		last = *r.AtMs
	}
	if *reqs[0].AtMs != 0 {
		t.Errorf("first arrival at %v, want 0", *reqs[0].AtMs)
	}
	var again []Request
	_ = Generate(spec, func(r Request) error { again = append(again, r); return nil })
	if again[49].Prompt != reqs[49].Prompt || *again[49].AtMs != *reqs[49].AtMs {
		t.Error("the same spec gave a different workload")
	}
}

type sliceSource struct{ reqs []Request }

func (s *sliceSource) Next() (Request, error) {
	if len(s.reqs) == 0 {
		return Request{}, io.EOF
	}
	r := s.reqs[0]
	s.reqs = s.reqs[1:]
	return r, nil
}

func at(ms float64) *float64 { return &ms }

func TestFilter(t *testing.T) {
	mk := func() *sliceSource {
		var reqs []Request
		for i := range 10 {
			reqs = append(reqs, Request{ID: string(rune('a' + i)), Prompt: "p", AtMs: at(float64(i) * 1000)})
		}
		reqs[2].SessionID, reqs[2].Turn = "s", 0
		reqs[7].SessionID, reqs[7].Turn = "s", 1
		return &sliceSource{reqs}
	}
	tests := []struct {
		name  string
		opts  FilterOptions
		ids   string
		times []float64
	}{
		{"all", FilterOptions{}, "abcdefghij", []float64{0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000}},
		{"window rebased", FilterOptions{From: 2e9, To: 5e9}, "cde", []float64{0, 1000, 2000}},
		{"every 3", FilterOptions{Every: 3}, "adgj", []float64{0, 3000, 6000, 9000}},
		{"limit and scale", FilterOptions{Limit: 3, TimeScale: 0.5}, "abc", []float64{0, 500, 1000}},
		{"window, every, limit", FilterOptions{From: 1e9, Every: 2, Limit: 2}, "bd", []float64{0, 2000}},
	}
	for _, tc := range tests {
		var ids string
		var times []float64
		err := Filter(mk(), tc.opts, func(r Request) error {
			ids += r.ID
			times = append(times, *r.AtMs)
			if r.Index != len(ids)-1 {
				t.Errorf("%s: index %d", tc.name, r.Index)
			}
			return nil
		})
		if err != nil || ids != tc.ids || !slicesEqual(times, tc.times) {
			t.Errorf("%s: %q %v %v, want %q %v", tc.name, ids, times, err, tc.ids, tc.times)
		}
	}
	// Shuffle: a permutation, times stay in slot order, session turns
	// stay in order, and the seed decides.
	run := func(seed int64) (string, []float64) {
		var ids string
		var times []float64
		_ = Filter(mk(), FilterOptions{Shuffle: true, ShuffleSeed: seed}, func(r Request) error {
			ids += r.ID
			times = append(times, *r.AtMs)
			return nil
		})
		return ids, times
	}
	ids1, times1 := run(1)
	ids2, _ := run(1)
	ids3, _ := run(2)
	if ids1 != ids2 || ids1 == ids3 || ids1 == "abcdefghij" || len(ids1) != 10 {
		t.Errorf("shuffles %q %q %q", ids1, ids2, ids3)
	}
	if !slicesEqual(times1, []float64{0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000}) {
		t.Errorf("shuffled times %v", times1)
	}
	if strings.Index(ids1, "c") > strings.Index(ids1, "h") {
		t.Errorf("session turns out of order in %q", ids1)
	}
	if err := Filter(&sliceSource{[]Request{{ID: "x", Prompt: "p"}}}, FilterOptions{From: 1e9}, func(Request) error { return nil }); err == nil {
		t.Error("a window over untimed requests succeeded")
	}
}

func slicesEqual(a, b []float64) bool {
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
