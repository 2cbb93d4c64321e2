package html

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/reports/trend"
	"github.com/inferbench/inferbench/results"
	"golang.org/x/net/html"
)

// trendRuns writes four nights of a target under dir/nightly (night 3
// did not complete and is slower; night 4 has TTFT 50% up on night 2) and
// two of another, whose name would be markup, and loads them.
func trendRuns(t *testing.T, dir string) []*reports.RunData {
	t.Helper()
	night := func(name, target string, day int, ttft int64, stop string) {
		m := &results.Manifest{RunID: name, StopReason: cmpStop(stop),
			StartedAt: time.Date(2026, 11, day, 3, 17, 0, 0, time.UTC),
			Target:    results.TargetInfo{Name: target}, Load: results.LoadInfo{Mode: "rate", Rate: 5},
			Prices: &results.Prices{InputPer1M: 1, OutputPer1M: 2}}
		var recs []results.Record
		for i := range 10 {
			recs = append(recs, fixture.OKRec(int64(i)*100, ttft, ttft+200, 100, 20, nil, nil))
		}
		// Two nights share a run ID (a suite's runs are named for their
		// target), so the folders tell them apart.
		fixture.WriteRun(t, filepath.Join(dir, "nightly", fmt.Sprintf("2026-11-%02d", day)), name, m, recs)
	}
	night("sim", "sim", 1, 40, "")
	night("sim", "sim", 2, 40, "")
	night("sim", "sim", 3, 400, results.StopFailed)
	night("sim", "sim", 4, 60, "")
	night("x", `<b>x</b>`, 1, 20, "")
	night("x", `<b>x</b>`, 2, 20, "")
	var dirs []string
	for day := 1; day <= 4; day++ {
		dirs = append(dirs, filepath.Join(dir, "nightly", fmt.Sprintf("2026-11-%02d", day)))
	}
	runs, err := reports.LoadMatching(dirs, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

func cmpStop(s string) string {
	if s == "" {
		return results.StopCompleted
	}
	return s
}

// TestRenderTrendPage: a chart per metric with a line per target, every
// night's point a link that resolves to its run's manifest from the
// page's folder, the night that did not complete drawn apart, the
// tables and the moves; nothing from the runs' names as markup.
func TestRenderTrendPage(t *testing.T) {
	dir := t.TempDir()
	tr := trend.Build(trendRuns(t, dir), trend.Options{Options: reports.Options{SLO: reports.SLO{TTFT: 300 * time.Millisecond}}})
	pageDir := filepath.Join(dir, "pages")
	var b bytes.Buffer
	if err := RenderTrend(&b, tr, TrendOptions{LinkBase: pageDir}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "<b>x</b>") || strings.Contains(out, "<script") {
		t.Fatalf("markup came through")
	}
	doc := parseHTML(t, b.Bytes())
	// Per chart: series -> the hrefs of its points, and the open dots.
	links := map[string]map[string][]string{}
	open := map[string]int{}
	chartID := ""
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.Data == "svg" {
			chartID, _ = attr(n, "id")
			links[chartID] = map[string][]string{}
		}
		if n.Data == "a" && chartID != "" {
			if series, ok := attr(n, "data-series"); ok {
				href, _ := attr(n, "href")
				links[chartID][series] = append(links[chartID][series], href)
			}
		}
		if cls, _ := attr(n, "class"); n.Data == "circle" && strings.Contains(cls, "open") {
			open[chartID]++
		}
	})
	for _, id := range []string{"trend-ttft", "trend-tpot", "trend-e2e", "trend-goodput", "trend-errors", "trend-cost"} {
		if _, ok := links[id]; !ok {
			t.Errorf("no chart %s", id)
		}
	}
	ttft := links["trend-ttft"]
	if len(ttft["sim p50"]) != 4 || len(ttft["sim p95"]) != 4 || len(ttft["<b>x</b> p50"]) != 2 {
		t.Fatalf("TTFT chart points: %v", ttft)
	}
	if open["trend-ttft"] != 2 || open["trend-cost"] != 1 {
		t.Errorf("open dots %v: night 3 of sim, once per line", open)
	}
	for i, href := range ttft["sim p50"] {
		want := fmt.Sprintf("../nightly/2026-11-%02d/sim/manifest.json", i+1)
		if href != want {
			t.Errorf("point %d links %q, want %q", i, href, want)
		}
		if _, err := os.Stat(filepath.Join(pageDir, filepath.FromSlash(href))); err != nil {
			t.Errorf("link %q does not resolve from the page's folder: %v", href, err)
		}
	}
	// The moves, the marked row, and the points' tooltips, as a browser
	// shows them.
	shown := text(doc)
	for _, want := range []string{"2026-11-04 03:17 sim: TTFT p50 regressed (lower is better): 40.0 ms -> 60.0 ms (+20.0 ms, +50.0%)",
		"2026-11-03 03:17 sim (incomplete)", "2026-11-04 03:17 sim: TTFT p50 60.0 ms (+20.0 ms, regressed)",
		"2026-11-03 03:17 sim: TTFT p50 400.0 ms (did not complete: not compared)"} {
		if !strings.Contains(shown, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestRunLink: relative from the page's folder, escaped, the directory
// itself for a run without a manifest.
func TestRunLink(t *testing.T) {
	for _, tc := range []struct {
		base, dir string
		manifest  bool
		want      string
	}{
		{"/r", "/r/nightly/a b/sim", true, "nightly/a%20b/sim/manifest.json"},
		{"/r/pages", "/r/nightly/x", false, "../nightly/x/"},
		{"/r", "", true, ""},
	} {
		n := &trend.Night{Dir: tc.dir, Manifest: tc.manifest}
		if got := RunLink(tc.base, n); got != tc.want {
			t.Errorf("RunLink(%q, %q) = %q, want %q", tc.base, tc.dir, got, tc.want)
		}
	}
}
