//go:build cgo

package telemetry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/inferbench/inferbench/results"
)

// NVML samples this host's GPUs through libnvidia-ml (go-nvml loads it at
// run time, so the binary builds and starts on machines without a driver).
type NVML struct {
	mu     sync.Mutex
	lib    nvml.Interface
	host   string
	log    func(string)
	devs   []*nvmlDevice
	closed bool
}

type nvmlDevice struct {
	index      int
	uuid, name string
	dev        nvml.Device
	// skip holds metrics the GPU said it does not support: they are NULL
	// from then on and not asked for again.
	skip map[string]bool
	// warned holds metrics whose transient failure was already logged.
	warned map[string]bool
	gpm    *gpmState // nil: no GPM (pre-Hopper GPU or old driver)
}

// gpmState keeps the previous GPM sample: GPM metrics are computed over
// the interval between two samples, so the first tick has none.
type gpmState struct {
	prev, cur nvml.GpmSample
	havePrev  bool
}

// GPM metrics read on Hopper and later. Values are percentages except PCIe
// (MiB/s).
var gpmMetrics = []nvml.GpmMetricId{
	nvml.GPM_METRIC_GRAPHICS_UTIL,
	nvml.GPM_METRIC_SM_UTIL,
	nvml.GPM_METRIC_ANY_TENSOR_UTIL,
	nvml.GPM_METRIC_DRAM_BW_UTIL,
	nvml.GPM_METRIC_PCIE_TX_PER_SEC,
	nvml.GPM_METRIC_PCIE_RX_PER_SEC,
}

// OpenNVML initialises NVML and lists the GPUs. Without libnvidia-ml,
// without a GPU, or in a build without cgo it returns an error wrapping
// ErrNVMLUnavailable that says why. log (may be nil) gets the lines about
// unsupported metrics and lost devices.
func OpenNVML(log func(string)) (Sampler, error) {
	n, err := newNVML(nvml.New(), log)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// newNVML is OpenNVML over any nvml.Interface (the mock in tests).
func newNVML(lib nvml.Interface, log func(string)) (*NVML, error) {
	// After a failed Init nothing else may be called: go-nvml's other
	// entry points dereference symbols that were never loaded and kill the
	// process. So the reason is spelled here, not with lib.ErrorString.
	if ret := lib.Init(); ret != nvml.SUCCESS {
		return nil, fmt.Errorf("%w: %s", ErrNVMLUnavailable, initReason(ret))
	}
	n := &NVML{lib: lib, log: log}
	n.host, _ = os.Hostname()
	count, ret := lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		lib.Shutdown()
		return nil, fmt.Errorf("%w: counting GPUs: %v", ErrNVMLUnavailable, ret)
	}
	for i := 0; i < count; i++ {
		dev, ret := lib.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			n.logf("telemetry: nvml: GPU %d: no handle (%v); left out", i, ret)
			continue
		}
		d := &nvmlDevice{index: i, dev: dev, skip: map[string]bool{}, warned: map[string]bool{}}
		if d.uuid, ret = dev.GetUUID(); ret != nvml.SUCCESS {
			n.logf("telemetry: nvml: GPU %d: no UUID (%v); left out", i, ret)
			continue
		}
		d.name, _ = dev.GetName()
		d.gpm = n.openGPM(d)
		n.devs = append(n.devs, d)
	}
	if len(n.devs) == 0 {
		lib.Shutdown()
		return nil, fmt.Errorf("%w: NVML found no usable NVIDIA GPU", ErrNVMLUnavailable)
	}
	return n, nil
}

func initReason(ret nvml.Return) string {
	switch ret {
	case nvml.ERROR_LIBRARY_NOT_FOUND:
		return "libnvidia-ml.so.1 not found (no NVIDIA driver on this host)"
	case nvml.ERROR_DRIVER_NOT_LOADED:
		return "the NVIDIA driver is not loaded"
	case nvml.ERROR_NO_PERMISSION:
		return "no permission to use NVML"
	case nvml.ERROR_LIB_RM_VERSION_MISMATCH:
		return "NVML library and kernel driver versions differ (reload the driver)"
	}
	return fmt.Sprintf("nvml.Init failed with code %d", int32(ret))
}

// openGPM allocates the two GPM samples of a GPU that supports GPM.
func (n *NVML) openGPM(d *nvmlDevice) *gpmState {
	sup, ret := d.dev.GpmQueryDeviceSupport()
	if ret != nvml.SUCCESS || sup.IsSupportedDevice == 0 {
		n.logf("telemetry: nvml: GPU %d (%s) has no GPM (needs Hopper or later): sm_active, tensor_active, dram_active are NULL", d.index, d.name)
		return nil
	}
	a, ret := n.lib.GpmSampleAlloc()
	if ret != nvml.SUCCESS {
		n.logf("telemetry: nvml: GPU %d: GPM sample alloc: %v; GPM metrics are NULL", d.index, ret)
		return nil
	}
	b, ret := n.lib.GpmSampleAlloc()
	if ret != nvml.SUCCESS {
		a.Free()
		n.logf("telemetry: nvml: GPU %d: GPM sample alloc: %v; GPM metrics are NULL", d.index, ret)
		return nil
	}
	return &gpmState{prev: a, cur: b}
}

func (n *NVML) logf(format string, args ...any) {
	if n.log != nil {
		n.log(fmt.Sprintf(format, args...))
	}
}

// Name implements Sampler.
func (n *NVML) Name() string { return "nvml" }

// GPUs is the number of GPUs still sampled.
func (n *NVML) GPUs() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.devs)
}

// errLost marks a read that found the GPU gone.
var errLost = errors.New("gpu lost")

// Sample implements Sampler: one row per GPU. A GPU that is lost is logged
// once and dropped; the others are still read and returned together with
// a device_lost error, so the run goes on.
func (n *NVML) Sample(ctx context.Context) (Batch, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return Batch{}, &SampleError{Class: ClassOther, Err: errors.New("nvml: closed")}
	}
	var b Batch
	var errs []error
	live := n.devs[:0]
	for _, d := range n.devs {
		s, err := n.read(d)
		if err != nil {
			msg := fmt.Errorf("nvml: GPU %d (%s) lost: %w; dropped, sampling goes on with the other GPUs", d.index, d.uuid, err)
			n.logf("telemetry: %v", msg)
			errs = append(errs, msg)
			n.freeGPM(d)
			continue
		}
		live = append(live, d)
		b.GPU = append(b.GPU, s)
	}
	clear(n.devs[len(live):])
	n.devs = live
	if len(errs) > 0 {
		return b, &SampleError{Class: ClassDeviceLost, Err: errors.Join(errs...), Logged: true}
	}
	return b, nil
}

// ok interprets one NVML return for metric key: SUCCESS reads, NOT_SUPPORTED
// marks the metric NULL for good, GPU_IS_LOST ends the device, anything
// else is logged once and NULL this tick.
func (n *NVML) ok(d *nvmlDevice, key string, ret nvml.Return, lost *error) bool {
	switch ret {
	case nvml.SUCCESS:
		return true
	case nvml.ERROR_NOT_SUPPORTED, nvml.ERROR_FUNCTION_NOT_FOUND:
		d.skip[key] = true
		n.logf("telemetry: nvml: GPU %d (%s): %s not supported; stored as NULL", d.index, d.name, key)
	case nvml.ERROR_GPU_IS_LOST, nvml.ERROR_GPU_NOT_FOUND:
		if *lost == nil {
			*lost = fmt.Errorf("%w: %s: %v", errLost, key, ret)
		}
	default:
		if !d.warned[key] {
			d.warned[key] = true
			n.logf("telemetry: nvml: GPU %d (%s): reading %s: %v; NULL this time (logged once)", d.index, d.name, key, ret)
		}
	}
	return false
}

// read reads every metric of one GPU; it returns an error only when the
// GPU is lost.
func (n *NVML) read(d *nvmlDevice) (results.GPUSample, error) {
	s := results.GPUSample{Source: results.GPUSourceNVML, Host: n.host, GPUIndex: int32(d.index), GPUUUID: d.uuid, GPUName: d.name}
	var lost error
	want := func(key string) bool { return lost == nil && !d.skip[key] }

	if want("utilization") {
		if u, ret := d.dev.GetUtilizationRates(); n.ok(d, "utilization", ret, &lost) {
			s.UtilGPUPct, s.UtilMemPct = results.F64(float64(u.Gpu)), results.F64(float64(u.Memory))
		}
	}
	if want("memory") {
		if m, ret := d.dev.GetMemoryInfo(); n.ok(d, "memory", ret, &lost) {
			s.MemUsedBytes, s.MemTotalBytes = results.I64(int64(m.Used)), results.I64(int64(m.Total))
		}
	}
	if want("power") {
		if p, ret := d.dev.GetPowerUsage(); n.ok(d, "power", ret, &lost) {
			s.PowerW = results.F64(float64(p) / 1000) // mW
		}
	}
	if want("power_limit") {
		if p, ret := d.dev.GetEnforcedPowerLimit(); n.ok(d, "power_limit", ret, &lost) {
			s.PowerLimitW = results.F64(float64(p) / 1000)
		}
	}
	if want("energy") {
		if e, ret := d.dev.GetTotalEnergyConsumption(); n.ok(d, "energy", ret, &lost) {
			s.EnergyMJ = results.I64(int64(e))
		}
	}
	if want("sm_clock") {
		if c, ret := d.dev.GetClockInfo(nvml.CLOCK_SM); n.ok(d, "sm_clock", ret, &lost) {
			s.SMClockMHz = results.I64(int64(c))
		}
	}
	if want("mem_clock") {
		if c, ret := d.dev.GetClockInfo(nvml.CLOCK_MEM); n.ok(d, "mem_clock", ret, &lost) {
			s.MemClockMHz = results.I64(int64(c))
		}
	}
	if want("temperature") {
		if t, ret := d.dev.GetTemperature(nvml.TEMPERATURE_GPU); n.ok(d, "temperature", ret, &lost) {
			s.TempC = results.F64(float64(t))
		}
	}
	if lost == nil && d.gpm != nil {
		n.readGPM(d, &s, &lost)
	}
	// nvmlDeviceGetPcieThroughput samples for 20 ms per call, so it is
	// used only where GPM did not give the PCIe rates.
	if s.PCIeTxBytesPerS == nil && want("pcie_tx") {
		if v, ret := d.dev.GetPcieThroughput(nvml.PCIE_UTIL_TX_BYTES); n.ok(d, "pcie_tx", ret, &lost) {
			s.PCIeTxBytesPerS = results.F64(float64(v) * 1024) // KB/s
		}
	}
	if s.PCIeRxBytesPerS == nil && want("pcie_rx") {
		if v, ret := d.dev.GetPcieThroughput(nvml.PCIE_UTIL_RX_BYTES); n.ok(d, "pcie_rx", ret, &lost) {
			s.PCIeRxBytesPerS = results.F64(float64(v) * 1024)
		}
	}
	return s, lost
}

// readGPM takes a GPM sample and, from the second tick on, the metrics
// over the interval since the previous one.
func (n *NVML) readGPM(d *nvmlDevice, s *results.GPUSample, lost *error) {
	g := d.gpm
	if !n.ok(d, "gpm", d.dev.GpmSampleGet(g.cur), lost) {
		if d.skip["gpm"] {
			n.freeGPM(d)
		}
		return
	}
	if !g.havePrev {
		g.prev, g.cur, g.havePrev = g.cur, g.prev, true
		return
	}
	mg := nvml.GpmMetricsGetType{NumMetrics: uint32(len(gpmMetrics)), Sample1: g.prev, Sample2: g.cur}
	for i, id := range gpmMetrics {
		mg.Metrics[i].MetricId = uint32(id)
	}
	ret := n.lib.GpmMetricsGet(&mg)
	g.prev, g.cur = g.cur, g.prev
	if !n.ok(d, "gpm", ret, lost) {
		if d.skip["gpm"] {
			n.freeGPM(d)
		}
		return
	}
	for i, id := range gpmMetrics {
		m := mg.Metrics[i]
		if nvml.Return(m.NvmlReturn) != nvml.SUCCESS {
			continue // this metric is not available on this GPU: NULL
		}
		v := m.Value
		switch id {
		case nvml.GPM_METRIC_GRAPHICS_UTIL:
			s.GrEngineActivePct = results.F64(v)
		case nvml.GPM_METRIC_SM_UTIL:
			s.SMActivePct = results.F64(v)
		case nvml.GPM_METRIC_ANY_TENSOR_UTIL:
			s.TensorActivePct = results.F64(v)
		case nvml.GPM_METRIC_DRAM_BW_UTIL:
			s.DRAMActivePct = results.F64(v)
		case nvml.GPM_METRIC_PCIE_TX_PER_SEC:
			s.PCIeTxBytesPerS = results.F64(v * mib) // MiB/s
		case nvml.GPM_METRIC_PCIE_RX_PER_SEC:
			s.PCIeRxBytesPerS = results.F64(v * mib)
		}
	}
}

func (n *NVML) freeGPM(d *nvmlDevice) {
	if d.gpm == nil {
		return
	}
	d.gpm.prev.Free()
	d.gpm.cur.Free()
	d.gpm = nil
}

// Close frees GPM samples and shuts NVML down. Sample fails afterwards.
func (n *NVML) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	n.closed = true
	for _, d := range n.devs {
		n.freeGPM(d)
	}
	n.devs = nil
	if ret := n.lib.Shutdown(); ret != nvml.SUCCESS {
		return fmt.Errorf("telemetry: nvml shutdown: %v", ret)
	}
	return nil
}
