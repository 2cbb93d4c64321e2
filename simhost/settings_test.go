package simhost

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/targets/sim"
)

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name   string
		preset string
		flags  sim.Config
		set    []string
		want   func(sim.Config) bool
		label  string
	}{
		{"preset only", "api", sim.Config{}, nil, func(c sim.Config) bool { return c.DecodeStep == 14*time.Millisecond }, "api"},
		{"override on preset", "self-hosted", sim.Config{MaxBatch: 8, Seed: 3}, []string{"max-batch", "seed"},
			func(c sim.Config) bool { return c.MaxBatch == 8 && c.Seed == 3 && c.KVCapacityTokens == 16384 }, "self-hosted"},
		{"exact from flags", "", sim.Config{TTFT: time.Second}, []string{"ttft"},
			func(c sim.Config) bool { return c.Mode() == sim.ModeExact && c.TTFT == time.Second }, "custom"},
		{"engine from flags", "", sim.Config{DecodeStep: time.Millisecond}, []string{"decode-step"},
			func(c sim.Config) bool { return c.Mode() == sim.ModeEngine && c.MaxBatch == 0 }, "custom"},
		{"chunked prefill on a custom engine", "", sim.Config{DecodeStep: time.Millisecond, MaxBatchedTokens: 512}, []string{"decode-step", "max-batched-tokens"},
			func(c sim.Config) bool { return c.MaxBatchedTokens == 512 }, "custom"},
		{"zero-valued flag still applies", "self-hosted", sim.Config{}, []string{"kv-capacity"},
			func(c sim.Config) bool { return c.KVCapacityTokens == 0 }, "self-hosted"},
		{"role chunk on a preset", "api", sim.Config{RoleChunk: sim.RoleChunkWithFirstToken}, []string{"role-chunk"},
			func(c sim.Config) bool { return c.RoleChunk == sim.RoleChunkWithFirstToken }, "api"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := map[string]bool{}
			for _, s := range tc.set {
				set[s] = true
			}
			c, label, err := Config(tc.preset, tc.flags, set)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want(c) || label != tc.label {
				t.Errorf("config %+v label %q", c, label)
			}
		})
	}
}

func TestConfigExactAndEngineExclude(t *testing.T) {
	_, _, err := Config("", sim.Config{TTFT: time.Millisecond, DecodeStep: time.Millisecond}, map[string]bool{"ttft": true, "decode-step": true})
	if err == nil || !strings.Contains(err.Error(), "exact mode") {
		t.Errorf("err = %v", err)
	}
}

// TestSettingsCoverConfig checks that every setting reads a distinct field
// of sim.Config, by type, and that each is found by its flag name and by
// its suite key.
func TestSettingsCoverConfig(t *testing.T) {
	var c sim.Config
	seen := map[uintptr]string{}
	for _, s := range Settings {
		f := s.Field(&c)
		v := reflect.ValueOf(f)
		switch f.(type) {
		case *string, *int, *int64, *float64, *time.Duration:
		default:
			t.Errorf("%s: field of type %T", s.Name, f)
		}
		if prev, dup := seen[v.Pointer()]; dup {
			t.Errorf("%s and %s read the same field", s.Name, prev)
		}
		seen[v.Pointer()] = s.Name
		if got, ok := Lookup(s.Key()); !ok || got.Name != s.Name {
			t.Errorf("Lookup(%q) = %v, %v", s.Key(), got.Name, ok)
		}
	}
}
