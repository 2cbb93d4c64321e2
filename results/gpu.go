package results

import (
	"path/filepath"
	"time"
)

// GPUFile is the name of the GPU telemetry file inside a run directory.
const GPUFile = "gpu.parquet"

// GPU sample sources (GPUSample.Source).
const (
	GPUSourceNVML = "nvml" // read locally through NVML
	GPUSourceDCGM = "dcgm" // scraped from a DCGM exporter (or inferbench agent)
	GPUSourceSim  = "sim"  // the simulated GPU
)

// GPUSample is one reading of one GPU, one row of gpu.parquet.
//
// Metrics a GPU, driver or exporter does not provide are nil and stored as
// NULL, never as 0, so "idle" and "not measured" stay apart. Percentages
// are 0-100 (DCGM's 0-1 profiling ratios are scaled by 100).
type GPUSample struct {
	RunID string `parquet:"run_id,dict"`
	// Ts is the wall-clock time of the reading; TsNs the same instant as a
	// monotonic offset from the run start, comparable with request offsets.
	Ts   time.Time `parquet:"ts,timestamp(nanosecond)"`
	TsNs int64     `parquet:"ts_ns"`

	Source string `parquet:"source,dict"` // nvml | dcgm | sim
	// SourceURL is the scraped URL for dcgm and sim samples.
	SourceURL string `parquet:"source_url,optional,dict"`
	Host      string `parquet:"host,optional,dict"`
	GPUIndex  int32  `parquet:"gpu_index"`
	GPUUUID   string `parquet:"gpu_uuid,dict"`
	GPUName   string `parquet:"gpu_name,dict"`

	// UtilGPUPct is NVML's "GPU utilisation": the share of time at least
	// one kernel ran. It reads 100 with a single tiny kernel per period, so
	// use SMActivePct to judge saturation.
	UtilGPUPct    *float64 `parquet:"util_gpu_pct"`
	UtilMemPct    *float64 `parquet:"util_mem_pct"`
	MemUsedBytes  *int64   `parquet:"mem_used_bytes"`
	MemTotalBytes *int64   `parquet:"mem_total_bytes"`
	PowerW        *float64 `parquet:"power_w"`
	PowerLimitW   *float64 `parquet:"power_limit_w"`
	// EnergyMJ is the GPU's total energy counter in millijoules since the
	// driver loaded; the energy of a window is the difference of two reads.
	EnergyMJ        *int64   `parquet:"energy_mj"`
	SMClockMHz      *int64   `parquet:"sm_clock_mhz"`
	MemClockMHz     *int64   `parquet:"mem_clock_mhz"`
	TempC           *float64 `parquet:"temp_c"`
	PCIeTxBytesPerS *float64 `parquet:"pcie_tx_bytes_per_s"`
	PCIeRxBytesPerS *float64 `parquet:"pcie_rx_bytes_per_s"`
	// Profiling metrics: NVML GPM on Hopper and later, or DCGM's DCP
	// fields. SMActivePct is the share of cycles an SM had a warp resident,
	// averaged over SMs; GrEngineActivePct the share of time the graphics
	// or compute engine was busy (DCGM's default-enabled stand-in).
	SMActivePct       *float64 `parquet:"sm_active_pct"`
	TensorActivePct   *float64 `parquet:"tensor_active_pct"`
	DRAMActivePct     *float64 `parquet:"dram_active_pct"`
	GrEngineActivePct *float64 `parquet:"gr_engine_active_pct"`
}

// F64 returns a pointer to v, for filling optional sample fields.
func F64(v float64) *float64 { return &v }

// I64 returns a pointer to v, for filling optional sample fields.
func I64(v int64) *int64 { return &v }

// GPUWriter writes GPUSamples to <run>/gpu.parquet. See TableWriter for
// the crash-safety and memory contract.
type GPUWriter = TableWriter[GPUSample]

// NewGPUWriter starts <runDir>/gpu.parquet.
func NewGPUWriter(runDir, runID string) (*GPUWriter, error) {
	return NewTableWriter[GPUSample](filepath.Join(runDir, GPUFile), runID, "gpu")
}

// ReadGPU reads every sample of <runDir>/gpu.parquet, in file order, with
// each source URL redacted (RedactURL). A run without GPU telemetry
// returns (nil, nil).
func ReadGPU(runDir string) ([]GPUSample, error) {
	rows, err := ReadTable[GPUSample](filepath.Join(runDir, GPUFile))
	redact := redactor()
	for i := range rows {
		rows[i].SourceURL = redact(rows[i].SourceURL)
	}
	return rows, err
}
