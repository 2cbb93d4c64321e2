package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// dashboardMetrics are the metric names the Grafana dashboard's queries
// use: every panel target's expr and every template variable's query, a
// histogram's _bucket, _sum and _count read as the histogram.
func dashboardMetrics(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var dash any
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	name := regexp.MustCompile(`\binferbench_[a-z0-9_]+`)
	seen := map[string]bool{}
	queries := 0
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				walk(c, k)
			}
		case []any:
			for _, c := range v {
				walk(c, key)
			}
		case string:
			if key != "expr" && key != "query" {
				return
			}
			queries++
			for _, n := range name.FindAllString(v, -1) {
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					if s, ok := strings.CutSuffix(n, suffix); ok && strings.HasSuffix(s, "_seconds") {
						n = s
					}
				}
				seen[n] = true
			}
		}
	}
	walk(dash, "")
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	if queries < 8 || len(names) < 7 {
		t.Fatalf("%s: %d queries naming %v: the dashboard lost its panels", file, queries, names)
	}
	return names
}

// scrapeMetrics reads a /metrics page.
func scrapeMetrics(url string) (map[string]*dto.MetricFamily, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// TestRunMetricsListen scrapes run --metrics-listen while a run goes: the
// request counter moves, the series carry the run's labels, and every
// metric the Grafana dashboard in examples/grafana queries is served.
func TestRunMetricsListen(t *testing.T) {
	names := dashboardMetrics(t, "../../examples/grafana/inferbench.json")
	url := exactSim(t, 20*time.Millisecond, 5*time.Millisecond)
	wl := writeWorkload(t, 4, 20)
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	done := make(chan int, 1)
	go func() {
		done <- dispatch(t.Context(), e, []string{"run", "--base-url", url, "--model", "sim", "--workload", wl,
			"--rate", "20/s", "--requests", "40", "--out", out, "--run-id", "live", "--quiet", "--metrics-listen", "127.0.0.1:0"})
	}()
	// Every wait is bounded: 10 s each at most.
	wait := func(what string, ok func() bool) {
		t.Helper()
		for range 200 {
			if ok() {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("gave up waiting for %s\n%s", what, stderr)
	}
	addr := regexp.MustCompile(`live metrics at (http://\S+/metrics)`)
	var page string
	wait("the metrics address", func() bool {
		if m := addr.FindStringSubmatch(stderr.String()); m != nil {
			page = m[1]
		}
		return page != ""
	})
	served := map[string]*dto.MetricFamily{}
	total := func() float64 {
		fams, err := scrapeMetrics(page)
		if err != nil {
			return -1
		}
		for n, f := range fams {
			served[n] = f
		}
		var sum float64
		for _, m := range fams["inferbench_requests_total"].GetMetric() {
			sum += m.GetCounter().GetValue()
		}
		return sum
	}
	var first float64
	wait("a finished request", func() bool { first = total(); return first > 0 })
	wait("the counter to move", func() bool { return total() > first })
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, n := range names {
		if served[n] == nil {
			t.Errorf("the dashboard queries %s, which the binary does not serve", n)
		}
	}
	for _, m := range served["inferbench_requests_total"].GetMetric() {
		l := map[string]string{}
		for _, p := range m.GetLabel() {
			l[p.GetName()] = p.GetValue()
		}
		if l["run"] != "live" || l["shard"] != "0" || l["target"] == "" {
			t.Errorf("labels %v", l)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "live")); err != nil {
		t.Error(err)
	}
}
