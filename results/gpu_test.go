package results

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

func sampleGPU(i int) GPUSample {
	s := GPUSample{
		RunID: "r1", Ts: time.Date(2026, 11, 26, 10, 0, i, 0, time.UTC), TsNs: int64(i+1) * 1e9,
		Source: GPUSourceNVML, Host: "h", GPUIndex: int32(i % 2), GPUUUID: "GPU-" + strconv.Itoa(i%2),
		GPUName:    "NVIDIA H100 80GB HBM3",
		UtilGPUPct: F64(0), UtilMemPct: F64(12), MemUsedBytes: I64(1 << 30), MemTotalBytes: I64(80 << 30),
		PowerW: F64(412.5), PowerLimitW: F64(700), EnergyMJ: I64(int64(1e9 + i*400000)),
		SMClockMHz: I64(1980), MemClockMHz: I64(2619), TempC: F64(41),
		PCIeTxBytesPerS: F64(1024), PCIeRxBytesPerS: F64(2048),
		SMActivePct: F64(55.5), TensorActivePct: F64(20), DRAMActivePct: F64(70),
	}
	if i%3 == 2 { // a GPU without GPM and without PCIe counters: NULLs, not zeros
		s.SMActivePct, s.TensorActivePct, s.DRAMActivePct = nil, nil, nil
		s.PCIeTxBytesPerS, s.PCIeRxBytesPerS, s.EnergyMJ = nil, nil, nil
		s.Source, s.SourceURL = GPUSourceDCGM, "http://127.0.0.1:9400/metrics"
	}
	return s
}

func TestGPUWriterRoundTrip(t *testing.T) {
	dir := t.TempDir()
	w, err := NewGPUWriter(dir, "r1")
	if err != nil {
		t.Fatal(err)
	}
	w.RowGroupRows = 2
	var want []GPUSample
	for i := 0; i < 7; i++ {
		s := sampleGPU(i)
		want = append(want, s)
		if err := w.Write([]GPUSample{s}); err != nil {
			t.Fatal(err)
		}
	}
	// Until Close the file is hidden: a reader sees no telemetry, not a
	// file without a footer.
	if _, err := os.Stat(filepath.Join(dir, GPUFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("gpu.parquet visible before Close: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(want[:1]); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close = %v, want ErrClosed", err)
	}
	if w.Rows() != 7 {
		t.Fatalf("Rows = %d", w.Rows())
	}
	got, err := ReadGPU(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		got[i].Ts = got[i].Ts.UTC()
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if got[0].UtilGPUPct == nil || *got[0].UtilGPUPct != 0 {
		t.Errorf("0%% utilisation must read back as 0, not NULL: %v", got[0].UtilGPUPct)
	}
	if got[2].SMActivePct != nil {
		t.Errorf("unsupported metric must read back as NULL")
	}
	checkMeta(t, filepath.Join(dir, GPUFile), "gpu")
}

func checkMeta(t *testing.T, path, kind string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{MetaSchemaVersion: strconv.Itoa(SchemaVersion), MetaKind: kind, MetaRunID: "r1"} {
		if v, _ := pf.Lookup(k); v != want {
			t.Errorf("metadata %s = %q, want %q", k, v, want)
		}
	}
	for _, col := range []string{"ts", "ts_ns"} {
		if _, ok := pf.Schema().Lookup(col); !ok {
			t.Errorf("column %s missing", col)
		}
	}
	for _, c := range pf.Metadata().RowGroups[0].Columns {
		if c.MetaData.Codec.String() != "ZSTD" {
			t.Errorf("column %v codec %v, want ZSTD", c.MetaData.PathInSchema, c.MetaData.Codec)
		}
	}
}

func TestReadGPUMissingFile(t *testing.T) {
	got, err := ReadGPU(t.TempDir())
	if err != nil || got != nil {
		t.Fatalf("ReadGPU(empty dir) = %v, %v; want nil, nil", got, err)
	}
}

func TestTableWriterEmptyFileIsValid(t *testing.T) {
	dir := t.TempDir()
	w, err := NewGPUWriter(dir, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, GPUFile)); err != nil {
		t.Fatalf("empty run must still write gpu.parquet: %v", err)
	}
	got, err := ReadGPU(dir)
	if err != nil || len(got) != 0 {
		t.Fatalf("ReadGPU = %d rows, %v", len(got), err)
	}
}

func TestReadTableRejectsNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), GPUFile)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[GPUSample](f, parquet.KeyValueMetadata(MetaSchemaVersion, strconv.Itoa(SchemaVersion+1)))
	if _, err := w.Write([]GPUSample{sampleGPU(0)}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	f.Close()
	if _, err := ReadTable[GPUSample](path); err == nil {
		t.Fatal("want an error for a newer schema version")
	}
}
