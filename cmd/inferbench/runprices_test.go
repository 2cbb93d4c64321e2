package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/sim"
)

// runPriced runs 3 small requests against a simulator serving model and
// returns the manifest, the rows and stderr.
func runPriced(t *testing.T, model string, extra ...string) (*results.Manifest, []results.Record, string, int) {
	t.Helper()
	srv, url, err := serveSim(sim.Config{Exact: true, TTFT: time.Millisecond, ITL: time.Millisecond, Model: model})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	wl := writeWorkload(t, 3, 8)
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	args := append([]string{"run", "--base-url", url, "--model", model, "--workload", wl,
		"--concurrency", "1", "--requests", "3", "--out", out, "--run-id", "p"}, extra...)
	code := dispatch(t.Context(), e, args)
	if code != exitOK {
		return nil, nil, stderr.String(), code
	}
	dir := filepath.Join(out, "p")
	m, err := results.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := results.ReadRequests(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m, recs, stderr.String(), code
}

func TestRunPricesFromCatalogue(t *testing.T) {
	m, recs, stderr, code := runPriced(t, "gpt-4o-mini-2024-07-18", "--provider", "openai", "--kind", "api", "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	p := m.Prices
	if p == nil || p.InputPer1M != 0.15 || p.CachedInputPer1M != 0.075 || p.OutputPer1M != 0.6 ||
		p.Provider != "openai" || p.Model != "gpt-4o-mini" || p.CheckedAt != "2025-07-04" || !strings.Contains(p.Source, "genai-prices") {
		t.Fatalf("manifest prices = %+v", p)
	}
	for _, r := range recs {
		// (uncached*0.15 + cached*0.075 + output*0.6) / 1e6
		want := (float64(r.InputTokens-r.CachedInputTokens)*0.15 + float64(r.CachedInputTokens)*0.075 + float64(r.OutputTokens)*0.6) / 1e6
		if r.OutputTokens != 8 || math.Abs(r.CostUSD-want) > 1e-15 || r.CostUSD == 0 {
			t.Errorf("row %d: %d in %d out cost %g, want %g", r.RequestIndex, r.InputTokens, r.OutputTokens, r.CostUSD, want)
		}
	}
}

func TestRunPricesExplicitWin(t *testing.T) {
	m, recs, stderr, code := runPriced(t, "gpt-4o-mini", "--provider", "openai", "--kind", "api", "--quiet",
		"--price-in", "1", "--price-out", "2")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if p := m.Prices; p.InputPer1M != 1 || p.OutputPer1M != 2 || p.Source != "command line" || p.Provider != "" {
		t.Errorf("manifest prices = %+v, want the command line's", p)
	}
	r := recs[0]
	if want := (float64(r.InputTokens)*1 + float64(r.OutputTokens)*2) / 1e6; math.Abs(r.CostUSD-want) > 1e-15 {
		t.Errorf("cost %g, want %g", r.CostUSD, want)
	}
}

func TestRunPricesOverridesFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(f, []byte(`{"tokens": [{"provider": "openai", "model": "gpt-4o-mini", "input_per_1m": 3, "output_per_1m": 5, "checked_at": "2026-11-20", "source": "contract"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	m, recs, stderr, code := runPriced(t, "gpt-4o-mini", "--provider", "openai", "--kind", "api", "--quiet", "--prices", f)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if p := m.Prices; p.InputPer1M != 3 || p.OutputPer1M != 5 || p.Source != "contract" || p.CheckedAt != "2026-11-20" {
		t.Errorf("manifest prices = %+v, want the overrides file's", p)
	}
	r := recs[0]
	if want := (float64(r.InputTokens)*3 + float64(r.OutputTokens)*5) / 1e6; math.Abs(r.CostUSD-want) > 1e-15 {
		t.Errorf("cost %g, want %g", r.CostUSD, want)
	}
}

func TestRunPricesGPUs(t *testing.T) {
	m, recs, stderr, code := runPriced(t, "sim", "--gpus", "H100:2:aws-on-demand", "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	p := m.Prices
	if p == nil || p.GPUType != "H100-SXM-80GB" || p.GPUCount != 2 || p.GPUOffer != "aws-on-demand" ||
		p.USDPerGPUHour != 6.88 || p.GPUHourly != 13.76 || p.CheckedAt == "" || p.InputPer1M != 0 {
		t.Fatalf("manifest prices = %+v", p)
	}
	if recs[0].CostUSD != 0 {
		t.Errorf("per-request cost %g for GPU-hour pricing, want 0", recs[0].CostUSD)
	}
	// An explicit total wins and is recorded with the GPUs it pays for.
	m, _, stderr, code = runPriced(t, "sim", "--gpus", "A100-80GB:4", "--gpu-hourly", "8", "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if p := m.Prices; p.GPUHourly != 8 || p.GPUCount != 4 || p.USDPerGPUHour != 2 || p.GPUType != "A100-SXM-80GB" || p.Source != "command line" {
		t.Errorf("manifest prices = %+v", p)
	}
}

func TestRunPricesErrorsAndNotes(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--price-provider", "opneai"}, exitUsage, `--price-provider "opneai": prices: no price in the catalogue: unknown provider "opneai"; near matches: openai`},
		{[]string{"--gpus", "H100:2"}, exitUsage, "no offer given; offers: "},
		{[]string{"--gpus", "H100:2:aws-spot"}, exitUsage, "aws-on-demand ($6.88/GPU-h)"},
		{[]string{"--gpus", "H100"}, exitUsage, "TYPE:COUNT[:OFFER]"},
		{[]string{"--gpus", "H100:2:aws", "--price-in", "1"}, exitUsage, "not both"},
		{[]string{"--prices", "/no/such.json"}, exitUsage, "price overrides"},
		// A miss without --price-provider is a note, not an error.
		{[]string{"--provider", "openai", "--kind", "api"}, exitOK, "note: prices: no price in the catalogue for model \"sim\" at openai"},
	}
	for _, tt := range tests {
		_, _, stderr, code := runPriced(t, "sim", tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}

// TestRunPricesTargetsFileModel: a targets file's price names a catalogue
// entry by provider and model, and a run against a simulator serving
// another model is priced at that entry (before, only the provider
// reached the run and the simulator's model was looked up).
func TestRunPricesTargetsFileModel(t *testing.T) {
	srv, url, err := serveSim(sim.Config{Exact: true, TTFT: time.Millisecond, ITL: time.Millisecond, Model: "sim"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	file := filepath.Join(t.TempDir(), "targets.yaml")
	os.WriteFile(file, []byte("targets:\n  - name: sonnet-sim\n    base_url: "+url+"\n    model: sim\n"+
		"    price: {provider: anthropic, model: claude-sonnet-4-5}\n"), 0o644)
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	code := dispatch(t.Context(), e, []string{"run", "--targets", file, "--workload", writeWorkload(t, 3, 8),
		"--concurrency", "1", "--requests", "3", "--out", out, "--run-id", "s", "--quiet"})
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m, err := results.ReadManifest(filepath.Join(out, "s"))
	if err != nil {
		t.Fatal(err)
	}
	p := m.Prices
	if p == nil || p.Provider != "anthropic" || p.Model != "claude-sonnet-4-5" || p.InputPer1M != 3 || p.CachedInputPer1M != 0.3 ||
		p.CacheWritePer1M != 3.75 || p.OutputPer1M != 15 || p.LongContext == nil || p.LongContext.AboveInputTokens != 200000 || p.CheckedAt == "" {
		t.Fatalf("manifest prices = %+v", p)
	}
	recs, err := results.ReadRequests(filepath.Join(out, "s"))
	if err != nil || len(recs) != 3 {
		t.Fatalf("%d rows, %v", len(recs), err)
	}
	for _, r := range recs {
		// (uncached·3 + cached·0.30 + output·15) / 1e6, far below the 200k-token tier
		want := (float64(r.InputTokens-r.CachedInputTokens)*3 + float64(r.CachedInputTokens)*0.3 + float64(r.OutputTokens)*15) / 1e6
		if r.OutputTokens != 8 || r.InputTokens == 0 || math.Abs(r.CostUSD-want) > 1e-15 {
			t.Errorf("row %d: %d in %d out cost %g, want %g", r.RequestIndex, r.InputTokens, r.OutputTokens, r.CostUSD, want)
		}
	}
}
