package sim

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// event is one server-sent event as a client saw it.
type event struct {
	data string
	at   time.Time
}

// streamResult is what a client read from one streaming response.
type streamResult struct {
	status  int
	header  http.Header
	sent    time.Time
	events  []event // data payloads in order, [DONE] included
	done    bool    // [DONE] seen
	readErr error   // error that ended the body early (nil on clean EOF)
}

// wireChunk decodes the fields tests look at.
type wireChunk struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index int `json:"index"`
		Delta *struct {
			Role    *string `json:"role"`
			Content *string `json:"content"`
		} `json:"delta"`
		Text         *string `json:"text"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usage `json:"usage"`
}

// startServer serves cfg on a loopback httptest server.
func startServer(t testing.TB, cfg Config) (*Server, string) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	return s, ts.URL
}

// post sends body to url+path.
func post(ctx context.Context, t testing.TB, url, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// stream posts body and reads the whole event stream, timing each event.
func stream(ctx context.Context, t testing.TB, url, path, body string) streamResult {
	t.Helper()
	res, err := doStream(ctx, url, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// doStream is stream for goroutines other than the test's: it reports
// errors instead of failing the test.
func doStream(ctx context.Context, url, path, body string) (streamResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+path, strings.NewReader(body))
	if err != nil {
		return streamResult{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	sent := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return streamResult{}, err
	}
	defer resp.Body.Close()
	res := streamResult{status: resp.StatusCode, header: resp.Header, sent: sent}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			return res, fmt.Errorf("line without data prefix: %q", line)
		}
		res.events = append(res.events, event{data: data, at: time.Now()})
		if data == "[DONE]" {
			res.done = true
		}
	}
	res.readErr = sc.Err()
	return res, nil
}

// chunks decodes every event but [DONE]; it fails on invalid JSON.
func (r streamResult) chunks(t testing.TB) []wireChunk {
	t.Helper()
	var out []wireChunk
	for _, ev := range r.events {
		if ev.data == "[DONE]" {
			continue
		}
		var c wireChunk
		if err := json.Unmarshal([]byte(ev.data), &c); err != nil {
			t.Fatalf("invalid chunk %q: %v", ev.data, err)
		}
		out = append(out, c)
	}
	return out
}

// contentStats counts content-carrying chunks and their text, and returns
// the finish reasons seen.
func contentStats(chunks []wireChunk) (contentChunks int, text string, finish []string) {
	var b strings.Builder
	for _, c := range chunks {
		for _, ch := range c.Choices {
			var s string
			switch {
			case ch.Delta != nil && ch.Delta.Content != nil:
				s = *ch.Delta.Content
			case ch.Text != nil:
				s = *ch.Text
			}
			if s != "" {
				contentChunks++
				b.WriteString(s)
			}
			if ch.FinishReason != nil {
				finish = append(finish, *ch.FinishReason)
			}
		}
	}
	return contentChunks, b.String(), finish
}

func chatBody(maxTokens int, stream, usage bool) string {
	b := `{"model":"sim","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello world, how are you?"}]`
	if maxTokens > 0 {
		b += fmt.Sprintf(`,"max_tokens":%d`, maxTokens)
	}
	if stream {
		b += `,"stream":true`
	}
	if usage {
		b += `,"stream_options":{"include_usage":true}`
	}
	return b + "}"
}

func TestChatStreamWireFormat(t *testing.T) {
	_, url := startServer(t, Config{})
	for _, tc := range []struct {
		name      string
		maxTokens int
		perChunk  int
		usage     bool
	}{
		{"one token", 1, 1, false},
		{"seven tokens with usage", 7, 1, true},
		{"odd tokens per chunk", 7, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := url
			if tc.perChunk > 1 {
				_, u = startServer(t, Config{TokensPerChunk: tc.perChunk})
			}
			res := stream(t.Context(), t, u, "/v1/chat/completions", chatBody(tc.maxTokens, true, tc.usage))
			if res.status != 200 {
				t.Fatalf("status %d", res.status)
			}
			if ct := res.header.Get("Content-Type"); ct != "text/event-stream" {
				t.Errorf("Content-Type %q", ct)
			}
			if !res.done || res.events[len(res.events)-1].data != "[DONE]" {
				t.Fatalf("stream does not end with [DONE]: %v", res.events)
			}
			chunks := res.chunks(t)
			first := chunks[0]
			if len(first.Choices) != 1 || first.Choices[0].Delta == nil || first.Choices[0].Delta.Role == nil ||
				*first.Choices[0].Delta.Role != "assistant" || first.Choices[0].Delta.Content == nil || *first.Choices[0].Delta.Content != "" {
				t.Errorf("first chunk is not role-only: %s", res.events[0].data)
			}
			for _, c := range chunks {
				if !strings.HasPrefix(c.ID, "chatcmpl-") || c.ID != first.ID || c.Object != "chat.completion.chunk" || c.Model != "sim" || c.Created == 0 {
					t.Errorf("bad chunk header: %+v", c)
				}
			}
			wantChunks := (tc.maxTokens + tc.perChunk - 1) / tc.perChunk
			n, text, finish := contentStats(chunks)
			if n != wantChunks {
				t.Errorf("%d content chunks, want %d", n, wantChunks)
			}
			if got := len(strings.Fields(text)); got != tc.maxTokens {
				t.Errorf("%d output words, want %d: %q", got, tc.maxTokens, text)
			}
			if len(finish) != 1 || finish[0] != "length" {
				t.Errorf("finish reasons %v, want [length]", finish)
			}
			last := chunks[len(chunks)-1]
			if tc.usage {
				if len(last.Choices) != 0 || last.Usage == nil {
					t.Fatalf("last chunk is not a usage chunk: %+v", last)
				}
				if u := *last.Usage; u.CompletionTokens != tc.maxTokens || u.PromptTokens < 1 || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
					t.Errorf("usage %+v", u)
				}
				// Every other chunk carries "usage":null, as OpenAI sends.
				for _, ev := range res.events[:len(res.events)-2] {
					if !strings.Contains(ev.data, `"usage":null`) {
						t.Errorf("chunk without usage null: %s", ev.data)
					}
				}
			} else {
				for _, ev := range res.events {
					if strings.Contains(ev.data, `"usage"`) {
						t.Errorf("usage present though not requested: %s", ev.data)
					}
				}
				if last.Choices[0].FinishReason == nil {
					t.Errorf("last chunk before [DONE] has no finish_reason")
				}
			}
		})
	}
}

func TestMaxTokensHonoured(t *testing.T) {
	_, url := startServer(t, Config{DefaultMaxTokens: 5})
	for _, tc := range []struct {
		name, path, body string
		stream           bool
		want             int
		finish           string
	}{
		{"chat max_tokens", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"max_tokens":13}`, false, 13, "length"},
		{"chat max_completion_tokens wins", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"max_tokens":3,"max_completion_tokens":11}`, false, 11, "length"},
		{"chat default stops", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}]}`, false, 5, "stop"},
		{"chat stream", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"max_tokens":17,"stream":true}`, true, 17, "length"},
		{"chat stream max_completion_tokens", "/v1/chat/completions", `{"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"max_completion_tokens":4,"stream":true}`, true, 4, "length"},
		{"completions", "/v1/completions", `{"model":"sim","prompt":"once upon a time","max_tokens":9}`, false, 9, "length"},
		{"completions stream", "/v1/completions", `{"prompt":["once"],"max_tokens":8,"stream":true,"stream_options":{"include_usage":true}}`, true, 8, "length"},
		{"completions token ids", "/v1/completions", `{"prompt":[1,2,3],"max_tokens":2}`, false, 2, "length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.stream {
				res := stream(t.Context(), t, url, tc.path, tc.body)
				if res.status != 200 || !res.done {
					t.Fatalf("status %d done %v", res.status, res.done)
				}
				chunks := res.chunks(t)
				n, text, finish := contentStats(chunks)
				if n != tc.want || len(strings.Fields(text)) != tc.want {
					t.Errorf("%d chunks, %d words, want %d", n, len(strings.Fields(text)), tc.want)
				}
				if len(finish) != 1 || finish[0] != tc.finish {
					t.Errorf("finish %v, want %s", finish, tc.finish)
				}
				if tc.path == "/v1/completions" {
					if chunks[0].Object != "text_completion" || !strings.HasPrefix(chunks[0].ID, "cmpl-") {
						t.Errorf("legacy chunk header %+v", chunks[0])
					}
					if chunks[0].Choices[0].Text == nil {
						t.Errorf("legacy stream starts without text (no role chunk expected): %s", res.events[0].data)
					}
				}
				return
			}
			resp := post(t.Context(), t, url, tc.path, tc.body)
			defer resp.Body.Close()
			var c struct {
				ID      string `json:"id"`
				Object  string `json:"object"`
				Choices []struct {
					Message *message `json:"message"`
					Text    *string  `json:"text"`
					Finish  string   `json:"finish_reason"`
				} `json:"choices"`
				Usage usage `json:"usage"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != 200 {
				t.Fatalf("status %d: %v", resp.StatusCode, err)
			}
			text := ""
			if tc.path == "/v1/completions" {
				if c.Object != "text_completion" || c.Choices[0].Text == nil {
					t.Fatalf("not a text_completion: %+v", c)
				}
				text = *c.Choices[0].Text
			} else {
				if c.Object != "chat.completion" || c.Choices[0].Message == nil || c.Choices[0].Message.Role != "assistant" {
					t.Fatalf("not a chat.completion: %+v", c)
				}
				text = c.Choices[0].Message.Content
			}
			if got := len(strings.Fields(text)); got != tc.want || c.Usage.CompletionTokens != tc.want {
				t.Errorf("%d words, usage %d, want %d", got, c.Usage.CompletionTokens, tc.want)
			}
			if c.Choices[0].Finish != tc.finish {
				t.Errorf("finish %q, want %q", c.Choices[0].Finish, tc.finish)
			}
		})
	}
}

func TestPromptTokenEstimate(t *testing.T) {
	for _, tc := range []struct {
		text string
		want int
	}{{"", 1}, {"a", 1}, {"abcd", 1}, {"abcde", 2}, {strings.Repeat("x", 400), 100}} {
		if got := EstimateTokens(tc.text); got != tc.want {
			t.Errorf("EstimateTokens(%d bytes) = %d, want %d", len(tc.text), got, tc.want)
		}
	}
	// The server counts the messages joined by newlines.
	_, url := startServer(t, Config{})
	resp := post(t.Context(), t, url, "/v1/chat/completions",
		`{"messages":[{"role":"system","content":"1234567"},{"role":"user","content":"12345678"}],"max_tokens":1}`)
	defer resp.Body.Close()
	var c completion
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		t.Fatal(err)
	}
	if want := EstimateTokens("1234567\n12345678"); c.Usage.PromptTokens != want {
		t.Errorf("prompt_tokens %d, want %d", c.Usage.PromptTokens, want)
	}
}

func TestRequestErrors(t *testing.T) {
	_, url := startServer(t, Config{})
	engineSrv, engineURL := startServer(t, Config{DecodeStep: time.Millisecond, KVCapacityTokens: 100, DefaultMaxTokens: 10})
	for _, tc := range []struct {
		name, method, url, path, body string
		status                        int
		code                          string
	}{
		{"malformed json", "POST", url, "/v1/chat/completions", `{"messages": [`, 400, ""},
		{"wrong type", "POST", url, "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"max_tokens":"ten"}`, 400, ""},
		{"no messages", "POST", url, "/v1/chat/completions", `{"model":"sim"}`, 400, ""},
		{"zero max_tokens", "POST", url, "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"max_tokens":0}`, 400, ""},
		{"huge max_tokens", "POST", url, "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"max_tokens":1000000000}`, 400, ""},
		{"bad content", "POST", url, "/v1/chat/completions", `{"messages":[{"role":"user","content":7}]}`, 400, ""},
		{"no prompt", "POST", url, "/v1/completions", `{"max_tokens":3}`, 400, ""},
		{"two prompts", "POST", url, "/v1/completions", `{"prompt":["a","b"]}`, 400, ""},
		{"unknown model", "POST", url, "/v1/chat/completions", `{"model":"gpt-9","messages":[{"role":"user","content":"x"}]}`, 404, "model_not_found"},
		{"unknown route", "POST", url, "/v1/embeddings", `{}`, 404, ""},
		{"wrong method", "GET", url, "/v1/chat/completions", ``, 405, "method_not_allowed"},
		{"over KV capacity", "POST", engineURL, "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"max_tokens":100}`, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), tc.method, tc.url+tc.path, strings.NewReader(tc.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			var e struct {
				Error struct {
					Message string  `json:"message"`
					Type    string  `json:"type"`
					Code    *string `json:"code"`
				} `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("error body is not JSON: %v", err)
			}
			if e.Error.Message == "" || e.Error.Type == "" {
				t.Errorf("error body lacks message or type: %+v", e)
			}
			if tc.code != "" && (e.Error.Code == nil || *e.Error.Code != tc.code) {
				t.Errorf("code %v, want %s", e.Error.Code, tc.code)
			}
		})
	}
	if st := engineSrv.Stats(); st.BadRequests != 1 || st.Running+st.Waiting != 0 {
		t.Errorf("refused request reached the engine: %+v", st)
	}
}

func TestModelsAndHealth(t *testing.T) {
	_, url := startServer(t, Config{Model: "llama-sim"})
	resp, err := http.Get(url + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		Object string `json:"object"`
		Data   []struct {
			ID     string `json:"id"`
			Object string `json:"object"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if m.Object != "list" || len(m.Data) != 1 || m.Data[0].ID != "llama-sim" || m.Data[0].Object != "model" {
		t.Errorf("models %+v", m)
	}
	resp2, err := http.Get(url + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 200 {
		t.Errorf("health %d", resp2.StatusCode)
	}
	// The configured model is echoed.
	res := stream(t.Context(), t, url, "/v1/chat/completions", `{"model":"llama-sim","messages":[{"role":"user","content":"x"}],"max_tokens":2,"stream":true}`)
	for _, c := range res.chunks(t) {
		if c.Model != "llama-sim" {
			t.Errorf("model %q echoed", c.Model)
		}
	}
}

// TestSimulatedHeader: every answer, whatever the route, protocol or
// fault, says it is simulated.
func TestSimulatedHeader(t *testing.T) {
	_, url := startServer(t, Config{Faults: Faults{ErrorRate: 0.5}, Seed: 3})
	chat := `{"messages":[{"role":"user","content":"x"}],"max_tokens":2,"stream":true}`
	reqs := []struct{ method, path, body string }{
		{http.MethodPost, "/v1/chat/completions", chat},
		{http.MethodPost, "/v1/chat/completions", chat},
		{http.MethodPost, "/v1/chat/completions", chat},
		{http.MethodPost, "/v1/completions", `{"prompt":"x","max_tokens":2}`},
		{http.MethodPost, "/v1/chat/completions", `{"model":"other","messages":[{"role":"user","content":"x"}]}`},
		{http.MethodPost, "/v1/messages", `{"max_tokens":2,"messages":[{"role":"user","content":"x"}],"stream":true}`},
		{http.MethodPost, "/v1beta/models/sim:streamGenerateContent?alt=sse", `{"contents":[{"parts":[{"text":"x"}]}]}`},
		{http.MethodGet, "/v1/models", ""},
		{http.MethodGet, "/metrics", ""},
		{http.MethodGet, "/health", ""},
		{http.MethodGet, "/nowhere", ""},
		{http.MethodGet, "/v1/chat/completions", ""},
	}
	statuses := map[int]bool{}
	for _, q := range reqs {
		req, err := http.NewRequestWithContext(t.Context(), q.method, url+q.path, strings.NewReader(q.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		statuses[resp.StatusCode] = true
		if got := resp.Header.Get(SimulatedHeader); got != "1" {
			t.Errorf("%s %s: %d with %s %q, want \"1\"", q.method, q.path, resp.StatusCode, SimulatedHeader, got)
		}
	}
	for _, code := range []int{200, 404, 405, 500} {
		if !statuses[code] {
			t.Errorf("no answer with status %d among %v: the test covers less than it says", code, statuses)
		}
	}
}

// FuzzRequest feeds arbitrary bodies to both generation routes: the server
// must answer 200 or an OpenAI error, never panic.
func FuzzRequest(f *testing.F) {
	for _, seed := range []string{
		`{"messages":[{"role":"user","content":"hi"}],"max_tokens":2}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"stream":true,"max_completion_tokens":1}`,
		`{"prompt":"hi","max_tokens":1,"stream":true,"stream_options":{"include_usage":true}}`,
		`{"prompt":[1,2],"max_tokens":1}`,
		`{"messages":[{"role":"user","content":null}],"max_tokens":-1}`,
		`{"messages":[{"role":"user","content":"x"}],"max_tokens":99999999999}`,
		`{"messages":`, `null`, `[]`, `""`, ``,
	} {
		f.Add(seed)
	}
	s, err := New(Config{DefaultMaxTokens: 3})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/v1/chat/completions", "/v1/completions"} {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
			switch rec.Code {
			case 200:
			case 400, 404:
				var e apiError
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Message == "" {
					t.Errorf("%s: error body %q", path, rec.Body.String())
				}
			default:
				t.Errorf("%s: status %d for %q", path, rec.Code, body)
			}
			_, _ = io.Copy(io.Discard, rec.Body)
		}
	})
}

func TestContinuousUsageStats(t *testing.T) {
	// vLLM's continuous_usage_stats: every chunk carries the usage so far,
	// so chunks of several tokens are counted exactly.
	_, url := startServer(t, Config{TokensPerChunk: 3})
	body := `{"messages":[{"role":"user","content":"12345678"}],"max_tokens":7,"stream":true,"stream_options":{"include_usage":true,"continuous_usage_stats":true}}`
	res := stream(t.Context(), t, url, "/v1/chat/completions", body)
	var got []int
	for _, c := range res.chunks(t) {
		if c.Usage == nil {
			t.Fatalf("chunk without usage: %+v", c)
		}
		if c.Usage.PromptTokens != 2 || c.Usage.TotalTokens != 2+c.Usage.CompletionTokens {
			t.Errorf("usage %+v", *c.Usage)
		}
		got = append(got, c.Usage.CompletionTokens)
	}
	// role chunk, chunks of 3+3+1, final usage chunk
	if want := []int{0, 3, 6, 7, 7}; !slices.Equal(got, want) {
		t.Errorf("completion tokens per chunk %v, want %v", got, want)
	}
}
