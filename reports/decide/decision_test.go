package decide

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/fixture"
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
	ss := []reports.Summary{
		mixSummary("gpt-4o", "api", rate1, &results.Prices{InputPer1M: 2.50, OutputPer1M: 10}, 10, 500, 100, 100, 500, reports.Options{}),
		mixSummary("claude-3.5-haiku", "api", rate1, &results.Prices{InputPer1M: 0.80, OutputPer1M: 4}, 10, 500, 100, 100, 500, reports.Options{}),
		mixSummary("llama-3-70b-hosted", "managed", rate1, &results.Prices{InputPer1M: 0.90, OutputPer1M: 0.90}, 10, 500, 100, 100, 500, reports.Options{}),
		mixSummary("llama-3-70b-2xA100", "self-hosted", rate1, &results.Prices{GPUHourly: 2 * 2.50}, 10, 500, 100, 100, 500, reports.Options{}),
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
	// what one replica serves (the run measured ~4300 tok/s, 11B a month).
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
	api := d.Targets[0]
	if api.Pricing != reports.CostPerToken || api.AtLoad.USDPer1MInput != 2.5 || api.AtLoad.USDPer1MOutput != 10 ||
		!fixture.Approx(api.AtLoad.USDPer1MBlended, 3.75) || !fixture.Approx(api.AtLoad.USDPerRequest, 0.00225) || !fixture.Approx(api.InputShare, 5.0/6) {
		t.Errorf("gpt-4o measured %+v share %v", api.AtLoad, api.InputShare)
	}
	self := d.Targets[3]
	if self.Capacity == nil || self.Capacity.Sweep || !self.Capacity.MetSLO || !self.Capacity.LowerBound ||
		self.AtLoad.Utilisation != 1 {
		t.Fatalf("self-hosted capacity %+v utilisation %v", self.Capacity, self.AtLoad.Utilisation)
	}
	s := ss[3]
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
	if tc.Runs != 3 || tc.RunID != ss[2].RunID {
		t.Fatalf("runs %d, at-load run %s; want 3 and the most recent", tc.Runs, tc.RunID)
	}
	c := tc.Capacity
	if c == nil || !c.Sweep || c.RunID != ss[1].RunID || !c.MetSLO || c.LowerBound {
		t.Fatalf("capacity %+v, want the 4/s run, met, not a lower bound", c)
	}
	if len(tc.Sweep) != 3 || tc.Sweep[0].LoadValue != 2 || tc.Sweep[2].MetSLO || !tc.Sweep[1].MetSLO {
		t.Fatalf("sweep %+v", tc.Sweep)
	}
	if want := ss[2].RequestsPerS / ss[1].RequestsPerS; !fixture.Approx(tc.AtLoad.Utilisation, want) {
		t.Errorf("utilisation %v, want %v", tc.AtLoad.Utilisation, want)
	}
	// Cost per token at load = cost at capacity / utilisation.
	if want := c.Cost.USDPer1MBlended / tc.AtLoad.Utilisation; !fixture.Approx(tc.AtLoad.USDPer1MBlended, want) {
		t.Errorf("at load %v, want capacity / utilisation = %v", tc.AtLoad.USDPer1MBlended, want)
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
	d := New(ss, Options{})
	c := d.Targets[0].Capacity
	if c == nil || c.MetSLO || c.Load != "concurrency 8" {
		t.Fatalf("capacity %+v, want the fastest run, flagged", c)
	}
	if len(d.Targets[0].Notes) == 0 || !strings.Contains(d.Targets[0].Notes[0], "no load met the SLO") {
		t.Errorf("notes %q", d.Targets[0].Notes)
	}
}

// A self-hosted target whose full replica costs more per token than the
// API never breaks even.
func TestDecideBreakEvenNever(t *testing.T) {
	ss := []reports.Summary{
		mixSummary("cheap-api", "api", rate1, &results.Prices{InputPer1M: 0.1, OutputPer1M: 0.1}, 4, 100, 100, 1000, 900, reports.Options{}),
		mixSummary("slow-gpu", "self-hosted", rate1, &results.Prices{GPUHourly: 100}, 4, 100, 100, 1000, 900, reports.Options{}),
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
