package main

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/sim"
	"github.com/inferbench/inferbench/workloads"
)

// numpyLinear is numpy's default percentile (np.percentile, method
// "linear"), written here from its definition rather than taken from the
// reports package: over the values sorted ascending, h = (n-1) * p/100,
// and the result interpolates between the values at floor(h) and ceil(h).
func numpyLinear(values []float64, p float64) float64 {
	x := slices.Sorted(slices.Values(values))
	h := float64(len(x)-1) * p / 100
	lo, hi := math.Floor(h), math.Ceil(h)
	return x[int(lo)] + (h-lo)*(x[int(hi)]-x[int(lo)])
}

// numpyStd is np.std with its default ddof=0: sqrt(mean((x - mean)^2)).
func numpyStd(values []float64) float64 {
	var sum float64
	for _, v := range values {
		sum += v
	}
	mean := sum / float64(len(values))
	var sq float64
	for _, v := range values {
		sq += (v - mean) * (v - mean)
	}
	return math.Sqrt(sq / float64(len(values)))
}

// TestReportLinearPercentilesMatchNumpy runs the simulator (answers of
// 2 to 12 tokens, some 500s, two warm-up requests), reports the run with
// --percentiles linear as JSON, and recomputes from the Parquet rows, the
// way vLLM's benchmark does with numpy, TTFT, TPOT, ITL and E2E p50 and
// p99 and their std, and total_tokens_per_s: each must be the report's.
// The simulator sends one token per chunk and no per-chunk usage, so the
// per-token ITL values are the chunk gaps themselves.
func TestReportLinearPercentilesMatchNumpy(t *testing.T) {
	srv, url, err := serveSim(sim.Config{Exact: true, TTFT: 2 * time.Millisecond, ITL: 300 * time.Microsecond,
		NetworkJitter: time.Millisecond, Model: "sim", Seed: 11, Faults: sim.Faults{ErrorRate: 0.2}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	reqs := make([]workloads.Request, 40)
	for i := range reqs {
		reqs[i] = workloads.Request{ID: fmt.Sprint("r", i), Prompt: "Say something.", MaxTokens: 2 + i%11}
	}
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"run", "--base-url", url, "--model", "sim", "--workload", writeWorkloadFile(t, reqs),
		"--concurrency", "4", "--requests", "40", "--warmup", "2", "--out", out, "--run-id", "lin", "--quiet"}); code != exitOK {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	dir := filepath.Join(out, "lin")
	e, stdout, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"report", dir, "--percentiles", "linear", "--format", "json"}); code != exitOK {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	type dist struct{ P50, P99, Std float64 }
	var rep struct {
		Runs []struct {
			Method string  `json:"percentile_method"`
			Total  float64 `json:"total_tokens_per_s"`
			TTFT   dist    `json:"ttft_ms"`
			TPOT   dist    `json:"tpot_ms"`
			ITL    dist    `json:"itl_ms"`
			E2E    dist    `json:"e2e_ms"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &rep); err != nil || len(rep.Runs) != 1 {
		t.Fatalf("report JSON: %v\n%s", err, stdout)
	}
	got := rep.Runs[0]
	if got.Method != "linear" {
		t.Errorf("percentile_method %q", got.Method)
	}

	recs, err := results.ReadRequests(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ttft, tpot, itl, e2e []float64
	var tokens, firstSent, lastDone int64
	ok := 0
	for _, r := range recs {
		if r.Warmup {
			continue
		}
		if firstSent == 0 || r.SentNs < firstSent {
			firstSent = r.SentNs
		}
		lastDone = max(lastDone, r.DoneNs)
		if r.Status != results.StatusOK {
			continue
		}
		ok++
		tokens += r.InputTokens + r.OutputTokens
		ttft = append(ttft, float64(r.TTFTNs))
		e2e = append(e2e, float64(r.E2ENs))
		if r.TPOTNs != 0 {
			tpot = append(tpot, float64(r.TPOTNs))
		}
		if len(r.ChunkTokens) != 0 {
			t.Fatalf("row %d has per-chunk tokens: ITL would not be the chunk gaps", r.RequestIndex)
		}
		for _, g := range r.ChunkGapsNs {
			itl = append(itl, float64(g))
		}
	}
	if ok == len(recs)-2 || ok < 20 {
		t.Fatalf("%d ok of %d rows: want some failures and enough ok rows", ok, len(recs))
	}
	for _, c := range []struct {
		name   string
		values []float64
		got    dist
	}{{"ttft", ttft, got.TTFT}, {"tpot", tpot, got.TPOT}, {"itl", itl, got.ITL}, {"e2e", e2e, got.E2E}} {
		// The report rounds a percentile to the nanosecond and writes
		// milliseconds: within half a nanosecond, plus the conversion.
		for _, p := range []struct {
			q   float64
			got float64
		}{{50, c.got.P50}, {99, c.got.P99}} {
			if want := numpyLinear(c.values, p.q) / 1e6; math.Abs(p.got-want) > 0.51e-6 {
				t.Errorf("%s p%v = %v ms, numpy's linear gives %v ms", c.name, p.q, p.got, want)
			}
		}
		if want := numpyStd(c.values) / 1e6; math.Abs(c.got.Std-want) > 1e-9*want+1e-12 {
			t.Errorf("%s std = %v ms, np.std gives %v ms", c.name, c.got.Std, want)
		}
	}
	if want := float64(tokens) / (float64(lastDone-firstSent) / 1e9); math.Abs(got.Total-want) > 1e-9*want {
		t.Errorf("total_tokens_per_s = %v, want (input + output tokens) / window = %v", got.Total, want)
	}

	// Every format says which percentiles it shows.
	for format, want := range map[string]string{"text": "latency (ms, linear)", "md": "latency (ms, linear)",
		"html": "Percentiles are linear (numpy&#39;s default interpolation)"} {
		e, stdout, stderr := testEnv(nil)
		if code := dispatch(t.Context(), e, []string{"report", dir, "--percentiles", "linear", "--format", format}); code != exitOK {
			t.Fatalf("report %s: exit %d: %s", format, code, stderr)
		}
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("%s report does not say %q", format, want)
		}
	}
	e, _, stderr = testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"report", dir, "--percentiles", "hazen"}); code != exitUsage ||
		!strings.Contains(stderr.String(), `unknown percentile method "hazen"`) {
		t.Errorf("--percentiles hazen: exit %d: %s", code, stderr)
	}
}
