package telemetry

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	err := Config{GPUMetricsURL: "localhost:9400", ServerMetricsURL: "ftp://x/metrics", Interval: -1}.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"gpu-metrics", "server-metrics", "interval", "run directory"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("zero Config: %v", err)
	}
}

func TestStartNothingConfigured(t *testing.T) {
	s, err := Start(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Stop()
	if err != nil || len(st.Files) != 0 || len(st.Samplers) != 0 {
		t.Fatalf("Stop = %+v, %v", st, err)
	}
}

// Without a GPU the run goes on, with one line saying why and no
// gpu.parquet.
func TestStartNVMLOffGoesOn(t *testing.T) {
	dir := t.TempDir()
	var lb logBuf
	s, err := Start(context.Background(), Config{
		NVML: true, RunDir: dir, Log: lb.log,
		openNVML: func(func(string)) (Sampler, error) {
			return nil, errors.Join(ErrNVMLUnavailable, errors.New("libnvidia-ml.so.1 not found"))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.NVML, "off: ") || !strings.Contains(st.NVML, "libnvidia-ml") {
		t.Errorf("NVML status = %q", st.NVML)
	}
	if c := lb.count("NVML off"); c != 1 {
		t.Errorf("lines = %q, want one saying NVML is off", lb.lines)
	}
	if _, err := os.Stat(filepath.Join(dir, results.GPUFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("gpu.parquet written without a GPU: %v", err)
	}
}

// fakeNVML stands in for a working NVML sampler.
type fakeNVML struct{ closed bool }

func (f *fakeNVML) Name() string { return "nvml" }
func (f *fakeNVML) Sample(context.Context) (Batch, error) {
	return Batch{GPU: []results.GPUSample{{Source: results.GPUSourceNVML, GPUUUID: "GPU-x", PowerW: results.F64(300), EnergyMJ: results.I64(time.Now().UnixMilli())}}}, nil
}
func (f *fakeNVML) Close() error { f.closed = true; return nil }

func TestStartNVMLWritesGPUParquet(t *testing.T) {
	dir := t.TempDir()
	f := &fakeNVML{}
	clock := results.NewClock(time.Now())
	s, err := Start(context.Background(), Config{
		NVML: true, RunDir: dir, RunID: "r1", Clock: clock, Interval: 10 * time.Millisecond,
		openNVML: func(func(string)) (Sampler, error) { return f, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	st, err := s.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if st.NVML != "on" || !f.closed || len(st.Files) != 1 || st.Files[0] != results.GPUFile {
		t.Fatalf("stats %+v, closed %v", st, f.closed)
	}
	rows, err := results.ReadGPU(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || int64(len(rows)) != st.GPURows {
		t.Fatalf("%d rows, stats %d", len(rows), st.GPURows)
	}
	for i, r := range rows {
		if r.RunID != "r1" || r.TsNs <= 0 || (i > 0 && r.TsNs < rows[i-1].TsNs) {
			t.Fatalf("row %d = %+v", i, r)
		}
	}
	// Stop is idempotent.
	if st2, err := s.Stop(); err != nil || st2.GPURows != st.GPURows {
		t.Errorf("second Stop = %+v, %v", st2, err)
	}
}

func TestStartCannotCreateFiles(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fakeNVML{}
	_, err := Start(context.Background(), Config{NVML: true, RunDir: file, openNVML: func(func(string)) (Sampler, error) { return f, nil }})
	if err == nil {
		t.Fatal("want an error for a run directory that is a file")
	}
	if !f.closed {
		t.Error("the NVML sampler must be closed when Start fails")
	}
}
