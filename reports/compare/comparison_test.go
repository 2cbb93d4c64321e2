package compare

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/reports/threshold"
	"github.com/inferbench/inferbench/results"
)

// compareRun is a deterministic run of n ok requests, TTFT ttft0 + 0..10
// ms, E2E e2e0 + 0..49 ms, three chunk gaps each, and `failed` failures.
// ms is a millisecond in nanoseconds.
const ms = fixture.Ms

func compareRun(id string, n int, ttft0, e2e0 int64, failed int) *reports.RunData {
	m := &results.Manifest{RunID: id, StopReason: results.StopCompleted,
		Target:   results.TargetInfo{Name: "sim-api", Kind: "api", Model: "llama<3>|x", Simulated: true},
		Workload: results.WorkloadInfo{Name: "chat"},
		Prices:   &results.Prices{InputPer1M: 0.9, OutputPer1M: 0.9, Source: "test"}}
	r := reports.NewRunData("", m)
	for i := range int64(n) {
		rec := fixture.OKRec(i*100, ttft0+(i*7)%11, e2e0+(i*13)%50, 100, 20, fixture.MsGaps(9+i%3, 10, 11), nil)
		rec.RunID = id
		r.Add(&rec)
	}
	for i := range int64(failed) {
		rec := fixture.FailRec(int64(n)*100+i*10, int64(n)*100+i*10+5, results.ErrClassHTTP5xx)
		r.Add(&rec)
	}
	return r
}

func find(t *testing.T, c *Comparison, metric string) MetricDelta {
	t.Helper()
	for _, d := range c.Metrics {
		if d.Metric == metric {
			return d
		}
	}
	t.Fatalf("no metric %s", metric)
	return MetricDelta{}
}

func TestCompareSelf(t *testing.T) {
	run := compareRun("a", 60, 20, 200, 2)
	c := Runs(run, run, Options{Options: reports.Options{SLO: reports.SLO{TTFT: 25 * time.Millisecond}}})
	if c.Verdict != VerdictSame {
		t.Errorf("verdict %q", c.Verdict)
	}
	tested := 0
	for _, d := range c.Metrics {
		if d.Delta != 0 {
			t.Errorf("%s: delta %v", d.Metric, d.Delta)
		}
		switch {
		case d.CI != nil:
			tested++
			if d.Verdict != VerdictSame || d.CI.Lo > 0 || d.CI.Hi < 0 {
				t.Errorf("%s: %q %+v", d.Metric, d.Verdict, d.CI)
			}
		case d.Verdict != VerdictUntested || !strings.HasPrefix(d.Metric, "cost"):
			t.Errorf("%s: untested", d.Metric)
		}
	}
	// 6 latency families (no ttfo distinct from... all present) x 4 stats,
	// schedule lag included, + 2 throughputs + error rate + 2 goodput.
	if tested != 7*4+5 {
		t.Errorf("%d metrics tested", tested)
	}
	for _, s := range c.Shifts {
		if s.Verdict != VerdictSame || s.ProbGreater != 0.5 {
			t.Errorf("shift %+v", s)
		}
	}
}

func TestCompareRegression(t *testing.T) {
	base := compareRun("base", 60, 20, 200, 0)
	slow := compareRun("cand", 60, 40, 260, 0)
	c := Runs(base, slow, Options{})
	if c.Verdict != VerdictWorse {
		t.Errorf("verdict %q", c.Verdict)
	}
	for _, m := range []string{"ttft.p50", "ttft.p95", "ttft.mean", "e2e.p50", "e2e.mean"} {
		d := find(t, c, m)
		if d.Verdict != VerdictWorse || !d.Significant || d.CI.Lo <= 0 || d.Delta <= 0 {
			t.Errorf("%s: %q %+v delta %v", m, d.Verdict, d.CI, d.Delta)
		}
	}
	if d := find(t, c, "ttft.p50"); d.Delta != 20e6 || math.Abs(d.RelDelta-20.0/25) > 1e-9 {
		t.Errorf("ttft.p50 delta %v rel %v", d.Delta, d.RelDelta)
	}
	// Chunk gaps did not change.
	if d := find(t, c, "itl.p50"); d.Verdict != VerdictSame {
		t.Errorf("itl.p50: %q", d.Verdict)
	}
	if c.Shifts[0].Metric != "ttft" || c.Shifts[0].Verdict != VerdictWorse || c.Shifts[0].P > 1e-6 {
		t.Errorf("ttft shift %+v", c.Shifts[0])
	}
	// The other way round it is an improvement.
	c = Runs(slow, base, Options{})
	if c.Verdict != VerdictBetter || find(t, c, "ttft.p50").Verdict != VerdictBetter {
		t.Errorf("reversed: %q", c.Verdict)
	}
}

func TestCompareErrorRate(t *testing.T) {
	c := Runs(compareRun("b", 100, 20, 200, 0), compareRun("c", 100, 20, 200, 25), Options{})
	d := find(t, c, "error_rate")
	if d.Test != "newcombe" || d.Verdict != VerdictWorse || c.Verdict != VerdictWorse {
		t.Errorf("error_rate %+v", d)
	}
	c = Runs(compareRun("b", 100, 20, 200, 0), compareRun("c", 100, 20, 200, 1), Options{})
	if d := find(t, c, "error_rate"); d.Verdict != VerdictSame {
		t.Errorf("1 failure in 101 flagged: %+v", d)
	}
}

func TestCompareMinEffect(t *testing.T) {
	// 400 requests, TTFT exactly 100 ms against 101 ms: certainly
	// different, but by 1%, under the default 2%.
	mk := func(id string, ttft int64) *reports.RunData {
		r := reports.NewRunData("", &results.Manifest{RunID: id})
		for i := range int64(400) {
			rec := fixture.OKRec(i*10, ttft, 500, 10, 10, nil, nil)
			r.Add(&rec)
		}
		return r
	}
	c := Runs(mk("a", 100), mk("b", 101), Options{})
	if d := find(t, c, "ttft.p50"); !d.Significant || d.Verdict != VerdictSame {
		t.Errorf("1%% change: %+v", d)
	}
	c = Runs(mk("a", 100), mk("b", 101), Options{MinEffect: -1})
	if d := find(t, c, "ttft.p50"); d.Verdict != VerdictWorse || c.Verdict != VerdictWorse {
		t.Errorf("1%% change without a minimum effect: %+v", d)
	}
}

func TestCompareScheduleLagNotCounted(t *testing.T) {
	mk := func(id string, lag int64) *reports.RunData {
		r := reports.NewRunData("", &results.Manifest{RunID: id})
		for i := range int64(100) {
			rec := fixture.OKRec(i*10, 50+i%5, 500+i%7, 10, 10, nil, nil)
			rec.ScheduledNs -= lag*ms + i%3*ms
			rec.Derive()
			r.Add(&rec)
		}
		return r
	}
	c := Runs(mk("a", 0), mk("b", 30), Options{})
	if d := find(t, c, "schedule_lag.p50"); d.Verdict != VerdictWorse || d.Counted {
		t.Errorf("lag: %+v", d)
	}
	// user_latency includes the lag; leave it out to see that lag alone
	// does not make the verdict.
	for _, d := range c.Metrics {
		if d.Verdict == VerdictWorse && d.Counted && !strings.HasPrefix(d.Metric, "user_latency") {
			t.Errorf("%s counted as worse", d.Metric)
		}
	}
}

// goldenComparison is a regression with thresholds that pass and fail,
// names that need escaping, and a schedule-lag note.
func goldenComparison() *Comparison {
	base := compareRun("20261126-base", 40, 20, 200, 1)
	cand := compareRun("20261126-cand", 40, 30, 210, 4)
	c := Runs(base, cand, Options{Options: reports.Options{SLO: reports.SLO{TTFT: 28 * time.Millisecond}}})
	var ths []*threshold.Threshold
	for _, e := range []string{"ttft.p50 > 1.2 * base", "e2e.p99 > 1s", "error_rate > 5%",
		"cost_per_1m_output > 1.05 * base", "goodput.fraction < 50%"} {
		th, err := threshold.Parse(e)
		if err != nil {
			panic(err)
		}
		ths = append(ths, th)
	}
	c.Check(ths)
	return c
}

func TestRenderCompare(t *testing.T) {
	c := goldenComparison()
	if c.ThresholdsFailed() != 3 {
		t.Errorf("%d thresholds failed: %+v", c.ThresholdsFailed(), c.Thresholds)
	}
	for _, f := range []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"compare.md", func(b *bytes.Buffer) error { return RenderMarkdown(b, c) }},
		{"compare.txt", func(b *bytes.Buffer) error { return RenderText(b, c) }},
		{"compare.json", func(b *bytes.Buffer) error { return RenderJSON(b, c) }},
		{"compare.junit.xml", func(b *bytes.Buffer) error { return RenderJUnit(b, c) }},
	} {
		var b bytes.Buffer
		if err := f.render(&b); err != nil {
			t.Fatal(err)
		}
		fixture.Golden(t, f.name, b.Bytes())
	}
}

func TestRenderCompareMarkdownHead(t *testing.T) {
	c := goldenComparison()
	var b bytes.Buffer
	if err := RenderMarkdown(&b, c); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(b.String(), "\n")
	if first != "### ❌ inferbench compare: worse · 3 of 5 thresholds failed" {
		t.Errorf("first line %q", first)
	}
	// The model name's | and < stay inside code spans.
	if !strings.Contains(b.String(), "`llama<3>\\|x`") {
		t.Errorf("model name not in a code span:\n%s", b.String())
	}
	c.Thresholds = nil
	b.Reset()
	_ = RenderMarkdown(&b, c)
	if !strings.HasPrefix(b.String(), "### ⚠️ inferbench compare: worse · no thresholds\n") {
		t.Errorf("no thresholds: %q", strings.SplitN(b.String(), "\n", 2)[0])
	}
	run := compareRun("a", 20, 20, 200, 0)
	b.Reset()
	_ = RenderMarkdown(&b, Runs(run, run, Options{}))
	if !strings.HasPrefix(b.String(), "### ✅ inferbench compare: no significant change · no thresholds\n") {
		t.Errorf("self: %q", strings.SplitN(b.String(), "\n", 2)[0])
	}
}

func TestRenderCompareJUnitRoundTrip(t *testing.T) {
	c := goldenComparison()
	var b bytes.Buffer
	if err := RenderJUnit(&b, c); err != nil {
		t.Fatal(err)
	}
	var back junitSuites
	if err := xml.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("not valid XML: %v\n%s", err, b.String())
	}
	if back.Tests != 5 || back.Failures != 3 || len(back.Suites) != 1 || len(back.Suites[0].Cases) != 5 {
		t.Fatalf("decoded %+v", back)
	}
	for i, tc := range back.Suites[0].Cases {
		r := c.Thresholds[i]
		if tc.Name != r.Expr || (tc.Failure != nil) != r.Failed || tc.Classname != "inferbench.20261126-cand" {
			t.Errorf("case %d: %+v, want %q failed %v", i, tc, r.Expr, r.Failed)
		}
		if r.Failed && tc.Failure.Message != r.Message {
			t.Errorf("case %d: message %q, want %q", i, tc.Failure.Message, r.Message)
		}
	}
	// Characters that XML must escape survive.
	r := []threshold.Result{{Expr: `a < b & "c" ]]> d`, RunID: "x<y", Failed: true, Message: "<script>alert(1)</script>\x00"}}
	b.Reset()
	if err := writeJUnit(&b, "s&s", nil, r); err != nil {
		t.Fatal(err)
	}
	var esc junitSuites
	if err := xml.Unmarshal(b.Bytes(), &esc); err != nil {
		t.Fatalf("escaping: %v\n%s", err, b.String())
	}
	if got := esc.Suites[0].Cases[0]; got.Name != r[0].Expr || esc.Suites[0].Name != "s&s" || got.Failure.Message != "<script>alert(1)</script>\uFFFD" {
		t.Errorf("escaping: %+v", got)
	}
}

func TestRenderCompareJSONShape(t *testing.T) {
	var b bytes.Buffer
	if err := RenderJSON(&b, goldenComparison()); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back["verdict"] != "worse" || back["passed"] != false {
		t.Errorf("verdict %v passed %v", back["verdict"], back["passed"])
	}
	m := back["metrics"].([]any)[0].(map[string]any)
	if m["metric"] != "ttft.p50" || m["unit"] != "ms" || m["baseline"] != 25.0 || m["candidate"] != 35.0 || len(m["ci"].([]any)) != 2 {
		t.Errorf("first metric %v", m)
	}
}

// BenchmarkCompare compares two runs of 200,000 requests with 32
// inter-token gaps each (6.4M gaps per run): the cost of `inferbench
// compare` on big runs, loading aside.
func BenchmarkCompare(b *testing.B) {
	mk := func(id string, shift int64) *reports.RunData {
		r := reports.NewRunData("", &results.Manifest{RunID: id})
		gaps := make([]int64, 32)
		for i := range int64(200000) {
			for g := range gaps {
				gaps[g] = (9 + (i+int64(g))%5) * ms
			}
			rec := fixture.OKRec(i, 20+shift+i%17, 400+i%91, 100, 33, gaps, nil)
			r.Add(&rec)
		}
		return r
	}
	base, cand := mk("a", 0), mk("b", 1)
	for b.Loop() {
		Runs(base, cand, Options{})
	}
}

func TestCompareTooFew(t *testing.T) {
	c := Runs(compareRun("a", 3, 20, 200, 0), compareRun("b", 3, 90, 900, 0), Options{})
	if d := find(t, c, "ttft.p50"); d.Verdict != VerdictUntested || d.CI != nil || d.Delta != 70*float64(ms) {
		t.Errorf("3 requests a run: %+v", d)
	}
	if c.Verdict != VerdictSame || len(c.Notes) == 0 || !strings.Contains(c.Notes[0], "too few to test") {
		t.Errorf("verdict %q notes %q", c.Verdict, c.Notes)
	}
}
