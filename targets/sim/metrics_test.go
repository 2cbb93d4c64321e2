package sim

import (
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape parses the Server's /metrics.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

func TestMetricsExposeVLLMNames(t *testing.T) {
	s, url := startServer(t, Config{Model: "m1", DecodeStep: time.Millisecond, KVCapacityTokens: 1000, DefaultMaxTokens: 10})
	for range 3 {
		stream(t.Context(), t, url, "/v1/chat/completions", `{"messages":[{"role":"user","content":"12345678"}],"max_tokens":4,"stream":true}`)
	}
	fams := scrape(t, url)
	for _, tc := range []struct {
		name string
		typ  dto.MetricType
		want float64 // for counters and gauges; histogram: sample count
	}{
		{"vllm:num_requests_running", dto.MetricType_GAUGE, 0},
		{"vllm:num_requests_waiting", dto.MetricType_GAUGE, 0},
		{"vllm:kv_cache_usage_perc", dto.MetricType_GAUGE, 0},
		{"vllm:num_preemptions_total", dto.MetricType_COUNTER, 0},
		{"vllm:prompt_tokens_total", dto.MetricType_COUNTER, 6}, // 3 x ceil(8/4)
		{"vllm:generation_tokens_total", dto.MetricType_COUNTER, 12},
		{"vllm:time_to_first_token_seconds", dto.MetricType_HISTOGRAM, 3},
		{"vllm:e2e_request_latency_seconds", dto.MetricType_HISTOGRAM, 3},
		{"vllm:request_success_total", dto.MetricType_COUNTER, 3},
	} {
		f, ok := fams[tc.name]
		if !ok {
			t.Errorf("%s missing", tc.name)
			continue
		}
		if f.GetType() != tc.typ || len(f.Metric) != 1 {
			t.Errorf("%s: type %v with %d series, want %v with 1", tc.name, f.GetType(), len(f.Metric), tc.typ)
			continue
		}
		m := f.Metric[0]
		model := ""
		for _, l := range m.Label {
			if l.GetName() == "model_name" {
				model = l.GetValue()
			}
		}
		if model != "m1" {
			t.Errorf("%s: model_name %q, want m1", tc.name, model)
		}
		var got float64
		switch tc.typ {
		case dto.MetricType_GAUGE:
			got = m.GetGauge().GetValue()
		case dto.MetricType_COUNTER:
			got = m.GetCounter().GetValue()
		case dto.MetricType_HISTOGRAM:
			got = float64(m.GetHistogram().GetSampleCount())
		}
		if got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}

	// Gauges follow the engine: one long request running.
	go doStream(t.Context(), url, "/v1/chat/completions", `{"messages":[{"role":"user","content":"12345678"}],"max_tokens":400,"stream":true}`)
	pollStats(t, s, "running", func(st Stats) bool { return st.Running == 1 })
	fams = scrape(t, url)
	if v := fams["vllm:num_requests_running"].Metric[0].GetGauge().GetValue(); v != 1 {
		t.Errorf("num_requests_running %v, want 1", v)
	}
	if v := fams["vllm:kv_cache_usage_perc"].Metric[0].GetGauge().GetValue(); v <= 0 || v > 1 {
		t.Errorf("kv_cache_usage_perc %v, want in (0,1]", v)
	}
}

func TestMetricsRegistriesArePrivate(t *testing.T) {
	// Two servers in one process: each counts only its own requests.
	_, a := startServer(t, Config{Model: "a"})
	_, b := startServer(t, Config{Model: "b"})
	stream(t.Context(), t, a, "/v1/chat/completions", `{"model":"a","messages":[{"role":"user","content":"x"}],"max_tokens":2,"stream":true}`)
	for url, want := range map[string]float64{a: 2, b: 0} {
		if got := scrape(t, url)["vllm:generation_tokens_total"].Metric[0].GetCounter().GetValue(); got != want {
			t.Errorf("%s: generation tokens %v, want %v", url, got, want)
		}
	}
}
