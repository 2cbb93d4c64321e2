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
	"github.com/inferbench/inferbench/workloads"
)

var _ bench.Target = (*targets.Gemini)(nil)

// gemChunk is one GenerateContentResponse as streamGenerateContent?alt=sse
// sends it; usage is promptTokenCount, candidatesTokenCount,
// cachedContentTokenCount, thoughtsTokenCount.
func gemChunk(text string, thought bool, finish string, usage ...int) string {
	part := map[string]any{"text": text}
	if thought {
		part["thought"] = true
	}
	cand := map[string]any{"content": map[string]any{"parts": []any{part}, "role": "model"}, "index": 0}
	if finish != "" {
		cand["finishReason"] = finish
	}
	ev := map[string]any{"candidates": []any{cand}, "modelVersion": "gemini-2.5-flash", "responseId": "r1"}
	if len(usage) == 4 {
		ev["usageMetadata"] = map[string]any{"promptTokenCount": usage[0], "candidatesTokenCount": usage[1],
			"cachedContentTokenCount": usage[2], "thoughtsTokenCount": usage[3], "totalTokenCount": usage[0] + usage[1] + usage[3]}
	}
	b, _ := json.Marshal(ev)
	return string(b)
}

// crlf writes a data-only event with CRLF line ends, as Google's servers do.
func (s *sse) crlf(data string) { s.raw("data: " + data + "\r\n\r\n") }

func TestGeminiStream(t *testing.T) {
	tests := []wireCase{{
		name: "thoughts then text, cached prompt, tokens per chunk",
		script: func(s *sse) {
			s.start()
			s.crlf(gemChunk("Considering", true, "", 40, 0, 32, 6))
			s.crlf(gemChunk("Hello", false, "", 40, 2, 32, 6))
			s.crlf(gemChunk(" world", false, "STOP", 40, 5, 32, 6))
		},
		want: func(r *results.Record) {
			okStream(r, 3)
			r.FinishReason = "STOP"
			// candidatesTokenCount excludes thoughts: output = 5 + 6.
			tokens(r, 40, 11, 32, 0, 6)
			r.ChunkTokens = []int32{6, 2, 3}
		},
	}, {
		name: "error event mid-stream",
		script: func(s *sse) {
			s.start()
			s.crlf(gemChunk("Hello", false, "", 40, 2, 0, 0))
			s.crlf(`{"error":{"code":500,"message":"An internal error has occurred.","status":"INTERNAL"}}`)
		},
		want: func(r *results.Record) {
			r.FirstTokenNs, r.FirstOutputNs, r.LastTokenNs, r.Chunks = 1, 1, 1, 1
			tokens(r, 40, 2, 0, 0, 0)
			r.ChunkTokens = []int32{2}
			failed(r, results.ErrClassStreamError, "An internal error has occurred.")
		},
	}, {
		name: "429 with RetryInfo",
		script: func(s *sse) {
			s.errorBody(http.StatusTooManyRequests, `{"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure"},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}`)
		},
		want: func(r *results.Record) {
			r.HTTPStatus, r.FirstEventNs = 429, 0
			r.RetryAfterMs = 37000
			failed(r, results.ErrClassRateLimited, "You exceeded your current quota.")
		},
	}, {
		name: "no finishReason",
		script: func(s *sse) {
			s.start()
			s.crlf(gemChunk("Hello", false, "", 40, 2, 0, 0))
		},
		want: func(r *results.Record) {
			r.FirstTokenNs, r.FirstOutputNs, r.LastTokenNs, r.Chunks = 1, 1, 1, 1
			tokens(r, 40, 2, 0, 0, 0)
			r.ChunkTokens = []int32{2}
			failed(r, results.ErrClassStreamBroken, "stream ended without a finishReason")
		},
	}, {
		name: "blocked prompt",
		script: func(s *sse) {
			s.start()
			s.crlf(`{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":40,"totalTokenCount":40}}`)
		},
		want: func(r *results.Record) {
			// Nothing came back: not an answer (empty_output), with the
			// block reason kept as the finish reason.
			r.FinishReason = "SAFETY"
			tokens(r, 40, 0, 0, 0, 0)
			failed(r, results.ErrClassEmptyOutput, "no output: the response ended (finish reason SAFETY) without text or tool-call arguments")
		},
	}, {
		// thinking shares maxOutputTokens: a budget that takes it all
		// ends MAX_TOKENS with thoughts and no text.
		name: "thoughts only",
		script: func(s *sse) {
			s.start()
			s.crlf(gemChunk("Let me think", true, "", 5, 0, 0, 14))
			s.crlf(gemChunk("", false, "MAX_TOKENS", 5, 0, 0, 16))
		},
		want: func(r *results.Record) {
			r.FinishReason = "MAX_TOKENS"
			r.FirstTokenNs, r.LastTokenNs, r.Chunks, r.ChunkTokens = 1, 1, 1, []int32{14}
			tokens(r, 5, 16, 0, 0, 16)
			failed(r, results.ErrClassEmptyOutput, "no output: the response ended (finish reason MAX_TOKENS) after 1 reasoning events and no text or tool-call arguments")
		},
	}}
	runWireCases(t, tests, targetspec.Spec{Preset: "google"}, "/v1beta", "/v1beta/models/test-model:streamGenerateContent",
		map[string]string{"GEMINI_API_KEY": "AIza-test"}, "api", "google")
}

func TestGeminiRequest(t *testing.T) {
	spec := targetspec.Spec{Preset: "google", Temperature: ptr(0.5), Model: "models/gemini-2.5-flash",
		ExtraBody: map[string]any{"generationConfig": map[string]any{"thinkingConfig": map[string]any{"includeThoughts": true}}}}
	tgt, got := serveSpec(t, spec, "/v1beta", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", func(s *sse) {
		s.start()
		s.crlf(gemChunk("x", false, "STOP"))
	}, map[string]string{"GEMINI_API_KEY": "AIza-test"})
	req := &workloads.Request{MaxTokens: 8, Messages: []workloads.Message{
		{Role: "system", Content: "Be brief."}, {Role: "user", Content: "Hi"}, {Role: "assistant", Content: "Hello"}, {Role: "user", Content: "Again"}}}
	if rec := tgt.Do(t.Context(), results.NewClock(time.Now()), req); !rec.OK() {
		t.Fatalf("%s: %s", rec.ErrorClass, rec.ErrorMessage)
	}
	b, header, path := got.sent(t)
	if path != "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse" {
		t.Errorf("path %s", path)
	}
	if header.Get("x-goog-api-key") != "AIza-test" || header.Get("Authorization") != "" {
		t.Errorf("headers %v", header)
	}
	part := func(s string) []any { return []any{map[string]any{"text": s}} }
	want := map[string]any{
		"contents": []any{
			map[string]any{"role": "user", "parts": part("Hi")},
			map[string]any{"role": "model", "parts": part("Hello")},
			map[string]any{"role": "user", "parts": part("Again")},
		},
		"systemInstruction": map[string]any{"parts": part("Be brief.")},
		"generationConfig": map[string]any{"maxOutputTokens": float64(8), "temperature": 0.5,
			"thinkingConfig": map[string]any{"includeThoughts": true}},
	}
	if d := cmp.Diff(want, b); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
}
