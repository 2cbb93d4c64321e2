package workloads

import (
	"errors"
	"io"
	"math"
	"slices"
)

// Stats summarises a workload as recorded: what `inferbench workload
// inspect` prints. Percentiles are nearest-rank over all rows; rate is
// (rows-1)/duration; CV is the population standard deviation of the gaps
// between consecutive arrivals divided by their mean. Failed rows are
// included, as recorded.
type Stats struct {
	Format Format `json:"format"`
	Rows   int    `json:"rows"`
	// Timed is false when the workload carries no arrival times; then the
	// time fields are 0.
	Timed          bool    `json:"timed"`
	DurationS      float64 `json:"duration_s"`
	RatePerS       float64 `json:"rate_per_s"`
	CVInterarrival float64 `json:"cv_interarrival"`
	// OutOfOrder counts rows whose time is earlier than the row before.
	OutOfOrder   int         `json:"out_of_order_rows"`
	InputTokens  LengthStats `json:"input_tokens"`
	OutputTokens LengthStats `json:"output_tokens"`
	// InputSource says where input lengths come from: "recorded", or
	// "tokenizer:NAME" for text counted with the tokenizer.
	InputSource string `json:"input_tokens_source"`
	// Sessions counts distinct session ids; Turns the rows that belong to
	// one; MaxTurns the longest session.
	Sessions    int          `json:"sessions"`
	Turns       int          `json:"turns"`
	MaxTurns    int          `json:"max_turns"`
	FailedRows  int          `json:"failed_rows"`
	InvalidRows int          `json:"invalid_rows"`
	PrefixReuse *PrefixStats `json:"prefix_reuse,omitempty"`
	// Observed summarises what the upstream answered, for rows recorded
	// with it (inferbench record); nil when no row has it.
	Observed *ObservedStats `json:"observed,omitempty"`
}

// ObservedStats summarises the observed answers of a recording: the real
// answer lengths, where OutputTokens above are the max_tokens asked for.
type ObservedStats struct {
	// Rows have an observed answer; FromChunks of them were counted by
	// stream chunks (no usage: input tokens unknown); Streamed streamed.
	Rows       int `json:"rows"`
	FromChunks int `json:"from_chunks"`
	Streamed   int `json:"streamed"`
	// OutputTokens are over every observed row, InputTokens over those
	// with usage; ReasoningTokens is the sum of the reasoning part.
	OutputTokens    LengthStats `json:"output_tokens"`
	InputTokens     LengthStats `json:"input_tokens"`
	ReasoningTokens int64       `json:"reasoning_tokens"`
	// UsageInput and UsageOutput are the input and output tokens of the
	// rows with usage: the recorded traffic's input:output mix.
	UsageInput  int64 `json:"usage_input_tokens"`
	UsageOutput int64 `json:"usage_output_tokens"`
}

// LengthStats summarises token lengths.
type LengthStats struct {
	Mean float64 `json:"mean"`
	P50  int     `json:"p50"`
	P90  int     `json:"p90"`
	P99  int     `json:"p99"`
	Max  int     `json:"max"`
	Sum  int64   `json:"sum"`
}

// PrefixStats measures prefix sharing in a hash-id trace: how many
// 512-token blocks repeat one seen in an earlier row, which is the hit rate
// of an unbounded prefix cache.
type PrefixStats struct {
	Blocks       int64   `json:"blocks"`
	UniqueBlocks int64   `json:"unique_blocks"`
	ReusedBlocks int64   `json:"reused_blocks"`
	ReuseRatio   float64 `json:"reuse_ratio"`
	// RowsSharing counts rows whose first block appeared in an earlier
	// row.
	RowsSharing int `json:"rows_sharing_prefix"`
}

// Inspect reads every row of rr and summarises them. Memory grows with the
// number of distinct lengths, sessions and hash ids, not with rows. Text
// rows without a recorded length are counted with rr's tokenizer. Bad
// rows are all reported at once (file:line each, up to 20 and a count),
// as a run's loader does, unless rr skips them.
func Inspect(rr *RowReader) (Stats, error) {
	var a inspector
	a.init(rr.Format())
	bad := lineErrors{name: rr.name}
	for {
		row, err := rr.Next()
		if err == io.EOF {
			break
		}
		var se *SyntaxError
		if errors.As(err, &se) {
			bad.add(se) // go on: every bad line is listed at once
			continue
		}
		if err != nil {
			return Stats{}, err
		}
		if row.InputTokens == 0 && (row.Request.Prompt != "" || len(row.Request.Messages) > 0) {
			tok, err := rr.Tokenizer()
			if err != nil {
				return Stats{}, err
			}
			row.InputTokens = len(tok.Encode(row.Request.Text()))
			a.counted = tok.Name()
		}
		if rr.Format() == FormatShareGPT && a.counted == "" {
			if tok, err := rr.Tokenizer(); err == nil {
				a.counted = tok.Name() // the source counted turns with it
			}
		}
		a.add(&row)
	}
	if err := bad.err(); err != nil {
		return Stats{}, err
	}
	s := a.stats()
	s.InvalidRows = rr.Invalid()
	return s, nil
}

// inspector accumulates Stats one row at a time.
type inspector struct {
	s        Stats
	in, out  map[int]int64
	first    int64
	last     int64
	gapN     int64
	gapMean  float64 // Welford running mean and sum of squares, seconds
	gapM2    float64
	sessions map[string]int
	seen     map[int64]struct{}
	counted  string
	obs      ObservedStats
	obsIn    map[int]int64
	obsOut   map[int]int64
}

func (a *inspector) init(f Format) {
	a.s.Format = f
	a.in, a.out = map[int]int64{}, map[int]int64{}
	a.obsIn, a.obsOut = map[int]int64{}, map[int]int64{}
	a.sessions = map[string]int{}
}

func (a *inspector) add(r *Row) {
	a.s.Rows++
	if r.HasTime {
		if !a.s.Timed {
			a.s.Timed, a.first, a.last = true, r.TimeNs, r.TimeNs
		} else {
			if r.TimeNs < a.last {
				a.s.OutOfOrder++
			}
			g := float64(r.TimeNs-a.last) / 1e9
			a.gapN++
			d := g - a.gapMean
			a.gapMean += d / float64(a.gapN)
			a.gapM2 += d * (g - a.gapMean)
			a.last = r.TimeNs
		}
	}
	a.in[r.InputTokens]++
	out := r.OutputTokens
	if out == 0 {
		out = r.Request.MaxTokens
	}
	a.out[out]++
	if r.Failed {
		a.s.FailedRows++
	}
	if o := r.Request.Observed; o != nil {
		a.addObserved(o)
	}
	if id := r.Request.SessionID; id != "" {
		a.sessions[id]++
		a.s.Turns++
	}
	if len(r.HashIDs) > 0 {
		if a.s.PrefixReuse == nil {
			a.s.PrefixReuse = &PrefixStats{}
			a.seen = map[int64]struct{}{}
		}
		p := a.s.PrefixReuse
		if _, ok := a.seen[r.HashIDs[0]]; ok {
			p.RowsSharing++
		}
		for _, h := range r.HashIDs {
			p.Blocks++
			if _, ok := a.seen[h]; ok {
				p.ReusedBlocks++
			} else {
				a.seen[h] = struct{}{}
			}
		}
	}
}

func (a *inspector) addObserved(o *Observed) {
	s := &a.obs
	s.Rows++
	a.obsOut[o.OutputTokens]++
	s.ReasoningTokens += int64(o.ReasoningTokens)
	if o.Streamed {
		s.Streamed++
	}
	if o.Source == ObservedFromChunks {
		s.FromChunks++
		return
	}
	a.obsIn[o.InputTokens]++
	s.UsageInput += int64(o.InputTokens)
	s.UsageOutput += int64(o.OutputTokens)
}

func (a *inspector) stats() Stats {
	s := a.s
	if s.Timed && s.Rows > 1 {
		s.DurationS = float64(a.last-a.first) / 1e9
		if s.DurationS > 0 {
			s.RatePerS = float64(s.Rows-1) / s.DurationS
		}
		if a.gapMean > 0 {
			s.CVInterarrival = math.Sqrt(a.gapM2/float64(a.gapN)) / a.gapMean
		}
	}
	s.InputTokens = lengthStats(a.in, s.Rows)
	s.OutputTokens = lengthStats(a.out, s.Rows)
	s.InputSource = "recorded"
	if a.counted != "" {
		s.InputSource = "tokenizer:" + a.counted
	}
	if a.obs.Rows > 0 {
		o := a.obs
		o.OutputTokens = lengthStats(a.obsOut, o.Rows)
		o.InputTokens = lengthStats(a.obsIn, o.Rows-o.FromChunks)
		s.Observed = &o
	}
	s.Sessions = len(a.sessions)
	for _, n := range a.sessions {
		s.MaxTurns = max(s.MaxTurns, n)
	}
	if p := s.PrefixReuse; p != nil {
		p.UniqueBlocks = int64(len(a.seen))
		if p.Blocks > 0 {
			p.ReuseRatio = float64(p.ReusedBlocks) / float64(p.Blocks)
		}
	}
	return s
}

// lengthStats computes the summary of n values given as value -> count,
// with nearest-rank percentiles: the p-th is the smallest value v such
// that at least ceil(p/100 * n) values are <= v.
func lengthStats(counts map[int]int64, n int) LengthStats {
	var ls LengthStats
	if n == 0 {
		return ls
	}
	vals := make([]int, 0, len(counts))
	for v, c := range counts {
		vals = append(vals, v)
		ls.Sum += int64(v) * c
	}
	slices.Sort(vals)
	ls.Mean = float64(ls.Sum) / float64(n)
	ls.Max = vals[len(vals)-1]
	rank := func(p int64) int {
		want := max((p*int64(n)+99)/100, 1)
		var seen int64
		for _, v := range vals {
			seen += counts[v]
			if seen >= want {
				return v
			}
		}
		return ls.Max
	}
	ls.P50, ls.P90, ls.P99 = rank(50), rank(90), rank(99)
	return ls
}
