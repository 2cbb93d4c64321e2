package prices

import (
	"math"
	"testing"

	"github.com/inferbench/inferbench/results"
)

// A catalogue price survives the trip through the manifest: the cost of a
// request priced from the snapshot is the cost priced from the catalogue
// entry itself, in every band (base, long context) and for every kind of
// token (uncached, cache read, cache write, output, reasoning).
func TestSnapshotRoundTripPricesTheSame(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tp := TokenPrice{Provider: "anthropic", Model: "m",
		Rates:       Rates{InputPer1M: 3, CachedInputPer1M: f(0.3), CacheWritePer1M: f(3.75), OutputPer1M: 15},
		LongContext: &Tier{AboveInputTokens: 200_000, Rates: Rates{InputPer1M: 6, CachedInputPer1M: f(0.6), CacheWritePer1M: f(7.5), OutputPer1M: 22.5}},
		CheckedAt:   "2026-11-26", Source: "s"}
	snap := Snapshot(tp)
	back, ok := FromSnapshot(snap)
	if !ok {
		t.Fatal("FromSnapshot: no per-token price")
	}
	for _, r := range []results.Record{
		{InputTokens: 1000, CachedInputTokens: 200, CacheWriteInputTokens: 300, OutputTokens: 50},
		{InputTokens: 250_000, CachedInputTokens: 10_000, CacheWriteInputTokens: 5_000, OutputTokens: 100, ReasoningTokens: 400},
		{InputTokens: 10},
	} {
		want := tp.Cost(UsageOf(&r))
		if got := back.Cost(UsageOf(&r)); math.Abs(got-want) > 1e-12 {
			t.Errorf("%+v: snapshot prices %.9f, catalogue %.9f", r, got, want)
		}
		if got := RecordCost(snap, &r); math.Abs(got-want) > 1e-12 {
			t.Errorf("%+v: RecordCost %.9f, want %.9f", r, got, want)
		}
	}
	// The long-context row by hand: 250k > 200k, so the tier applies:
	// (235k uncached * 6 + 10k * 0.6 + 5k * 7.5 + max(100, 400) * 22.5) / 1e6.
	r := results.Record{InputTokens: 250_000, CachedInputTokens: 10_000, CacheWriteInputTokens: 5_000, OutputTokens: 100, ReasoningTokens: 400}
	want := (235_000*6 + 10_000*0.6 + 5_000*7.5 + 400*22.5) / 1e6
	if got := RecordCost(snap, &r); math.Abs(got-want) > 1e-12 {
		t.Errorf("long-context request: %.9f, want %.9f", got, want)
	}
}

// Unset cache prices bill at the input price, and a GPU-hour snapshot
// prices no single request.
func TestFromSnapshotDefaults(t *testing.T) {
	r := results.Record{InputTokens: 1000, CachedInputTokens: 400, CacheWriteInputTokens: 100, OutputTokens: 10}
	if got, want := RecordCost(results.Prices{InputPer1M: 2, OutputPer1M: 8}, &r), (1000*2+10*8)/1e6; math.Abs(got-want) > 1e-12 {
		t.Errorf("cost without cache prices = %v, want %v", got, want)
	}
	if _, ok := FromSnapshot(results.Prices{GPUHourly: 5}); ok {
		t.Error("a GPU-hour snapshot has no per-token price")
	}
	if got := RecordCost(results.Prices{GPUHourly: 5}, &r); got != 0 {
		t.Errorf("GPU-hour request cost = %v, want 0", got)
	}
}
