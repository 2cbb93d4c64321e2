package bench

import (
	"fmt"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

func TestShardSeed(t *testing.T) {
	// Shard I's seed is the (I+1)-th SplitMix64 output: the reference
	// generator's published vectors for seed 1234567.
	want := []uint64{6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821}
	for i, w := range want {
		if got := ShardSeed(1234567, workloads.Shard{Index: i, Count: len(want)}); got != w {
			t.Errorf("shard %d/%d: seed %d, want %d", i, len(want), got, w)
		}
	}
	// A run that is not split keeps its seed (and its schedule).
	for _, s := range []workloads.Shard{{}, {Index: 0, Count: 1}} {
		if got := ShardSeed(7, s); got != 7 {
			t.Errorf("shard %v: seed %d, want 7", s, got)
		}
	}
}

// TestShardSchedules: the shards of a split run draw different arrival
// times from the same --seed (the default one, or one given), and a shard
// run twice draws the same.
func TestShardSchedules(t *testing.T) {
	schedule := func(seed uint64, shard workloads.Shard, run string) string {
		p := testPlan(t, tokenTarget{}, testWorkload("a", "b", "c", "d", "e", "f"))
		p.Load = Load{Mode: ModeRate, Rate: 10, Seed: seed, Flow: Flow{Requests: 5}}
		p.Outputs.RunID, p.Outputs.Shard = run, shard
		var out Outcome
		synctest.Test(t, func(t *testing.T) {
			var err error
			if out, err = Execute(t.Context(), p); err != nil {
				t.Fatal(err)
			}
		})
		recs, err := results.ReadRequests(out.Dir)
		if err != nil || len(recs) != 5 {
			t.Fatalf("%d rows, %v", len(recs), err)
		}
		slices.SortFunc(recs, func(a, b results.Record) int { return int(a.RequestIndex - b.RequestIndex) })
		var offs []int64
		for _, r := range recs {
			offs = append(offs, r.ScheduledNs)
		}
		if s := ShardSeed(seed, shard); out.Manifest.Load.ShardSeed != s || out.Manifest.Load.Seed != int64(seed) {
			t.Errorf("manifest seed %d shard_seed %d, want %d and %d", out.Manifest.Load.Seed, out.Manifest.Load.ShardSeed, seed, s)
		}
		return fmt.Sprint(offs)
	}
	for _, seed := range []uint64{1, 7} {
		s0 := schedule(seed, workloads.Shard{Index: 0, Count: 2}, fmt.Sprint("a", seed))
		s1 := schedule(seed, workloads.Shard{Index: 1, Count: 2}, fmt.Sprint("a", seed))
		again := schedule(seed, workloads.Shard{Index: 1, Count: 2}, fmt.Sprint("b", seed))
		if s0 == s1 {
			t.Errorf("seed %d: shards 0 and 1 share the schedule %s", seed, s0)
		}
		if s1 != again {
			t.Errorf("seed %d: shard 1 drew %s, then %s", seed, s1, again)
		}
	}
}
