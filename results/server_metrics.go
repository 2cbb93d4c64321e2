package results

import (
	"encoding/json"
	"path/filepath"
	"time"
)

// ServerMetricsFile is the name of the scraped-metrics file inside a run
// directory.
const ServerMetricsFile = "server_metrics.parquet"

// ServerMetricSample is one value of one Prometheus series at one scrape,
// in long form: one row per (scrape, series). Histograms and summaries are
// stored the way the text format spells them (name_bucket{le=...},
// name_sum, name_count, name{quantile=...}), so every row is one number.
type ServerMetricSample struct {
	RunID string    `parquet:"run_id,dict"`
	Ts    time.Time `parquet:"ts,timestamp(nanosecond)"`
	TsNs  int64     `parquet:"ts_ns"`
	// Source is the scraped URL.
	Source string `parquet:"source,dict"`
	// Name is the series name as exposed (vllm:num_requests_waiting,
	// DCGM_FI_DEV_GPU_UTIL, tgi_queue_size_bucket...).
	Name string `parquet:"name,dict"`
	// Type is the family type: counter, gauge, histogram, summary, untyped.
	Type string `parquet:"type,dict"`
	// Canonical is the engine-neutral name of a known saturation signal
	// (running, waiting, kv_usage, preemptions, ...); NULL otherwise. See
	// docs/telemetry.md for the table.
	Canonical string `parquet:"canonical,optional,dict"`
	// Labels is the label set as a JSON object with sorted keys ("{}" when
	// there are none), so every notebook tool can read it.
	Labels string  `parquet:"labels"`
	Value  float64 `parquet:"value"`
}

// LabelsJSON encodes a label set the way ServerMetricSample.Labels stores
// it: a JSON object with sorted keys.
func LabelsJSON(labels map[string]string) string {
	if len(labels) == 0 {
		return "{}"
	}
	b, err := json.Marshal(labels) // encoding/json sorts map keys
	if err != nil {
		return "{}"
	}
	return string(b)
}

// LabelMap decodes ServerMetricSample.Labels.
func (s *ServerMetricSample) LabelMap() (map[string]string, error) {
	m := map[string]string{}
	if s.Labels == "" {
		return m, nil
	}
	err := json.Unmarshal([]byte(s.Labels), &m)
	return m, err
}

// ServerMetricsWriter writes ServerMetricSamples to
// <run>/server_metrics.parquet; see TableWriter for the crash-safety and
// memory contract.
type ServerMetricsWriter = TableWriter[ServerMetricSample]

// NewServerMetricsWriter starts <runDir>/server_metrics.parquet.
func NewServerMetricsWriter(runDir, runID string) (*ServerMetricsWriter, error) {
	return NewTableWriter[ServerMetricSample](filepath.Join(runDir, ServerMetricsFile), runID, "server_metrics")
}

// ReadServerMetrics reads every row of <runDir>/server_metrics.parquet,
// with each source URL redacted (RedactURL; files written before
// redaction existed may hold credentials). A run without scraped metrics
// returns (nil, nil).
func ReadServerMetrics(runDir string) ([]ServerMetricSample, error) {
	rows, err := ReadTable[ServerMetricSample](filepath.Join(runDir, ServerMetricsFile))
	redact := redactor()
	for i := range rows {
		rows[i].Source = redact(rows[i].Source)
	}
	return rows, err
}

// Canonical names of the server saturation signals, the same whatever the
// engine. ServerMetricSample.Canonical carries them, so reports and
// notebooks ask for "waiting" instead of knowing four engines' spellings.
const (
	// CanonRunning is the number of requests in the running batch
	// (batch occupancy).
	CanonRunning = "running"
	// CanonWaiting is the number of queued requests; sustained > 0 means
	// the server is saturated.
	CanonWaiting = "waiting"
	// CanonKVUsage is KV-cache usage as a 0-1 ratio.
	CanonKVUsage = "kv_usage"
	// CanonPreemptions is the cumulative preemption counter (KV pressure).
	CanonPreemptions = "preemptions_total"
	// CanonPromptTokens and CanonGenerationTokens are cumulative token
	// counters (throughput through their rate).
	CanonPromptTokens     = "prompt_tokens_total"
	CanonGenerationTokens = "generation_tokens_total"
)
