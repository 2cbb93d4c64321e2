package bench

import (
	"sync"
	"time"

	"github.com/inferbench/inferbench/results"
)

// RateWindow is how far back Snapshot's current rates look.
const RateWindow = 10 * time.Second

// Progress is the live accumulator of a run, updated as records arrive.
// It is kept apart from the final summary (which reports computes from
// the Parquet files): Snapshot copies out plain data for display. It is
// an Observer; the zero value is ready, and counts from Begin.
type Progress struct {
	mu      sync.Mutex
	start   time.Time
	planned int
	limit   time.Duration
	warmup  bool
	snap    Snapshot
	errors  results.ErrorTally
	window  [windowBuckets]rateBucket
	// now is the clock Snapshot reads (nil: time.Now); tests set it.
	now func() time.Time
}

// The window is kept as one bucket per second of the run clock: the
// bucket of second s holds the records done in [s, s+1) s, and is reused
// for second s+windowBuckets.
const windowBuckets = int(RateWindow / time.Second)

type rateBucket struct {
	sec          int64 // the second it counts; -1 before it is used
	done, tokens int64
}

// Snapshot is a copy of the live counters.
type Snapshot struct {
	Elapsed time.Duration
	Planned int // -1 when unlimited
	// Limit is the measured phase's duration limit (0: none), and
	// MeasuredElapsed how long the measured phase has run: the time since
	// the run start, less the warm-up (known from the first measured
	// record; 0 until one arrived when there is a warm-up).
	Limit, MeasuredElapsed time.Duration
	Done                   int64
	OK                     int64
	Errors                 int64
	Canceled               int64
	Warmup                 int64 // warm-up records, also counted in Done and by status
	OutputTokens           int64
	// Measured counts the measured records by status (warm-up left out;
	// its Warmup is 0).
	Measured results.RequestCounts
	// ReqPerSec and TokPerSec are the current rates: records done and
	// output tokens of ok records over the last RateWindow (over the time
	// since the start while it is shorter).
	ReqPerSec, TokPerSec float64
	// ETA is the time left, when known: the requests planned but not done
	// at the current rate, or what is left of the duration limit; -1 when
	// unknown.
	ETA time.Duration
	// LastError is the error class of the latest failure.
	LastError string
	// measuredStartNs is where the measured phase began on the run
	// clock: the first measured record's schedule (-1: none yet).
	measuredStartNs int64
}

// Counts are the manifest's request counts: every record taken.
func (s Snapshot) Counts() results.RequestCounts {
	return results.RequestCounts{Sent: s.Done, OK: s.OK, Failed: s.Errors, Canceled: s.Canceled, Warmup: s.Warmup}
}

// Begin implements Observer: a run started, and the counting starts
// again.
func (p *Progress) Begin(s Started) {
	p.mu.Lock()
	p.start, p.planned, p.limit, p.warmup = s.Start, s.Planned, s.Duration, s.Warmup > 0
	p.snap, p.errors = Snapshot{measuredStartNs: -1}, results.ErrorTally{}
	if !p.warmup {
		p.snap.measuredStartNs = 0
	}
	for i := range p.window {
		p.window[i] = rateBucket{sec: -1}
	}
	p.mu.Unlock()
}

// Observe implements Observer: one more record.
func (p *Progress) Observe(r *results.Record) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := &p.snap
	s.Done++
	if r.Warmup {
		s.Warmup++
	} else {
		s.Measured.Sent++
		if s.measuredStartNs < 0 || r.ScheduledNs < s.measuredStartNs {
			s.measuredStartNs = r.ScheduledNs
		}
	}
	var tokens int64
	switch r.Status {
	case results.StatusOK:
		s.OK++
		s.OutputTokens += r.OutputTokens
		tokens = r.OutputTokens
		if !r.Warmup {
			s.Measured.OK++
		}
	case results.StatusCanceled:
		s.Canceled++
		if !r.Warmup {
			s.Measured.Canceled++
		}
	default:
		s.Errors++
		s.LastError = r.ErrorClass
		if !r.Warmup {
			s.Measured.Failed++
			p.errors.AddRecord(r)
		}
	}
	sec := max(r.DoneNs, 0) / int64(time.Second)
	b := &p.window[sec%int64(windowBuckets)]
	if b.sec != sec {
		*b = rateBucket{sec: sec}
	}
	b.done++
	b.tokens += tokens
}

// Errors are the measured failures so far by error class, most frequent
// first, with one message each (results.ErrorTally's sample).
func (p *Progress) Errors() []results.ClassCount {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.errors.Classes()
}

// Snapshot returns the counters now.
func (p *Progress) Snapshot() Snapshot {
	now := time.Now
	if p.now != nil {
		now = p.now
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.snap
	s.Planned, s.Limit, s.ETA = p.planned, p.limit, -1
	if p.start.IsZero() {
		return s
	}
	s.Elapsed = now().Sub(p.start)
	p.rates(&s)
	if s.measuredStartNs >= 0 {
		s.MeasuredElapsed = max(s.Elapsed-time.Duration(s.measuredStartNs), 0)
	}
	switch {
	case s.Planned >= 0 && s.ReqPerSec > 0:
		left := max(int64(s.Planned)-s.Done, 0)
		s.ETA = time.Duration(float64(left) / s.ReqPerSec * float64(time.Second))
	case s.Planned < 0 && s.Limit > 0 && s.measuredStartNs >= 0:
		s.ETA = max(s.Limit-s.MeasuredElapsed, 0)
	}
	return s
}

// rates sets the current rates of s from the window: the buckets of the
// seconds (now-RateWindow, now] of the run clock, over the time they
// span (the current second counts as far as it has gone).
//
//	run clock:  |  s-9 |  s-8 | ... |  s-1 |  s  .|
//	            ^ from                        ^ now (Elapsed)
//	rate = sum(buckets s-9 .. s) / (now - from), from = max(s-9, 0) seconds
func (p *Progress) rates(s *Snapshot) {
	nowSec := int64(s.Elapsed / time.Second)
	from := max(nowSec-int64(windowBuckets)+1, 0)
	span := (s.Elapsed - time.Duration(from)*time.Second).Seconds()
	if span <= 0 {
		return
	}
	var done, tokens int64
	for _, b := range p.window {
		if b.sec >= from && b.sec <= nowSec {
			done += b.done
			tokens += b.tokens
		}
	}
	s.ReqPerSec, s.TokPerSec = float64(done)/span, float64(tokens)/span
}
