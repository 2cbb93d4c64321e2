package decide

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/reports/internal/table"
	"github.com/inferbench/inferbench/results"
)

// mixSummary is a run of target with n ok requests of in/out tokens, one
// sent every gapMs, each taking e2eMs, at the given load, priced by p.
func mixSummary(target, kind string, load results.LoadInfo, p *results.Prices, n int, in, out, gapMs, e2eMs int64, opt reports.Options) reports.Summary {
	m := &results.Manifest{RunID: target + "-" + LoadLabel(load), StopReason: results.StopCompleted,
		StartedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Target:    results.TargetInfo{Name: target, Kind: kind, Model: target},
		Load:      load, Prices: p}
	r := reports.NewRunData("", m)
	for i := range n {
		rec := fixture.OKRec(int64(i)*gapMs, 50, e2eMs, in, out, nil, nil)
		r.Add(&rec)
	}
	return reports.Summarize(r, opt)
}

var rate1 = results.LoadInfo{Mode: "rate", Rate: 1}

// The worked example of docs/cost.md: 100M input + 20M output tokens a
// month.
func TestDecideWorkedExample(t *testing.T) {
	// The self-hosted target's capacity is its 1/s run: at 2/s it broke
	// the SLO.
	slo := reports.Options{SLO: reports.SLO{E2E: 600 * time.Millisecond}}
	gpus := &results.Prices{GPUHourly: 2 * 2.50}
	ss := []reports.Summary{
		mixSummary("gpt-4o", "api", rate1, &results.Prices{InputPer1M: 2.50, OutputPer1M: 10}, 10, 500, 100, 100, 500, slo),
		mixSummary("claude-3.5-haiku", "api", rate1, &results.Prices{InputPer1M: 0.80, OutputPer1M: 4}, 10, 500, 100, 100, 500, slo),
		mixSummary("llama-3-70b-hosted", "managed", rate1, &results.Prices{InputPer1M: 0.90, OutputPer1M: 0.90}, 10, 500, 100, 100, 500, slo),
		mixSummary("llama-3-70b-2xA100", "self-hosted", results.LoadInfo{Mode: "rate", Rate: 2}, gpus, 10, 500, 100, 50, 900, slo),
		mixSummary("llama-3-70b-2xA100", "self-hosted", rate1, gpus, 10, 500, 100, 100, 500, slo),
	}
	vol, err := ParseVolume("100M:20M")
	if err != nil {
		t.Fatal(err)
	}
	d := New(ss, Options{Volumes: []Volume{vol}})
	if d.MonthHours != 720 {
		t.Fatalf("month hours %v, want 720", d.MonthHours)
	}
	p := d.Projections[0]
	want := map[string]float64{"gpt-4o": 450, "claude-3.5-haiku": 160, "llama-3-70b-hosted": 108, "llama-3-70b-2xA100": 3600}
	for _, c := range p.Costs {
		if !c.Known || c.MonthlyUSD != want[c.Target] {
			t.Errorf("%s: monthly %v (known %v), want exactly %v", c.Target, c.MonthlyUSD, c.Known, want[c.Target])
		}
	}
	sh := p.Costs[3]
	if sh.Replicas != 1 || sh.FixedUSD != 3600 {
		t.Errorf("self-hosted replicas %d fixed %v, want 1 and 3600", sh.Replicas, sh.FixedUSD)
	}
	if len(p.BreakEvens) != 3 {
		t.Fatalf("break-evens %+v, want one per per-token target", p.BreakEvens)
	}
	be := p.BreakEvens[0]
	if be.SelfHosted != "llama-3-70b-2xA100" || be.PerToken != "gpt-4o" || be.Never || be.TokensPerMonth != 960e6 {
		t.Errorf("break-even vs gpt-4o = %+v, want exactly 960M tokens/month", be)
	}
	if be.PerTokenUSDPer1M != 3.75 {
		t.Errorf("gpt-4o at 5:1 = $%v per 1M, want 3.75", be.PerTokenUSDPer1M)
	}
	// 3600 / (160/120M) = 2.7B and 3600 / (108/120M) = 4B, both within
	// what one replica serves (its 1/s run served ~4,600 tok/s, 12B a month).
	if b := p.BreakEvens[1]; b.Never || !fixture.Approx(b.TokensPerMonth, 2.7e9) {
		t.Errorf("break-even vs haiku = %+v, want 2.7B", b)
	}
	if b := p.BreakEvens[2]; b.Never || !fixture.Approx(b.TokensPerMonth, 4e9) {
		t.Errorf("break-even vs hosted llama = %+v, want 4B", b)
	}
	if got := Tokens(be.TokensPerMonth); got != "960M" {
		t.Errorf("Tokens(960e6) = %q", got)
	}

	// Measured figures at the workload's own 5:1 mix.
	// The list prices are the effective prices (no caching); all-in per
	// 1M output tokens carries the input's cost: $450 / 20M = $22.50.
	api := d.Targets[0]
	if api.Pricing != reports.CostPerToken || api.EffectiveInputPer1M != 2.5 || api.EffectiveOutputPer1M != 10 ||
		!fixture.Approx(api.AtLoad.USDPer1MOutput, 22.5) ||
		!fixture.Approx(api.AtLoad.USDPer1MBlended, 3.75) || !fixture.Approx(api.AtLoad.USDPerRequest, 0.00225) || !fixture.Approx(api.InputShare, 5.0/6) {
		t.Errorf("gpt-4o measured %+v share %v", api.AtLoad, api.InputShare)
	}
	self := d.Targets[3]
	if !self.Capacity.Known() || !self.Capacity.Sweep || !self.Capacity.MetSLO || self.Capacity.LowerBound ||
		self.AtLoad.Utilisation != 1 || self.RunID != ss[4].RunID || self.LoadBasis != "highest load meeting the SLO" {
		t.Fatalf("self-hosted capacity %+v utilisation %v at %s (%s)", self.Capacity, self.AtLoad.Utilisation, self.RunID, self.LoadBasis)
	}
	s := ss[4]
	if want := 5 / (3600 * s.OutputTokensPerS) * 1e6; !fixture.Approx(self.AtLoad.USDPer1MOutput, want) {
		t.Errorf("self-hosted $/1M output %v, want H/(3600*TPS_out)*1e6 = %v", self.AtLoad.USDPer1MOutput, want)
	}
	if want := 5 / (3600 * s.RequestsPerS); !fixture.Approx(self.AtLoad.USDPerRequest, want) {
		t.Errorf("self-hosted $/request %v, want %v", self.AtLoad.USDPerRequest, want)
	}
}

func TestParseVolume(t *testing.T) {
	tests := []struct {
		in      string
		want    Volume
		wantErr string
	}{
		{"100M:20M", Volume{100e6, 20e6}, ""},
		{"1.5b:300m", Volume{1.5e9, 300e6}, ""},
		{"5e8:1e8", Volume{5e8, 1e8}, ""},
		{" 20K : 0 ", Volume{20e3, 0}, ""},
		{"2T:1T", Volume{2e12, 1e12}, ""},
		{"100M", Volume{}, "want INPUT:OUTPUT"},
		{"x:1M", Volume{}, "input: \"x\" is not a number"},
		{"1M:-2M", Volume{}, "output: \"-2\" must be"},
		{"0:0", Volume{}, "no tokens"},
		{"NaN:1", Volume{}, "must be a finite"},
		{"M:1", Volume{}, "not a number"},
	}
	for _, tt := range tests {
		got, err := ParseVolume(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseVolume(%q) error %v, want it to say %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseVolume(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParseVolume(f *testing.F) {
	for _, s := range []string{"100M:20M", "1.5B:0", "1e3:1e3", ":", "M:M", "1:2:3", "9e99:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVolume(s)
		if err != nil {
			return
		}
		if v.InputTokens < 0 || v.OutputTokens < 0 || v.Total() <= 0 || math.IsInf(v.Total(), 0) {
			t.Fatalf("ParseVolume(%q) = %v", s, v)
		}
		back, err := ParseVolume(v.String())
		if err != nil || !fixture.Approx(back.InputTokens, v.InputTokens) || !fixture.Approx(back.OutputTokens, v.OutputTokens) {
			t.Fatalf("round trip of %q: %v -> %q -> %v, %v", s, v, v.String(), back, err)
		}
	})
}

// A sweep of a self-hosted target: rates 2, 4 and 8/s, where 8/s breaks
// the SLO. Capacity is 4/s, not a lower bound, and the most recent run
// (at 2/s) is at half of it.
func TestDecideSweepCapacity(t *testing.T) {
	h := &results.Prices{GPUHourly: 10}
	slo := reports.Options{SLO: reports.SLO{E2E: 600 * time.Millisecond}}
	at := func(rate float64, gapMs, e2eMs int64, day int) reports.Summary {
		s := mixSummary("vllm", "self-hosted", results.LoadInfo{Mode: "rate", Rate: rate}, h, 20, 1000, 200, gapMs, e2eMs, slo)
		s.StartedAt = time.Date(2026, 11, day, 0, 0, 0, 0, time.UTC)
		return s
	}
	ss := []reports.Summary{at(8, 125, 900, 1), at(4, 250, 500, 2), at(2, 500, 400, 3)}
	d := New(ss, Options{Volumes: []Volume{{InputTokens: 30e9, OutputTokens: 6e9}}})
	tc := d.Targets[0]
	if tc.Runs != 3 || tc.RunID != ss[1].RunID || tc.LoadBasis != "highest load meeting the SLO" {
		t.Fatalf("runs %d, at-load run %s (%s); want 3 and the 4/s run, not the most recent", tc.Runs, tc.RunID, tc.LoadBasis)
	}
	c := tc.Capacity
	if c == nil || !c.Sweep || c.RunID != ss[1].RunID || !c.MetSLO || c.LowerBound {
		t.Fatalf("capacity %+v, want the 4/s run, met, not a lower bound", c)
	}
	if len(tc.Sweep) != 3 || tc.Sweep[0].LoadValue != 2 || tc.Sweep[2].MetSLO || !tc.Sweep[1].MetSLO {
		t.Fatalf("sweep %+v", tc.Sweep)
	}
	// At load is at capacity; the 2/s point is at half of it, and the 8/s
	// point, past the SLO, has no utilisation (never above 100%).
	two, eight := tc.Sweep[0], tc.Sweep[2]
	if tc.AtLoad.Utilisation != 1 || eight.Cost.Utilisation != 0 {
		t.Errorf("utilisation at load %v, at 8/s %v; want 1 and none", tc.AtLoad.Utilisation, eight.Cost.Utilisation)
	}
	if want := ss[2].RequestsPerS / ss[1].RequestsPerS; !fixture.Approx(two.Cost.Utilisation, want) {
		t.Errorf("utilisation at 2/s %v, want %v", two.Cost.Utilisation, want)
	}
	// Cost per token at a load = cost at capacity / utilisation.
	if want := c.Cost.USDPer1MBlended / two.Cost.Utilisation; !fixture.Approx(two.Cost.USDPer1MBlended, want) {
		t.Errorf("at 2/s %v, want capacity / utilisation = %v", two.Cost.USDPer1MBlended, want)
	}
	// 30B:6B a month needs input 30e9 / (in tok/s * 2.592e6 s) replicas.
	pc := d.Projections[0].Costs[0]
	need := max(30e9/(c.InputTokensPerS*720*3600), 6e9/(c.OutputTokensPerS*720*3600))
	if pc.Replicas != int(math.Ceil(need)) || pc.Replicas < 2 || pc.MonthlyUSD != float64(pc.Replicas)*7200 {
		t.Errorf("projection %+v, want ceil(%v) replicas at $7200", pc, need)
	}
}

func TestDecideNoLoadMetSLO(t *testing.T) {
	slo := reports.Options{SLO: reports.SLO{TTFT: time.Millisecond}}
	ss := []reports.Summary{
		mixSummary("vllm", "self-hosted", results.LoadInfo{Mode: "concurrency", Concurrency: 4}, &results.Prices{GPUHourly: 1}, 5, 10, 10, 100, 300, slo),
		mixSummary("vllm", "self-hosted", results.LoadInfo{Mode: "concurrency", Concurrency: 8}, &results.Prices{GPUHourly: 1}, 5, 10, 10, 50, 300, slo),
	}
	d := New(ss, Options{Volumes: []Volume{{1e6, 1e6}}})
	c := d.Targets[0].Capacity
	want := "capacity unknown: no load of the sweep met the SLO (the lowest was concurrency 4); sweep lower loads"
	if c.Known() || c.Unknown != want {
		t.Fatalf("capacity %+v, want unknown", c)
	}
	if len(d.Targets[0].Notes) == 0 || d.Targets[0].Notes[0] != want {
		t.Errorf("notes %q", d.Targets[0].Notes)
	}
	if pc := d.Projections[0].Costs[0]; pc.Known || pc.Replicas != 0 || pc.Unknown != want {
		t.Errorf("projection %+v", pc)
	}
}

// A self-hosted target whose full replica costs more per token than the
// API never breaks even.
func TestDecideBreakEvenNever(t *testing.T) {
	slo := reports.Options{SLO: reports.SLO{E2E: time.Second}}
	ss := []reports.Summary{
		mixSummary("cheap-api", "api", rate1, &results.Prices{InputPer1M: 0.1, OutputPer1M: 0.1}, 4, 100, 100, 1000, 900, slo),
		mixSummary("slow-gpu", "self-hosted", results.LoadInfo{Mode: "rate", Rate: 2}, &results.Prices{GPUHourly: 100}, 4, 100, 100, 500, 1500, slo),
		mixSummary("slow-gpu", "self-hosted", rate1, &results.Prices{GPUHourly: 100}, 4, 100, 100, 1000, 900, slo),
	}
	d := New(ss, Options{Volumes: []Volume{{InputTokens: 1e6, OutputTokens: 1e6}}})
	be := d.Projections[0].BreakEvens
	if len(be) != 1 || !be[0].Never || be[0].TokensPerMonth != 0 || be[0].AtCapacityUSDPer1M <= be[0].PerTokenUSDPer1M {
		t.Fatalf("break-even %+v, want never", be)
	}
}

func TestDecideCachedInputPrice(t *testing.T) {
	m := &results.Manifest{RunID: "a", Target: results.TargetInfo{Name: "a", Kind: "api"},
		Prices: &results.Prices{InputPer1M: 2, CachedInputPer1M: 0.5, OutputPer1M: 8}}
	rec := fixture.OKRec(0, 10, 100, 1000, 100, nil, nil)
	rec.CachedInputTokens = 250 // a quarter of the input hits the cache
	d := New([]reports.Summary{reports.Summarize(fixture.AddAll(reports.NewRunData("", m), rec), reports.Options{})}, Options{Volumes: []Volume{{InputTokens: 1e6, OutputTokens: 1e6}}})
	if got := d.Targets[0].EffectiveInputPer1M; !fixture.Approx(got, 2*0.75+0.5*0.25) {
		t.Errorf("effective input price %v, want 1.625", got)
	}
	if got := d.Projections[0].Costs[0].MonthlyUSD; !fixture.Approx(got, 1.625+8) {
		t.Errorf("monthly %v, want 9.625", got)
	}
}

func TestDecideNoPrices(t *testing.T) {
	d := New([]reports.Summary{mixSummary("x", "api", rate1, nil, 2, 1, 1, 10, 10, reports.Options{})}, Options{Volumes: []Volume{{1, 1}}})
	if d.Targets[0].Pricing != "" || d.Projections[0].Costs[0].Known || len(d.Targets[0].Notes) == 0 {
		t.Errorf("target %+v projection %+v", d.Targets[0], d.Projections[0].Costs[0])
	}
}

func TestTokens(t *testing.T) {
	for _, tt := range []struct {
		n    float64
		want string
	}{{960e6, "960M"}, {2.7e9, "2.7B"}, {4.0909e9, "4.09B"}, {12345, "12.35K"}, {950, "950"}, {1.5e12, "1.5T"}} {
		if got := Tokens(tt.n); got != tt.want {
			t.Errorf("Tokens(%v) = %q, want %q", tt.n, got, tt.want)
		}
	}
	for _, v := range []Volume{{100e6, 20e6}, {1.5e9, 0}, {123456789, 7}} {
		if back, err := ParseVolume(v.String()); err != nil || back != v {
			t.Errorf("%v -> %q -> %v, %v", v, v.String(), back, err)
		}
	}
}

// A plan's group makes runs of differently named targets one sweep.
func TestDecideExplicitGroup(t *testing.T) {
	plan, err := ParseScorecardPlan("p.yaml", []byte("targets:\n  vllm-c4: {group: vllm}\n  vllm-c8: {group: vllm}\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := &results.Prices{GPUHourly: 4}
	ss := []reports.Summary{
		mixSummary("vllm-c4", "self-hosted", results.LoadInfo{Mode: "concurrency", Concurrency: 4}, h, 8, 100, 100, 200, 300, reports.Options{}),
		mixSummary("vllm-c8", "self-hosted", results.LoadInfo{Mode: "concurrency", Concurrency: 8}, h, 8, 100, 100, 100, 300, reports.Options{}),
		mixSummary("api", "api", rate1, &results.Prices{InputPer1M: 1, OutputPer1M: 1}, 2, 1, 1, 10, 10, reports.Options{}),
	}
	d := New(ss, Options{ScorecardPlan: plan})
	if len(d.Targets) != 2 || d.Targets[0].Target != "vllm" || d.Targets[0].Runs != 2 {
		t.Fatalf("targets %+v", d.Targets)
	}
	if c := d.Targets[0].Capacity; c == nil || !c.Sweep || c.Load != "concurrency 8" || !c.LowerBound {
		t.Errorf("capacity %+v, want the 8-user run of a sweep", c)
	}
}

// TestDecideCapacityBounds: one light-load run gives no capacity, so no
// replica count, bill or break-even is built on it ("12 replicas,
// $43,200/mo, break-even never" was); a sweep whose highest load still
// met the SLO gives a lower bound, and every figure built on it is
// marked a bound.
func TestDecideCapacityBounds(t *testing.T) {
	h := &results.Prices{GPUHourly: 60}
	api := mixSummary("api", "api", rate1, &results.Prices{InputPer1M: 2.5, OutputPer1M: 10}, 10, 1000, 200, 100, 400, reports.Options{})
	light := mixSummary("gpu", "self-hosted", results.LoadInfo{Mode: "rate", Rate: 0.5}, h, 5, 1000, 200, 2000, 400, reports.Options{})
	vol := Volume{InputTokens: 50e9, OutputTokens: 10e9}
	d := New([]reports.Summary{api, light}, Options{Volumes: []Volume{vol}})
	want := "capacity unknown: one load measured (rate 0.5/s); run a sweep or --saturate"
	p := d.Projections[0]
	if c := d.Targets[1].Capacity; c.Known() || c.Unknown != want {
		t.Fatalf("capacity %+v", c)
	}
	if pc := p.Costs[1]; pc.Known || pc.Replicas != 0 || pc.MonthlyUSD != 0 || pc.Unknown != want {
		t.Errorf("projection %+v", pc)
	}
	if be := p.BreakEvens[0]; be.Never || be.TokensPerMonth != 0 || be.Unknown != want {
		t.Errorf("break-even %+v", be)
	}
	var b strings.Builder
	if err := RenderText(&b, d); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"capacity unknown", want} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, b.String())
		}
	}
	if strings.Contains(b.String(), "never") {
		t.Errorf("text says never:\n%s", b.String())
	}

	// A sweep at 0.5 and 1/s, both meeting the SLO: capacity >= the 1/s run.
	faster := mixSummary("gpu", "self-hosted", results.LoadInfo{Mode: "rate", Rate: 1}, h, 10, 1000, 200, 1000, 400, reports.Options{})
	d = New([]reports.Summary{api, light, faster}, Options{Volumes: []Volume{vol}})
	c := d.Targets[1].Capacity
	if !c.Known() || !c.LowerBound || c.Load != "rate 1/s" {
		t.Fatalf("capacity %+v, want a lower bound at 1/s", c)
	}
	pc := d.Projections[0].Costs[1]
	if !pc.Known || !pc.AtMost || pc.Replicas < 2 {
		t.Errorf("projection %+v, want replicas marked at most", pc)
	}
	b.Reset()
	if err := RenderText(&b, d); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"≥ rate 1/s", "≥ " + table.Ftoa(c.RequestsPerS, 3), "≤ " + table.Itoa(int64(pc.Replicas)),
		"≤ " + table.USD(pc.MonthlyUSD), "capacity is a lower bound", "yes: ≤ capacity", "≤ 100.0%"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, b.String())
		}
	}
	// The bound's own run is not called the capacity, nor "at capacity".
	for _, s := range []string{"yes: capacity", "at capacity\n"} {
		if strings.Contains(b.String(), s) {
			t.Errorf("text says %q of a lower bound:\n%s", s, b.String())
		}
	}
}

// TestDecideMixRefused is the check: a projection at an 83:17
// volume from a capacity measured on a 16:84 workload is refused, naming
// the workload to run, rather than sized 25x off; a volume near the
// measured mix is sized, saying by how much it may over-state.
func TestDecideMixRefused(t *testing.T) {
	h := &results.Prices{GPUHourly: 10}
	slo := reports.Options{SLO: reports.SLO{E2E: time.Second}}
	// 160 input and 840 output tokens a request: a 16:84 mix.
	ss := []reports.Summary{
		mixSummary("api", "api", rate1, &results.Prices{InputPer1M: 2.5, OutputPer1M: 10}, 10, 160, 840, 100, 400, slo),
		mixSummary("gpu", "self-hosted", results.LoadInfo{Mode: "rate", Rate: 8}, h, 40, 160, 840, 125, 1500, slo),
		mixSummary("gpu", "self-hosted", results.LoadInfo{Mode: "rate", Rate: 4}, h, 20, 160, 840, 250, 800, slo),
	}
	d := New(ss, Options{Volumes: []Volume{{InputTokens: 83e6, OutputTokens: 17e6}, {InputTokens: 18e6, OutputTokens: 82e6}}})
	far, near := d.Projections[0].Costs[1], d.Projections[1].Costs[1]
	if far.Known || far.Replicas != 0 || !strings.HasPrefix(far.Unknown, "capacity unknown at this mix: 83:17 input:output asked, 16:84 measured (rate 4/s)") ||
		!strings.Contains(far.Unknown, "inferbench workload synth --input-len fixed:830 --output-len fixed:170") {
		t.Errorf("83:17 on 16:84: %+v", far)
	}
	if be := d.Projections[0].BreakEvens[0]; be.Never || be.TokensPerMonth != 0 || be.Unknown != far.Unknown {
		t.Errorf("break-even at 83:17: %+v", be)
	}
	if !near.Known || near.Replicas != 1 || !strings.HasPrefix(near.MixNote, "mix 18:82 asked, 16:84 measured: replicas sized for the busier side, up to 15% more") {
		t.Errorf("18:82 on 16:84: %+v", near)
	}
	notes := strings.Join(d.Notes(), "\n")
	for _, want := range []string{"at 83M:17M: gpu: capacity unknown at this mix", "at 18M:82M: gpu: mix 18:82 asked"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

// TestDecideStalePrice: a price checked more than 90 days before the run
// is flagged, with its date, in the cost table and the notes.
func TestDecideStalePrice(t *testing.T) {
	p := &results.Prices{InputPer1M: 2.5, OutputPer1M: 10, Source: "catalogue openai/gpt-4o", CheckedAt: "2026-07-01"}
	s := mixSummary("api", "api", rate1, p, 4, 100, 100, 100, 300, reports.Options{}) // started 2026-11-01
	d := New([]reports.Summary{s}, Options{})
	if d.Targets[0].StaleDays != 123 {
		t.Fatalf("stale days %d", d.Targets[0].StaleDays)
	}
	var b strings.Builder
	if err := RenderText(&b, d); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"catalogue openai/gpt-4o (possibly stale: checked 2026-07-01)",
		"api: prices possibly stale: checked 2026-07-01, 123 days before the run started"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	p.CheckedAt = "2026-09-01"
	if d := New([]reports.Summary{mixSummary("api", "api", rate1, p, 4, 100, 100, 100, 300, reports.Options{})}, Options{}); d.Targets[0].StaleDays != 0 {
		t.Errorf("61 days flagged stale")
	}
}
