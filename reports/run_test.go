package reports

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

// writeRun writes recs as a run directory under dir/name, with a manifest
// unless m is nil.
func writeRun(t *testing.T, dir, name string, m *results.Manifest, recs []results.Record) string {
	t.Helper()
	runDir := filepath.Join(dir, name)
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := results.NewWriter(runDir, name, results.WriterConfig{PartRows: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if m != nil {
		m.Parts = w.Parts()
		if err := results.WriteManifest(runDir, m); err != nil {
			t.Fatal(err)
		}
	}
	return runDir
}

func sampleRecs() []results.Record {
	warm := okRec(5, 10, 50, 3, 3, nil, nil)
	warm.Warmup = true
	return []results.Record{
		warm,
		okRec(100, 20, 200, 10, 5, msGaps(40, 40, 50, 50), nil),
		okRec(150, 30, 250, 10, 5, msGaps(50, 50, 60, 60), nil),
		failRec(200, 260, results.ErrClassRateLimited),
		okRec(250, 25, 300, 10, 5, msGaps(60, 60, 70, 85), nil),
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	m := &results.Manifest{RunID: "run-a", StopReason: results.StopCompleted,
		Target:   results.TargetInfo{Name: "sim-a", Kind: "api", Model: "m1", Simulated: true},
		Workload: results.WorkloadInfo{Name: "w"}}
	runDir := writeRun(t, dir, "run-a", m, sampleRecs())
	run, err := Load(runDir)
	if err != nil {
		t.Fatal(err)
	}
	if run.RunID != "run-a" || run.Target != "sim-a" || run.Model != "m1" || !run.Simulated {
		t.Errorf("identity = %q %q %q %v", run.RunID, run.Target, run.Model, run.Simulated)
	}
	if run.Rows() != 5 || run.warmup != 1 || run.ok != 3 || run.failed != 1 {
		t.Errorf("rows %d warmup %d ok %d failed %d", run.Rows(), run.warmup, run.ok, run.failed)
	}
	if len(run.Notes) != 0 {
		t.Errorf("notes = %v", run.Notes)
	}
	s := Summarize(run, Options{})
	if s.ITL.N != 12 || s.ITL.Max != 85*ms {
		t.Errorf("ITL = %+v", s.ITL)
	}
}

func TestLoadCrashedRun(t *testing.T) {
	dir := t.TempDir()
	runDir := writeRun(t, dir, "crashed", nil, sampleRecs())
	// The part open at the crash is a hidden temp file.
	if err := os.WriteFile(filepath.Join(runDir, results.RequestsDir, ".part-00002.parquet.tmp"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := Load(runDir)
	if err != nil {
		t.Fatal(err)
	}
	if run.Manifest != nil || run.RunID != "r" || run.Target != "t" || run.ok != 3 {
		t.Errorf("manifest %v id %q target %q ok %d", run.Manifest, run.RunID, run.Target, run.ok)
	}
	notes := strings.Join(run.Notes, "\n")
	for _, want := range []string{"no manifest.json", "1 unfinished part file"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}

	// A manifest still saying "running" is a crash too.
	runDir = writeRun(t, dir, "running", &results.Manifest{RunID: "x", StopReason: results.StopRunning}, sampleRecs())
	run, err = Load(runDir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(run.Notes, "\n"), `"running"`) {
		t.Errorf("notes = %v, want a note on stop_reason running", run.Notes)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); !errors.Is(err, ErrNoRun) {
		t.Errorf("Load(empty dir) = %v, want ErrNoRun", err)
	}
	bad := filepath.Join(dir, "bad")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, results.ManifestFile), []byte("{not json"), 0o644)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("Load(bad manifest) = %v, want an error naming manifest.json", err)
	}
	corrupt := writeRun(t, dir, "corrupt", &results.Manifest{RunID: "c"}, sampleRecs())
	os.WriteFile(filepath.Join(corrupt, results.RequestsDir, "part-00000.parquet"), []byte("garbage"), 0o644)
	if _, err := Load(corrupt); err == nil || !strings.Contains(err.Error(), "part-00000.parquet") {
		t.Errorf("Load(corrupt part) = %v, want an error naming the part", err)
	}
	if _, err := LoadAll([]string{filepath.Join(dir, "missing")}); err == nil {
		t.Error("LoadAll(missing) = nil error")
	}
}

func TestLoadAll(t *testing.T) {
	out := t.TempDir()
	b := writeRun(t, out, "b", &results.Manifest{RunID: "b", StartedAt: time.Unix(2, 0)}, sampleRecs())
	writeRun(t, out, "a", &results.Manifest{RunID: "a"}, sampleRecs())
	os.MkdirAll(filepath.Join(out, "not-a-run"), 0o755)
	os.WriteFile(filepath.Join(out, "README"), []byte("x"), 0o644)

	// A folder of runs expands to its runs in name order; a run dir is
	// itself.
	runs, err := LoadAll([]string{out, b})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.RunID)
	}
	if got := strings.Join(ids, ","); got != "a,b,b" {
		t.Errorf("run ids = %s, want a,b,b", got)
	}
	if _, err := LoadAll([]string{filepath.Join(out, "not-a-run")}); !errors.Is(err, ErrNoRun) {
		t.Errorf("LoadAll(empty folder) = %v, want ErrNoRun", err)
	}
}
