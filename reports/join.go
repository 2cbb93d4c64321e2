package reports

import (
	"fmt"
	"math"
	"sort"

	"github.com/inferbench/inferbench/results"
)

// The join of telemetry onto requests: what the server and the GPUs were
// doing while each request was in flight, and when it was sent. Every
// series (one engine's label set, one GPU) is read as sample-and-hold:
// the state at a time is its last sample at or before it, so a request
// shorter than the sampling interval still gets the state it ran in.

// RequestLoad is what the server and GPUs looked like while one request
// was in flight ([sent, done]) and when it was sent. A nil field was not
// observed (no such series, or no sample yet).
type RequestLoad struct {
	RequestIndex int64
	// MaxRunning, MaxWaiting and MaxKVUsage come from the server's
	// canonical series (max over engines when a URL exposes several),
	// over [sent, done].
	MaxRunning *float64
	MaxWaiting *float64
	MaxKVUsage *float64
	// MaxGPUUtilPct and MaxSMActivePct are over all GPUs.
	MaxGPUUtilPct  *float64
	MaxSMActivePct *float64
	// RunningAtSend, WaitingAtSend, KVUsageAtSend and GPUUtilPctAtSend
	// are the state when the request was sent (max over engines or GPUs).
	RunningAtSend    *float64
	WaitingAtSend    *float64
	KVUsageAtSend    *float64
	GPUUtilPctAtSend *float64
}

// Joiner joins one run's telemetry onto its requests. Build it once
// (NewJoiner) and ask it per request; it is safe for concurrent reads.
type Joiner struct {
	running, waiting, kv []series
	util, sm             []series
}

// NewJoiner indexes a run's GPU and server samples by series.
func NewJoiner(gpu []results.GPUSample, server []results.ServerMetricSample) *Joiner {
	idx := map[string]int{}
	groups := map[string][]series{}
	for _, r := range server {
		switch r.Canonical {
		case results.CanonRunning, results.CanonWaiting, results.CanonKVUsage:
		default:
			continue
		}
		key := r.Canonical + "\x00" + r.Source + "\x00" + r.Labels
		i, ok := idx[key]
		if !ok {
			i = len(groups[r.Canonical])
			idx[key] = i
			groups[r.Canonical] = append(groups[r.Canonical], nil)
		}
		groups[r.Canonical][i] = append(groups[r.Canonical][i], point{r.TsNs, r.Value})
	}
	for _, ss := range groups {
		for _, s := range ss {
			sortSeries(s)
		}
	}
	return &Joiner{
		running: groups[results.CanonRunning], waiting: groups[results.CanonWaiting], kv: groups[results.CanonKVUsage],
		util: gpuSeries(gpu, func(s *results.GPUSample) *float64 { return s.UtilGPUPct }),
		sm:   gpuSeries(gpu, func(s *results.GPUSample) *float64 { return s.SMActivePct }),
	}
}

// Request is the state a request sent at sent and done at done met.
func (j *Joiner) Request(index, sent, done int64) RequestLoad {
	from, to := sent, max(done, sent)
	return RequestLoad{
		RequestIndex:     index,
		MaxRunning:       maxAll(j.running, from, to),
		MaxWaiting:       maxAll(j.waiting, from, to),
		MaxKVUsage:       maxAll(j.kv, from, to),
		MaxGPUUtilPct:    maxAll(j.util, from, to),
		MaxSMActivePct:   maxAll(j.sm, from, to),
		RunningAtSend:    atAll(j.running, sent),
		WaitingAtSend:    atAll(j.waiting, sent),
		KVUsageAtSend:    atAll(j.kv, sent),
		GPUUtilPctAtSend: atAll(j.util, sent),
	}
}

// JoinRequests gives each request the maximum queue depth, batch
// occupancy, KV usage, GPU utilisation and SM activity observed during
// [sent_ns, done_ns], and the state when it was sent, in the order of
// reqs.
func JoinRequests(reqs []results.Record, gpu []results.GPUSample, server []results.ServerMetricSample) []RequestLoad {
	j := NewJoiner(gpu, server)
	out := make([]RequestLoad, len(reqs))
	for i := range reqs {
		r := &reqs[i]
		out[i] = j.Request(r.RequestIndex, r.SentNs, r.DoneNs)
	}
	return out
}

func sortSeries(s series) {
	sort.SliceStable(s, func(i, j int) bool { return s[i].t < s[j].t })
}

// gpuKey identifies one GPU across samples.
func gpuKey(s *results.GPUSample) string {
	return s.Source + "\x00" + s.SourceURL + "\x00" + s.Host + "\x00" + s.GPUUUID + fmt.Sprintf("\x00%d", s.GPUIndex)
}

// gpuSeries splits one optional GPU field into one series per GPU.
func gpuSeries(gpu []results.GPUSample, field func(*results.GPUSample) *float64) []series {
	idx := map[string]int{}
	var out []series
	for i := range gpu {
		s := &gpu[i]
		v := field(s)
		if v == nil {
			continue
		}
		k := gpuKey(s)
		j, ok := idx[k]
		if !ok {
			j = len(out)
			idx[k] = j
			out = append(out, nil)
		}
		out[j] = append(out[j], point{s.TsNs, *v})
	}
	for _, s := range out {
		sortSeries(s)
	}
	return out
}

func maxAll(ss []series, from, to int64) *float64 {
	var best *float64
	for _, s := range ss {
		if v, ok := s.maxOver(from, to); ok && (best == nil || v > *best) {
			best = &v
		}
	}
	return best
}

// atAll is the largest of the series' values at t (nil when none has a
// sample at or before t).
func atAll(ss []series, t int64) *float64 {
	var best *float64
	for _, s := range ss {
		if i := s.at(t); i >= 0 && (best == nil || s[i].v > *best) {
			v := s[i].v
			best = &v
		}
	}
	return best
}

// ServerState is the latency a run's requests met against the server
// state when they were sent: the engine's waiting queue and KV-cache
// usage (read from its /metrics as sample-and-hold, max over engines).
// It says whether requests queued and how much that cost them.
type ServerState struct {
	// Requests counts the measured requests sent after the first sample
	// of the waiting queue; Waited those of them sent while requests were
	// waiting in the engine's queue (so they waited too).
	Requests int64
	Waited   int64
	// ByQueue is TTFT by the queue depth at send, ByKV by the KV-cache
	// usage at send; bands without requests are left out.
	ByQueue []StateBand
	ByKV    []StateBand
}

// StateBand is the TTFT of the ok requests sent in one band of server
// state.
type StateBand struct {
	// Band names it: "0", "1", "2-3", "4-7", ... waiting; "<25%",
	// "25-50%", "50-75%", "75-90%", ">=90%" KV usage.
	Band     string
	Requests int
	// TTFTP50Ns and TTFTP95Ns are nearest-rank.
	TTFTP50Ns, TTFTP95Ns int64
}

// queueBands are upper bounds (exclusive) of the waiting-queue bands:
// 0, 1, 2-3, 4-7, 8-15, 16-31, 32-63, 64+.
var queueBands = []struct {
	name string
	upTo float64
}{{"0", 1}, {"1", 2}, {"2-3", 4}, {"4-7", 8}, {"8-15", 16}, {"16-31", 32}, {"32-63", 64}, {"64+", math.Inf(1)}}

// kvBands are upper bounds (exclusive) of the KV-usage bands, 0-1.
var kvBands = []struct {
	name string
	upTo float64
}{{"<25%", 0.25}, {"25-50%", 0.5}, {"50-75%", 0.75}, {"75-90%", 0.9}, {">=90%", math.Inf(1)}}

// serverStateOf joins the run's server telemetry onto its requests at
// send; nil when the run has no waiting-queue or KV series.
func serverStateOf(run *RunData) *ServerState {
	j := NewJoiner(nil, run.Server)
	if len(j.waiting) == 0 && len(j.kv) == 0 {
		return nil
	}
	st := &ServerState{}
	byQ := make([][]int64, len(queueBands))
	byKV := make([][]int64, len(kvBands))
	band := func(v float64, bands []struct {
		name string
		upTo float64
	}) int {
		for i, b := range bands {
			if v < b.upTo {
				return i
			}
		}
		return len(bands) - 1
	}
	count := func(sent int64) {
		if w := atAll(j.waiting, sent); w != nil {
			st.Requests++
			if *w > 0 {
				st.Waited++
			}
		}
	}
	for _, b := range run.blocks {
		for _, sent := range b.failSent {
			count(sent)
		}
		for i, sent := range b.sent {
			count(sent)
			ttft := b.ttft[i]
			if ttft == 0 {
				continue
			}
			if w := atAll(j.waiting, sent); w != nil {
				k := band(*w, queueBands)
				byQ[k] = append(byQ[k], ttft)
			}
			if kv := atAll(j.kv, sent); kv != nil {
				k := band(*kv, kvBands)
				byKV[k] = append(byKV[k], ttft)
			}
		}
	}
	bands := func(vals [][]int64, names func(i int) string) []StateBand {
		var out []StateBand
		for i, v := range vals {
			if len(v) == 0 {
				continue
			}
			radixSort(v)
			out = append(out, StateBand{Band: names(i), Requests: len(v),
				TTFTP50Ns: Percentile(v, 50), TTFTP95Ns: Percentile(v, 95)})
		}
		return out
	}
	st.ByQueue = bands(byQ, func(i int) string { return queueBands[i].name })
	st.ByKV = bands(byKV, func(i int) string { return kvBands[i].name })
	return st
}
