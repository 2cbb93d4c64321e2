package bench

import (
	"sync"
	"time"

	"github.com/inferbench/inferbench/results"
)

// Progress is the live accumulator of a run, updated as records arrive.
// It is kept apart from the final summary (which reports computes from
// the Parquet files): Snapshot copies out plain data for display. It is
// an Observer; the zero value is ready, and counts from Begin.
type Progress struct {
	mu      sync.Mutex
	start   time.Time
	planned int
	snap    Snapshot
}

// Snapshot is a copy of the live counters.
type Snapshot struct {
	Elapsed      time.Duration
	Planned      int // -1 when unlimited
	Done         int64
	OK           int64
	Errors       int64
	Canceled     int64
	Warmup       int64 // warm-up records, also counted in Done and by status
	OutputTokens int64
	// ReqPerSec and TokPerSec are averages since the start.
	ReqPerSec, TokPerSec float64
	// LastError is the error class of the latest failure.
	LastError string
}

// Counts are the manifest's request counts: every record taken.
func (s Snapshot) Counts() results.RequestCounts {
	return results.RequestCounts{Sent: s.Done, OK: s.OK, Failed: s.Errors, Canceled: s.Canceled, Warmup: s.Warmup}
}

// Begin implements Observer: a run started, and the counting starts
// again.
func (p *Progress) Begin(s Started) {
	p.mu.Lock()
	p.start, p.planned, p.snap = s.Start, s.Planned, Snapshot{}
	p.mu.Unlock()
}

// Observe implements Observer: one more record.
func (p *Progress) Observe(r *results.Record) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.snap.Done++
	if r.Warmup {
		p.snap.Warmup++
	}
	switch r.Status {
	case results.StatusOK:
		p.snap.OK++
		p.snap.OutputTokens += r.OutputTokens
	case results.StatusCanceled:
		p.snap.Canceled++
	default:
		p.snap.Errors++
		p.snap.LastError = r.ErrorClass
	}
}

// Snapshot returns the counters now.
func (p *Progress) Snapshot() Snapshot {
	p.mu.Lock()
	s := p.snap
	s.Planned = p.planned
	if !p.start.IsZero() {
		s.Elapsed = time.Since(p.start)
	}
	p.mu.Unlock()
	if secs := s.Elapsed.Seconds(); secs > 0 {
		s.ReqPerSec = float64(s.Done) / secs
		s.TokPerSec = float64(s.OutputTokens) / secs
	}
	return s
}
