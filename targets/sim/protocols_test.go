package sim_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/targets/sim"
)

// wireServer serves cfg over loopback.
func wireServer(t *testing.T, cfg sim.Config) string {
	t.Helper()
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); s.Close() })
	return srv.URL
}

// post sends body to path with the protocol's headers.
func post(t *testing.T, url, body string, header ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// events reads an SSE body as (event, data) pairs.
func events(t *testing.T, r io.Reader) [][2]string {
	t.Helper()
	var out [][2]string
	var name string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			out = append(out, [2]string{name, strings.TrimPrefix(line, "data: ")})
			name = ""
		}
	}
	return out
}

const (
	anthropicBody = `{"model":"sim","max_tokens":6,"stream":true,"system":"Be brief.","messages":[{"role":"user","content":"Hi there"}]}`
	responsesBody = `{"model":"sim","input":[{"role":"user","content":"Hi there"}],"stream":true,"max_output_tokens":6}`
	geminiBody    = `{"contents":[{"role":"user","parts":[{"text":"Hi there"}]}],"generationConfig":{"maxOutputTokens":6}}`
)

func TestAnthropicEvents(t *testing.T) {
	url := wireServer(t, sim.Config{TokensPerChunk: 2, Provider: sim.Provider{ReasoningTokens: 3, CachedFraction: 0.5}})
	resp := post(t, url+"/v1/messages", anthropicBody, "anthropic-version", "2023-06-01")
	var names []string
	var lastUsage map[string]any
	for _, ev := range events(t, resp.Body) {
		var m map[string]any
		if err := json.Unmarshal([]byte(ev[1]), &m); err != nil {
			t.Fatalf("%s: %v", ev[1], err)
		}
		if m["type"] != ev[0] {
			t.Errorf("event %s carries type %v", ev[0], m["type"])
		}
		name := ev[0]
		if d, ok := m["delta"].(map[string]any); ok && d["type"] != nil {
			name += ":" + d["type"].(string)
		}
		names = append(names, name)
		if u, ok := m["usage"].(map[string]any); ok {
			lastUsage = u
		}
		if msg, ok := m["message"].(map[string]any); ok {
			u := msg["usage"].(map[string]any)
			// "Hi there" + "Be brief." = 18 bytes -> 5 tokens; half cached.
			if u["input_tokens"] != 3.0 || u["cache_read_input_tokens"] != 2.0 {
				t.Errorf("message_start usage %v", u)
			}
		}
	}
	want := "message_start ping content_block_start content_block_delta:thinking_delta content_block_delta:thinking_delta " +
		"content_block_delta:signature_delta content_block_stop content_block_start content_block_delta:text_delta " +
		"content_block_delta:text_delta content_block_stop message_delta message_stop"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("events\n got %s\nwant %s", got, want)
	}
	if lastUsage["output_tokens"] != 6.0 {
		t.Errorf("final usage %v", lastUsage)
	}
}

func TestResponsesAndGeminiEvents(t *testing.T) {
	url := wireServer(t, sim.Config{Provider: sim.Provider{ReasoningTokens: 2, CachedFraction: 0.5}})
	resp := post(t, url+"/v1/responses", responsesBody)
	evs := events(t, resp.Body)
	last := evs[len(evs)-1]
	if last[0] != "response.incomplete" || !strings.Contains(last[1], `"reasoning_tokens":2`) ||
		!strings.Contains(last[1], `"cached_tokens":1`) || !strings.Contains(last[1], `"reason":"max_output_tokens"`) {
		t.Errorf("last event %v", last)
	}
	var deltas []string
	for _, ev := range evs {
		if strings.HasSuffix(ev[0], ".delta") {
			deltas = append(deltas, ev[0])
		}
	}
	if strings.Join(deltas, " ") != "response.reasoning_summary_text.delta response.reasoning_summary_text.delta "+
		strings.TrimSpace(strings.Repeat("response.output_text.delta ", 4)) {
		t.Errorf("deltas %v", deltas)
	}

	resp = post(t, url+"/v1beta/models/sim:streamGenerateContent?alt=sse", geminiBody)
	raw, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(raw), "\r\n\r\n") {
		t.Error("Gemini events do not end in CRLF")
	}
	evs = events(t, strings.NewReader(string(raw)))
	if len(evs) != 6 || !strings.Contains(evs[0][1], `"thought":true`) || strings.Contains(evs[2][1], `"thought"`) ||
		!strings.Contains(evs[5][1], `"finishReason":"MAX_TOKENS"`) || !strings.Contains(evs[5][1], `"thoughtsTokenCount":2`) ||
		!strings.Contains(evs[5][1], `"candidatesTokenCount":4`) {
		t.Errorf("gemini events %v", evs)
	}
}

func TestWireErrorShapes(t *testing.T) {
	url := wireServer(t, sim.Config{Faults: sim.Faults{RateLimitRate: 1, RetryAfter: 1500 * time.Millisecond}})
	tests := []struct {
		path, body string
		header     []string
		want       []string
	}{
		{"/v1/messages", anthropicBody, []string{"anthropic-version", "2023-06-01"}, []string{`"type":"error"`, `"type":"rate_limit_error"`}},
		{"/v1/responses", responsesBody, nil, []string{`"code":"rate_limit_exceeded"`}},
		{"/v1beta/models/sim:streamGenerateContent?alt=sse", geminiBody, nil, []string{`"status":"RESOURCE_EXHAUSTED"`, `"retryDelay":"1.5s"`}},
	}
	for _, tt := range tests {
		resp := post(t, url+tt.path, tt.body, tt.header...)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || resp.Header.Get("retry-after-ms") != "1500" {
			t.Errorf("%s: %d, Retry-After %q, retry-after-ms %q", tt.path, resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("retry-after-ms"))
		}
		for _, w := range tt.want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s: body %s lacks %s", tt.path, b, w)
			}
		}
	}
}

func TestWireBadRequests(t *testing.T) {
	url := wireServer(t, sim.Config{})
	tests := []struct {
		path, body string
		header     []string
		status     int
		want       string
	}{
		{"/v1/messages", anthropicBody, nil, 400, "anthropic-version"},
		{"/v1/messages", `{"model":"sim","stream":true,"messages":[{"role":"user","content":"x"}]}`, []string{"anthropic-version", "2023-06-01"}, 400, "max_tokens: Field required"},
		{"/v1/messages", strings.Replace(anthropicBody, `"sim"`, `"claude"`, 1), []string{"anthropic-version", "2023-06-01"}, 404, "not_found_error"},
		{"/v1/responses", `{"model":"sim","input":"x"}`, nil, 400, "only streaming"},
		{"/v1beta/models/other:streamGenerateContent?alt=sse", geminiBody, nil, 404, "NOT_FOUND"},
		{"/v1beta/models/sim:streamGenerateContent", geminiBody, nil, 400, "alt=sse"},
	}
	for _, tt := range tests {
		resp := post(t, url+tt.path, tt.body, tt.header...)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.want) {
			t.Errorf("%s: %d %s, want %d with %q", tt.path, resp.StatusCode, b, tt.status, tt.want)
		}
	}
}

// TestRateLimits: with 3 requests per minute, the fourth request is
// refused with a Retry-After near 20s, on every path.
func TestRateLimits(t *testing.T) {
	url := wireServer(t, sim.Config{Provider: sim.Provider{RPM: 3}})
	paths := []struct{ path, body string }{
		{"/v1/chat/completions", `{"model":"sim","stream":true,"max_tokens":2,"messages":[{"role":"user","content":"x"}]}`},
		{"/v1/responses", responsesBody},
		{"/v1beta/models/sim:streamGenerateContent?alt=sse", geminiBody},
		{"/v1/completions", `{"model":"sim","stream":true,"max_tokens":2,"prompt":"x"}`},
	}
	for i, p := range paths {
		resp := post(t, url+p.path, p.body)
		io.Copy(io.Discard, resp.Body)
		if i < 3 && resp.StatusCode != 200 || i == 3 && resp.StatusCode != 429 {
			t.Errorf("request %d to %s: %d", i, p.path, resp.StatusCode)
		}
		if i == 3 {
			ra := resp.Header.Get("Retry-After")
			if ra != "20" && ra != "19" {
				t.Errorf("Retry-After %q, want about 20 (one request at 3/min)", ra)
			}
		}
	}
	// Tokens: a budget of 100 TPM refuses a request estimated above what
	// is left.
	url = wireServer(t, sim.Config{Provider: sim.Provider{TPM: 100}})
	big := `{"model":"sim","stream":true,"max_tokens":80,"messages":[{"role":"user","content":"x"}]}`
	for i, want := range []int{200, 429} {
		resp := post(t, url+"/v1/chat/completions", big)
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != want {
			t.Errorf("TPM request %d: %d, want %d", i, resp.StatusCode, want)
		}
	}
}

func TestProviderValidate(t *testing.T) {
	_, err := sim.New(sim.Config{Provider: sim.Provider{ReasoningTokens: -1, CachedFraction: 2, RPM: -1}})
	if err == nil || !strings.Contains(err.Error(), "ReasoningTokens") || !strings.Contains(err.Error(), "CachedFraction") || !strings.Contains(err.Error(), "RPM") {
		t.Fatalf("err = %v", err)
	}
}

// TestChatReasoningAndCache: the OpenAI chat path sends reasoning first as
// delta.reasoning_content, then content, and reports cached and reasoning
// tokens in the usage details; without emulation the usage has no details.
func TestChatReasoningAndCache(t *testing.T) {
	body := `{"model":"sim","stream":true,"stream_options":{"include_usage":true},"max_tokens":5,"messages":[{"role":"user","content":"Hi there, simulator"}]}`
	url := wireServer(t, sim.Config{Provider: sim.Provider{ReasoningTokens: 2, CachedFraction: 0.5}})
	var kinds []string
	for _, ev := range events(t, post(t, url+"/v1/chat/completions", body).Body) {
		switch {
		case strings.Contains(ev[1], `"reasoning_content"`):
			kinds = append(kinds, "reasoning")
		case strings.Contains(ev[1], `"content":" `):
			kinds = append(kinds, "content")
		}
	}
	if got := strings.Join(kinds, " "); got != "reasoning reasoning content content content" {
		t.Errorf("deltas: %s", got)
	}
	resp := post(t, url+"/v1/chat/completions", strings.Replace(body, `"stream":true`, `"stream":false`, 1))
	var c struct {
		Choices []struct {
			Message struct {
				Content          string `json:"content"`
				ReasoningContent string `json:"reasoning_content"`
			} `json:"message"`
		} `json:"choices"`
		Usage struct {
			PromptTokens        int `json:"prompt_tokens"`
			PromptTokensDetails struct {
				CachedTokens int `json:"cached_tokens"`
			} `json:"prompt_tokens_details"`
			CompletionTokensDetails struct {
				ReasoningTokens int `json:"reasoning_tokens"`
			} `json:"completion_tokens_details"`
		} `json:"usage"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		t.Fatal(err)
	}
	// "Hi there, simulator" is 19 bytes: 5 tokens, 2 of them cached.
	if c.Usage.PromptTokens != 5 || c.Usage.PromptTokensDetails.CachedTokens != 2 || c.Usage.CompletionTokensDetails.ReasoningTokens != 2 {
		t.Errorf("usage %+v", c.Usage)
	}
	if m := c.Choices[0].Message; m.ReasoningContent == "" || m.Content == "" {
		t.Errorf("message %+v", m)
	}
	plain := wireServer(t, sim.Config{})
	b, _ := io.ReadAll(post(t, plain+"/v1/chat/completions", strings.Replace(body, `"stream":true`, `"stream":false`, 1)).Body)
	if strings.Contains(string(b), "details") || strings.Contains(string(b), "reasoning") {
		t.Errorf("no emulation, yet: %s", b)
	}
}
