package targets_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/targets/targetspec"
)

var _ bench.Target = (*targets.Completions)(nil)

// textChunk is one legacy text_completion chunk.
func textChunk(text string, finish any, usage map[string]any) string {
	ev := map[string]any{"id": "cmpl-1", "object": "text_completion", "created": 1, "model": "test-model",
		"choices": []any{map[string]any{"index": 0, "text": text, "logprobs": nil, "finish_reason": finish}}}
	if usage != nil {
		ev["usage"] = usage
	}
	b, _ := json.Marshal(ev)
	return string(b)
}

func TestCompletionsStream(t *testing.T) {
	zero := usage(0, 0, 0, 0)
	tests := []wireCase{{
		name: "usage at the end",
		script: func(s *sse) {
			s.start()
			s.data(textChunk("Hel", nil, nil))
			s.data(textChunk("lo", "length", nil))
			s.data(usageChunkDetails(12, 2, 8, 0))
			s.done()
		},
		want: func(r *results.Record) {
			okStream(r, 2)
			r.FinishReason = "length"
			tokens(r, 12, 2, 8, 0, 0)
		},
	}, {
		name: "Ollama: zeroed usage on every chunk, the real one last",
		script: func(s *sse) {
			s.start()
			s.data(textChunk("Hel", nil, zero))
			s.data(textChunk("lo", nil, zero))
			s.data(textChunk("", "stop", usage(12, 2, 0, 0)))
			s.done()
		},
		want: func(r *results.Record) {
			okStream(r, 2)
			tokens(r, 12, 2, 0, 0, 0)
		},
	}, {
		name: "error event",
		script: func(s *sse) {
			s.start()
			s.data(textChunk("Hel", nil, nil))
			s.data(`{"error":{"message":"out of memory","type":"server_error"}}`)
		},
		want: func(r *results.Record) {
			r.FirstTokenNs, r.FirstOutputNs, r.LastTokenNs, r.Chunks = 1, 1, 1, 1
			fromText(r, 1) // "Hel"
			failed(r, results.ErrClassStreamError, "out of memory")
		},
	}, {
		name: "429",
		script: func(s *sse) {
			s.errorBody(http.StatusTooManyRequests, `{"object":"error","message":"too many requests","type":"rate_limit","code":429}`, "Retry-After", "2")
		},
		want: func(r *results.Record) {
			r.HTTPStatus, r.FirstEventNs = 429, 0
			r.RetryAfterMs = 2000
			failed(r, results.ErrClassRateLimited, "too many requests")
		},
	}, {
		name: "no [DONE]",
		script: func(s *sse) {
			s.start()
			s.data(textChunk("Hel", "stop", nil))
		},
		want: func(r *results.Record) {
			okStream(r, 1)
			r.Status = ""
			fromText(r, 1) // "Hel"
			failed(r, results.ErrClassStreamBroken, "stream ended without data: [DONE]")
		},
	}, {
		name: "[DONE] without finish_reason",
		script: func(s *sse) {
			s.start()
			s.data(textChunk("Hel", nil, nil))
			s.done()
		},
		want: func(r *results.Record) {
			okStream(r, 1)
			r.FinishReason = ""
			fromText(r, 1) // "Hel"
			failed(r, results.ErrClassStreamTrunc, "stream ended with [DONE] but no finish_reason")
		},
	}}
	runWireCases(t, tests, targetspec.Spec{Preset: "ollama", Protocol: targetspec.ProtocolOpenAICompletions}, "/v1", "/v1/completions",
		nil, "self-hosted", "ollama")
}

func TestCompletionsRequest(t *testing.T) {
	tgt, got := serveSpec(t, targetspec.Spec{Preset: "vllm", Protocol: targetspec.ProtocolOpenAICompletions,
		ExtraBody: map[string]any{"ignore_eos": true}}, "/v1", "/v1/completions", func(s *sse) {
		s.start()
		s.data(textChunk("x", "length", nil))
		s.done()
	}, nil)
	if rec := tgt.Do(t.Context(), results.NewClock(time.Now()), testRequest()); !rec.OK() {
		t.Fatalf("%s: %s", rec.ErrorClass, rec.ErrorMessage)
	}
	b, header, _ := got.sent(t)
	if header.Get("Authorization") != "" {
		t.Errorf("an engine preset sent Authorization %q", header.Get("Authorization"))
	}
	want := map[string]any{"model": "test-model", "prompt": "hello world!!", "stream": true, "max_tokens": float64(16),
		"stream_options": map[string]any{"include_usage": true}, "ignore_eos": true}
	if d := cmp.Diff(want, b); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
}
