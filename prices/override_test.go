package prices

import (
	"strings"
	"testing"
)

func TestOverridesReplaceAndAdd(t *testing.T) {
	body := `{
  "tokens": [
    {"provider": "openai", "model": "gpt-4o", "input_per_1m": 2.0, "output_per_1m": 8.0,
     "checked_at": "2026-11-01", "source": "our contract"},
    {"provider": "together_ai", "model": "Mixtral 8x7B", "input_per_1m": 0.5, "output_per_1m": 0.5},
    {"provider": "acme", "model": "acme-1", "input_per_1m": 1, "output_per_1m": 2,
     "long_context": {"above_input_tokens": 100000, "input_per_1m": 2, "output_per_1m": 4}}
  ],
  "gpus": [
    {"gpu": "H100", "offer": "on-prem", "usd_per_gpu_hour": 1.85},
    {"gpu": "H100-SXM-80GB", "offer": "aws-on-demand", "usd_per_gpu_hour": 5.0, "source": "EDP discount"}
  ]
}`
	o, err := ReadOverrides(strings.NewReader(body), "p.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := o.Apply(Default())
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Lookup("openai", "gpt-4o-2024-08-06") // alias kept from the replaced entry
	if err != nil || p.InputPer1M != 2 || p.Source != "our contract" || p.CachedInputPer1M != nil {
		t.Errorf("replaced gpt-4o = %+v, %v", p, err)
	}
	p, err = c.Lookup("together", "mistralai/Mixtral-8x7B-Instruct-v0.1") // replaced through its alias
	if err != nil || p.InputPer1M != 0.5 || p.Source != "overrides file p.json" {
		t.Errorf("replaced by alias = %+v, %v", p, err)
	}
	p, err = c.Lookup("acme", "acme-1")
	if err != nil || p.Cost(Usage{Input: 100001, Output: 1}) != (100001*2.0+4)/1e6 {
		t.Errorf("added acme-1 = %+v, %v", p, err)
	}
	g, err := c.GPU("H100", "on-prem")
	if err != nil || g.USDPerGPUHour != 1.85 || g.Provider != "on" {
		t.Errorf("added GPU = %+v, %v", g, err)
	}
	g, err = c.GPU("H100", "aws") // the replaced offer keeps its alias
	if err != nil || g.USDPerGPUHour != 5 {
		t.Errorf("replaced GPU = %+v, %v", g, err)
	}
	// The default catalogue is untouched.
	if p, _ := Default().Lookup("openai", "gpt-4o"); p.InputPer1M != 2.5 {
		t.Errorf("Default changed: %v", p.InputPer1M)
	}
	if n := len(c.Tokens()); n != len(Default().Tokens())+1 {
		t.Errorf("%d tokens after 2 replacements and 1 addition, want %d", n, len(Default().Tokens())+1)
	}
}

func TestOverridesErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"syntax", "{\n  \"tokens\": [\n    {\"provider\": \"x\",,}\n  ]\n}", "p.json:3: invalid character"},
		{"unknown field", "{\n  \"tokens\": [{\"provider\": \"x\", \"model\": \"m\", \"price_in\": 1}]\n}", "unknown field \"price_in\""},
		{"type", "{\"tokens\": [\n{\"provider\": \"x\", \"model\": \"m\", \"input_per_1m\": \"1\"}]}", "p.json:2: json: cannot unmarshal string"},
		{"negative price on its line", "{\n  \"tokens\": [\n    {\"provider\": \"a\", \"model\": \"m\", \"input_per_1m\": 1, \"output_per_1m\": 1},\n    {\"provider\": \"b\", \"model\": \"n\",\n     \"input_per_1m\": 1, \"output_per_1m\": -1}\n  ]\n}",
			"p.json:4: tokens[1] (b/n): output price -1"},
		{"no model", "{\"tokens\": [{\"provider\": \"a\", \"input_per_1m\": 1, \"output_per_1m\": 1}]}", "p.json:1: tokens[0] (a/): provider and model are required"},
		{"gpu without price", "{\"gpus\": [\n\n {\"gpu\": \"H100\", \"offer\": \"x\"}]}", "p.json:3: gpus[0] (H100/x): usd_per_gpu_hour 0"},
		{"trailing data", "{} {}", "p.json:1: data after"},
	}
	for _, tt := range tests {
		_, err := ReadOverrides(strings.NewReader(tt.body), "p.json")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func FuzzReadOverrides(f *testing.F) {
	f.Add(`{"tokens": [{"provider": "a", "model": "m", "input_per_1m": 1, "output_per_1m": 2}]}`)
	f.Add(`{"gpus": [{"gpu": "H100", "offer": "x", "usd_per_gpu_hour": 2}]}`)
	f.Add(`{"tokens": [{"provider": "a", "model": "m", "input_per_1m": 1, "output_per_1m": 2, "long_context": {"above_input_tokens": 5}}]}`)
	f.Add(`[1, 2`)
	f.Fuzz(func(t *testing.T, body string) {
		o, err := ReadOverrides(strings.NewReader(body), "f.json")
		if err != nil {
			return
		}
		if _, err := New(o.Tokens, o.GPUs); err != nil && !strings.Contains(err.Error(), "twice") {
			t.Fatalf("validated overrides do not build a catalogue: %v", err)
		}
	})
}
