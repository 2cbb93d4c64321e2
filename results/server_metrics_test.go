package results

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestServerMetricsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	w, err := NewServerMetricsWriter(dir, "r1")
	if err != nil {
		t.Fatal(err)
	}
	w.RowGroupRows = 3
	ts := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	want := []ServerMetricSample{
		{RunID: "r1", Ts: ts, TsNs: 1, Source: "http://127.0.0.1:8000/metrics", Name: "vllm:num_requests_waiting",
			Type: "gauge", Canonical: "waiting", Labels: LabelsJSON(map[string]string{"model_name": "m", "engine": "0"}), Value: 3},
		{RunID: "r1", Ts: ts, TsNs: 1, Source: "http://127.0.0.1:8000/metrics", Name: "vllm:e2e_request_latency_seconds_bucket",
			Type: "histogram", Labels: LabelsJSON(map[string]string{"le": "+Inf"}), Value: 10},
		{RunID: "r1", Ts: ts.Add(time.Second), TsNs: 1e9 + 1, Source: "http://127.0.0.1:8000/metrics", Name: "up",
			Type: "untyped", Labels: LabelsJSON(nil), Value: 1},
		{RunID: "r1", Ts: ts.Add(time.Second), TsNs: 1e9 + 1, Source: "http://127.0.0.1:8000/metrics", Name: "x",
			Type: "gauge", Labels: "{}", Value: -0.5},
	}
	for i := range want {
		if err := w.Write(want[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := ReadServerMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i].Ts = got[i].Ts.UTC()
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if got[0].Labels != `{"engine":"0","model_name":"m"}` {
		t.Errorf("labels not sorted JSON: %s", got[0].Labels)
	}
	m, err := got[0].LabelMap()
	if err != nil || m["model_name"] != "m" {
		t.Errorf("LabelMap = %v, %v", m, err)
	}
	checkMeta(t, filepath.Join(dir, ServerMetricsFile), "server_metrics")
}
