package compare

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/results"
)

// shiftRuns are a baseline and a candidate that replayed the same 200
// requests (same workload digest, load mode and seed), whose answers run
// from 10 to 500 tokens, so E2E ranges over 50x (about 0.25 s to 10 s);
// each candidate request is the baseline's twin plus shift, each with a
// little server noise of its own, and the candidate's rows come in another
// order.
func shiftRuns(shift time.Duration, sameSeed bool) (base, cand *reports.RunData) {
	wl := results.WorkloadInfo{Name: "mixed", SHA256: strings.Repeat("5e", 32)}
	man := func(id string, seed int64) *results.Manifest {
		return &results.Manifest{RunID: id, StopReason: results.StopCompleted, Workload: wl,
			Target: results.TargetInfo{Name: "t", Model: "m"}, Load: results.LoadInfo{Mode: "rate", Rate: 4, Seed: seed}}
	}
	candSeed := int64(7)
	if !sameSeed {
		candSeed = 8
	}
	base, cand = reports.NewRunData("", man("base", 7)), reports.NewRunData("", man("cand", candSeed))
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 200
	type req struct{ ttft, e2e int64 }
	var bs, cs []req
	for range n {
		out := 10 + int64(rng.IntN(491)) // 10..500 tokens
		ttft := int64(40+rng.IntN(60)) * int64(time.Millisecond)
		e2e := ttft + out*20*int64(time.Millisecond)
		noise := func() int64 { return int64(rng.NormFloat64() * 5 * float64(time.Millisecond)) }
		bs = append(bs, req{ttft + noise(), e2e + noise()})
		cs = append(cs, req{ttft + int64(shift) + noise(), e2e + int64(shift) + noise()})
	}
	add := func(r *reports.RunData, id string, i int, q req) {
		sent := int64(i) * int64(250*time.Millisecond)
		rec := results.Record{RunID: id, RequestIndex: int64(i), RequestID: fmt.Sprintf("q%d", i), Status: results.StatusOK,
			ScheduledNs: sent, SentNs: sent, FirstTokenNs: sent + q.ttft, FirstOutputNs: sent + q.ttft,
			LastTokenNs: sent + q.e2e, DoneNs: sent + q.e2e, OutputTokens: 100, InputTokens: 50}
		rec.Derive()
		r.Add(&rec)
	}
	for i, q := range bs {
		add(base, "base", i, q)
	}
	for _, i := range rng.Perm(n) {
		add(cand, "cand", i, cs[i])
	}
	return base, cand
}

func shiftOf(t *testing.T, c *Comparison, metric string) Shift {
	t.Helper()
	for _, s := range c.Shifts {
		if s.Metric == metric {
			return s
		}
	}
	t.Fatalf("no shift of %s", metric)
	return Shift{}
}

// TestPairedFindsShift is the check: a +70 ms shift on every
// request of a workload whose lengths range over 50x is found by the
// paired comparison (significant, slower, about 70 ms), while the
// unpaired tests on the same data miss it (the Mann-Whitney test is not
// significant and the bootstrap interval of the mean spans zero, dozens
// of times wider than the paired one).
func TestPairedFindsShift(t *testing.T) {
	base, cand := shiftRuns(70*time.Millisecond, true)
	paired := Runs(base, cand, Options{MinEffect: -1})
	if paired.Pairs != 200 || !strings.HasPrefix(paired.Pairing, "paired: 200 requests") {
		t.Fatalf("pairs %d: %s", paired.Pairs, paired.Pairing)
	}
	msf := func(ns float64) float64 { return ns / 1e6 }
	for _, fam := range []string{"e2e", "ttft"} {
		s := shiftOf(t, paired, fam)
		if s.Test != "wilcoxon" || s.Pairs != 200 || s.P > 1e-6 || s.Verdict != VerdictWorse || s.ProbGreater < 0.95 {
			t.Errorf("%s paired shift: %+v", fam, s)
		}
		if d := msf(s.MedianDiff); d < 65 || d > 75 || s.MedianCI == nil || msf(s.MedianCI.Lo) < 60 || msf(s.MedianCI.Hi) > 80 {
			t.Errorf("%s median difference %.1f ms, CI %+v; want about 70 ms", fam, d, s.MedianCI)
		}
		m := find(t, paired, fam+".mean")
		if m.Test != "paired bootstrap" || !m.Significant || m.Verdict != VerdictWorse ||
			msf(m.CI.Lo) < 60 || msf(m.CI.Hi) > 80 {
			t.Errorf("%s.mean paired: %+v CI [%.1f, %.1f] ms", fam, m, msf(m.CI.Lo), msf(m.CI.Hi))
		}
	}
	if paired.Verdict != VerdictWorse {
		t.Errorf("paired verdict %q", paired.Verdict)
	}
	// Resampling a stratified subsample of the pairs (a run of more pairs
	// than BootstrapCap) keeps the interval about the shift.
	sub := Runs(base, cand, Options{MinEffect: -1, BootstrapCap: 50})
	if m := find(t, sub, "e2e.mean"); !m.Significant || msf(m.CI.Lo) < 50 || msf(m.CI.Hi) > 90 {
		t.Errorf("subsampled e2e.mean CI [%.1f, %.1f] ms", msf(m.CI.Lo), msf(m.CI.Hi))
	}
	if !strings.Contains(strings.Join(sub.Notes, "\n"), "e2e: the paired bootstrap resampled 50 of the 200 pairs") {
		t.Errorf("notes %q", sub.Notes)
	}
	// ITL is per token and never paired.
	if s := shiftOf(t, paired, "schedule_lag"); s.Test != "mann-whitney" {
		t.Errorf("schedule lag test %q", s.Test)
	}

	unpaired := Runs(base, cand, Options{MinEffect: -1, Unpaired: true})
	if unpaired.Pairs != 0 || unpaired.Pairing != "unpaired: asked for" {
		t.Errorf("unpaired: %d %q", unpaired.Pairs, unpaired.Pairing)
	}
	s := shiftOf(t, unpaired, "e2e")
	if s.Test != "mann-whitney" || s.P < 0.05 || s.Verdict != VerdictSame {
		t.Errorf("unpaired e2e shift found it: %+v", s)
	}
	mp, mu := find(t, paired, "e2e.mean"), find(t, unpaired, "e2e.mean")
	if mu.Test != "bootstrap" || mu.Significant || mu.CI.Lo > 0 || mu.CI.Hi < 0 {
		t.Errorf("unpaired e2e.mean found it: %+v", mu)
	}
	if wp, wu := mp.CI.Hi-mp.CI.Lo, mu.CI.Hi-mu.CI.Lo; wu < 20*wp {
		t.Errorf("unpaired interval %.0f ms, paired %.1f ms: want the unpaired far wider", msf(wu), msf(wp))
	}

	// Another load seed: the requests are not the same, so no pairing.
	base, cand = shiftRuns(70*time.Millisecond, false)
	if c := Runs(base, cand, Options{}); c.Pairs != 0 || c.Pairing != "unpaired: the load seeds differ (7, 8)" {
		t.Errorf("different seeds: %d pairs, %q", c.Pairs, c.Pairing)
	}
}

// TestPairedNoShift: the same requests without a shift are no
// significant change in the paired test either.
func TestPairedNoShift(t *testing.T) {
	base, cand := shiftRuns(0, true)
	c := Runs(base, cand, Options{})
	for _, fam := range []string{"e2e", "ttft", "user_latency"} {
		if s := shiftOf(t, c, fam); s.Verdict != VerdictSame {
			t.Errorf("%s: %+v", fam, s)
		}
	}
	if c.Verdict != VerdictSame {
		t.Errorf("verdict %q", c.Verdict)
	}
}

// TestWilcoxon checks the signed-rank statistic against a hand
// computation: d = 1..5 and -6 has W+ = 15 of n = 6, mu = 10.5,
// sigma^2 = 6*7*13/24 = 22.75, z = (15 - 10.5 - 0.5) / sqrt(22.75).
func TestWilcoxon(t *testing.T) {
	pg, z, p := wilcoxon([]int64{1, 2, 3, 4, 5, -6, 0})
	wantZ := 4 / math.Sqrt(22.75)
	if math.Abs(z-wantZ) > 1e-12 || math.Abs(p-math.Erfc(wantZ/math.Sqrt2)) > 1e-12 || math.Abs(pg-5.5/7) > 1e-12 {
		t.Errorf("wilcoxon = %v, %v, %v; want z %v", pg, z, p, wantZ)
	}
	// Ties share their mean rank and shrink the variance: |d| = 2, 2, 2
	// (ranks 2 each), 5; W+ = 2 + 2 + 4 = 8, mu = 5, var = 4*5*9/24 - 24/48.
	_, z, _ = wilcoxon([]int64{2, -2, 2, 5})
	if want := (8 - 5 - 0.5) / math.Sqrt(7.5-0.5); math.Abs(z-want) > 1e-12 {
		t.Errorf("ties: z %v, want %v", z, want)
	}
	if pg, _, p := wilcoxon([]int64{0, 0}); pg != 0.5 || p != 1 {
		t.Errorf("all zero: %v %v", pg, p)
	}
}

// TestRenderTextFits120: the text comparison of paired runs, with wide
// intervals and long run ids, stays within 120 columns.
func TestRenderTextFits120(t *testing.T) {
	base, cand := shiftRuns(70*time.Millisecond, true)
	base.RunID, cand.RunID = "nightly-2026-11-26-vllm-h100-tp2", "nightly-2026-11-27-vllm-h100-tp2"
	var b strings.Builder
	if err := RenderText(&b, Runs(base, cand, Options{})); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(b.String(), "\n") {
		if n := len([]rune(l)); n > 120 {
			t.Errorf("%d columns: %q", n, l)
		}
	}
}
