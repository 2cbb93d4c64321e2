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

// Run is what a report needs of one run directory: its manifest and the
// columns that summaries are computed from. It keeps a few int64 per
// measured request (and four bytes per output token for inter-token
// latency), not the Records themselves, so a run of millions of requests
// fits in memory.
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
	// StartedAt is the manifest's, else the first row's started_at.
	StartedAt time.Time

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

	// GPU and Server are the run's telemetry samples (gpu.parquet and
	// server_metrics.parquet), when it has them. They are small (one row
	// per GPU or series per interval), so they are kept whole.
	GPU    []results.GPUSample
	Server []results.ServerMetricSample

	// The per-request values, in blocks: Load's workers each fill their
	// own, and a Run takes them over without copying (Summarize copies
	// once anyway, to sort), so peak memory is not doubled by a merge.
	blocks []*columns
}

// columns are the per-request values of a block of rows.
type columns struct {
	lag []int64 // schedule lag of every measured request
	// usage is the billed tokens of every measured request, aligned with
	// lag, which the cost is summed from request by request.
	usage []usage

	// One entry per ok request, aligned, 0 = not observed. maxITL is the
	// largest per-token gap of the request, for the ITL SLO.
	ttft, ttfo, tpot, e2e, user, maxITL []int64

	// Per-token inter-token latencies of ok requests: those in [0, 2^32)
	// ns (4.29 s), nearly all, as uint32 to halve the largest column;
	// the others in itlBig.
	itl    []uint32
	itlBig []int64
	// itlN and itlBigN are how many values each ok request added to itl
	// and itlBig (aligned with ttft), so that a comparison can resample
	// requests rather than tokens: the gaps of one request are not
	// independent of each other.
	itlN, itlBigN []int32
}

// block is the block that Add appends to.
func (r *Run) block() *columns {
	if len(r.blocks) == 0 {
		r.blocks = append(r.blocks, &columns{})
	}
	return r.blocks[len(r.blocks)-1]
}

// gather concatenates one column of every block into a new slice, leaving
// out zeros (values not observed) unless keepZero.
func gather[T int64 | uint32](r *Run, col func(c *columns) []T, keepZero bool) []T {
	n := 0
	for _, b := range r.blocks {
		n += len(col(b))
	}
	out := make([]T, 0, n)
	for _, b := range r.blocks {
		if keepZero {
			out = append(out, col(b)...)
			continue
		}
		for _, v := range col(b) {
			if v != 0 {
				out = append(out, v)
			}
		}
	}
	return out
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
		r.StartedAt = m.StartedAt
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
		r.StartedAt = rec.StartedAt
	}
	row := rowOf(rec)
	r.add(&row)
}

// reqRow is the part of a Record that summaries are computed from. Load
// reads only its columns (reqColumns, through results.ScanColumns), which
// skips the strings (request ids, error messages) and most of the
// decoding; Add copies it out of a whole Record.
type reqRow struct {
	Warmup             bool
	ScheduledNs        int64
	SentNs             int64
	LastTokenNs        int64
	DoneNs             int64
	ScheduleLagNs      int64
	TTFTNs             int64
	TTFONs             int64
	TPOTNs             int64
	E2ENs              int64
	ChunkGapsNs        []int64
	ChunkTokens        []int32
	InputTokens        int64
	OutputTokens       int64
	CachedInputTokens  int64
	CacheWriteTokens   int64
	ReasoningTokens    int64
	InputTokensSource  string
	OutputTokensSource string
	Status             string
	ErrorClass         string
	CostUSD            float64
}

// reqColumns are reqRow's columns for results.ScanColumns, with the kinds
// Record's tags give them.
var reqColumns = results.Projection("warmup", "scheduled_ns", "sent_ns", "last_token_ns", "done_ns",
	"schedule_lag_ns", "ttft_ns", "ttfo_ns", "tpot_ns", "e2e_ns", "chunk_gaps_ns", "chunk_tokens",
	"input_tokens", "output_tokens", "cached_input_tokens", "cache_write_input_tokens", "reasoning_tokens",
	"input_tokens_source", "output_tokens_source", "status", "error_class", "cost_usd")

// addGroup adds the rows of a group read with reqColumns.
func (r *Run) addGroup(g *results.ColumnGroup) {
	if g.Index == 0 {
		// A block per part, sized for its rows: the columns then hold what
		// they need rather than up to twice that from growing by append.
		n := int(g.PartRows)
		r.blocks = append(r.blocks, &columns{lag: make([]int64, 0, n), usage: make([]usage, 0, n),
			ttft: make([]int64, 0, n), ttfo: make([]int64, 0, n), tpot: make([]int64, 0, n),
			e2e: make([]int64, 0, n), user: make([]int64, 0, n), maxITL: make([]int64, 0, n)})
	}
	warm, sched, sent := g.Bool("warmup"), g.Int64("scheduled_ns"), g.Int64("sent_ns")
	last, done, lag := g.Int64("last_token_ns"), g.Int64("done_ns"), g.Int64("schedule_lag_ns")
	ttft, ttfo, tpot, e2e := g.Int64("ttft_ns"), g.Int64("ttfo_ns"), g.Int64("tpot_ns"), g.Int64("e2e_ns")
	gapOff, gaps := g.List("chunk_gaps_ns")
	tokOff, toks64 := g.List("chunk_tokens")
	in, out, cached := g.Int64("input_tokens"), g.Int64("output_tokens"), g.Int64("cached_input_tokens")
	write, reasoning := g.Int64("cache_write_input_tokens"), g.Int64("reasoning_tokens")
	inSrc, outSrc := g.String("input_tokens_source"), g.String("output_tokens_source")
	status, class, cost := g.String("status"), g.String("error_class"), g.Float64("cost_usd")
	var toks []int32
	for i := range g.Rows {
		toks = toks[:0]
		for _, t := range toks64[tokOff[i]:tokOff[i+1]] {
			toks = append(toks, int32(t))
		}
		row := reqRow{Warmup: warm[i], ScheduledNs: sched[i], SentNs: sent[i], LastTokenNs: last[i],
			DoneNs: done[i], ScheduleLagNs: lag[i], TTFTNs: ttft[i], TTFONs: ttfo[i], TPOTNs: tpot[i], E2ENs: e2e[i],
			ChunkGapsNs: gaps[gapOff[i]:gapOff[i+1]], ChunkTokens: toks,
			InputTokens: in[i], OutputTokens: out[i], CachedInputTokens: cached[i],
			CacheWriteTokens: write[i], ReasoningTokens: reasoning[i],
			InputTokensSource: inSrc[i], OutputTokensSource: outSrc[i],
			Status: status[i], ErrorClass: class[i], CostUSD: cost[i]}
		r.add(&row)
	}
}

func rowOf(rec *results.Record) reqRow {
	return reqRow{Warmup: rec.Warmup, ScheduledNs: rec.ScheduledNs, SentNs: rec.SentNs, LastTokenNs: rec.LastTokenNs,
		DoneNs: rec.DoneNs, ScheduleLagNs: rec.ScheduleLagNs, TTFTNs: rec.TTFTNs, TTFONs: rec.TTFONs,
		TPOTNs: rec.TPOTNs, E2ENs: rec.E2ENs, ChunkGapsNs: rec.ChunkGapsNs, ChunkTokens: rec.ChunkTokens,
		InputTokens: rec.InputTokens, OutputTokens: rec.OutputTokens, CachedInputTokens: rec.CachedInputTokens,
		CacheWriteTokens: rec.CacheWriteInputTokens, ReasoningTokens: rec.ReasoningTokens,
		InputTokensSource: rec.InputTokensSource, OutputTokensSource: rec.OutputTokensSource,
		Status: rec.Status, ErrorClass: rec.ErrorClass, CostUSD: rec.CostUSD}
}

func (r *Run) add(rec *reqRow) {
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
	c := r.block()
	c.lag = append(c.lag, rec.ScheduleLagNs)
	c.usage = append(c.usage, usageOf(rec))

	r.allIn += rec.InputTokens
	r.allOut += rec.OutputTokens
	r.allCached += rec.CachedInputTokens
	r.recordedCostUSD += rec.CostUSD
	if rec.Status != results.StatusOK {
		return
	}
	r.okIn += rec.InputTokens
	r.okOut += rec.OutputTokens
	r.okCached += rec.CachedInputTokens
	r.inSources[sourceName(rec.InputTokensSource)]++
	r.outSources[sourceName(rec.OutputTokensSource)]++

	c.ttft = append(c.ttft, rec.TTFTNs)
	c.ttfo = append(c.ttfo, rec.TTFONs)
	c.tpot = append(c.tpot, rec.TPOTNs)
	c.e2e = append(c.e2e, rec.E2ENs)
	var user int64 // last_token - scheduled, as Record.UserLatencyNs
	if rec.LastTokenNs != 0 {
		user = rec.LastTokenNs - rec.ScheduledNs
	}
	c.user = append(c.user, user)
	c.maxITL = append(c.maxITL, c.addITL(rec.ChunkGapsNs, rec.ChunkTokens))
}

func sourceName(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// addITL appends the per-token gaps of rec to c.itl and returns the
// largest. chunk_gaps_ns[i] is the gap before content event i+1, which
// carried chunk_tokens[i+1] tokens; a gap before an event of k > 1 tokens
// counts as k gaps of gap/k (the tokens are taken to have been produced
// evenly over the gap). Without per-chunk token counts, or when they do not
// line up with the gaps, every gap counts as one token. An event that
// reports 0 tokens still counts once, so no waiting time is dropped.
func (c *columns) addITL(gaps []int64, toks []int32) int64 {
	perChunk := len(toks) == len(gaps)+1
	small, big := len(c.itl), len(c.itlBig)
	defer func() {
		c.itlN = append(c.itlN, int32(len(c.itl)-small))
		c.itlBigN = append(c.itlBigN, int32(len(c.itlBig)-big))
	}()
	var most int64
	for i, g := range gaps {
		k := int64(1)
		if perChunk && toks[i+1] > 1 {
			k = int64(toks[i+1])
		}
		v := g / k
		for range k {
			if v >= 0 && v < 1<<32 {
				c.itl = append(c.itl, uint32(v))
			} else {
				c.itlBig = append(c.itlBig, v)
			}
		}
		most = max(most, v)
	}
	return most
}

// errStop ends a scan early.
var errStop = errors.New("stop")

// scanParts adds every row of parts to r. Decoding Parquet is most of the
// cost of a report, and parts are independent, so one worker per CPU
// reads parts into its own Run and the workers' Runs are merged at the
// end (the order of rows does not matter to any summary).
func (r *Run) scanParts(parts []string) error {
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
	workers := make([]*Run, min(runtime.GOMAXPROCS(0), len(parts)))
	errs := make([]error, len(parts))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wr := NewRun(r.Dir, r.Manifest)
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

// merge adds o's rows to r, taking over o's blocks (o must not be used
// afterwards).
func (r *Run) merge(o *Run) {
	r.warmup += o.warmup
	r.total += o.total
	r.ok += o.ok
	r.failed += o.failed
	r.canceled += o.canceled
	for k, v := range o.errorClasses {
		r.errorClasses[k] += v
	}
	for k, v := range o.inSources {
		r.inSources[k] += v
	}
	for k, v := range o.outSources {
		r.outSources[k] += v
	}
	if o.firstSent > 0 && (r.firstSent == 0 || o.firstSent < r.firstSent) {
		r.firstSent = o.firstSent
	}
	r.lastDone = max(r.lastDone, o.lastDone)
	r.okIn += o.okIn
	r.okOut += o.okOut
	r.okCached += o.okCached
	r.allIn += o.allIn
	r.allOut += o.allOut
	r.allCached += o.allCached
	r.recordedCostUSD += o.recordedCostUSD
	r.blocks = append(r.blocks, o.blocks...)
}

// notef adds a note to the run.
func (r *Run) notef(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// ErrNoRun is returned (wrapped) for a directory that holds no run: no
// manifest.json and no request parts.
var ErrNoRun = errors.New("not a run directory (no manifest.json and no requests/part-*.parquet)")

// Load reads one run directory: its manifest and every request part,
// streaming rows so memory is bounded by Run's columns, not by the Records,
// and decoding parts on every CPU.
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
	if m != nil && m.StopDetail != "" {
		r.notef("stopped (%s): %s", m.StopReason, m.StopDetail)
	}
	if tmp, _ := filepath.Glob(filepath.Join(runDir, results.RequestsDir, ".part-*.tmp")); len(tmp) > 0 {
		r.notef("%d unfinished part file(s) skipped (the part open at a crash is lost)", len(tmp))
	}
	if err := r.scanParts(parts); err != nil {
		return nil, fmt.Errorf("load %s: %w", runDir, err)
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
func LoadAll(paths []string) ([]*Run, error) { return LoadMatching(paths, Filter{}) }

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
func LoadMatching(paths []string, f Filter) ([]*Run, error) {
	var runs []*Run
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

// MergeShards folds the shards of a split run (inferbench run --shard: one
// run directory per load generator, all naming the same shard group) into
// one Run per group, in place of the first shard, so a report reads the
// union as design.md section 9 asks. Other runs pass through unchanged.
//
// Per-request durations do not depend on the time base, so they merge as
// they are; the window and the telemetry timestamps of each shard are
// moved onto the earliest shard's time base by the difference of their
// manifests' start times (zero when the shards shared --start-at).
func MergeShards(runs []*Run) []*Run {
	groups := map[string][]*Run{}
	for _, r := range runs {
		if sh := shardOf(r); sh != nil {
			groups[sh.Group] = append(groups[sh.Group], r)
		}
	}
	var out []*Run
	for _, r := range runs {
		sh := shardOf(r)
		if sh == nil {
			out = append(out, r)
			continue
		}
		g, ok := groups[sh.Group]
		if !ok {
			continue // already merged into the group's first shard
		}
		delete(groups, sh.Group)
		if len(g) == 1 {
			r.notef("shard %d of %d: the other shards of %s were not given", sh.Index+1, sh.Count, sh.Group)
			out = append(out, r)
			continue
		}
		base := g[0]
		for _, o := range g[1:] {
			if o.StartedAt.Before(base.StartedAt) {
				base = o
			}
		}
		merged := base
		for _, o := range g {
			if o == base {
				continue
			}
			shift := o.StartedAt.Sub(base.StartedAt).Nanoseconds()
			if o.firstSent > 0 {
				o.firstSent += shift
			}
			o.lastDone += shift
			for i := range o.GPU {
				o.GPU[i].TsNs += shift
			}
			for i := range o.Server {
				o.Server[i].TsNs += shift
			}
			merged.GPU = append(merged.GPU, o.GPU...)
			merged.Server = append(merged.Server, o.Server...)
			merged.Notes = append(merged.Notes, o.Notes...)
			merged.merge(o)
		}
		merged.RunID = sh.Group
		merged.Dir = ""
		merged.notef("%d of %d shards of %s merged", len(g), sh.Count, sh.Group)
		out = append(out, merged)
	}
	return out
}

func shardOf(r *Run) *results.ShardInfo {
	if r.Manifest == nil || r.Manifest.Shard == nil || r.Manifest.Shard.Count < 2 || r.Manifest.Shard.Group == "" {
		return nil
	}
	return r.Manifest.Shard
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
func (r *Run) loadTelemetry(runDir string) error {
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
