// Package simgpu is a simulated NVIDIA GPU behind a DCGM-exporter-style
// /metrics endpoint. Its utilisation, SM activity, memory, power and energy
// follow the load of a simulated inference engine, so the whole telemetry
// path (scrape, gpu.parquet, joins, J/token) runs without a GPU, in tests,
// CI and the demo. Every series carries the label inferbench_simulated="1",
// so its rows get source "sim" and reports say they are simulated.
package simgpu

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/telemetry"
)

// LoadFunc reports the engine's load now: requests in the running batch,
// requests queued, and KV-cache usage (0-1). The simulator provides it.
type LoadFunc func() (running, waiting int, kvUsage float64)

// Config shapes the simulated GPU. Zero values mean the defaults, which
// follow an H100 SXM serving an 8B model with vLLM (power figures from the
// silybench measurements in shared/data/saturation_and_cost.md section 6.1:
// ~390-400 W at one user, ~680 W near saturation).
type Config struct {
	// GPUs is the number of GPUs (tensor parallel: all see the same load).
	GPUs int
	Name string // default "NVIDIA H100 80GB HBM3"
	Host string // default "sim"
	// MaxBatch is the running-batch size at which the SMs are fully busy
	// (default 64).
	MaxBatch    int
	MemTotalMiB int64 // default 81559
	WeightsMiB  int64 // default 16384 (weights + CUDA context)
	// KVPoolMiB is the KV cache at 100% usage (default 90% of the memory
	// minus the weights).
	KVPoolMiB int64
	// Power: IdleW with nothing running, BusyW with one request running,
	// PeakW with a full batch; LimitW is the board limit.
	IdleW, BusyW, PeakW, LimitW float64
	// StartEnergyMJ is the energy counter at start (the real one counts
	// since the driver loaded; default 1e9 mJ).
	StartEnergyMJ float64
	// Now is the clock (default time.Now); tests pass a fake one.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.GPUs <= 0 {
		c.GPUs = 1
	}
	if c.Name == "" {
		c.Name = "NVIDIA H100 80GB HBM3"
	}
	if c.Host == "" {
		c.Host = "sim"
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = 64
	}
	if c.MemTotalMiB <= 0 {
		c.MemTotalMiB = 81559
	}
	if c.WeightsMiB <= 0 {
		c.WeightsMiB = 16384
	}
	if c.KVPoolMiB <= 0 {
		c.KVPoolMiB = c.MemTotalMiB*9/10 - c.WeightsMiB
	}
	if c.IdleW <= 0 {
		c.IdleW = 75
	}
	if c.BusyW <= 0 {
		c.BusyW = 390
	}
	if c.PeakW <= 0 {
		c.PeakW = 680
	}
	if c.LimitW <= 0 {
		c.LimitW = 700
	}
	if c.StartEnergyMJ <= 0 {
		c.StartEnergyMJ = 1e9
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// GPU is the simulated GPU. It is an http.Handler serving DCGM exporter
// text; safe for concurrent use.
type GPU struct {
	cfg  Config
	load LoadFunc

	mu       sync.Mutex
	last     time.Time
	lastW    float64
	energyMJ float64 // integral of power since start (mJ), shared by all GPUs' shape
}

// New returns a simulated GPU whose readings follow load.
func New(cfg Config, load LoadFunc) *GPU {
	cfg = cfg.withDefaults()
	if load == nil {
		load = func() (int, int, float64) { return 0, 0, 0 }
	}
	g := &GPU{cfg: cfg, load: load, last: cfg.Now(), lastW: cfg.IdleW}
	return g
}

// Reading is the simulated state at one instant, the pure function of load
// that the endpoint reports. With o = min(1, running/MaxBatch) and
// busy = running > 0:
//
//	util_gpu   = busy ? min(100, 60 + 160*o) : 0    (kernel duty cycle: saturates early)
//	sm_active  = busy ? 15 + 75*o : 0               (% of SM cycles with a warp)
//	tensor     = 0.45 * sm_active                   (decode is not tensor-bound)
//	dram       = busy ? 35 + 55*o : 0               (decode streams weights and KV)
//	mem_used   = weights + (busy ? 512 MiB : 0) + kv_usage * kv_pool
//	power      = busy ? BusyW + (PeakW - BusyW)*o : IdleW
//	temp       = 30 + 45 * power/limit
//
// Queued requests (waiting) hold no GPU work, so they change nothing.
type Reading struct {
	UtilPct, SMActivePct, TensorPct, DRAMPct float64
	MemUsedMiB                               int64
	PowerW, TempC                            float64
	SMClockMHz                               int64
}

// Model computes the reading for a load (pure; see Reading).
func (c Config) Model(running int, kvUsage float64) Reading {
	c = c.withDefaults()
	o := math.Min(1, float64(max(running, 0))/float64(c.MaxBatch))
	kv := math.Max(0, math.Min(1, kvUsage))
	r := Reading{PowerW: c.IdleW, SMClockMHz: 345, MemUsedMiB: c.WeightsMiB + int64(kv*float64(c.KVPoolMiB))}
	if running > 0 {
		r.UtilPct = math.Min(100, 60+160*o)
		r.SMActivePct = 15 + 75*o
		r.TensorPct = 0.45 * r.SMActivePct
		r.DRAMPct = 35 + 55*o
		r.MemUsedMiB += 512
		r.PowerW = c.BusyW + (c.PeakW-c.BusyW)*o
		r.SMClockMHz = 1980
	}
	r.MemUsedMiB = min(r.MemUsedMiB, c.MemTotalMiB)
	r.TempC = 30 + 45*r.PowerW/c.LimitW
	return r
}

// observe reads the load, integrates energy up to now (trapezoid between
// the previous and the current power), and returns the reading.
func (g *GPU) observe() (Reading, float64) {
	running, _, kv := g.load()
	r := g.cfg.Model(running, kv)
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.cfg.Now()
	if dt := now.Sub(g.last).Seconds(); dt > 0 {
		g.energyMJ += (g.lastW + r.PowerW) / 2 * dt * 1000
		g.last = now
	}
	g.lastW = r.PowerW
	return r, g.energyMJ
}

// Observe advances the energy integral to now. The endpoint does it on
// every scrape; a simulator that changes load between scrapes can call it
// on each step so the integral follows the load more closely.
func (g *GPU) Observe() { g.observe() }

// Samples returns the current reading as one GPUSample per GPU (source
// sim, ts left zero).
func (g *GPU) Samples() []results.GPUSample {
	r, e := g.observe()
	c := g.cfg
	out := make([]results.GPUSample, c.GPUs)
	for i := range out {
		used := r.MemUsedMiB << 20
		out[i] = results.GPUSample{
			Source: results.GPUSourceSim, Host: c.Host, GPUIndex: int32(i),
			GPUUUID: fmt.Sprintf("GPU-5157a000-0000-4000-8000-%012d", i), GPUName: c.Name,
			UtilGPUPct: results.F64(r.UtilPct), UtilMemPct: results.F64(r.DRAMPct),
			MemUsedBytes: results.I64(used), MemTotalBytes: results.I64(c.MemTotalMiB << 20),
			PowerW: results.F64(round(r.PowerW, 3)), PowerLimitW: results.F64(c.LimitW),
			EnergyMJ:   results.I64(int64(c.StartEnergyMJ*float64(i+1) + e)),
			SMClockMHz: results.I64(r.SMClockMHz), MemClockMHz: results.I64(2619), TempC: results.F64(math.Round(r.TempC)),
			PCIeTxBytesPerS: results.F64(0), PCIeRxBytesPerS: results.F64(0),
			SMActivePct: results.F64(round(r.SMActivePct, 3)), TensorActivePct: results.F64(round(r.TensorPct, 3)),
			DRAMActivePct: results.F64(round(r.DRAMPct, 3)), GrEngineActivePct: results.F64(r.UtilPct),
		}
	}
	return out
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// ServeHTTP serves the DCGM exporter text of the current reading.
func (g *GPU) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := telemetry.WriteDCGM(&buf, g.Samples(), map[string]string{telemetry.SimulatedLabel: "1"}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write(buf.Bytes())
}
