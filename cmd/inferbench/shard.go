package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/inferbench/inferbench/workloads"
)

// shardFlag is --shard i/n: this load generator is shard i (0-based) of n.
type shardFlag struct {
	index, count int // count 0 = not sharded
}

func (s *shardFlag) String() string {
	if s == nil || s.count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.index, s.count)
}

func (s *shardFlag) Set(v string) error {
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return fmt.Errorf("%q: want I/N with 0 <= I < N, e.g. 0/4", v)
	}
	s.index, s.count = i, n
	return nil
}

// suffix names the shard's run directory: RUN_ID-shard-I-of-N.
func (s shardFlag) suffix() string {
	if s.count == 0 {
		return ""
	}
	return fmt.Sprintf("-shard-%d-of-%d", s.index, s.count)
}

// shardWorkload keeps this shard's part of reqs (in file order), the same
// on every load generator given the same file: request k of the file goes
// to shard k % n. With sessions the split is by conversation instead, so a
// conversation is never split: the k-th conversation or session-less
// request, counted by first appearance in the file, goes to shard k % n.
func shardWorkload(reqs []workloads.Request, s shardFlag, sessions bool) []workloads.Request {
	if s.count <= 1 {
		return reqs
	}
	out := make([]workloads.Request, 0, len(reqs)/s.count+1)
	units := map[string]int{} // session id -> ordinal of its conversation
	next := 0
	for k := range reqs {
		ord := k
		if sessions {
			id := reqs[k].SessionID
			if o, ok := units[id]; ok && id != "" {
				ord = o
			} else {
				ord = next
				next++
				if id != "" {
					units[id] = ord
				}
			}
		}
		if ord%s.count == s.index {
			out = append(out, reqs[k])
		}
	}
	return out
}

// errStartWaitInterrupted says a Ctrl-C (or ctx) ended the --start-at wait
// before anything was sent.
var errStartWaitInterrupted = errors.New("interrupted while waiting for --start-at; nothing was sent")

// maxStartWait bounds --start-at in the future; maxStartLate bounds it in
// the past (a generator that starts a little late still shares the time
// base, and its lateness shows as schedule lag).
const (
	maxStartWait = time.Hour
	maxStartLate = time.Minute
)

// parseStartAt checks --start-at against now.
func parseStartAt(v string, now time.Time) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--start-at %q: want an RFC 3339 time such as 2026-01-02T15:04:05Z", v)
	}
	switch d := t.Sub(now); {
	case d < -maxStartLate:
		return time.Time{}, fmt.Errorf("--start-at %s is %s in the past (at most %s allowed)", v, (-d).Round(time.Second), maxStartLate)
	case d > maxStartWait:
		return time.Time{}, fmt.Errorf("--start-at %s is %s away (at most %s allowed)", v, d.Round(time.Second), maxStartWait)
	}
	return t, nil
}

// waitStart waits until the wall-clock time at and returns it as a run
// start with a monotonic reading (so the run's clock is immune to wall
// clock steps from then on). An at in the past is returned at once, so the
// run's offsets still count from the shared start. ok is false when ctx or
// a Ctrl-C ended the wait.
func waitStart(ctx context.Context, e *env, at time.Time) (start time.Time, ok bool) {
	now := time.Now()
	start = now.Add(at.Sub(now)) // at, with now's monotonic reading shifted
	d := time.Until(start)
	if d <= 0 {
		return start, true
	}
	return start, pause(ctx, e, d)
}
