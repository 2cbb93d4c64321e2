package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/inferbench/inferbench/workloads"
)

// Pacer is vegeta's pacing interface: given the elapsed time and the hits
// made so far, how long to wait before the next hit. Every arrival process
// of inferbench is a Pacer, so vegeta's own (constant, linear, sine) plug
// in unchanged.
type Pacer = vegeta.Pacer

// ConstantPacer returns vegeta's constant pacer for rate hits per second.
// Fractional rates are exact to 1/1000 of a hit per second.
func ConstantPacer(rate float64) Pacer {
	if rate == math.Trunc(rate) && rate < 1e6 {
		return vegeta.ConstantPacer{Freq: int(rate), Per: time.Second}
	}
	return vegeta.ConstantPacer{Freq: int(math.Round(rate * 1000)), Per: 1000 * time.Second}
}

// arrivalPacer paces hits at precomputed absolute offsets, generated lazily
// and deterministically by next. Pace is exact: it never accumulates
// sleep error, because the wait is always "offset of hit N minus now".
type arrivalPacer struct {
	mu      sync.Mutex
	offsets []time.Duration
	next    func() (gap time.Duration, ok bool)
	done    bool
	rate    float64
	name    string
}

func (p *arrivalPacer) offset(n uint64) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for uint64(len(p.offsets)) <= n && !p.done {
		gap, ok := p.next()
		if !ok {
			p.done = true
			break
		}
		var last time.Duration
		if len(p.offsets) > 0 {
			last = p.offsets[len(p.offsets)-1]
		}
		if gap < 0 {
			gap = 0
		}
		p.offsets = append(p.offsets, last+gap)
	}
	if uint64(len(p.offsets)) <= n {
		return 0, false
	}
	return p.offsets[n], true
}

// Pace implements vegeta.Pacer.
func (p *arrivalPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	at, ok := p.offset(hits)
	if !ok {
		return 0, true
	}
	if at <= elapsed {
		return 0, false
	}
	return at - elapsed, false
}

// Rate implements vegeta.Pacer: the mean rate of the process.
func (p *arrivalPacer) Rate(time.Duration) float64 { return p.rate }

func (p *arrivalPacer) String() string { return p.name }

// ArrivalPacer returns the pacer of an arrival process at rate hits per
// second: vegeta's constant pacer, or a seeded Poisson or gamma process
// (the zero Arrival is Poisson).
func ArrivalPacer(a workloads.Arrival, rate float64, seed uint64) Pacer {
	switch a.Kind {
	case "constant":
		return ConstantPacer(rate)
	case "gamma":
		return GammaPacer(rate, a.CV, seed)
	}
	return PoissonPacer(rate, seed)
}

// PoissonPacer returns a seeded Poisson arrival process at rate hits per
// second: inter-arrival gaps are exponential with mean 1/rate. The first
// hit is at 0. The same seed gives the same offsets.
func PoissonPacer(rate float64, seed uint64) Pacer {
	return gapPacer(workloads.Arrival{Kind: "poisson"}, rate, seed, fmt.Sprintf("Poisson{%g/s seed=%d}", rate, seed))
}

// GammaPacer returns a seeded gamma arrival process at rate hits per
// second whose inter-arrival gaps have coefficient of variation cv
// (cv = 1 is Poisson; cv > 1 is burstier; cv < 1 more regular).
func GammaPacer(rate, cv float64, seed uint64) Pacer {
	return gapPacer(workloads.Arrival{Kind: "gamma", CV: cv}, rate, seed, fmt.Sprintf("Gamma{%g/s cv=%g seed=%d}", rate, cv, seed))
}

// gapPacer draws its gaps from workloads.Arrival.Gap, the one formula of
// every arrival process, with the first hit at 0.
func gapPacer(a workloads.Arrival, rate float64, seed uint64, name string) Pacer {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	first := true
	return &arrivalPacer{
		rate: rate,
		name: name,
		next: func() (time.Duration, bool) {
			if first {
				first = false
				return 0, true
			}
			return time.Duration(a.Gap(rng, rate) * 1e9), true
		},
	}
}

// ReplayPacer replays recorded arrival offsets scaled by timeScale
// (0.5 = twice as fast). Offsets are taken relative to the first one and
// must not decrease (sort the workload first); the pacer stops after the
// last.
func ReplayPacer(offsets []time.Duration, timeScale float64) Pacer {
	i := 0
	var prev time.Duration
	rate := 0.0
	if n := len(offsets); n > 1 && offsets[n-1] > offsets[0] {
		rate = float64(n-1) / ((offsets[n-1] - offsets[0]).Seconds() * timeScale)
	}
	return &arrivalPacer{
		rate: rate,
		name: fmt.Sprintf("Replay{%d arrivals x%g}", len(offsets), timeScale),
		next: func() (time.Duration, bool) {
			if i >= len(offsets) {
				return 0, false
			}
			var gap time.Duration
			if i > 0 {
				gap = time.Duration(float64(offsets[i]-prev) * timeScale)
			}
			prev = offsets[i]
			i++
			return gap, true
		},
	}
}
