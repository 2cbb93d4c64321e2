package simgpu_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/telemetry"
	"github.com/inferbench/inferbench/telemetry/simgpu"
)

// engine is a stand-in for the simulated engine: a load that the test
// switches, exposed both as vLLM /metrics and through the simulated GPU.
type engine struct {
	mu               sync.Mutex
	running, waiting int
	kv               float64
	scrapes          int
}

// waitScrapes waits until the engine has been scraped n more times, so the
// test follows the sampler and not the wall clock (this machine is slow and
// shared).
func (e *engine) waitScrapes(t *testing.T, n int) {
	t.Helper()
	e.mu.Lock()
	target := e.scrapes + n
	e.mu.Unlock()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		e.mu.Lock()
		done := e.scrapes >= target
		e.mu.Unlock()
		if done {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the engine was not scraped %d more times in 20s", n)
}

func (e *engine) set(r, w int, kv float64) {
	e.mu.Lock()
	e.running, e.waiting, e.kv = r, w, kv
	e.mu.Unlock()
}

func (e *engine) load() (int, int, float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.running, e.waiting, e.kv
}

func (e *engine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	run, wait, kv := e.load()
	defer func() { e.mu.Lock(); e.scrapes++; e.mu.Unlock() }()
	fmt.Fprintf(w, "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name=\"sim\"} %d\n", run)
	fmt.Fprintf(w, "# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{model_name=\"sim\"} %d\n", wait)
	fmt.Fprintf(w, "# TYPE vllm:kv_cache_usage_perc gauge\nvllm:kv_cache_usage_perc{model_name=\"sim\"} %g\n", kv)
}

// End to end: simulated GPU and engine metrics scraped by a telemetry
// Session into Parquet; the rows follow the load, and the energy window
// gives J per output token.
func TestSessionAgainstSimulatedGPU(t *testing.T) {
	eng := &engine{}
	eng.set(1, 0, 0.05)
	gpu := simgpu.New(simgpu.Config{GPUs: 2}, eng.load)
	mux := http.NewServeMux()
	mux.Handle("/gpu/metrics", gpu)
	mux.Handle("/metrics", eng)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir := t.TempDir()
	clock := results.NewClock(time.Now())
	var logs []string
	var logMu sync.Mutex
	sess, err := telemetry.Start(context.Background(), telemetry.Config{
		GPUMetricsURL: srv.URL + "/gpu/metrics", ServerMetricsURL: srv.URL + "/metrics",
		Interval: 20 * time.Millisecond, RunDir: dir, RunID: "e2e", Clock: clock,
		Log: func(s string) { logMu.Lock(); logs = append(logs, s); logMu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	eng.waitScrapes(t, 6)
	lightEnd := clock.Now()
	eng.set(60, 12, 0.9)
	// A scrape in flight during the switch may carry the old values with a
	// later timestamp: leave a gap of a few scrapes between the halves.
	eng.waitScrapes(t, 3)
	busyStart := clock.Now()
	eng.waitScrapes(t, 6)
	endNs := clock.Now()
	st, err := sess.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Files) != 2 || st.GPURows == 0 || st.ServerRows == 0 {
		t.Fatalf("stats = %+v", st)
	}
	for _, s := range st.Samplers {
		if s.Failures != 0 {
			t.Errorf("%s failed: %+v (logs %q)", s.Name, s, logs)
		}
	}

	rows, err := results.ReadGPU(dir)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(rows)) != st.GPURows {
		t.Fatalf("gpu.parquet has %d rows, stats say %d", len(rows), st.GPURows)
	}
	for _, r := range rows {
		if r.Source != results.GPUSourceSim || r.RunID != "e2e" || r.TsNs <= 0 {
			t.Fatalf("row %+v", r)
		}
	}
	light := reports.SummarizeGPU(rows, 0, lightEnd)
	busy := reports.SummarizeGPU(rows, busyStart, endNs)
	if light.MeanUtilPct == nil || busy.MeanUtilPct == nil || light.MemHighWaterBytes == nil || busy.MemHighWaterBytes == nil {
		t.Fatalf("a half has no GPU samples: light %+v busy %+v", light, busy)
	}
	t.Logf("light: util %.0f%% sm %.0f%% power %.0f W; busy: util %.0f%% sm %.0f%% power %.0f W",
		*light.MeanUtilPct, *light.MeanSMActivePct, *light.MeanPowerW, *busy.MeanUtilPct, *busy.MeanSMActivePct, *busy.MeanPowerW)
	if light.GPUs != 2 || busy.GPUs != 2 {
		t.Errorf("GPUs light %d busy %d, want 2", light.GPUs, busy.GPUs)
	}
	if *busy.MeanUtilPct <= *light.MeanUtilPct || *busy.MeanSMActivePct <= *light.MeanSMActivePct || *busy.MeanPowerW <= *light.MeanPowerW {
		t.Errorf("the busier half must read busier")
	}
	if *busy.MemHighWaterBytes <= *light.MemHighWaterBytes {
		t.Errorf("memory high water busy %d <= light %d", *busy.MemHighWaterBytes, *light.MemHighWaterBytes)
	}
	whole := reports.SummarizeGPU(rows, 0, endNs)
	if whole.EnergyJ == nil || *whole.EnergyJ <= 0 || whole.EnergySource != "counter" {
		t.Fatalf("energy = %+v", whole)
	}
	e := reports.EnergyOf(*whole.EnergyJ, 1000, 10, reports.EnergyPrice{USDPerKWh: 0.12})
	if e.JPerOutputToken <= 0 || e.KWh <= 0 || e.CostUSD <= 0 {
		t.Errorf("energy per token = %+v", e)
	}

	server, err := results.ReadServerMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	q := reports.Queue(server, busyStart, endNs)
	if q.MaxWaiting != 12 || !q.Saturated() {
		t.Errorf("queue in the busy half = %+v, want waiting 12", q)
	}
	if reports.Queue(server, 0, lightEnd).MaxWaiting != 0 {
		t.Errorf("queue in the light half must be 0")
	}
	reqs := []results.Record{{RequestIndex: 0, SentNs: 1, DoneNs: lightEnd}, {RequestIndex: 1, SentNs: busyStart, DoneNs: endNs}}
	j := reports.JoinRequests(reqs, rows, server)
	if j[0].MaxWaiting == nil || j[1].MaxWaiting == nil || j[1].MaxKVUsage == nil || j[0].MaxSMActivePct == nil || j[1].MaxSMActivePct == nil {
		t.Fatalf("joined values missing: %+v / %+v", j[0], j[1])
	}
	if *j[0].MaxWaiting != 0 || *j[1].MaxWaiting != 12 || *j[1].MaxKVUsage != 0.9 || *j[1].MaxSMActivePct <= *j[0].MaxSMActivePct {
		t.Errorf("joined = %+v / %+v", j[0], j[1])
	}
	// The GPU endpoint's raw series are kept too.
	dcgm := 0
	for _, r := range server {
		if telemetry.IsDCGM(r.Name) {
			dcgm++
		}
	}
	if dcgm == 0 {
		t.Error("raw DCGM series missing from server_metrics.parquet")
	}
}
