package reports

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/inferbench/inferbench/results"
)

// SLO is a set of per-request latency limits. A zero limit is not set.
// A request is good when it completed ok and meets every limit that is set.
type SLO struct {
	TTFT time.Duration // time to first token
	TPOT time.Duration // time per output token (after the first)
	E2E  time.Duration // first byte sent to last token
	ITL  time.Duration // the request's largest per-token gap
}

// IsZero reports whether no limit is set.
func (s SLO) IsZero() bool { return s == SLO{} }

// DefaultAttainment is the share of a run's measured requests that must
// meet the SLO for the run to count as meeting it (the "90% SLO
// attainment" of DistServe and its successors): a sweep's saturation
// search and the decision's capacity both go by it.
const DefaultAttainment = 0.9

// Options are the report's choices that are not in the run itself.
type Options struct {
	SLO SLO
	// Prices, when set, override the manifest's price snapshot and the
	// cost_usd recorded on the rows.
	Prices *results.Prices
	// Energy prices GPU energy (USD per kWh, PUE); zero = energy not priced.
	Energy EnergyPrice
	// Percentiles is how the latency distributions' percentiles are taken
	// (default nearest-rank; linear is numpy's, as vLLM and AIPerf report).
	Percentiles PercentileMethod
}

// Summary is one run reduced to the numbers a report shows. Durations are
// nanoseconds; throughputs are per second of the run's window.
type Summary struct {
	RunID      string
	Target     string
	TargetKind string
	Model      string
	Workload   string
	Simulated  bool
	// StopReason is the manifest's ("" when there is no manifest).
	StopReason string
	// StartedAt and Load are the manifest's (zero when there is none):
	// when the run began and the load it applied, which is how Decide
	// orders a target's runs and recognises a sweep.
	StartedAt time.Time
	Load      results.LoadInfo

	Requests Counts

	// WindowNs is first sent_ns to last done_ns of the measured requests.
	WindowNs          int64
	RequestsPerS      float64 // ok requests / window
	InputTokensPerS   float64 // input tokens of ok requests / window
	OutputTokensPerS  float64 // output tokens of ok requests / window
	TotalTokensPerS   float64 // input + output tokens of ok requests / window
	InputTokens       int64   // of ok requests
	OutputTokens      int64   // of ok requests
	CachedInputTokens int64   // of ok requests

	// PercentileMethod is how the distributions' percentiles were taken
	// (Options.Percentiles).
	PercentileMethod PercentileMethod
	// Latency distributions over ok requests (schedule lag: over every
	// measured request).
	TTFT        Dist
	TTFO        Dist
	TPOT        Dist
	ITL         Dist // per token, see docs/metrics.md
	E2E         Dist
	UserLatency Dist // last_token - scheduled
	ScheduleLag Dist

	// Goodput is nil when no SLO was given.
	Goodput *Goodput

	InputTokenSources  []SourceCount
	OutputTokenSources []SourceCount

	// Cost is nil when there are no prices and no recorded cost.
	Cost *Cost

	// Saturation is GPU and server telemetry over the window; nil when the
	// run has none.
	Saturation *Saturation
	// ServerState is the TTFT the requests met by the server's queue and
	// KV usage when they were sent; nil without those series.
	ServerState *ServerState

	// Incomplete says why the run cannot carry a verdict (RunData's);
	// RowsNote then says how many of the requests sent survive on disk.
	Incomplete []string
	RowsNote   string

	// Client is the load generator's check of itself (one per shard of a
	// merged group); ClientWarning turns it into words.
	Client []ClientCheck

	// Notes are the run's notes followed by warnings about the numbers.
	Notes []string
}

// Counts are the measured requests by outcome; warm-up requests are only
// counted, and are not in Total.
type Counts struct {
	Total    int64
	OK       int64
	Failed   int64
	Canceled int64
	Warmup   int64
	// Errors are the failed requests by error class, most frequent first.
	Errors []results.ClassCount
}

// SourceCount is the number of ok requests whose token count came from one
// source (usage, tokenizer, chunks, estimate, unknown).
type SourceCount struct {
	Source string
	Count  int64
}

// Goodput is how many requests met the SLO.
type Goodput struct {
	SLO  SLO
	Good int64
	// PerS is good requests / window.
	PerS float64
	// Fraction is good / all measured requests (errors count against it).
	Fraction float64
}

// Summarize reduces run to its summary. It does not change run, so one
// run can be summarised under several SLOs.
func Summarize(run *RunData, opt Options) Summary {
	s := Summary{
		RunID: run.RunID, Target: run.Target, TargetKind: run.TargetKind,
		Model: run.Model, Workload: run.Workload, Simulated: run.Simulated,
		Requests: Counts{
			Total: run.total, OK: run.ok, Failed: run.failed,
			Canceled: run.canceled, Warmup: run.warmup,
			Errors: run.errors.Classes(),
		},
		InputTokens: run.okIn, OutputTokens: run.okOut, CachedInputTokens: run.okCached,
		InputTokenSources:  sourceCounts(run.inSources),
		OutputTokenSources: sourceCounts(run.outSources),
		Notes:              slices.Clone(run.Notes),
		StartedAt:          run.StartedAt,
		Incomplete:         slices.Clone(run.Incomplete),
		Client:             slices.Clone(run.Client),
		PercentileMethod:   opt.Percentiles,
	}
	if len(run.Incomplete) > 0 {
		s.RowsNote = run.RowsNote()
	}
	if run.Manifest != nil {
		s.StopReason = run.Manifest.StopReason
		s.Load = run.Manifest.Load
	}
	if run.total > 0 && run.lastDone > run.firstSent {
		s.WindowNs = run.lastDone - run.firstSent
	}
	s.RequestsPerS = perSecond(run.ok, s.WindowNs)
	s.InputTokensPerS = perSecond(run.okIn, s.WindowNs)
	s.OutputTokensPerS = perSecond(run.okOut, s.WindowNs)
	s.TotalTokensPerS = perSecond(run.okIn+run.okOut, s.WindowNs)

	// The distributions are independent and sorting dominates the cost of
	// a large run, so they are computed side by side.
	// At most one per CPU at a time: each holds a sorted copy of its
	// column (and a radix-sort buffer as large), so running more than the
	// CPUs can sort adds memory, not speed.
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	do := func(f func()) {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			f()
		})
	}
	// The per-token ITL column is by far the largest: start it first.
	do(func() {
		s.ITL = splitDist(gather(run, func(c *columns) []uint32 { return c.itl }, true),
			gather(run, func(c *columns) []int64 { return c.itlBig }, true), opt.Percentiles)
	})
	for _, f := range latencies {
		if f.col != nil { // not ITL, started above
			do(func() { *f.dist(&s) = newDist(gather(run, f.col, f.keepZero), opt.Percentiles) })
		}
	}
	if !opt.SLO.IsZero() {
		s.Goodput = goodput(run, opt.SLO, s.WindowNs)
	}
	wg.Wait()

	s.Cost = computeCost(run, opt, s)
	if n := s.Cost.StaleNote(); n != "" {
		s.Notes = append(s.Notes, n)
	}
	s.Saturation = saturationOf(run, opt, s)
	if len(run.Server) > 0 {
		s.ServerState = serverStateOf(run)
	}
	s.Notes = append(s.Notes, tokenWarnings(s)...)
	if run.tokenDisagree > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("the tokenizer's output count of %d of %d requests counted by tokenizer differs from their content events by more than %.0f%%: "+
			"on a server that sends one token per event the event count (chunks) is exact and the tokenizer is not the model's (--count-tokenizer); on one that sends several, the tokenizer's is nearer",
			run.tokenDisagree, run.tokenized, tokenDisagreement*100))
	}
	return s
}

// goodput counts the ok requests that meet every limit of slo. A limit
// on a value the request did not have is handled so that a missing value
// never makes a request look better than it was: no TTFT or E2E fails
// the limit; no TPOT (one output token) or no gaps (one chunk) pass it,
// since there was no decoding to be slow.
func goodput(run *RunData, slo SLO, windowNs int64) *Goodput {
	g := &Goodput{SLO: slo}
	for _, c := range run.blocks {
		for i := range c.ttft {
			if slo.TTFT > 0 && (c.ttft[i] == 0 || c.ttft[i] > int64(slo.TTFT)) {
				continue
			}
			if slo.E2E > 0 && (c.e2e[i] == 0 || c.e2e[i] > int64(slo.E2E)) {
				continue
			}
			if slo.TPOT > 0 && c.tpot[i] > int64(slo.TPOT) {
				continue
			}
			if slo.ITL > 0 && c.maxITL[i] > int64(slo.ITL) {
				continue
			}
			g.Good++
		}
	}
	g.PerS = perSecond(g.Good, windowNs)
	if run.total > 0 {
		g.Fraction = float64(g.Good) / float64(run.total)
	}
	return g
}

func perSecond(n, windowNs int64) float64 {
	if windowNs <= 0 {
		return 0
	}
	return float64(n) / (float64(windowNs) / 1e9)
}

func sourceCounts(m map[string]int64) []SourceCount {
	out := make([]SourceCount, 0, len(m))
	for src, n := range m {
		out = append(out, SourceCount{src, n})
	}
	slices.SortFunc(out, func(a, b SourceCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Source, b.Source))
	})
	return out
}

// tokenWarnings says when token counts, and so token throughput and cost,
// did not come from the server's usage report.
func tokenWarnings(s Summary) []string {
	var w []string
	for _, side := range []struct {
		name string
		srcs []SourceCount
	}{{"input", s.InputTokenSources}, {"output", s.OutputTokenSources}} {
		var not, all int64
		detail := ""
		for _, sc := range side.srcs {
			all += sc.Count
			if sc.Source != results.TokensFromUsage {
				not += sc.Count
				if detail != "" {
					detail += ", "
				}
				detail += fmt.Sprintf("%s %d", sc.Source, sc.Count)
			}
		}
		if not > 0 {
			msg := fmt.Sprintf("%s token counts of %d of %d ok requests are not from server usage (%s)", side.name, not, all, detail)
			if side.name == "output" {
				for _, sc := range side.srcs {
					if sc.Source == results.TokensFromChunks {
						msg += "; chunk counts are a lower bound"
						break
					}
				}
			}
			w = append(w, msg)
		}
	}
	return w
}
