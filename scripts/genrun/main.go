// Command genrun writes a synthetic run directory of N request rows with
// results.NewWriter, for timing `inferbench report` and `inferbench
// export` on large runs (scripts/bench-report.sh). The rows look like a
// streamed chat workload: varied latencies, 16 chunk gaps per request by
// default, 1% errors and a little warm-up.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/inferbench/inferbench/results"
)

func main() {
	dir := flag.String("dir", "", "run `directory` to create")
	rows := flag.Int("rows", 1_000_000, "request `rows`")
	gaps := flag.Int("gaps", 16, "chunk gaps per request")
	rate := flag.Float64("rate", 1000, "requests per second the rows pretend to have been sent at")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "genrun: -dir is required")
		os.Exit(2)
	}
	if err := generate(*dir, *rows, *gaps, *rate); err != nil {
		fmt.Fprintln(os.Stderr, "genrun:", err)
		os.Exit(1)
	}
}

func generate(dir string, rows, gaps int, rate float64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	const runID = "bench-1m"
	w, err := results.NewWriter(dir, runID, results.WriterConfig{PartRows: 50_000})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	ms := int64(time.Millisecond)
	g := make([]int64, gaps)
	for i := range rows {
		sched := int64(float64(i)/rate*1e9) + 1
		sent := sched + rng.Int64N(ms)
		ttft := 40*ms + rng.Int64N(200*ms)
		var e2e int64 = ttft
		for j := range g {
			g[j] = 10*ms + rng.Int64N(40*ms)
			e2e += g[j]
		}
		r := results.Record{RunID: runID, Target: "bench-target", TargetKind: "self-hosted", Model: "bench-model",
			Workload: "synthetic", RequestIndex: int64(i), RequestID: fmt.Sprintf("req-%d", i),
			StartedAt: start.Add(time.Duration(sent)), Warmup: i < 100,
			ScheduledNs: sched, SentNs: sent, HeadersNs: sent + ttft/2,
			FirstTokenNs: sent + ttft, FirstOutputNs: sent + ttft, LastTokenNs: sent + e2e, DoneNs: sent + e2e + ms,
			ChunkGapsNs: g, Chunks: int32(gaps + 1),
			InputTokens: 200 + rng.Int64N(800), OutputTokens: int64(gaps + 1),
			InputTokensSource: results.TokensFromUsage, OutputTokensSource: results.TokensFromUsage,
			Status: results.StatusOK, HTTPStatus: 200, FinishReason: "stop"}
		if i%100 == 99 {
			r.FirstTokenNs, r.FirstOutputNs, r.LastTokenNs, r.ChunkGapsNs, r.OutputTokens = 0, 0, 0, nil, 0
			r.HTTPStatus = 503
			r.SetError(results.ErrClassHTTP5xx, "503 Service Unavailable")
		}
		r.Derive()
		if err := w.Write(r); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	m := &results.Manifest{SchemaVersion: results.SchemaVersion, RunID: runID, StartedAt: start,
		EndedAt: start.Add(time.Duration(float64(rows) / rate * 1e9)), StopReason: results.StopCompleted,
		Target:   results.TargetInfo{Name: "bench-target", Kind: "self-hosted", Protocol: "openai-chat", BaseURL: "http://127.0.0.1:8000/v1", Model: "bench-model"},
		Workload: results.WorkloadInfo{Name: "synthetic", Requests: rows},
		Load:     results.LoadInfo{Mode: "rate", Rate: rate, Requests: rows, Warmup: 100},
		Prices:   &results.Prices{GPUHourly: 8, Source: "genrun"},
		Parts:    w.Parts(), Requests: results.RequestCounts{Sent: int64(rows)}}
	return results.WriteManifest(dir, m)
}
