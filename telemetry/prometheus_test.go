package telemetry

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

const vllmText = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="qwen"} 12.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="qwen"} 3.0
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="qwen"} 0.42
# HELP vllm:num_preemptions_total Cumulative number of preemption from the engine.
# TYPE vllm:num_preemptions_total counter
vllm:num_preemptions_total{engine="0",model_name="qwen"} 7.0
# HELP vllm:e2e_request_latency_seconds Histogram of e2e request latency in seconds.
# TYPE vllm:e2e_request_latency_seconds histogram
vllm:e2e_request_latency_seconds_bucket{engine="0",le="0.5",model_name="qwen"} 1.0
vllm:e2e_request_latency_seconds_bucket{engine="0",le="+Inf",model_name="qwen"} 4.0
vllm:e2e_request_latency_seconds_sum{engine="0",model_name="qwen"} 6.5
vllm:e2e_request_latency_seconds_count{engine="0",model_name="qwen"} 4.0
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.2
rpc_seconds_sum 10
rpc_seconds_count 40
process_open_fds 9
`

func find(rows []results.ServerMetricSample, name, labelSub string) (results.ServerMetricSample, bool) {
	for _, r := range rows {
		if r.Name == name && strings.Contains(r.Labels, labelSub) {
			return r, true
		}
	}
	return results.ServerMetricSample{}, false
}

func TestParseTextLongForm(t *testing.T) {
	rows, err := ParseText([]byte(vllmText), "http://127.0.0.1:8000/metrics")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, label, typ, canonical string
		value                       float64
	}{
		{"vllm:num_requests_running", `"model_name":"qwen"`, "gauge", CanonRunning, 12},
		{"vllm:num_requests_waiting", `"engine":"0"`, "gauge", CanonWaiting, 3},
		{"vllm:kv_cache_usage_perc", "", "gauge", CanonKVUsage, 0.42},
		{"vllm:num_preemptions_total", "", "counter", CanonPreemptions, 7},
		{"vllm:e2e_request_latency_seconds_bucket", `"le":"0.5"`, "histogram", "", 1},
		{"vllm:e2e_request_latency_seconds_bucket", `"le":"+Inf"`, "histogram", "", 4},
		{"vllm:e2e_request_latency_seconds_sum", "", "histogram", "", 6.5},
		{"vllm:e2e_request_latency_seconds_count", "", "histogram", "", 4},
		{"rpc_seconds", `"quantile":"0.5"`, "summary", "", 0.2},
		{"rpc_seconds_sum", "", "summary", "", 10},
		{"rpc_seconds_count", "", "summary", "", 40},
		{"process_open_fds", "{}", "untyped", "", 9},
	}
	for _, tc := range tests {
		r, ok := find(rows, tc.name, tc.label)
		if !ok {
			t.Errorf("%s %s: missing", tc.name, tc.label)
			continue
		}
		if r.Type != tc.typ || r.Canonical != tc.canonical || r.Value != tc.value || r.Source != "http://127.0.0.1:8000/metrics" {
			t.Errorf("%s %s = %+v, want type %s canonical %q value %v", tc.name, tc.label, r, tc.typ, tc.canonical, tc.value)
		}
	}
	if len(rows) != len(tests) {
		t.Errorf("rows = %d, want %d", len(rows), len(tests))
	}
	r, _ := find(rows, "vllm:num_requests_running", "")
	if r.Labels != `{"engine":"0","model_name":"qwen"}` {
		t.Errorf("labels = %s", r.Labels)
	}
}

func TestCanonicalNames(t *testing.T) {
	tests := []struct{ name, want string }{
		{"vllm:num_requests_running", CanonRunning},
		{"vllm:num_requests_waiting", CanonWaiting},
		{"vllm:kv_cache_usage_perc", CanonKVUsage},
		{"vllm:gpu_cache_usage_perc", CanonKVUsage},
		{"vllm:num_preemptions_total", CanonPreemptions},
		{"sglang:num_running_reqs", CanonRunning},
		{"sglang:num_queue_reqs", CanonWaiting},
		{"sglang:token_usage", CanonKVUsage},
		{"tgi_queue_size", CanonWaiting},
		{"tgi_batch_current_size", CanonRunning},
		{"llamacpp:requests_processing", CanonRunning},
		{"llamacpp:requests_deferred", CanonWaiting},
		{"llamacpp:kv_cache_usage_ratio", CanonKVUsage},
		{"llamacpp:tokens_predicted_total", CanonGenerationTokens},
		{"vllm:e2e_request_latency_seconds_bucket", ""},
		{"DCGM_FI_DEV_GPU_UTIL", ""},
	}
	for _, tc := range tests {
		if got := Canonical(tc.name); got != tc.want {
			t.Errorf("Canonical(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseTextMalformed(t *testing.T) {
	for _, body := range []string{
		"vllm:num_requests_running{engine=\"0\" 1\n",
		"metric 1 2 3 4\n",
		"# TYPE x counter\nx abc\n",
		"<html>502 Bad Gateway</html>\n",
		// expfmt v0.71 panics on this one (nil dereference); ParseText must
		// return an error instead.
		"# TYPE A0000000000000000000000000000000 histogrAm\n{}",
	} {
		if _, err := ParseText([]byte(body), "u"); err == nil {
			t.Errorf("ParseText(%q) succeeded, want an error", body)
		}
	}
}

func FuzzParseText(f *testing.F) {
	f.Add([]byte(vllmText))
	f.Add([]byte(dcgmSampleText))
	f.Add([]byte("x{a=\"\\\"\"} 1e3 1700000000000\n"))
	f.Add([]byte("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\n"))
	f.Add([]byte(""))
	f.Add([]byte("# TYPE A0000000000000000000000000000000 histogrAm\n{}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := ParseText(body, "u")
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Name == "" {
				t.Fatalf("row without a name from %q", body)
			}
			if _, err := r.LabelMap(); err != nil {
				t.Fatalf("labels %q are not JSON: %v", r.Labels, err)
			}
		}
	})
}

// runFor runs samplers until the first has ticked ticks times.
func runFor(t *testing.T, ticks int, lb *logBuf, samplers ...Sampler) (Stats, *MemorySink) {
	t.Helper()
	var sink MemorySink
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int64
	wrapped := make([]Sampler, len(samplers))
	for i, s := range samplers {
		wrapped[i] = SamplerFunc{N: s.Name(), F: func(ctx context.Context) (Batch, error) {
			if i == 0 && n.Add(1) == int64(ticks) {
				defer cancel()
			}
			return s.Sample(ctx)
		}}
	}
	st := Collect(ctx, Options{Interval: 5 * time.Millisecond, Log: lb.log, FinalTimeout: -1}, &sink, wrapped...)
	return st, &sink
}

func TestScrapeFailuresAreLoggedOnceCountedAndNeverStopTheRun(t *testing.T) {
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept"), "text/plain") {
			t.Errorf("Accept = %q", r.Header.Get("Accept"))
		}
		fmt.Fprint(w, vllmText)
	}))
	defer good.Close()
	malformed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "vllm:num_requests_running{engine=\"0\" 1\n")
	}))
	defer malformed.Close()
	status := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusServiceUnavailable)
	}))
	defer status.Close()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	// A port nothing listens on: bind, note the address, close.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedURL := "http://" + l.Addr().String() + "/metrics"
	l.Close()

	tests := []struct {
		name  string
		url   string
		class string
	}{
		{"refused", refusedURL, ClassRefused},
		{"slow", slow.URL, ClassTimeout},
		{"malformed", malformed.URL, ClassMalformed},
		{"http_status", status.URL, ClassHTTPStatus},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var lb logBuf
			const ticks = 4
			// Only the slow server is meant to time out; the others get a
			// timeout a loaded machine cannot reach, so their class is
			// theirs and not a timeout.
			timeout := 10 * time.Second
			if tc.class == ClassTimeout {
				timeout = 30 * time.Millisecond
			}
			bad := &Scraper{URL: tc.url, Timeout: timeout}
			ok := &Scraper{URL: good.URL}
			st, sink := runFor(t, ticks, &lb, bad, ok)
			b := st.Samplers[0]
			// The tick that stops the run is not counted: Stop cut it short.
			if b.Samples < ticks-1 || b.Failures != b.Samples || b.Failed(tc.class) != b.Failures {
				t.Errorf("stats = %+v, want %d+ failures all of class %s", b, ticks-1, tc.class)
			}
			if c := lb.count(tc.url); c != 1 {
				t.Errorf("failure logged %d times, want once: %q", c, lb.lines)
			}
			if st.Samplers[1].Failures != 0 || st.Samplers[1].Samples == 0 || len(sink.Server()) == 0 {
				t.Errorf("the healthy scraper must go on: %+v, %d rows", st.Samplers[1], len(sink.Server()))
			}
		})
	}
}

func TestScraperStampsRows(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, vllmText) }))
	defer srv.Close()
	var lb logBuf
	start := time.Now()
	var sink MemorySink
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // one tick, then the final sample
	st := Collect(ctx, Options{RunID: "r9", Clock: results.NewClock(start), Log: lb.log}, &sink, &Scraper{URL: srv.URL})
	rows := sink.Server()
	n := st.Samplers[0].Samples
	if n < 1 || len(rows) != int(12*n) || st.ServerRows != 12*n {
		t.Fatalf("samples=%d rows=%d stats=%d, want 12 rows per sample", n, len(rows), st.ServerRows)
	}
	for _, r := range rows {
		if r.RunID != "r9" || r.TsNs <= 0 || r.Ts.Before(start) {
			t.Fatalf("row not stamped: %+v", r)
		}
	}
}
