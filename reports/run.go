// Package reports turns run directories into summaries, cost figures and
// side-by-side tables. It reads results and never runs anything: every
// number here is computed from what results.Writer put on disk, so a report
// can be made again, later, on another machine.
//
// The flow is Load (or LoadAll) -> Summarize -> RenderText, RenderMarkdown
// or RenderJSON. Metric definitions are in docs/metrics.md.
package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/inferbench/inferbench/results"
)

// Run is what a report needs of one run directory: its manifest and the
// columns that summaries are computed from. It keeps a few int64 per
// measured request (and one per output token for inter-token latency), not
// the Records themselves, so a run of millions of requests fits in memory.
//
// Build one with Load, or with NewRun and Add (tests, or a live run that
// has its Records at hand).
type Run struct {
	// Dir is the run directory ("" for a Run built in memory).
	Dir string
	// Manifest is nil when the directory had none (the run crashed before
	// writing it); the identity fields below then come from the first row.
	Manifest *results.Manifest
	// Notes say what is unusual about the run or how it was read.
	Notes []string

	RunID      string
	Target     string
	TargetKind string
	Model      string
	Workload   string
	Simulated  bool

	warmup, total, ok, failed, canceled int64
	errorClasses                        map[string]int64

	// Window endpoints over measured requests (0 = none yet).
	firstSent, lastDone int64

	// Token sums over ok requests (throughput) and over all measured
	// requests (cost: a failed request may still be billed for what it
	// reported).
	okIn, okOut, okCached    int64
	allIn, allOut, allCached int64
	recordedCostUSD          float64

	inSources, outSources map[string]int64 // ok requests

	lag []int64 // schedule lag of every measured request

	// One entry per ok request, aligned, 0 = not observed. maxITL is the
	// largest per-token gap of the request, for the ITL SLO.
	ttft, ttfo, tpot, e2e, user, maxITL []int64

	itl []int64 // per-token inter-token latencies of ok requests
}

// NewRun returns an empty Run for dir described by m (which may be nil).
func NewRun(dir string, m *results.Manifest) *Run {
	r := &Run{
		Dir:          dir,
		Manifest:     m,
		errorClasses: map[string]int64{},
		inSources:    map[string]int64{},
		outSources:   map[string]int64{},
	}
	if m != nil {
		r.RunID = m.RunID
		r.Target = m.Target.Name
		r.TargetKind = m.Target.Kind
		r.Model = m.Target.Model
		r.Workload = m.Workload.Name
		r.Simulated = m.Target.Simulated
	}
	return r
}

// Rows is the number of rows added, warm-up included.
func (r *Run) Rows() int64 { return r.total + r.warmup }

// Add folds one request row into the run. rec is not kept.
func (r *Run) Add(rec *results.Record) {
	if r.Rows() == 0 && r.Manifest == nil {
		r.RunID, r.Target, r.TargetKind = rec.RunID, rec.Target, rec.TargetKind
		r.Model, r.Workload, r.Simulated = rec.Model, rec.Workload, rec.Simulated
	}
	if rec.Warmup {
		r.warmup++
		return
	}
	r.total++
	switch rec.Status {
	case results.StatusOK:
		r.ok++
	case results.StatusCanceled:
		r.canceled++
	default:
		r.failed++
		class := rec.ErrorClass
		if class == "" {
			class = "unknown"
		}
		r.errorClasses[class]++
	}
	if rec.SentNs > 0 && (r.firstSent == 0 || rec.SentNs < r.firstSent) {
		r.firstSent = rec.SentNs
	}
	r.lastDone = max(r.lastDone, rec.DoneNs)
	r.lag = append(r.lag, rec.ScheduleLagNs)

	r.allIn += rec.InputTokens
	r.allOut += rec.OutputTokens
	r.allCached += rec.CachedInputTokens
	r.recordedCostUSD += rec.CostUSD
	if !rec.OK() {
		return
	}
	r.okIn += rec.InputTokens
	r.okOut += rec.OutputTokens
	r.okCached += rec.CachedInputTokens
	r.inSources[sourceName(rec.InputTokensSource)]++
	r.outSources[sourceName(rec.OutputTokensSource)]++

	r.ttft = append(r.ttft, rec.TTFTNs)
	r.ttfo = append(r.ttfo, rec.TTFONs)
	r.tpot = append(r.tpot, rec.TPOTNs)
	r.e2e = append(r.e2e, rec.E2ENs)
	r.user = append(r.user, rec.UserLatencyNs())
	r.maxITL = append(r.maxITL, r.addITL(rec))
}

func sourceName(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// addITL appends the per-token gaps of rec to r.itl and returns the
// largest. chunk_gaps_ns[i] is the gap before content event i+1, which
// carried chunk_tokens[i+1] tokens; a gap before an event of k > 1 tokens
// counts as k gaps of gap/k (the tokens are taken to have been produced
// evenly over the gap). Without per-chunk token counts, or when they do not
// line up with the gaps, every gap counts as one token. An event that
// reports 0 tokens still counts once, so no waiting time is dropped.
func (r *Run) addITL(rec *results.Record) int64 {
	gaps, toks := rec.ChunkGapsNs, rec.ChunkTokens
	perChunk := len(toks) == len(gaps)+1
	var most int64
	for i, g := range gaps {
		k := int64(1)
		if perChunk && toks[i+1] > 1 {
			k = int64(toks[i+1])
		}
		v := g / k
		for range k {
			r.itl = append(r.itl, v)
		}
		most = max(most, v)
	}
	return most
}

// notef adds a note to the run.
func (r *Run) notef(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// ErrNoRun is returned (wrapped) for a directory that holds no run: no
// manifest.json and no request parts.
var ErrNoRun = errors.New("not a run directory (no manifest.json and no requests/part-*.parquet)")

// Load reads one run directory: its manifest and every request part,
// streaming rows so memory is bounded by Run's columns, not by the Records.
// A directory with parts but no manifest (a crash before the manifest was
// written) still loads, with a note saying so.
func Load(runDir string) (*Run, error) {
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
	r := NewRun(runDir, m)
	if m == nil {
		r.notef("no %s: the run stopped before writing it; target and model come from the rows", results.ManifestFile)
	} else if m.StopReason == results.StopRunning {
		r.notef("stop_reason is %q: the run did not finish (crash?); this covers the parts written", m.StopReason)
	}
	if tmp, _ := filepath.Glob(filepath.Join(runDir, results.RequestsDir, ".part-*.tmp")); len(tmp) > 0 {
		r.notef("%d unfinished part file(s) skipped (the part open at a crash is lost)", len(tmp))
	}
	err = results.ScanRequests(runDir, func(rec *results.Record) error {
		r.Add(rec)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", runDir, err)
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
func LoadAll(paths []string) ([]*Run, error) {
	var runs []*Run
	for _, p := range paths {
		dirs, err := runDirs(p)
		if err != nil {
			return nil, err
		}
		for _, d := range dirs {
			r, err := Load(d)
			if err != nil {
				return nil, err
			}
			runs = append(runs, r)
		}
	}
	return runs, nil
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
