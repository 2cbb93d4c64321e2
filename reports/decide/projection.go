package decide

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/reports"
)

// Volume is a monthly token volume: input and output tokens per month.
type Volume struct {
	InputTokens  float64
	OutputTokens float64
}

// Total is input + output tokens.
func (v Volume) Total() float64 { return v.InputTokens + v.OutputTokens }

// String writes v the way ParseVolume reads it ("100M:20M"), exactly.
func (v Volume) String() string {
	return exactTokens(v.InputTokens) + ":" + exactTokens(v.OutputTokens)
}

var tokenUnits = []struct {
	suffix string
	scale  float64
}{{"T", 1e12}, {"B", 1e9}, {"M", 1e6}, {"K", 1e3}}

// Tokens writes a token count for people, in the largest unit it
// reaches with at most two decimals: 960M, 2.7B, 4.09B, 12.35K, 950.
func Tokens(n float64) string {
	for _, u := range tokenUnits {
		if math.Abs(n) >= u.scale {
			return strconv.FormatFloat(math.Round(n/u.scale*100)/100, 'f', -1, 64) + u.suffix
		}
	}
	return strconv.FormatFloat(math.Round(n*100)/100, 'f', -1, 64)
}

// exactTokens writes n with the largest suffix that keeps it exact.
func exactTokens(n float64) string {
	for _, u := range tokenUnits {
		if math.Abs(n) >= u.scale {
			v := n / u.scale
			s := strconv.FormatFloat(v, 'f', -1, 64)
			if back, err := strconv.ParseFloat(s, 64); err == nil && back*u.scale == n && len(s) <= 8 {
				return s + u.suffix
			}
		}
	}
	return strconv.FormatFloat(n, 'g', -1, 64)
}

// ParseVolume reads "IN:OUT" tokens per month, each a number with an
// optional K, M, B or T suffix (thousand, million, billion, trillion;
// either case): "100M:20M", "1.5B:300M", "5e8:1e8".
func ParseVolume(s string) (Volume, error) {
	in, out, ok := strings.Cut(s, ":")
	if !ok {
		return Volume{}, fmt.Errorf("volume %q: want INPUT:OUTPUT tokens per month, like 100M:20M", s)
	}
	var errs []error
	vi, err := parseTokens(in)
	if err != nil {
		errs = append(errs, fmt.Errorf("volume %q: input: %w", s, err))
	}
	vo, err := parseTokens(out)
	if err != nil {
		errs = append(errs, fmt.Errorf("volume %q: output: %w", s, err))
	}
	if len(errs) > 0 {
		return Volume{}, errors.Join(errs...)
	}
	if vi+vo == 0 {
		return Volume{}, fmt.Errorf("volume %q: no tokens", s)
	}
	return Volume{InputTokens: vi, OutputTokens: vo}, nil
}

func parseTokens(s string) (float64, error) {
	s = strings.TrimSpace(s)
	scale := 1.0
	if s != "" {
		switch s[len(s)-1] {
		case 'k', 'K':
			scale = 1e3
		case 'm', 'M':
			scale = 1e6
		case 'b', 'B', 'g', 'G':
			scale = 1e9
		case 't', 'T':
			scale = 1e12
		}
		if scale != 1 {
			s = s[:len(s)-1]
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a number of tokens (like 100M, 1.5B, 20000)", s)
	case v < 0 || math.IsInf(v, 0) || math.IsNaN(v):
		return 0, fmt.Errorf("%q must be a finite number >= 0", s)
	case v*scale > 1e18:
		return 0, fmt.Errorf("%q is more tokens than a month can hold", s)
	}
	return v * scale, nil
}

// Projection is every target's monthly cost at one volume, and the
// break-even volume of each GPU-hourly target against each per-token one.
type Projection struct {
	Volume     Volume
	Costs      []ProjectedCost // one per target, in Decision.Targets order
	BreakEvens []BreakEven
}

// ProjectedCost is one target's cost for a month at a volume.
//
// Per-token:   monthly = IN/1e6 * P_in_effective + OUT/1e6 * P_out_effective
// (TargetCost.EffectiveInputPer1M and EffectiveOutputPer1M: the run's
// measured cost per token of each side).
// GPU-hourly:  monthly = replicas * H * month hours, where replicas is the
// number of deployments the volume needs at the measured capacity:
//
//	replicas = ceil(max(IN / (capacity input tok/s * s), OUT / (capacity output tok/s * s)))
//
// with s the seconds in a month. The larger of the two is exact when the
// volume's mix is the workload's and conservative otherwise.
type ProjectedCost struct {
	Target     string
	Pricing    string
	Known      bool // false: no prices (or only recorded cost) to project from
	MonthlyUSD float64
	// USDPer1M is MonthlyUSD / total tokens * 1e6.
	USDPer1M float64
	// Replicas and Utilisation (volume / what the replicas can serve) are
	// for GPU-hourly targets.
	Replicas    int
	Utilisation float64
	// FixedUSD is the cost of one replica for the month (GPU-hourly).
	FixedUSD float64
}

// BreakEven is the monthly volume, at a projection's mix, above which a
// GPU-hourly target costs less than a per-token one:
//
//	volume* = H * month hours / (per-token cost of the mix per token)
//
// It exists when one replica can serve it (volume* <= the replica's
// monthly capacity at that mix); otherwise the GPUs cost more per token
// than the API even when full, and never break even. Above volume*, each
// extra replica adds a step that the API may undercut briefly.
type BreakEven struct {
	SelfHosted string
	PerToken   string
	// TokensPerMonth is volume* in input + output tokens (0 when Never).
	TokensPerMonth float64
	// Utilisation is volume* over one replica's monthly capacity.
	Utilisation float64
	Never       bool
	// PerTokenUSDPer1M is the per-token target's price at the mix.
	PerTokenUSDPer1M float64
	// AtCapacityUSDPer1M is the GPU-hourly target's cost per 1M tokens at
	// the mix with its replica full.
	AtCapacityUSDPer1M float64
}

// Project prices v for every target of d.
func (d *Decision) Project(v Volume) Projection {
	targets, monthHours := d.Targets, d.MonthHours
	p := Projection{Volume: v}
	for i := range targets {
		p.Costs = append(p.Costs, projectOne(&targets[i], v, monthHours))
	}
	for i, sh := range targets {
		if sh.Pricing != reports.CostGPUHourly || !p.Costs[i].Known {
			continue
		}
		perReplica := sh.ReplicaTokens(v, monthHours)
		for j, api := range targets {
			if api.Pricing != reports.CostPerToken || !p.Costs[j].Known || p.Costs[j].MonthlyUSD <= 0 {
				continue
			}
			be := BreakEven{SelfHosted: sh.Target, PerToken: api.Target, PerTokenUSDPer1M: p.Costs[j].USDPer1M}
			fixed := p.Costs[i].FixedUSD
			if perReplica > 0 {
				be.AtCapacityUSDPer1M = fixed / perReplica * 1e6
			}
			// fixed * total / api cost, rather than fixed / (api cost /
			// total): one rounding fewer, so round inputs give round answers.
			vol := fixed * v.Total() / p.Costs[j].MonthlyUSD
			if perReplica <= 0 || vol > perReplica {
				be.Never = true
			} else {
				be.TokensPerMonth = vol
				be.Utilisation = vol / perReplica
			}
			p.BreakEvens = append(p.BreakEvens, be)
		}
	}
	return p
}

// ReplicaTokens is what one replica of a GPU-hourly target serves in a
// month of monthHours at v's mix, in input + output tokens (0 when
// unknown).
func (t *TargetCost) ReplicaTokens(v Volume, monthHours float64) float64 {
	need := replicasNeeded(t, v, monthHours)
	if need <= 0 {
		return 0
	}
	return v.Total() / need
}

// replicasNeeded is the fractional number of replicas v needs (0 when
// the capacity is unknown).
func replicasNeeded(t *TargetCost, v Volume, monthHours float64) float64 {
	c := t.Capacity
	if c == nil {
		return 0
	}
	s := monthHours * 3600
	var need float64
	for _, side := range []struct{ tokens, perS float64 }{
		{v.InputTokens, c.InputTokensPerS}, {v.OutputTokens, c.OutputTokensPerS},
	} {
		if side.tokens <= 0 {
			continue
		}
		if side.perS <= 0 {
			return 0 // the volume needs a side the run never measured
		}
		need = max(need, side.tokens/(side.perS*s))
	}
	return need
}

func projectOne(t *TargetCost, v Volume, monthHours float64) ProjectedCost {
	pc := ProjectedCost{Target: t.Target, Pricing: t.Pricing}
	switch t.Pricing {
	case reports.CostPerToken:
		pc.Known = true
		pc.MonthlyUSD = v.InputTokens/1e6*t.EffectiveInputPer1M + v.OutputTokens/1e6*t.EffectiveOutputPer1M
	case reports.CostGPUHourly:
		pc.FixedUSD = t.Prices.GPUHourly * monthHours
		need := replicasNeeded(t, v, monthHours)
		if need <= 0 {
			return pc
		}
		pc.Known = true
		pc.Replicas = max(1, int(math.Ceil(need-1e-9)))
		pc.Utilisation = need / float64(pc.Replicas)
		pc.MonthlyUSD = float64(pc.Replicas) * pc.FixedUSD
	default:
		return pc
	}
	if tot := v.Total(); tot > 0 {
		pc.USDPer1M = pc.MonthlyUSD / tot * 1e6
	}
	return pc
}
