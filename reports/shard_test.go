package reports

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

// TestMergeShards: two shards of one split run become one run with every
// request, and the window spans both shards on the earliest one's clock.
func TestMergeShards(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	shard := func(i int, start time.Time, n int) *RunData {
		m := &results.Manifest{RunID: "big-shard", StartedAt: start, StopReason: results.StopCompleted,
			Target: results.TargetInfo{Name: "t"}, Shard: &results.ShardInfo{Index: i, Count: 2, Group: "big"}}
		r := NewRunData("", m)
		for k := range n {
			sent := int64(k+1) * 1e9
			rec := results.Record{Status: results.StatusOK, SentNs: sent, FirstTokenNs: sent + 1e8,
				LastTokenNs: sent + 5e8, DoneNs: sent + 5e8, OutputTokens: 10}
			rec.Derive()
			r.Add(&rec)
		}
		return r
	}
	other := NewRunData("", &results.Manifest{RunID: "solo", StopReason: results.StopCompleted})
	other.Add(&results.Record{Status: results.StatusOK, SentNs: 1, DoneNs: 2})

	// Shard 1 started 2 s after shard 0: its window [1 s, 3.5 s] is
	// [3 s, 5.5 s] on shard 0's clock.
	runs := MergeShards([]*RunData{shard(0, t0, 2), other, shard(1, t0.Add(2*time.Second), 3)})
	if len(runs) != 2 || runs[0].RunID != "big" || runs[1].RunID != "solo" {
		t.Fatalf("runs %v", []string{runs[0].RunID, runs[len(runs)-1].RunID})
	}
	s := Summarize(runs[0], Options{})
	if s.Requests.OK != 5 || s.TTFT.N != 5 {
		t.Errorf("merged %d ok, %d TTFT values; want 5", s.Requests.OK, s.TTFT.N)
	}
	if want := int64(4.5e9); s.WindowNs != want { // 1 s .. 5.5 s
		t.Errorf("window %d, want %d", s.WindowNs, want)
	}
	if err := CheckComplete(runs...); err != nil {
		t.Errorf("complete group refused: %v", err)
	}
	// A lone shard stays as it is, incomplete: shard 1 of 2 is missing.
	lone := MergeShards([]*RunData{shard(1, t0, 1)})
	if len(lone) != 1 || lone[0].RunID != "big-shard" || !slices.Contains(lone[0].Incomplete, "shard group big: shard 1 of 2 not given (1 of 2 shards)") {
		t.Errorf("lone shard: %+v", lone[0].Incomplete)
	}
}

// TestMergeShardsDuplicate: a shard directory given twice is counted once
// (the throughput of the group is not inflated) and the group is marked
// incomplete, naming the shard; a shard that crashed makes its group
// incomplete too.
func TestMergeShardsDuplicate(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	shard := func(i int, stop string) *RunData {
		m := &results.Manifest{RunID: fmt.Sprintf("g-shard-%d-of-3", i), StartedAt: t0, StopReason: stop,
			Target: results.TargetInfo{Name: "t"}, Shard: &results.ShardInfo{Index: i, Count: 3, Group: "g"}}
		r := NewRunData(fmt.Sprintf("runs/g-shard-%d-of-3", i), m)
		if why := incompleteRun(m); why != "" {
			r.Incomplete = append(r.Incomplete, why)
		}
		for k := range 10 {
			sent := int64(k+1) * 1e8
			rec := results.Record{Status: results.StatusOK, SentNs: sent, FirstTokenNs: sent + 1e7,
				LastTokenNs: sent + 5e7, DoneNs: sent + 5e7, OutputTokens: 10}
			rec.Derive()
			r.Add(&rec)
		}
		return r
	}
	good := MergeShards([]*RunData{shard(0, results.StopCompleted), shard(1, results.StopCompleted), shard(2, results.StopCompleted)})
	want := Summarize(good[0], Options{})

	twice := MergeShards([]*RunData{shard(0, results.StopCompleted), shard(1, results.StopCompleted),
		shard(2, results.StopCompleted), shard(1, results.StopCompleted)})
	s := Summarize(twice[0], Options{})
	if len(twice) != 1 || s.Requests.OK != 30 || s.RequestsPerS != want.RequestsPerS {
		t.Errorf("shard given twice: %d ok at %.2f/s, want 30 at %.2f/s", s.Requests.OK, s.RequestsPerS, want.RequestsPerS)
	}
	if !slices.Contains(twice[0].Incomplete, "shard group g: shard 2 of 3 given twice; counted once") {
		t.Errorf("incomplete %q", twice[0].Incomplete)
	}
	err := CheckComplete(twice...)
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "run g: shard group g: shard 2 of 3 given twice") {
		t.Errorf("CheckComplete = %v", err)
	}
	crashed := MergeShards([]*RunData{shard(0, results.StopCompleted), shard(1, results.StopRunning), shard(2, results.StopCompleted)})
	if got := strings.Join(crashed[0].Incomplete, "; "); got != `shard g-shard-1-of-3: stop_reason "running": the run crashed or is still going` {
		t.Errorf("crashed shard: %q", got)
	}
}
