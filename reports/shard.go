package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/inferbench/inferbench/results"
)

// MergeShards folds the shards of a split run (inferbench run --shard: one
// run directory per load generator, all naming the same shard group) into
// one RunData per group, in place of the first shard, so a report reads the
// union as design.md section 9 asks. Other runs pass through unchanged.
//
// A shard given twice (the same directory named twice, or two directories
// claiming one shard index) is merged once: the first given counts, and
// the group is marked Incomplete, as is a group with shards missing, so
// that a gate refuses it. A run that did not complete makes its group
// incomplete too.
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
		out = append(out, mergeGroup(sh, g))
	}
	return out
}

// mergeGroup merges the shards g of one group (sh is the first's).
func mergeGroup(sh *results.ShardInfo, g []*RunData) *RunData {
	shards, problems := distinctShards(sh, g)
	if len(shards) == 1 {
		r := shards[0]
		r.Incomplete = append(r.Incomplete, problems...)
		return r
	}
	base := shards[0]
	for _, o := range shards[1:] {
		if o.StartedAt.Before(base.StartedAt) {
			base = o
		}
	}
	merged := base
	for _, o := range shards {
		if o != base {
			merged.mergeShard(o)
		}
	}
	// The group is incomplete where any shard is, reason by shard.
	var incomplete []string
	for _, o := range shards {
		for _, why := range o.Incomplete {
			incomplete = append(incomplete, "shard "+o.RunID+": "+why)
		}
	}
	merged.Incomplete = append(incomplete, problems...)
	merged.RunID = sh.Group
	merged.Dir = ""
	merged.notef("%d of %d shards of %s merged", len(shards), sh.Count, sh.Group)
	return merged
}

// mergeShard adds shard o to r, moving its clock onto r's.
func (r *RunData) mergeShard(o *RunData) {
	shift := o.StartedAt.Sub(r.StartedAt).Nanoseconds()
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
	o.shiftSent(shift)
	r.GPU = append(r.GPU, o.GPU...)
	r.Server = append(r.Server, o.Server...)
	r.Notes = append(r.Notes, o.Notes...)
	r.Client = append(r.Client, o.Client...)
	r.merge(o)
}

// distinctShards keeps the first run of each shard index of a group and
// says what is wrong with the group: shards given twice, shards missing,
// shards that disagree on the count.
func distinctShards(sh *results.ShardInfo, g []*RunData) ([]*RunData, []string) {
	var problems []string
	byIndex := map[int]*RunData{}
	var keep []*RunData
	for _, r := range g {
		s := shardOf(r)
		if s.Count != sh.Count {
			problems = append(problems, fmt.Sprintf("shard group %s: %s says %d shards, %s says %d",
				sh.Group, r.RunID, s.Count, g[0].RunID, sh.Count))
		}
		if first, dup := byIndex[s.Index]; dup {
			how := "given twice"
			if r.Dir != first.Dir {
				how = "claimed by two runs (" + first.Dir + ", " + r.Dir + ")"
			}
			problems = append(problems, fmt.Sprintf("shard group %s: shard %d of %d %s; counted once",
				sh.Group, s.Index+1, sh.Count, how))
			continue
		}
		byIndex[s.Index] = r
		keep = append(keep, r)
	}
	var missing []string
	for i := range sh.Count {
		if byIndex[i] == nil {
			missing = append(missing, fmt.Sprint(i+1))
		}
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("shard group %s: shard %s of %d not given (%d of %d shards)",
			sh.Group, strings.Join(missing, ", "), sh.Count, len(keep), sh.Count))
	}
	slices.SortStableFunc(keep, func(a, b *RunData) int { return shardOf(a).Index - shardOf(b).Index })
	return keep, problems
}

func shardOf(r *RunData) *results.ShardInfo {
	if r.Manifest == nil || r.Manifest.Shard == nil || r.Manifest.Shard.Count < 2 || r.Manifest.Shard.Group == "" {
		return nil
	}
	return r.Manifest.Shard
}
