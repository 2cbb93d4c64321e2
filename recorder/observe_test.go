package recorder

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/workloads"
)

// TestObservedAnswers records requests whose upstream answers in every
// shape the proxy meets: JSON with and without usage, a stream with a
// usage chunk (Ollama-style zeroed usage on the chunks before it), a
// stream without usage (counted by chunks, reasoning apart), an error and
// a compressed answer it cannot read. The client gets every answer byte
// for byte, and each recorded request says what was observed.
func TestObservedAnswers(t *testing.T) {
	sse := func(events ...string) string {
		var b strings.Builder
		for _, e := range events {
			b.WriteString("data: " + e + "\n\n")
		}
		return b.String() + "data: [DONE]\n\n"
	}
	answers := map[string]struct {
		status      int
		contentType string
		encoding    string
		body        string
	}{
		"json-usage": {200, "application/json", "",
			`{"choices":[{"message":{"content":"hi there"}}],"usage":{"prompt_tokens":12,"completion_tokens":40,"completion_tokens_details":{"reasoning_tokens":30}}}`},
		"json-bare": {200, "application/json", "", `{"choices":[{"message":{"content":"hi"}}]}`},
		"stream-usage": {200, "text/event-stream; charset=utf-8", "", sse(
			`{"choices":[{"delta":{"role":"assistant"}}],"usage":{"prompt_tokens":0,"completion_tokens":0}}`,
			`{"choices":[{"delta":{"content":"a"}}],"usage":{"prompt_tokens":0,"completion_tokens":0}}`,
			`{"choices":[{"delta":{"content":"b"}}]}`,
			`{"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2}}`)},
		"stream-chunks": {200, "text/event-stream", "", sse(
			`{"choices":[{"delta":{"role":"assistant"}}]}`,
			`{"choices":[{"delta":{"reasoning_content":"hmm"}}]}`,
			`{"choices":[{"delta":{"reasoning":"so"}}]}`,
			`{"choices":[{"delta":{"content":"x"}}]}`,
			`{"choices":[{"delta":{"content":"y"}}]}`,
			`{"choices":[{"delta":{"content":"z"},"finish_reason":"stop"}]}`)},
		"completions-chunks": {200, "text/event-stream", "", sse(`{"choices":[{"text":"one"}]}`, `{"choices":[{"text":"two"}]}`)},
		"error":              {404, "application/json", "", `{"error":{"message":"The model does not exist."}}`},
		"gzip":               {200, "application/json", "gzip", "\x1f\x8bnot really"},
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		for name, a := range answers {
			if strings.Contains(string(body), `"`+name+`"`) {
				w.Header().Set("Content-Type", a.contentType)
				if a.encoding != "" {
					w.Header().Set("Content-Encoding", a.encoding)
				}
				w.WriteHeader(a.status)
				// In pieces, as a stream arrives: lines split across reads.
				for i := 0; i < len(a.body); i += 7 {
					w.Write([]byte(a.body[i:min(i+7, len(a.body))]))
					w.(http.Flusher).Flush()
				}
				return
			}
		}
		http.Error(w, "unknown request", http.StatusBadRequest)
	}))
	defer upstream.Close()
	p, proxyURL := startProxy(t, upstream.URL, Config{})
	// A client that leaves a compressed answer compressed, as it came.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	order := []string{"json-usage", "json-bare", "stream-usage", "stream-chunks", "completions-chunks", "error", "gzip"}
	for _, name := range order {
		path, body := "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"`+name+`"}]}`
		if name == "completions-chunks" {
			path, body = "/v1/completions", `{"model":"m","prompt":"`+name+`","stream":true}`
		}
		req, _ := http.NewRequest(http.MethodPost, proxyURL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if name == "gzip" {
			req.Header.Set("Accept-Encoding", "gzip") // asked for: passed through compressed
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != answers[name].body {
			t.Errorf("%s: the client got %q, want the upstream's answer unchanged", name, got)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	reqs, err := workloads.LoadFile(p.Files()[0])
	if err != nil || len(reqs) != len(order) {
		t.Fatalf("%d requests recorded: %v", len(reqs), err)
	}
	want := map[string]*workloads.Observed{
		"json-usage":         {InputTokens: 12, OutputTokens: 40, ReasoningTokens: 30, Source: workloads.ObservedFromUsage},
		"stream-usage":       {InputTokens: 7, OutputTokens: 2, Source: workloads.ObservedFromUsage, Streamed: true},
		"stream-chunks":      {OutputTokens: 5, ReasoningTokens: 2, Source: workloads.ObservedFromChunks, Streamed: true},
		"completions-chunks": {OutputTokens: 2, Source: workloads.ObservedFromChunks, Streamed: true},
	}
	for i, name := range order {
		got, w := reqs[i].Observed, want[name]
		if (got == nil) != (w == nil) || got != nil && *got != *w {
			t.Errorf("%s: observed %+v, want %+v", name, got, w)
		}
	}
}

// TestCloseDoesNotWaitForStreams: Close records a request whose answer
// is still streaming without waiting for it, and without Observed.
func TestCloseDoesNotWaitForStreams(t *testing.T) {
	release := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"first\"}}]}\n\n"))
		w.(http.Flusher).Flush()
		<-release
	}))
	defer upstream.Close()
	defer close(release) // before the proxy's server closes (cleanup), which waits for the handler
	p, proxyURL := startProxy(t, upstream.URL, Config{})
	resp := postStream(t, proxyURL)
	defer resp.Body.Close()
	if _, err := resp.Body.Read(make([]byte, 16)); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	reqs, err := workloads.LoadFile(p.Files()[0])
	if err != nil || len(reqs) != 1 || reqs[0].Observed != nil {
		t.Fatalf("recorded %+v, %v; want one request without observed", reqs, err)
	}
}

// TestCloseWithFullQueue: with the queue full behind a stream still
// answering (the writer keeps arrival order), Close neither hangs nor
// loses what is queued, and the handler waiting on the full queue is
// forwarded once Close begins.
func TestCloseWithFullQueue(t *testing.T) {
	release := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "chat") {
			w.Header().Set("Content-Type", "text/event-stream")
			w.Write([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"first\"}}]}\n\n"))
			w.(http.Flusher).Flush()
			<-release
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"choices":[{"text":"ok"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}`))
	}))
	defer upstream.Close()
	defer close(release)
	p, proxyURL := startProxy(t, upstream.URL, Config{QueueSize: 1})
	resp := postStream(t, proxyURL)
	defer resp.Body.Close()
	if _, err := resp.Body.Read(make([]byte, 16)); err != nil {
		t.Fatal(err)
	}
	// The stream is taken by the writer (waiting for its answer), the
	// second request fills the queue, the third waits for room.
	answered := make(chan int, 2)
	for range 2 {
		go func() {
			r, err := http.Post(proxyURL+"/v1/completions", "application/json", strings.NewReader(`{"model":"m","prompt":"hi","max_tokens":4}`))
			if err != nil {
				answered <- 0
				return
			}
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
			answered <- r.StatusCode
		}()
	}
	// Wait until the queue is full and the third handler holds mu,
	// blocked on its send: the case in which Close used to hang.
	// (mu held across 20 looks a millisecond apart: not a passing enqueue.)
	for held := 0; held < 20; {
		time.Sleep(time.Millisecond)
		switch {
		case p.queueLen() < 1:
			held = 0
		case p.mu.TryLock():
			p.mu.Unlock()
			held = 0
		default:
			held++
		}
	}
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second): // a hang detector, not a timing check
		t.Fatal("Close hung behind a handler waiting on the full queue")
	}
	for range 2 {
		if code := <-answered; code != http.StatusOK {
			t.Errorf("request behind the full queue: status %d", code)
		}
	}
	reqs, err := workloads.LoadFile(p.Files()[0])
	if err != nil || len(reqs) < 2 {
		t.Fatalf("recorded %d requests, %v; want the stream and the queued one", len(reqs), err)
	}
}
