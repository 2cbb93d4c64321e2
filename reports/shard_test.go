package reports

import (
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
	// A lone shard stays as it is, with a note.
	lone := MergeShards([]*RunData{shard(1, t0, 1)})
	if len(lone) != 1 || lone[0].RunID != "big-shard" || len(lone[0].Notes) == 0 {
		t.Errorf("lone shard: %+v", lone[0].Notes)
	}
}
