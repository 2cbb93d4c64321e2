package reports

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	m := &results.Manifest{RunID: "run-a", StopReason: results.StopCompleted,
		Target:   results.TargetInfo{Name: "sim-a", Kind: "api", Model: "m1", Simulated: true},
		Workload: results.WorkloadInfo{Name: "w"}}
	runDir := fixture.WriteRun(t, dir, "run-a", m, fixture.SampleRecs())
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

// TestLoadMatchesAdd checks that reading parts in parallel and merging
// gives the summary that adding the same rows one by one gives.
func TestLoadMatchesAdd(t *testing.T) {
	var recs []results.Record
	for i := int64(0); i < 40; i++ {
		r := fixture.OKRec(10+i*7, 5+i%9, 100+i*3, 10+i, 2+i%5, fixture.MsGaps(i%4+1, 2, i%7+1), nil)
		r.CostUSD = 0.01
		if i%6 == 0 {
			r = fixture.FailRec(10+i*7, 50+i*7, []string{results.ErrClassTimeout, results.ErrClassHTTP4xx}[i%12/6])
		}
		if i%10 == 3 {
			r.Warmup = true
		}
		if i%8 == 1 {
			r.OutputTokensSource = results.TokensFromChunks
		}
		recs = append(recs, r)
	}
	m := &results.Manifest{RunID: "r", StopReason: results.StopCompleted}
	run, err := Load(fixture.WriteRun(t, t.TempDir(), "r", m, recs)) // 14 parts of 3
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{SLO: SLO{TTFT: 9 * time.Millisecond, ITL: 5 * time.Millisecond}, Prices: &results.Prices{InputPer1M: 1, OutputPer1M: 2}}
	got := Summarize(run, opt)
	want := Summarize(fixture.AddAll(NewRunData("", m), recs...), opt)
	got.Notes, want.Notes = nil, nil
	// Sums of float cost_usd depend on the order rows were added in.
	if !approxCost(*got.Cost, *want.Cost) {
		t.Errorf("cost = %+v, want %+v", *got.Cost, *want.Cost)
	}
	got.Cost, want.Cost = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load then Summarize =\n%+v\nwant\n%+v", got, want)
	}
	if got.Requests.Total != 36 || got.Requests.Failed != 7 {
		t.Errorf("counts = %+v", got.Requests)
	}
}

func TestLoadCrashedRun(t *testing.T) {
	dir := t.TempDir()
	runDir := fixture.WriteRun(t, dir, "crashed", nil, fixture.SampleRecs())
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
	runDir = fixture.WriteRun(t, dir, "running", &results.Manifest{RunID: "x", StopReason: results.StopRunning}, fixture.SampleRecs())
	run, err = Load(runDir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(run.Incomplete, "\n"), `"running"`) {
		t.Errorf("incomplete = %v, want stop_reason running", run.Incomplete)
	}
	if err := CheckComplete(run); !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "run x: ") {
		t.Errorf("CheckComplete = %v", err)
	}

	// A failed run is incomplete, with the stop detail; an interrupted
	// one (drained) is complete, the detail in a note.
	runDir = fixture.WriteRun(t, dir, "failed", &results.Manifest{RunID: "f", StopReason: results.StopFailed,
		StopDetail: "write part: disk full"}, fixture.SampleRecs())
	if run, err = Load(runDir); err != nil {
		t.Fatal(err)
	}
	if want := `stop_reason "failed": the harness failed (write part: disk full)`; !slices.Contains(run.Incomplete, want) {
		t.Errorf("incomplete = %v, want %q", run.Incomplete, want)
	}
	runDir = fixture.WriteRun(t, dir, "int", &results.Manifest{RunID: "i", StopReason: results.StopInterrupted,
		StopDetail: "first Ctrl-C"}, fixture.SampleRecs())
	if run, err = Load(runDir); err != nil {
		t.Fatal(err)
	}
	if want := "stopped (interrupted): first Ctrl-C"; !slices.Contains(run.Notes, want) || len(run.Incomplete) > 0 || CheckComplete(run) != nil {
		t.Errorf("notes = %v, incomplete %v, want %q and complete", run.Notes, run.Incomplete, want)
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
	corrupt := fixture.WriteRun(t, dir, "corrupt", &results.Manifest{RunID: "c"}, fixture.SampleRecs())
	os.WriteFile(filepath.Join(corrupt, results.RequestsDir, "part-00000.parquet"), []byte("garbage"), 0o644)
	if _, err := Load(corrupt); err == nil || !strings.Contains(err.Error(), "part-00000.parquet") {
		t.Errorf("Load(corrupt part) = %v, want an error naming the part", err)
	}
	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	results.WriteManifest(empty, &results.Manifest{RunID: "e", StopReason: results.StopFailed})
	if run, err := Load(empty); err != nil || len(run.Notes) != 1 || run.Notes[0] != "no request rows" {
		t.Errorf("Load(manifest only) = %v, %v; want a run noting it has no rows", run, err)
	}
	if _, err := LoadAll([]string{filepath.Join(dir, "missing")}); err == nil {
		t.Error("LoadAll(missing) = nil error")
	}
}

func TestLoadAll(t *testing.T) {
	out := t.TempDir()
	b := fixture.WriteRun(t, out, "b", &results.Manifest{RunID: "b", StartedAt: time.Unix(2, 0)}, fixture.SampleRecs())
	fixture.WriteRun(t, out, "a", &results.Manifest{RunID: "a"}, fixture.SampleRecs())
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

// TestMergeMatchesAdd checks a RunData made of several blocks (as Load's
// workers make) summarises like one built row by row, whatever the
// number of CPUs the test runs on.
func TestMergeMatchesAdd(t *testing.T) {
	recs := fixture.SampleRecs()
	recs = append(recs, fixture.OKRec(400, 7, 90, 3, 4, fixture.MsGaps(1, 30, 2), nil), fixture.FailRec(500, 900, results.ErrClassTimeout))
	m := &results.Manifest{RunID: "r"}
	whole := fixture.AddAll(NewRunData("", m), recs...)
	split := fixture.AddAll(NewRunData("", m), recs[:3]...)
	split.merge(fixture.AddAll(NewRunData("", m), recs[3:5]...))
	split.merge(fixture.AddAll(NewRunData("", m), recs[5:]...))
	if len(split.blocks) != 3 {
		t.Fatalf("blocks = %d, want 3", len(split.blocks))
	}
	opt := Options{SLO: SLO{ITL: 40 * time.Millisecond, TTFT: 25 * time.Millisecond}}
	got, want := Summarize(split, opt), Summarize(whole, opt)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged summary =\n%+v\nwant\n%+v", got, want)
	}
}
