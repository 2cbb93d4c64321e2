package reports

import (
	"github.com/inferbench/inferbench/results"
)

// MergeShards folds the shards of a split run (inferbench run --shard: one
// run directory per load generator, all naming the same shard group) into
// one RunData per group, in place of the first shard, so a report reads the
// union as design.md section 9 asks. Other runs pass through unchanged.
//
// Per-request durations do not depend on the time base, so they merge as
// they are; the window and the telemetry timestamps of each shard are
// moved onto the earliest shard's time base by the difference of their
// manifests' start times (zero when the shards shared --start-at).
func MergeShards(runs []*RunData) []*RunData {
	groups := map[string][]*RunData{}
	for _, r := range runs {
		if sh := shardOf(r); sh != nil {
			groups[sh.Group] = append(groups[sh.Group], r)
		}
	}
	var out []*RunData
	for _, r := range runs {
		sh := shardOf(r)
		if sh == nil {
			out = append(out, r)
			continue
		}
		g, ok := groups[sh.Group]
		if !ok {
			continue // already merged into the group's first shard
		}
		delete(groups, sh.Group)
		if len(g) == 1 {
			r.notef("shard %d of %d: the other shards of %s were not given", sh.Index+1, sh.Count, sh.Group)
			out = append(out, r)
			continue
		}
		base := g[0]
		for _, o := range g[1:] {
			if o.StartedAt.Before(base.StartedAt) {
				base = o
			}
		}
		merged := base
		for _, o := range g {
			if o == base {
				continue
			}
			shift := o.StartedAt.Sub(base.StartedAt).Nanoseconds()
			if o.firstSent > 0 {
				o.firstSent += shift
			}
			o.lastDone += shift
			for i := range o.GPU {
				o.GPU[i].TsNs += shift
			}
			for i := range o.Server {
				o.Server[i].TsNs += shift
			}
			merged.GPU = append(merged.GPU, o.GPU...)
			merged.Server = append(merged.Server, o.Server...)
			merged.Notes = append(merged.Notes, o.Notes...)
			merged.merge(o)
		}
		merged.RunID = sh.Group
		merged.Dir = ""
		merged.notef("%d of %d shards of %s merged", len(g), sh.Count, sh.Group)
		out = append(out, merged)
	}
	return out
}

func shardOf(r *RunData) *results.ShardInfo {
	if r.Manifest == nil || r.Manifest.Shard == nil || r.Manifest.Shard.Count < 2 || r.Manifest.Shard.Group == "" {
		return nil
	}
	return r.Manifest.Shard
}
