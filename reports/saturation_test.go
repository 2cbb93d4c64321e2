package reports

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/results"
)

const sec = int64(1e9)

func srv(t int64, canon string, v float64, labels string) results.ServerMetricSample {
	return results.ServerMetricSample{TsNs: t, Source: "u", Name: canon, Canonical: canon, Labels: labels, Value: v}
}

func gs(t int64, uuid string, util, sm float64) results.GPUSample {
	return results.GPUSample{TsNs: t, GPUUUID: uuid, UtilGPUPct: results.F64(util), SMActivePct: results.F64(sm)}
}

func pv(p *float64) string {
	if p == nil {
		return "nil"
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func TestJoinRequests(t *testing.T) {
	server := []results.ServerMetricSample{
		srv(1*sec, results.CanonWaiting, 0, `{"engine":"0"}`),
		srv(2*sec, results.CanonWaiting, 5, `{"engine":"0"}`),
		srv(3*sec, results.CanonWaiting, 2, `{"engine":"0"}`),
		srv(1*sec, results.CanonWaiting, 1, `{"engine":"1"}`), // a second engine: max over engines
		srv(4*sec, results.CanonWaiting, 0, `{"engine":"1"}`),
		srv(1*sec, results.CanonRunning, 4, `{}`),
		srv(3*sec, results.CanonRunning, 9, `{}`),
		srv(2*sec, results.CanonKVUsage, 0.5, `{}`),
		{TsNs: 2 * sec, Name: "vllm:e2e_request_latency_seconds_count", Value: 99}, // not a saturation signal
	}
	gpu := []results.GPUSample{
		gs(1*sec, "A", 10, 5), gs(2*sec, "A", 100, 40), gs(3*sec, "A", 50, 20),
		gs(2*sec, "B", 30, 60),
		{TsNs: 3 * sec, GPUUUID: "C"}, // no util: ignored
	}
	tests := []struct {
		name                              string
		sent, done                        int64
		running, waiting, kv, util, smact string
	}{
		// Before any sample: nothing observed.
		{"before telemetry", sec / 2, sec / 2, "nil", "nil", "nil", "nil", "nil"},
		// Short request between samples: the state held since the last
		// sample (sample-and-hold).
		{"between samples", 1*sec + 100, 1*sec + 200, "4", "1", "nil", "10", "5"},
		{"spans the queue peak", 1*sec + 1, 2*sec + 1, "4", "5", "0.5", "100", "60"},
		{"late", 3*sec + 1, 9 * sec, "9", "2", "0.5", "50", "60"},
		{"exactly on a sample", 2 * sec, 2 * sec, "4", "5", "0.5", "100", "60"},
		{"done before sent is clamped", 3 * sec, 1, "9", "2", "0.5", "50", "60"},
	}
	var reqs []results.Record
	for i, tc := range tests {
		reqs = append(reqs, results.Record{RequestIndex: int64(i), SentNs: tc.sent, DoneNs: tc.done})
	}
	got := JoinRequests(reqs, gpu, server)
	if len(got) != len(tests) {
		t.Fatalf("%d rows", len(got))
	}
	for i, tc := range tests {
		g := got[i]
		if g.RequestIndex != int64(i) {
			t.Errorf("%s: request index %d", tc.name, g.RequestIndex)
		}
		for _, c := range []struct{ what, got, want string }{
			{"running", pv(g.MaxRunning), tc.running}, {"waiting", pv(g.MaxWaiting), tc.waiting},
			{"kv", pv(g.MaxKVUsage), tc.kv}, {"util", pv(g.MaxGPUUtilPct), tc.util}, {"sm", pv(g.MaxSMActivePct), tc.smact},
		} {
			if c.got != c.want {
				t.Errorf("%s: max %s = %s, want %s", tc.name, c.what, c.got, c.want)
			}
		}
	}
}

func energySample(t int64, uuid string, mj *int64, w float64, mem int64) results.GPUSample {
	return results.GPUSample{TsNs: t, GPUUUID: uuid, EnergyMJ: mj, PowerW: results.F64(w),
		UtilGPUPct: results.F64(w / 10), SMActivePct: results.F64(w / 20), MemUsedBytes: results.I64(mem), MemTotalBytes: results.I64(100)}
}

func TestSummarizeGPU(t *testing.T) {
	// GPU A: 400 W steady, counter +400 J per second.
	// GPU B: no counter, 100 W then 300 W (power integral).
	var a, b []results.GPUSample
	for i := int64(0); i <= 10; i++ {
		a = append(a, energySample(i*sec, "A", results.I64(5_000_000+i*400_000), 400, 10+i))
		w := 100.0
		if i >= 5 {
			w = 300
		}
		b = append(b, energySample(i*sec, "B", nil, w, 50))
	}
	reset := append([]results.GPUSample(nil), a...)
	reset[6].EnergyMJ = results.I64(1000) // driver reload: the counter restarts
	for i := 7; i <= 10; i++ {
		reset[i].EnergyMJ = results.I64(1000 + int64(i-6)*400_000)
	}
	tests := []struct {
		name     string
		samples  []results.GPUSample
		from, to int64
		energyJ  float64
		source   string
		power    float64
		gpus     int
		memHW    int64
	}{
		{"counter, whole window", a, 0, 10 * sec, 4000, "counter", 400, 1, 20},
		{"counter, window between samples (interpolated)", a, sec / 2, 2*sec + sec/2, 800, "counter", 400, 1, 12},
		{"power integral without counter", b, 0, 10 * sec, 100*4 + 200 + 300*5, "power", (100*5 + 300*6) / 11.0, 1, 50},
		{"two GPUs add up", append(append([]results.GPUSample(nil), a...), b...), 0, 10 * sec, 4000 + 2100, "mixed", 400 + (100*5+300*6)/11.0, 2, 50},
		{"counter reset falls back to power for that step", reset, 0, 10 * sec, 4000, "mixed", 400, 1, 20},
		{"window beyond the samples is clamped", a, -5 * sec, 20 * sec, 4000, "counter", 400, 1, 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := SummarizeGPU(tc.samples, tc.from, tc.to)
			if w.EnergyJ == nil || math.Abs(*w.EnergyJ-tc.energyJ) > 1e-6 {
				t.Errorf("energy = %s J, want %v", pv(w.EnergyJ), tc.energyJ)
			}
			if w.EnergySource != tc.source {
				t.Errorf("energy source = %q, want %q", w.EnergySource, tc.source)
			}
			if w.MeanPowerW == nil || math.Abs(*w.MeanPowerW-tc.power) > 1e-9 {
				t.Errorf("mean power = %s, want %v", pv(w.MeanPowerW), tc.power)
			}
			if w.GPUs != tc.gpus {
				t.Errorf("GPUs = %d, want %d", w.GPUs, tc.gpus)
			}
			if w.MemHighWaterBytes == nil || *w.MemHighWaterBytes != tc.memHW || *w.MemTotalBytes != 100 {
				t.Errorf("memory high water = %v, want %d", w.MemHighWaterBytes, tc.memHW)
			}
		})
	}
	w := SummarizeGPU(a, 0, 10*sec)
	if *w.MeanUtilPct != 40 || *w.MaxUtilPct != 40 || *w.MeanSMActivePct != 20 || w.Samples != 11 {
		t.Errorf("util/sm = %s/%s/%s, samples %d", pv(w.MeanUtilPct), pv(w.MaxUtilPct), pv(w.MeanSMActivePct), w.Samples)
	}
	empty := SummarizeGPU(nil, 0, sec)
	if empty.EnergyJ != nil || empty.MeanUtilPct != nil || empty.MeanPowerW != nil || empty.GPUs != 0 {
		t.Errorf("no samples must give nils: %+v", empty)
	}
}

func TestEnergyOf(t *testing.T) {
	tests := []struct {
		name            string
		j               float64
		tokens, reqs    int64
		price           EnergyPrice
		jTok, jReq, kwh float64
		cost            float64
	}{
		// silybench H100 point (saturation_and_cost.md 6.4): 22.24 output
		// tok/J -> 1e6/22.24 = 44,964 J per 1M tokens (the note prints
		// 44,956) = 0.01249 kWh; at 0.12 $/kWh: $0.0015.
		{"silybench 1M tokens", 1e6 / 22.24, 1_000_000, 1000, EnergyPrice{USDPerKWh: 0.12}, 1 / 22.24, 1e3 / 22.24, 0.01249, 0.0014988},
		{"PUE applies to cost", 3.6e6, 100, 0, EnergyPrice{USDPerKWh: 0.2, PUE: 1.5}, 36000, 0, 1, 0.3},
		{"no tokens, no divide by zero", 10, 0, 0, EnergyPrice{}, 0, 0, 10 / 3.6e6, 0},
	}
	for _, tc := range tests {
		e := EnergyOf(tc.j, tc.tokens, tc.reqs, tc.price)
		near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }
		if !near(e.JPerOutputToken, tc.jTok) || !near(e.JPerRequest, tc.jReq) || math.Abs(e.KWh-tc.kwh) > 1e-6 || math.Abs(e.CostUSD-tc.cost) > 1e-6 {
			t.Errorf("%s: %+v, want J/tok %v J/req %v kWh %v $ %v", tc.name, e, tc.jTok, tc.jReq, tc.kwh, tc.cost)
		}
	}
}

func TestQueue(t *testing.T) {
	rows := []results.ServerMetricSample{
		srv(1*sec, results.CanonWaiting, 0, `{"engine":"0"}`),
		srv(1*sec, results.CanonWaiting, 2, `{"engine":"1"}`), // same scrape: summed
		srv(2*sec, results.CanonWaiting, 4, `{"engine":"0"}`),
		srv(3*sec, results.CanonWaiting, 0, `{"engine":"0"}`),
		srv(9*sec, results.CanonWaiting, 50, `{"engine":"0"}`), // outside the window
		srv(2*sec, results.CanonRunning, 7, `{}`),
	}
	q := Queue(rows, 0, 5*sec)
	if q.Samples != 3 || q.MaxWaiting != 4 || q.MeanWaiting != 2 || math.Abs(q.QueuedFraction-2.0/3) > 1e-9 || !q.Saturated() {
		t.Errorf("Queue = %+v", q)
	}
	if (QueueStats{}).Saturated() {
		t.Error("no samples is not saturated")
	}
}

func TestSaturationVerdict(t *testing.T) {
	tests := []struct {
		name      string
		points    []SweepPoint
		saturated bool
		at        float64
		reason    string
	}{
		{"knee at 16", []SweepPoint{
			{1, 10, 1.0, 0}, {2, 19, 1.0, 0}, {4, 37, 1.1, 0}, {8, 70, 1.2, 0}, {16, 120, 1.5, 0},
			{32, 126, 2.9, 14}, {64, 127, 5.8, 46},
		}, true, 16, "saturated at 16: load 16 -> 32"},
		{"unordered input is sorted", []SweepPoint{
			{32, 126, 2.9, 14}, {8, 70, 1.2, 0}, {16, 120, 1.5, 0},
		}, true, 16, "saturated at 16"},
		{"queue alone signals it", []SweepPoint{{10, 100, 1, 0}, {20, 104, 1.02, 3}}, true, 10, "queue 0 -> 3"},
		{"still scaling", []SweepPoint{{1, 10, 1, 0}, {2, 20, 1, 0}, {4, 39, 1.05, 0}}, false, 0, "not saturated up to load 4"},
		{"flat but latency steady: not the server", []SweepPoint{{10, 100, 1, 0}, {20, 101, 1, 0}},
			false, 0, "without rising latency or queue"},
		{"small load step: proportional threshold", []SweepPoint{{100, 100, 1, 0}, {105, 104.8, 1.2, 0}},
			false, 0, "not saturated"},
		{"throughput collapses", []SweepPoint{{8, 80, 1, 0}, {16, 60, 4, 30}}, true, 8, "-25.0% throughput"},
		{"one point", []SweepPoint{{8, 80, 1, 0}}, false, 0, "at least two load levels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := SaturationVerdict(tc.points)
			if v.Saturated != tc.saturated || v.AtLoad != tc.at || !strings.Contains(v.Reason, tc.reason) {
				t.Errorf("verdict = %+v, want saturated=%v at %v with %q", v, tc.saturated, tc.at, tc.reason)
			}
		})
	}
	v := SaturationVerdict([]SweepPoint{{16, 120, 1.5, 0}, {32, 126, 2.9, 14}, {64, 127, 5.8, 46}})
	if v.Throughput != 126 {
		t.Errorf("capacity = %v, want the best throughput up to the step that flattened (126)", v.Throughput)
	}
}

// TestSummarizeSaturation: a run with telemetry gets GPU, energy and queue
// figures over its window (reports/render's TestTextEnergy shows them).
func TestSummarizeSaturation(t *testing.T) {
	run := NewRunData("", nil)
	for i := range 4 {
		run.Add(&results.Record{RunID: "r", Target: "t", Status: results.StatusOK, SentNs: int64(i+1) * 1e9,
			FirstTokenNs: int64(i+1)*1e9 + 1e8, LastTokenNs: int64(i+2) * 1e9, DoneNs: int64(i+2) * 1e9, OutputTokens: 100})
	}
	// One GPU from 0 to 6 s: 400 W, the energy counter rising 400 J/s.
	for s := int64(0); s <= 6; s++ {
		run.GPU = append(run.GPU, results.GPUSample{GPUUUID: "GPU-1", TsNs: s * 1e9,
			UtilGPUPct: results.F64(float64(50 + s)), PowerW: results.F64(400), EnergyMJ: results.I64(s * 400e3)})
		run.Server = append(run.Server, results.ServerMetricSample{Source: "u", TsNs: s * 1e9, Canonical: results.CanonWaiting, Value: float64(s % 2)})
	}
	s := Summarize(run, Options{Energy: EnergyPrice{USDPerKWh: 0.36}})
	sat := s.Saturation
	if sat == nil || sat.GPU == nil || sat.Energy == nil || sat.Queue == nil {
		t.Fatalf("saturation %+v", sat)
	}
	// Window 1 s .. 5 s: 4 s x 400 W = 1600 J over 400 output tokens.
	if sat.Energy.Joules != 1600 || sat.Energy.JPerOutputToken != 4 || sat.Energy.JPerRequest != 400 {
		t.Errorf("energy %+v", *sat.Energy)
	}
	// 1600 J = 1600/3.6e6 kWh; at $0.36/kWh that is $0.00016.
	if d := sat.Energy.CostUSD - 0.00016; d > 1e-12 || d < -1e-12 {
		t.Errorf("energy cost %v", sat.Energy.CostUSD)
	}
	if *sat.GPU.MaxUtilPct != 55 || sat.Queue.MaxWaiting != 1 {
		t.Errorf("gpu %+v queue %+v", *sat.GPU, *sat.Queue)
	}
}
