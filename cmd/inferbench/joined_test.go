package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/reports/export"
	"github.com/inferbench/inferbench/results"
	"github.com/parquet-go/parquet-go"
)

// TestJoinedStateReachesTheUser is the check: a run against the
// simulator with --server-metrics and --gpu-metrics, whose engine runs at
// most two requests at once under eight users, so requests queue. Its
// report shows the server state the requests met (how many were sent
// while others waited, TTFT by queue depth and KV usage at send) in text
// and JSON, and `export --joined` writes each request's state as CSV and
// Parquet, both with a row per request and the queue observed.
func TestJoinedStateReachesTheUser(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated run with telemetry")
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	url, _, _ := startSim(t, ctx, nil, "--preset", "self-hosted", "--max-batch", "2")
	dir := t.TempDir()
	wl := filepath.Join(dir, "wl.jsonl")
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, `{"id": "q%d", "prompt": "Say something about the sea.", "max_tokens": 12}`+"\n", i)
	}
	if err := os.WriteFile(wl, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "runs")
	e, _, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"run", "--base-url", url + "/v1", "--model", "sim", "--workload", wl,
		"--concurrency", "8", "--requests", "40", "--warmup", "2", "--server-metrics", url + "/metrics", "--gpu-metrics", url + "/gpu/metrics",
		"--telemetry-interval", "100ms", "--out", out, "--run-id", "joined", "--quiet"}); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	runDir := filepath.Join(out, "joined")

	e, stdout, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"report", runDir}); code != exitOK {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"Server state the requests met (joined;", "sent while others waited", "requests waiting in the queue at send", "KV-cache usage at send"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	e, stdout, stderr = testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"report", runDir, "--format", "json"}); code != exitOK {
		t.Fatalf("report json: exit %d\n%s", code, stderr)
	}
	var rep struct {
		Runs []struct {
			Requests struct {
				OK int `json:"ok"`
			} `json:"requests"`
			ServerState *struct {
				Requests int `json:"requests"`
				Waited   int `json:"waited"`
				ByQueue  []struct {
					Band     string  `json:"band"`
					Requests int     `json:"requests"`
					P50      float64 `json:"ttft_p50_ms"`
				} `json:"ttft_by_queue_at_send"`
			} `json:"server_state"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &rep); err != nil {
		t.Fatal(err)
	}
	st := rep.Runs[0].ServerState
	if st == nil || st.Requests == 0 || st.Waited == 0 || len(st.ByQueue) == 0 || st.ByQueue[len(st.ByQueue)-1].Band == "0" {
		t.Fatalf("server state %+v: want requests that met a queue", st)
	}
	inBands := 0
	for _, band := range st.ByQueue {
		inBands += band.Requests
	}
	if inBands == 0 || inBands > rep.Runs[0].Requests.OK {
		t.Errorf("%d requests in queue bands of %d ok", inBands, rep.Runs[0].Requests.OK)
	}

	// export --joined, CSV on stdout.
	e, stdout, stderr = testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"export", runDir, "--joined"}); code != exitOK {
		t.Fatalf("export --joined: exit %d\n%s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(stdout.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(export.JoinedColumns(), ",") || len(rows) != 1+42 {
		t.Fatalf("joined CSV: header %v, %d rows; want 42 requests (warm-up included)", rows[0], len(rows)-1)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	queued, gpu := 0, 0
	for _, r := range rows[1:] {
		if w, err := strconv.ParseFloat(r[col["waiting_at_send"]], 64); err == nil && w > 0 {
			queued++
		}
		if r[col["max_gpu_util_pct"]] != "" && r[col["kv_usage_at_send"]] != "" {
			gpu++
		}
	}
	if queued == 0 || gpu == 0 {
		t.Errorf("joined CSV: %d rows sent into a queue, %d with GPU and KV state", queued, gpu)
	}

	// Parquet to a file, read back.
	pq := filepath.Join(dir, "joined.parquet")
	e, _, stderr = testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"export", runDir, "--joined", "--format", "parquet", "--out", pq}); code != exitOK {
		t.Fatalf("export parquet: exit %d\n%s", code, stderr)
	}
	back, err := parquet.ReadFile[export.JoinedRow](pq)
	if err != nil {
		t.Fatal(err)
	}
	pqQueued := 0
	for _, r := range back {
		if r.WaitingAtSend != nil && *r.WaitingAtSend > 0 {
			pqQueued++
		}
	}
	if len(back) != 42 || pqQueued != queued {
		t.Errorf("parquet: %d rows, %d queued; want 42 and %d as in the CSV", len(back), pqQueued, queued)
	}

	// A run without telemetry has nothing to join: a clear error.
	e, _, stderr = testEnv(nil)
	plain := filepath.Join(dir, "plain")
	writeReportRun(t, plain, results.Manifest{RunID: "plain", StopReason: results.StopCompleted}, []results.Record{reportRec("plain", 0, 0, 10, 50, 5)})
	if code := dispatch(t.Context(), e, []string{"export", plain, "--joined"}); code != exitFailed || !strings.Contains(stderr.String(), "no telemetry") {
		t.Errorf("no telemetry: exit %d, %s", code, stderr)
	}
	e, _, stderr = testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"export", runDir, "--joined", "--format", "vegeta"}); code != exitUsage {
		t.Errorf("--joined --format vegeta: exit %d, %s", code, stderr)
	}
}
