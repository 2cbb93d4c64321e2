package livemetrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

var _ bench.Observer = (*Run)(nil)

// scrape reads the metrics m serves.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

func labels(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}

// TestRunMetrics observes a shard's records and a request in flight, and
// reads them back as Prometheus serves them.
func TestRunMetrics(t *testing.T) {
	m := New()
	r := m.Run("vllm", workloads.Shard{Index: 1, Count: 2})
	r.Begin(bench.Started{RunID: "nightly-shard-1-of-2"})
	fams := scrape(t, m)
	for _, name := range Names {
		if fams[name] == nil {
			t.Errorf("%s not served before the first request", name)
		}
	}
	ok := results.Record{Status: results.StatusOK, OutputTokens: 5, TTFTNs: 2e8, E2ENs: 1e9, ScheduleLagNs: 1e6,
		ChunkGapsNs: []int64{4e7, 6e7}, ChunkTokens: []int32{1, 1, 3}}
	r.Observe(&ok)
	bad := results.Record{Status: results.StatusError, ErrorClass: "http_429", ScheduleLagNs: 2e6}
	r.Observe(&bad)
	warm := ok
	warm.Warmup = true
	r.Observe(&warm)

	// A request inside the wrapped target counts as in flight.
	release := make(chan struct{})
	inside := make(chan struct{})
	target := r.Target(bench.TargetFunc(func(ctx context.Context, _ results.Clock, _ *workloads.Request) results.Record {
		close(inside)
		<-release
		return results.Record{}
	}))
	done := make(chan struct{})
	go func() {
		target.Do(context.Background(), results.NewClock(time.Now()), &workloads.Request{})
		close(done)
	}()
	<-inside
	fams = scrape(t, m)
	close(release)
	<-done

	want := map[string]string{"run": "nightly", "shard": "1", "target": "vllm"}
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			for k, v := range want {
				if labels(mt)[k] != v {
					t.Errorf("%s: %s=%q, want %q", f.GetName(), k, labels(mt)[k], v)
				}
			}
		}
	}
	byStatus := map[string]float64{}
	for _, mt := range fams["inferbench_requests_total"].GetMetric() {
		l := labels(mt)
		byStatus[l["status"]+"/"+l["error_class"]] = mt.GetCounter().GetValue()
	}
	if byStatus["ok/"] != 2 || byStatus["error/http_429"] != 1 {
		t.Errorf("requests_total %v", byStatus)
	}
	if v := fams["inferbench_output_tokens_total"].GetMetric()[0].GetCounter().GetValue(); v != 10 {
		t.Errorf("output tokens %v, want 10 (warm-up included)", v)
	}
	if v := fams["inferbench_in_flight"].GetMetric()[0].GetGauge().GetValue(); v != 1 {
		t.Errorf("in flight %v, want 1", v)
	}
	for name, n := range map[string]uint64{"inferbench_ttft_seconds": 1, "inferbench_e2e_seconds": 1,
		"inferbench_schedule_lag_seconds": 2, "inferbench_itl_seconds": 4} {
		h := fams[name].GetMetric()[0].GetHistogram()
		if h.GetSampleCount() != n {
			t.Errorf("%s: %d samples, want %d (warm-up left out)", name, h.GetSampleCount(), n)
		}
	}
	// The 60 ms gap carried 3 tokens: three ITLs of 20 ms.
	if s := fams["inferbench_itl_seconds"].GetMetric()[0].GetHistogram().GetSampleSum(); s < 0.0999 || s > 0.1001 {
		t.Errorf("ITL sum %v, want 0.1 s", s)
	}
	if v := scrape(t, m)["inferbench_in_flight"].GetMetric()[0].GetGauge().GetValue(); v != 0 {
		t.Errorf("in flight %v after the request, want 0", v)
	}
}

func TestServe(t *testing.T) {
	s, err := Serve("127.0.0.1:0", New())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + s.Addr + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}
