package targets_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/targetspec"
)

// The streams in testdata/streams are written from each provider's
// documented stream format (or recorded from the simulator): every
// protocol's target must make of them the record a user would expect,
// whatever shape the events take.

// recorded serves the stream in testdata/streams/name as it is.
func recorded(t testing.TB, name string) func(s *sse) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "streams", name))
	if err != nil {
		t.Fatal(err)
	}
	return func(s *sse) {
		s.start()
		s.raw(string(b))
	}
}

func TestRecordedStreams(t *testing.T) {
	const (
		chat, completions = targetspec.ProtocolOpenAIChat, targetspec.ProtocolOpenAICompletions
		anthropic, gemini = targetspec.ProtocolAnthropic, targetspec.ProtocolGemini
	)
	tests := []struct {
		file, protocol string
		want           func(r *results.Record)
		check          func(t *testing.T, raw results.Record)
	}{{
		file: "chat-openai.sse", protocol: chat,
		want: func(r *results.Record) { okStream(r, 3); fromUsage(r, 19, 10) },
	}, {
		file: "chat-vllm-reasoning.sse", protocol: chat,
		want: func(r *results.Record) {
			okStream(r, 4)
			fromUsage(r, 12, 9)
			r.ChunkTokens = []int32{2, 4, 2, 1} // continuous_usage_stats
		},
		check: reasoningFirst,
	}, {
		file: "chat-ollama.sse", protocol: chat,
		want: func(r *results.Record) { okStream(r, 2); fromUsage(r, 26, 3) },
	}, {
		file: "chat-tool-calls.sse", protocol: chat,
		want: func(r *results.Record) { okStream(r, 3); fromUsage(r, 57, 17); r.FinishReason = "tool_calls" },
	}, {
		file: "chat-sim.sse", protocol: chat,
		want: func(r *results.Record) { okStream(r, 4); fromUsage(r, 1, 4); r.FinishReason = "length" },
	}, {
		file: "completions-vllm.sse", protocol: completions,
		want: func(r *results.Record) { okStream(r, 3); fromUsage(r, 7, 3); r.FinishReason = "length" },
	}, {
		file: "completions-sim.sse", protocol: completions,
		want: func(r *results.Record) {
			okStream(r, 3)
			fromUsage(r, 1, 3)
			r.FinishReason = "length"
			r.ChunkTokens = []int32{1, 1, 1}
		},
	}, {
		// OpenRouter's mid-stream error: the error chunk carries the
		// usage, which is kept, and finish_reason "error".
		file: "chat-openrouter-error-usage.sse", protocol: chat,
		want: func(r *results.Record) {
			okStream(r, 2)
			fromUsage(r, 14, 2)
			r.FinishReason = "error"
			failed(r, results.ErrClassStreamError, "Provider disconnected unexpectedly")
		},
	}, {
		// Mistral's thinking models: delta.content is an array of typed
		// parts; thinking parts are reasoning, text parts output.
		file: "chat-mistral-thinking.sse", protocol: chat,
		want:  func(r *results.Record) { okStream(r, 4); fromUsage(r, 10, 48) },
		check: reasoningFirst,
	}, {
		// usageMetadata without candidatesTokenCount until the last
		// event: no per-event counts (not zeros), the total from usage.
		file: "gemini-no-candidates.sse", protocol: gemini,
		want: func(r *results.Record) { okStream(r, 3); fromUsage(r, 8, 7); r.FinishReason = "STOP" },
	}, {
		// An overloaded_error mid-stream, before message_delta: the
		// output is the content events, not message_start's placeholder.
		file: "anthropic-overloaded.sse", protocol: anthropic,
		want: func(r *results.Record) {
			okStream(r, 3)
			r.FinishReason = ""
			fromUsage(r, 25, 3) // "Hello! How"
			r.OutputTokensSource = results.TokensFromTokenizer
			failed(r, results.ErrClassStreamError, "overloaded_error: Overloaded")
		},
	}, {
		file: "anthropic-cut.sse", protocol: anthropic,
		want: func(r *results.Record) {
			okStream(r, 2)
			r.FinishReason = ""
			fromUsage(r, 25, 2) // "Hello!"
			r.OutputTokensSource = results.TokensFromTokenizer
			failed(r, results.ErrClassStreamBroken, "stream ended without message_stop")
		},
	}}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			base, path := "/v1", map[string]string{
				chat: "/v1/chat/completions", completions: "/v1/completions", anthropic: "/v1/messages",
				gemini: "/v1beta/models/test-model:streamGenerateContent",
			}[tt.protocol]
			if tt.protocol == gemini {
				base = "/v1beta"
			}
			tgt, _ := serveSpec(t, targetspec.Spec{Protocol: tt.protocol}, base, path, recorded(t, tt.file), nil)
			clock := clockNow()
			raw := tgt.Do(t.Context(), clock, testRequest())
			if tt.check != nil {
				tt.check(t, raw)
			}
			want := wireRecord("self-hosted", "")
			tt.want(&want)
			if d := cmp.Diff(want, shape(t, clock, raw)); d != "" {
				t.Errorf("record (-want +got):\n%s", d)
			}
		})
	}
}

// reasoningFirst: the stream reasons before it answers, so TTFT < TTFO.
func reasoningFirst(t *testing.T, r results.Record) {
	t.Helper()
	if !(r.FirstTokenNs > 0 && r.FirstTokenNs < r.FirstOutputNs) {
		t.Errorf("first_token_ns %d, first_output_ns %d: want reasoning first", r.FirstTokenNs, r.FirstOutputNs)
	}
}

// TestRecordsOwnTheirLists: a record's chunk gaps and tokens are its own,
// not the pooled arrays the next stream appends to.
func TestRecordsOwnTheirLists(t *testing.T) {
	long := memoryTarget(t, streamBody(40))
	short := memoryTarget(t, streamBody(3))
	clock := clockNow()
	first := long.Do(t.Context(), clock, testRequest())
	gaps := append([]int64(nil), first.ChunkGapsNs...)
	for range 20 {
		if r := short.Do(t.Context(), clock, testRequest()); !r.OK() || len(r.ChunkGapsNs) != 2 {
			t.Fatalf("short stream: %s %s, %d gaps", r.Status, r.ErrorMessage, len(r.ChunkGapsNs))
		}
	}
	if !first.OK() || len(gaps) != 39 || !slices.Equal(gaps, first.ChunkGapsNs) {
		t.Errorf("first record's gaps changed under later streams: %d gaps, ok %v", len(first.ChunkGapsNs), first.OK())
	}
}
