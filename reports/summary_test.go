package reports

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

// ms is a millisecond in nanoseconds.
const ms = fixture.Ms

func TestSummarizeCountsAndWindow(t *testing.T) {
	warm := fixture.OKRec(0, 999, 9999, 10, 10, nil, nil)
	warm.Warmup = true
	canceled := results.Record{RunID: "r", Status: results.StatusCanceled, ErrorClass: results.ErrClassCanceled,
		ScheduledNs: 1500 * ms, SentNs: 1500 * ms, DoneNs: 1600 * ms}
	run := fixture.AddAll(NewRunData("", nil),
		warm,
		fixture.OKRec(1000, 100, 1100, 10, 11, nil, nil), // done at 2101
		fixture.OKRec(1200, 200, 1300, 20, 21, nil, nil), // done at 2501
		fixture.FailRec(1100, 1150, results.ErrClassHTTP5xx),
		fixture.FailRec(1300, 1400, results.ErrClassHTTP5xx),
		fixture.FailRec(1400, 3000, results.ErrClassTimeout),
		canceled,
	)
	s := Summarize(run, Options{})
	want := Counts{Total: 6, OK: 2, Failed: 3, Canceled: 1, Warmup: 1,
		Errors: []results.ClassCount{{Class: results.ErrClassHTTP5xx, Count: 2, Sample: "boom"}, {Class: results.ErrClassTimeout, Count: 1, Sample: "boom"}}}
	if !reflect.DeepEqual(s.Requests, want) {
		t.Errorf("counts = %+v, want %+v", s.Requests, want)
	}
	// Window: first sent 1000 ms to last done 3000 ms (the timeout), the
	// warm-up request (sent at 0) left out.
	if s.WindowNs != 2000*ms {
		t.Errorf("window = %v, want 2s", time.Duration(s.WindowNs))
	}
	if s.RequestsPerS != 1 {
		t.Errorf("requests/s = %v, want 1", s.RequestsPerS)
	}
	if s.OutputTokensPerS != 16 || s.InputTokensPerS != 15 {
		t.Errorf("tok/s out %v in %v, want 16 and 15", s.OutputTokensPerS, s.InputTokensPerS)
	}
	// Latencies over ok requests only; the warm-up's 999 ms TTFT is not in.
	if s.TTFT.N != 2 || s.TTFT.Max != 200*ms || s.TTFT.P50 != 100*ms {
		t.Errorf("TTFT = %+v", s.TTFT)
	}
	// Schedule lag covers every measured request (6), warm-up excluded.
	if s.ScheduleLag.N != 6 {
		t.Errorf("schedule lag N = %d, want 6", s.ScheduleLag.N)
	}
	if s.Goodput != nil || s.Cost != nil {
		t.Errorf("goodput %v cost %v, want nil without SLO and prices", s.Goodput, s.Cost)
	}
}

func TestSummarizeDistributions(t *testing.T) {
	var recs []results.Record
	for i := int64(1); i <= 100; i++ {
		r := fixture.OKRec(i*10, i, 10*i, 5, 11, nil, nil)
		r.ScheduledNs -= i * ms // lag of i ms
		r.Derive()
		recs = append(recs, r)
	}
	s := Summarize(fixture.AddAll(NewRunData("", nil), recs...), Options{})
	want := Dist{N: 100, P50: 50 * ms, P90: 90 * ms, P95: 95 * ms, P99: 99 * ms, Max: 100 * ms, Mean: 50.5 * float64(ms)}
	// The population std of 1..100 ms: sqrt((100²-1)/12) ms = 28.866 ms.
	wantStd := math.Sqrt((100*100-1)/12.0) * float64(ms)
	for name, d := range map[string]Dist{"TTFT": s.TTFT, "schedule lag": s.ScheduleLag} {
		if math.Abs(d.Std-wantStd) > 1e-6 {
			t.Errorf("%s std = %v, want %v", name, d.Std, wantStd)
		}
		if d.Std = 0; d != want {
			t.Errorf("%s = %+v, want %+v", name, d, want)
		}
	}
	// Linear percentiles of the same 1..100 ms: h = 99p/100, so p50 is
	// 50.5 ms, p90 90.1 ms, p95 95.05 ms, p99 99.01 ms.
	lin := Summarize(fixture.AddAll(NewRunData("", nil), recs...), Options{Percentiles: MethodLinear})
	if d := lin.TTFT; d.P50 != 50_500_000 || d.P90 != 90_100_000 || d.P95 != 95_050_000 || d.P99 != 99_010_000 ||
		lin.PercentileMethod != MethodLinear {
		t.Errorf("linear TTFT = %+v (%s)", d, lin.PercentileMethod)
	}
	// Total tokens per second: 100 requests of 5 in + 11 out over the
	// window from the first send (10 ms) to the last done (1000 + 1000 +
	// 1 = 2001 ms): 1600 / 1.991 s.
	if want := 1600 / 1.991; math.Abs(lin.TotalTokensPerS-want) > 1e-9 {
		t.Errorf("total tok/s = %v, want %v", lin.TotalTokensPerS, want)
	}
	// User latency = last_token - scheduled = E2E + lag = 11 i ms.
	if s.UserLatency.P50 != 550*ms || s.UserLatency.Max != 1100*ms {
		t.Errorf("user latency = %+v", s.UserLatency)
	}
	// TPOT = (E2E - TTFT) / (out - 1) = 9i/10 ms.
	if s.TPOT.P99 != 99*9*ms/10 {
		t.Errorf("TPOT p99 = %d, want %d", s.TPOT.P99, 99*9*ms/10)
	}
}

func TestSummarizeITL(t *testing.T) {
	tests := []struct {
		name    string
		gaps    []int64
		toks    []int32
		wantITL []int64 // sorted, ms
	}{
		{"one token per chunk, no chunk_tokens", fixture.MsGaps(10, 20, 30), nil, []int64{10, 20, 30}},
		{"chunk_tokens all 1", fixture.MsGaps(10, 20), []int32{1, 1, 1}, []int64{10, 20}},
		// The event after the 30 ms gap carried 3 tokens: three gaps of 10.
		{"multi-token chunk split evenly", fixture.MsGaps(40, 30), []int32{1, 1, 3}, []int64{10, 10, 10, 40}},
		{"first chunk's tokens are not a gap", fixture.MsGaps(8), []int32{5, 2}, []int64{4, 4}},
		{"zero-token event still counts once", fixture.MsGaps(7), []int32{1, 0}, []int64{7}},
		{"mismatched chunk_tokens ignored", fixture.MsGaps(10, 20), []int32{4, 4}, []int64{10, 20}},
		{"no gaps", nil, nil, nil},
		{"gaps of 4.29 s and more kept exactly", fixture.MsGaps(5000, 4294, 4295), nil, []int64{4294, 4295, 5000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := fixture.AddAll(NewRunData("", nil), fixture.OKRec(0, 10, 100, 1, 5, tt.gaps, tt.toks))
			var got []int64
			for _, v := range gather(run, func(c *columns) []uint32 { return c.itl }, true) {
				got = append(got, int64(v)/ms)
			}
			for _, v := range gather(run, func(c *columns) []int64 { return c.itlBig }, true) {
				got = append(got, v/ms)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.wantITL) {
				t.Errorf("ITL values = %v ms, want %v", got, tt.wantITL)
			}
			s := Summarize(run, Options{})
			if s.ITL.N != len(tt.wantITL) {
				t.Errorf("ITL N = %d, want %d", s.ITL.N, len(tt.wantITL))
			}
		})
	}
}

func TestSummarizeGoodput(t *testing.T) {
	// Four ok requests and one failure, window 1000..3000 ms.
	recs := []results.Record{
		fixture.OKRec(1000, 100, 1000, 1, 11, fixture.MsGaps(50, 60), nil), // tpot 90, max itl 60
		fixture.OKRec(1100, 300, 900, 1, 11, fixture.MsGaps(20, 20), nil),  // ttft 300, tpot 60
		fixture.OKRec(1200, 100, 1799, 1, 11, fixture.MsGaps(200), nil),    // e2e 1799, tpot 169.9, itl 200
		fixture.OKRec(1300, 50, 50, 1, 1, nil, nil),                        // one token: no TPOT, no gaps
		fixture.FailRec(1400, 3000, results.ErrClassConnection),            // never good
	}
	tests := []struct {
		name string
		slo  SLO
		good int64
	}{
		{"ttft only", SLO{TTFT: 200 * time.Millisecond}, 3},
		{"ttft inclusive limit", SLO{TTFT: 300 * time.Millisecond}, 4},
		{"tpot: single-token request passes", SLO{TPOT: 100 * time.Millisecond}, 3},
		{"e2e", SLO{E2E: time.Second}, 3},
		{"itl max", SLO{ITL: 100 * time.Millisecond}, 3},
		{"all limits", SLO{TTFT: 200 * time.Millisecond, TPOT: 100 * time.Millisecond, E2E: time.Second, ITL: 55 * time.Millisecond}, 1},
		{"tight: none", SLO{TTFT: time.Millisecond}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarize(fixture.AddAll(NewRunData("", nil), recs...), Options{SLO: tt.slo})
			g := s.Goodput
			if g == nil {
				t.Fatal("no goodput with an SLO set")
			}
			if g.Good != tt.good {
				t.Errorf("good = %d, want %d", g.Good, tt.good)
			}
			if want := float64(tt.good) / 5; g.Fraction != want {
				t.Errorf("fraction = %v, want %v (failures count against it)", g.Fraction, want)
			}
			if want := float64(tt.good) / 2; g.PerS != want {
				t.Errorf("goodput = %v/s, want %v", g.PerS, want)
			}
		})
	}
}

func TestSummarizeCost(t *testing.T) {
	// Two ok requests (100 in of which 40 cached, 1000 out in total) and
	// one failure billed for 50 input tokens; window 1 ms..3600.001 s.
	a := fixture.OKRec(1, 10, 100, 60, 400, nil, nil)
	a.CachedInputTokens = 40
	a.CostUSD = 0.5
	b := fixture.OKRec(10, 10, 100, 40, 600, nil, nil)
	b.CostUSD = 0.25
	f := fixture.FailRec(20, 3600_001, results.ErrClassHTTP5xx)
	f.InputTokens = 50
	recs := []results.Record{a, b, f}
	manifestPrices := &results.Manifest{StopReason: results.StopCompleted,
		Prices: &results.Prices{InputPer1M: 2, OutputPer1M: 8, Source: "catalogue 2026-11"}}

	tests := []struct {
		name       string
		m          *results.Manifest
		prices     *results.Prices
		want       *Cost
		noRecorded bool // zero the rows' cost_usd
		wantNone   bool
	}{
		{name: "no prices, no recorded cost", noRecorded: true, wantNone: true},
		{
			name:   "per-token from the command line, cached defaults to input price",
			prices: &results.Prices{InputPer1M: 3, OutputPer1M: 15},
			// uncached in = 150-40 = 110 -> 110*3/1e6; cached 40*3/1e6; out 1000*15/1e6
			want: &Cost{Model: CostPerToken, Source: "command line", InputUSD: 330e-6, CachedInputUSD: 120e-6,
				OutputUSD: 15000e-6, TotalUSD: 15450e-6, USDPerRequest: 15450e-6 / 2,
				USDPer1MInput: 15450e-6 / 150 * 1e6, USDPer1MOutput: 15450e-6 / 1000 * 1e6},
		},
		{
			name:   "per-token with a cached price",
			prices: &results.Prices{InputPer1M: 3, CachedInputPer1M: 0.3, OutputPer1M: 15},
			want: &Cost{Model: CostPerToken, Source: "command line", InputUSD: 330e-6, CachedInputUSD: 12e-6,
				OutputUSD: 15000e-6, TotalUSD: 15342e-6, USDPerRequest: 15342e-6 / 2,
				USDPer1MInput: 15342e-6 / 150 * 1e6, USDPer1MOutput: 15342e-6 / 1000 * 1e6},
		},
		{
			name: "per-token from the manifest snapshot",
			m:    manifestPrices,
			want: &Cost{Model: CostPerToken, Source: "manifest: catalogue 2026-11", InputUSD: 220e-6, CachedInputUSD: 80e-6,
				OutputUSD: 8000e-6, TotalUSD: 8300e-6, USDPerRequest: 8300e-6 / 2,
				USDPer1MInput: 8300e-6 / 150 * 1e6, USDPer1MOutput: 8300e-6 / 1000 * 1e6},
		},
		{
			name:   "command line overrides the manifest",
			m:      manifestPrices,
			prices: &results.Prices{GPUHourly: 10},
			// Window is 3600 s: one hour at $10. Per 1M output tokens uses
			// the ok requests' 1000 tokens: 10 / 1000 * 1e6.
			want: &Cost{Model: CostGPUHourly, Source: "command line", TotalUSD: 10, USDPerRequest: 5,
				USDPer1MInput: 10.0 / 100 * 1e6, USDPer1MOutput: 10.0 / 1000 * 1e6},
		},
		{
			name: "recorded cost_usd when no prices",
			m:    &results.Manifest{},
			want: &Cost{Model: CostRecorded, Source: "cost_usd column", TotalUSD: 0.75, USDPerRequest: 0.375,
				USDPer1MInput: 0.75 / 150 * 1e6, USDPer1MOutput: 0.75 / 1000 * 1e6, RecordedUSD: 0.75},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := fixture.AddAll(NewRunData("", tt.m), recs...)
			if tt.noRecorded {
				run.recordedCostUSD = 0
			}
			s := Summarize(run, Options{Prices: tt.prices})
			if tt.wantNone {
				if s.Cost != nil {
					t.Fatalf("cost = %+v, want nil", s.Cost)
				}
				return
			}
			if s.Cost == nil {
				t.Fatal("cost = nil")
			}
			got := *s.Cost
			got.Prices = results.Prices{}
			if tt.want.Model != CostRecorded {
				got.RecordedUSD = 0
			}
			want := *tt.want
			if !approxCost(got, want) {
				t.Errorf("cost =\n %+v\nwant\n %+v", got, want)
			}
			// Self-hosted: $/1M output = H / (3600 * output tok/s) * 1e6.
			if got.Model == CostGPUHourly {
				alt := tt.prices.GPUHourly / (3600 * s.OutputTokensPerS) * 1e6
				if !fixture.Approx(alt, got.USDPer1MOutput) {
					t.Errorf("per 1M output %v != H/(3600*tok/s)*1e6 = %v", got.USDPer1MOutput, alt)
				}
			}
		})
	}
}

func approxCost(a, b Cost) bool {
	return a.Model == b.Model && a.Source == b.Source && fixture.Approx(a.TotalUSD, b.TotalUSD) &&
		fixture.Approx(a.InputUSD, b.InputUSD) && fixture.Approx(a.CachedInputUSD, b.CachedInputUSD) &&
		fixture.Approx(a.OutputUSD, b.OutputUSD) && fixture.Approx(a.USDPerRequest, b.USDPerRequest) &&
		fixture.Approx(a.USDPer1MInput, b.USDPer1MInput) && fixture.Approx(a.USDPer1MOutput, b.USDPer1MOutput) &&
		fixture.Approx(a.RecordedUSD, b.RecordedUSD)
}

func TestSummarizeTokenSourceWarning(t *testing.T) {
	a := fixture.OKRec(0, 10, 100, 5, 5, nil, nil)
	b := fixture.OKRec(0, 10, 100, 5, 5, nil, nil)
	b.OutputTokensSource = results.TokensFromChunks
	b.InputTokensSource = results.TokensFromTokenizer
	s := Summarize(fixture.AddAll(NewRunData("", nil), a, b, a), Options{})
	wantOut := []SourceCount{{results.TokensFromUsage, 2}, {results.TokensFromChunks, 1}}
	if !reflect.DeepEqual(s.OutputTokenSources, wantOut) {
		t.Errorf("output sources = %v, want %v", s.OutputTokenSources, wantOut)
	}
	joined := strings.Join(s.Notes, "\n")
	for _, want := range []string{
		"input token counts of 1 of 3 ok requests are not from server usage (tokenizer 1)",
		"output token counts of 1 of 3 ok requests are not from server usage (chunks 1); chunk counts are a lower bound",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes %q lack %q", joined, want)
		}
	}
	if s := Summarize(fixture.AddAll(NewRunData("", nil), a), Options{}); len(s.Notes) != 0 {
		t.Errorf("all-usage run has notes %v", s.Notes)
	}
}

func TestSummarizeDoesNotChangeRun(t *testing.T) {
	run := fixture.AddAll(NewRunData("", nil), fixture.OKRec(0, 30, 100, 1, 5, fixture.MsGaps(3, 1, 2), nil), fixture.OKRec(0, 10, 100, 1, 5, nil, nil))
	c := run.blocks[0]
	before := slices.Clone(c.ttft)
	beforeITL := slices.Clone(c.itl)
	Summarize(run, Options{})
	if !slices.Equal(c.ttft, before) || !slices.Equal(c.itl, beforeITL) {
		t.Error("Summarize reordered the run's columns")
	}
}

func TestSummarizeEmptyRun(t *testing.T) {
	s := Summarize(NewRunData("", nil), Options{SLO: SLO{TTFT: time.Second}, Prices: &results.Prices{GPUHourly: 1}})
	if s.WindowNs != 0 || s.RequestsPerS != 0 || s.TTFT.N != 0 || s.Goodput.Fraction != 0 {
		t.Errorf("empty run summary = %+v", s)
	}
}

// TestTokenizerDisagreementNote: the report says when the tokenizer's
// output count of a request and its content events differ by more than
// 10%, read from the Parquet columns as from Records.
func TestTokenizerDisagreementNote(t *testing.T) {
	rec := func(tokens int64, chunks int32) results.Record {
		r := fixture.OKRec(10, 1, 5, 5, tokens, nil, nil)
		r.OutputTokensSource, r.Chunks = results.TokensFromTokenizer, chunks
		return r
	}
	recs := []results.Record{
		rec(10, 10),                              // agree
		rec(11, 10),                              // 1 of 11: within 10%
		rec(15, 10),                              // 5 of 15: disagree
		rec(10, 20),                              // 10 of 20: disagree
		fixture.OKRec(10, 1, 5, 5, 30, nil, nil), // usage: not compared
	}
	loaded, err := Load(fixture.WriteRun(t, t.TempDir(), "tok", nil, recs))
	if err != nil {
		t.Fatal(err)
	}
	for name, run := range map[string]*RunData{"records": fixture.AddAll(NewRunData("", nil), recs...), "parquet": loaded} {
		s := Summarize(run, Options{})
		if !slices.ContainsFunc(s.Notes, func(n string) bool {
			return strings.Contains(n, "output count of 2 of 4 requests counted by tokenizer differs from their content events by more than 10%")
		}) {
			t.Errorf("%s: notes %q", name, s.Notes)
		}
	}
	agree := Summarize(fixture.AddAll(NewRunData("", nil), rec(10, 10)), Options{})
	if slices.ContainsFunc(agree.Notes, func(n string) bool { return strings.Contains(n, "content events by more than") }) {
		t.Errorf("agreeing counts noted: %q", agree.Notes)
	}
}
