package targets_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/targets/targetspec"
)

// TestTimeouts: the first-token and idle timeouts end a request with class
// timeout and a message naming the limit, in go-openai's chat path and in
// the plain net/http protocols alike.
func TestTimeouts(t *testing.T) {
	slowFirst := func(s *sse) {
		s.start()
		s.sleep(5 * time.Second)
	}
	stallAfterOne := func(s *sse) {
		s.start()
		s.data(contentChunk("a"))
		s.event("content_block_delta", anText)
		s.sleep(5 * time.Second)
	}
	tests := []struct {
		name     string
		protocol string
		script   func(*sse)
		timeouts targetspec.TimeoutSpec
		prefix   string
	}{
		{"chat first token", targetspec.ProtocolOpenAIChat, slowFirst, targetspec.TimeoutSpec{FirstToken: 50 * time.Millisecond}, "first token timeout 50ms exceeded"},
		{"chat idle", targetspec.ProtocolOpenAIChat, stallAfterOne, targetspec.TimeoutSpec{Idle: 50 * time.Millisecond}, "idle timeout 50ms exceeded between chunks"},
		{"anthropic first token", targetspec.ProtocolAnthropic, slowFirst, targetspec.TimeoutSpec{FirstToken: 50 * time.Millisecond}, "first token timeout 50ms exceeded"},
		{"anthropic idle", targetspec.ProtocolAnthropic, stallAfterOne, targetspec.TimeoutSpec{Idle: 50 * time.Millisecond}, "idle timeout 50ms exceeded between chunks"},
		{"anthropic total", targetspec.ProtocolAnthropic, stallAfterOne, targetspec.TimeoutSpec{Total: 100 * time.Millisecond}, "request timeout 100ms exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/v1/chat/completions"
			if tt.protocol == targetspec.ProtocolAnthropic {
				path = "/v1/messages"
			}
			tgt, _ := serveSpec(t, targetspec.Spec{Protocol: tt.protocol, Timeouts: tt.timeouts}, "/v1", path, tt.script, nil)
			start := time.Now()
			rec := tgt.Do(t.Context(), results.NewClock(start), testRequest())
			if rec.ErrorClass != results.ErrClassTimeout || !strings.HasPrefix(rec.ErrorMessage, tt.prefix) {
				t.Errorf("%s: %q, want timeout: %s...", rec.ErrorClass, rec.ErrorMessage, tt.prefix)
			}
			if el := time.Since(start); el > 3*time.Second {
				t.Errorf("took %v: the timeout did not end the request", el)
			}
		})
	}
}

// TestTLSVerification: a self-signed server is refused unless insecure.
func TestTLSVerification(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := &sse{w: w, r: r}
		s.start()
		s.data(finishChunk("a", "stop"))
		s.done()
	}))
	defer srv.Close()
	for _, insecure := range []bool{false, true} {
		tgt, err := targets.New(targetspec.Spec{BaseURL: srv.URL + "/v1", Model: "m", Insecure: insecure}, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		rec := tgt.Do(t.Context(), results.NewClock(time.Now()), testRequest())
		switch {
		case !insecure && (rec.ErrorClass != results.ErrClassConnect || !strings.Contains(rec.ErrorMessage, "certificate")):
			t.Errorf("verified: %s %q, want a connect error about the certificate", rec.ErrorClass, rec.ErrorMessage)
		case insecure && !rec.OK():
			t.Errorf("insecure: %s %q", rec.ErrorClass, rec.ErrorMessage)
		}
		tgt.CloseIdleConnections()
	}
}

// TestProxyFromEnvironment: with HTTP_PROXY set, requests to a provider go
// through the proxy (loopback targets never do).
func TestProxyFromEnvironment(t *testing.T) {
	var gotURL string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotURL = r.URL.String() // a proxy sees the absolute URL
		io.Copy(io.Discard, r.Body)
		s := &sse{w: w, r: r}
		s.start()
		s.data(finishChunk("a", "stop"))
		s.done()
	}))
	defer proxy.Close()
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	tgt, err := targets.New(targetspec.Spec{Preset: "together", BaseURL: "http://provider.invalid/v1", Model: "m"},
		func(string) string { return "tg-key" })
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.CloseIdleConnections()
	rec := tgt.Do(t.Context(), results.NewClock(time.Now()), testRequest())
	if !rec.OK() || gotURL != "http://provider.invalid/v1/chat/completions" {
		t.Fatalf("%s %q; proxy saw %q", rec.ErrorClass, rec.ErrorMessage, gotURL)
	}
}
