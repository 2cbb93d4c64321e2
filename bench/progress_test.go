package bench

import (
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

func TestProgressCounts(t *testing.T) {
	var p Progress
	p.Begin(Started{Start: time.Now(), Planned: 5})
	for _, r := range []results.Record{
		{Status: results.StatusOK, Warmup: true, OutputTokens: 3},
		{Status: results.StatusOK, OutputTokens: 4},
		{Status: results.StatusError, ErrorClass: results.ErrClassOther},
		{Status: results.StatusCanceled, Warmup: true},
	} {
		p.Observe(&r)
	}
	s := p.Snapshot()
	if s.Planned != 5 || s.Done != 4 || s.OK != 2 || s.Errors != 1 || s.Canceled != 1 || s.Warmup != 2 ||
		s.OutputTokens != 7 || s.LastError != results.ErrClassOther {
		t.Errorf("snapshot %+v", s)
	}
}

// TestProgressWindow: the current rates count the records done in the
// last RateWindow of the run clock (by their done_ns), over the time that
// window spans; ETA follows from the rate or the duration limit. The
// clock is injected: nothing sleeps.
func TestProgressWindow(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var now time.Time
	p := Progress{now: func() time.Time { return now }}
	p.Begin(Started{Start: start, Planned: 3000})
	done := func(at time.Duration, n int) {
		for range n {
			p.Observe(&results.Record{Status: results.StatusOK, OutputTokens: 10, DoneNs: int64(at)})
		}
	}
	// 100 requests a second for the first 20 s, then 10 a second.
	for s := range 5 {
		done(time.Duration(s)*time.Second+500*time.Millisecond, 100)
	}
	now = start.Add(5 * time.Second)
	// At 5 s the window is the 5 s run so far: 500 records (the 5th
	// second's 100 are done at 4.5 s).
	if s := p.Snapshot(); s.ReqPerSec != 100 || s.TokPerSec != 1000 {
		t.Errorf("at 5 s: %v req/s, %v tok/s, want 100, 1000", s.ReqPerSec, s.TokPerSec)
	}
	for s := 5; s < 20; s++ {
		done(time.Duration(s)*time.Second+500*time.Millisecond, 100)
	}
	for s := 20; s < 40; s++ {
		done(time.Duration(s)*time.Second+500*time.Millisecond, 10)
	}
	// At 40 s the window is seconds 31..39 and the current one (40 s to
	// 40 s): 9 full seconds of 10 records, over 9 s.
	now = start.Add(40 * time.Second)
	s := p.Snapshot()
	if s.ReqPerSec != 10 || s.TokPerSec != 100 || s.Done != 2200 {
		t.Errorf("at 40 s: %v req/s, %v tok/s, %d done; want 10, 100, 2200", s.ReqPerSec, s.TokPerSec, s.Done)
	}
	// 800 left at 10/s.
	if s.ETA != 80*time.Second {
		t.Errorf("ETA %s, want 80s", s.ETA)
	}
	// At 45.5 s: seconds 36..45; 36..39 hold 10 each, 40..45 none; over
	// 9.5 s (from 36 s).
	now = start.Add(45500 * time.Millisecond)
	if s := p.Snapshot(); s.ReqPerSec != 40/9.5 {
		t.Errorf("at 45.5 s: %v req/s, want %v", s.ReqPerSec, 40/9.5)
	}
	// A bucket a window or more old is not counted again: at 50 s the
	// bucket seconds 30, 40 and 50 share still holds second 30's 10.
	now = start.Add(50 * time.Second)
	if s := p.Snapshot(); s.ReqPerSec != 0 || s.ETA != -1 {
		t.Errorf("at 50 s: %v req/s, ETA %s; want 0 and unknown", s.ReqPerSec, s.ETA)
	}
}

// TestProgressDurationETA: under a duration limit the time left runs
// from the start of the measured phase: at once without a warm-up, from
// the first measured request's schedule with one.
func TestProgressDurationETA(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start.Add(30 * time.Second)
	p := Progress{now: func() time.Time { return now }}
	p.Begin(Started{Start: start, Planned: -1, Duration: 2 * time.Minute})
	if s := p.Snapshot(); s.ETA != 90*time.Second || s.MeasuredElapsed != 30*time.Second || s.Limit != 2*time.Minute {
		t.Errorf("no warm-up: ETA %s, measured %s", s.ETA, s.MeasuredElapsed)
	}
	p.Begin(Started{Start: start, Planned: -1, Duration: 2 * time.Minute, Warmup: 5})
	p.Observe(&results.Record{Status: results.StatusOK, Warmup: true, ScheduledNs: 0, DoneNs: int64(3 * time.Second)})
	if s := p.Snapshot(); s.ETA != -1 || s.MeasuredElapsed != 0 {
		t.Errorf("warming up: ETA %s, measured %s; want unknown", s.ETA, s.MeasuredElapsed)
	}
	p.Observe(&results.Record{Status: results.StatusOK, ScheduledNs: int64(12 * time.Second), DoneNs: int64(14 * time.Second)})
	p.Observe(&results.Record{Status: results.StatusOK, ScheduledNs: int64(10 * time.Second), DoneNs: int64(15 * time.Second)})
	if s := p.Snapshot(); s.ETA != 100*time.Second || s.MeasuredElapsed != 20*time.Second {
		t.Errorf("measuring: ETA %s, measured %s; want 100s, 20s", s.ETA, s.MeasuredElapsed)
	}
}
