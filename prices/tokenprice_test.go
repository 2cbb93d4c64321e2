package prices

import (
	"math"
	"testing"
)

func ptr(v float64) *float64 { return &v }

// The reference prices of the cost table: every kind of token priced
// differently, so a wrong factor cannot hide.
var (
	// Claude-Sonnet-4-like: in 3, cached 0.3, write 3.75, out 15;
	// >200k: in 6, cached 0.6, write 7.5, out 22.5.
	sonnet = TokenPrice{Provider: "anthropic", Model: "sonnet-like",
		Rates: Rates{InputPer1M: 3, CachedInputPer1M: ptr(0.3), CacheWritePer1M: ptr(3.75), OutputPer1M: 15},
		LongContext: &Tier{AboveInputTokens: 200000,
			Rates: Rates{InputPer1M: 6, CachedInputPer1M: ptr(0.6), CacheWritePer1M: ptr(7.5), OutputPer1M: 22.5}}}
	// No caching prices at all: cached and written tokens cost the input price.
	plain = TokenPrice{Provider: "together", Model: "llama-like", Rates: Rates{InputPer1M: 0.88, OutputPer1M: 0.88}}
	// Gemini-2.5-Pro-like: in 1.25, cached 0.125, out 10; >200k in 2.5,
	// cached 0.25, out 15; no cache-write price.
	gemini = TokenPrice{Provider: "google", Model: "gemini-like",
		Rates: Rates{InputPer1M: 1.25, CachedInputPer1M: ptr(0.125), OutputPer1M: 10},
		LongContext: &Tier{AboveInputTokens: 200000,
			Rates: Rates{InputPer1M: 2.5, CachedInputPer1M: ptr(0.25), OutputPer1M: 15}}}
)

func TestCost(t *testing.T) {
	tests := []struct {
		name  string
		price TokenPrice
		u     Usage
		want  float64 // hand computation, arithmetic in the comment
	}{
		{"uncached only", sonnet, Usage{Input: 1000, Output: 500},
			// 1000*3 + 500*15 = 3000 + 7500 = 10500 per 1M -> 0.0105
			0.0105},
		{"cached and uncached", sonnet, Usage{Input: 10000, CachedInput: 8000, Output: 200},
			// uncached 2000*3 = 6000; cached 8000*0.3 = 2400; out 200*15 = 3000
			// (6000+2400+3000)/1e6 = 0.0114
			0.0114},
		{"cache write", sonnet, Usage{Input: 5000, CacheWrite: 4000, Output: 100},
			// uncached 1000*3 = 3000; write 4000*3.75 = 15000; out 100*15 = 1500
			// 19500/1e6 = 0.0195
			0.0195},
		{"reasoning is part of output", sonnet, Usage{Input: 1000, Output: 3000, Reasoning: 2500},
			// 1000*3 + 3000*15 = 3000 + 45000 = 48000 -> 0.048 (reasoning not added again)
			0.048},
		{"reasoning reported beyond output is billed", sonnet, Usage{Input: 1000, Output: 100, Reasoning: 400},
			// output billed = max(100, 400) = 400: 1000*3 + 400*15 = 3000 + 6000 = 9000 -> 0.009
			0.009},
		{"cached+write+reasoning mix", sonnet, Usage{Input: 50000, CachedInput: 30000, CacheWrite: 15000, Output: 2000, Reasoning: 1500},
			// uncached 50000-30000-15000 = 5000 -> 5000*3 = 15000
			// cached 30000*0.3 = 9000; write 15000*3.75 = 56250; out 2000*15 = 30000
			// 15000+9000+56250+30000 = 110250 -> 0.11025
			0.11025},
		{"exactly at the threshold stays in the base band", sonnet, Usage{Input: 200000, Output: 1000},
			// 200000 is not > 200000: 200000*3 + 1000*15 = 600000 + 15000 = 615000 -> 0.615
			0.615},
		{"long-context tier prices the whole request", sonnet, Usage{Input: 200001, Output: 1000},
			// tier: 200001*6 + 1000*22.5 = 1200006 + 22500 = 1222506 -> 1.222506
			1.222506},
		{"long-context tier with cache reads and writes", sonnet, Usage{Input: 300000, CachedInput: 100000, CacheWrite: 50000, Output: 4000, Reasoning: 1000},
			// tier (300000 > 200000): uncached 150000*6 = 900000; cached 100000*0.6 = 60000
			// write 50000*7.5 = 375000; out 4000*22.5 = 90000
			// 900000+60000+375000+90000 = 1425000 -> 1.425
			1.425},
		{"gemini tier, no cache-write price falls back to the tier input", gemini, Usage{Input: 250000, CachedInput: 50000, CacheWrite: 10000, Output: 2000},
			// tier: uncached 190000*2.5 = 475000; cached 50000*0.25 = 12500
			// write 10000*2.5 (tier input) = 25000; out 2000*15 = 30000
			// 475000+12500+25000+30000 = 542500 -> 0.5425
			0.5425},
		{"gemini base band", gemini, Usage{Input: 100000, CachedInput: 40000, Output: 5000},
			// uncached 60000*1.25 = 75000; cached 40000*0.125 = 5000; out 5000*10 = 50000
			// 130000 -> 0.13
			0.13},
		{"no cached price: cached tokens at the input price", plain, Usage{Input: 1000, CachedInput: 600, CacheWrite: 100, Output: 1000},
			// uncached 300*0.88 + cached 600*0.88 + write 100*0.88 + out 1000*0.88 = 2000*0.88 = 1760 -> 0.00176
			0.00176},
		{"cached beyond input floors uncached at 0", sonnet, Usage{Input: 100, CachedInput: 150, Output: 0},
			// uncached max(100-150, 0) = 0; cached 150*0.3 = 45 -> 0.000045
			0.000045},
		{"negative counts are zero", sonnet, Usage{Input: -5, Output: -1},
			0},
		{"nothing", sonnet, Usage{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.price.Cost(tt.u)
			if math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("Cost(%+v) = %.15g, want %.15g", tt.u, got, tt.want)
			}
		})
	}
}

func TestRatesDefaults(t *testing.T) {
	r := Rates{InputPer1M: 2}
	if r.CachedInput() != 2 || r.CacheWrite() != 2 {
		t.Errorf("unpriced cached/write = %v/%v, want the input price 2", r.CachedInput(), r.CacheWrite())
	}
	r.CachedInputPer1M = ptr(0) // a genuine free cache read is not "unpriced"
	if r.CachedInput() != 0 {
		t.Errorf("free cache read = %v, want 0", r.CachedInput())
	}
}

// The worked example of docs/prices.md, priced from the shipped catalogue.
func TestCostWorkedExampleFromCatalogue(t *testing.T) {
	p, err := Default().Lookup("google", "gemini-2.5-pro")
	if err != nil {
		t.Fatal(err)
	}
	// 250,000 input tokens (> 200k: tier 2.5 / cached 0.25 / out 15), 50,000
	// of them cached, 3,000 output of which 1,000 reasoning:
	// uncached 200000*2.5 = 500000; cached 50000*0.25 = 12500; out 3000*15 = 45000
	// 557500 / 1e6 = 0.5575
	got := p.Cost(Usage{Input: 250000, CachedInput: 50000, Output: 3000, Reasoning: 1000})
	if math.Abs(got-0.5575) > 1e-12 {
		t.Errorf("cost = %.15g, want 0.5575", got)
	}
	// The same request with 150,000 input tokens stays in the base band:
	// uncached 100000*1.25 = 125000; cached 50000*0.125 = 6250; out 3000*10 = 30000
	// 161250 / 1e6 = 0.16125
	got = p.Cost(Usage{Input: 150000, CachedInput: 50000, Output: 3000, Reasoning: 1000})
	if math.Abs(got-0.16125) > 1e-12 {
		t.Errorf("cost = %.15g, want 0.16125", got)
	}
}

// CostParts are Cost's terms: the long-context tier, cache reads and
// writes and reasoning above output each land in their part, and the
// parts add up to Cost.
func TestCostParts(t *testing.T) {
	p := TokenPrice{Provider: "x", Model: "m",
		Rates: Rates{InputPer1M: 3, CachedInputPer1M: ptr(0.3), CacheWritePer1M: ptr(3.75), OutputPer1M: 15},
		LongContext: &Tier{AboveInputTokens: 200000,
			Rates: Rates{InputPer1M: 6, CachedInputPer1M: ptr(0.6), CacheWritePer1M: ptr(7.5), OutputPer1M: 22.5}}}
	for _, tt := range []struct {
		name string
		u    Usage
		want CostParts
	}{
		// base band: uncached 1000-200-300 = 500 * 3; 200 * 0.3; 300 * 3.75; 40 * 15
		{"base", Usage{Input: 1000, CachedInput: 200, CacheWrite: 300, Output: 40},
			CostParts{Input: 1500e-6, CachedInput: 60e-6, CacheWrite: 1125e-6, Output: 600e-6}},
		// tier: uncached 250000-50000-10000 = 190000 * 6; 50000 * 0.6; 10000 * 7.5; max(10, 30) = 30 * 22.5
		{"long context, reasoning above output", Usage{Input: 250000, CachedInput: 50000, CacheWrite: 10000, Output: 10, Reasoning: 30},
			CostParts{Input: 1.14, CachedInput: 0.03, CacheWrite: 0.075, Output: 675e-6}},
	} {
		got := p.CostParts(tt.u)
		for _, c := range []struct {
			part      string
			got, want float64
		}{{"input", got.Input, tt.want.Input}, {"cached", got.CachedInput, tt.want.CachedInput},
			{"write", got.CacheWrite, tt.want.CacheWrite}, {"output", got.Output, tt.want.Output}} {
			if math.Abs(c.got-c.want) > 1e-12 {
				t.Errorf("%s: %s part = %.15g, want %.15g", tt.name, c.part, c.got, c.want)
			}
		}
		sum := got.Input + got.CachedInput + got.CacheWrite + got.Output
		if cost := p.Cost(tt.u); math.Abs(sum-cost) > 1e-12 {
			t.Errorf("%s: parts add up to %.15g, Cost is %.15g", tt.name, sum, cost)
		}
	}
}
