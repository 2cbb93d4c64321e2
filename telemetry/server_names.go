package telemetry

import "github.com/inferbench/inferbench/results"

// The canonical names of server saturation signals live in package
// results (the values of the server_metrics.parquet "canonical" column);
// these aliases keep telemetry's own code short.
const (
	CanonRunning          = results.CanonRunning
	CanonWaiting          = results.CanonWaiting
	CanonKVUsage          = results.CanonKVUsage
	CanonPreemptions      = results.CanonPreemptions
	CanonPromptTokens     = results.CanonPromptTokens
	CanonGenerationTokens = results.CanonGenerationTokens
)

// ServerMetricName is one engine's spelling of a canonical signal.
type ServerMetricName struct {
	Engine    string // vllm | sglang | tgi | llamacpp
	Name      string // as exposed on /metrics
	Canonical string
	Note      string
}

// KnownServerMetrics is the table behind Canonical, in documentation
// order. Sources: each engine's metrics reference, collected in
// shared/data/saturation_and_cost.md section 5.5.
var KnownServerMetrics = []ServerMetricName{
	{"vllm", "vllm:num_requests_running", CanonRunning, "requests in model execution batches"},
	{"vllm", "vllm:num_requests_waiting", CanonWaiting, "requests waiting to be processed"},
	{"vllm", "vllm:kv_cache_usage_perc", CanonKVUsage, "1 means 100 percent"},
	{"vllm", "vllm:gpu_cache_usage_perc", CanonKVUsage, "deprecated in 0.9, older servers"},
	{"vllm", "vllm:num_preemptions_total", CanonPreemptions, "counter"},
	{"vllm", "vllm:prompt_tokens_total", CanonPromptTokens, "counter"},
	{"vllm", "vllm:generation_tokens_total", CanonGenerationTokens, "counter"},
	{"sglang", "sglang:num_running_reqs", CanonRunning, "needs --enable-metrics"},
	{"sglang", "sglang:num_queue_reqs", CanonWaiting, ""},
	{"sglang", "sglang:token_usage", CanonKVUsage, "KV pool usage ratio"},
	{"sglang", "sglang:prompt_tokens_total", CanonPromptTokens, "counter"},
	{"sglang", "sglang:generation_tokens_total", CanonGenerationTokens, "counter"},
	{"tgi", "tgi_batch_current_size", CanonRunning, ""},
	{"tgi", "tgi_queue_size", CanonWaiting, ""},
	{"llamacpp", "llamacpp:requests_processing", CanonRunning, "needs --metrics"},
	{"llamacpp", "llamacpp:requests_deferred", CanonWaiting, "queued: all slots busy"},
	{"llamacpp", "llamacpp:kv_cache_usage_ratio", CanonKVUsage, "older builds only"},
	{"llamacpp", "llamacpp:prompt_tokens_total", CanonPromptTokens, "excludes cached tokens"},
	{"llamacpp", "llamacpp:tokens_predicted_total", CanonGenerationTokens, "counter"},
}

var canonicalByName = func() map[string]string {
	m := make(map[string]string, len(KnownServerMetrics))
	for _, k := range KnownServerMetrics {
		m[k.Name] = k.Canonical
	}
	return m
}()

// Canonical returns the canonical name of a series name, or "" for a
// series that is not a known saturation signal.
func Canonical(name string) string { return canonicalByName[name] }
