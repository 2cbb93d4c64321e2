package reports

import (
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

// BenchmarkLoad100k reads a 100,000-request run (16 chunk gaps each) from
// Parquet: the decoding half of `inferbench report`. Multiply by 10 for a
// 1M-request run.
func BenchmarkLoad100k(b *testing.B) {
	dir := b.TempDir()
	w, err := results.NewWriter(dir, "bench", results.WriterConfig{})
	if err != nil {
		b.Fatal(err)
	}
	gaps := make([]int64, fixture.BenchGaps)
	for j := range gaps {
		gaps[j] = int64(j+5) * int64(time.Millisecond)
	}
	for i := range 100_000 {
		sent := int64(i)*int64(time.Millisecond) + 1
		r := results.Record{RunID: "bench", Target: "t", Model: "m", Status: results.StatusOK,
			RequestIndex: int64(i), ScheduledNs: sent, SentNs: sent,
			FirstTokenNs: sent + 5e7, FirstOutputNs: sent + 5e7, LastTokenNs: sent + 5e8, DoneNs: sent + 5e8 + 1,
			InputTokens: 500, OutputTokens: fixture.BenchGaps + 1, ChunkGapsNs: gaps,
			InputTokensSource: results.TokensFromUsage, OutputTokensSource: results.TokensFromUsage}
		r.Derive()
		if err := w.Write(r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := results.WriteManifest(dir, &results.Manifest{RunID: "bench"}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		if run.Rows() != 100_000 {
			b.Fatal(run.Rows())
		}
	}
}
