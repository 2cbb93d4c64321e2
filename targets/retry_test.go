package targets_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

var _ bench.Target = (*targets.Retry)(nil)

// scripted is a target whose n-th attempt returns records[n].
type scripted struct {
	records []results.Record
	calls   atomic.Int32
	times   []time.Time
}

func (s *scripted) Do(ctx context.Context, clock results.Clock, req *workloads.Request) results.Record {
	n := int(s.calls.Add(1)) - 1
	s.times = append(s.times, time.Now())
	return s.records[min(n, len(s.records)-1)]
}

func (s *scripted) CloseIdleConnections() {}

func rec429(retryMs int64) results.Record {
	return results.Record{Status: results.StatusError, ErrorClass: results.ErrClassRateLimited, HTTPStatus: 429, RetryAfterMs: retryMs, HeadersNs: 5}
}

func TestRetry(t *testing.T) {
	ok := results.Record{Status: results.StatusOK, HTTPStatus: 200}
	e5 := results.Record{Status: results.StatusError, ErrorClass: results.ErrClassHTTP5xx, HTTPStatus: 503}
	midStream := results.Record{Status: results.StatusError, ErrorClass: results.ErrClassConnection, FirstTokenNs: 9, HeadersNs: 5}
	bad := results.Record{Status: results.StatusError, ErrorClass: results.ErrClassHTTP4xx, HTTPStatus: 400}
	tests := []struct {
		name              string
		max               int
		script            []results.Record
		calls             int
		status            string
		retries           int32
		minWait           time.Duration
		wantRetryAfterMs  int64
		maxBackoffSeconds int
	}{
		{"off by default", 0, []results.Record{rec429(1), ok}, 1, results.StatusError, 0, 0, 1, 0},
		{"429 then ok, Retry-After honoured", 3, []results.Record{rec429(40), rec429(40), ok}, 3, results.StatusOK, 2, 80 * time.Millisecond, 40, 0},
		{"5xx without Retry-After backs off", 2, []results.Record{e5, ok}, 2, results.StatusOK, 1, 0, 0, 0},
		{"gives up after max", 2, []results.Record{rec429(1)}, 3, results.StatusError, 2, 0, 1, 0},
		{"never after content", 3, []results.Record{midStream, ok}, 1, results.StatusError, 0, 0, 0, 0},
		{"never a 400", 3, []results.Record{bad, ok}, 1, results.StatusError, 0, 0, 0, 0},
		{"Retry-After beyond the cap is the answer", 3, []results.Record{rec429(5000), ok}, 1, results.StatusError, 0, 0, 5000, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scripted{records: tt.script}
			r := &targets.Retry{Target: s, Max: tt.max, Backoff: time.Millisecond, MaxBackoff: time.Duration(tt.maxBackoffSeconds) * time.Second}
			start := time.Now()
			got := r.Do(t.Context(), results.NewClock(start), &workloads.Request{})
			if int(s.calls.Load()) != tt.calls || got.Status != tt.status || got.Retries != tt.retries || got.Attempt != tt.retries {
				t.Errorf("%d calls, status %s, retries %d, attempt %d; want %d, %s, %d", s.calls.Load(), got.Status, got.Retries, got.Attempt, tt.calls, tt.status, tt.retries)
			}
			if got.RetryAfterMs != tt.wantRetryAfterMs {
				t.Errorf("retry_after_ms %d, want %d", got.RetryAfterMs, tt.wantRetryAfterMs)
			}
			if el := time.Since(start); el < tt.minWait {
				t.Errorf("took %v, want at least the Retry-After waits %v", el, tt.minWait)
			}
		})
	}
}

func TestRetryStopsWhenCanceled(t *testing.T) {
	s := &scripted{records: []results.Record{rec429(10_000)}}
	r := &targets.Retry{Target: s, Max: 3, MaxBackoff: time.Minute}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	got := r.Do(ctx, results.NewClock(start), &workloads.Request{})
	if s.calls.Load() != 1 || got.ErrorClass != results.ErrClassRateLimited || time.Since(start) > 5*time.Second {
		t.Errorf("%d calls, %s after %v", s.calls.Load(), got.ErrorClass, time.Since(start))
	}
}

// TestRetryOverHTTP: a provider that answers 429 with Retry-After twice,
// then streams; the record counts both retries and the waits happened.
func TestRetryOverHTTP(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			w.Header().Set("retry-after-ms", "30")
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`))
			return
		}
		s := &sse{w: w, r: r}
		s.start()
		s.event("message_start", anMessageStart)
		s.event("content_block_delta", anText)
		s.event("message_delta", anMessageDelta)
		s.event("message_stop", anMessageStop)
	}))
	defer srv.Close()
	tgt, err := targets.New(targetspec.Spec{Preset: "anthropic", BaseURL: srv.URL + "/v1", Model: "m", Retries: targetspec.RetrySpec{Max: 3}},
		func(string) string { return "k" })
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rec := tgt.Do(t.Context(), results.NewClock(start), testRequest())
	if !rec.OK() || rec.Retries != 2 || rec.Attempt != 2 || n.Load() != 3 || rec.RetryAfterMs != 30 {
		t.Fatalf("%s %s, retries %d, attempt %d, %d requests, retry_after_ms %d", rec.Status, rec.ErrorMessage, rec.Retries, rec.Attempt, n.Load(), rec.RetryAfterMs)
	}
	if el := time.Since(start); el < 60*time.Millisecond {
		t.Errorf("two 30ms Retry-After waits took %v", el)
	}
}
