package workloads

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"
)

// FilterOptions selects part of a workload. Filters apply in this order:
// time window, every k-th, shuffle, limit, time scale.
type FilterOptions struct {
	// From and To keep requests with From <= at < To (To 0 = no end);
	// kept requests are re-based so the window starts at 0.
	From, To time.Duration
	// Every keeps every k-th request of the window (1st, k+1-th, ...).
	Every int
	// Shuffle moves requests between the arrival slots at random (seeded
	// by ShuffleSeed) while the slots keep their times, so a limited
	// sample is a random subset replayed at the trace's own pace. The
	// turns of a session keep their order. It holds the selection in
	// memory; the other filters stream.
	Shuffle     bool
	ShuffleSeed int64
	// Limit keeps at most this many requests (0 = all).
	Limit int
	// TimeScale multiplies arrival offsets: 0.5 replays twice as fast.
	// 0 means 1.
	TimeScale float64
}

// Bounds of a time scale (FilterOptions, and a run's replay): 1e-6
// compresses a day into 86 ms, 1e3 stretches a minute into 17 hours;
// beyond either it is a typo.
const MinTimeScale, MaxTimeScale = 1e-6, 1e3

// Validate reports every problem with the options at once.
func (opts FilterOptions) Validate() error {
	var errs []error
	if opts.Every < 0 || opts.Limit < 0 {
		errs = append(errs, errors.New("filter: every and limit must be >= 0"))
	}
	if ts := opts.TimeScale; ts != 0 && !(ts >= MinTimeScale && ts <= MaxTimeScale) {
		errs = append(errs, fmt.Errorf("filter: want a time scale from %g to %g, got %g", MinTimeScale, MaxTimeScale, ts))
	}
	if opts.From < 0 || opts.To < 0 || (opts.To != 0 && opts.To <= opts.From) {
		errs = append(errs, fmt.Errorf("filter: window end %v is not after its start %v", opts.To, opts.From))
	}
	return errors.Join(errs...)
}

// RequestSource is anything that yields requests until io.EOF, such as a
// Reader.
type RequestSource interface {
	Next() (Request, error)
}

// Filter reads src, applies opts and calls fn with each kept request,
// renumbered from Index 0.
func Filter(src RequestSource, opts FilterOptions, fn func(Request) error) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	scale := opts.TimeScale
	if scale == 0 {
		scale = 1
	}
	windowed := opts.From != 0 || opts.To != 0
	from := float64(opts.From) / float64(time.Millisecond)
	to := float64(opts.To) / float64(time.Millisecond)
	out := 0
	emit := func(r Request) error {
		if opts.Limit > 0 && out >= opts.Limit {
			return errStop
		}
		if r.AtMs != nil {
			at := *r.AtMs * scale
			r.AtMs = &at
		}
		r.Index = out
		out++
		return fn(r)
	}
	var kept []Request
	seen := 0
	for {
		r, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if windowed {
			if r.AtMs == nil {
				return fmt.Errorf("filter: request %s has no arrival time; a time window needs one", r.ID)
			}
			if *r.AtMs < from || (opts.To != 0 && *r.AtMs >= to) {
				continue
			}
			at := *r.AtMs - from
			r.AtMs = &at
		}
		seen++
		if opts.Every > 1 && (seen-1)%opts.Every != 0 {
			continue
		}
		if opts.Shuffle {
			kept = append(kept, r)
			continue
		}
		if err := emit(r); err == errStop {
			return nil
		} else if err != nil {
			return err
		}
	}
	if !opts.Shuffle {
		return nil
	}
	shuffleSlots(kept, opts.ShuffleSeed)
	for _, r := range kept {
		if err := emit(r); err == errStop {
			return nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

var errStop = errors.New("stop")

// shuffleSlots permutes reqs in place but leaves each position's arrival
// time where it was, then puts each session's turns back in turn order
// within the positions the session got.
func shuffleSlots(reqs []Request, seed int64) {
	times := make([]*float64, len(reqs))
	for i := range reqs {
		times[i] = reqs[i].AtMs
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5a3f1e))
	rng.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })
	positions := map[string][]int{}
	for i, r := range reqs {
		if r.SessionID != "" {
			positions[r.SessionID] = append(positions[r.SessionID], i)
		}
	}
	for _, pos := range positions {
		turns := make([]Request, len(pos))
		for k, p := range pos {
			turns[k] = reqs[p]
		}
		slices.SortStableFunc(turns, func(a, b Request) int { return a.Turn - b.Turn })
		for k, p := range pos {
			reqs[p] = turns[k]
		}
	}
	for i := range reqs {
		reqs[i].AtMs = times[i]
	}
}
