package prices

import (
	"errors"
	"fmt"

	"github.com/inferbench/inferbench/results"
)

// MaxPrice bounds every price a run takes, in USD per 1M tokens or per
// hour: the dearest catalogue entry is two orders of magnitude below, so
// anything above is a typo (or 1e300).
const MaxPrice = 1e6

// CheckSnapshot reports every price of p that is not a finite number from
// 0 to MaxPrice, naming each by its manifest key. A NaN would make the
// manifest unwritable and a negative price a refund.
func CheckSnapshot(p results.Prices) error {
	fields := []struct {
		key string
		v   float64
	}{{"input_per_1m", p.InputPer1M}, {"cached_input_per_1m", p.CachedInputPer1M}, {"cache_write_per_1m", p.CacheWritePer1M},
		{"output_per_1m", p.OutputPer1M}, {"gpu_hourly_usd", p.GPUHourly}, {"usd_per_gpu_hour", p.USDPerGPUHour}}
	if t := p.LongContext; t != nil {
		fields = append(fields, []struct {
			key string
			v   float64
		}{{"long_context.input_per_1m", t.InputPer1M}, {"long_context.cached_input_per_1m", t.CachedInputPer1M},
			{"long_context.cache_write_per_1m", t.CacheWritePer1M}, {"long_context.output_per_1m", t.OutputPer1M}}...)
	}
	var errs []error
	for _, f := range fields {
		if err := CheckPrice(f.v); err != nil {
			errs = append(errs, fmt.Errorf("price %s: %w", f.key, err))
		}
	}
	return errors.Join(errs...)
}

// CheckPrice says what is wrong with one price in USD, or nil when it is a
// finite number from 0 to MaxPrice.
func CheckPrice(v float64) error {
	if !(v >= 0 && v <= MaxPrice) {
		return fmt.Errorf("want a price from 0 to %.0f USD, got %g", float64(MaxPrice), v)
	}
	return nil
}

// Snapshot is the manifest's copy of a catalogue price (results.Prices):
// what a run was priced at, kept with the run so a report made later, on
// another machine, prices it the same way.
func Snapshot(tp TokenPrice) results.Prices {
	pr := results.Prices{
		InputPer1M: tp.InputPer1M, CachedInputPer1M: valueOf(tp.CachedInputPer1M),
		CacheWritePer1M: valueOf(tp.CacheWritePer1M), OutputPer1M: tp.OutputPer1M,
		Provider: tp.Provider, Model: tp.Model,
		Source: tp.Source, SourceURL: tp.SourceURL, CheckedAt: tp.CheckedAt,
	}
	if t := tp.LongContext; t != nil {
		pr.LongContext = &results.PriceTier{AboveInputTokens: t.AboveInputTokens,
			InputPer1M: t.InputPer1M, CachedInputPer1M: valueOf(t.CachedInputPer1M),
			CacheWritePer1M: valueOf(t.CacheWritePer1M), OutputPer1M: t.OutputPer1M}
	}
	return pr
}

// FromSnapshot is the per-token price a manifest's snapshot describes, the
// inverse of Snapshot. A cached-input or cache-write price of 0 in the
// snapshot means "billed at the input price" (results.Prices), so it maps
// to a nil price here. ok is false when the snapshot has no per-token price
// (a GPU-hour price, or none at all).
func FromSnapshot(p results.Prices) (tp TokenPrice, ok bool) {
	if p.InputPer1M <= 0 && p.OutputPer1M <= 0 && p.CachedInputPer1M <= 0 && p.CacheWritePer1M <= 0 {
		return TokenPrice{}, false
	}
	tp = TokenPrice{
		Provider: p.Provider, Model: p.Model,
		Rates:     snapshotRates(p.InputPer1M, p.CachedInputPer1M, p.CacheWritePer1M, p.OutputPer1M),
		CheckedAt: p.CheckedAt, Source: p.Source, SourceURL: p.SourceURL,
	}
	if t := p.LongContext; t != nil {
		tp.LongContext = &Tier{AboveInputTokens: t.AboveInputTokens,
			Rates: snapshotRates(t.InputPer1M, t.CachedInputPer1M, t.CacheWritePer1M, t.OutputPer1M)}
	}
	return tp, true
}

func snapshotRates(in, cached, write, out float64) Rates {
	r := Rates{InputPer1M: in, OutputPer1M: out}
	if cached > 0 {
		r.CachedInputPer1M = &cached
	}
	if write > 0 {
		r.CacheWritePer1M = &write
	}
	return r
}

// UsageOf is the token usage a Record keeps, in the form Cost takes.
func UsageOf(r *results.Record) Usage {
	return Usage{Input: r.InputTokens, CachedInput: r.CachedInputTokens,
		CacheWrite: r.CacheWriteInputTokens, Output: r.OutputTokens, Reasoning: r.ReasoningTokens}
}

// RecordCost is THE cost of one request under a run's price snapshot: the
// value stamped into cost_usd when the run is written and the one every
// report figure sums, so a report's total is the sum of cost_usd when both
// use the same prices. It is 0 without a per-token price (a GPU-hour price
// is a cost of the run's window, not of a request). See TokenPrice.Cost for
// the formula.
func RecordCost(p results.Prices, r *results.Record) float64 {
	tp, ok := FromSnapshot(p)
	if !ok {
		return 0
	}
	return tp.Cost(UsageOf(r))
}

func valueOf(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}
