package targets_test

import (
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

var _ bench.Target = (*targets.Anthropic)(nil)

// Events as api.anthropic.com streams them (docs: Messages, streaming).
const (
	anMessageStart = `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"test-model","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"cache_creation_input_tokens":7,"cache_read_input_tokens":20,"output_tokens":1}}}`
	anThinkStart   = `{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}`
	anThink        = `{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think"}}`
	anSignature    = `{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}}`
	anStop0        = `{"type":"content_block_stop","index":0}`
	anTextStart    = `{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}`
	anPing         = `{"type": "ping"}`
	anText         = `{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hello"}}`
	anStop1        = `{"type":"content_block_stop","index":1}`
	anMessageDelta = `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}`
	anMessageStop  = `{"type":"message_stop"}`
	anOverloaded   = `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`
)

func TestAnthropicStream(t *testing.T) {
	tests := []wireCase{{
		name: "thinking then text, cache reads and writes",
		script: func(s *sse) {
			s.start()
			s.event("message_start", anMessageStart)
			s.event("content_block_start", anThinkStart)
			s.event("ping", anPing)
			s.event("content_block_delta", anThink)
			s.event("content_block_delta", anSignature)
			s.event("content_block_stop", anStop0)
			s.event("content_block_start", anTextStart)
			s.event("content_block_delta", anText)
			s.event("content_block_delta", anText)
			s.event("content_block_stop", anStop1)
			s.event("message_delta", anMessageDelta)
			s.event("message_stop", anMessageStop)
		},
		want: func(r *results.Record) {
			okStream(r, 3)
			r.FinishReason = "end_turn"
			// input_tokens (5) excludes cache reads (20) and writes (7).
			tokens(r, 5+20+7, 15, 20, 7, 0)
		},
	}, {
		name: "error event mid-stream",
		script: func(s *sse) {
			s.start()
			s.event("message_start", anMessageStart)
			s.event("content_block_start", anTextStart)
			s.event("content_block_delta", anText)
			s.event("error", anOverloaded)
		},
		want: func(r *results.Record) {
			r.FirstTokenNs, r.FirstOutputNs, r.LastTokenNs, r.Chunks = 1, 1, 1, 1
			// Cut before message_delta: the output is the one content
			// event, not message_start's placeholder output_tokens.
			tokens(r, 32, 1, 20, 7, 0)
			r.OutputTokensSource = results.TokensFromTokenizer // "Hello"
			failed(r, results.ErrClassStreamError, "overloaded_error: Overloaded")
		},
	}, {
		name: "429 with retry-after",
		script: func(s *sse) {
			s.errorBody(http.StatusTooManyRequests,
				`{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}`,
				"retry-after", "7", "request-id", "req_018")
		},
		want: func(r *results.Record) {
			r.HTTPStatus, r.FirstEventNs = 429, 0
			r.RetryAfterMs = 7000
			failed(r, results.ErrClassRateLimited, "Number of request tokens has exceeded your per-minute rate limit (request-id: req_018)")
		},
	}, {
		name: "529 overloaded",
		script: func(s *sse) {
			s.errorBody(529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
		},
		want: func(r *results.Record) {
			r.HTTPStatus, r.FirstEventNs = 529, 0
			failed(r, results.ErrClassHTTP5xx, "Overloaded")
		},
	}, {
		name: "no message_stop",
		script: func(s *sse) {
			s.start()
			s.event("message_start", anMessageStart)
			s.event("content_block_start", anTextStart)
			s.event("content_block_delta", anText)
		},
		want: func(r *results.Record) {
			r.FirstTokenNs, r.FirstOutputNs, r.LastTokenNs, r.Chunks = 1, 1, 1, 1
			tokens(r, 32, 1, 20, 7, 0)
			r.OutputTokensSource = results.TokensFromTokenizer // "Hello"
			failed(r, results.ErrClassStreamBroken, "stream ended without message_stop")
		},
	}, {
		name: "malformed event",
		script: func(s *sse) {
			s.start()
			s.event("message_start", anMessageStart)
			s.event("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"te`)
		},
		want: func(r *results.Record) {
			tokens(r, 32, 0, 20, 7, 0)
			r.OutputTokensSource = results.TokensFromChunks
			failed(r, results.ErrClassMalformedChunk, "malformed chunk: unexpected end of JSON input: "+`{"type":"content_block_delta","index":0,"delta":{"type":"te`)
		},
	}}
	runWireCases(t, tests, targetspec.Spec{Preset: "anthropic"}, "/v1", "/v1/messages",
		map[string]string{"ANTHROPIC_API_KEY": "sk-ant-test"}, "api", "anthropic")
}

func TestAnthropicRequest(t *testing.T) {
	tgt, got := serveSpec(t, targetspec.Spec{Preset: "anthropic", Temperature: ptr(0.0)}, "/v1", "/v1/messages", func(s *sse) {
		s.start()
		s.event("message_stop", anMessageStop)
	}, map[string]string{"ANTHROPIC_API_KEY": "sk-ant-test"})
	req := &workloads.Request{Messages: []workloads.Message{{Role: "system", Content: "Be brief."}, {Role: "user", Content: "Hi"}}}
	tgt.Do(t.Context(), results.NewClock(time.Now()), req)
	b, header, path := got.sent(t)
	if path != "/v1/messages" {
		t.Errorf("path %s", path)
	}
	if header.Get("x-api-key") != "sk-ant-test" || header.Get("Authorization") != "" || header.Get("anthropic-version") != targetspec.AnthropicVersion {
		t.Errorf("headers %v", header)
	}
	want := map[string]any{
		"model": "test-model", "max_tokens": float64(4096), "stream": true, "temperature": 0.0, "system": "Be brief.",
		"messages": []any{map[string]any{"role": "user", "content": "Hi"}},
	}
	if d := cmp.Diff(want, b); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
}
