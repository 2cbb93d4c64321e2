package bench

import (
	"sync"
	"time"

	"github.com/inferbench/inferbench/results"
)

// Progress is the live accumulator of a run, updated as records arrive.
// It is kept apart from the final summary (which reports computes from
// the Parquet files): Snapshot copies out plain data for display.
type Progress struct {
	mu    sync.Mutex
	start time.Time
	total int // planned requests, -1 unlimited
	snap  Snapshot
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

// NewProgress starts a tracker; planned is -1 when the run is unbounded.
func NewProgress(start time.Time, planned int) *Progress {
	return &Progress{start: start, total: planned}
}

// Planned is the number of requests the plan sends, or -1 for unlimited.
func (c *Config) Planned() int { return c.total() }

// Observe adds one record.
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
	p.mu.Unlock()
	s.Planned = p.total
	s.Elapsed = time.Since(p.start)
	if secs := s.Elapsed.Seconds(); secs > 0 {
		s.ReqPerSec = float64(s.Done) / secs
		s.TokPerSec = float64(s.OutputTokens) / secs
	}
	return s
}
