package decide

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/table"
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

// MixTolerance is how far a volume's input:output mix may be from the mix
// a capacity was measured at, as a ratio of their odds (input / output
// tokens), before a projection refuses to size replicas on it.
//
// Replicas are sized for the busier side (see ProjectedCost), which is
// exact at the measured mix and over-states the replicas by at most the
// odds ratio elsewhere: the GPUs spend some time on each input and each
// output token, and one run tells neither time apart. Within the
// tolerance the projection says by how much it may over-state; beyond it
// (an 83:17 volume on a capacity measured at 16:84 is off by 25x), it
// names the workload to run instead.
const MixTolerance = 1.5

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
// volume's mix is the workload's and over-states it otherwise (see
// MixTolerance). With a capacity that is a lower bound, replicas and cost
// are upper bounds (AtMost).
type ProjectedCost struct {
	Target  string
	Pricing string
	// Known is false when there is no figure: no prices (or only recorded
	// cost), or for a GPU-hourly target Unknown says why.
	Known   bool
	Unknown string
	// MonthlyUSD is the month's cost and USDPer1M it over the volume's
	// tokens (in + out) per 1M: all-in, not a list price.
	MonthlyUSD float64
	USDPer1M   float64
	// Replicas and Utilisation (volume / what the replicas can serve) are
	// for GPU-hourly targets.
	Replicas    int
	Utilisation float64
	// FixedUSD is the cost of one replica for the month (GPU-hourly).
	FixedUSD float64
	// AtMost: the capacity is a lower bound, so Replicas, MonthlyUSD and
	// USDPer1M are at most these, and Utilisation at least.
	AtMost bool
	// MixNote says how far the volume's mix is from the measured one, when
	// it is (within MixTolerance).
	MixNote string
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
	// TokensPerMonth is volume* in input + output tokens (0 when Never or
	// Unknown).
	TokensPerMonth float64
	// Utilisation is volume* over one replica's monthly capacity (at most
	// this when AtMost).
	Utilisation float64
	Never       bool
	// Unknown says why there is no break-even: the self-hosted target's
	// capacity at this mix is unknown, or is a lower bound that one
	// replica cannot reach volume* on.
	Unknown string
	AtMost  bool
	// PerTokenUSDPer1M is the per-token target's price at the mix.
	PerTokenUSDPer1M float64
	// AtCapacityUSDPer1M is the GPU-hourly target's cost per 1M tokens at
	// the mix with its replica full (at most this when AtMost).
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
		if sh.Pricing != reports.CostGPUHourly || p.Costs[i].FixedUSD <= 0 {
			continue
		}
		for j, api := range targets {
			if api.Pricing != reports.CostPerToken || !p.Costs[j].Known || p.Costs[j].MonthlyUSD <= 0 {
				continue
			}
			p.BreakEvens = append(p.BreakEvens, breakEven(&sh, p.Costs[i], api.Target, p.Costs[j], v, monthHours))
		}
	}
	return p
}

// breakEven is self-hosted target sh (projected at v as pc) against the
// per-token target api (projected as apc).
func breakEven(sh *TargetCost, pc ProjectedCost, api string, apc ProjectedCost, v Volume, monthHours float64) BreakEven {
	be := BreakEven{SelfHosted: sh.Target, PerToken: api, PerTokenUSDPer1M: apc.USDPer1M}
	if !pc.Known {
		be.Unknown = pc.Unknown
		return be
	}
	fixed, perReplica := pc.FixedUSD, sh.ReplicaTokens(v, monthHours)
	be.AtMost = pc.AtMost
	if perReplica > 0 {
		be.AtCapacityUSDPer1M = fixed / perReplica * 1e6
	}
	// fixed * total / api cost, rather than fixed / (api cost / total):
	// one rounding fewer, so round inputs give round answers.
	vol := fixed * v.Total() / apc.MonthlyUSD
	switch {
	case perReplica > 0 && vol <= perReplica:
		be.TokensPerMonth, be.Utilisation = vol, vol/perReplica
	case pc.AtMost:
		be.Unknown = fmt.Sprintf("unknown: it needs more than the %s tokens/month one replica serves at the capacity measured, a lower bound", Tokens(perReplica))
	default:
		be.Never = true
	}
	return be
}

// ReplicaTokens is what one replica of a GPU-hourly target serves in a
// month of monthHours at v's mix, in input + output tokens (0 when
// unknown; at least this when the capacity is a lower bound).
func (t *TargetCost) ReplicaTokens(v Volume, monthHours float64) float64 {
	need, _, why := replicasNeeded(t, v, monthHours)
	if need <= 0 || why != "" {
		return 0
	}
	return v.Total() / need
}

// replicasNeeded is the fractional number of replicas v needs, with a
// note on the mix; why says why it is unknown (need is 0 then).
func replicasNeeded(t *TargetCost, v Volume, monthHours float64) (need float64, mixNote, why string) {
	c := t.Capacity
	if c == nil {
		return 0, "", "no capacity"
	}
	if !c.Known() {
		return 0, "", c.Unknown
	}
	if mixNote, why = mixCheck(c, v); why != "" {
		return 0, "", why
	}
	s := monthHours * 3600
	for _, side := range []struct{ tokens, perS float64 }{
		{v.InputTokens, c.InputTokensPerS}, {v.OutputTokens, c.OutputTokensPerS},
	} {
		if side.tokens <= 0 {
			continue
		}
		if side.perS <= 0 {
			return 0, "", "the capacity run measured no tokens on a side this volume has"
		}
		need = max(need, side.tokens/(side.perS*s))
	}
	return need, mixNote, ""
}

// mixCheck compares v's mix with the mix c was measured at (see
// MixTolerance): a note when they differ within the tolerance, why and
// the workload to run when they differ beyond it.
func mixCheck(c *Capacity, v Volume) (note, why string) {
	in, out := c.InputTokensPerS, c.OutputTokensPerS
	if in+out <= 0 || v.Total() <= 0 {
		return "", ""
	}
	measured, asked := in/(in+out), v.InputTokens/v.Total()
	ratio := math.Inf(1)
	if in > 0 && out > 0 && v.InputTokens > 0 && v.OutputTokens > 0 {
		r := (v.InputTokens / v.OutputTokens) / (in / out)
		ratio = max(r, 1/r)
	} else if (in > 0) == (v.InputTokens > 0) && (out > 0) == (v.OutputTokens > 0) {
		ratio = 1
	}
	switch {
	case ratio > MixTolerance:
		perReq := 0.0
		if c.RequestsPerS > 0 {
			perReq = (in + out) / c.RequestsPerS
		}
		w := fmt.Sprintf("capacity unknown at this mix: %s input:output asked, %s measured (%s); replicas and break-even would be off by up to %s",
			table.Mix(asked), table.Mix(measured), c.Load, ratioText(ratio))
		if perReq > 0 {
			inLen := int(math.Round(perReq * asked))
			w += fmt.Sprintf(". Measure it: a workload of this mix, such as `inferbench workload synth --input-len fixed:%d --output-len fixed:%d`, swept against the target",
				inLen, max(int(math.Round(perReq))-inLen, 1))
		}
		return "", w
	case ratio > 1.01:
		return fmt.Sprintf("mix %s asked, %s measured: replicas sized for the busier side, up to %.0f%% more than needed",
			table.Mix(asked), table.Mix(measured), (ratio-1)*100), ""
	}
	return "", ""
}

func ratioText(r float64) string {
	if math.IsInf(r, 0) {
		return "any factor"
	}
	return table.Ftoa(r, 0) + "x"
}

func projectOne(t *TargetCost, v Volume, monthHours float64) ProjectedCost {
	pc := ProjectedCost{Target: t.Target, Pricing: t.Pricing}
	switch t.Pricing {
	case reports.CostPerToken:
		pc.Known = true
		pc.MonthlyUSD = v.InputTokens/1e6*t.EffectiveInputPer1M + v.OutputTokens/1e6*t.EffectiveOutputPer1M
	case reports.CostGPUHourly:
		pc.FixedUSD = t.Prices.GPUHourly * monthHours
		need, note, why := replicasNeeded(t, v, monthHours)
		if why != "" || need <= 0 {
			pc.Unknown = cmp.Or(why, "no throughput measured")
			return pc
		}
		pc.Known, pc.MixNote, pc.AtMost = true, note, t.Capacity.LowerBound
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
