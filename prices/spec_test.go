package prices

import (
	"errors"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	c := Default()
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name            string
		spec            Spec
		prov, model     string
		in, cached, out float64
		source          string
		hourly          float64
	}{
		{"catalogue by the target's names", Spec{}, "openai", "gpt-4o-2024-08-06", 2.5, 1.25, 10, "genai-prices", 0},
		{"catalogue entry named by the spec", Spec{Provider: "together_ai", Model: "Mixtral 8x7B"}, "vllm", "mixtral", 0.6, 0.6, 0.6, "LiteLLM", 0},
		{"explicit prices win", Spec{InputPer1M: f(1), OutputPer1M: f(3), Source: "targets.yaml"}, "openai", "gpt-4o", 1, 1, 3, "targets.yaml", 0},
		{"one explicit price over the catalogue", Spec{CachedInputPer1M: f(0.5)}, "openai", "gpt-4o", 2.5, 0.5, 10, "target price override; otherwise pydantic", 0},
		{"explicit prices for a model the catalogue lacks", Spec{InputPer1M: f(0.2), OutputPer1M: f(0.2)}, "vllm", "my-finetune", 0.2, 0.2, 0.2, "target price override", 0},
		{"GPUs from the catalogue", Spec{GPUs: &GPUSpec{Type: "H100", Count: 2, Offer: "aws-on-demand"}}, "vllm", "x", 0, 0, 0, "instances.vantage.sh", 13.76},
		{"GPUs at an explicit rate", Spec{GPUs: &GPUSpec{Type: "L40S", Count: 4}, USDPerGPUHour: f(1.5)}, "vllm", "x", 0, 0, 0, "target price override", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := c.Resolve(tt.spec, tt.prov, tt.model)
			if err != nil {
				t.Fatal(err)
			}
			if tt.hourly > 0 {
				if r.Token != nil || r.GPU == nil || r.HourlyUSD != tt.hourly || !strings.Contains(r.GPU.Source, tt.source) {
					t.Errorf("got %+v (GPU %+v), want $%v/h from %q", r, r.GPU, tt.hourly, tt.source)
				}
				return
			}
			p := r.Token
			if p == nil || p.InputPer1M != tt.in || p.CachedInput() != tt.cached || p.OutputPer1M != tt.out || !strings.Contains(p.Source, tt.source) {
				t.Errorf("got %+v, want %v/%v/%v from %q", p, tt.in, tt.cached, tt.out, tt.source)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	c := Default()
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		spec Spec
		want string
		is   error
	}{
		{Spec{}, "no price in the catalogue", ErrNotFound},
		{Spec{InputPer1M: f(1)}, "give both input_per_1m and output_per_1m", ErrNotFound},
		{Spec{GPUs: &GPUSpec{Type: "H100"}}, "count > 0", nil},
		{Spec{GPUs: &GPUSpec{Type: "H100", Count: 1}, InputPer1M: f(1)}, "not both", nil},
		{Spec{USDPerGPUHour: f(2)}, "needs gpus", nil},
		{Spec{GPUs: &GPUSpec{Type: "H100", Count: 1, Offer: "nowhere"}}, "offers:", ErrNotFound},
		{Spec{InputPer1M: f(-1), OutputPer1M: f(1)}, "not a price", nil},
	}
	for _, tt := range tests {
		_, err := c.Resolve(tt.spec, "vllm", "unpriced-model")
		if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
			t.Errorf("Resolve(%+v) = %v, want %q", tt.spec, err, tt.want)
		}
	}
}
