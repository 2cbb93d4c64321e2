package reports

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/inferbench/inferbench/results"
)

// RunData is what a report needs of one run directory: its manifest and the
// columns that summaries are computed from. It keeps a few int64 per
// measured request (and four bytes per output token for inter-token
// latency), not the Records themselves, so a run of millions of requests
// fits in memory.
//
// Build one with Load, or with NewRunData and Add (tests, or a live run that
// has its Records at hand).
type RunData struct {
	// Dir is the run directory ("" for a RunData built in memory).
	Dir string
	// Manifest is nil when the directory had none (the run crashed before
	// writing it); the identity fields below then come from the first row.
	Manifest *results.Manifest
	// Notes say what is unusual about the run or how it was read.
	Notes []string
	// Incomplete says why the run cannot carry a verdict: it did not
	// complete (crashed, failed, canceled, no manifest), or it is a shard
	// group with a shard missing or given twice. Empty when it can. A
	// report still summarises such a run, saying so; gates refuse it
	// (see docs/ci.md).
	Incomplete []string
	// Client is the load generator's check of itself, from the manifest;
	// one per shard for a merged shard group.
	Client []ClientCheck

	RunID      string
	Target     string
	TargetKind string
	Model      string
	Workload   string
	Simulated  bool
	// StartedAt is the manifest's, else the first row's started_at.
	StartedAt time.Time

	warmup, total, ok, failed, canceled int64
	errors                              results.ErrorTally

	// Window endpoints over measured requests (0 = none yet).
	firstSent, lastDone int64

	// Token sums over ok requests (throughput) and over all measured
	// requests (cost: a failed request may still be billed for what it
	// reported).
	okIn, okOut, okCached    int64
	allIn, allOut, allCached int64
	recordedCostUSD          float64

	inSources, outSources map[string]int64 // ok requests
	// tokenized counts the ok requests whose output the tokenizer fallback
	// counted, and tokenDisagree those among them whose count differs from
	// their content events by more than tokenDisagreement.
	tokenized, tokenDisagree int64

	// GPU and Server are the run's telemetry samples (gpu.parquet and
	// server_metrics.parquet), when it has them. They are small (one row
	// per GPU or series per interval), so they are kept whole.
	GPU    []results.GPUSample
	Server []results.ServerMetricSample

	// The per-request values, in blocks: Load's workers each fill their
	// own, and a RunData takes them over without copying (Summarize copies
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
	// sent and done are the ok request's offsets (telemetry joins), idx
	// its request_index and key a hash of its request_id, session_id and
	// turn (pairing requests across runs), aligned with ttft.
	sent, done, idx []int64
	key             []uint64
	// failSent and failDone are the offsets of the measured requests that
	// did not complete ok.
	failSent, failDone []int64

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
func (r *RunData) block() *columns {
	if len(r.blocks) == 0 {
		r.blocks = append(r.blocks, &columns{})
	}
	return r.blocks[len(r.blocks)-1]
}

// gather concatenates one column of every block into a new slice, leaving
// out zeros (values not observed) unless keepZero.
func gather[T int64 | uint32](r *RunData, col func(c *columns) []T, keepZero bool) []T {
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

// NewRunData returns an empty RunData for dir described by m (which may be nil).
func NewRunData(dir string, m *results.Manifest) *RunData {
	r := &RunData{
		Dir:        dir,
		Manifest:   m,
		inSources:  map[string]int64{},
		outSources: map[string]int64{},
	}
	if m != nil {
		r.RunID = m.RunID
		r.Target = m.Target.Name
		r.TargetKind = m.Target.Kind
		r.Model = m.Target.Model
		r.Workload = m.Workload.Name
		r.Simulated = m.Target.Simulated
		r.StartedAt = m.StartedAt
		r.Client = clientChecks(m)
	}
	return r
}

// Rows is the number of rows added, warm-up included.
func (r *RunData) Rows() int64 { return r.total + r.warmup }

// Add folds one request row into the run. rec is not kept.
func (r *RunData) Add(rec *results.Record) {
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
// skips most strings (request ids, models) and most of the decoding; Add
// copies it out of a whole Record. Error messages are read for one sample
// per error class (results.ErrorTally); they are null on ok rows, which cost
// nothing to decode.
type reqRow struct {
	RequestIndex       int64
	RequestID          string
	SessionID          string
	Turn               int64
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
	Chunks             int64
	InputTokens        int64
	OutputTokens       int64
	CachedInputTokens  int64
	CacheWriteTokens   int64
	ReasoningTokens    int64
	InputTokensSource  string
	OutputTokensSource string
	Status             string
	ErrorClass         string
	ErrorMessage       string
	CostUSD            float64
}

// reqColumns are reqRow's columns for results.ScanColumns, with the kinds
// Record's tags give them.
var reqColumns = results.Projection("request_index", "request_id", "session_id", "turn", "warmup", "scheduled_ns", "sent_ns", "last_token_ns", "done_ns",
	"schedule_lag_ns", "ttft_ns", "ttfo_ns", "tpot_ns", "e2e_ns", "chunk_gaps_ns", "chunk_tokens", "chunks",
	"input_tokens", "output_tokens", "cached_input_tokens", "cache_write_input_tokens", "reasoning_tokens",
	"input_tokens_source", "output_tokens_source", "status", "error_class", "error_message", "cost_usd")

// addGroup adds the rows of a group read with reqColumns.
func (r *RunData) addGroup(g *results.ColumnGroup) {
	if g.Index == 0 {
		// A block per part, sized for its rows: the columns then hold what
		// they need rather than up to twice that from growing by append.
		n := int(g.PartRows)
		r.blocks = append(r.blocks, &columns{lag: make([]int64, 0, n), usage: make([]usage, 0, n),
			ttft: make([]int64, 0, n), ttfo: make([]int64, 0, n), tpot: make([]int64, 0, n),
			e2e: make([]int64, 0, n), user: make([]int64, 0, n), maxITL: make([]int64, 0, n),
			sent: make([]int64, 0, n), done: make([]int64, 0, n), idx: make([]int64, 0, n), key: make([]uint64, 0, n)})
	}
	reqIdx, reqID, sess, turn := g.Int64("request_index"), g.String("request_id"), g.String("session_id"), g.Int64("turn")
	warm, sched, sent := g.Bool("warmup"), g.Int64("scheduled_ns"), g.Int64("sent_ns")
	last, done, lag := g.Int64("last_token_ns"), g.Int64("done_ns"), g.Int64("schedule_lag_ns")
	ttft, ttfo, tpot, e2e := g.Int64("ttft_ns"), g.Int64("ttfo_ns"), g.Int64("tpot_ns"), g.Int64("e2e_ns")
	gapOff, gaps := g.List("chunk_gaps_ns")
	tokOff, toks64 := g.List("chunk_tokens")
	chunks := g.Int64("chunks")
	in, out, cached := g.Int64("input_tokens"), g.Int64("output_tokens"), g.Int64("cached_input_tokens")
	write, reasoning := g.Int64("cache_write_input_tokens"), g.Int64("reasoning_tokens")
	inSrc, outSrc := g.String("input_tokens_source"), g.String("output_tokens_source")
	status, class, cost := g.String("status"), g.String("error_class"), g.Float64("cost_usd")
	msg := g.String("error_message")
	var toks []int32
	for i := range g.Rows {
		toks = toks[:0]
		for _, t := range toks64[tokOff[i]:tokOff[i+1]] {
			toks = append(toks, int32(t))
		}
		row := reqRow{RequestIndex: reqIdx[i], RequestID: reqID[i], SessionID: sess[i], Turn: turn[i], Warmup: warm[i], ScheduledNs: sched[i], SentNs: sent[i], LastTokenNs: last[i],
			DoneNs: done[i], ScheduleLagNs: lag[i], TTFTNs: ttft[i], TTFONs: ttfo[i], TPOTNs: tpot[i], E2ENs: e2e[i],
			ChunkGapsNs: gaps[gapOff[i]:gapOff[i+1]], ChunkTokens: toks, Chunks: chunks[i],
			InputTokens: in[i], OutputTokens: out[i], CachedInputTokens: cached[i],
			CacheWriteTokens: write[i], ReasoningTokens: reasoning[i],
			InputTokensSource: inSrc[i], OutputTokensSource: outSrc[i],
			Status: status[i], ErrorClass: class[i], ErrorMessage: msg[i], CostUSD: cost[i]}
		r.add(&row)
	}
}

func rowOf(rec *results.Record) reqRow {
	return reqRow{RequestIndex: rec.RequestIndex, RequestID: rec.RequestID, SessionID: rec.SessionID, Turn: int64(rec.Turn),
		Warmup: rec.Warmup, ScheduledNs: rec.ScheduledNs, SentNs: rec.SentNs, LastTokenNs: rec.LastTokenNs,
		DoneNs: rec.DoneNs, ScheduleLagNs: rec.ScheduleLagNs, TTFTNs: rec.TTFTNs, TTFONs: rec.TTFONs,
		TPOTNs: rec.TPOTNs, E2ENs: rec.E2ENs, ChunkGapsNs: rec.ChunkGapsNs, ChunkTokens: rec.ChunkTokens, Chunks: int64(rec.Chunks),
		InputTokens: rec.InputTokens, OutputTokens: rec.OutputTokens, CachedInputTokens: rec.CachedInputTokens,
		CacheWriteTokens: rec.CacheWriteInputTokens, ReasoningTokens: rec.ReasoningTokens,
		InputTokensSource: rec.InputTokensSource, OutputTokensSource: rec.OutputTokensSource,
		Status: rec.Status, ErrorClass: rec.ErrorClass, ErrorMessage: rec.ErrorMessage, CostUSD: rec.CostUSD}
}

func (r *RunData) add(rec *reqRow) {
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
		r.errors.Add(rec.ErrorClass, rec.ErrorMessage, rec.SentNs)
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
		c.failSent = append(c.failSent, rec.SentNs)
		c.failDone = append(c.failDone, rec.DoneNs)
		return
	}
	r.okIn += rec.InputTokens
	r.okOut += rec.OutputTokens
	r.okCached += rec.CachedInputTokens
	r.inSources[sourceName(rec.InputTokensSource)]++
	r.outSources[sourceName(rec.OutputTokensSource)]++
	if rec.OutputTokensSource == results.TokensFromTokenizer {
		r.tokenized++
		if disagree(rec.OutputTokens, rec.Chunks) {
			r.tokenDisagree++
		}
	}

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
	c.sent = append(c.sent, rec.SentNs)
	c.done = append(c.done, rec.DoneNs)
	c.idx = append(c.idx, rec.RequestIndex)
	c.key = append(c.key, pairKey(rec.RequestID, rec.SessionID, rec.Turn))
}

// pairKey identifies a workload request across runs of the same workload:
// FNV-1a of its request_id, session_id and turn.
func pairKey(id, session string, turn int64) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write([]byte(session))
	var b [9]byte
	binary.LittleEndian.PutUint64(b[1:], uint64(turn))
	h.Write(b[:])
	return h.Sum64()
}

// shiftSent moves the run's per-request offsets by shift nanoseconds
// (a shard onto the time base of the shard it is merged into).
func (r *RunData) shiftSent(shift int64) {
	if shift == 0 {
		return
	}
	for _, b := range r.blocks {
		for _, col := range [][]int64{b.sent, b.done, b.failSent, b.failDone} {
			for i := range col {
				col[i] += shift
			}
		}
	}
}

// tokenDisagreement is how far apart (a fraction of the larger) a
// tokenizer's output count and the content-event count of a request may
// be before the report says so.
const tokenDisagreement = 0.1

// disagree reports whether a tokenizer count and a content-event count
// differ by more than tokenDisagreement.
func disagree(tokens, chunks int64) bool {
	d := tokens - chunks
	if d < 0 {
		d = -d
	}
	return float64(d) > tokenDisagreement*float64(max(tokens, chunks))
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

// merge adds o's rows to r, taking over o's blocks (o must not be used
// afterwards).
func (r *RunData) merge(o *RunData) {
	r.warmup += o.warmup
	r.total += o.total
	r.ok += o.ok
	r.failed += o.failed
	r.canceled += o.canceled
	r.errors.Merge(&o.errors)
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
	r.tokenized += o.tokenized
	r.tokenDisagree += o.tokenDisagree
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
func (r *RunData) notef(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// Values returns the per-request values of one latency (a Latency's Name)
// of r, sorted ascending, and how many there are in all: at most limit of
// them (0: no limit), every k-th in recorded order beyond it, so that a
// million-request run's tens of millions of inter-token gaps can be tested
// and drawn from a bounded sample. Zeros (not observed) are left out as
// Summarize leaves them out, except for schedule lag and inter-token gaps,
// where 0 is a real value. It panics on an unknown latency.
func (r *RunData) Values(latency string, limit int) (sorted []int64, n int) {
	l, ok := LookupLatency(latency)
	if !ok {
		panic("reports: unknown latency " + latency)
	}
	var out []int64
	if l.col == nil {
		out, n = r.itlValues(limit)
	} else {
		out, n = r.columnValues(l.col, l.keepZero, limit)
	}
	radixSort(out)
	return out, n
}

// PairKeys returns, for every ok request in recorded order, a key naming
// the workload request it sent (a hash of request_id, session_id and
// turn) and its request_index: what pairs it with the same request of
// another run of the same workload (a request sent twice in a run, as
// over several passes of a workload, is told apart by request_index
// order). OKValues are aligned with it.
func (r *RunData) PairKeys() (keys []uint64, idx []int64) {
	for _, b := range r.blocks {
		keys = append(keys, b.key...)
		idx = append(idx, b.idx...)
	}
	return keys, idx
}

// OKValues returns one latency (a Latency's Name, one whose PerOKRequest
// holds) of every ok request in recorded order, aligned with PairKeys, 0
// where not observed. It panics on another latency.
func (r *RunData) OKValues(latency string) []int64 {
	l, ok := LookupLatency(latency)
	if !ok || !l.PerOKRequest() {
		panic("reports: no per-request values of latency " + latency)
	}
	return gather(r, l.col, true)
}

// stride is the step that keeps at most limit of n values (0: all).
func stride(n, limit int) int {
	if limit <= 0 {
		return 1
	}
	return max((n+limit-1)/limit, 1)
}

// columnValues is Values for a per-request column, in recorded order.
func (r *RunData) columnValues(col func(c *columns) []int64, keepZero bool, limit int) ([]int64, int) {
	n := 0
	for _, b := range r.blocks {
		for _, v := range col(b) {
			if keepZero || v != 0 {
				n++
			}
		}
	}
	k := stride(n, limit)
	out := make([]int64, 0, (n+k-1)/k)
	i := 0
	for _, b := range r.blocks {
		for _, v := range col(b) {
			if !keepZero && v == 0 {
				continue
			}
			if i%k == 0 {
				out = append(out, v)
			}
			i++
		}
	}
	return out, n
}

// itlValues is Values for the per-token gaps, held in two columns, in
// recorded order.
func (r *RunData) itlValues(limit int) ([]int64, int) {
	n := 0
	for _, b := range r.blocks {
		n += len(b.itl) + len(b.itlBig)
	}
	k := stride(n, limit)
	out := make([]int64, 0, (n+k-1)/k)
	i := 0
	for _, b := range r.blocks {
		for _, v := range b.itl {
			if i%k == 0 {
				out = append(out, int64(v))
			}
			i++
		}
		for _, v := range b.itlBig {
			if i%k == 0 {
				out = append(out, v)
			}
			i++
		}
	}
	return out, n
}

// ITLByRequest returns the inter-token gaps of r request by request: vals
// holds the gaps of each kept request in turn, lens[i] of them for kept
// request i, so that a comparison can resample requests rather than
// tokens (the gaps of one request are not independent of each other).
// Requests without gaps (one chunk) are left out; nReq counts the others.
// When there are more than capGaps gaps, every k-th request is kept so
// that about capGaps remain.
func (r *RunData) ITLByRequest(capGaps int) (vals []int64, lens []int32, nReq int) {
	total := 0
	for _, b := range r.blocks {
		for i := range b.itlN {
			if n := int(b.itlN[i]) + int(b.itlBigN[i]); n > 0 {
				total += n
				nReq++
			}
		}
	}
	k := max((total+capGaps-1)/max(capGaps, 1), 1)
	req := 0
	for _, b := range r.blocks {
		small, big := 0, 0
		for i := range b.itlN {
			ns, nb := int(b.itlN[i]), int(b.itlBigN[i])
			if ns+nb > 0 {
				if req%k == 0 {
					for _, v := range b.itl[small : small+ns] {
						vals = append(vals, int64(v))
					}
					vals = append(vals, b.itlBig[big:big+nb]...)
					lens = append(lens, int32(ns+nb))
				}
				req++
			}
			small += ns
			big += nb
		}
	}
	return vals, lens, nReq
}
