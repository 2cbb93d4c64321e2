package html

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/chart"
	"github.com/inferbench/inferbench/reports/decide"
	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/reports/internal/table"
	"github.com/inferbench/inferbench/results"
	"golang.org/x/net/html"
)

// htmlRun builds a run of n requests whose latencies grow with slow (ms
// added per request index) and with every ninth request failed.
// ms is a millisecond in nanoseconds.
const ms = fixture.Ms

func htmlRun(m *results.Manifest, n int, ttft, slow int64, errClass string) *reports.RunData {
	r := reports.NewRunData("", m)
	for i := int64(0); i < int64(n); i++ {
		if errClass != "" && i%9 == 8 {
			f := fixture.FailRec(i*50, i*50+20, errClass)
			f.ErrorMessage = "upstream said: " + errClass
			r.Add(&f)
			continue
		}
		// A spread that is not linear, so CDFs have a shape.
		t := ttft + (i*i*slow)%(ttft*3+1)
		rec := fixture.OKRec(i*50, t, t+200+i*slow, 120+i%7*10, 40+i%5*8, fixture.MsGaps(20, 25, 30+i%4), []int32{1, 1, 1, 2})
		r.Add(&rec)
	}
	return r
}

// htmlRuns are the runs of the golden HTML report: an API priced per
// token, and a self-hosted target priced per GPU-hour at three offered
// rates (a sweep).
func htmlRuns() []*reports.RunData {
	api := &results.Manifest{SchemaVersion: 1, RunID: "20261126-api", StopReason: results.StopCompleted,
		Tool:      results.Tool{Name: "inferbench", Version: "v0.1.0", Commit: "abc1234", GoVersion: "go1.26.0"},
		Host:      results.Host{Hostname: "ci-runner", OS: "linux", Arch: "amd64", CPUs: 2},
		StartedAt: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), EndedAt: time.Date(2026, 11, 26, 10, 1, 0, 0, time.UTC),
		Target: results.TargetInfo{Name: "api", Kind: "api", Provider: "openai", Protocol: "openai-chat",
			BaseURL: "https://api.example.test/v1", Model: "gpt-test", APIKeyEnv: "OPENAI_API_KEY"},
		Workload: results.WorkloadInfo{Name: "chat", Path: "chat.jsonl", SHA256: strings.Repeat("ab", 32), Requests: 36},
		Load:     results.LoadInfo{Mode: "rate", Rate: 4, Arrival: "poisson", Seed: 7, Requests: 36},
		Prices:   &results.Prices{InputPer1M: 2.5, OutputPer1M: 10, Source: "test catalogue", CheckedAt: "2026-11-01"},
		Args:     []string{"run", "--rate", "4/s"},
	}
	runs := []*reports.RunData{htmlRun(api, 36, 300, 7, results.ErrClassRateLimited)}
	for i, rate := range []float64{2, 4, 8} {
		m := &results.Manifest{SchemaVersion: 1, RunID: fmt.Sprintf("20261126-vllm-%d", i), StopReason: results.StopCompleted,
			Target: results.TargetInfo{Name: "vllm", Kind: "self-hosted", Protocol: "openai-chat",
				BaseURL: "http://10.0.0.5:8000/v1", Model: "llama-70b"},
			Workload: results.WorkloadInfo{Name: "chat", SHA256: strings.Repeat("ab", 32), Requests: 36},
			Load:     results.LoadInfo{Mode: "rate", Rate: rate, Arrival: "poisson", Requests: 36},
			Prices:   &results.Prices{GPUHourly: 5, Source: "2 x $2.50/GPU-hour"},
		}
		runs = append(runs, htmlRun(m, 36, 80*int64(i+1), int64(3*(i+1)), ""))
	}
	return runs
}

func htmlOptions() Options {
	sat := SaturationChart{Title: "GPU utilisation", YLabel: "%"}
	for g := range 2 {
		s := chart.Series{Name: "vllm GPU " + strconv.Itoa(g), Color: g}
		for t := range 20 {
			s.Points = append(s.Points, chart.Point{X: float64(t), Y: float64(50 + (t*7+g*13)%45)})
		}
		sat.Series = append(sat.Series, s)
	}
	return Options{Options: reports.Options{SLO: reports.SLO{TTFT: 400 * time.Millisecond}}, Saturation: []SaturationChart{sat}}
}

func renderHTML(t *testing.T, runs []*reports.RunData, opt Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, runs, opt); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRenderHTMLGolden(t *testing.T) {
	got := renderHTML(t, htmlRuns(), htmlOptions())
	fixture.Golden(t, "html/report.html", got)
	// The same input gives the same page (no map order, no clock).
	if again := renderHTML(t, htmlRuns(), htmlOptions()); !bytes.Equal(got, again) {
		t.Error("two renderings of the same runs differ")
	}
}

// node helpers over golang.org/x/net/html.

func parseHTML(t *testing.T, b []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func walk(n *html.Node, fn func(n *html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// drawn maps each chart (svg id) to its series (data-series) and how many
// points or which value each has.
func drawn(doc *html.Node) map[string]map[string]string {
	out := map[string]map[string]string{}
	var svgID string
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.Data == "svg" {
			svgID, _ = attr(n, "id")
			out[svgID] = map[string]string{}
		}
		name, ok := attr(n, "data-series")
		if !ok {
			return
		}
		if v, ok := attr(n, "data-points"); ok {
			out[svgID][name] = v
		}
		if v, ok := attr(n, "data-value"); ok {
			cat, _ := attr(n, "data-category")
			out[svgID][cat+" / "+name] = v
		}
	})
	return out
}

func TestRenderHTMLCharts(t *testing.T) {
	doc := parseHTML(t, renderHTML(t, htmlRuns(), htmlOptions()))
	got := drawn(doc)
	want := map[string]map[string]string{
		// 36 api requests, 4 failed; ok requests only.
		"cdf-ttft": {"api": "32", "vllm @ 2 req/s poisson": "36", "vllm @ 4 req/s poisson": "36", "vllm @ 8 req/s poisson": "36"},
		"cdf-e2e":  {"api": "32", "vllm @ 2 req/s poisson": "36", "vllm @ 4 req/s poisson": "36", "vllm @ 8 req/s poisson": "36"},
		// Only vllm ran at several loads; the api's single load is no sweep.
		"sweep-rate-TTFT":       {"vllm p50": "3", "vllm p99": "3"},
		"sweep-rate-TPOT":       {"vllm p50": "3", "vllm p99": "3"},
		"sweep-rate-throughput": {"vllm": "3"},
		"monthly-cost":          {"api (per token)": "2"},
		"saturation-0":          {"vllm GPU 0": "20", "vllm GPU 1": "20"},
	}
	for id, series := range want {
		for name, n := range series {
			if got[id][name] != n {
				t.Errorf("chart %s series %q: %q points, want %s (chart has %v)", id, name, got[id][name], n, got[id])
			}
		}
	}
	// Bars: one per priced run and statistic, with the summary's value.
	ss := reports.Summarize(htmlRuns()[0], reports.Options{})
	key := "api / all-in per 1M output tokens (input cost included)"
	if v := got["cost-per-1m"][key]; v != strconv.FormatFloat(ss.Cost.USDPer1MOutput, 'g', 6, 64) {
		t.Errorf("bar %s = %q, want %v", key, v, ss.Cost.USDPer1MOutput)
	}
	if n := len(got["cost-per-1m"]); n != 8 {
		t.Errorf("cost bars: %d, want 8: %v", n, got["cost-per-1m"])
	}
	// One staircase for the three vllm runs: same GPUs, same price.
	if n, _ := strconv.Atoi(got["monthly-cost"]["vllm ($5/h a replica)"]); n < 4 || len(got["monthly-cost"]) != 2 {
		t.Errorf("monthly cost lines: %v", got["monthly-cost"])
	}
	// Markers: the capacity of the sweep on its throughput chart, and on
	// the monthly chart the break-even of each self-hosted target against
	// the API.
	marks := markers(doc)
	if len(marks["monthly-cost"]) != 1 || !strings.HasSuffix(marks["monthly-cost"][0], " vs api") {
		t.Errorf("break-even markers = %q", marks["monthly-cost"])
	}
	if !slices.Equal(marks["sweep-rate-throughput"], []string{"capacity rate 2/s"}) {
		t.Errorf("capacity markers = %q", marks["sweep-rate-throughput"])
	}
	// The SLO (TTFT 400 ms) is drawn on the TTFT chart.
	if rules := rules(doc); !slices.Equal(rules["sweep-rate-TTFT"], []string{"SLO TTFT 400ms"}) || len(rules["sweep-rate-TPOT"]) != 0 {
		t.Errorf("rules %q", rules)
	}
}

// TestRenderHTMLBreakEven checks the break-even volume on the monthly
// chart, which comes from Decide, against the cost model's worked
// example: 2 GPUs at $2.50/h for 720 h is $3,600 a month; GPT-4o at $2.50
// in / $10 out per 1M on a 5:1 mix is $3.75 per 1M tokens; they break even
// at 960M tokens a month, provided one replica can serve that much. If it
// cannot, the GPUs cost more per token than the API even when full, and
// there is no break-even.
func TestRenderHTMLBreakEven(t *testing.T) {
	gpt4o := reports.Summary{RunID: "gpt-4o", Target: "gpt-4o", Requests: reports.Counts{Total: 10, OK: 10},
		Cost: &reports.Cost{Model: reports.CostPerToken, Prices: results.Prices{InputPer1M: 2.5, OutputPer1M: 10}, InputTokens: 5000, OutputTokens: 1000,
			TotalUSD: 0.0225, InputUSD: 0.0125, OutputUSD: 0.01}} // 5000 * 2.5 / 1e6 + 1000 * 10 / 1e6
	// a100 is a run of the self-hosted target at a rate, serving tokPerS
	// (input + output, at the workload's 5:1 mix) with or without meeting
	// the SLO.
	a100 := func(rate, tokPerS float64, met bool) reports.Summary {
		g := &reports.Goodput{Fraction: 1}
		if !met {
			g.Fraction = 0.5
		}
		return reports.Summary{RunID: "a100-" + table.Ftoa(rate, 0), Target: "2xA100", Load: results.LoadInfo{Mode: "rate", Rate: rate},
			Requests: reports.Counts{Total: 10, OK: 10}, Goodput: g,
			RequestsPerS: tokPerS / 600, InputTokensPerS: tokPerS * 5 / 6, OutputTokensPerS: tokPerS / 6,
			Cost: &reports.Cost{Model: reports.CostGPUHourly, Prices: results.Prices{GPUHourly: 5}, InputTokens: 5000, OutputTokens: 1000}}
	}
	colors := map[string]int{"gpt-4o": 0, "2xA100": 1}
	// At 2/s the A100s broke the SLO: capacity is the 1/s run.
	broke := a100(2, 1100, false)
	for _, c := range []struct {
		name    string
		runs    []reports.Summary
		volumes []decide.Volume
		caption []string
		marker  bool
	}{
		// 1000 tok/s is 2.592B tokens a month: 960M fits in one replica.
		{"serves it", []reports.Summary{gpt4o, a100(1, 1000, true), broke}, nil, []string{
			"At the workload's input:output mix, 83:17.",
			"2xA100 breaks even with gpt-4o at 960M tokens/month",
			"One 2xA100 replica serves 2.59B tokens/month."}, true},
		// The projection asked for sets the mix; the same 5:1 here.
		{"at the volume asked for", []reports.Summary{gpt4o, a100(1, 1000, true), broke}, []decide.Volume{{InputTokens: 100e6, OutputTokens: 20e6}}, []string{
			"At the first projected volume's (100M:20M) input:output mix, 83:17.",
			"2xA100 breaks even with gpt-4o at 960M tokens/month",
			"Dashed verticals are the volumes asked for."}, true},
		// The capacity is the highest load within the SLO, not the fastest.
		{"capacity within the SLO", []reports.Summary{gpt4o, a100(1, 300, true), a100(2, 1000, false)}, nil, []string{
			"2xA100 costs more per token than gpt-4o even with its replicas full: no break-even",
			"One 2xA100 replica serves 777.6M tokens/month."}, false},
		// A sweep whose highest load met the SLO: a lower bound, said so.
		{"lower bound", []reports.Summary{gpt4o, a100(0.5, 500, true), a100(1, 1000, true)}, nil, []string{
			"2xA100 breaks even with gpt-4o at 960M tokens/month",
			"One 2xA100 replica serves at least 2.59B tokens/month (its capacity is a lower bound"}, true},
		// One load, or no load within the SLO: no capacity, no line.
		{"one load", []reports.Summary{gpt4o, a100(1, 1000, true)}, nil, []string{
			"2xA100 is not drawn: capacity unknown: one load measured (rate 1/s); run a sweep or --saturate."}, false},
		{"no load met the SLO", []reports.Summary{gpt4o, a100(1, 100, false), a100(2, 1000, false)}, nil, []string{
			"2xA100 is not drawn: capacity unknown: no load of the sweep met the SLO"}, false},
		// A volume far from the measured mix: refused, not drawn.
		{"another mix", []reports.Summary{gpt4o, a100(1, 1000, true), broke}, []decide.Volume{{InputTokens: 20e6, OutputTokens: 100e6}}, []string{
			"2xA100 is not drawn: capacity unknown at this mix: 17:83 input:output asked, 83:17 measured"}, false},
	} {
		f, ok := monthlyFigure(decide.New(c.runs, decide.Options{Volumes: c.volumes}), colors)
		if !ok {
			t.Fatalf("%s: no monthly figure", c.name)
		}
		for _, want := range c.caption {
			if !strings.Contains(f.Caption, want) {
				t.Errorf("%s: caption lacks %q:\n%s", c.name, want, f.Caption)
			}
		}
		if got := strings.Contains(string(f.SVG), `data-marker="960M vs gpt-4o"`); got != c.marker {
			t.Errorf("%s: 960M marker drawn = %v", c.name, got)
		}
		// The per-token line is drawn whole whatever the self-hosted
		// target's break-even (an unknown one once put the axis at 0).
		if !strings.Contains(string(f.SVG), `data-series="gpt-4o (per token)" data-points="2"`) {
			t.Errorf("%s: gpt-4o line not drawn whole", c.name)
		}
	}
}

// markers are the labels of each chart's markers (data-marker), by svg
// id.
func markers(doc *html.Node) map[string][]string { return byChart(doc, "data-marker") }

// rules are the labels of each chart's rules (data-rule), by svg id.
func rules(doc *html.Node) map[string][]string { return byChart(doc, "data-rule") }

func byChart(doc *html.Node, key string) map[string][]string {
	out := map[string][]string{}
	var id string
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.Data == "svg" {
			id, _ = attr(n, "id")
		}
		if v, ok := attr(n, key); ok {
			out[id] = append(out[id], v)
		}
	})
	return out
}

func TestStaircase(t *testing.T) {
	// Replicas of 100M tokens a month at $1000 each, over 10M..350M.
	got := staircase(1000, 100, 10, 350)
	want := []chart.Point{{X: 10, Y: 1000}, {X: 100, Y: 1000}, {X: 100, Y: 2000}, {X: 200, Y: 2000}, {X: 200, Y: 3000}, {X: 300, Y: 3000}, {X: 300, Y: 4000}, {X: 350, Y: 4000}}
	if !slices.Equal(got, want) {
		t.Errorf("staircase = %v, want %v", got, want)
	}
	// Unknown capacity: one replica, flat.
	if got := staircase(1000, 0, 10, 350); !slices.Equal(got, []chart.Point{{X: 10, Y: 1000}, {X: 350, Y: 1000}}) {
		t.Errorf("no capacity: %v", got)
	}
	// Too many steps to draw: the envelope.
	if got := staircase(1000, 1, 0.1, 1000); !slices.Equal(got, []chart.Point{{X: 0.1, Y: 1000}, {X: 1, Y: 1000}, {X: 1000, Y: 1e6}}) {
		t.Errorf("envelope: %v", got)
	}
}

// text is the text inside n, as a browser shows it.
func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

// TestRenderHTMLDecision checks the Decision section shows the text
// report's tables cell for cell, and that the monthly chart marks the
// break-even of the same projection.
func TestRenderHTMLDecision(t *testing.T) {
	runs := htmlRuns()
	opt := htmlOptions()
	// A volume at the self-hosted target's own mix, so its replicas and
	// break-even can be sized.
	share := decide.New(decide.SummarizeAll(runs, opt.Options, nil), decide.Options{}).Targets[1].InputShare
	opt.Decide = &decide.Options{Volumes: []decide.Volume{{InputTokens: 100e6 * share, OutputTokens: 100e6 * (1 - share)}},
		MonthHours: 730, ScorecardPlan: decide.DefaultScorecardPlan(),
		Components: []decide.Component{{Name: "LLM serving", Differentiation: 2, Complexity: 9}, {Name: "routing", Differentiation: 6, Complexity: 6}}}
	page := renderHTML(t, runs, opt)
	doc := parseHTML(t, page)
	// The section as a golden file, the component matrix in it.
	from, to := bytes.Index(page, []byte(`<section id="decision">`)), bytes.Index(page, []byte(`<section id="runs">`))
	if from < 0 || to < from {
		t.Fatalf("no decision section")
	}
	fixture.Golden(t, "html/decision.html", page[from:to])
	d := decide.New(decide.SummarizeAll(runs, opt.Options, opt.Decide.ScorecardPlan), *opt.Decide)

	// Each table under #decision: its title (h3), then rows of label and
	// cells.
	type htmlTab struct {
		title string
		rows  [][]string
	}
	var got []htmlTab
	walk(doc, func(n *html.Node) {
		if id, _ := attr(n, "id"); n.Type != html.ElementNode || id != "decision" {
			return
		}
		walk(n, func(c *html.Node) {
			switch {
			case c.Type != html.ElementNode:
			case c.Data == "h3" && strings.Contains(text(c), "("):
				got = append(got, htmlTab{title: text(c)})
			case c.Data == "tr" && len(got) > 0:
				var row []string
				for cell := c.FirstChild; cell != nil; cell = cell.NextSibling {
					if cell.Type == html.ElementNode {
						row = append(row, text(cell))
					}
				}
				got[len(got)-1].rows = append(got[len(got)-1].rows, row)
			}
		})
	})
	want := d.Sections()
	if len(got) != len(want) || len(want) < 5 { // cost, sweep of vllm, projection, scorecard, components
		t.Fatalf("decision tables: got %d, want %d (>= 5)", len(got), len(want))
	}
	if last := got[len(got)-1]; !strings.HasPrefix(last.title, "Build-vs-buy component matrix (build when") ||
		fmt.Sprint(last.rows[1:]) != "[[LLM serving 2 9 buy] [routing 6 6 build]]" {
		t.Errorf("component matrix %q", last)
	}
	for i, w := range want {
		if got[i].title != w.Title {
			t.Errorf("table %d title %q, want %q", i, got[i].title, w.Title)
		}
		wrows := [][]string{append([]string{w.Corner}, w.Table.Head...)}
		for _, r := range w.Table.Rows {
			wrows = append(wrows, append([]string{strings.TrimLeft(r.Label, " ")}, r.Cells...))
		}
		if fmt.Sprint(got[i].rows) != fmt.Sprint(wrows) {
			t.Errorf("table %q:\n got %q\nwant %q", w.Title, got[i].rows, wrows)
		}
	}
	be := d.Projections[0].BreakEvens
	if len(be) != 1 || be[0].Never || be[0].Unknown != "" {
		t.Fatalf("break-evens %+v, want one", be)
	}
	if wantMark := decide.Tokens(be[0].TokensPerMonth) + " vs api"; !slices.Equal(markers(doc)["monthly-cost"], []string{wantMark}) {
		t.Errorf("markers %q, want [%q]", markers(doc)["monthly-cost"], wantMark)
	}
	if r := rules(doc)["monthly-cost"]; len(r) != 1 || !strings.HasSuffix(r[0], " asked") {
		t.Errorf("volume rule %q", r)
	}
	// Without decide options there is no Decision section.
	if out := string(renderHTML(t, runs, htmlOptions())); strings.Contains(out, `id="decision"`) {
		t.Error("Decision section without HTMLOptions.Decide")
	}
}

func TestRenderHTMLNoPricesNoSweep(t *testing.T) {
	// One plain run: summary, latency and runs, nothing else.
	run := fixture.AddAll(reports.NewRunData("", &results.Manifest{RunID: "plain", StopReason: results.StopCompleted,
		Target: results.TargetInfo{Name: "t", Model: "m"}}), fixture.SampleRecs()...)
	out := string(renderHTML(t, []*reports.RunData{run}, Options{}))
	for _, absent := range []string{`id="sweep"`, `id="cost"`, `id="saturation"`, "<script"} {
		if strings.Contains(out, absent) {
			t.Errorf("page has %s", absent)
		}
	}
	for _, present := range []string{`id="summary"`, `id="cdf-ttft"`, `id="runs"`} {
		if !strings.Contains(out, present) {
			t.Errorf("page lacks %s", present)
		}
	}
}

func TestRenderHTMLEmpty(t *testing.T) {
	// No runs, a run without rows, a run whose every request failed (priced
	// per token and by the hour): a page, not a panic, and no NaN or Inf
	// coordinates.
	failed := func(p *results.Prices) *reports.RunData {
		m := &results.Manifest{RunID: "failed", Target: results.TargetInfo{Name: "down"}, Prices: p,
			Load: results.LoadInfo{Mode: "rate", Rate: 1}}
		return fixture.AddAll(reports.NewRunData("", m), fixture.FailRec(0, 10, results.ErrClassHTTP5xx), fixture.FailRec(5, 20, results.ErrClassHTTP5xx))
	}
	for i, runs := range [][]*reports.RunData{
		nil,
		{reports.NewRunData("", nil)},
		{failed(&results.Prices{InputPer1M: 1, OutputPer1M: 2})},
		{failed(&results.Prices{GPUHourly: 4}), failed(&results.Prices{InputPer1M: 1, OutputPer1M: 2})},
	} {
		out := renderHTML(t, runs, Options{})
		if !bytes.Contains(out, []byte("</html>")) {
			t.Errorf("case %d: incomplete page", i)
		}
		for _, bad := range []string{"NaN", "Inf"} {
			if bytes.Contains(out, []byte(bad)) {
				t.Errorf("case %d: page has %s", i, bad)
			}
		}
	}
}

// TestRenderHTMLInjection puts markup into every string a run carries and
// checks none of it comes out as markup.
func TestRenderHTMLInjection(t *testing.T) {
	payloads := []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, `'><svg onload=alert(1)>`}
	var runs []*reports.RunData
	for i, p := range payloads {
		for j, rate := range []float64{1, 2} { // two loads: the sweep charts carry the names too
			m := &results.Manifest{RunID: "run" + p + strconv.Itoa(j), StopReason: results.StopInterrupted, StopDetail: p,
				Tool:     results.Tool{Name: p, Version: p, Commit: p},
				Host:     results.Host{Hostname: p},
				Target:   results.TargetInfo{Name: "target" + p, Kind: p, Provider: p, Protocol: p, BaseURL: p, Model: "model" + p},
				Workload: results.WorkloadInfo{Name: p, Path: p, SHA256: p},
				Load:     results.LoadInfo{Mode: "rate", Rate: rate, Arrival: p},
				Args:     []string{p},
			}
			if i == 0 {
				m.Prices = &results.Prices{GPUHourly: 3, Source: p, CheckedAt: p}
			} else {
				m.Prices = &results.Prices{InputPer1M: 1, OutputPer1M: 2, Source: p}
			}
			r := htmlRun(m, 20, 100, 5, "class"+p)
			r.Notes = append(r.Notes, "note "+p)
			runs = append(runs, r)
		}
	}
	opt := Options{Title: "title" + payloads[0], Saturation: []SaturationChart{{Title: payloads[1], YLabel: payloads[2],
		Series: []chart.Series{{Name: payloads[0], Points: []chart.Point{{X: 0, Y: 1}, {X: 1, Y: 2}}}}}}}
	out := renderHTML(t, runs, opt)

	for _, p := range payloads {
		if bytes.Contains(out, []byte(p)) {
			t.Errorf("payload %s appears unescaped", p)
		}
	}
	for _, bad := range []string{"<script", "<img", "<svg onload"} {
		if bytes.Contains(bytes.ToLower(out), []byte(bad)) {
			t.Errorf("output contains %s", bad)
		}
	}
	doc := parseHTML(t, out)
	var elems int
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		elems++
		switch n.Data {
		case "script", "img", "iframe", "object", "embed":
			t.Errorf("<%s> element in the page", n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("<%s %s=%q>: event handler attribute", n.Data, a.Key, a.Val)
			}
			if v := strings.ToLower(a.Val); strings.Contains(v, "javascript:") {
				t.Errorf("<%s %s=%q>: javascript URL", n.Data, a.Key, a.Val)
			}
		}
	})
	// And the payloads are there, as text: escaped, not dropped.
	text := textOf(doc)
	for _, p := range payloads {
		if !strings.Contains(text, "target"+p) {
			t.Errorf("target name %q is not shown as text", "target"+p)
		}
	}
	if !strings.Contains(text, "class"+payloads[1]) {
		t.Error("error class not shown as text")
	}
	if elems < 100 {
		t.Errorf("only %d elements: the page did not render", elems)
	}
}

// textOf is the text and attribute values of every node, unescaped.
func textOf(doc *html.Node) string {
	var b strings.Builder
	walk(doc, func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data + "\n")
		}
		for _, a := range n.Attr {
			b.WriteString(a.Val + "\n")
		}
	})
	return b.String()
}

// TestRenderHTMLLargeRunStaysSmall checks that CDFs are downsampled: the
// page of a large run is not proportional to its rows.
func TestRenderHTMLLargeRunStaysSmall(t *testing.T) {
	m := &results.Manifest{RunID: "big", Target: results.TargetInfo{Name: "big"},
		Prices: &results.Prices{InputPer1M: 1, OutputPer1M: 2}}
	run := reports.NewRunData("", m)
	for i := int64(0); i < 50_000; i++ {
		rec := fixture.OKRec(i, 50+i%997, 500+i%3001, 100, 20, nil, nil)
		run.Add(&rec)
	}
	out := renderHTML(t, []*reports.RunData{run}, Options{})
	if len(out) > 200_000 {
		t.Errorf("page of 50k requests is %d bytes", len(out))
	}
	for id, series := range drawn(parseHTML(t, out)) {
		for name, n := range series {
			if v, _ := strconv.Atoi(n); v > cdfPoints+2 {
				t.Errorf("%s %s: %d points", id, name, v)
			}
		}
	}
}

// TestSaturationChartsFromRunDir writes telemetry the way a run does and
// checks the report draws it, and that a run without any draws nothing.
func TestSaturationChartsFromRunDir(t *testing.T) {
	dir := t.TempDir()
	m := &results.Manifest{RunID: "vllm", StopReason: results.StopCompleted, Target: results.TargetInfo{Name: "vllm"}}
	runDir := fixture.WriteRun(t, dir, "vllm", m, fixture.SampleRecs())
	gw, err := results.NewGPUWriter(runDir, "vllm")
	if err != nil {
		t.Fatal(err)
	}
	var gpu []results.GPUSample
	for i := range 10 {
		for g := range int32(2) {
			s := results.GPUSample{RunID: "vllm", TsNs: int64(i) * 500 * ms, GPUIndex: g, GPUUUID: "GPU-" + strconv.Itoa(int(g)),
				UtilGPUPct: results.F64(100)}
			if g == 0 { // SM activity, where reported, is drawn instead of utilisation
				s.SMActivePct = results.F64(float64(10 * i))
			}
			gpu = append(gpu, s)
		}
	}
	if err := gw.Write(gpu); err != nil {
		t.Fatal(err)
	}
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	sw, err := results.NewServerMetricsWriter(runDir, "vllm")
	if err != nil {
		t.Fatal(err)
	}
	var srv []results.ServerMetricSample
	for i := range 6 {
		ts := int64(i) * 1000 * ms
		srv = append(srv,
			results.ServerMetricSample{RunID: "vllm", TsNs: ts, Name: "vllm:num_requests_running", Canonical: results.CanonRunning, Labels: `{"engine":"0"}`, Value: 4},
			results.ServerMetricSample{RunID: "vllm", TsNs: ts, Name: "vllm:num_requests_running", Canonical: results.CanonRunning, Labels: `{"engine":"1"}`, Value: 3},
			results.ServerMetricSample{RunID: "vllm", TsNs: ts, Name: "vllm:num_requests_waiting", Canonical: results.CanonWaiting, Labels: "{}", Value: float64(i)},
			results.ServerMetricSample{RunID: "vllm", TsNs: ts, Name: "vllm:kv_cache_usage_perc", Canonical: results.CanonKVUsage, Labels: "{}", Value: 0.5},
			results.ServerMetricSample{RunID: "vllm", TsNs: ts, Name: "other", Labels: "{}", Value: 99})
	}
	if err := sw.Write(srv); err != nil {
		t.Fatal(err)
	}
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	withTelemetry, err := reports.Load(runDir)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := reports.Load(fixture.WriteRun(t, dir, "api", &results.Manifest{RunID: "api", Target: results.TargetInfo{Name: "api"}}, fixture.SampleRecs()))
	if err != nil {
		t.Fatal(err)
	}

	if len(withTelemetry.Notes) > 0 {
		t.Errorf("notes: %v", withTelemetry.Notes)
	}
	charts := SaturationCharts([]*reports.RunData{plain, withTelemetry}, []string{"api", "vllm"})
	got := map[string][]chart.Point{}
	for _, c := range charts {
		for _, s := range c.Series {
			got[c.Title+"/"+s.Name] = s.Points
		}
	}
	if len(got) != 5 {
		t.Errorf("series: %v", got)
	}
	if p := got["GPU activity/vllm GPU 0"]; len(p) != 10 || p[9] != (chart.Point{X: 4.5, Y: 90}) {
		t.Errorf("GPU 0 (SM activity) = %v", p)
	}
	if p := got["GPU activity/vllm GPU 1"]; len(p) != 10 || p[0].Y != 100 {
		t.Errorf("GPU 1 (utilisation) = %v", p)
	}
	if p := got["Server queue/vllm running"]; len(p) != 6 || p[0].Y != 7 {
		t.Errorf("running (summed over engines) = %v", p)
	}
	if p := got["Server queue/vllm waiting"]; len(p) != 6 || p[5] != (chart.Point{X: 5, Y: 5}) {
		t.Errorf("waiting = %v", p)
	}
	if p := got["KV-cache usage/vllm"]; len(p) != 6 || p[0].Y != 50 {
		t.Errorf("KV usage (as %%) = %v", p)
	}

	// Render draws them when not given charts, and nothing for a run
	// without telemetry.
	doc := parseHTML(t, renderHTML(t, []*reports.RunData{plain, withTelemetry}, Options{}))
	d := drawn(doc)
	if d["saturation-0"]["vllm GPU 0"] != "10" || d["saturation-1"]["vllm waiting"] != "6" {
		t.Errorf("saturation charts drawn: %v", d)
	}
	out := renderHTML(t, []*reports.RunData{plain}, Options{})
	if bytes.Contains(out, []byte(`id="saturation"`)) {
		t.Error("saturation section without telemetry")
	}
}

func TestPeaksKeepsMaxima(t *testing.T) {
	var pts []chart.Point
	for i := range 1000 {
		y := 1.0
		if i == 501 {
			y = 50 // a one-sample spike must survive thinning
		}
		pts = append(pts, chart.Point{X: float64(i), Y: y})
	}
	got := peaks(pts, 100)
	if len(got) != 100 {
		t.Fatalf("%d points", len(got))
	}
	if !slices.ContainsFunc(got, func(p chart.Point) bool { return p == chart.Point{X: 501, Y: 50} }) {
		t.Error("spike lost")
	}
}

// TestRenderHTMLManyRuns checks that colours past the palette wrap (the
// CSS has c0..c7 only) and that wrapped CDF lines are dashed.
func TestRenderHTMLManyRuns(t *testing.T) {
	var runs []*reports.RunData
	for i := range 10 {
		m := &results.Manifest{RunID: "r" + strconv.Itoa(i), Target: results.TargetInfo{Name: "t" + strconv.Itoa(i)}}
		runs = append(runs, fixture.AddAll(reports.NewRunData("", m), fixture.SampleRecs()...))
	}
	out := string(renderHTML(t, runs, Options{}))
	for _, bad := range []string{"c8", "c9"} {
		if strings.Contains(out, `class="`+bad) || strings.Contains(out, " "+bad+`"`) || strings.Contains(out, " "+bad+" ") {
			t.Errorf("class %s has no colour", bad)
		}
	}
	if !regexp.MustCompile(`class="series c[0-7] dash" data-series="t8"`).MatchString(out) {
		t.Error("the ninth CDF line is not dashed")
	}
	// Eight targets take eight different colours, each its name's where
	// free.
	cols := map[string]bool{}
	for i := range 8 {
		m := regexp.MustCompile(`class="series (c[0-7])" data-series="t` + strconv.Itoa(i) + `"`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no CDF line of t%d", i)
		}
		cols[m[1]] = true
	}
	if len(cols) != 8 {
		t.Errorf("8 targets in %d colours", len(cols))
	}
}

// TestTargetColoursStable: a target keeps its colour from one report to
// the next, whatever else the report shows, unless another target's name
// hashes to the same colour.
func TestTargetColoursStable(t *testing.T) {
	run := func(target string) *reports.RunData {
		m := &results.Manifest{RunID: target + "-run", Target: results.TargetInfo{Name: target}}
		return fixture.AddAll(reports.NewRunData("", m), fixture.SampleRecs()...)
	}
	colourOf := func(out, target string) string {
		m := regexp.MustCompile(`class="series (c[0-7])" data-series="` + target + `"`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no line of %s", target)
		}
		return m[1]
	}
	// Names whose hashes differ, so no collision moves one.
	names := []string{"api-sim", "managed-sim", "vllm-h100", "groq"}
	for _, n := range names[1:] {
		if chart.ColorOf(n) == chart.ColorOf(names[0]) {
			t.Fatalf("test names collide: %s", n)
		}
	}
	alone := renderHTML(t, []*reports.RunData{run("api-sim")}, Options{})
	among := renderHTML(t, []*reports.RunData{run("vllm-h100"), run("groq"), run("api-sim")}, Options{})
	if a, b := colourOf(string(alone), "api-sim"), colourOf(string(among), "api-sim"); a != b || a != "c"+strconv.Itoa(chart.ColorOf("api-sim")) {
		t.Errorf("api-sim is %s alone and %s among others; want c%d", a, b, chart.ColorOf("api-sim"))
	}
}
