package bench

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrStartInterrupted says the context ended the wait for Outputs.StartAt
// before anything was sent; Execute leaves no run directory behind.
var ErrStartInterrupted = errors.New("interrupted while waiting for the start time; nothing was sent")

// MaxStartWait bounds a start time in the future; MaxStartLate bounds it
// in the past (a load generator that starts a little late still shares
// the time base, and its lateness shows as schedule lag).
const (
	MaxStartWait = time.Hour
	MaxStartLate = time.Minute
)

// ParseStartAt reads an RFC 3339 start time and checks it against now
// (CheckStartAt).
func ParseStartAt(v string, now time.Time) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want an RFC 3339 time such as 2026-01-02T15:04:05Z", v)
	}
	if err := CheckStartAt(t, now); err != nil {
		return time.Time{}, err
	}
	return t, nil
}

// CheckStartAt checks that t is at most MaxStartWait after now and at
// most MaxStartLate before it.
func CheckStartAt(t, now time.Time) error {
	v := t.Format(time.RFC3339Nano)
	switch d := t.Sub(now); {
	case d < -MaxStartLate:
		return fmt.Errorf("%s is %s in the past (at most %s allowed)", v, (-d).Round(time.Second), MaxStartLate)
	case d > MaxStartWait:
		return fmt.Errorf("%s is %s away (at most %s allowed)", v, d.Round(time.Second), MaxStartWait)
	}
	return nil
}

// waitStart waits until the wall-clock time at and returns it as a run
// start with a monotonic reading (so the run's clock is immune to wall
// clock steps from then on). An at in the past is returned at once, so
// the run's offsets still count from the shared start. ok is false when
// ctx ended the wait.
func waitStart(ctx context.Context, at time.Time) (start time.Time, ok bool) {
	now := time.Now()
	start = now.Add(at.Sub(now)) // at, with now's monotonic reading shifted
	return start, sleep(ctx, time.Until(start))
}

// sleep waits d, or less when ctx ends first; it reports whether d
// passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
