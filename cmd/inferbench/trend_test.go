package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/inferbench/inferbench/results"
)

// trendFixture writes a nightly folder the way the nightly workflow
// leaves it: nightly/DATE/nightly/TARGET, each run named for its target.
// Four nights of "sim" (TTFT 40 ms; night 3 crashed mid-run with TTFT
// 400 ms, its manifest still "running"; night 4 regressed to 60 ms) and
// two of "api" (steady). It returns the folder of the nights.
func trendFixture(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "nightly")
	night := func(target string, day int, ttft int64, stop string) {
		var recs []results.Record
		for i := range 8 {
			recs = append(recs, reportRec(target, i, 100*int64(i), ttft, ttft+200, 30, 30, 30))
		}
		writeReportRun(t, filepath.Join(root, fmt.Sprintf("2026-11-%02d", day), "nightly", target), results.Manifest{
			RunID: target, StopReason: stop, StartedAt: time.Date(2026, 11, day, 3, 17, 0, 0, time.UTC),
			Target: results.TargetInfo{Name: target, Kind: "api", Model: "m", Simulated: true},
			Load:   results.LoadInfo{Mode: "rate", Rate: 5},
			Prices: &results.Prices{InputPer1M: 0.15, OutputPer1M: 0.6, Source: "suite"},
		}, recs)
	}
	for day, ttft := range []int64{40, 40, 400, 60} {
		stop := results.StopCompleted
		if day == 2 {
			stop = results.StopRunning
		}
		night("sim", day+1, ttft, stop)
	}
	night("api", 1, 80, results.StopCompleted)
	night("api", 2, 80, results.StopCompleted)
	return root
}

// nightDirs are the suite folders of a trend fixture's nights, as a
// shell glob (nightly/*/nightly) gives them.
func nightDirs(t *testing.T, root string) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(root, "*", "nightly"))
	if err != nil || len(dirs) != 4 {
		t.Fatalf("nights %v, %v", dirs, err)
	}
	return dirs
}

// TestReportTrend: `report --trend` over the nights, as text within 120
// columns and as JSON for scripts, the regression and the crashed night
// in both.
func TestReportTrend(t *testing.T) {
	root := trendFixture(t)
	dirs := nightDirs(t, root)
	e, stdout, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, append(append([]string{"report"}, dirs...), "--trend", "--slo", "ttft=100ms")); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	out := stdout.String()
	for i, l := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(l); n > 120 {
			t.Errorf("line %d is %d columns: %q", i+1, n, l)
		}
	}
	for _, want := range []string{"Trend of api (simulated): 2 run(s)", "Trend of sim (simulated): 4 run(s), 2026-11-01 to 2026-11-04",
		"2026-11-03 03:17 sim (incomplete)",
		"2026-11-04 03:17 sim: TTFT p50 regressed (lower is better): 39.0 ms -> 59.0 ms (+20.0 ms, +51.3%)",
		`2026-11-03 03:17 sim did not complete (stop_reason "running"`} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}

	e, stdout, stderr = testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"report", filepath.Join(root, "2026-11-04", "nightly"), dirs[0], "--trend", "--format", "json", "--target", "sim"}); code != exitOK {
		t.Fatalf("json: exit %d\n%s", code, stderr)
	}
	var got struct {
		Regressions int      `json:"regressions"`
		Notes       []string `json:"notes"`
		Series      []struct {
			Target string `json:"target"`
			Runs   []struct {
				StartedAt string `json:"started_at"`
				Baseline  *struct {
					StartedAt string `json:"started_at"`
				} `json:"baseline"`
			} `json:"runs"`
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &got); err != nil {
		t.Fatal(err)
	}
	// Given in any order, the nights come out by start; --target keeps sim.
	if len(got.Series) != 1 || got.Series[0].Target != "sim" || len(got.Series[0].Runs) != 2 ||
		got.Series[0].Runs[1].Baseline.StartedAt != "2026-11-01T03:17:00Z" || got.Regressions != 2 {
		t.Errorf("json: %s", stdout)
	}
	if len(got.Notes) != 1 || !strings.Contains(got.Notes[0], "goodput omitted") {
		t.Errorf("notes %q: goodput needs --slo", got.Notes)
	}
}

// TestReportTrendFlags: the decision's flags and the gates do not apply
// to a trend.
func TestReportTrendFlags(t *testing.T) {
	e, _, stderr := testEnv(nil)
	code := dispatch(t.Context(), e, []string{"report", t.TempDir(), "--trend", "--volume", "1M:1M", "--fail-on", "error_rate > 1%"})
	if code != exitUsage || !strings.Contains(stderr.String(), "--volume does not apply to --trend") ||
		!strings.Contains(stderr.String(), "--fail-on does not apply to --trend") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}

// TestReportTrendHTMLInChromium writes the trend page next to the
// nights, opens it in headless Chromium and checks the rendered DOM: a
// chart per metric, a point per night and line linked to that night's
// manifest (which exists, relative to the page), the crashed night drawn
// apart, and no console errors.
func TestReportTrendHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	root := trendFixture(t)
	page := filepath.Join(root, "trend.html")
	e, _, stderr := testEnv(nil)
	args := append(append([]string{"report"}, nightDirs(t, root)...), "--trend", "--format", "html", "--slo", "ttft=100ms", "--out", page)
	if code := dispatch(t.Context(), e, args); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	doc := renderedDOM(t, bin, page)
	links := map[string][]string{} // chart/series -> hrefs
	open := 0
	var walk func(n *html.Node, chart string)
	walk = func(n *html.Node, chart string) {
		if n.Type == html.ElementNode {
			get := func(k string) string {
				for _, a := range n.Attr {
					if a.Key == k {
						return a.Val
					}
				}
				return ""
			}
			switch {
			case n.Data == "svg":
				chart = get("id")
			case n.Data == "a" && get("data-series") != "":
				links[chart+"/"+get("data-series")] = append(links[chart+"/"+get("data-series")], get("href"))
			case n.Data == "circle" && strings.Contains(get("class"), "open"):
				open++
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, chart)
		}
	}
	walk(doc, "")
	for _, chart := range []string{"trend-ttft", "trend-tpot", "trend-e2e", "trend-goodput", "trend-errors", "trend-cost"} {
		if len(links[chart+"/sim"])+len(links[chart+"/sim p50"]) != 4 || len(links[chart+"/api"])+len(links[chart+"/api p50"]) != 2 {
			t.Errorf("%s: points %v", chart, links)
		}
	}
	for i, href := range links["trend-ttft/sim p50"] {
		if want := fmt.Sprintf("2026-11-%02d/nightly/sim/manifest.json", i+1); href != want {
			t.Errorf("night %d links %q, want %q", i+1, href, want)
		}
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(href))); err != nil {
			t.Errorf("%s does not resolve from the page: %v", href, err)
		}
	}
	// The crashed night: once per line of sim (p50 and p95 of three
	// latencies, goodput, errors, cost).
	if open != 9 {
		t.Errorf("%d open dots, want 9", open)
	}
}
