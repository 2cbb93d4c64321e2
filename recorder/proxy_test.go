package recorder

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/targets/sim"
	"github.com/inferbench/inferbench/workloads"
)

const secret = "sk-test-NEVER-IN-FILE-4242"

// startProxy serves a Proxy in front of upstream and returns its URL.
func startProxy(t *testing.T, upstream string, cfg Config) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Upstream = u
	if cfg.Out == "" {
		cfg.Out = filepath.Join(t.TempDir(), "capture.jsonl")
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(func() { srv.Close(); p.Close() })
	return p, srv.URL
}

func temp(v float64) *float64 { return &v }

// postStream sends a streamed chat request through the proxy.
func postStream(t *testing.T, proxyURL string) *http.Response {
	t.Helper()
	resp, err := http.Post(proxyURL+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestRecordEndToEnd sends requests from an app (inferbench's own OpenAI
// client) through the proxy to the simulator: every request succeeds, the
// recording replays to the same requests, and the API key reaches the
// upstream but never the file.
func TestRecordEndToEnd(t *testing.T) {
	s, err := sim.New(sim.Config{Exact: true, TTFT: time.Millisecond, ITL: time.Millisecond, Model: "sim"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var authMu sync.Mutex
	var auths []string
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authMu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		authMu.Unlock()
		s.ServeHTTP(w, r)
	}))
	defer upstream.Close()

	var recErrs []error
	p, proxyURL := startProxy(t, upstream.URL, Config{OnError: func(err error) { recErrs = append(recErrs, err) }})
	app, err := targets.NewOpenAI(targets.OpenAIConfig{BaseURL: proxyURL + "/v1", Model: "sim", APIKey: secret, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sent := []workloads.Request{
		{Messages: []workloads.Message{{Role: "system", Content: "You are terse."}, {Role: "user", Content: "Name a sonnet."}}, MaxTokens: 8},
		{Prompt: "Shall I compare thee to a summer's day?", MaxTokens: 5, Temperature: temp(0)},
		{Messages: []workloads.Message{{Role: "user", Content: "hi"}, {Role: "assistant", Content: "hello"}, {Role: "user", Content: "more"}}, MaxTokens: 3, Temperature: temp(0.7)},
	}
	clock := results.NewClock(time.Now())
	for i := range sent {
		rec := app.Do(context.Background(), clock, &sent[i])
		if rec.Status != results.StatusOK {
			t.Fatalf("request %d through the proxy: %s %s", i, rec.ErrorClass, rec.ErrorMessage)
		}
		time.Sleep(5 * time.Millisecond) // distinct arrival offsets
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if len(recErrs) > 0 {
		t.Fatalf("recording errors: %v", recErrs)
	}
	out := p.Files()[0]
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), secret) || strings.Contains(strings.ToLower(string(raw)), "authorization") {
		t.Fatalf("the recording contains the Authorization header:\n%s", raw)
	}
	for _, a := range auths {
		if a != "Bearer "+secret {
			t.Fatalf("upstream got Authorization %q, want the app's key forwarded", a)
		}
	}
	got, err := workloads.LoadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(sent) || p.Recorded() != int64(len(sent)) {
		t.Fatalf("recorded %d requests (%d counted), sent %d", len(got), p.Recorded(), len(sent))
	}
	last := -1.0
	for i, r := range got {
		want := sent[i]
		wantMsgs := want.ChatMessages() // the client sends a prompt as one user message
		if !equalMessages(r.ChatMessages(), wantMsgs) || r.MaxTokens != want.MaxTokens || !equalTemp(r.Temperature, want.Temperature) {
			t.Errorf("request %d recorded as %+v, sent %+v", i, r, want)
		}
		if r.AtMs == nil || *r.AtMs < last || (i == 0 && *r.AtMs != 0) {
			t.Errorf("request %d at_ms %v after %v", i, r.AtMs, last)
		}
		last = *r.AtMs
		// The client streamed with include_usage: the simulator's usage,
		// its answer as long as max_tokens.
		if o := r.Observed; o == nil || *o != (workloads.Observed{InputTokens: o.InputTokens, OutputTokens: want.MaxTokens,
			Source: workloads.ObservedFromUsage, Streamed: true}) || o.InputTokens <= 0 {
			t.Errorf("request %d observed %+v, want %d output tokens from a streamed usage", i, o, want.MaxTokens)
		}
		for k := range r.Extra {
			if k == "stream" || k == "stream_options" || k == "model" {
				t.Errorf("request %d: %s recorded in extra", i, k)
			}
		}
	}
	if last < 10 {
		t.Errorf("last arrival at %v ms, want the 5 ms sleeps to show", last)
	}
}

func equalMessages(a, b []workloads.Message) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalTemp(a, b *float64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// TestStreamingPassesThrough checks that the proxy flushes each chunk: the
// upstream holds the rest of its stream until the client has read the
// first chunk, which would deadlock a buffering proxy.
func TestStreamingPassesThrough(t *testing.T) {
	firstRead := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"first\"}}]}\n\n"))
		w.(http.Flusher).Flush()
		select {
		case <-firstRead:
		case <-time.After(5 * time.Second):
		}
		w.Write([]byte("data: [DONE]\n\n"))
	}))
	defer upstream.Close()
	_, proxyURL := startProxy(t, upstream.URL, Config{})
	resp := postStream(t, proxyURL)
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	start := time.Now()
	line, err := br.ReadString('\n')
	if err != nil || !strings.Contains(line, "first") {
		t.Fatalf("first line %q, %v", line, err)
	}
	if waited := time.Since(start); waited > 4*time.Second {
		t.Fatalf("the first chunk took %v: the proxy buffered the stream", waited)
	}
	close(firstRead)
	rest, _ := br.ReadString(0)
	if !strings.Contains(rest, "[DONE]") {
		t.Fatalf("rest of stream %q", rest)
	}
}

func TestContentModes(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) }))
	defer upstream.Close()
	bodies := []string{
		`{"model":"m","user":"alice@example.com","top_p":0.5,"messages":[{"role":"system","content":"Shared policy text, quite long and private."},{"role":"user","content":"my card number is 4111"}],"max_tokens":9}`,
		`{"model":"m","messages":[{"role":"system","content":"Shared policy text, quite long and private."},{"role":"user","content":"another secret question"}],"max_completion_tokens":4}`,
	}
	tok, _ := workloads.NewTokenizer("cl100k_base")
	count := func(s string) int { return len(tok.Encode(s)) }
	for _, mode := range []Content{ContentHash, ContentDrop} {
		p, proxyURL := startProxy(t, upstream.URL, Config{Content: mode, HashSalt: []byte("salt")})
		for _, b := range bodies {
			resp, err := http.Post(proxyURL+"/v1/chat/completions", "application/json", strings.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		p.Close()
		raw, _ := os.ReadFile(p.Files()[0])
		for _, private := range []string{"Shared policy", "4111", "secret question", "alice"} {
			if strings.Contains(string(raw), private) {
				t.Errorf("%s: recording contains %q", mode, private)
			}
		}
		got, err := workloads.LoadFile(p.Files()[0])
		if err != nil {
			t.Fatal(err)
		}
		want0 := count("Shared policy text, quite long and private.") + count("my card number is 4111")
		if got[0].InputTokens != want0 || got[0].MaxTokens != 9 || got[1].MaxTokens != 4 {
			t.Errorf("%s: input %d max %d/%d, want %d 9/4", mode, got[0].InputTokens, got[0].MaxTokens, got[1].MaxTokens, want0)
		}
		switch mode {
		case ContentHash:
			m0, m1 := got[0].Messages, got[1].Messages
			if m0[0] != m1[0] || m0[1] == m1[1] {
				t.Errorf("hash: equal system messages must stay equal, different user messages differ: %+v %+v", m0, m1)
			}
			if count(m0[1].Content) != count("my card number is 4111") || m0[0].Role != "system" {
				t.Errorf("hash: user message has %d tokens", count(m0[1].Content))
			}
			if string(got[0].Extra["top_p"]) != "0.5" || got[0].Extra["user"] != nil {
				t.Errorf("hash: extra %v, want top_p kept and user dropped", got[0].Extra)
			}
		case ContentDrop:
			if len(got[0].Messages) != 0 || count(got[0].Prompt) != want0 {
				t.Errorf("drop: %+v, want one prompt of %d tokens", got[0], want0)
			}
		}
	}
}

func TestRotationAndPassThrough(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.URL.Path))
	}))
	defer upstream.Close()
	dir := t.TempDir()
	p, proxyURL := startProxy(t, upstream.URL+"/v1", Config{Out: filepath.Join(dir, "cap.jsonl"), RotateRequests: 2, MaxBodyBytes: 200})
	for i := range 5 {
		resp, err := http.Post(proxyURL+"/v1/completions", "application/json", strings.NewReader(`{"model":"m","prompt":"p`+string(rune('a'+i))+`","max_tokens":1}`))
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		bufio.NewReader(resp.Body).WriteTo(&b)
		resp.Body.Close()
		if b.String() != "/v1/completions" {
			t.Errorf("upstream saw path %q, want /v1/completions (the /v1 not doubled)", b.String())
		}
	}
	// Not recorded: other endpoints, and bodies over the limit (refused).
	resp, err := http.Get(proxyURL + "/models")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /models: %d", resp.StatusCode)
	}
	resp, _ = http.Post(proxyURL+"/v1/chat/completions", "application/json", strings.NewReader(strings.Repeat("x", 300)))
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d, want 413", resp.StatusCode)
	}
	p.Close()
	files := p.Files()
	wantFiles := []string{"cap.00001.jsonl", "cap.00002.jsonl", "cap.00003.jsonl"}
	if len(files) != 3 {
		t.Fatalf("files %v, want %v", files, wantFiles)
	}
	var ids string
	for i, f := range files {
		if filepath.Base(f) != wantFiles[i] {
			t.Errorf("file %s, want %s", filepath.Base(f), wantFiles[i])
		}
		reqs, err := workloads.LoadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if *reqs[0].AtMs != 0 {
			t.Errorf("%s starts at %v ms, want 0", f, *reqs[0].AtMs)
		}
		for _, r := range reqs {
			ids += r.ID + " "
		}
	}
	if ids != "1 2 3 4 5 " {
		t.Errorf("ids %q", ids)
	}
	// A second recording never overwrites the first.
	u, _ := url.Parse(upstream.URL)
	if _, err := New(Config{Upstream: u, Out: files[0]}); err == nil {
		t.Error("New overwrote an existing file")
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := New(Config{Content: "blur"})
	if err == nil || !strings.Contains(err.Error(), "upstream") || !strings.Contains(err.Error(), "output file") || !strings.Contains(err.Error(), "content mode") {
		t.Errorf("err = %v, want every problem at once", err)
	}
}
