package targets

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// Retry defaults.
const (
	DefaultBackoff    = 500 * time.Millisecond
	DefaultMaxBackoff = 60 * time.Second
)

// Retry sends a request again when it failed in a way that a later
// attempt may not: a 429, a 5xx (Anthropic's 529 "overloaded" included), a
// connection that could not be made, or a connection dropped before the
// response headers (a pooled connection the server had just closed). A
// timeout is not retried: the limit was the user's. A request that streamed content is never
// sent again: it was generated, and would be paid for, once already.
//
// The wait before attempt k+1 (k = 1, 2, ...) is the server's Retry-After
// when it gave one, else exponential backoff with full jitter:
//
//	wait = Retry-After                                  if given
//	wait = uniform(0, min(MaxBackoff, Backoff·2^(k-1)))  otherwise
//
// and a Retry-After longer than MaxBackoff is not waited for: the failed
// attempt is the answer.
//
// One row per request: the returned record is the last attempt's, with
// Attempt (0-based) and Retries both the number of attempts before it,
// and RetryAfterMs the last wait a server asked for. Its SentNs is the
// last attempt's, so the waits show in schedule_lag and in the latency a
// user saw (last_token - scheduled), not in TTFT.
type Retry struct {
	Target     Target
	Max        int           // retries after the first attempt; 0 = none
	Backoff    time.Duration // first backoff (default 500ms)
	MaxBackoff time.Duration // cap on one wait (default 60s)
}

// CloseIdleConnections closes the wrapped target's idle connections.
func (r *Retry) CloseIdleConnections() { r.Target.CloseIdleConnections() }

// Do sends req up to 1+Max times.
func (r *Retry) Do(ctx context.Context, clock results.Clock, req *workloads.Request) results.Record {
	backoff, maxBackoff := r.Backoff, r.MaxBackoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	if maxBackoff <= 0 {
		maxBackoff = DefaultMaxBackoff
	}
	var lastRetryAfter int64
	for attempt := 0; ; attempt++ {
		rec := r.Target.Do(ctx, clock, req)
		rec.Attempt, rec.Retries = int32(attempt), int32(attempt)
		if rec.RetryAfterMs > 0 {
			lastRetryAfter = rec.RetryAfterMs
		} else if attempt > 0 {
			rec.RetryAfterMs = lastRetryAfter
		}
		if attempt >= r.Max || !Retryable(&rec) || ctx.Err() != nil {
			return rec
		}
		wait := time.Duration(rec.RetryAfterMs) * time.Millisecond
		if wait > maxBackoff {
			return rec
		}
		if wait == 0 {
			ceiling := min(maxBackoff, backoff<<min(attempt, 30))
			wait = rand.N(ceiling + 1)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return rec
		case <-t.C:
		}
	}
}

// Retryable reports whether a failed request may be sent again: see
// Retry.
func Retryable(rec *results.Record) bool {
	if rec.OK() || rec.FirstTokenNs != 0 {
		return false
	}
	switch rec.ErrorClass {
	case results.ErrClassRateLimited, results.ErrClassHTTP5xx, results.ErrClassConnect:
		return true
	case results.ErrClassConnection:
		return rec.HeadersNs == 0
	}
	return false
}

// check checks the requests as the retried target sends them (Check).
func (r *Retry) check(reqs []workloads.Request) ([]string, error) { return Check(r.Target, reqs) }
