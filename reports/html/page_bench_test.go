package html

import (
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

// countingWriter counts the bytes of the page.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// BenchmarkRenderHTML1M renders the HTML report of 1,000,000 requests
// (16M ITL values): Summarize plus the CDFs' sorted columns and the page.
// It reports the page size, which the CDF downsampling keeps small.
func BenchmarkRenderHTML1M(b *testing.B) {
	run := reports.NewRunData("", &results.Manifest{RunID: "bench", StopReason: results.StopCompleted,
		Prices: &results.Prices{InputPer1M: 1, OutputPer1M: 4}})
	fixture.Synthetic(1_000_000, run.Add)
	opt := Options{Options: reports.Options{SLO: reports.SLO{TTFT: 200 * time.Millisecond}}}
	b.ReportAllocs()
	b.ResetTimer()
	var w countingWriter
	for b.Loop() {
		w = countingWriter{}
		if err := Render(&w, []*reports.RunData{run}, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(w.n), "page-bytes")
}
