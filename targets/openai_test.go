package targets_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

var _ bench.Target = (*targets.OpenAI)(nil)

func ptr[T any](v T) *T { return &v }

// testRequest is 13 bytes of prompt: 4 tokens by the 4-bytes estimate.
func testRequest() *workloads.Request {
	return &workloads.Request{Prompt: "hello world!!", MaxTokens: 16, InputTokens: 3}
}

// baseRecord is what every record of serve's target carries, with the
// offsets as shape leaves them.
func baseRecord() results.Record { return wireRecord("self-hosted", "vllm") }

// okStream is the fields of a completed stream of n content chunks.
func okStream(r *results.Record, n int) {
	r.Status = results.StatusOK
	r.FinishReason = "stop"
	r.FirstTokenNs, r.FirstOutputNs, r.LastTokenNs = 1, 1, 1
	r.Chunks = int32(n)
	r.ChunkGapsNs = ones(n - 1)
}

func fromUsage(r *results.Record, in, out int64) {
	r.InputTokens, r.OutputTokens = in, out
	r.InputTokensSource, r.OutputTokensSource = results.TokensFromUsage, results.TokensFromUsage
}

func fromChunks(r *results.Record, chunks int64) {
	r.InputTokens, r.OutputTokens = 4, chunks
	r.InputTokensSource, r.OutputTokensSource = results.TokensFromEstimate, results.TokensFromChunks
}

// fromText is a stream without usage whose output the tokenizer fallback
// counted (cl100k_base, the default) from the text received.
func fromText(r *results.Record, tokens int64) {
	r.InputTokens, r.OutputTokens = 4, tokens
	r.InputTokensSource, r.OutputTokensSource = results.TokensFromEstimate, results.TokensFromTokenizer
}

func failed(r *results.Record, class, msg string) {
	r.Status, r.ErrorClass, r.ErrorMessage = results.StatusError, class, msg
}

// abcStream sends "a", "b", "c" as three content chunks, with an empty
// delta between them, and no usage.
func abcStream(s *sse) {
	s.start()
	s.data(roleChunk())
	s.data(contentChunk("a"))
	s.data(event(map[string]any{}, nil, nil)) // empty delta: not content
	s.data(contentChunk("b"))
	s.data(finishChunk("c", "stop"))
	s.done()
}

func TestOpenAIStream(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func(*targets.OpenAIConfig)
		script func(s *sse)
		want   func(r *results.Record)
		// msgContains replaces the exact message check where the message
		// holds something unstable (a port).
		msgContains string
	}{{
		name: "usage",
		script: func(s *sse) {
			s.start()
			s.data(roleChunk())
			s.data(contentChunk("Hel"))
			s.data(contentChunk("lo"))
			s.data(finishChunk(" world", "stop"))
			s.data(usageChunkDetails(12, 3, 4, 0))
			s.done()
		},
		want: func(r *results.Record) {
			okStream(r, 3)
			fromUsage(r, 12, 3)
			r.CachedInputTokens = 4
		},
	}, {
		name: "continuous usage gives tokens per chunk",
		script: func(s *sse) {
			s.start()
			s.data(event(map[string]any{"role": "assistant"}, nil, usage(12, 0, 0, 0)))
			s.data(event(map[string]any{"content": "a b"}, nil, usage(12, 2, 0, 0)))
			s.data(event(map[string]any{"content": "c"}, nil, usage(12, 3, 0, 0)))
			s.data(event(map[string]any{"content": "d e f"}, "length", usage(12, 6, 0, 0)))
			s.data(usageChunk(12, 6))
			s.done()
		},
		want: func(r *results.Record) {
			okStream(r, 3)
			fromUsage(r, 12, 6)
			r.FinishReason = "length"
			r.ChunkTokens = []int32{2, 1, 3}
		},
	}, {
		name: "usage on some chunks only gives no tokens per chunk",
		script: func(s *sse) {
			s.start()
			s.data(event(map[string]any{"content": "a b"}, nil, usage(12, 2, 0, 0)))
			s.data(contentChunk("c"))
			s.data(event(map[string]any{"content": "d"}, "stop", usage(12, 4, 0, 0)))
			s.done()
		},
		want: func(r *results.Record) {
			okStream(r, 3)
			fromUsage(r, 12, 4)
		},
	}, {
		name:   "no usage counts the text with the tokenizer",
		cfg:    func(c *targets.OpenAIConfig) { c.IncludeUsage = ptr(false) },
		script: abcStream,
		want: func(r *results.Record) {
			okStream(r, 3)
			fromText(r, 1) // "abc" is one cl100k_base token
		},
	}, {
		name: "no usage and no tokenizer counts chunks",
		cfg: func(c *targets.OpenAIConfig) {
			c.IncludeUsage, c.CountTokenizer = ptr(false), targetspec.NoCountTokenizer
		},
		script: abcStream,
		want: func(r *results.Record) {
			okStream(r, 3)
			fromChunks(r, 3)
		},
	}, {
		name: "keep-alive comments and event lines",
		script: func(s *sse) {
			s.start()
			s.raw(": ping\n\n")
			s.data(roleChunk())
			for range 400 { // more than go-openai's default limit of 300
				s.raw(": keep-alive\n")
			}
			s.raw("event: message\n")
			s.data(finishChunk("a", "stop"))
			s.data(usageChunk(2, 1))
			s.done()
		},
		want: func(r *results.Record) {
			okStream(r, 1)
			fromUsage(r, 2, 1)
		},
	}, {
		name: "tool calls are output",
		script: func(s *sse) {
			s.start()
			s.data(roleChunk())
			s.data(event(map[string]any{"tool_calls": []any{map[string]any{
				"index": 0, "id": "call_1", "type": "function",
				"function": map[string]any{"name": "f", "arguments": "{}"},
			}}}, "tool_calls", nil))
			s.data(usageChunk(5, 4))
			s.done()
		},
		want: func(r *results.Record) {
			okStream(r, 1)
			fromUsage(r, 5, 4)
			r.FinishReason = "tool_calls"
		},
	}, {
		name: "missing done is stream_broken",
		script: func(s *sse) {
			s.start()
			s.data(roleChunk())
			s.data(contentChunk("a"))
			s.data(finishChunk("b", "stop"))
			s.data(usageChunk(12, 2))
		},
		want: func(r *results.Record) {
			okStream(r, 2)
			fromUsage(r, 12, 2)
			failed(r, results.ErrClassStreamBroken, "stream ended without data: [DONE] after 2 content chunks")
		},
	}, {
		name: "json body instead of a stream is stream_broken",
		script: func(s *sse) {
			s.w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(s.w, `{"id":"x","object":"chat.completion","choices":[]}`)
		},
		want: func(r *results.Record) {
			r.FirstEventNs = 0 // a JSON body has no events
			fromChunks(r, 0)
			failed(r, results.ErrClassStreamBroken,
				`stream ended without data: [DONE] (content-type "application/json") after 0 content chunks`)
		},
	}, {
		name: "done without finish_reason is stream_truncated",
		script: func(s *sse) {
			s.start()
			s.data(roleChunk())
			s.data(contentChunk("a"))
			s.data(contentChunk("b"))
			s.data(usageChunk(12, 2))
			s.done()
		},
		want: func(r *results.Record) {
			okStream(r, 2)
			fromUsage(r, 12, 2)
			r.FinishReason = ""
			failed(r, results.ErrClassStreamTrunc, "stream ended with [DONE] but no finish_reason")
		},
	}, {
		name: "429 is rate_limited with retry-after",
		script: func(s *sse) {
			s.w.Header().Set("Retry-After", "2")
			s.w.Header().Set("X-Request-Id", "req-42")
			s.w.Header().Set("Content-Type", "application/json")
			s.w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(s.w, `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`)
		},
		want: func(r *results.Record) {
			r.HTTPStatus, r.FirstEventNs = 429, 0
			r.RetryAfterMs = 2000
			failed(r, results.ErrClassRateLimited, "Rate limit reached (x-request-id: req-42)")
		},
	}, {
		name: "500 with an error body is http_5xx",
		script: func(s *sse) {
			s.w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(s.w, `{"error":{"message":"engine crashed","type":"server_error","code":500}}`)
		},
		want: func(r *results.Record) {
			r.HTTPStatus, r.FirstEventNs = 500, 0
			failed(r, results.ErrClassHTTP5xx, "engine crashed")
		},
	}, {
		name: "503 with plain text and retry-after-ms",
		script: func(s *sse) {
			s.w.Header().Set("Retry-After-Ms", "1500.5")
			http.Error(s.w, "overloaded", http.StatusServiceUnavailable)
		},
		want: func(r *results.Record) {
			r.HTTPStatus, r.FirstEventNs = 503, 0
			r.RetryAfterMs = 1501
			failed(r, results.ErrClassHTTP5xx, "overloaded")
		},
	}, {
		name: "400 is http_4xx",
		script: func(s *sse) {
			s.w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(s.w, `{"object":"error","message":"max_tokens is too large","type":"BadRequestError","param":null,"code":400}`)
		},
		want: func(r *results.Record) {
			r.HTTPStatus, r.FirstEventNs = 400, 0
			failed(r, results.ErrClassHTTP4xx, "max_tokens is too large")
		},
	}, {
		name: "404 with a FastAPI detail",
		script: func(s *sse) {
			s.w.Header().Set("Content-Type", "application/json")
			s.w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(s.w, `{"detail":"Not Found"}`)
		},
		want: func(r *results.Record) {
			r.HTTPStatus, r.FirstEventNs = 404, 0
			failed(r, results.ErrClassHTTP4xx, "Not Found")
		},
	}, {
		name: "dropped connection mid-stream",
		script: func(s *sse) {
			conn, buf, err := s.w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
			for _, ev := range []string{roleChunk(), contentChunk("a")} {
				data := "data: " + ev + "\n\n"
				fmt.Fprintf(buf, "%x\r\n%s\r\n", len(data), data)
			}
			buf.Flush()
		},
		want: func(r *results.Record) {
			okStream(r, 1)
			r.FinishReason = ""
			fromText(r, 1) // "a"
			failed(r, results.ErrClassConnection, "unexpected EOF")
		},
	}, {
		name: "connection closed before headers",
		script: func(s *sse) {
			conn, _, err := s.w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			conn.Close()
		},
		want: func(r *results.Record) {
			r.HTTPStatus, r.HeadersNs, r.FirstEventNs = 0, 0, 0
			failed(r, results.ErrClassConnection, "")
		},
		msgContains: ": EOF",
	}, {
		name: "malformed chunk",
		script: func(s *sse) {
			s.start()
			s.data(roleChunk())
			s.data(contentChunk("a"))
			s.data(`{"choices": [`)
			s.done()
		},
		want: func(r *results.Record) {
			okStream(r, 1)
			r.FinishReason = ""
			fromText(r, 1) // "a"
			failed(r, results.ErrClassMalformedChunk, `malformed chunk: unexpected end of JSON input: {"choices": [`)
		},
	}, {
		name: "error event mid-stream",
		script: func(s *sse) {
			s.start()
			s.data(roleChunk())
			s.data(contentChunk("a"))
			s.data(`{"error": {"message": "out of KV cache", "type": "InternalServerError", "code": 500}}`)
			s.done()
		},
		want: func(r *results.Record) {
			okStream(r, 1)
			r.FinishReason = ""
			fromText(r, 1) // "a"
			failed(r, results.ErrClassStreamError, "out of KV cache")
		},
	}, {
		name: "error event with a string error",
		script: func(s *sse) {
			s.start()
			s.data(`{"error": "boom"}`)
			s.done()
		},
		want: func(r *results.Record) {
			fromChunks(r, 0)
			failed(r, results.ErrClassStreamError, "boom")
		},
	}, {
		name: "error event in the object form",
		script: func(s *sse) {
			s.start()
			s.data(`{"object":"error","message":"bad","type":"BadRequestError","code":400}`)
			s.done()
		},
		want: func(r *results.Record) {
			fromChunks(r, 0)
			failed(r, results.ErrClassStreamError, "bad")
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cfg []func(*targets.OpenAIConfig)
			if tc.cfg != nil {
				cfg = append(cfg, tc.cfg)
			}
			tgt, _ := serve(t, tc.script, cfg...)
			clock := results.NewClock(time.Now())
			got := shape(t, clock, tgt.Do(context.Background(), clock, testRequest()))
			want := baseRecord()
			tc.want(&want)
			if tc.msgContains != "" {
				if !strings.Contains(got.ErrorMessage, tc.msgContains) {
					t.Errorf("ErrorMessage = %q, want it to contain %q", got.ErrorMessage, tc.msgContains)
				}
				want.ErrorMessage = got.ErrorMessage
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpenAIRoleChunkIsNotFirstToken(t *testing.T) {
	const pause = 30 * time.Millisecond
	tgt, _ := serve(t, func(s *sse) {
		s.start()
		s.data(roleChunk())
		if !s.sleep(pause) {
			return
		}
		s.data(contentChunk("a"))
		s.data(finishChunk("b", "stop"))
		s.data(usageChunk(3, 2))
		s.done()
	})
	clock := results.NewClock(time.Now())
	rec := tgt.Do(context.Background(), clock, testRequest())
	if !rec.OK() {
		t.Fatalf("status %s %s: %s", rec.Status, rec.ErrorClass, rec.ErrorMessage)
	}
	if !(rec.HeadersNs < rec.FirstTokenNs) {
		t.Errorf("headers_ns %d not before first_token_ns %d", rec.HeadersNs, rec.FirstTokenNs)
	}
	rec.Derive()
	if rec.TTFTNs < int64(pause) {
		t.Errorf("TTFT = %v, want >= %v (the role chunk must not count)", time.Duration(rec.TTFTNs), pause)
	}
	if rec.TTFBNs >= rec.TTFTNs {
		t.Errorf("TTFB %v >= TTFT %v", time.Duration(rec.TTFBNs), time.Duration(rec.TTFTNs))
	}
}

func TestOpenAIReasoningBeforeOutput(t *testing.T) {
	tgt, _ := serve(t, func(s *sse) {
		s.start()
		s.data(roleChunk())
		s.data(event(map[string]any{"reasoning_content": "let me"}, nil, nil))
		s.data(event(map[string]any{"reasoning": " think"}, nil, nil))
		if !s.sleep(10 * time.Millisecond) {
			return
		}
		s.data(finishChunk("42", "stop"))
		s.data(usageChunkDetails(5, 7, 0, 4))
		s.done()
	})
	clock := results.NewClock(time.Now())
	rec := tgt.Do(context.Background(), clock, testRequest())
	if !(rec.FirstTokenNs > 0 && rec.FirstTokenNs < rec.FirstOutputNs) {
		t.Errorf("first_token_ns %d, first_output_ns %d: want 0 < first token < first output",
			rec.FirstTokenNs, rec.FirstOutputNs)
	}
	if rec.FirstOutputNs != rec.LastTokenNs {
		t.Errorf("first_output_ns %d != last_token_ns %d with one output chunk", rec.FirstOutputNs, rec.LastTokenNs)
	}
	want := baseRecord()
	okStream(&want, 3)
	fromUsage(&want, 5, 7)
	want.ReasoningTokens = 4
	if diff := cmp.Diff(want, shape(t, clock, rec)); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
}

// TestOpenAIDerive checks that a completed record derives the latencies
// the way design §3 defines them.
func TestOpenAIDerive(t *testing.T) {
	tgt, _ := serve(t, func(s *sse) {
		s.start()
		s.data(roleChunk())
		for i := range 4 {
			s.sleep(2 * time.Millisecond)
			s.data(contentChunk(fmt.Sprint(i)))
		}
		s.data(finishChunk("", "stop"))
		s.data(usageChunk(10, 5))
		s.done()
	})
	clock := results.NewClock(time.Now())
	rec := tgt.Do(context.Background(), clock, testRequest())
	rec.ScheduledNs = rec.SentNs - 1000
	rec.Derive()
	if !rec.OK() {
		t.Fatalf("status %s %s: %s", rec.Status, rec.ErrorClass, rec.ErrorMessage)
	}
	if rec.ScheduleLagNs != 1000 {
		t.Errorf("schedule lag %d, want 1000", rec.ScheduleLagNs)
	}
	if !(0 < rec.TTFBNs && rec.TTFBNs <= rec.TTFTNs && rec.TTFTNs == rec.TTFONs && rec.TTFTNs <= rec.E2ENs) {
		t.Errorf("want 0 < TTFB <= TTFT = TTFO <= E2E, got %d %d %d %d", rec.TTFBNs, rec.TTFTNs, rec.TTFONs, rec.E2ENs)
	}
	if want := (rec.LastTokenNs - rec.FirstTokenNs) / 4; rec.TPOTNs != want || want <= 0 {
		t.Errorf("TPOT %d, want (last - first) / (5 - 1) = %d > 0", rec.TPOTNs, want)
	}
	if rec.Chunks != 4 || len(rec.ChunkGapsNs) != 3 {
		t.Errorf("chunks %d gaps %d, want 4 and 3", rec.Chunks, len(rec.ChunkGapsNs))
	}
	if rec.UserLatencyNs() != rec.E2ENs+1000 {
		t.Errorf("user latency %d, want E2E + lag", rec.UserLatencyNs())
	}
}

func TestOpenAIRequestBody(t *testing.T) {
	const key = "sk-test-secret-0123456789"
	tgt, got := serve(t, func(s *sse) {
		s.start()
		s.data(finishChunk("a", "stop"))
		s.data(usageChunk(1, 1))
		s.done()
	}, func(c *targets.OpenAIConfig) {
		c.APIKey = key
		c.Temperature = ptr(0.7)
		c.ExtraBody = map[string]any{"top_k": 5, "ignore_eos": true}
		c.Headers = map[string]string{"X-Tenant": "bench"}
	})
	req := &workloads.Request{
		Messages: []workloads.Message{
			{Role: "system", Content: "be brief"},
			{Role: "user", Content: "hi"},
		},
		MaxTokens:   64,
		Temperature: ptr(0.0),
		Extra:       map[string]json.RawMessage{"top_k": json.RawMessage(`1`), "seed": json.RawMessage(`7`)},
	}
	clock := results.NewClock(time.Now())
	rec := tgt.Do(context.Background(), clock, req)
	if !rec.OK() {
		t.Fatalf("status %s %s: %s", rec.Status, rec.ErrorClass, rec.ErrorMessage)
	}
	body, header, path := got.get()
	if path != "/v1/chat/completions" {
		t.Errorf("path %q", path)
	}
	// Compare the body as the server decodes it; the raw bytes must also
	// say "temperature":0, which go-openai alone would leave out.
	if !strings.Contains(string(body), `"temperature":0`) {
		t.Errorf("body lacks \"temperature\":0: %s", body)
	}
	var gotBody map[string]any
	if err := json.Unmarshal(body, &gotBody); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	wantBody := map[string]any{
		"model": "test-model",
		"messages": []any{
			map[string]any{"role": "system", "content": "be brief"},
			map[string]any{"role": "user", "content": "hi"},
		},
		"stream":         true,
		"stream_options": map[string]any{"include_usage": true},
		"max_tokens":     64.0,
		"temperature":    0.0,
		"top_k":          1.0, // the request's extra wins over the config's
		"ignore_eos":     true,
		"seed":           7.0,
	}
	if diff := cmp.Diff(wantBody, gotBody); diff != "" {
		t.Errorf("request body (-want +got):\n%s", diff)
	}
	if a := header.Get("Authorization"); a != "Bearer "+key {
		t.Errorf("Authorization %q, want the bearer key", a)
	}
	if h := header.Get("X-Tenant"); h != "bench" {
		t.Errorf("X-Tenant %q", h)
	}
	if h := header.Get("Accept-Encoding"); h != "" {
		t.Errorf("Accept-Encoding %q: the stream must not be compressed", h)
	}
	out, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), key) {
		t.Errorf("record contains the API key: %s", out)
	}
	cfgJSON, _ := json.Marshal(targets.OpenAIConfig{APIKey: key})
	cfgText := fmt.Sprintf("%v %+v", targets.OpenAIConfig{APIKey: key}, targets.OpenAIConfig{APIKey: key})
	if strings.Contains(string(cfgJSON), key) || strings.Contains(cfgText, key) {
		t.Errorf("config renders the API key: %s %s", cfgJSON, cfgText)
	}
}

// TestOpenAIExtraStreamOptions checks that an extra field naming one of
// go-openai's own fields replaces it (the full-merge path), as needed for
// vLLM's continuous_usage_stats; and that without a temperature none is
// sent.
func TestOpenAIExtraStreamOptions(t *testing.T) {
	tgt, got := serve(t, func(s *sse) {
		s.start()
		s.data(finishChunk("a", "stop"))
		s.done()
	}, func(c *targets.OpenAIConfig) {
		c.ExtraBody = map[string]any{
			"stream_options": map[string]any{"include_usage": true, "continuous_usage_stats": true},
		}
	})
	tgt.Do(context.Background(), results.NewClock(time.Now()), &workloads.Request{Prompt: "x"})
	gotBody, _, _ := got.sent(t)
	wantBody := map[string]any{
		"model":          "test-model",
		"messages":       []any{map[string]any{"role": "user", "content": "x"}},
		"stream":         true,
		"stream_options": map[string]any{"include_usage": true, "continuous_usage_stats": true},
	}
	if diff := cmp.Diff(wantBody, gotBody); diff != "" {
		t.Errorf("request body (-want +got):\n%s", diff)
	}
}

func TestOpenAIMaxCompletionTokens(t *testing.T) {
	tgt, got := serve(t, func(s *sse) {
		s.start()
		s.data(finishChunk("a", "stop"))
		s.done()
	}, func(c *targets.OpenAIConfig) { c.MaxTokensField = "max_completion_tokens" })
	tgt.Do(context.Background(), results.NewClock(time.Now()), testRequest())
	gotBody, _, _ := got.sent(t)
	if v, ok := gotBody["max_completion_tokens"]; v != 16.0 {
		t.Errorf("max_completion_tokens = %v (present %v), want 16", v, ok)
	}
	if _, ok := gotBody["max_tokens"]; ok {
		t.Errorf("max_tokens sent too: %v", gotBody)
	}
}

func TestOpenAIBadExtraIsRequestError(t *testing.T) {
	tgt, got := serve(t, func(s *sse) { s.start(); s.done() })
	clock := results.NewClock(time.Now())
	rec := tgt.Do(context.Background(), clock, &workloads.Request{
		Prompt: "x", Extra: map[string]json.RawMessage{"bad": json.RawMessage(`{`)},
	})
	want := baseRecord()
	want.HeadersNs, want.HTTPStatus, want.FirstEventNs = 0, 0, 0
	want.RequestedOutputTokens, want.IntendedInputTokens = 0, 0
	failed(&want, results.ErrClassRequest, `extra field "bad" is not valid JSON`)
	if diff := cmp.Diff(want, shape(t, clock, rec)); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
	if body, _, _ := got.get(); body != nil {
		t.Errorf("a request was sent: %s", body)
	}
}

func TestNewOpenAIConfigErrors(t *testing.T) {
	_, err := targets.NewOpenAI(targets.OpenAIConfig{
		BaseURL:        "ftp://x",
		Timeout:        -1,
		ExtraBody:      map[string]any{"f": func() {}},
		Temperature:    ptr(0.0),
		MaxTokensField: "max_new_tokens",
	})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"base URL", "model is required", "timeout", `extra body field "f"`, "max tokens field"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := targets.NewOpenAI(targets.OpenAIConfig{BaseURL: "http://127.0.0.1:1/v1", Model: "m"}); err != nil {
		t.Errorf("valid config: %v", err)
	}
}

// TestOpenAIConcurrent runs requests in parallel over one target, for the
// race detector and for connection reuse.
func TestOpenAIConcurrent(t *testing.T) {
	tgt, _ := serve(t, func(s *sse) {
		s.start()
		s.data(roleChunk())
		s.data(contentChunk("a"))
		s.data(finishChunk("b", "stop"))
		s.data(usageChunk(3, 2))
		s.done()
	})
	clock := results.NewClock(time.Now())
	const n = 8
	recs := make(chan results.Record, n*4)
	for range n {
		go func() {
			for range 4 {
				recs <- tgt.Do(context.Background(), clock, testRequest())
			}
		}()
	}
	for range n * 4 {
		if rec := <-recs; !rec.OK() || rec.OutputTokens != 2 || rec.Chunks != 2 {
			t.Errorf("record %s %s %q, %d tokens, %d chunks", rec.Status, rec.ErrorClass, rec.ErrorMessage,
				rec.OutputTokens, rec.Chunks)
		}
	}
}

// TestOpenAIReusesConnections checks that a completed stream leaves its
// connection in the pool: a new TCP (and TLS) handshake per request would
// be measured as server latency.
func TestOpenAIReusesConnections(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := &sse{w: w, r: r}
		s.start()
		s.data(finishChunk("a", "stop"))
		s.data(usageChunk(1, 1))
		s.done()
		// Make the end of the response a separate write, as a server
		// whose generator returns after [DONE] does.
		time.Sleep(time.Millisecond)
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	tgt, err := targets.NewOpenAI(targets.OpenAIConfig{BaseURL: srv.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.CloseIdleConnections()
	clock := results.NewClock(time.Now())
	for range 5 {
		if rec := tgt.Do(context.Background(), clock, testRequest()); !rec.OK() {
			t.Fatalf("%s %s %s", rec.Status, rec.ErrorClass, rec.ErrorMessage)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if conns != 1 {
		t.Errorf("%d connections for 5 sequential requests, want 1", conns)
	}
}
