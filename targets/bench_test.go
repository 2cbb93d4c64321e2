package targets_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
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
	// Without usage: every stream keeps its text and the tokenizer counts
	// it at the end (the fallback's whole cost); with usage the target
	// keeps no text after its first stream, so "memory" is that case.
	b.Run("memory-no-usage", func(b *testing.B) {
		tgt := memoryTarget(b, streamBodyOf(64, " tok", false))
		clock := results.NewClock(time.Now())
		if rec := tgt.Do(context.Background(), clock, testRequest()); rec.OutputTokensSource != results.TokensFromTokenizer {
			b.Fatalf("output tokens from %s", rec.OutputTokensSource)
		}
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

// BenchmarkWireDo is the per-request overhead of the plain net/http
// protocols, 64 content events served from memory.
func BenchmarkWireDo(b *testing.B) {
	var anthropic, gemini strings.Builder
	anthropic.WriteString("event: message_start\ndata: " + anMessageStart + "\n\n")
	for range 64 {
		anthropic.WriteString("event: content_block_delta\ndata: " + anText + "\n\n")
		gemini.WriteString("data: " + gemChunk("tok", false, "", 10, 1, 0, 0) + "\r\n\r\n")
	}
	anthropic.WriteString("event: message_delta\ndata: " + anMessageDelta + "\n\nevent: message_stop\ndata: " + anMessageStop + "\n\n")
	gemini.WriteString("data: " + gemChunk("", false, "STOP", 10, 64, 0, 0) + "\r\n\r\n")
	for _, c := range []struct {
		name string
		body string
		mk   func(targets.Config) (targets.Target, error)
	}{
		{"anthropic", anthropic.String(), wireConstructors[2]},
		{"gemini", gemini.String(), wireConstructors[3]},
	} {
		b.Run(c.name, func(b *testing.B) {
			tgt, err := c.mk(targets.Config{BaseURL: "http://127.0.0.1:9/v1", Model: "m", HTTPClient: memoryClient([]byte(c.body))})
			if err != nil {
				b.Fatal(err)
			}
			benchDo(b, func(ctx context.Context, clock results.Clock) results.Record {
				return tgt.Do(ctx, clock, testRequest())
			})
		})
	}
}
