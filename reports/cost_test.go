package reports

import (
	"math"
	"testing"

	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

// costSnapshot is a manifest price snapshot with every kind of price a
// request can be billed at: cache reads and writes, and a long-context
// tier above 200k input tokens.
var costSnapshot = results.Prices{InputPer1M: 3, CachedInputPer1M: 0.3, CacheWritePer1M: 3.75, OutputPer1M: 15,
	LongContext: &results.PriceTier{AboveInputTokens: 200000,
		InputPer1M: 6, CachedInputPer1M: 0.6, CacheWritePer1M: 7.5, OutputPer1M: 22.5},
	Source: "test snapshot"}

// costRecs are a run's rows, cost_usd stamped as the runner stamps it
// (prices.RecordCost under the manifest's snapshot). Each comment is the
// request's cost by hand, in USD per 1M (micro-dollars).
func costRecs() []results.Record {
	rec := func(in, cached, write, out, reasoning int64) results.Record {
		r := fixture.OKRec(100, 20, 200, in, out, nil, nil)
		r.CachedInputTokens, r.CacheWriteInputTokens, r.ReasoningTokens = cached, write, reasoning
		return r
	}
	warm := rec(500000, 0, 0, 1000, 0) // warm-up: recorded, not in the report
	warm.Warmup = true
	failed := fixture.FailRec(300, 400, results.ErrClassStreamBroken)
	failed.InputTokens, failed.OutputTokens = 3000, 20 // billed for what it reported
	recs := []results.Record{
		warm,
		rec(1000, 0, 0, 200, 0),             // 1000*3 + 200*15                              =    6,000
		rec(2000, 1500, 0, 100, 0),          // 500*3 + 1500*0.3 + 100*15                    =    3,450
		rec(4000, 0, 3000, 50, 0),           // 1000*3 + 3000*3.75 + 50*15                   =   15,000
		rec(250000, 50000, 10000, 300, 200), // tier: 190000*6 + 50000*0.6 + 10000*7.5 + 300*22.5 = 1,251,750
		rec(100, 0, 0, 10, 40),              // reasoning above output: 100*3 + 40*15        =      900
		failed,                              // 3000*3 + 20*15                               =    9,300
	}
	for i := range recs {
		recs[i].CostUSD = prices.RecordCost(costSnapshot, &recs[i])
	}
	return recs
}

// costByHand is the sum of costRecs' measured rows, from the comments.
const costByHand = (6000 + 3450 + 15000 + 1251750 + 900 + 9300) / 1e6 // 1.2864

// The report's total cost is the one cost of a request summed: under the
// manifest's snapshot it equals the sum of the measured rows' cost_usd and
// the hand computation, cache writes, the long-context tier and reasoning
// included; warm-up is left out; a failed row's tokens are billed.
func TestCostIsSumOfCostUSD(t *testing.T) {
	m := &results.Manifest{RunID: "priced", StopReason: results.StopCompleted,
		Target: results.TargetInfo{Name: "claude", Kind: "api"}, Prices: &costSnapshot}
	recs := costRecs()
	run, err := Load(fixture.WriteRun(t, t.TempDir(), "priced", m, recs))
	if err != nil {
		t.Fatal(err)
	}
	var sumCostUSD float64
	for _, r := range recs {
		if !r.Warmup {
			sumCostUSD += r.CostUSD
		}
	}
	c := Summarize(run, Options{}).Cost
	if c == nil || c.Model != CostPerToken || c.Source != "manifest: test snapshot" {
		t.Fatalf("cost = %+v, want per-token from the manifest", c)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
	if !near(sumCostUSD, costByHand) {
		t.Fatalf("sum of cost_usd = %.15g, hand computation %.15g: the fixture is wrong", sumCostUSD, costByHand)
	}
	if !near(c.TotalUSD, sumCostUSD) {
		t.Errorf("report total = %.15g, sum of cost_usd = %.15g", c.TotalUSD, sumCostUSD)
	}
	if !near(c.RecordedUSD, sumCostUSD) {
		t.Errorf("recorded = %.15g, want %.15g", c.RecordedUSD, sumCostUSD)
	}
	// The parts are the same terms: input (uncached + cache writes),
	// cache reads, output.
	wantIn := (1000*3 + 500*3 + 1000*3 + 3000*3.75 + 190000*6 + 10000*7.5 + 100*3 + 3000*3) / 1e6
	wantCached := (1500*0.3 + 50000*0.6) / 1e6
	wantOut := (200*15 + 100*15 + 50*15 + 300*22.5 + 40*15 + 20*15) / 1e6
	if !near(c.InputUSD, wantIn) || !near(c.CachedInputUSD, wantCached) || !near(c.OutputUSD, wantOut) {
		t.Errorf("parts in %.15g cached %.15g out %.15g, want %.15g %.15g %.15g",
			c.InputUSD, c.CachedInputUSD, c.OutputUSD, wantIn, wantCached, wantOut)
	}
	if !near(c.InputUSD+c.CachedInputUSD+c.OutputUSD, c.TotalUSD) {
		t.Errorf("parts add up to %.15g, total %.15g", c.InputUSD+c.CachedInputUSD+c.OutputUSD, c.TotalUSD)
	}
	// Per request is over the 5 ok requests.
	if !near(c.USDPerRequest, costByHand/5) {
		t.Errorf("per request = %.15g, want %.15g", c.USDPerRequest, costByHand/5)
	}
}

// Prices given to the report (--price-in/--price-out) override the
// snapshot and go through the same function, request by request: cache
// reads and writes are billed at the input price when no price of their
// own is given, and reasoning above output is still billed.
func TestCostFromReportPrices(t *testing.T) {
	run := fixture.AddAll(NewRunData("", &results.Manifest{RunID: "priced", Prices: &costSnapshot}), costRecs()...)
	c := Summarize(run, Options{Prices: &results.Prices{InputPer1M: 1, OutputPer1M: 2, Source: "command line"}}).Cost
	// input: every measured input token at $1 (1000+2000+4000+250000+100+3000);
	// output: max(output, reasoning) at $2 (200+100+50+300+40+20).
	want := (260100*1 + 710*2) / 1e6
	if c == nil || c.Model != CostPerToken || math.Abs(c.TotalUSD-want) > 1e-12 {
		t.Fatalf("cost = %+v, want total %v", c, want)
	}
	if c.Prices.CachedInputPer1M != 1 {
		t.Errorf("shown cached price %v, want the input price it defaulted to", c.Prices.CachedInputPer1M)
	}
}
