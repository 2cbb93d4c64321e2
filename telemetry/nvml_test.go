//go:build cgo

package telemetry

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"

	"github.com/inferbench/inferbench/results"
)

// fakeGPU is the state behind one mock.Device.
type fakeGPU struct {
	uuid, name  string
	gpm         bool        // Hopper+: GPM supported
	unsupported nvml.Return // returned by power limit and PCIe when set
	lost        bool        // every call returns ERROR_GPU_IS_LOST
	gpmSamples  int
}

func (g *fakeGPU) r(ret nvml.Return) nvml.Return {
	if g.lost {
		return nvml.ERROR_GPU_IS_LOST
	}
	return ret
}

func (g *fakeGPU) device() *mock.Device {
	return &mock.Device{
		GetUUIDFunc: func() (string, nvml.Return) { return g.uuid, nvml.SUCCESS },
		GetNameFunc: func() (string, nvml.Return) { return g.name, nvml.SUCCESS },
		GetUtilizationRatesFunc: func() (nvml.Utilization, nvml.Return) {
			return nvml.Utilization{Gpu: 87, Memory: 41}, g.r(nvml.SUCCESS)
		},
		GetMemoryInfoFunc: func() (nvml.Memory, nvml.Return) {
			return nvml.Memory{Total: 80 << 30, Used: 60 << 30, Free: 20 << 30}, g.r(nvml.SUCCESS)
		},
		GetPowerUsageFunc: func() (uint32, nvml.Return) { return 412345, g.r(nvml.SUCCESS) },
		GetEnforcedPowerLimitFunc: func() (uint32, nvml.Return) {
			if g.unsupported != 0 {
				return 0, g.r(g.unsupported)
			}
			return 700000, g.r(nvml.SUCCESS)
		},
		GetTotalEnergyConsumptionFunc: func() (uint64, nvml.Return) { return 123456789, g.r(nvml.SUCCESS) },
		GetClockInfoFunc: func(c nvml.ClockType) (uint32, nvml.Return) {
			switch c {
			case nvml.CLOCK_SM:
				return 1980, g.r(nvml.SUCCESS)
			case nvml.CLOCK_MEM:
				return 2619, g.r(nvml.SUCCESS)
			}
			return 0, nvml.ERROR_INVALID_ARGUMENT
		},
		GetTemperatureFunc: func(nvml.TemperatureSensors) (uint32, nvml.Return) { return 54, g.r(nvml.SUCCESS) },
		GetPcieThroughputFunc: func(c nvml.PcieUtilCounter) (uint32, nvml.Return) {
			if g.unsupported != 0 {
				return 0, g.r(g.unsupported)
			}
			if c == nvml.PCIE_UTIL_TX_BYTES {
				return 1000, g.r(nvml.SUCCESS)
			}
			return 2000, g.r(nvml.SUCCESS)
		},
		GpmQueryDeviceSupportFunc: func() (nvml.GpmSupport, nvml.Return) {
			if g.gpm {
				return nvml.GpmSupport{IsSupportedDevice: 1}, nvml.SUCCESS
			}
			return nvml.GpmSupport{IsSupportedDevice: 0}, nvml.SUCCESS
		},
		GpmSampleGetFunc: func(nvml.GpmSample) nvml.Return { g.gpmSamples++; return g.r(nvml.SUCCESS) },
	}
}

// fakeLib is a mock NVML with the given GPUs.
type fakeLib struct {
	mock.Interface
	gpus               []*fakeGPU
	initRet            nvml.Return
	calls              []string
	allocs, frees      int
	shutdowns          int
	noGPMTensorMetrics bool
}

func newFakeLib(gpus ...*fakeGPU) *fakeLib {
	f := &fakeLib{gpus: gpus}
	devs := make([]*mock.Device, len(gpus))
	for i, g := range gpus {
		devs[i] = g.device()
	}
	f.Interface = mock.Interface{
		InitFunc: func() nvml.Return { f.calls = append(f.calls, "Init"); return f.initRet },
		ShutdownFunc: func() nvml.Return {
			f.calls = append(f.calls, "Shutdown")
			f.shutdowns++
			return nvml.SUCCESS
		},
		DeviceGetCountFunc: func() (int, nvml.Return) { f.calls = append(f.calls, "DeviceGetCount"); return len(gpus), nvml.SUCCESS },
		DeviceGetHandleByIndexFunc: func(i int) (nvml.Device, nvml.Return) {
			return devs[i], nvml.SUCCESS
		},
		GpmSampleAllocFunc: func() (nvml.GpmSample, nvml.Return) {
			f.allocs++
			return &mock.GpmSample{FreeFunc: func() nvml.Return { f.frees++; return nvml.SUCCESS }}, nvml.SUCCESS
		},
		GpmMetricsGetFunc: func(mg *nvml.GpmMetricsGetType) nvml.Return {
			if mg.Sample1 == nil || mg.Sample2 == nil || mg.Sample1 == mg.Sample2 {
				return nvml.ERROR_INVALID_ARGUMENT
			}
			for i := 0; i < int(mg.NumMetrics); i++ {
				m := &mg.Metrics[i]
				m.NvmlReturn = uint32(nvml.SUCCESS)
				switch nvml.GpmMetricId(m.MetricId) {
				case nvml.GPM_METRIC_GRAPHICS_UTIL:
					m.Value = 90
				case nvml.GPM_METRIC_SM_UTIL:
					m.Value = 62.5
				case nvml.GPM_METRIC_ANY_TENSOR_UTIL:
					m.Value = 33
					if f.noGPMTensorMetrics {
						m.NvmlReturn = uint32(nvml.ERROR_NOT_SUPPORTED)
					}
				case nvml.GPM_METRIC_DRAM_BW_UTIL:
					m.Value = 71
				case nvml.GPM_METRIC_PCIE_TX_PER_SEC:
					m.Value = 3
				case nvml.GPM_METRIC_PCIE_RX_PER_SEC:
					m.Value = 4
				}
			}
			return nvml.SUCCESS
		},
	}
	return f
}

func TestNVMLEveryMetric(t *testing.T) {
	lib := newFakeLib(&fakeGPU{uuid: "GPU-a", name: "NVIDIA H100 80GB HBM3", gpm: true})
	n, err := newNVML(lib, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ctx := context.Background()
	first, err := n.Sample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := first.GPU[0]; got.SMActivePct != nil {
		t.Errorf("GPM metrics need two samples; first tick SM activity = %v, want NULL", *got.SMActivePct)
	}
	b, err := n.Sample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.GPU) != 1 {
		t.Fatalf("got %d rows", len(b.GPU))
	}
	s := b.GPU[0]
	checks := []struct {
		name      string
		got, want float64
	}{
		{"util_gpu_pct", f64(s.UtilGPUPct), 87},
		{"util_mem_pct", f64(s.UtilMemPct), 41},
		{"mem_used_bytes", float64(i64(s.MemUsedBytes)), 60 << 30},
		{"mem_total_bytes", float64(i64(s.MemTotalBytes)), 80 << 30},
		{"power_w", f64(s.PowerW), 412.345},
		{"power_limit_w", f64(s.PowerLimitW), 700},
		{"energy_mj", float64(i64(s.EnergyMJ)), 123456789},
		{"sm_clock_mhz", float64(i64(s.SMClockMHz)), 1980},
		{"mem_clock_mhz", float64(i64(s.MemClockMHz)), 2619},
		{"temp_c", f64(s.TempC), 54},
		{"gr_engine_active_pct", f64(s.GrEngineActivePct), 90},
		{"sm_active_pct", f64(s.SMActivePct), 62.5},
		{"tensor_active_pct", f64(s.TensorActivePct), 33},
		{"dram_active_pct", f64(s.DRAMActivePct), 71},
		{"pcie_tx_bytes_per_s (GPM, MiB/s)", f64(s.PCIeTxBytesPerS), 3 << 20},
		{"pcie_rx_bytes_per_s (GPM, MiB/s)", f64(s.PCIeRxBytesPerS), 4 << 20},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if s.Source != results.GPUSourceNVML || s.GPUUUID != "GPU-a" || s.GPUName != "NVIDIA H100 80GB HBM3" || s.GPUIndex != 0 {
		t.Errorf("identity = %+v", s)
	}
	if lib.allocs != 2 {
		t.Errorf("GPM samples allocated = %d, want 2", lib.allocs)
	}
	n.Close()
	if lib.frees != 2 || lib.shutdowns != 1 {
		t.Errorf("Close: frees=%d shutdowns=%d, want 2 and 1", lib.frees, lib.shutdowns)
	}
	if _, err := n.Sample(ctx); err == nil {
		t.Error("Sample after Close must fail")
	}
}

func TestNVMLWithoutGPMAndUnsupportedCounters(t *testing.T) {
	for _, ret := range []nvml.Return{nvml.ERROR_NOT_SUPPORTED, nvml.ERROR_FUNCTION_NOT_FOUND} {
		t.Run(ret.Error(), func(t *testing.T) {
			g := &fakeGPU{uuid: "GPU-b", name: "NVIDIA A10G", unsupported: ret}
			lib := newFakeLib(g)
			var lb logBuf
			n, err := newNVML(lib, lb.log)
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			var s results.GPUSample
			for i := 0; i < 3; i++ {
				b, err := n.Sample(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				s = b.GPU[0]
			}
			for name, p := range map[string]*float64{
				"sm_active": s.SMActivePct, "tensor_active": s.TensorActivePct, "dram_active": s.DRAMActivePct,
				"gr_engine_active": s.GrEngineActivePct, "power_limit": s.PowerLimitW,
				"pcie_tx": s.PCIeTxBytesPerS, "pcie_rx": s.PCIeRxBytesPerS,
			} {
				if p != nil {
					t.Errorf("%s = %v, want NULL", name, *p)
				}
			}
			if f64(s.UtilGPUPct) != 87 || f64(s.PowerW) != 412.345 || i64(s.EnergyMJ) != 123456789 {
				t.Errorf("supported metrics lost: %+v", s)
			}
			if g.gpmSamples != 0 || lib.allocs != 0 {
				t.Errorf("GPM used on a GPU without GPM: samples=%d allocs=%d", g.gpmSamples, lib.allocs)
			}
			if c := lb.count("power_limit not supported"); c != 1 {
				t.Errorf("unsupported power limit logged %d times, want once: %q", c, lb.lines)
			}
			if c := lb.count("has no GPM"); c != 1 {
				t.Errorf("missing GPM logged %d times, want once", c)
			}
		})
	}
}

func TestNVMLGPMMetricNotSupported(t *testing.T) {
	lib := newFakeLib(&fakeGPU{uuid: "GPU-c", gpm: true})
	lib.noGPMTensorMetrics = true
	n, err := newNVML(lib, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	n.Sample(context.Background())
	b, _ := n.Sample(context.Background())
	s := b.GPU[0]
	if s.TensorActivePct != nil {
		t.Errorf("tensor activity = %v, want NULL", *s.TensorActivePct)
	}
	if f64(s.SMActivePct) != 62.5 {
		t.Errorf("SM activity = %v, want 62.5", f64(s.SMActivePct))
	}
}

func TestNVMLDeviceLostMidRun(t *testing.T) {
	a := &fakeGPU{uuid: "GPU-0", gpm: true}
	b := &fakeGPU{uuid: "GPU-1", gpm: true}
	lib := newFakeLib(a, b)
	var lb logBuf
	n, err := newNVML(lib, lb.log)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ctx := context.Background()
	if got, err := n.Sample(ctx); err != nil || len(got.GPU) != 2 {
		t.Fatalf("before loss: %d rows, %v", len(got.GPU), err)
	}
	b.lost = true
	got, err := n.Sample(ctx)
	if ClassOf(err) != ClassDeviceLost {
		t.Fatalf("err = %v, want class %s", err, ClassDeviceLost)
	}
	if len(got.GPU) != 1 || got.GPU[0].GPUUUID != "GPU-0" {
		t.Fatalf("after loss: rows %+v, want GPU-0 only", got.GPU)
	}
	for i := 0; i < 3; i++ {
		got, err = n.Sample(ctx)
		if err != nil || len(got.GPU) != 1 {
			t.Fatalf("tick %d after loss: %d rows, %v", i, len(got.GPU), err)
		}
	}
	if n.GPUs() != 1 {
		t.Errorf("GPUs = %d, want 1", n.GPUs())
	}
	if c := lb.count("GPU 1 (GPU-1) lost"); c != 1 {
		t.Errorf("loss logged %d times, want once: %q", c, lb.lines)
	}
	if lib.frees != 2 {
		t.Errorf("the lost GPU's GPM samples freed %d, want 2", lib.frees)
	}
}

// A lost device through Collect: the run goes on, the error is counted once
// per tick it happened and logged once in all.
func TestNVMLDeviceLostThroughCollect(t *testing.T) {
	a := &fakeGPU{uuid: "GPU-0", lost: true}
	lib := newFakeLib(a, &fakeGPU{uuid: "GPU-1"})
	var lb logBuf
	n, err := newNVML(lib, lb.log)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	var sink MemorySink
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	s := SamplerFunc{N: "nvml", F: func(ctx context.Context) (Batch, error) {
		calls++
		if calls == 3 {
			cancel()
		}
		return n.Sample(ctx)
	}}
	st := Collect(ctx, Options{Interval: 1, Log: lb.log}, &sink, s)
	if st.Samplers[0].Failed(ClassDeviceLost) != 1 {
		t.Errorf("device_lost failures = %d, want 1", st.Samplers[0].Failed(ClassDeviceLost))
	}
	if len(sink.GPU()) != calls || calls < 3 {
		t.Errorf("rows = %d over %d ticks, want one per tick from the surviving GPU", len(sink.GPU()), calls)
	}
	if c := lb.count("lost"); c != 1 {
		t.Errorf("lines about the loss = %d, want 1: %q", c, lb.lines)
	}
}

func TestNVMLInitFailureCallsNothingElse(t *testing.T) {
	for _, ret := range []nvml.Return{nvml.ERROR_LIBRARY_NOT_FOUND, nvml.ERROR_DRIVER_NOT_LOADED, nvml.ERROR_UNKNOWN} {
		lib := newFakeLib(&fakeGPU{uuid: "x"})
		lib.initRet = ret
		_, err := newNVML(lib, nil)
		if !errors.Is(err, ErrNVMLUnavailable) {
			t.Errorf("%v: err = %v, want ErrNVMLUnavailable", ret, err)
		}
		if len(lib.calls) != 1 || lib.calls[0] != "Init" {
			t.Errorf("%v: calls after a failed Init: %v (must be only Init)", ret, lib.calls)
		}
	}
}

func TestNVMLNoGPU(t *testing.T) {
	lib := newFakeLib()
	_, err := newNVML(lib, nil)
	if !errors.Is(err, ErrNVMLUnavailable) || !strings.Contains(err.Error(), "no usable NVIDIA GPU") {
		t.Fatalf("err = %v", err)
	}
	if lib.shutdowns != 1 {
		t.Errorf("Shutdown calls = %d, want 1 after a successful Init", lib.shutdowns)
	}
}

// On this machine (no driver) the real library must fail cleanly, not
// crash: that is the guard after a failed nvml.Init.
func TestOpenNVMLWithoutDriver(t *testing.T) {
	s, err := OpenNVML(nil)
	if err == nil {
		defer s.(*NVML).Close()
		t.Skip("this host has a working NVIDIA driver")
	}
	if !errors.Is(err, ErrNVMLUnavailable) {
		t.Fatalf("err = %v, want ErrNVMLUnavailable", err)
	}
}
