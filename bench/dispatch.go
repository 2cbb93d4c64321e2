package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// Sink receives every Record of a run, from one goroutine at a time.
type Sink interface {
	Write(results.Record) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(results.Record) error

// Write calls f.
func (f SinkFunc) Write(r results.Record) error { return f(r) }

// DispatchConfig is what the dispatcher needs: the target, the requests,
// the pacing and the stops. Execute builds one from a Plan; calibrate and
// tests call Dispatch with one directly. The zero value of each optional
// field means its documented default.
type DispatchConfig struct {
	// Target receives the requests.
	Target Target
	// Workload is what to send; it is cycled when the plan asks for more
	// requests than it has (except in replay, which makes one pass).
	Workload []workloads.Request

	// Pacer paces an open loop (rate or replay). Exactly one of Pacer and
	// Concurrency is set.
	Pacer Pacer
	// Replay makes one pass over the workload and stops at its end.
	Replay bool
	// Concurrency is the number of virtual users of a closed loop: each
	// sends its next request as soon as its last one finished.
	Concurrency int

	// Flow is how the requests are sent, whatever paces them.
	Flow
	// Abort, when closed, cancels in-flight requests at once (the second
	// Ctrl-C). They are recorded as canceled.
	Abort <-chan struct{}

	// Sink receives each Record once it is stamped (see Identity).
	Sink Sink
	// OwnLag, when set, is called for each measured (not warm-up) request
	// with the client's own delay in sending it: sent_ns - scheduled_ns,
	// less any wait for an in-flight slot (MaxInFlight), which is the
	// cap's delay, not the client's. It is called from many goroutines
	// at once.
	OwnLag func(ns int64)
	// Identity is stamped on every Record.
	Identity Identity
	// Start is the run start; default time.Now() when Dispatch is called.
	Start time.Time
}

// Flow is how a dispatch sends its requests, whatever paces them:
// conversations, how many requests and for how long, the warm-up, the
// in-flight cap, the send precision and the drain. DispatchConfig and a
// Plan's Load share it.
type Flow struct {
	// Sessions sends requests that share a session_id as one conversation,
	// in turn order: the pacer (or a free virtual user) starts the first
	// turn, and each later turn is scheduled ThinkTime after the previous
	// turn finished. Requests without a session_id are sent as without
	// Sessions. A failed turn does not end its conversation; a canceled one
	// does, and so does the end of scheduling.
	Sessions bool
	// ThinkTime is the pause between a turn's answer and the next turn of
	// its session (with Sessions).
	ThinkTime time.Duration

	// Requests is the number of measured requests (after warm-up); 0 means
	// one pass over the workload, or unlimited when Duration is set.
	Requests int
	// Duration stops scheduling the measured phase this long after it
	// started (0 = no limit); the warm-up does not count.
	Duration time.Duration
	// Warmup requests are sent first, as a phase of their own: with the
	// same load shape (the open loop's schedule, the closed loop's users;
	// whole conversations with Sessions, the last one cut short to
	// Warmup requests), recorded with Warmup set and left out of
	// summaries. The measured phase starts once every warm-up request has
	// finished, or DrainTimeout after the last warm-up conversation
	// started, when the requests still running are canceled; it schedules
	// from its own time zero. Warm-up requests are extra to Requests
	// (a replay's one pass includes them).
	Warmup int
	// MaxInFlight caps concurrent requests of an open loop (0 = no cap). A
	// request delayed by the cap is sent late and shows it in schedule_lag.
	MaxInFlight int
	// SpinWait makes the open loop busy-wait the last SpinWait before each
	// send instead of trusting the timer for it: Go timers fire up to about
	// a millisecond late, a spin does not. It costs up to SpinWait of CPU
	// per request. 0 = timers only (and required under testing/synctest,
	// whose clock does not move while a goroutine spins).
	SpinWait time.Duration
	// DrainTimeout bounds how long in-flight requests may run after
	// scheduling stops (by ctx, Duration or the end of the plan) before
	// they are canceled (default 30s). It bounds the warm-up phase too
	// (see Warmup).
	DrainTimeout time.Duration
}

// problems is the one check of a flow, for a Plan and for a
// DispatchConfig.
func (f *Flow) problems() []error {
	var errs []error
	for _, n := range []struct {
		setting string
		v       int
	}{{"requests", f.Requests}, {"warmup", f.Warmup}, {"max-inflight", f.MaxInFlight}} {
		if n.v < 0 {
			errs = append(errs, problem(n.setting, "must not be negative, got %d", n.v))
		}
	}
	for _, d := range []struct {
		setting string
		v       time.Duration
	}{{"duration", f.Duration}, {"think-time", f.ThinkTime}, {"spin-wait", f.SpinWait}, {"drain-timeout", f.DrainTimeout}} {
		if d.v < 0 {
			errs = append(errs, problem(d.setting, "must not be negative, got %s", d.v))
		}
	}
	if f.ThinkTime > 0 && !f.Sessions {
		errs = append(errs, problem("think-time", "needs {sessions}"))
	}
	return errs
}

// Validate reports every problem with the configuration at once. A Plan
// checks its own load before it builds one (Plan.Validate), so these fire
// only for callers of Dispatch.
func (c *DispatchConfig) Validate() error {
	var errs []error
	if c.Target == nil {
		errs = append(errs, errors.New("no target"))
	}
	if len(c.Workload) == 0 {
		errs = append(errs, errors.New("empty workload"))
	}
	switch {
	case c.Pacer == nil && c.Concurrency <= 0:
		errs = append(errs, errors.New("set a rate, a replay or a concurrency"))
	case c.Pacer != nil && c.Concurrency > 0:
		errs = append(errs, errors.New("set a rate or a concurrency, not both"))
	}
	errs = append(errs, c.Flow.problems()...)
	if c.Sink == nil {
		errs = append(errs, errors.New("no sink"))
	}
	return errors.Join(errs...)
}

// defaultDrain is DispatchConfig.DrainTimeout's default.
const defaultDrain = 30 * time.Second

// DispatchResult says how a dispatch ended.
type DispatchResult struct {
	StopReason string // one of results.Stop*
	Start, End time.Time
	Sent       int64 // requests handed to the target
	Written    int64 // records written to the sink
	// Phases is set when the dispatch had a warm-up: how it went, and
	// where the measured phase started (offsets on the run clock).
	Phases *results.Phases
}

// total is the number of requests the plan sends, or -1 for unlimited.
func (c *DispatchConfig) total() int {
	switch {
	case c.Requests > 0:
		return c.Warmup + c.Requests
	case c.Duration > 0 && !c.Replay:
		return -1
	default:
		// One pass over the workload, after the warm-up requests.
		n := len(c.Workload)
		if c.Replay {
			return n
		}
		return c.Warmup + n
	}
}

// Dispatch sends the configured requests and streams their Records to the
// sink: the warm-up phase first, if any, then the measured phase (see
// Flow.Warmup). Cancelling ctx stops scheduling (first Ctrl-C): requests
// in flight finish, up to DrainTimeout, every request sent gets a Record,
// and a warm-up that is stopped is not followed by a measured phase.
// Dispatch returns an error only when the configuration is invalid or the
// sink fails; failed requests are Records, not errors.
func Dispatch(ctx context.Context, cfg DispatchConfig) (DispatchResult, error) {
	if err := cfg.Validate(); err != nil {
		return DispatchResult{}, fmt.Errorf("bench: %w", err)
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = defaultDrain
	}
	start := cfg.Start
	if start.IsZero() {
		start = time.Now()
	}
	d := &dispatcher{
		cfg:   cfg,
		clock: results.NewClock(start),
		total: cfg.total(),
		units: buildUnits(cfg.Workload, cfg.Sessions),
		recs:  make(chan results.Record, 1024),
	}
	if cfg.Pacer != nil {
		d.sched = NewSchedule(cfg.Pacer)
	}
	// Request contexts survive the scheduling ctx (so a first Ctrl-C lets
	// them finish) but die on Abort, on the drain deadline, or when the
	// sink fails.
	reqCtx, cancelReqs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelReqs()
	schedCtx, stopSched := context.WithCancel(ctx)
	defer stopSched()

	// One writer goroutine: the sink sees records one at a time.
	var sinkErr error
	written := int64(0)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for r := range d.recs {
			if sinkErr != nil {
				continue // keep draining so senders never block
			}
			if err := cfg.Sink.Write(r); err != nil {
				sinkErr = err
				stopSched()
				cancelReqs()
				continue
			}
			written++
		}
	}()

	// Abort cancels in-flight requests at once.
	abortDone := make(chan struct{})
	defer close(abortDone)
	if cfg.Abort != nil {
		go func() {
			select {
			case <-cfg.Abort:
				stopSched()
				cancelReqs()
			case <-abortDone:
			}
		}()
	}

	phases := d.run(schedCtx, reqCtx)
	close(d.recs)
	<-writerDone

	out := DispatchResult{Start: start, End: time.Now(), Sent: d.sent, Written: written, Phases: phases}
	aborted := false
	if cfg.Abort != nil {
		select {
		case <-cfg.Abort:
			aborted = true
		default:
		}
	}
	switch {
	case sinkErr != nil:
		out.StopReason = results.StopFailed
		return out, fmt.Errorf("bench: writing results: %w", sinkErr)
	case aborted:
		out.StopReason = results.StopCanceled
	case ctx.Err() != nil:
		out.StopReason = results.StopInterrupted
	case d.durationHit:
		out.StopReason = results.StopDuration
	default:
		out.StopReason = results.StopCompleted
	}
	return out, nil
}

type dispatcher struct {
	cfg   DispatchConfig
	clock results.Clock
	total int // -1 = unlimited
	units []unit
	// sched is the open loop's schedule, one for the whole dispatch: the
	// measured phase goes on where the warm-up stopped, so a replay sends
	// each request once and in order.
	sched       *Schedule
	recs        chan results.Record
	mu          sync.Mutex
	next        int // next request index
	nextUnit    int // next unit (cycled over units)
	sent        int64
	durationHit bool
}

// send runs workload request wi as request index i of phase ph, stamps
// its Record and hands it to the writer; it returns a copy. ready is when
// it got its in-flight slot after waiting for one (0: no wait).
func (d *dispatcher) send(ctx context.Context, ph *phase, i, wi int, scheduled, ready int64) results.Record {
	w := &d.cfg.Workload[wi]
	d.mu.Lock()
	d.sent++
	d.mu.Unlock()
	rec := d.cfg.Target.Do(ctx, d.clock, w)
	d.cfg.Identity.stamp(&rec, w, i, ph.warmup, scheduled, d.clock)
	if d.cfg.OwnLag != nil && !ph.warmup {
		d.cfg.OwnLag(rec.SentNs - max(scheduled, ready))
	}
	ph.count(&rec)
	d.recs <- rec
	return rec
}

// openLoop sends each unit's first request at its scheduled offset from
// the phase's time zero, whatever the state of earlier requests, until the
// phase's requests are claimed or scheduling stops. It never catches up
// silently: a request sent late (slow scheduler, in-flight cap) records
// the lateness as schedule lag.
func (d *dispatcher) openLoop(ctx, reqCtx context.Context, ph *phase) {
	var slots chan struct{}
	if d.cfg.MaxInFlight > 0 {
		slots = make(chan struct{}, d.cfg.MaxInFlight)
	}
	start := d.clock.Start()
	for {
		u, base, ok := d.claimUnit(ph)
		if !ok {
			return
		}
		raw, ok := d.sched.Next()
		if !ok {
			d.unclaimUnit(ph, u)
			return
		}
		off := ph.offset(raw)
		if ph.duration > 0 && off >= ph.duration {
			d.unclaimUnit(ph, u)
			d.mu.Lock()
			d.durationHit = true
			d.mu.Unlock()
			return
		}
		at := ph.zero + int64(off)
		ready, ok := d.waitTurn(ctx, start.Add(time.Duration(at)), slots)
		if !ok {
			d.unclaimUnit(ph, u)
			return
		}
		ph.inflight.Add(1)
		go func() {
			defer ph.inflight.Done()
			d.runUnit(ctx, reqCtx, ph, u, base, at, ready, slots)
		}()
	}
}

// waitTurn sleeps until t, then takes an in-flight slot (when slots is
// not nil); ready is when it got the slot if it had to wait for one, else
// 0. It reports false, noting a hit duration, when scheduling stopped
// first.
func (d *dispatcher) waitTurn(ctx context.Context, t time.Time, slots chan struct{}) (ready int64, ok bool) {
	if !sleepUntil(ctx, t, d.cfg.SpinWait) {
		d.noteDeadline(ctx)
		return 0, false
	}
	if slots == nil {
		return 0, true
	}
	select {
	case slots <- struct{}{}:
		return 0, true
	default:
	}
	select {
	case slots <- struct{}{}:
		return d.clock.Now(), true
	case <-ctx.Done():
		d.noteDeadline(ctx)
		return 0, false
	}
}

// closedLoop runs Concurrency virtual users; each is scheduled the moment
// it is free, so schedule lag measures only the harness itself. It
// returns once the phase's requests are all claimed (the users finish
// theirs under the phase's drain) or scheduling stops.
func (d *dispatcher) closedLoop(ctx, reqCtx context.Context, ph *phase) {
	var users sync.WaitGroup
	for range d.cfg.Concurrency {
		users.Add(1)
		ph.inflight.Add(1)
		go func() {
			defer users.Done()
			defer ph.inflight.Done()
			for ctx.Err() == nil {
				u, base, ok := d.claimUnit(ph)
				if !ok {
					return
				}
				d.runUnit(ctx, reqCtx, ph, u, base, d.clock.Now(), 0, nil)
			}
		}()
	}
	done := make(chan struct{})
	go func() { users.Wait(); close(done) }()
	select {
	case <-done:
	case <-ph.claimed:
	case <-ctx.Done():
		d.noteDeadline(ctx)
	}
}

func (d *dispatcher) noteDeadline(ctx context.Context) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		d.mu.Lock()
		d.durationHit = true
		d.mu.Unlock()
	}
}

// sleepUntil waits until t or until ctx is done; it reports whether t was
// reached. The last spin of the wait is a busy loop (see
// DispatchConfig.SpinWait).
func sleepUntil(ctx context.Context, t time.Time, spin time.Duration) bool {
	if d := time.Until(t) - spin; d > 0 {
		timer := time.NewTimer(d)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return false
		}
	}
	if spin > 0 {
		for time.Now().Before(t) {
			runtime.Gosched()
		}
	}
	return ctx.Err() == nil
}
