package simgpu

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/telemetry"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func constLoad(running, waiting int, kv float64) LoadFunc {
	return func() (int, int, float64) { return running, waiting, kv }
}

// run reads a GPU under a constant load for 10 simulated seconds and
// returns the last sample and the energy used (J).
func run(load LoadFunc) (results.GPUSample, float64) {
	clk := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	g := New(Config{Now: clk.Now}, load)
	first := g.Samples()[0]
	for i := 0; i < 10; i++ {
		clk.Add(time.Second)
		g.Observe()
	}
	last := g.Samples()[0]
	return last, float64(*last.EnergyMJ-*first.EnergyMJ) / 1000
}

func TestBusierLoadMeansHigherUtilAndFasterEnergy(t *testing.T) {
	loads := []struct {
		name string
		load LoadFunc
	}{
		{"idle", constLoad(0, 0, 0)},
		{"one request", constLoad(1, 0, 0.02)},
		{"half batch", constLoad(32, 0, 0.4)},
		{"full batch, queueing", constLoad(64, 20, 0.95)},
	}
	var prev results.GPUSample
	var prevJ float64
	for i, l := range loads {
		s, joules := run(l.load)
		t.Logf("%-22s util %5.1f%%  sm %5.1f%%  power %5.1f W  mem %6d MiB  energy %7.1f J / 10 s",
			l.name, *s.UtilGPUPct, *s.SMActivePct, *s.PowerW, *s.MemUsedBytes>>20, joules)
		if want := *s.PowerW * 10; joules < want*0.99 || joules > want*1.01 {
			t.Errorf("%s: energy %.1f J over 10 s at %.1f W, want ~%.1f J (energy integrates power)", l.name, joules, *s.PowerW, want)
		}
		if i == 0 {
			if *s.UtilGPUPct != 0 || *s.SMActivePct != 0 {
				t.Errorf("idle GPU reads util %v, sm %v; want 0", *s.UtilGPUPct, *s.SMActivePct)
			}
		} else {
			if *s.UtilGPUPct < *prev.UtilGPUPct || *s.SMActivePct <= *prev.SMActivePct || *s.PowerW <= *prev.PowerW ||
				*s.MemUsedBytes <= *prev.MemUsedBytes || joules <= prevJ {
				t.Errorf("%s is busier than the load before it but reads util %v sm %v power %v mem %v energy %v (before: %v %v %v %v %v)",
					l.name, *s.UtilGPUPct, *s.SMActivePct, *s.PowerW, *s.MemUsedBytes, joules,
					*prev.UtilGPUPct, *prev.SMActivePct, *prev.PowerW, *prev.MemUsedBytes, prevJ)
			}
		}
		if *s.PowerW > *s.PowerLimitW {
			t.Errorf("%s: power %v above the limit %v", l.name, *s.PowerW, *s.PowerLimitW)
		}
		prev, prevJ = s, joules
	}
}

func TestEnergyFollowsLoadChanges(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	running := 0
	var mu sync.Mutex
	g := New(Config{Now: clk.Now}, func() (int, int, float64) { mu.Lock(); defer mu.Unlock(); return running, 0, 0.1 })
	e := func() int64 { return *g.Samples()[0].EnergyMJ }
	e0 := e()
	clk.Add(10 * time.Second)
	idle := e() - e0
	mu.Lock()
	running = 64
	mu.Unlock()
	g.Observe() // the load changed: integrate up to here
	e1 := e()
	clk.Add(10 * time.Second)
	busy := e() - e1
	if busy < 5*idle {
		t.Errorf("10 s at full batch used %d mJ, 10 s idle %d mJ; want a much faster counter under load", busy, idle)
	}
}

func TestEndpointServesDCGMText(t *testing.T) {
	g := New(Config{GPUs: 2}, constLoad(16, 3, 0.3))
	srv := httptest.NewServer(g)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	rows, err := telemetry.ParseText(body, srv.URL)
	if err != nil {
		t.Fatalf("not Prometheus text: %v\n%s", err, body)
	}
	gpus := telemetry.GPUFromDCGM(rows)
	if len(gpus) != 2 {
		t.Fatalf("%d GPUs, want 2", len(gpus))
	}
	for _, s := range gpus {
		if s.Source != results.GPUSourceSim || s.SMActivePct == nil || s.EnergyMJ == nil || s.PowerW == nil || s.MemTotalBytes == nil {
			t.Errorf("simulated GPU row incomplete: %+v", s)
		}
	}
	for _, name := range []string{telemetry.DCGMGPUUtil, telemetry.DCGMSMActive, telemetry.DCGMFBUsed, telemetry.DCGMPowerUsage, telemetry.DCGMTotalEnergy} {
		found := false
		for _, r := range rows {
			found = found || r.Name == name
		}
		if !found {
			t.Errorf("%s not served", name)
		}
	}
}
