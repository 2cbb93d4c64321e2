package sim

import (
	"context"
	"time"
)

// source yields one response's tokens to the stream writer.
type source interface {
	// next blocks until at least want tokens exist and returns how many
	// exist (>= want), or an error when ctx ends or the server closes.
	next(ctx context.Context, want int) (int, error)
	// stall pauses the stream for d.
	stall(ctx context.Context, d time.Duration) error
	// release frees what the response holds; safe to call more than once.
	release()
}

// exactSource times tokens from absolute deadlines: token i (0-based)
// exists at entry + TTFT + i*ITL (+ any stall so far). Computing each
// deadline from entry, rather than sleeping ITL after the previous token,
// keeps timer lateness from accumulating along the stream.
type exactSource struct {
	entry    time.Time
	ttft     time.Duration
	itl      time.Duration
	shift    time.Duration // stalls so far
	closed   <-chan struct{}
	onActive func(delta int) // tracks running streams for Stats
	active   bool
}

func newExactSource(c *Config, entry time.Time, closed <-chan struct{}, onActive func(int)) *exactSource {
	onActive(1)
	return &exactSource{entry: entry, ttft: c.TTFT, itl: c.ITL, closed: closed, onActive: onActive, active: true}
}

// deadline is when token i exists.
func (src *exactSource) deadline(i int) time.Time {
	return src.entry.Add(src.ttft + time.Duration(i)*src.itl + src.shift)
}

func (src *exactSource) next(ctx context.Context, want int) (int, error) {
	if err := sleepCtx(ctx, src.closed, src.deadline(want-1)); err != nil {
		return 0, err
	}
	return want, nil
}

// stall shifts every later deadline by d: the server itself pauses.
func (src *exactSource) stall(ctx context.Context, d time.Duration) error {
	src.shift += d
	return nil
}

func (src *exactSource) release() {
	if src.active {
		src.active = false
		src.onActive(-1)
	}
}
