package reports

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

// benchGaps is the number of chunk gaps per synthetic request: 1M
// requests then carry 16M inter-token latencies.
const benchGaps = 16

// syntheticRun is a RunData of n requests with random latencies (1% failed),
// built once per size and shared by the benchmarks.
var syntheticRun = sync.OnceValue(func() *RunData { return buildSyntheticRun(1_000_000) })

func buildSyntheticRun(n int) *RunData {
	rng := rand.New(rand.NewPCG(7, 11))
	run := NewRunData("", &results.Manifest{RunID: "bench", StopReason: results.StopCompleted,
		Prices: &results.Prices{InputPer1M: 1, OutputPer1M: 4}})
	gaps := make([]int64, benchGaps)
	for i := range n {
		sent := int64(i)*int64(time.Millisecond) + 1
		var r results.Record
		if rng.IntN(100) == 0 {
			r = results.Record{ScheduledNs: sent, SentNs: sent, DoneNs: sent + int64(time.Second)}
			r.SetError(results.ErrClassHTTP5xx, "x")
		} else {
			ttft := int64(20+rng.ExpFloat64()*80) * int64(time.Millisecond)
			var decode int64
			for j := range gaps {
				gaps[j] = int64(5+rng.ExpFloat64()*20) * int64(time.Millisecond)
				decode += gaps[j]
			}
			r = results.Record{Status: results.StatusOK, ScheduledNs: sent - rng.Int64N(1000), SentNs: sent,
				FirstTokenNs: sent + ttft, FirstOutputNs: sent + ttft, LastTokenNs: sent + ttft + decode,
				DoneNs: sent + ttft + decode + 1000, InputTokens: 500, OutputTokens: benchGaps + 1,
				InputTokensSource: results.TokensFromUsage, OutputTokensSource: results.TokensFromUsage,
				ChunkGapsNs: gaps}
		}
		r.Derive()
		run.Add(&r)
	}
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
