package bench

import "github.com/inferbench/inferbench/workloads"

// ShardSeed is the seed shard s of a split run draws its random arrivals
// from, given the run's seed: the (I+1)-th output of a SplitMix64
// generator seeded with seed, for shard I of N > 1; seed itself for a run
// that is not split. Without it every shard of a split run would draw the
// same Poisson or gamma arrival times from the same default seed, and the
// N shards would send together, in bursts of N, instead of as one stream
// at N times the rate. The same seed and shard give the same schedule.
func ShardSeed(seed uint64, s workloads.Shard) uint64 {
	if s.Count <= 1 {
		return seed
	}
	// SplitMix64 (Steele, Lea, Flood 2014; the seeder of xoshiro): state
	// seed + k·γ, then the finaliser; consecutive k give unrelated seeds.
	z := seed + uint64(s.Index+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
