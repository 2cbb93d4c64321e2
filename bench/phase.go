package bench

import (
	"context"
	"sync"
	"time"

	"github.com/inferbench/inferbench/results"
)

// A phase is a part of a dispatch with its own time zero and its own
// requests in flight: the warm-up, if any, then the measured requests.
// The warm-up is over, every one of its requests finished or canceled,
// before the measured phase sends anything, so warm-up load never shapes
// a measured latency.
//
// Both phases count on the run clock (offsets from the dispatch's Start,
// which is when the warm-up starts): telemetry and every row share one
// time base, and the measured phase's schedule starts at zero, its
// run-clock offset (results.Phases.MeasuredStartNs). A measured request's
// offset in its phase's schedule is scheduled_ns - zero, so schedule lag
// (sent - scheduled) and a report's window (first measured send to last
// measured done) do not depend on how long the warm-up took.
type phase struct {
	warmup bool
	// limit is the dispatch's request count when the phase is over (the
	// request indices it may claim end there); -1 = unlimited.
	limit int
	// zero is the run-clock offset of the phase's time zero; duration
	// stops its open loop's schedule that long after it (0 = no limit).
	zero     int64
	duration time.Duration
	// first is the raw offset of the shared schedule at the phase's first
	// open-loop send, which the phase takes as its 0 (set once paced).
	first time.Duration
	paced bool
	// inflight counts the goroutines that may still send a request of the
	// phase (the open loop's units, the closed loop's users).
	inflight sync.WaitGroup
	// scheduling counts the claimed units that may still schedule a
	// request: scheduling lasts until every started conversation has sent
	// its last turn.
	scheduling sync.WaitGroup
	// claimed is closed once the phase's last request index is claimed,
	// even while every user is still busy with its last unit.
	claimed     chan struct{}
	claimedOnce sync.Once

	mu     sync.Mutex
	counts results.WarmupPhase // by outcome; warm-up only
}

func newPhase(warmup bool, limit int, zero int64, duration time.Duration) *phase {
	return &phase{warmup: warmup, limit: limit, zero: zero, duration: duration, claimed: make(chan struct{})}
}

// exhausted reports whether the phase ends at next requests, and closes
// claimed when it does. The caller holds the dispatcher's lock.
func (ph *phase) exhausted(next int) bool {
	if ph.limit < 0 || next < ph.limit {
		return false
	}
	ph.claimedOnce.Do(func() { close(ph.claimed) })
	return true
}

// offset turns a raw offset of the dispatch's schedule into an offset from
// the phase's time zero: the phase's first send is at 0. Only the open
// loop's pacing goroutine calls it.
func (ph *phase) offset(raw time.Duration) time.Duration {
	if !ph.paced {
		ph.paced, ph.first = true, raw
	}
	return raw - ph.first
}

// count adds a stamped record to the warm-up's counts (the measured
// counts are the run's own).
func (ph *phase) count(r *results.Record) {
	if !ph.warmup {
		return
	}
	ph.mu.Lock()
	defer ph.mu.Unlock()
	ph.counts.Sent++
	switch r.Status {
	case results.StatusOK:
		ph.counts.OK++
	case results.StatusCanceled:
		ph.counts.Canceled++
	default:
		ph.counts.Failed++
	}
}

// run runs the warm-up phase, if any, and then the measured phase, unless
// scheduling stopped during the warm-up (Ctrl-C, Abort, a failed sink):
// then nothing is measured. It returns the phases for the manifest (nil
// without a warm-up). A Duration counts from the measured phase's start.
func (d *dispatcher) run(ctx, reqCtx context.Context) *results.Phases {
	var phases *results.Phases
	var zero int64
	if d.cfg.Warmup > 0 {
		limit := d.cfg.Warmup
		if d.total >= 0 {
			limit = min(limit, d.total)
		}
		warm := newPhase(true, limit, 0, 0)
		timedOut := d.runPhase(ctx, reqCtx, warm)
		zero = d.clock.Now()
		phases = &results.Phases{Warmup: warm.counts}
		phases.Warmup.DurationNs, phases.Warmup.TimedOut = zero, timedOut
		if ctx.Err() != nil {
			return phases
		}
		phases.MeasuredStartNs, phases.MeasuredStartedAt = zero, d.clock.Wall(zero).UTC()
	}
	measured := newPhase(false, d.total, zero, d.cfg.Duration)
	if d.cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.clock.Wall(zero).Add(d.cfg.Duration))
		defer cancel()
	}
	d.runPhase(ctx, reqCtx, measured)
	return phases
}

// runPhase schedules ph's requests and waits for them. Scheduling lasts
// until the phase's units are all claimed and every started conversation
// has sent its last turn, or until ctx ends; the requests still in flight
// then get DrainTimeout to finish before they are canceled.
//
// A warm-up is bounded as a whole: DrainTimeout from the moment its units
// are all claimed covers its conversations' later turns and its drain
// together, so a target that hangs cannot hold the measured phase back.
// Turns not yet sent by then are dropped and requests in flight are
// canceled (recorded as canceled warm-up requests). runPhase reports
// whether the bound canceled anything.
func (d *dispatcher) runPhase(ctx, reqCtx context.Context, ph *phase) (timedOut bool) {
	ctx, stopSched := context.WithCancel(ctx)
	defer stopSched()
	reqCtx, cancelReqs := context.WithCancel(reqCtx)
	defer cancelReqs()
	if d.cfg.Concurrency > 0 {
		d.closedLoop(ctx, reqCtx, ph)
	} else {
		d.openLoop(ctx, reqCtx, ph)
	}

	var bound <-chan time.Time
	if ph.warmup {
		t := time.NewTimer(d.cfg.DrainTimeout)
		defer t.Stop()
		bound = t.C
	}
	if !d.waitScheduling(ctx, ph, bound) {
		stopSched()
		cancelReqs()
		ph.inflight.Wait()
		return true
	}
	if bound == nil {
		t := time.NewTimer(d.cfg.DrainTimeout)
		defer t.Stop()
		bound = t.C
	}
	drained := make(chan struct{})
	go func() { ph.inflight.Wait(); close(drained) }()
	select {
	case <-drained:
		return false
	case <-bound:
		cancelReqs()
		<-drained
		return true
	}
}

// waitScheduling waits until no unit of ph has a request left to
// schedule, or until scheduling stops (true), or until bound fires first
// (false; a nil bound never does).
func (d *dispatcher) waitScheduling(ctx context.Context, ph *phase, bound <-chan time.Time) bool {
	done := make(chan struct{})
	go func() { ph.scheduling.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		d.noteDeadline(ctx)
		return true
	case <-bound:
		return false
	}
}
