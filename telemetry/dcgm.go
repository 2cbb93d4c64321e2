package telemetry

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"

	"github.com/inferbench/inferbench/results"
)

// DCGM exporter metric names this package reads and writes. Names, types
// and help texts are those of dcgm-exporter's etc/default-counters.csv
// (SM_ACTIVE is commented out there; its line is used as is).
const (
	DCGMSMClock       = "DCGM_FI_DEV_SM_CLOCK"
	DCGMMemClock      = "DCGM_FI_DEV_MEM_CLOCK"
	DCGMGPUTemp       = "DCGM_FI_DEV_GPU_TEMP"
	DCGMPowerUsage    = "DCGM_FI_DEV_POWER_USAGE"
	DCGMPowerLimit    = "DCGM_FI_DEV_POWER_MGMT_LIMIT"
	DCGMTotalEnergy   = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"
	DCGMGPUUtil       = "DCGM_FI_DEV_GPU_UTIL"
	DCGMMemCopyUtil   = "DCGM_FI_DEV_MEM_COPY_UTIL"
	DCGMFBFree        = "DCGM_FI_DEV_FB_FREE"
	DCGMFBUsed        = "DCGM_FI_DEV_FB_USED"
	DCGMFBReserved    = "DCGM_FI_DEV_FB_RESERVED"
	DCGMGrEngine      = "DCGM_FI_PROF_GR_ENGINE_ACTIVE"
	DCGMSMActive      = "DCGM_FI_PROF_SM_ACTIVE"
	DCGMTensorActive  = "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE"
	DCGMDRAMActive    = "DCGM_FI_PROF_DRAM_ACTIVE"
	DCGMPCIeTxBytes   = "DCGM_FI_PROF_PCIE_TX_BYTES"
	DCGMPCIeRxBytes   = "DCGM_FI_PROF_PCIE_RX_BYTES"
	dcgmSMUtilRatio   = "DCGM_FI_PROF_SM_UTIL_RATIO" // DCGM 4.x spellings of the same field IDs
	dcgmTensorRatio   = "DCGM_FI_PROF_TENSOR_UTIL_RATIO"
	dcgmDRAMUtilRatio = "DCGM_FI_PROF_DRAM_UTIL_RATIO"
)

// DCGM exporter labels of a GPU series.
const (
	dcgmLabelGPU        = "gpu"
	dcgmLabelUUID       = "UUID"
	dcgmLabelDevice     = "device"
	dcgmLabelModel      = "modelName"
	dcgmLabelHost       = "Hostname" // dcgm-exporter before #655
	dcgmLabelHostLower  = "hostname" // after #655
	dcgmLabelMIGID      = "GPU_I_ID"
	dcgmLabelMIGProfile = "GPU_I_PROFILE"
	// SimulatedLabel marks series from the simulated GPU, so their rows get
	// source "sim" and reports label them simulated.
	SimulatedLabel = "inferbench_simulated"
)

// dcgmField is one exporter field: how it is exposed and how it maps onto
// a GPUSample.
type dcgmField struct {
	name, typ, help string
	// get reads the field from a sample (ok false: not emitted).
	get func(s *results.GPUSample) (float64, bool)
	// set stores an exporter value on a sample.
	set func(s *results.GPUSample, v float64)
}

const mib = 1 << 20

func pf(p *float64) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return *p, true
}

func pi(p *int64) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return float64(*p), true
}

// ratio reads a percentage field as DCGM's 0-1 ratio.
func ratio(p *float64) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return *p / 100, true
}

// dcgmFields lists the fields in exposition order.
var dcgmFields = []dcgmField{
	{DCGMSMClock, "gauge", "SM clock frequency (in MHz).",
		func(s *results.GPUSample) (float64, bool) { return pi(s.SMClockMHz) },
		func(s *results.GPUSample, v float64) { s.SMClockMHz = results.I64(int64(math.Round(v))) }},
	{DCGMMemClock, "gauge", "Memory clock frequency (in MHz).",
		func(s *results.GPUSample) (float64, bool) { return pi(s.MemClockMHz) },
		func(s *results.GPUSample, v float64) { s.MemClockMHz = results.I64(int64(math.Round(v))) }},
	{DCGMGPUTemp, "gauge", "GPU temperature (in C).",
		func(s *results.GPUSample) (float64, bool) { return pf(s.TempC) },
		func(s *results.GPUSample, v float64) { s.TempC = results.F64(v) }},
	{DCGMPowerUsage, "gauge", "Power draw (in W).",
		func(s *results.GPUSample) (float64, bool) { return pf(s.PowerW) },
		func(s *results.GPUSample, v float64) { s.PowerW = results.F64(v) }},
	{DCGMPowerLimit, "gauge", "Power management limit (in W).", // not in default-counters.csv; field 160
		func(s *results.GPUSample) (float64, bool) { return pf(s.PowerLimitW) },
		func(s *results.GPUSample, v float64) { s.PowerLimitW = results.F64(v) }},
	{DCGMTotalEnergy, "counter", "Total energy consumption since boot (in mJ).",
		func(s *results.GPUSample) (float64, bool) { return pi(s.EnergyMJ) },
		func(s *results.GPUSample, v float64) { s.EnergyMJ = results.I64(int64(math.Round(v))) }},
	{DCGMGPUUtil, "gauge", "GPU utilization (in %).",
		func(s *results.GPUSample) (float64, bool) { return pf(s.UtilGPUPct) },
		func(s *results.GPUSample, v float64) { s.UtilGPUPct = results.F64(v) }},
	{DCGMMemCopyUtil, "gauge", "Memory utilization (in %).",
		func(s *results.GPUSample) (float64, bool) { return pf(s.UtilMemPct) },
		func(s *results.GPUSample, v float64) { s.UtilMemPct = results.F64(v) }},
	{DCGMFBFree, "gauge", "Framebuffer memory free (in MiB).",
		func(s *results.GPUSample) (float64, bool) {
			if s.MemTotalBytes == nil || s.MemUsedBytes == nil {
				return 0, false
			}
			return float64((*s.MemTotalBytes - *s.MemUsedBytes) / mib), true
		}, nil},
	{DCGMFBUsed, "gauge", "Framebuffer memory used (in MiB).",
		func(s *results.GPUSample) (float64, bool) {
			if s.MemUsedBytes == nil {
				return 0, false
			}
			return float64(*s.MemUsedBytes / mib), true
		},
		func(s *results.GPUSample, v float64) { s.MemUsedBytes = results.I64(int64(v * mib)) }},
	{DCGMGrEngine, "gauge", "Ratio of time the graphics engine is active.",
		func(s *results.GPUSample) (float64, bool) { return ratio(s.GrEngineActivePct) },
		func(s *results.GPUSample, v float64) { s.GrEngineActivePct = results.F64(v * 100) }},
	{DCGMSMActive, "gauge", "The ratio of cycles an SM has at least 1 warp assigned.",
		func(s *results.GPUSample) (float64, bool) { return ratio(s.SMActivePct) },
		func(s *results.GPUSample, v float64) { s.SMActivePct = results.F64(v * 100) }},
	{DCGMTensorActive, "gauge", "Ratio of cycles the tensor (HMMA) pipe is active.",
		func(s *results.GPUSample) (float64, bool) { return ratio(s.TensorActivePct) },
		func(s *results.GPUSample, v float64) { s.TensorActivePct = results.F64(v * 100) }},
	{DCGMDRAMActive, "gauge", "Ratio of cycles the device memory interface is active sending or receiving data.",
		func(s *results.GPUSample) (float64, bool) { return ratio(s.DRAMActivePct) },
		func(s *results.GPUSample, v float64) { s.DRAMActivePct = results.F64(v * 100) }},
	{DCGMPCIeTxBytes, "gauge", "The rate of data transmitted over the PCIe bus - including both protocol headers and data payloads - in bytes per second.",
		func(s *results.GPUSample) (float64, bool) { return pf(s.PCIeTxBytesPerS) },
		func(s *results.GPUSample, v float64) { s.PCIeTxBytesPerS = results.F64(v) }},
	{DCGMPCIeRxBytes, "gauge", "The rate of data received over the PCIe bus - including both protocol headers and data payloads - in bytes per second.",
		func(s *results.GPUSample) (float64, bool) { return pf(s.PCIeRxBytesPerS) },
		func(s *results.GPUSample, v float64) { s.PCIeRxBytesPerS = results.F64(v) }},
}

var dcgmByName = func() map[string]*dcgmField {
	m := map[string]*dcgmField{}
	for i := range dcgmFields {
		m[dcgmFields[i].name] = &dcgmFields[i]
	}
	m[dcgmSMUtilRatio] = m[DCGMSMActive]
	m[dcgmTensorRatio] = m[DCGMTensorActive]
	m[dcgmDRAMUtilRatio] = m[DCGMDRAMActive]
	return m
}()

// IsDCGM reports whether name is a DCGM exporter field.
func IsDCGM(name string) bool { return len(name) > 8 && name[:8] == "DCGM_FI_" }

// GPUFromDCGM turns the DCGM series of one scrape into one GPUSample per
// GPU (keyed by UUID, else by the gpu label), in gpu-index order. A MIG
// instance is its own row: gpu_uuid gets "/GPU_I_ID" appended and gpu_name
// " MIG <profile>". Fields
// the exporter did not expose stay nil. Rows keep ts/ts_ns/run_id of the
// first series seen for that GPU.
func GPUFromDCGM(rows []results.ServerMetricSample) []results.GPUSample {
	type acc struct {
		s                   results.GPUSample
		free, used, reserve *float64
	}
	byKey := map[string]*acc{}
	var keys []string
	for i := range rows {
		r := &rows[i]
		f := dcgmByName[r.Name]
		if f == nil && r.Name != DCGMFBReserved {
			continue
		}
		labels, err := r.LabelMap()
		if err != nil {
			continue
		}
		key := labels[dcgmLabelUUID]
		if key == "" {
			key = "gpu:" + labels[dcgmLabelGPU]
		}
		// MIG: one series per GPU instance under the same UUID.
		mig := labels[dcgmLabelMIGID]
		if mig != "" {
			key += "/" + mig
		}
		a := byKey[key]
		if a == nil {
			idx, _ := strconv.Atoi(labels[dcgmLabelGPU])
			src := results.GPUSourceDCGM
			if labels[SimulatedLabel] != "" {
				src = results.GPUSourceSim
			}
			host := labels[dcgmLabelHostLower]
			if host == "" {
				host = labels[dcgmLabelHost]
			}
			a = &acc{s: results.GPUSample{
				RunID: r.RunID, Ts: r.Ts, TsNs: r.TsNs, Source: src, SourceURL: r.Source, Host: host,
				GPUIndex: int32(idx), GPUUUID: labels[dcgmLabelUUID], GPUName: labels[dcgmLabelModel],
			}}
			if mig != "" {
				a.s.GPUUUID += "/" + mig
				a.s.GPUName += " MIG " + labels[dcgmLabelMIGProfile]
			}
			byKey[key] = a
			keys = append(keys, key)
		}
		v := r.Value
		switch r.Name {
		case DCGMFBFree:
			a.free = &v
		case DCGMFBUsed:
			a.used = &v
			f.set(&a.s, v)
		case DCGMFBReserved:
			a.reserve = &v
		default:
			f.set(&a.s, v)
		}
	}
	out := make([]results.GPUSample, 0, len(keys))
	for _, k := range keys {
		a := byKey[k]
		if a.free != nil && a.used != nil {
			total := *a.free + *a.used
			if a.reserve != nil {
				total += *a.reserve
			}
			a.s.MemTotalBytes = results.I64(int64(total * mib))
		}
		out = append(out, a.s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].GPUIndex < out[j].GPUIndex })
	return out
}

// WriteDCGM renders GPU samples as dcgm-exporter text: the same metric
// names, types, help texts and GPU labels (gpu, UUID, device, modelName,
// hostname), so anything that scrapes dcgm-exporter scrapes this too.
// Fields a sample lacks are left out, as the exporter leaves out fields a
// GPU does not support. extra labels are added to every series.
func WriteDCGM(w io.Writer, samples []results.GPUSample, extra map[string]string) error {
	for i := range dcgmFields {
		f := &dcgmFields[i]
		mf := &dto.MetricFamily{Name: proto.String(f.name), Help: proto.String(f.help)}
		if f.typ == "counter" {
			mf.Type = dto.MetricType_COUNTER.Enum()
		} else {
			mf.Type = dto.MetricType_GAUGE.Enum()
		}
		for j := range samples {
			s := &samples[j]
			v, ok := f.get(s)
			if !ok {
				continue
			}
			m := &dto.Metric{Label: dcgmLabels(s, extra)}
			if f.typ == "counter" {
				m.Counter = &dto.Counter{Value: proto.Float64(v)}
			} else {
				m.Gauge = &dto.Gauge{Value: proto.Float64(v)}
			}
			mf.Metric = append(mf.Metric, m)
		}
		if len(mf.Metric) == 0 {
			continue
		}
		if _, err := expfmt.MetricFamilyToText(w, mf); err != nil {
			return fmt.Errorf("telemetry: writing %s: %w", f.name, err)
		}
	}
	return nil
}

func dcgmLabels(s *results.GPUSample, extra map[string]string) []*dto.LabelPair {
	lp := func(k, v string) *dto.LabelPair { return &dto.LabelPair{Name: proto.String(k), Value: proto.String(v)} }
	idx := strconv.Itoa(int(s.GPUIndex))
	out := []*dto.LabelPair{
		lp(dcgmLabelGPU, idx), lp(dcgmLabelUUID, s.GPUUUID), lp(dcgmLabelDevice, "nvidia"+idx),
		lp(dcgmLabelModel, s.GPUName),
	}
	if s.Host != "" {
		out = append(out, lp(dcgmLabelHostLower, s.Host))
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, lp(k, extra[k]))
	}
	return out
}
