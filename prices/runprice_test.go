package prices

import (
	"errors"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/results"
)

func TestForRun(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	sonnet := results.Prices{InputPer1M: 3, CachedInputPer1M: 0.3, CacheWritePer1M: 3.75, OutputPer1M: 15,
		LongContext: &results.PriceTier{AboveInputTokens: 200000, InputPer1M: 6, CachedInputPer1M: 0.6, CacheWritePer1M: 7.5, OutputPer1M: 22.5},
		Provider:    "anthropic", Model: "claude-sonnet-4-5", CheckedAt: "2026-07-29"}
	tests := []struct {
		name string
		q    RunQuery
		want *results.Prices // Source and SourceURL are not compared
		err  string          // substring; "" = no error
	}{
		{"explicit per token", RunQuery{Explicit: results.Prices{InputPer1M: 1, OutputPer1M: 2}, Kind: "api", TargetProvider: "openai", TargetModel: "gpt-4o-mini"},
			&results.Prices{InputPer1M: 1, OutputPer1M: 2}, ""},
		{"catalogue by the target's provider and model", RunQuery{Kind: "api", TargetProvider: "openai", TargetModel: "gpt-4o-mini-2024-07-18"},
			&results.Prices{InputPer1M: 0.15, CachedInputPer1M: 0.075, OutputPer1M: 0.6, Provider: "openai", Model: "gpt-4o-mini", CheckedAt: "2025-07-04"}, ""},
		// The bug: a targets file's price.model reached nothing.
		{"target spec names provider and model", RunQuery{Target: &Spec{Provider: "anthropic", Model: "claude-sonnet-4-5"}, Kind: "self-hosted", TargetProvider: "vllm", TargetModel: "sim"},
			&sonnet, ""},
		{"flag provider wins over the spec's", RunQuery{Provider: "anthropic", Target: &Spec{Provider: "openai", Model: "claude-sonnet-4-5"}, TargetModel: "sim"},
			&sonnet, ""},
		{"target spec's own prices, cache write kept", RunQuery{Target: &Spec{InputPer1M: f(3), CachedInputPer1M: f(0.3), CacheWritePer1M: f(3.75), OutputPer1M: f(15), CheckedAt: "2026-01-01"}, Kind: "api", TargetProvider: "x", TargetModel: "m"},
			&results.Prices{InputPer1M: 3, CachedInputPer1M: 0.3, CacheWritePer1M: 3.75, OutputPer1M: 15, CheckedAt: "2026-01-01"}, ""},
		{"explicit prices win over the spec's", RunQuery{Explicit: results.Prices{InputPer1M: 1, OutputPer1M: 2}, Target: &Spec{InputPer1M: f(3), OutputPer1M: f(15)}},
			&results.Prices{InputPer1M: 1, OutputPer1M: 2}, ""},
		{"GPUs from the catalogue", RunQuery{GPUs: &GPUSpec{Type: "H100", Count: 2, Offer: "aws-on-demand"}, Kind: "self-hosted"},
			&results.Prices{GPUHourly: 13.76, GPUType: "H100-SXM-80GB", GPUCount: 2, GPUOffer: "aws-on-demand", USDPerGPUHour: 6.88, CheckedAt: "2026-01-21"}, ""},
		{"spec GPUs at an explicit hourly total", RunQuery{Explicit: results.Prices{GPUHourly: 8}, Target: &Spec{GPUs: &GPUSpec{Type: "A100-80GB", Count: 4}}},
			&results.Prices{GPUHourly: 8, GPUType: "A100-SXM-80GB", GPUCount: 4, USDPerGPUHour: 2}, ""},
		{"hourly total without GPUs, as given", RunQuery{Explicit: results.Prices{GPUHourly: 5, Source: "mine"}, Kind: "self-hosted"},
			&results.Prices{GPUHourly: 5}, ""},
		{"self-hosted without a price", RunQuery{Kind: "self-hosted", TargetProvider: "vllm", TargetModel: "sim"}, nil, ""},
		{"per token and hourly", RunQuery{Explicit: results.Prices{InputPer1M: 1, GPUHourly: 2}}, nil, "not both"},
		{"GPUs and per-token prices", RunQuery{Explicit: results.Prices{InputPer1M: 1}, GPUs: &GPUSpec{Type: "H100", Count: 2, Offer: "aws"}}, nil, "not both"},
		{"named provider misses", RunQuery{Provider: "opneai", Kind: "api", TargetModel: "sim"}, nil, `unknown provider "opneai"`},
		{"named model misses", RunQuery{Target: &Spec{Provider: "anthropic", Model: "claude-nope"}, TargetModel: "sim"}, nil, "no price in the catalogue"},
		{"hourly price without GPUs in a spec", RunQuery{Target: &Spec{USDPerGPUHour: f(2)}, Kind: "self-hosted"}, nil, "needs gpus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Default().ForRun(tt.q)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || errors.Is(err, ErrUnpriced) {
					t.Fatalf("err %v, want a hard error with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tt.want == nil) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if got == nil {
				return
			}
			if got.Source == "" {
				t.Errorf("snapshot without a source: %+v", got)
			}
			g := *got
			g.Source, g.SourceURL = "", ""
			if g.LongContext != nil && tt.want.LongContext != nil && *g.LongContext == *tt.want.LongContext {
				g.LongContext = tt.want.LongContext
			}
			if g != *tt.want {
				t.Errorf("snapshot\n got %+v\nwant %+v", g, *tt.want)
			}
		})
	}
}

func TestForRunSources(t *testing.T) {
	p, _ := Default().ForRun(RunQuery{Explicit: results.Prices{InputPer1M: 1, OutputPer1M: 2}})
	if p.Source != "command line" {
		t.Errorf("explicit source %q", p.Source)
	}
	p, _ = Default().ForRun(RunQuery{Explicit: results.Prices{InputPer1M: 1, OutputPer1M: 2, Source: "list price", CheckedAt: "2025-01-01"}})
	if p.Source != "list price" || p.CheckedAt != "2025-01-01" {
		t.Errorf("cited source %q %q", p.Source, p.CheckedAt)
	}
	f := 2.5
	p, _ = Default().ForRun(RunQuery{Target: &Spec{USDPerGPUHour: &f, GPUs: &GPUSpec{Type: "H100-SXM-80GB", Count: 2}}})
	if p.Source != "targets file" || p.GPUHourly != 5 {
		t.Errorf("spec source %q, hourly %v", p.Source, p.GPUHourly)
	}
}

// TestForRunUnpriced: a miss nothing asked for is a note, not an error.
func TestForRunUnpriced(t *testing.T) {
	// A per-token target without a provider is unpriced too, so the run
	// says so (issue 16: the note came only with a provider); a
	// self-hosted one without GPU prices is not (TestForRun).
	for _, kind := range []string{"api", "managed", ""} {
		p, err := Default().ForRun(RunQuery{Kind: kind, TargetModel: "m"})
		if p != nil || !errors.Is(err, ErrUnpriced) || !strings.Contains(err.Error(), "names no provider") {
			t.Errorf("kind %q without a provider: %+v, %v; want an ErrUnpriced note", kind, p, err)
		}
	}
	p, err := Default().ForRun(RunQuery{Kind: "api", TargetProvider: "openai", TargetModel: "sim"})
	if p != nil || !errors.Is(err, ErrUnpriced) || !errors.Is(err, ErrNotFound) ||
		err.Error() != `prices: no price in the catalogue for model "sim" at openai` && !strings.HasPrefix(err.Error(), `prices: no price in the catalogue for model "sim" at openai`) {
		t.Errorf("%+v, %v", p, err)
	}
}
