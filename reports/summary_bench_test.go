package reports

import (
	"sync"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

// syntheticRun is fixture.Synthetic's 1M requests as a RunData, built
// once and shared by the benchmarks.
var syntheticRun = sync.OnceValue(func() *RunData { return buildSyntheticRun(1_000_000) })

func buildSyntheticRun(n int) *RunData {
	run := NewRunData("", &results.Manifest{RunID: "bench", StopReason: results.StopCompleted,
		Prices: &results.Prices{InputPer1M: 1, OutputPer1M: 4}})
	fixture.Synthetic(n, run.Add)
	return run
}

// BenchmarkSummarize1M summarises 1,000,000 requests (16M ITL values)
// with an SLO and prices: the cost of `inferbench report` after loading.
func BenchmarkSummarize1M(b *testing.B) {
	run := syntheticRun()
	opt := Options{SLO: SLO{TTFT: 200 * time.Millisecond, TPOT: 30 * time.Millisecond}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s := Summarize(run, opt)
		if s.Requests.Total != 1_000_000 {
			b.Fatal(s.Requests.Total)
		}
	}
}

// BenchmarkAdd1M folds 1,000,000 Records into a RunData: the in-memory part of
// Load (Parquet decoding not included).
func BenchmarkAdd1M(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		buildSyntheticRun(1_000_000)
	}
}
