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

var _ bench.Target = (*targets.Responses)(nil)

// respEvent is one Responses API stream event.
func respEvent(typ string, fields map[string]any) (string, string) {
	fields["type"] = typ
	b, _ := json.Marshal(fields)
	return typ, string(b)
}

func (s *sse) resp(typ string, fields map[string]any) { s.event(respEvent(typ, fields)) }

func respUsage(in, cached, out, reasoning int) map[string]any {
	return map[string]any{"input_tokens": in, "input_tokens_details": map[string]any{"cached_tokens": cached},
		"output_tokens": out, "output_tokens_details": map[string]any{"reasoning_tokens": reasoning}, "total_tokens": in + out}
}

func TestResponsesStream(t *testing.T) {
	created := map[string]any{"sequence_number": 0, "response": map[string]any{"id": "resp_1", "status": "in_progress", "usage": nil}}
	tests := []wireCase{{
		name: "reasoning summary then text, usage with cached and reasoning",
		script: func(s *sse) {
			s.start()
			s.resp("response.created", created)
			s.resp("response.output_item.added", map[string]any{"output_index": 0, "item": map[string]any{"type": "reasoning"}})
			s.resp("response.reasoning_summary_text.delta", map[string]any{"item_id": "rs_1", "delta": "**Thinking**"})
			s.resp("response.output_item.added", map[string]any{"output_index": 1, "item": map[string]any{"type": "message"}})
			s.resp("response.output_text.delta", map[string]any{"item_id": "msg_1", "delta": "Hel"})
			s.resp("response.output_text.delta", map[string]any{"item_id": "msg_1", "delta": "lo"})
			s.resp("response.output_text.done", map[string]any{"item_id": "msg_1", "text": "Hello"})
			s.resp("response.completed", map[string]any{"response": map[string]any{"id": "resp_1", "status": "completed", "usage": respUsage(1200, 1024, 300, 256)}})
		},
		want: func(r *results.Record) {
			okStream(r, 3)
			r.FinishReason = "completed"
			tokens(r, 1200, 300, 1024, 0, 256)
		},
	}, {
		name: "incomplete at max_output_tokens",
		script: func(s *sse) {
			s.start()
			s.resp("response.output_text.delta", map[string]any{"delta": "Hel"})
			s.resp("response.incomplete", map[string]any{"response": map[string]any{"status": "incomplete",
				"incomplete_details": map[string]any{"reason": "max_output_tokens"}, "usage": respUsage(10, 0, 16, 0)}})
		},
		want: func(r *results.Record) {
			okStream(r, 1)
			r.FinishReason = "max_output_tokens"
			tokens(r, 10, 16, 0, 0, 0)
		},
	}, {
		name: "response.failed",
		script: func(s *sse) {
			s.start()
			s.resp("response.output_text.delta", map[string]any{"delta": "Hel"})
			s.resp("response.failed", map[string]any{"response": map[string]any{"status": "failed",
				"error": map[string]any{"code": "server_error", "message": "The model produced invalid content."}}})
		},
		want: func(r *results.Record) {
			r.FirstTokenNs, r.FirstOutputNs, r.LastTokenNs, r.Chunks = 1, 1, 1, 1
			fromText(r, 1) // "Hel"
			failed(r, results.ErrClassStreamError, "The model produced invalid content.")
		},
	}, {
		name: "error event",
		script: func(s *sse) {
			s.start()
			s.resp("error", map[string]any{"code": "ERR_SOMETHING", "message": "Something went wrong", "param": nil})
		},
		want: func(r *results.Record) {
			fromChunks(r, 0)
			failed(r, results.ErrClassStreamError, "Something went wrong")
		},
	}, {
		name: "429",
		script: func(s *sse) {
			s.errorBody(http.StatusTooManyRequests, `{"error":{"message":"Rate limit reached for gpt-5 on tokens per min (TPM)","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`,
				"retry-after-ms", "250", "x-request-id", "req_abc")
		},
		want: func(r *results.Record) {
			r.HTTPStatus, r.FirstEventNs = 429, 0
			r.RetryAfterMs = 250
			failed(r, results.ErrClassRateLimited, "Rate limit reached for gpt-5 on tokens per min (TPM) (x-request-id: req_abc)")
		},
	}, {
		name: "no response.completed",
		script: func(s *sse) {
			s.start()
			s.resp("response.output_text.delta", map[string]any{"delta": "Hel"})
		},
		want: func(r *results.Record) {
			r.FirstTokenNs, r.FirstOutputNs, r.LastTokenNs, r.Chunks = 1, 1, 1, 1
			fromText(r, 1) // "Hel"
			failed(r, results.ErrClassStreamBroken, "stream ended without response.completed")
		},
	}}
	runWireCases(t, tests, targetspec.Spec{Preset: "openai", Protocol: targetspec.ProtocolOpenAIResponses}, "/v1", "/v1/responses",
		map[string]string{"OPENAI_API_KEY": "sk-test"}, "api", "openai")
}

func TestResponsesRequest(t *testing.T) {
	tgt, got := serveSpec(t, targetspec.Spec{Preset: "openai", Protocol: targetspec.ProtocolOpenAIResponses,
		ExtraBody: map[string]any{"reasoning": map[string]any{"effort": "low"}}}, "/v1", "/v1/responses", func(s *sse) {
		s.start()
		s.resp("response.output_text.delta", map[string]any{"delta": "Hi"})
		s.resp("response.completed", map[string]any{"response": map[string]any{"status": "completed"}})
	}, map[string]string{"OPENAI_API_KEY": "sk-test"})
	req := &workloads.Request{MaxTokens: 8, Messages: []workloads.Message{{Role: "developer", Content: "Be brief."}, {Role: "user", Content: "Hi"}}}
	if rec := tgt.Do(t.Context(), results.NewClock(time.Now()), req); !rec.OK() {
		t.Fatalf("%s: %s", rec.ErrorClass, rec.ErrorMessage)
	}
	b, header, _ := got.sent(t)
	if header.Get("Authorization") != "Bearer sk-test" {
		t.Errorf("Authorization %q", header.Get("Authorization"))
	}
	want := map[string]any{"model": "test-model", "stream": true, "store": false, "max_output_tokens": float64(16),
		"input":     []any{map[string]any{"role": "developer", "content": "Be brief."}, map[string]any{"role": "user", "content": "Hi"}},
		"reasoning": map[string]any{"effort": "low"}}
	if d := cmp.Diff(want, b); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
}
