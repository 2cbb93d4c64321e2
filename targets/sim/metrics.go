package sim

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics is the Server's Prometheus exposition under vLLM's names, so the
// telemetry scraper that reads a real vLLM reads the simulator unchanged.
// Each Server has its own registry: several simulators run in one process
// (the demo's three targets, parallel tests), and the global registry would
// refuse the second set of identical names.
type metrics struct {
	reg        *prometheus.Registry
	ttft       prometheus.Observer
	e2e        prometheus.Observer
	prompt     prometheus.Counter
	generation prometheus.Counter
	success    *prometheus.CounterVec
}

// vLLM's histogram buckets for time to first token and request latency.
var (
	ttftBuckets = []float64{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
		2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0}
	e2eBuckets = []float64{0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0,
		120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0}
)

func newMetrics(s *Server) *metrics {
	labels := prometheus.Labels{"model_name": s.cfg.Model}
	m := &metrics{reg: prometheus.NewRegistry()}
	gauge := func(name, help string, f func(Stats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return f(s.Stats()) })
	}
	counterFunc := func(name, help string, f func(Stats) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return f(s.Stats()) })
	}
	ttft := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "vllm:time_to_first_token_seconds", Help: "Histogram of time to first token in seconds (engine entry to first token).",
		ConstLabels: labels, Buckets: ttftBuckets,
	})
	e2e := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "vllm:e2e_request_latency_seconds", Help: "Histogram of end to end request latency in seconds.",
		ConstLabels: labels, Buckets: e2eBuckets,
	})
	prompt := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "vllm:prompt_tokens_total", Help: "Number of prefill tokens processed.", ConstLabels: labels,
	})
	generation := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "vllm:generation_tokens_total", Help: "Number of generation tokens processed.", ConstLabels: labels,
	})
	success := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vllm:request_success_total", Help: "Count of successfully processed requests.", ConstLabels: labels,
	}, []string{"finished_reason"})
	m.reg.MustRegister(
		gauge("vllm:num_requests_running", "Number of requests in model execution batches.",
			func(st Stats) float64 { return float64(st.Running) }),
		gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.",
			func(st Stats) float64 { return float64(st.Waiting) }),
		gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.",
			func(st Stats) float64 { return st.KVUsage }),
		counterFunc("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.",
			func(st Stats) float64 { return float64(st.Preemptions) }),
		ttft, e2e, prompt, generation, success,
	)
	m.ttft, m.e2e, m.prompt, m.generation, m.success = ttft, e2e, prompt, generation, success
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
