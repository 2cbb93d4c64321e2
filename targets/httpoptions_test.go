package targets

import (
	"net/http"
	"testing"
	"time"
)

func TestNewHTTPClientWith(t *testing.T) {
	tr := NewHTTPClientWith(HTTPOptions{ConnectTimeout: 3 * time.Second, Insecure: true}).Transport.(*http.Transport)
	if tr.TLSHandshakeTimeout != 3*time.Second || tr.TLSClientConfig == nil || !tr.TLSClientConfig.InsecureSkipVerify {
		t.Errorf("handshake %v, tls %+v", tr.TLSHandshakeTimeout, tr.TLSClientConfig)
	}
	def := NewHTTPClient().Transport.(*http.Transport)
	if def.TLSClientConfig != nil && def.TLSClientConfig.InsecureSkipVerify {
		t.Error("the default client skips TLS verification")
	}
	if def.ForceAttemptHTTP2 || !def.DisableCompression || def.Proxy == nil {
		t.Errorf("default transport: http2 %v, compression off %v, proxy %v", def.ForceAttemptHTTP2, def.DisableCompression, def.Proxy != nil)
	}
}

// TestEndpointKeepsBaseQuery: a base URL with a query (Azure OpenAI's
// ?api-version=...) gets the protocol's path before the query, not after
// it, and a fragment is never sent.
func TestEndpointKeepsBaseQuery(t *testing.T) {
	for _, c := range []struct {
		base  string
		query map[string]string
		want  string
	}{
		{"http://h/v1", nil, "http://h/v1/chat/completions"},
		{"http://h/v1/", nil, "http://h/v1/chat/completions"},
		{"http://h/openai?api-version=2024-10-21", nil, "http://h/openai/chat/completions?api-version=2024-10-21"},
		{"http://h/v1?key=k#frag", nil, "http://h/v1/chat/completions?key=k"},
		{"http://h/v1#frag", nil, "http://h/v1/chat/completions"},
		{"http://h/v1?a=1", map[string]string{"b": "2"}, "http://h/v1/chat/completions?a=1&b=2"},
		{"http://h/v1?a=1", map[string]string{"a": "3"}, "http://h/v1/chat/completions?a=3"},
	} {
		cfg := Config{BaseURL: c.base, Query: c.query}
		if got := cfg.endpoint("/chat/completions", nil); got != c.want {
			t.Errorf("endpoint(%q, %v) = %q, want %q", c.base, c.query, got, c.want)
		}
	}
}
