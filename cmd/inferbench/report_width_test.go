package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/inferbench/inferbench/results"
)

// wideFixture writes seven runs with long names, long price sources and
// long command lines, the kind of report that used to be 222 columns
// wide: an API and a managed target priced per token, and a self-hosted
// target swept at concurrency 1 to 16, whose last level breaks a TTFT SLO
// of 500 ms. It returns the folder of runs.
func wideFixture(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "runs")
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	wl := results.WorkloadInfo{Name: "support-chat-recorded-2026-11", SHA256: strings.Repeat("0f", 32), Requests: 12}
	longArgs := []string{"run", "--base-url", "https://inference.internal.example.com/v1", "--model", "meta-llama/Llama-3.3-70B-Instruct",
		"--workload", "/data/workloads/support-chat-recorded-2026-11.jsonl", "--requests", "12", "--warmup", "2",
		"--out", "/var/lib/inferbench/nightly/runs", "--slo", "ttft=500ms,tpot=50ms", "--gpu-metrics", "http://10.0.0.5:9400/metrics",
		"--server-metrics", "http://10.0.0.5:8000/metrics", "--telemetry-interval", "500ms", "--kind", "self-hosted"}
	write := func(id, target, kind string, load results.LoadInfo, prices *results.Prices, ttft int64, day int) {
		var recs []results.Record
		for i := range 12 {
			recs = append(recs, reportRec(id, i, 80*int64(i), ttft+int64(i%3), ttft+300+10*int64(i), 30, 31, 32, 33))
		}
		writeReportRun(t, filepath.Join(dir, id), results.Manifest{RunID: id, StopReason: results.StopCompleted,
			StartedAt: start.Add(time.Duration(day) * time.Hour), Workload: wl, Load: load, Prices: prices, Args: longArgs,
			Target: results.TargetInfo{Name: target, Kind: kind, Model: "meta-llama/Llama-3.3-70B-Instruct",
				BaseURL: "https://inference.internal.example.com/v1", Protocol: "openai-chat"}}, recs)
	}
	src := "catalogue together/meta-llama/Llama-3.3-70B-Instruct-Turbo, https://www.together.ai/pricing"
	write("api-openai-gpt-4o-2026-11-20", "openai-gpt-4o-production", "api", results.LoadInfo{Mode: "rate", Rate: 4},
		&results.Prices{InputPer1M: 2.5, OutputPer1M: 10, CachedInputPer1M: 1.25, Source: "catalogue openai/gpt-4o, https://openai.com/api/pricing/", CheckedAt: "2026-10-01"}, 300, 0)
	write("managed-together-llama-2026-11-20", "together-llama-3.3-70b-turbo", "managed", results.LoadInfo{Mode: "rate", Rate: 4},
		&results.Prices{InputPer1M: 3.5, OutputPer1M: 3.5, Source: src, CheckedAt: "2026-06-01"}, 200, 1)
	for k, c := range []int{1, 2, 4, 8, 16} {
		ttft := int64(60 * (k + 1))
		if c == 16 {
			ttft = 900
		}
		write(fmt.Sprintf("vllm-h100-tp2-sweep-c%d", k+1), "vllm-h100-tp2-llama-3.3-70b", "self-hosted",
			results.LoadInfo{Mode: "concurrency", Concurrency: c}, &results.Prices{GPUHourly: 2 * 2.99, GPUCount: 2, USDPerGPUHour: 2.99,
				GPUType: "H100-SXM-80GB", GPUOffer: "lambda on-demand", Source: "catalogue lambda H100-SXM-80GB, https://lambda.ai/service/gpu-cloud#pricing"}, ttft, 2+k)
	}
	return dir
}

// TestReportTextFits120: the default text report of seven runs, with a
// sweep, projections at two mixes and a scorecard, is at most 120
// columns wide, and keeps every run and the price sources (as notes).
func TestReportTextFits120(t *testing.T) {
	dir := wideFixture(t)
	e, stdout, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"report", dir, "--slo", "ttft=500ms", "--volume", "96M:4M", "--volume", "20M:100M", "--scorecard", "default"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out := stdout.String()
	for i, l := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(l); n > 120 {
			t.Errorf("line %d is %d columns: %q", i+1, n, l)
		}
	}
	for _, want := range []string{"vllm-h100-tp2-sweep-c5", "api-openai-gpt-4o-2026-11-20", "https://www.together.ai/pricing",
		"possibly stale", "capacity unknown at this mix"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// measureScript is appended to a copy of the page (whose policy is
// loosened to run it) to measure it in the browser: table cells and
// scroll boxes that overflow the window, the height of the command cells,
// overlapping chart labels, and the rules and markers each chart drew.
const measureScript = `<script>
(function () {
  var W = document.documentElement.clientWidth, bad = [], overlaps = [], cmd = 0;
  document.querySelectorAll('table th, table td').forEach(function (c) {
    var r = c.getBoundingClientRect();
    if (r.right > W + 0.5 || r.left < -0.5) bad.push(c.textContent.slice(0, 40) + ' [' + Math.round(r.left) + ', ' + Math.round(r.right) + ']');
  });
  document.querySelectorAll('.scroll').forEach(function (s) {
    if (s.scrollWidth > s.clientWidth + 1) bad.push('scroll box ' + s.scrollWidth + ' > ' + s.clientWidth);
  });
  document.querySelectorAll('table.meta tr').forEach(function (tr) {
    var th = tr.querySelector('th');
    if (th && th.textContent === 'command') cmd = Math.max(cmd, tr.getBoundingClientRect().height);
  });
  document.querySelectorAll('svg').forEach(function (svg) {
    var boxes = [];
    svg.querySelectorAll('.mlabel').forEach(function (t) { boxes.push({t: t.textContent, r: t.getBoundingClientRect()}); });
    for (var i = 0; i < boxes.length; i++) for (var j = i + 1; j < boxes.length; j++) {
      var a = boxes[i].r, b = boxes[j].r;
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) overlaps.push(svg.id + ': ' + boxes[i].t + ' / ' + boxes[j].t);
    }
  });
  var marks = {};
  document.querySelectorAll('svg').forEach(function (svg) {
    svg.querySelectorAll('[data-rule],[data-marker]').forEach(function (m) {
      (marks[svg.id] = marks[svg.id] || []).push(m.getAttribute('data-rule') || m.getAttribute('data-marker'));
    });
  });
  var pre = document.createElement('pre');
  pre.id = 'measured';
  pre.textContent = JSON.stringify({width: W, overflow: bad, commandRowPx: cmd, overlaps: overlaps, marks: marks});
  document.body.appendChild(pre);
})();
</script>`

// measured is what measureScript found.
type measured struct {
	Width        float64             `json:"width"`
	Overflow     []string            `json:"overflow"`
	CommandRowPx float64             `json:"commandRowPx"`
	Overlaps     []string            `json:"overlaps"`
	Marks        map[string][]string `json:"marks"`
}

// measurePage renders page in headless Chromium at w x h and returns
// what measureScript found.
func measurePage(t *testing.T, bin, page string, w, h int) measured {
	t.Helper()
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "default-src 'none'; style-src 'unsafe-inline'", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'", 1)
	if s == string(b) {
		t.Fatal("the page's policy was not found to loosen")
	}
	s = strings.Replace(s, "</body>", measureScript+"</body>", 1)
	probe := filepath.Join(filepath.Dir(page), "measure.html")
	if err := os.WriteFile(probe, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, console := browse(t, bin, probe, "--dump-dom", "--window-size="+strconv.Itoa(w)+","+strconv.Itoa(h))
	for _, l := range console {
		t.Errorf("console: %s", l)
	}
	i := bytes.Index(dom, []byte(`<pre id="measured">`))
	if i < 0 {
		t.Fatalf("the measuring script did not run:\n%s", dom[max(0, len(dom)-2000):])
	}
	rest := dom[i+len(`<pre id="measured">`):]
	rest = rest[:bytes.Index(rest, []byte("</pre>"))]
	var m measured
	if err := json.Unmarshal([]byte(htmlUnescape(string(rest))), &m); err != nil {
		t.Fatalf("measurement %s: %v", rest, err)
	}
	return m
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&quot;", `"`, "&lt;", "<", "&gt;", ">", "&#39;", "'", "&amp;", "&").Replace(s)
}

// TestReportHTMLFitsPage renders the seven-run report in headless
// Chromium at 1280 px and checks, in the DOM, that every table cell lies
// inside the page (no column behind a scrollbar), that a long command
// line is folded rather than wrapped into many lines, that the sweep
// charts draw the SLO and mark the capacity, that the monthly chart marks
// the volume asked for, and that no two chart labels overlap.
func TestReportHTMLFitsPage(t *testing.T) {
	bin := chromium(t)
	dir := wideFixture(t)
	page := filepath.Join(t.TempDir(), "report.html")
	e, _, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"report", dir, "--format", "html", "--slo", "ttft=500ms", "--volume", "96M:4M", "--scorecard", "default", "--out", page}); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m := measurePage(t, bin, page, 1280, 2000)
	if m.Width != 1280 {
		t.Errorf("window %v px wide, want 1280", m.Width)
	}
	for _, o := range m.Overflow {
		t.Errorf("outside the page: %s", o)
	}
	if m.CommandRowPx == 0 || m.CommandRowPx > 60 {
		t.Errorf("command row %v px high: want it folded to a line or two", m.CommandRowPx)
	}
	for _, o := range m.Overlaps {
		t.Errorf("chart labels overlap: %s", o)
	}
	want := map[string][]string{
		"sweep-concurrency-TTFT":       {"SLO TTFT 500ms"},
		"sweep-concurrency-throughput": {"capacity concurrency 8"},
		"monthly-cost":                 {"96M:4M asked"},
	}
	for chart, marks := range want {
		for _, mk := range marks {
			if !slicesContains(m.Marks[chart], mk) {
				t.Errorf("chart %s lacks %q: %q", chart, mk, m.Marks[chart])
			}
		}
	}
	if n := len(m.Marks["monthly-cost"]); n < 3 {
		t.Errorf("monthly chart: %q, want the volume and two break-evens", m.Marks["monthly-cost"])
	}

	// The check can fail: the page before this change (one table of
	// seven runs, no folding) overflows.
	b, _ := os.ReadFile(page)
	wide := strings.Replace(string(b), "table.data thead th{", "table.data{min-width:2000px}table.data thead th{", 1)
	widePage := filepath.Join(filepath.Dir(page), "wide.html")
	os.WriteFile(widePage, []byte(wide), 0o644)
	if m := measurePage(t, bin, widePage, 1280, 2000); len(m.Overflow) == 0 {
		t.Error("a page of 2000 px tables measured as fitting: the check is blind")
	}
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
