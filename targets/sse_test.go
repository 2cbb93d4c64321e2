package targets_test

// Helpers for the OpenAI target tests: a scripted SSE server and builders
// for chat.completion.chunk events.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
)

// sse writes server-sent events and flushes each one, as an engine does.
type sse struct {
	w http.ResponseWriter
	r *http.Request
}

func (s *sse) start() {
	s.w.Header().Set("Content-Type", "text/event-stream")
	s.w.WriteHeader(http.StatusOK)
	s.flush()
}

func (s *sse) data(v string) {
	fmt.Fprintf(s.w, "data: %s\n\n", v)
	s.flush()
}

func (s *sse) raw(v string) {
	io.WriteString(s.w, v)
	s.flush()
}

func (s *sse) done() { s.data("[DONE]") }

func (s *sse) flush() { s.w.(http.Flusher).Flush() }

// sleep pauses the stream, or returns false if the client went away.
func (s *sse) sleep(d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-s.r.Context().Done():
		return false
	}
}

// seen is what the server received.
type seen struct {
	mu     sync.Mutex
	body   []byte
	header http.Header
	path   string
}

func (s *seen) get() ([]byte, http.Header, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.body, s.header, s.path
}

// sent is what get returns with the body decoded as a JSON object; a
// body that is not one fails the test.
func (s *seen) sent(t testing.TB) (map[string]any, http.Header, string) {
	t.Helper()
	body, header, path := s.get()
	var b map[string]any
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	return b, header, path
}

// serve starts a server whose chat completions endpoint runs script, and
// a target pointed at it; cfg edits the target's config.
func serve(t testing.TB, script func(s *sse), cfg ...func(*targets.OpenAIConfig)) (*targets.OpenAI, *seen) {
	t.Helper()
	got := &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got.mu.Lock()
		got.body, got.header, got.path = body, r.Header.Clone(), r.URL.Path
		got.mu.Unlock()
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		script(&sse{w: w, r: r})
	}))
	t.Cleanup(srv.Close)
	c := targets.OpenAIConfig{
		BaseURL:  srv.URL + "/v1",
		Model:    "test-model",
		Name:     "local",
		Kind:     "self-hosted",
		Provider: "vllm",
	}
	for _, f := range cfg {
		f(&c)
	}
	tgt, err := targets.NewOpenAI(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tgt.CloseIdleConnections)
	return tgt, got
}

// event builds one chat.completion.chunk with a single choice.
func event(delta map[string]any, finish any, usage map[string]any) string {
	ev := map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "test-model",
		"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
	}
	if usage != nil {
		ev["usage"] = usage
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func roleChunk() string            { return event(map[string]any{"role": "assistant", "content": ""}, nil, nil) }
func contentChunk(s string) string { return event(map[string]any{"content": s}, nil, nil) }
func finishChunk(s, reason string) string {
	return event(map[string]any{"content": s}, reason, nil)
}

// usageChunk is the trailing include_usage chunk: no choices, usage only.
func usageChunk(prompt, completion int) string {
	return usageChunkDetails(prompt, completion, 0, 0)
}

func usageChunkDetails(prompt, completion, cached, reasoning int) string {
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "test-model",
		"choices": []any{},
		"usage":   usage(prompt, completion, cached, reasoning),
	})
	return string(b)
}

func usage(prompt, completion, cached, reasoning int) map[string]any {
	return map[string]any{
		"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
		"prompt_tokens_details":     map[string]any{"cached_tokens": cached},
		"completion_tokens_details": map[string]any{"reasoning_tokens": reasoning},
	}
}

// shape checks the timestamps of rec against each other and returns rec
// with every observed offset replaced by 1, each chunk gap by 1 and
// StartedAt cleared, so a test can compare the whole record exactly.
func shape(t testing.TB, clock results.Clock, rec results.Record) results.Record {
	t.Helper()
	if rec.SentNs <= 0 {
		t.Errorf("SentNs = %d, want > 0", rec.SentNs)
	}
	if !rec.StartedAt.Equal(clock.Wall(rec.SentNs)) {
		t.Errorf("StartedAt = %v, want clock.Wall(SentNs) = %v", rec.StartedAt, clock.Wall(rec.SentNs))
	}
	stamps := []struct {
		name string
		v    *int64
	}{
		{"sent", &rec.SentNs}, {"headers", &rec.HeadersNs}, {"first_event", &rec.FirstEventNs}, {"first_token", &rec.FirstTokenNs},
		{"first_output", &rec.FirstOutputNs}, {"last_token", &rec.LastTokenNs}, {"done", &rec.DoneNs},
	}
	prev, prevName := int64(0), ""
	for _, s := range stamps {
		if *s.v == 0 {
			continue
		}
		if *s.v < prev {
			t.Errorf("%s_ns = %d is before %s_ns = %d", s.name, *s.v, prevName, prev)
		}
		prev, prevName = *s.v, s.name
	}
	if rec.DoneNs == 0 {
		t.Errorf("DoneNs not set")
	}
	wantGaps := 0
	if rec.Chunks > 1 {
		wantGaps = int(rec.Chunks) - 1
	}
	if len(rec.ChunkGapsNs) != wantGaps {
		t.Errorf("%d chunk gaps for %d chunks", len(rec.ChunkGapsNs), rec.Chunks)
	}
	var sum int64
	for _, g := range rec.ChunkGapsNs {
		if g < 0 {
			t.Errorf("negative chunk gap %d", g)
		}
		sum += g
	}
	if rec.Chunks > 0 && sum != rec.LastTokenNs-rec.FirstTokenNs {
		t.Errorf("chunk gaps sum to %d, want last_token - first_token = %d", sum, rec.LastTokenNs-rec.FirstTokenNs)
	}
	for _, s := range stamps {
		if *s.v != 0 {
			*s.v = 1
		}
	}
	for i := range rec.ChunkGapsNs {
		rec.ChunkGapsNs[i] = 1
	}
	rec.StartedAt = time.Time{}
	return rec
}

// ones is n chunk gaps as shape leaves them.
func ones(n int) []int64 {
	if n <= 0 {
		return nil
	}
	g := make([]int64, n)
	for i := range g {
		g[i] = 1
	}
	return g
}
