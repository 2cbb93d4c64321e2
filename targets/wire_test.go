package targets_test

// Helpers for the tests of the plain net/http protocols: a fake provider
// that answers one path with a scripted stream, and a target built from a
// Spec against it.

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/targets/targetspec"
)

// serveSpec starts a fake provider whose endpoint (the request path, plus
// query when want has one) runs script, and the target spec declares
// against it (BaseURL is the server root + base).
func serveSpec(t testing.TB, spec targetspec.Spec, base, want string, script func(s *sse), env map[string]string) (targets.Target, *seen) {
	t.Helper()
	got := &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got.mu.Lock()
		got.body, got.header, got.path = body, r.Header.Clone(), r.URL.RequestURI()
		got.mu.Unlock()
		if r.URL.Path != strings.Split(want, "?")[0] {
			http.NotFound(w, r)
			return
		}
		script(&sse{w: w, r: r})
	}))
	t.Cleanup(srv.Close)
	spec.BaseURL = srv.URL + base
	if spec.Model == "" {
		spec.Model = "test-model"
	}
	if spec.Name == "" {
		spec.Name = "local"
	}
	tgt, err := targets.New(spec, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tgt.CloseIdleConnections)
	return tgt, got
}

// event writes one named SSE event, as Anthropic and the Responses API
// frame them.
func (s *sse) event(name, data string) {
	s.raw("event: " + name + "\ndata: " + data + "\n\n")
}

// errorBody answers status with a JSON body and extra headers.
func (s *sse) errorBody(status int, body string, header ...string) {
	for i := 0; i+1 < len(header); i += 2 {
		s.w.Header().Set(header[i], header[i+1])
	}
	s.w.Header().Set("Content-Type", "application/json")
	s.w.WriteHeader(status)
	io.WriteString(s.w, body)
}

// wireRecord is what every record of serveSpec's target carries before
// the stream's own fields.
func wireRecord(kind, provider string) results.Record {
	return results.Record{
		Target: "local", TargetKind: kind, Provider: provider, Model: "test-model",
		RequestedOutputTokens: 16, IntendedInputTokens: 3,
		SentNs: 1, HeadersNs: 1, FirstEventNs: 1, DoneNs: 1, HTTPStatus: 200,
	}
}

// tokens sets token counts from usage.
func tokens(r *results.Record, in, out, cached, cacheWrite, reasoning int64) {
	fromUsage(r, in, out)
	r.CachedInputTokens, r.CacheWriteInputTokens, r.ReasoningTokens = cached, cacheWrite, reasoning
}

func clockNow() results.Clock { return results.NewClock(time.Now()) }

// wireCase is one scripted exchange and the record it must give.
type wireCase struct {
	name   string
	script func(s *sse)
	want   func(r *results.Record)
}

// runWireCases runs each case against a fake provider at path, with a
// target spec declares, and compares the whole record (shaped).
func runWireCases(t *testing.T, cases []wireCase, spec targetspec.Spec, base, path string, env map[string]string, kind, provider string) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			tgt, _ := serveSpec(t, spec, base, path, tt.script, env)
			clock := results.NewClock(time.Now())
			got := shape(t, clock, tgt.Do(t.Context(), clock, testRequest()))
			want := wireRecord(kind, provider)
			tt.want(&want)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("record (-want +got):\n%s", d)
			}
		})
	}
}
