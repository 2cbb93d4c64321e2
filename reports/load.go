package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inferbench/inferbench/results"
)

// errStop ends a scan early.
var errStop = errors.New("stop")

// scanParts adds every row of parts to r. Decoding Parquet is most of the
// cost of a report, and parts are independent, so one worker per CPU
// reads parts into its own RunData and the workers' runs are merged at the
// end (the order of rows does not matter to any summary).
func (r *RunData) scanParts(parts []string) error {
	if len(parts) == 0 {
		return nil
	}
	if r.Manifest == nil {
		// Identity comes from the run's first reqRow, which a worker may not
		// see first.
		err := results.ScanPart(parts[0], func(rec *results.Record) error {
			r.RunID, r.Target, r.TargetKind = rec.RunID, rec.Target, rec.TargetKind
			r.Model, r.Workload, r.Simulated = rec.Model, rec.Workload, rec.Simulated
			r.StartedAt = rec.StartedAt
			return errStop
		})
		if err != nil && !errors.Is(err, errStop) {
			return err
		}
	}
	workers := make([]*RunData, min(runtime.GOMAXPROCS(0), len(parts)))
	errs := make([]error, len(parts))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wr := NewRunData(r.Dir, r.Manifest)
		workers[w] = wr
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(parts) {
					return
				}
				errs[i] = results.ScanColumns(parts[i], reqColumns, func(g *results.ColumnGroup) error {
					wr.addGroup(g)
					return nil
				})
				if errs[i] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for _, wr := range workers {
		r.merge(wr)
	}
	return nil
}

// ErrNoRun is returned (wrapped) for a directory that holds no run: no
// manifest.json and no request parts.
var ErrNoRun = errors.New("not a run directory (no manifest.json and no requests/part-*.parquet)")

// Load reads one run directory: its manifest and every request part,
// streaming rows so memory is bounded by RunData's columns, not by the Records,
// and decoding parts on every CPU.
// A directory with parts but no manifest (a crash before the manifest was
// written) still loads, with a note saying so.
func Load(runDir string) (*RunData, error) {
	m, err := results.ReadManifest(runDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load %s: %w", runDir, err)
	}
	parts, perr := results.PartFiles(runDir)
	if perr != nil {
		return nil, fmt.Errorf("load %s: %w", runDir, perr)
	}
	if m == nil && len(parts) == 0 {
		return nil, fmt.Errorf("load %s: %w", runDir, ErrNoRun)
	}
	r := NewRunData(runDir, m)
	if m == nil {
		r.notef("no %s: the run stopped before writing it; target and model come from the rows", results.ManifestFile)
	}
	if why := incompleteRun(m); why != "" {
		r.Incomplete = append(r.Incomplete, why)
	} else if m.StopDetail != "" {
		r.notef("stopped (%s): %s", m.StopReason, m.StopDetail)
	}
	if tmp, _ := filepath.Glob(filepath.Join(runDir, results.RequestsDir, ".part-*.tmp")); len(tmp) > 0 {
		r.notef("%d unfinished part file(s) skipped (the part open at a crash is lost)", len(tmp))
	}
	if err := r.scanParts(parts); err != nil {
		return nil, fmt.Errorf("load %s: %w", runDir, err)
	}
	if m != nil && m.StopReason == results.StopRunning {
		// A crash: the manifest's live counts say what was sent, the
		// parts what survived.
		r.notef("stop_reason is %q: the run did not finish (crash?); the manifest counted %d requests finished by %s, %d rows survive in the parts written",
			m.StopReason, m.Requests.Sent, liveAge(m), r.Rows())
	}
	if r.Rows() == 0 {
		r.notef("no request rows")
	}
	if err := r.loadTelemetry(runDir); err != nil {
		r.notef("telemetry not read: %v", err)
	}
	if m != nil && len(m.Parts) > 0 && len(m.Parts) != len(parts) {
		r.notef("manifest lists %d part(s), found %d on disk", len(m.Parts), len(parts))
	}
	return r, nil
}

// LoadAll loads every path in order. A path is either a run directory or a
// directory of run directories (every subdirectory with a manifest.json or
// a requests folder, in name order), such as the --out folder of several
// runs.
func LoadAll(paths []string) ([]*RunData, error) { return LoadMatching(paths, Filter{}) }

// Filter picks runs out of a folder of runs (nightly history) by what
// their manifest says, before their rows are read. The zero Filter takes
// every run.
type Filter struct {
	// Since keeps runs that started at or after it (zero: any time).
	Since time.Time
	// Targets keeps runs whose target name matches one of these
	// path.Match patterns ("vllm-*"); empty: any target.
	Targets []string
}

// IsZero reports whether f takes every run.
func (f Filter) IsZero() bool { return f.Since.IsZero() && len(f.Targets) == 0 }

// Match reports whether a run of target that started at started passes f.
func (f Filter) Match(target string, started time.Time) bool {
	if !f.Since.IsZero() && started.Before(f.Since) {
		return false
	}
	if len(f.Targets) == 0 {
		return true
	}
	for _, pat := range f.Targets {
		if ok, _ := path.Match(pat, target); ok {
			return true
		}
	}
	return false
}

// ErrNoMatch is returned (wrapped) by LoadMatching when the filter leaves
// no run.
var ErrNoMatch = errors.New("no run matches the filter")

// LoadMatching is LoadAll keeping only the runs f matches. A run with a
// manifest is judged on it without reading its rows; one without (a
// crash) is loaded and judged on its first row.
func LoadMatching(paths []string, f Filter) ([]*RunData, error) {
	var runs []*RunData
	seen := 0
	for _, p := range paths {
		dirs, err := runDirs(p)
		if err != nil {
			return nil, err
		}
		for _, d := range dirs {
			seen++
			if !f.IsZero() {
				if m, err := results.ReadManifest(d); err == nil && !f.Match(m.Target.Name, m.StartedAt) {
					continue
				}
			}
			r, err := Load(d)
			if err != nil {
				return nil, err
			}
			if !f.Match(r.Target, r.StartedAt) {
				continue
			}
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 && seen > 0 && !f.IsZero() {
		return nil, fmt.Errorf("load %s: %w (%d run(s) looked at)", strings.Join(paths, ", "), ErrNoMatch, seen)
	}
	return MergeShards(runs), nil
}

// runDirs resolves p to the run directories it names.
func runDirs(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", p, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("load %s: not a directory", p)
	}
	if isRunDir(p) {
		return []string{p}, nil
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", p, err)
	}
	var dirs []string
	for _, e := range entries {
		d := filepath.Join(p, e.Name())
		if e.IsDir() && isRunDir(d) {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("load %s: %w, nor a folder of run directories", p, ErrNoRun)
	}
	sort.Strings(dirs)
	return dirs, nil
}

func isRunDir(d string) bool {
	if _, err := os.Stat(filepath.Join(d, results.ManifestFile)); err == nil {
		return true
	}
	st, err := os.Stat(filepath.Join(d, results.RequestsDir))
	return err == nil && st.IsDir()
}

// loadTelemetry reads gpu.parquet and server_metrics.parquet when present.
func (r *RunData) loadTelemetry(runDir string) error {
	var errs []error
	if _, err := os.Stat(filepath.Join(runDir, results.GPUFile)); err == nil {
		g, err := results.ReadGPU(runDir)
		errs = append(errs, err)
		r.GPU = g
	}
	if _, err := os.Stat(filepath.Join(runDir, results.ServerMetricsFile)); err == nil {
		s, err := results.ReadServerMetrics(runDir)
		errs = append(errs, err)
		r.Server = s
	}
	return errors.Join(errs...)
}

// liveAge says when a running manifest's counts are from: its updated_at,
// as an offset from the start.
func liveAge(m *results.Manifest) string {
	if m.UpdatedAt.IsZero() {
		return "its start"
	}
	return fmt.Sprintf("%s into the run", m.UpdatedAt.Sub(m.StartedAt).Round(time.Second))
}
