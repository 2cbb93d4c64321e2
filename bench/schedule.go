package bench

import "time"

// Schedule turns a Pacer into absolute send offsets from the run start. It
// is pure: it never sleeps, so schedules are table-tested offline, and the
// dispatcher sleeps until each absolute offset (start + offset), so sleep
// error never accumulates. Offsets are shifted so the first hit is at 0.
type Schedule struct {
	p       Pacer
	hits    uint64
	t       time.Duration // raw pacer time of the last hit
	first   time.Duration
	started bool
	stopped bool
}

// NewSchedule returns the schedule of p.
func NewSchedule(p Pacer) *Schedule { return &Schedule{p: p} }

// maxPaceSteps bounds the waits one Next may take (a pacer that keeps
// returning tiny waits without ever reaching 0 is broken).
const maxPaceSteps = 1 << 20

// Next returns the offset of the next hit, or false when the pacer stops.
func (s *Schedule) Next() (time.Duration, bool) {
	if s.stopped {
		return 0, false
	}
	t := s.t
	for range maxPaceSteps {
		wait, stop := s.p.Pace(t, s.hits)
		if stop {
			s.stopped = true
			return 0, false
		}
		if wait <= 0 {
			s.t = t
			s.hits++
			if !s.started {
				s.started = true
				s.first = t
			}
			return t - s.first, true
		}
		t += wait
	}
	s.stopped = true
	return 0, false
}

// Offsets returns the first n offsets of p (fewer if it stops).
func Offsets(p Pacer, n int) []time.Duration {
	s := NewSchedule(p)
	out := make([]time.Duration, 0, n)
	for len(out) < n {
		off, ok := s.Next()
		if !ok {
			break
		}
		out = append(out, off)
	}
	return out
}
