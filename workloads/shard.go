package workloads

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is part Index (0-based) of Count of a workload split across load
// generators. The zero value is the whole workload.
type Shard struct {
	Index, Count int
}

// ParseShard parses "I/N" with 0 <= I < N.
func ParseShard(v string) (Shard, error) {
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("%q: want I/N with 0 <= I < N, e.g. 0/4", v)
	}
	return Shard{Index: i, Count: n}, nil
}

// String is "I/N", or "" for the whole workload.
func (s Shard) String() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Suffix names a shard's run directory: RUN_ID-shard-I-of-N ("" for the
// whole workload).
func (s Shard) Suffix() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("-shard-%d-of-%d", s.Index, s.Count)
}

// Valid reports whether s is the whole workload or a part 0 <= I < N.
func (s Shard) Valid() bool {
	return s == Shard{} || (s.Count > 0 && s.Index >= 0 && s.Index < s.Count)
}

// Of keeps this shard's part of reqs (in file order), the same on every
// load generator given the same file: request k of the file goes to shard
// k % N. With sessions the split is by conversation instead, so a
// conversation is never split: the k-th conversation or session-less
// request, counted by first appearance in the file, goes to shard k % N.
func (s Shard) Of(reqs []Request, sessions bool) []Request {
	if s.Count <= 1 {
		return reqs
	}
	out := make([]Request, 0, len(reqs)/s.Count+1)
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
		if ord%s.Count == s.Index {
			out = append(out, reqs[k])
		}
	}
	return out
}
