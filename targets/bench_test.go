package targets_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

// BenchmarkOpenAIDo measures the client's cost per request of 64 chunks:
// "loopback" through a local HTTP server (the server's own work and
// allocations are in the numbers too), "memory" with the response served
// from memory, which is the target's own overhead.
func BenchmarkOpenAIDo(b *testing.B) {
	body := streamBody(64)
	b.Run("loopback", func(b *testing.B) {
		tgt, _ := serve(b, func(s *sse) {
			s.w.Header().Set("Content-Type", "text/event-stream")
			s.w.WriteHeader(http.StatusOK)
			s.w.Write(body)
		})
		benchDo(b, func(ctx context.Context, clock results.Clock) results.Record {
			return tgt.Do(ctx, clock, testRequest())
		})
	})
	b.Run("memory", func(b *testing.B) {
		tgt := memoryTarget(b, body)
		benchDo(b, func(ctx context.Context, clock results.Clock) results.Record {
			return tgt.Do(ctx, clock, testRequest())
		})
	})
}

func benchDo(b *testing.B, do func(context.Context, results.Clock) results.Record) {
	clock := results.NewClock(time.Now())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if rec := do(ctx, clock); !rec.OK() || rec.Chunks != 64 {
			b.Fatalf("%s %s %s, %d chunks", rec.Status, rec.ErrorClass, rec.ErrorMessage, rec.Chunks)
		}
	}
}
