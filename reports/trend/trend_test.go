package trend

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

// nightRecs are a night's rows: n requests sent 100 ms apart, each with
// the TTFT and E2E given (ms), 200 tokens in and 50 out, and every
// failEvery-th one failed (0: none).
func nightRecs(n int, ttft, e2e int64, failEvery int) []results.Record {
	var out []results.Record
	for i := range n {
		sent := int64(i) * 100
		if failEvery > 0 && i%failEvery == failEvery-1 {
			out = append(out, fixture.FailRec(sent, sent+50, results.ErrClassHTTP5xx))
			continue
		}
		// A little spread, so p50 and p95 differ.
		j := int64(i % 5)
		out = append(out, fixture.OKRec(sent, ttft+j, e2e+4*j, 200, 50, nil, nil))
	}
	return out
}

// night is one night's run of the fixture.
type night struct {
	target    string
	day       int
	ttft, e2e int64
	failEvery int
	stop      string
}

// nights is the fixture: five nights of an API target (priced per token)
// and three of a self-hosted one (priced per GPU-hour), written as run
// directories under dir/nightly. The known moves:
//
//   - api, night 3: TTFT 40 -> 60 ms (+50%) and E2E 400 -> 440 ms (+10%,
//     not past 10%): a TTFT regression;
//   - api, night 4: did not complete (stop_reason failed), much slower:
//     shown, not compared, and not night 5's baseline;
//   - api, night 5: back to TTFT 40 ms, compared with night 3: an
//     improvement of TTFT;
//   - vllm, night 3: 1 request in 4 fails (error rate 0 -> 25%), so
//     goodput falls and the cost per 1M tokens (the same GPU-hours over
//     fewer tokens) grows.
var nights = []night{
	{"api", 1, 40, 400, 0, ""},
	{"api", 2, 41, 402, 0, ""},
	{"api", 3, 60, 440, 0, ""},
	{"api", 4, 300, 2000, 2, results.StopFailed},
	{"api", 5, 40, 400, 0, ""},
	{"vllm", 1, 20, 200, 0, ""},
	{"vllm", 2, 20, 200, 0, ""},
	{"vllm", 3, 20, 200, 4, ""},
}

func writeNights(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "nightly")
	for _, n := range nights {
		m := &results.Manifest{SchemaVersion: 1, RunID: fmt.Sprintf("%s-n%d", n.target, n.day),
			StartedAt:  time.Date(2026, 11, n.day, 2, 0, 0, 0, time.UTC),
			StopReason: results.StopCompleted,
			Target:     results.TargetInfo{Name: n.target, Kind: "api", Model: "m"},
			Load:       results.LoadInfo{Mode: "rate", Rate: 10, Requests: 20},
			Prices:     &results.Prices{InputPer1M: 0.5, OutputPer1M: 1.5, Source: "test"},
		}
		if n.target == "vllm" {
			m.Target.Kind = "self-hosted"
			m.Prices = &results.Prices{GPUHourly: 4, Source: "test"}
		}
		if n.stop != "" {
			m.StopReason, m.StopDetail = n.stop, "disk full"
		}
		fixture.WriteRun(t, dir, m.RunID, m, nightRecs(20, n.ttft, n.e2e, n.failEvery))
	}
	return dir
}

// loadTrend loads the fixture and builds its trend.
func loadTrend(t *testing.T, slo reports.SLO) (*Trend, string) {
	t.Helper()
	dir := writeNights(t)
	runs, err := reports.LoadMatching([]string{dir}, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return Build(runs, Options{Options: reports.Options{SLO: slo}}), dir
}

func metricIndex(t *testing.T, tr *Trend, key string) int {
	t.Helper()
	for i, m := range tr.Metrics {
		if m.Key == key {
			return i
		}
	}
	t.Fatalf("no metric %s", key)
	return -1
}

// TestBuildTrend checks the figures: order, baselines, the known
// regression, the incomplete night left out of the comparison. TTFT p50
// is the request's TTFT plus 2 ms (the spread).
func TestBuildTrend(t *testing.T) {
	tr, _ := loadTrend(t, reports.SLO{TTFT: 100 * time.Millisecond})
	if len(tr.Series) != 2 || tr.Series[0].Target != "api" || tr.Series[1].Target != "vllm" {
		t.Fatalf("series %+v", tr.Series)
	}
	api := tr.Series[0]
	var ids []string
	var bases []int
	for _, n := range api.Nights {
		ids = append(ids, n.RunID)
		bases = append(bases, n.Baseline)
	}
	if strings.Join(ids, " ") != "api-n1 api-n2 api-n3 api-n4 api-n5" {
		t.Errorf("nights %v, want in order of start", ids)
	}
	// Night 4 did not complete: no baseline of its own, and night 5 is
	// compared with night 3.
	if fmt.Sprint(bases) != "[-1 0 1 -1 2]" {
		t.Errorf("baselines %v", bases)
	}
	if api.Nights[3].Complete() || api.Nights[3].Values[0].Compared {
		t.Errorf("night 4: %+v", api.Nights[3])
	}
	p50, p95, e2e := metricIndex(t, tr, "ttft_p50_ms"), metricIndex(t, tr, "ttft_p95_ms"), metricIndex(t, tr, "e2e_p50_ms")
	n3 := api.Nights[2].Values
	if v := n3[p50]; !v.Significant || v.Verdict != VerdictRegressed || !fixture.Approx(v.Delta, 19e6) || math.Abs(v.Pct-19.0/43) > 1e-9 {
		t.Errorf("night 3 TTFT p50 %+v, want a regression of +19 ms", v)
	}
	if v := n3[p95]; v.Verdict != VerdictRegressed {
		t.Errorf("night 3 TTFT p95 %+v", v)
	}
	// E2E 410 -> 448 ms is 9.3%: a change, not a move.
	if v := n3[e2e]; !v.Compared || v.Significant || v.Verdict != "" {
		t.Errorf("night 3 E2E p50 %+v", v)
	}
	if v := api.Nights[4].Values[p50]; v.Verdict != VerdictImproved || !fixture.Approx(v.Delta, -20e6) {
		t.Errorf("night 5 TTFT p50 %+v, want an improvement against night 3", v)
	}
	errs, cost, good := metricIndex(t, tr, "error_rate"), metricIndex(t, tr, "cost_per_1m_tokens_usd"), metricIndex(t, tr, "goodput_req_s")
	v3 := tr.Series[1].Nights[2].Values
	if v := v3[errs]; v.Verdict != VerdictRegressed || !math.IsNaN(v.Pct) || !fixture.Approx(v.Delta, 0.25) {
		t.Errorf("vllm night 3 error rate %+v, want 0 -> 25%%: regressed", v)
	}
	if v := v3[cost]; v.Verdict != VerdictRegressed || v.Delta <= 0 {
		t.Errorf("vllm night 3 cost %+v: fewer ok tokens in the same GPU time cost more each", v)
	}
	if v := v3[good]; v.Verdict != VerdictRegressed || v.Delta >= 0 {
		t.Errorf("vllm night 3 goodput %+v: 15 of 20 requests good instead of 20 is worse", v)
	}
	// api: TTFT p50 and p95 on night 3; vllm: goodput, errors, cost.
	if n := tr.Regressions(); n != 5 {
		t.Errorf("%d regressions, want 5", n)
	}
}

// TestSignificanceEdges: more than 10% is a move, 10% is not; a
// fraction must also move a point; 0 to something is a move.
func TestSignificanceEdges(t *testing.T) {
	tr := &Trend{Significant: DefaultSignificant}
	lat := catalog("ttft.p95", "ttft_p95_ms", "TTFT p95", "")
	good := catalog("goodput.req_s", "goodput_req_s", "goodput", "")
	errs := catalog("error_rate", "error_rate", "errors", "error rate")
	for _, tc := range []struct {
		m       Metric
		b, v    float64
		verdict string
	}{
		{lat, 100, 110, ""},
		{lat, 100, 110.5, VerdictRegressed},
		{lat, 100, 89, VerdictImproved},
		{good, 10, 8.9, VerdictRegressed},
		{good, 10, 11.5, VerdictImproved},
		{errs, 0.001, 0.002, ""}, // +100%, but a tenth of a point
		{errs, 0.02, 0.031, VerdictRegressed},
		{errs, 0, 0.01, VerdictRegressed}, // from nothing
		{errs, 0, 0, ""},
	} {
		v := Value{V: tc.v, Known: true}
		tr.change(tc.m, tc.b, &v)
		if v.Verdict != tc.verdict {
			t.Errorf("%s %v -> %v: %q, want %q", tc.m.Key, tc.b, tc.v, v.Verdict, tc.verdict)
		}
	}
}

// golden renders tr in a format with the fixture's directory replaced.
func golden(t *testing.T, tr *Trend, dir, name string, render func(*bytes.Buffer, *Trend) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := render(&b, tr); err != nil {
		t.Fatal(err)
	}
	out := strings.ReplaceAll(b.String(), dir, "$DIR")
	fixture.Golden(t, name, []byte(out))
	return out
}

func TestRenderTrendText(t *testing.T) {
	tr, dir := loadTrend(t, reports.SLO{TTFT: 100 * time.Millisecond})
	out := golden(t, tr, dir, "trend.txt", func(b *bytes.Buffer, tr *Trend) error { return RenderText(b, tr) })
	for i, l := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(l); n > 120 {
			t.Errorf("line %d is %d columns: %q", i+1, n, l)
		}
	}
	for _, want := range []string{
		"2026-11-03 02:00 api-n3: TTFT p50 regressed (lower is better): 43.0 ms -> 62.0 ms (+19.0 ms, +44.2%)",
		"2026-11-04 02:00 api-n4 (incomplete)",
		`api-n4 did not complete (stop_reason "failed": the harness failed (disk full)): shown, not compared`,
		"2026-11-05 02:00 api-n5: TTFT p50 improved (lower is better): 62.0 ms -> 42.0 ms (-20.0 ms, -32.3%)",
		"2026-11-03 02:00 vllm-n3: error rate regressed (lower is better): 0.00% -> 25.00% (+25.00 pp, from 0)",
		"2026-11-03 02:00 vllm-n3: goodput regressed (higher is better)",
		"+44.2% !",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q", want)
		}
	}
}

func TestRenderTrendMarkdown(t *testing.T) {
	tr, dir := loadTrend(t, reports.SLO{TTFT: 100 * time.Millisecond})
	out := golden(t, tr, dir, "trend.md", func(b *bytes.Buffer, tr *Trend) error { return RenderMarkdown(b, tr) })
	if !strings.Contains(out, "| 2026-11-03 02:00 api-n3 |") || !strings.Contains(out, "- 2026-11-03 02:00 api-n3: TTFT p50 regressed") {
		t.Errorf("markdown:\n%s", out)
	}
}

// TestRenderTrendJSON: the golden file, and what a script reads from it.
func TestRenderTrendJSON(t *testing.T) {
	tr, dir := loadTrend(t, reports.SLO{TTFT: 100 * time.Millisecond})
	out := golden(t, tr, dir, "trend.json", func(b *bytes.Buffer, tr *Trend) error { return RenderJSON(b, tr) })
	var got struct {
		Regressions int `json:"regressions"`
		Series      []struct {
			Target string `json:"target"`
			Runs   []struct {
				RunID    string `json:"run_id"`
				Complete bool   `json:"complete"`
				Baseline *struct {
					RunID string `json:"run_id"`
				} `json:"baseline"`
				Values  map[string]*float64 `json:"values"`
				Changes map[string]*struct {
					Change  float64  `json:"change"`
					Pct     *float64 `json:"change_pct"`
					Verdict *string  `json:"verdict"`
				} `json:"changes"`
			} `json:"runs"`
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	api := got.Series[0].Runs
	c := api[2].Changes["ttft_p50_ms"]
	if got.Regressions != tr.Regressions() || len(api) != 5 || c == nil || c.Change != 19 || c.Verdict == nil || *c.Verdict != "regressed" {
		t.Errorf("api night 3: %+v", api[2])
	}
	if api[3].Complete || api[3].Changes["ttft_p50_ms"] != nil || api[4].Baseline.RunID != "api-n3" || *api[0].Values["ttft_p50_ms"] != 42 {
		t.Errorf("api nights 1, 4, 5: %+v %+v %+v", api[0], api[3], api[4])
	}
	if e := got.Series[1].Runs[2].Changes["error_rate"]; e == nil || e.Pct != nil || *e.Verdict != "regressed" {
		t.Errorf("vllm error rate change %+v: from 0, no percentage", e)
	}
}

// TestTrendWithoutSLO omits goodput and says why.
func TestTrendWithoutSLO(t *testing.T) {
	tr, _ := loadTrend(t, reports.SLO{})
	for _, m := range tr.Metrics {
		if strings.HasPrefix(m.Key, "goodput") {
			t.Errorf("goodput without an SLO")
		}
	}
	var b bytes.Buffer
	if err := RenderText(&b, tr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "goodput omitted: it needs an SLO (--slo") || strings.Contains(b.String(), "goodput  ") {
		t.Errorf("text:\n%s", b.String())
	}
}

// TestTrendSeriesPerLoad: a target run at two loads each night is two
// series, each compared with the same load the night before.
func TestTrendSeriesPerLoad(t *testing.T) {
	dir := t.TempDir()
	for day := 1; day <= 2; day++ {
		for _, rate := range []float64{8, 2} {
			m := &results.Manifest{RunID: fmt.Sprintf("d%d-r%g", day, rate), StopReason: results.StopCompleted,
				StartedAt: time.Date(2026, 11, day, 2, int(rate), 0, 0, time.UTC),
				Target:    results.TargetInfo{Name: "vllm"}, Load: results.LoadInfo{Mode: "rate", Rate: rate}}
			fixture.WriteRun(t, dir, m.RunID, m, nightRecs(5, 10*int64(rate), 100, 0))
		}
	}
	runs, err := reports.LoadMatching([]string{dir}, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	tr := Build(runs, Options{})
	if len(tr.Series) != 2 || tr.Series[0].Name() != "vllm @ rate 2/s" || tr.Series[1].Name() != "vllm @ rate 8/s" {
		t.Fatalf("series %+v", tr.Series)
	}
	for _, s := range tr.Series {
		if len(s.Nights) != 2 || s.Nights[1].Baseline != 0 || s.Nights[1].Values[0].Significant {
			t.Errorf("%s: %+v", s.Name(), s.Nights)
		}
	}
}
