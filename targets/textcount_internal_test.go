package targets

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// TestTextKeptOnlyUntilUsageIsSeen: a target keeps its streams' text
// until a clean stream ends with usage, and again after a clean stream
// without. The streams in between, from a server that reports usage,
// keep none (so one that then comes without usage counts chunks).
func TestTextKeptOnlyUntilUsageIsSeen(t *testing.T) {
	withUsage := []bool{true, false, false, true}
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"choices":[{"delta":{"content":"Hello"}}]}`+"\n\n")
		fmt.Fprint(w, `data: {"choices":[{"delta":{"content":" world"},"finish_reason":"stop"}]}`+"\n\n")
		if withUsage[n%len(withUsage)] {
			fmt.Fprint(w, `data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}`+"\n\n")
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
		n++
	}))
	defer srv.Close()
	tgt, err := NewOpenAI(Config{BaseURL: srv.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.CloseIdleConnections()
	clock := results.NewClock(time.Now())
	want := []string{results.TokensFromUsage, results.TokensFromChunks, results.TokensFromTokenizer, results.TokensFromUsage}
	for i, w := range want {
		rec := tgt.Do(t.Context(), clock, &workloads.Request{Prompt: "hi"})
		if !rec.OK() || rec.OutputTokensSource != w || rec.OutputTokens != 2 {
			t.Errorf("stream %d: %s, %d tokens from %s; want 2 from %s", i, rec.Status, rec.OutputTokens, rec.OutputTokensSource, w)
		}
	}
}
