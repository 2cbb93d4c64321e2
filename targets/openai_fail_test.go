package targets_test

// Failures that come from the connection or the context rather than from
// the stream: connection refused, timeouts, cancellation.

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
)

func TestOpenAIConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	tgt, err := targets.NewOpenAI(targets.OpenAIConfig{BaseURL: "http://" + addr + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	clock := results.NewClock(time.Now())
	rec := tgt.Do(context.Background(), clock, testRequest())
	want := results.Record{
		Target: "m", Model: "m", RequestedOutputTokens: 16, IntendedInputTokens: 3,
		SentNs: 1, DoneNs: 1,
	}
	failed(&want, results.ErrClassConnect, rec.ErrorMessage)
	if diff := cmp.Diff(want, shape(t, clock, rec)); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
	if !strings.Contains(rec.ErrorMessage, "connection refused") {
		t.Errorf("message %q does not say connection refused", rec.ErrorMessage)
	}
}

func TestOpenAITimeout(t *testing.T) {
	tests := []struct {
		name   string
		script func(s *sse)
		want   func(r *results.Record)
	}{{
		name:   "before headers",
		script: func(s *sse) { s.sleep(10 * time.Second) },
		want: func(r *results.Record) {
			r.HeadersNs, r.HTTPStatus, r.FirstEventNs = 0, 0, 0
		},
	}, {
		name: "mid-stream",
		script: func(s *sse) {
			s.start()
			s.data(roleChunk())
			s.data(contentChunk("a"))
			s.sleep(10 * time.Second)
		},
		want: func(r *results.Record) {
			okStream(r, 1)
			r.FinishReason = ""
			fromText(r, 1) // "a"
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tgt, _ := serve(t, tc.script, func(c *targets.OpenAIConfig) { c.Timeout = 100 * time.Millisecond })
			clock := results.NewClock(time.Now())
			start := time.Now()
			rec := tgt.Do(context.Background(), clock, testRequest())
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Do took %v with a 100ms timeout", d)
			}
			want := baseRecord()
			tc.want(&want)
			failed(&want, results.ErrClassTimeout, rec.ErrorMessage)
			if diff := cmp.Diff(want, shape(t, clock, rec)); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(rec.ErrorMessage, "request timeout 100ms exceeded: ") {
				t.Errorf("message %q", rec.ErrorMessage)
			}
		})
	}
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestOpenAICallerDeadline: a deadline on the caller's context is a
// timeout too, not a cancellation.
func TestOpenAICallerDeadline(t *testing.T) {
	tgt, _ := serve(t, func(s *sse) { s.sleep(10 * time.Second) })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	rec := tgt.Do(ctx, results.NewClock(time.Now()), testRequest())
	if rec.Status != results.StatusError || rec.ErrorClass != results.ErrClassTimeout {
		t.Errorf("status %s class %s (%s), want error timeout", rec.Status, rec.ErrorClass, rec.ErrorMessage)
	}
}

func TestOpenAICanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tgt, _ := serve(t, func(s *sse) {
		s.start()
		s.data(roleChunk())
		s.sleep(10 * time.Second)
	}, func(c *targets.OpenAIConfig) {
		// Cancel once the response headers are in, as a second Ctrl-C
		// would mid-stream.
		tr := targets.NewHTTPClient().Transport
		c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := tr.RoundTrip(r)
			cancel()
			return resp, err
		})}
	})
	clock := results.NewClock(time.Now())
	start := time.Now()
	rec := tgt.Do(ctx, clock, testRequest())
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Do took %v after cancel", d)
	}
	want := baseRecord()
	fromChunks(&want, 0)
	want.Status, want.ErrorClass, want.ErrorMessage = results.StatusCanceled, results.ErrClassCanceled, "context canceled"
	got := shape(t, clock, rec)
	// The role chunk is on the wire when the cancel lands; whether the
	// read takes it first is a race, so its first_event_ns may be either
	// recorded (shaped to want's) or absent, nothing else.
	if got.FirstEventNs != 0 && got.FirstEventNs != want.FirstEventNs {
		t.Errorf("first_event_ns %d, want %d or 0", got.FirstEventNs, want.FirstEventNs)
	}
	want.FirstEventNs = got.FirstEventNs
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
}

func TestOpenAICanceledBeforeSend(t *testing.T) {
	tgt, _ := serve(t, func(s *sse) { s.start(); s.done() })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	clock := results.NewClock(time.Now())
	rec := tgt.Do(ctx, clock, testRequest())
	want := baseRecord()
	want.HeadersNs, want.HTTPStatus, want.FirstEventNs = 0, 0, 0
	want.Status, want.ErrorClass, want.ErrorMessage = results.StatusCanceled, results.ErrClassCanceled, rec.ErrorMessage
	if diff := cmp.Diff(want, shape(t, clock, rec)); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
}
