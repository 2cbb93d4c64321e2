package results

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
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

// ReadGPU reads every sample of <runDir>/gpu.parquet, in file order. A run
// without GPU telemetry returns (nil, nil).
func ReadGPU(runDir string) ([]GPUSample, error) {
	return ReadTable[GPUSample](filepath.Join(runDir, GPUFile))
}

// TableWriter writes one Parquet file of rows of type T (the telemetry
// tables gpu.parquet and server_metrics.parquet).
//
// Crash safety: rows go to a hidden temporary file (".NAME.tmp") that is
// renamed to NAME only when Close has written the footer, so a reader never
// sees a file without one. A crash loses that run's telemetry, never the
// requests (they have their own parts). Telemetry is small (one row per
// GPU or series per interval), so one file keeps the results layout simple
// for notebooks.
//
// Memory: a row group is flushed to disk every RowGroupRows rows, so memory
// stays bounded however long the run. TableWriter is safe for concurrent use.
type TableWriter[T any] struct {
	mu      sync.Mutex
	path    string
	f       *os.File
	w       *parquet.GenericWriter[T]
	pending int
	rows    int64
	closed  bool
	failed  error
	// RowGroupRows is the row-group size (default 4096); set it before the
	// first Write.
	RowGroupRows int
}

// NewTableWriter creates the hidden temporary file for path, with kind
// written into the metadata key MetaKind.
func NewTableWriter[T any](path, runID, kind string) (*TableWriter[T], error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	f, err := os.Create(tmpName(path))
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	w := parquet.NewGenericWriter[T](f,
		parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}),
		parquet.KeyValueMetadata(MetaSchemaVersion, strconv.Itoa(SchemaVersion)),
		parquet.KeyValueMetadata(MetaRunID, runID),
		parquet.KeyValueMetadata(MetaKind, kind),
		parquet.CreatedBy("inferbench", "", ""),
	)
	return &TableWriter[T]{path: path, f: f, w: w, RowGroupRows: 4096}, nil
}

func tmpName(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
}

// Write appends rows.
func (t *TableWriter[T]) Write(rows []T) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrClosed
	}
	if t.failed != nil {
		return t.failed
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := t.w.Write(rows); err != nil {
		t.failed = fmt.Errorf("results: write %s: %w", t.f.Name(), err)
		return t.failed
	}
	t.rows += int64(len(rows))
	t.pending += len(rows)
	if t.pending >= max(t.RowGroupRows, 1) {
		if err := t.w.Flush(); err != nil {
			t.failed = fmt.Errorf("results: flush %s: %w", t.f.Name(), err)
			return t.failed
		}
		t.pending = 0
	}
	return nil
}

// Rows is the number of rows written.
func (t *TableWriter[T]) Rows() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rows
}

// Path is the final file name (it exists once Close returned nil).
func (t *TableWriter[T]) Path() string { return t.path }

// Close writes the footer, syncs, and renames the file into place. A file
// is written even with no rows, so "sampled, nothing seen" differs from
// "not sampled". Further writes return ErrClosed.
func (t *TableWriter[T]) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	err := t.w.Close()
	if err == nil {
		err = t.f.Sync()
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err == nil && t.failed != nil {
		err = t.failed
	}
	if err != nil {
		return fmt.Errorf("results: close %s: %w", t.f.Name(), err)
	}
	if err := os.Rename(t.f.Name(), t.path); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return nil
}

// ReadTable reads every row of one telemetry Parquet file. A missing file
// returns (nil, nil): the run did not sample that kind of telemetry.
func ReadTable[T any](path string) ([]T, error) {
	var out []T
	err := ScanTable(path, func(rows []T) error {
		out = append(out, rows...)
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return out, err
}

// ScanTable calls fn with batches of rows of one Parquet file, so memory
// stays bounded. fn must not keep the slice beyond the call. A missing file
// returns an error wrapping os.ErrNotExist.
func ScanTable[T any](path string, fn func(rows []T) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if v, ok := pf.Lookup(MetaSchemaVersion); ok {
		if n, err := strconv.Atoi(v); err == nil && n > SchemaVersion {
			return fmt.Errorf("%s: schema version %d is newer than this inferbench (%d); upgrade", path, n, SchemaVersion)
		}
	}
	rd := parquet.NewGenericReader[T](pf)
	defer rd.Close()
	buf := make([]T, 256)
	for {
		n, err := rd.Read(buf)
		if n > 0 {
			if ferr := fn(buf[:n]); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		clear(buf)
	}
}
