package sim

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPresets(t *testing.T) {
	names := PresetNames()
	if !slices.Equal(names, []string{"api", "managed", "self-hosted", "exact"}) {
		t.Errorf("PresetNames() = %v", names)
	}
	wantMode := map[string]string{"api": ModeEngine, "managed": ModeEngine, "self-hosted": ModeEngine, "exact": ModeExact}
	for _, n := range names {
		c, err := Preset(n)
		if err != nil {
			t.Fatalf("Preset(%q): %v", n, err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("preset %s invalid: %v", n, err)
		}
		if c.Mode() != wantMode[n] {
			t.Errorf("preset %s: mode %s, want %s", n, c.Mode(), wantMode[n])
		}
		if PresetDoc(n) == "" {
			t.Errorf("preset %s has no doc", n)
		}
		if s, err := New(c); err != nil {
			t.Errorf("New(preset %s): %v", n, err)
		} else {
			s.Close()
		}
	}
	_, err := Preset("gpu")
	if err == nil {
		t.Fatal("unknown preset accepted")
	}
	for _, n := range names {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("error %q does not list %s", err, n)
		}
	}
}

func TestPresetShapes(t *testing.T) {
	// The numbers the presets promise, checked with the pure step model.
	api, _ := Preset("api")
	managed, _ := Preset("managed")
	self, _ := Preset("self-hosted")
	for _, tc := range []struct {
		name           string
		c              Config
		minTPS, maxTPS float64 // one stream's decode rate
	}{
		{"api", api, 60, 80},
		{"managed", managed, 150, 250},
		{"self-hosted", self, 75, 85}, // 12.4ms at batch 1
	} {
		tps := float64(time.Second) / float64(tc.c.stepDuration(step{size: 1}))
		if tps < tc.minTPS || tps > tc.maxTPS {
			t.Errorf("%s: %.0f tok/s per stream, want %v-%v", tc.name, tps, tc.minTPS, tc.maxTPS)
		}
	}
	lo, hi := api.NetworkLatency-api.NetworkJitter, api.NetworkLatency+api.NetworkJitter
	if lo < 200*time.Millisecond || hi > 400*time.Millisecond {
		t.Errorf("api network %v-%v", lo, hi)
	}
	if self.NetworkLatency != 0 || self.MaxBatch != 32 || self.stepDuration(step{size: 32}) != 24800*time.Microsecond {
		t.Errorf("self-hosted: %+v", self)
	}
	if pf := float64(time.Second) / float64(self.PrefillPerToken); math.Abs(pf-10000) > 1 {
		t.Errorf("self-hosted prefill %.0f tok/s, want 10000", pf)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Config
		want []string // substrings of the joined error; none: valid
	}{
		{"zero", Config{}, nil},
		{"exact by TTFT", Config{TTFT: time.Millisecond, ITL: time.Millisecond}, nil},
		{"engine", Config{DecodeStep: time.Millisecond, MaxBatch: 4}, nil},
		{"negatives", Config{TTFT: -1, ITL: -1, TokensPerChunk: -1},
			[]string{"TTFT must not be negative", "ITL must not be negative", "TokensPerChunk must not be negative"}},
		{"rates", Config{Faults: Faults{ErrorRate: 1.5, StallRate: -0.1, MalformedRate: math.NaN()}},
			[]string{"ErrorRate must be in [0,1]", "StallRate must be in [0,1]", "MalformedRate must be in [0,1]"}},
		{"error plus 429 over 1", Config{Faults: Faults{ErrorRate: 0.6, RateLimitRate: 0.6}}, []string{"must not exceed 1"}},
		{"exact with engine fields", Config{Exact: true, DecodeStep: time.Millisecond}, []string{"pick one mode"}},
		{"ttft with engine fields", Config{TTFT: time.Millisecond, DecodeStep: time.Millisecond}, []string{"only apply in exact mode"}},
		{"engine without step time", Config{MaxBatch: 4}, []string{"would spin"}},
		{"kv below default max tokens", Config{DecodeStep: time.Millisecond, KVCapacityTokens: 100}, []string{"DefaultMaxTokens (256) must be below"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if _, err := New(tc.c); err == nil {
				t.Error("New accepted an invalid config")
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	c, _ := Preset("self-hosted")
	c.Faults.RateLimitRate = 0.1
	d := c.Describe()
	for k, want := range map[string]any{
		"simulated": true, "mode": ModeEngine, "model": "sim", "decode_step_ms": 12.0,
		"decode_step_per_seq_ms": 0.4, "max_batch": 32, "kv_capacity_tokens": 16384, "default_max_tokens": 256,
	} {
		if d[k] != want {
			t.Errorf("%s = %v (%T), want %v", k, d[k], d[k], want)
		}
	}
	if f := d["faults"].(map[string]any); f["rate_limit_rate"] != 0.1 || f["retry_after_ms"] != 1000.0 {
		t.Errorf("faults %v", f)
	}
	e, _ := Preset("exact")
	if d := e.Describe(); d["ttft_ms"] != 50.0 || d["itl_ms"] != 10.0 || d["mode"] != ModeExact {
		t.Errorf("exact: %v", d)
	}
}
