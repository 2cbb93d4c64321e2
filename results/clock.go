package results

import "time"

// Clock turns the monotonic clock into offsets from a run's start. It is
// the only time base targets use, so every offset of a run is comparable.
type Clock struct{ start time.Time }

// NewClock returns a Clock whose zero is start. start must carry a
// monotonic reading (time.Now does).
func NewClock(start time.Time) Clock { return Clock{start: start} }

// Start is the run start (wall clock and monotonic).
func (c Clock) Start() time.Time { return c.start }

// Now is the monotonic offset from the run start in nanoseconds. It is at
// least 1, so an observed offset is never mistaken for "not observed".
func (c Clock) Now() int64 {
	d := int64(time.Since(c.start))
	if d < 1 {
		return 1
	}
	return d
}

// Wall converts an offset back to wall-clock time.
func (c Clock) Wall(offsetNs int64) time.Time {
	return c.start.Add(time.Duration(offsetNs))
}
