package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runPrices(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	code, stdout, stderr = runCLI(t, append([]string{"prices"}, args...)...)
	return stdout, stderr, code
}

func TestPricesGolden(t *testing.T) {
	overrides := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(overrides, []byte(`{"tokens": [{"provider": "openai", "model": "gpt-4o", "input_per_1m": 2, "output_per_1m": 8, "checked_at": "2026-11-01", "source": "our contract"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"provider", []string{"--provider", "google", "gemini-2.5"}},
		{"tier", []string{"claude", "sonnet", "4", "--provider", "anthropic"}},
		{"snapshot", []string{"claude-sonnet-4-20250514", "--provider", "anthropic"}},
		{"alias-provider", []string{"--provider", "fireworks_ai", "llama-v3p1"}},
		{"gpus", []string{"--gpus", "L40S"}},
		{"gpus-provider", []string{"--gpus", "--provider", "aws"}},
		{"json", []string{"gemini-1.5-flash", "--provider", "google", "--format", "json"}},
		{"overrides", []string{"gpt-4o", "--provider", "openai", "--prices", overrides}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runPrices(t, tt.args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			goldenFile(t, filepath.Join("testdata", "prices", tt.name+".golden"), out)
		})
	}
}

func TestPricesJSONParses(t *testing.T) {
	out, _, code := runPrices(t, "--gpus", "H100", "--format", "json")
	if code != exitOK {
		t.Fatal(code)
	}
	var gs []struct {
		GPU   string  `json:"gpu"`
		Offer string  `json:"offer"`
		USD   float64 `json:"usd_per_gpu_hour"`
		Day   string  `json:"checked_at"`
	}
	if err := json.Unmarshal([]byte(out), &gs); err != nil || len(gs) == 0 {
		t.Fatalf("%v: %s", err, out)
	}
	for _, g := range gs {
		if !strings.HasPrefix(g.GPU, "H100") || g.USD <= 0 || g.Day == "" {
			t.Errorf("entry %+v", g)
		}
	}
}

func TestPricesErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"gpt-5x", "--provider", "openai"}, exitFailed, "inferbench prices: no price in the catalogue for model \"gpt-5x\" at openai; near matches: gpt-5"},
		{[]string{"no-such-thing-anywhere"}, exitFailed, "no price in the catalogue"},
		{[]string{"--gpus", "TPU"}, exitFailed, "no prices match \"TPU\""},
		{[]string{"--format", "yaml"}, exitUsage, "--format \"yaml\""},
		{[]string{"--prices", "/no/such/file.json"}, exitUsage, "price overrides"},
	}
	for _, tt := range tests {
		_, errOut, code := runPrices(t, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("prices %v: exit %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.code, tt.want)
		}
	}
	if out, _, code := runPrices(t, "-h"); code != exitOK || out != "" {
		t.Errorf("-h: exit %d", code)
	}
}
