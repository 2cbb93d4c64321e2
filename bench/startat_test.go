package bench

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestParseStartAt(t *testing.T) {
	now := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want string // error substring; "" = ok
	}{
		{"2026-01-02T15:00:30Z", ""},
		{"2026-01-02T14:59:30Z", ""},            // 30 s late: start at once
		{"2026-01-02T16:00:00+01:00", ""},       // same instant, other zone
		{"2026-01-02T14:58:00Z", "in the past"}, // 2 min late
		{"2026-01-02T17:00:00Z", "away"},        // 2 h ahead
		{"tomorrow", "want an RFC 3339 time"},
		{"2026-01-02 15:00:30", "want an RFC 3339 time"},
	} {
		_, err := ParseStartAt(tc.v, now)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: err %v, want %q", tc.v, err, tc.want)
		}
	}
}

func TestWaitStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		at := time.Now().Add(2 * time.Second).Truncate(time.Second)
		start, ok := waitStart(t.Context(), at)
		if !ok || time.Now().Before(at) || !start.Equal(at) {
			t.Errorf("ok %v, woke at %s, start %s; want %s", ok, time.Now(), start, at)
		}
		// In the past: no wait, and the start stays the shared one.
		past := time.Now().Add(-10 * time.Second)
		before := time.Now()
		if start, ok := waitStart(t.Context(), past); !ok || !start.Equal(past) || time.Since(before) != 0 {
			t.Errorf("past start: %s %v", start, ok)
		}
		// ctx ends the wait.
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if _, ok := waitStart(ctx, time.Now().Add(time.Minute)); ok || time.Since(before) != time.Second {
			t.Errorf("canceled wait: ok %v after %s", ok, time.Since(before))
		}
	})
}
