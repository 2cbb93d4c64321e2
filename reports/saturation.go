package reports

// Telemetry over a run's window (GPU, energy, the server's queue) and the
// saturation verdict of a sweep. Pure functions over results rows, so
// package reports can call them on what it reads back from Parquet. The
// join of telemetry onto each request is in join.go.

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/inferbench/inferbench/results"
)

// point is one reading of one series.
type point struct {
	t int64
	v float64
}

// series is one time series sorted by time.
type series []point

// at returns the index of the last point at or before t (-1 if none).
func (s series) at(t int64) int {
	return sort.Search(len(s), func(i int) bool { return s[i].t > t }) - 1
}

// maxOver is the largest value the series held during [from, to], reading
// it as sample-and-hold: the value at from is the last sample at or before
// from; samples inside the window count too. ok is false when the series
// has no sample at or before to.
func (s series) maxOver(from, to int64) (float64, bool) {
	i := s.at(from)
	if i < 0 {
		i = 0
	}
	best, ok := math.Inf(-1), false
	for ; i < len(s) && s[i].t <= to; i++ {
		best, ok = math.Max(best, s[i].v), true
	}
	return best, ok
}

// GPUWindow summarises GPU telemetry over one window (normally the
// measured window: first sent to last done of the measured requests).
// Pointers are nil when nothing was measured.
type GPUWindow struct {
	FromNs  int64 `json:"from_ns"`
	ToNs    int64 `json:"to_ns"`
	GPUs    int   `json:"gpus"`
	Samples int   `json:"samples"` // samples inside the window, all GPUs
	// Mean and max over every sample of every GPU in the window.
	MeanUtilPct     *float64 `json:"mean_util_pct"`
	MaxUtilPct      *float64 `json:"max_util_pct"`
	MeanSMActivePct *float64 `json:"mean_sm_active_pct"`
	MaxSMActivePct  *float64 `json:"max_sm_active_pct"`
	// MemHighWaterBytes is the most memory any one GPU used; MemTotalBytes
	// is that GPU's capacity.
	MemHighWaterBytes *int64 `json:"mem_high_water_bytes"`
	MemTotalBytes     *int64 `json:"mem_total_bytes"`
	// MeanPowerW is the whole deployment's mean draw: each GPU's mean
	// power, summed over GPUs.
	MeanPowerW *float64 `json:"mean_power_w"`
	// EnergyJ is the deployment's energy over the window, summed over GPUs.
	EnergyJ *float64 `json:"energy_j"`
	// EnergySource says how: "counter" (difference of the energy counter,
	// the accurate way), "power" (trapezoid integral of power samples, for
	// GPUs without the counter), or "mixed".
	EnergySource string `json:"energy_source"`
}

// SummarizeGPU computes a GPUWindow over [fromNs, toNs].
//
// Energy per GPU is C(to) - C(from), where C is the cumulative energy
// built segment by segment between consecutive samples (counter delta
// where both ends have the counter and it did not go backwards; otherwise
// the trapezoid of the two power readings, which also covers a counter
// reset on driver reload) and read at the window edges by linear
// interpolation, clamped to the first and last sample.
func SummarizeGPU(samples []results.GPUSample, fromNs, toNs int64) GPUWindow {
	w := GPUWindow{FromNs: fromNs, ToNs: toNs}
	byGPU := map[string][]*results.GPUSample{}
	var keys []string
	for i := range samples {
		s := &samples[i]
		k := gpuKey(s)
		if _, ok := byGPU[k]; !ok {
			keys = append(keys, k)
		}
		byGPU[k] = append(byGPU[k], s)
	}
	sort.Strings(keys)
	var util, sm stat
	var power float64
	havePower := false
	var energy float64
	counterSegs, powerSegs := 0, 0
	for _, k := range keys {
		ss := byGPU[k]
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].TsNs < ss[j].TsNs })
		var p stat
		inWindow := 0
		for _, s := range ss {
			if s.TsNs < fromNs || s.TsNs > toNs {
				continue
			}
			inWindow++
			util.add(s.UtilGPUPct)
			sm.add(s.SMActivePct)
			p.add(s.PowerW)
			if s.MemUsedBytes != nil && (w.MemHighWaterBytes == nil || *s.MemUsedBytes > *w.MemHighWaterBytes) {
				w.MemHighWaterBytes = results.I64(*s.MemUsedBytes)
				w.MemTotalBytes = s.MemTotalBytes
			}
		}
		if inWindow > 0 {
			w.GPUs++
			w.Samples += inWindow
		}
		if p.n > 0 {
			power += p.sum / float64(p.n)
			havePower = true
		}
		if e, c, pw, ok := energyOver(ss, fromNs, toNs); ok {
			energy += e
			counterSegs += c
			powerSegs += pw
		}
	}
	w.MeanUtilPct, w.MaxUtilPct = util.mean(), util.maxp()
	w.MeanSMActivePct, w.MaxSMActivePct = sm.mean(), sm.maxp()
	if havePower {
		w.MeanPowerW = results.F64(power)
	}
	if counterSegs+powerSegs > 0 {
		w.EnergyJ = results.F64(energy)
		switch {
		case powerSegs == 0:
			w.EnergySource = "counter"
		case counterSegs == 0:
			w.EnergySource = "power"
		default:
			w.EnergySource = "mixed"
		}
	}
	return w
}

type stat struct {
	n        int
	sum, max float64
}

func (s *stat) add(v *float64) {
	if v == nil {
		return
	}
	if s.n == 0 || *v > s.max {
		s.max = *v
	}
	s.n++
	s.sum += *v
}

func (s *stat) mean() *float64 {
	if s.n == 0 {
		return nil
	}
	return results.F64(s.sum / float64(s.n))
}

func (s *stat) maxp() *float64 {
	if s.n == 0 {
		return nil
	}
	return results.F64(s.max)
}

// energyOver integrates one GPU's energy over [from, to] (joules), and
// says how many segments overlapping the window used the counter and how
// many used power.
func energyOver(ss []*results.GPUSample, from, to int64) (j float64, counterSegs, powerSegs int, ok bool) {
	if len(ss) < 2 || to <= from {
		return 0, 0, 0, false
	}
	cum := make([]float64, len(ss))
	for i := 1; i < len(ss); i++ {
		a, b := ss[i-1], ss[i]
		var seg float64
		overlaps := b.TsNs > from && a.TsNs < to
		switch {
		case a.EnergyMJ != nil && b.EnergyMJ != nil && *b.EnergyMJ >= *a.EnergyMJ:
			seg = float64(*b.EnergyMJ-*a.EnergyMJ) / 1000
			if overlaps {
				counterSegs++
			}
		case a.PowerW != nil && b.PowerW != nil:
			seg = (*a.PowerW + *b.PowerW) / 2 * float64(b.TsNs-a.TsNs) / 1e9
			if overlaps {
				powerSegs++
			}
		}
		cum[i] = cum[i-1] + seg
	}
	at := func(t int64) float64 {
		if t <= ss[0].TsNs {
			return 0
		}
		n := len(ss) - 1
		if t >= ss[n].TsNs {
			return cum[n]
		}
		i := sort.Search(len(ss), func(i int) bool { return ss[i].TsNs >= t })
		a, b := ss[i-1], ss[i]
		frac := float64(t-a.TsNs) / float64(b.TsNs-a.TsNs)
		return cum[i-1] + frac*(cum[i]-cum[i-1])
	}
	if counterSegs+powerSegs == 0 {
		return 0, 0, 0, false
	}
	return at(to) - at(from), counterSegs, powerSegs, true
}

// EnergyPrice turns energy into money. Zero PUE means 1 (GPU board
// energy only).
type EnergyPrice struct {
	USDPerKWh float64
	PUE       float64
}

// Validate reports an electricity price outside 0 to 100 USD per kWh and
// a PUE outside 1 to 10 (NaN and infinities included).
func (p EnergyPrice) Validate() error {
	var errs []error
	if !(p.USDPerKWh >= 0 && p.USDPerKWh <= 100) {
		errs = append(errs, fmt.Errorf("--usd-per-kwh %v: want a price from 0 to 100 USD per kWh", p.USDPerKWh))
	}
	if !(p.PUE >= 1 && p.PUE <= 10) {
		errs = append(errs, fmt.Errorf("--pue %v: want a power usage effectiveness from 1 to 10", p.PUE))
	}
	return errors.Join(errs...)
}

// Energy is a run's energy in the units reports show.
type Energy struct {
	Joules float64 `json:"joules"`
	KWh    float64 `json:"kwh"`
	// JPerOutputToken and JPerRequest are 0 when there were no tokens or
	// requests.
	JPerOutputToken float64 `json:"j_per_output_token"`
	JPerRequest     float64 `json:"j_per_request"`
	// CostUSD = kWh * PUE * $/kWh.
	CostUSD float64 `json:"cost_usd"`
}

// EnergyOf converts a window's energy (GPU board only) into J/token,
// J/request, kWh and cost: kWh = J / 3.6e6.
func EnergyOf(joules float64, outputTokens, requests int64, price EnergyPrice) Energy {
	pue := price.PUE
	if pue <= 0 {
		pue = 1
	}
	e := Energy{Joules: joules, KWh: joules / 3.6e6}
	if outputTokens > 0 {
		e.JPerOutputToken = joules / float64(outputTokens)
	}
	if requests > 0 {
		e.JPerRequest = joules / float64(requests)
	}
	e.CostUSD = e.KWh * pue * price.USDPerKWh
	return e
}

// QueueStats summarises the server's waiting queue over a window: the
// signal that a single run was saturated.
type QueueStats struct {
	Samples int `json:"samples"`
	// Mean and max of the waiting queue (summed over the series of one
	// scrape, e.g. several engines).
	MeanWaiting float64 `json:"mean_waiting"`
	MaxWaiting  float64 `json:"max_waiting"`
	// QueuedFraction is the share of scrapes with anything waiting.
	QueuedFraction float64 `json:"queued_fraction"`
}

// Saturated says whether requests queued in most of the window.
func (q QueueStats) Saturated() bool { return q.Samples > 0 && q.QueuedFraction >= 0.5 }

// Queue computes QueueStats over [fromNs, toNs] from the canonical waiting
// series.
func Queue(server []results.ServerMetricSample, fromNs, toNs int64) QueueStats {
	type key struct {
		src string
		t   int64
	}
	sums := map[key]float64{}
	for _, r := range server {
		if r.Canonical == results.CanonWaiting && r.TsNs >= fromNs && r.TsNs <= toNs {
			sums[key{r.Source, r.TsNs}] += r.Value
		}
	}
	var q QueueStats
	for _, v := range sums {
		q.Samples++
		q.MeanWaiting += v
		q.MaxWaiting = math.Max(q.MaxWaiting, v)
		if v > 0 {
			q.QueuedFraction++
		}
	}
	if q.Samples > 0 {
		q.MeanWaiting /= float64(q.Samples)
		q.QueuedFraction /= float64(q.Samples)
	}
	return q
}

// SweepPoint is one load level of a sweep.
type SweepPoint struct {
	// Load is the offered load (rate or concurrency).
	Load float64
	// Throughput is what was served (requests/s or output tokens/s).
	Throughput float64
	// P50Latency is the median latency in any unit, the same for all points.
	P50Latency float64
	// Queue is the server's mean waiting queue (0 when unknown).
	Queue float64
}

// SweepVerdict is the saturation verdict of a sweep.
type SweepVerdict struct {
	Saturated bool
	// AtLoad is the knee: the last load before throughput flattened.
	AtLoad float64
	// Throughput is the highest throughput seen up to the knee's
	// successor (the capacity estimate).
	Throughput float64
	// Reason is one line for humans.
	Reason string
}

// Thresholds of SaturationVerdict.
const (
	// FlatGain: throughput "flattens" when it gains less than 10% of what
	// the load gained (capped at 10% absolute: for a doubling of load,
	// under +10% throughput).
	FlatGain = 0.10
	// RiseGain: latency "rises" when the median grows by more than 10%.
	RiseGain = 0.10
)

// SaturationVerdict reads a sweep, ordered by load: the server is
// saturated at load X when the step from X to the next load gains little
// throughput (< FlatGain x min(1, relative load step)) while median
// latency rises (> RiseGain) or the server queue grows. A flat step
// without rising latency or queue is not saturation (the client, the
// workload or a rate limit may cap throughput) and the reason says so.
func SaturationVerdict(points []SweepPoint) SweepVerdict {
	ps := append([]SweepPoint(nil), points...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Load < ps[j].Load })
	if len(ps) < 2 {
		return SweepVerdict{Reason: "a saturation verdict needs at least two load levels"}
	}
	best := ps[0].Throughput
	flatNote := ""
	for i := 1; i < len(ps); i++ {
		a, b := ps[i-1], ps[i]
		best = math.Max(best, b.Throughput)
		if a.Load <= 0 || a.Throughput <= 0 {
			continue
		}
		loadGain := b.Load/a.Load - 1
		if loadGain <= 0 {
			continue
		}
		thrGain := b.Throughput/a.Throughput - 1
		if thrGain >= FlatGain*math.Min(1, loadGain) {
			continue
		}
		latRise := a.P50Latency > 0 && b.P50Latency > a.P50Latency*(1+RiseGain)
		queueRise := b.Queue > a.Queue && b.Queue > 0
		if !latRise && !queueRise {
			if flatNote == "" {
				flatNote = fmt.Sprintf("; throughput flat from load %g to %g without rising latency or queue (client, workload or rate limit bound?)", a.Load, b.Load)
			}
			continue
		}
		var why string
		switch {
		case latRise && queueRise:
			why = fmt.Sprintf("p50 latency %+.0f%% and queue %g -> %g", pct(b.P50Latency, a.P50Latency), a.Queue, b.Queue)
		case latRise:
			why = fmt.Sprintf("p50 latency %+.0f%%", pct(b.P50Latency, a.P50Latency))
		default:
			why = fmt.Sprintf("queue %g -> %g", a.Queue, b.Queue)
		}
		return SweepVerdict{
			Saturated: true, AtLoad: a.Load, Throughput: best,
			Reason: fmt.Sprintf("saturated at %g: load %g -> %g (%+.0f%%) gained %+.1f%% throughput while %s",
				a.Load, a.Load, b.Load, loadGain*100, thrGain*100, why),
		}
	}
	last := ps[len(ps)-1]
	return SweepVerdict{Throughput: best, Reason: fmt.Sprintf("not saturated up to load %g%s", last.Load, flatNote)}
}

func pct(b, a float64) float64 { return (b/a - 1) * 100 }

// Saturation is what a run's telemetry says about the window of its
// measured requests.
type Saturation struct {
	// GPU is nil without GPU samples.
	GPU *GPUWindow `json:"gpu"`
	// Energy is nil without an energy measurement.
	Energy *Energy `json:"energy"`
	// Queue and KV come from the engine's /metrics (nil without them).
	Queue          *QueueStats `json:"queue"`
	MaxKVUsage     *float64    `json:"max_kv_usage"` // 0-1
	MaxRunning     *float64    `json:"max_running"`
	ServerSamples  int         `json:"server_samples"`
	GPUSampleCount int         `json:"gpu_samples"`
}

// saturationOf summarises run's telemetry over the summary's window.
func saturationOf(run *RunData, opt Options, s Summary) *Saturation {
	if len(run.GPU) == 0 && len(run.Server) == 0 {
		return nil
	}
	from, to := run.firstSent, run.lastDone
	if to <= from {
		return nil
	}
	sat := &Saturation{GPUSampleCount: len(run.GPU), ServerSamples: len(run.Server)}
	if len(run.GPU) > 0 {
		w := SummarizeGPU(run.GPU, from, to)
		sat.GPU = &w
		if w.EnergyJ != nil {
			e := EnergyOf(*w.EnergyJ, s.OutputTokens, s.Requests.OK, opt.Energy)
			sat.Energy = &e
		}
	}
	if len(run.Server) > 0 {
		q := Queue(run.Server, from, to)
		if q.Samples > 0 {
			sat.Queue = &q
		}
		for _, r := range run.Server {
			if r.TsNs < from || r.TsNs > to {
				continue
			}
			switch r.Canonical {
			case results.CanonKVUsage:
				if sat.MaxKVUsage == nil || r.Value > *sat.MaxKVUsage {
					sat.MaxKVUsage = results.F64(r.Value)
				}
			case results.CanonRunning:
				if sat.MaxRunning == nil || r.Value > *sat.MaxRunning {
					sat.MaxRunning = results.F64(r.Value)
				}
			}
		}
	}
	return sat
}
