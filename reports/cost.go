package reports

import (
	"fmt"
	"math"
	"time"

	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/reports/internal/table"
	"github.com/inferbench/inferbench/results"
)

// Cost models.
const (
	CostPerToken  = "per-token"  // USD per 1M input, cached input, cache-write and output tokens
	CostGPUHourly = "gpu-hourly" // USD per hour for all the target's GPUs
	CostRecorded  = "recorded"   // the sum of the rows' cost_usd, no prices known
)

// Cost is what a run cost and what that means per request and per token.
//
// Per-token pricing (APIs, managed hosts) sums prices.TokenPrice.Cost, the
// one cost of a request, over every measured request (warm-up excluded; a
// failed request is billed for whatever tokens it recorded, usually none):
// cache reads and writes at their prices, the long-context tier for a
// request whose prompt is above its threshold, and max(output, reasoning)
// output tokens. It is the function cost_usd is stamped with, so under the
// prices the run was made with (the manifest's snapshot) TotalUSD is the
// sum of cost_usd over the measured rows.
//
// GPU-hourly pricing (self-hosted): total = H * window / 1h, where H is the
// price of all the target's GPUs together.
//
// Either way, per request is total / ok requests and per 1M tokens is
// all-in: total / tokens * 1e6, so USDPer1MOutput charges the input too
// (it is not the output price, which is in Prices). For self-hosted that
// is H / (3600 * output tok/s) * 1e6.
type Cost struct {
	Model string
	// Source says where the prices came from: "command line", the
	// manifest's price source, or "cost_usd column".
	Source string
	// Prices are the prices applied (a cached-input price left unset shows
	// as the input price it defaulted to).
	Prices results.Prices

	TotalUSD float64
	// Components of a per-token TotalUSD (zero for other models), summed
	// from prices.TokenPrice.CostParts: InputUSD is the input tokens not
	// read from the cache (uncached and cache-write tokens), CachedInputUSD
	// the cache reads, OutputUSD the output (reasoning included).
	InputUSD       float64
	CachedInputUSD float64
	OutputUSD      float64

	USDPerRequest  float64 // total / ok requests
	USDPer1MInput  float64 // total / input tokens * 1e6 (all-in: output included)
	USDPer1MOutput float64 // total / output tokens * 1e6 (all-in: input included)
	// RecordedUSD is the sum of the rows' cost_usd, for comparison.
	RecordedUSD float64
	// StaleDays is how many days before the run started its prices were
	// checked, when that is more than StaleAfterDays (0 otherwise): a
	// catalogue price that old may have changed.
	StaleDays int

	// The tokens the per-token figures are over: of every measured
	// request for per-token and recorded pricing, of ok requests for
	// GPU-hourly (see USDPer1MOutput).
	InputTokens       int64
	CachedInputTokens int64
	OutputTokens      int64
}

// usage is what one measured request was billed for: the token counts
// prices.TokenPrice.Cost takes, as int32 (a request's tokens are far below
// 2^31; larger counts saturate) so that a million requests hold 20 MB.
type usage struct{ in, cached, write, out, reasoning int32 }

func usageOf(r *reqRow) usage {
	return usage{in: clamp32(r.InputTokens), cached: clamp32(r.CachedInputTokens), write: clamp32(r.CacheWriteTokens),
		out: clamp32(r.OutputTokens), reasoning: clamp32(r.ReasoningTokens)}
}

func clamp32(v int64) int32 { return int32(min(max(v, math.MinInt32), math.MaxInt32)) }

func (u usage) tokens() prices.Usage {
	return prices.Usage{Input: int64(u.in), CachedInput: int64(u.cached), CacheWrite: int64(u.write),
		Output: int64(u.out), Reasoning: int64(u.reasoning)}
}

// runPrices picks the prices a run is costed at: opt's (the command line
// or a plan), else the manifest's snapshot; nil when neither has any. The
// source says which.
func runPrices(run *RunData, opt Options) (*results.Prices, string) {
	p, source := opt.Prices, "command line"
	if p != nil && p.Source != "" {
		source = p.Source
	}
	if p == nil && run.Manifest != nil && run.Manifest.Prices != nil {
		p, source = run.Manifest.Prices, "manifest"
		if p.Source != "" {
			source = "manifest: " + p.Source
		}
	}
	return p, source
}

// computeCost picks the prices (command line, else manifest, else the
// recorded cost_usd) and applies them. It returns nil when nothing is
// known about cost.
func computeCost(run *RunData, opt Options, s Summary) *Cost {
	p, source := runPrices(run, opt)
	c := &Cost{Source: source, RecordedUSD: run.recordedCostUSD}
	var tp prices.TokenPrice
	perToken := false
	if p != nil {
		tp, perToken = prices.FromSnapshot(*p)
	}
	var in, out int64
	switch {
	case p != nil && p.GPUHourly > 0:
		c.Model, c.Prices = CostGPUHourly, *p
		c.TotalUSD = p.GPUHourly * float64(s.WindowNs) / float64(3600e9)
		// The window's throughput is of ok requests, so per-token figures
		// use their tokens: what the GPUs produced that was delivered.
		in, out = run.okIn, run.okOut
		c.CachedInputTokens = run.okCached
	case perToken:
		c.Model, c.Prices = CostPerToken, *p
		if c.Prices.CachedInputPer1M == 0 {
			c.Prices.CachedInputPer1M = p.InputPer1M // show the price applied
		}
		c.addRequests(run, tp)
		in, out = run.allIn, run.allOut
		c.CachedInputTokens = run.allCached
	case run.recordedCostUSD > 0:
		c.Model, c.Source = CostRecorded, "cost_usd column"
		c.TotalUSD = run.recordedCostUSD
		in, out = run.allIn, run.allOut
		c.CachedInputTokens = run.allCached
	default:
		return nil
	}
	c.InputTokens, c.OutputTokens = in, out
	if p != nil {
		c.StaleDays = staleDays(p.CheckedAt, run.StartedAt)
	}
	if run.ok > 0 {
		c.USDPerRequest = c.TotalUSD / float64(run.ok)
	}
	if in > 0 {
		c.USDPer1MInput = c.TotalUSD / float64(in) * 1e6
	}
	if out > 0 {
		c.USDPer1MOutput = c.TotalUSD / float64(out) * 1e6
	}
	return c
}

// addRequests sets the per-token total and its parts: tp's cost of every
// measured request, summed.
func (c *Cost) addRequests(run *RunData, tp prices.TokenPrice) {
	var total, input, cached, output sum
	for _, b := range run.blocks {
		for _, u := range b.usage {
			tu := u.tokens()
			total.add(tp.Cost(tu))
			parts := tp.CostParts(tu)
			input.add(parts.Input + parts.CacheWrite)
			cached.add(parts.CachedInput)
			output.add(parts.Output)
		}
	}
	c.TotalUSD, c.InputUSD, c.CachedInputUSD, c.OutputUSD = total.value(), input.value(), cached.value(), output.value()
}

// sum is a compensated (Neumaier) sum. A run's cost adds up a million
// fractions of a cent; a plain sum would drift in the last digits, and the
// total should be the sum of cost_usd to the digit a reader compares.
type sum struct{ s, c float64 }

func (k *sum) add(x float64) {
	t := k.s + x
	if math.Abs(k.s) >= math.Abs(x) {
		k.c += (k.s - t) + x
	} else {
		k.c += (x - t) + k.s
	}
	k.s = t
}

func (k sum) value() float64 { return k.s + k.c }

// usdPer1MBlended is the total over input + output tokens, per 1M (0 when
// no tokens): what a token cost on the run's own mix.
func (c *Cost) USDPer1MBlended() float64 {
	tok := c.InputTokens + c.OutputTokens
	if tok <= 0 {
		return 0
	}
	return c.TotalUSD / float64(tok) * 1e6
}

// StaleAfterDays is the age, in days before a run started, past which a
// price it was costed at is flagged as possibly stale: providers change
// list prices a few times a year.
const StaleAfterDays = 90

// staleDays is the days from checkedAt (YYYY-MM-DD, or YYYY-MM: its first
// day) to started when more than StaleAfterDays, else 0 (also when either
// is unknown).
func staleDays(checkedAt string, started time.Time) int {
	if checkedAt == "" || started.IsZero() {
		return 0
	}
	var t time.Time
	var err error
	for _, layout := range []string{"2006-01-02", "2006-01"} {
		if t, err = time.Parse(layout, checkedAt); err == nil {
			break
		}
	}
	if err != nil {
		return 0
	}
	if d := int(started.Sub(t).Hours() / 24); d > StaleAfterDays {
		return d
	}
	return 0
}

// StaleNote says that c's prices may be stale, or "" when they are not
// known to be.
func (c *Cost) StaleNote() string {
	if c == nil || c.StaleDays == 0 {
		return ""
	}
	return fmt.Sprintf("prices possibly stale: checked %s, %d days before the run started", c.Prices.CheckedAt, c.StaleDays)
}

// ListPrices writes the list prices of p as a price sheet says them:
// "$2.50 in, $10.00 out /1M" ("$2.50 in ($1.25 cached), $10.00 out /1M"
// where a cached-input price is set), "$5.00/h", or "2 H100 (lambda) x $2.50/h = $5.00/h" when the GPUs
// are known; "-" when p has none.
func ListPrices(p results.Prices) string {
	if p.GPUHourly > 0 {
		if p.GPUCount > 0 && p.USDPerGPUHour > 0 {
			gpu := "GPU"
			if p.GPUType != "" {
				gpu = p.GPUType
			}
			if p.GPUOffer != "" {
				gpu += " (" + p.GPUOffer + ")"
			}
			return fmt.Sprintf("%d %s x %s/h = %s/h", p.GPUCount, gpu, table.Price(p.USDPerGPUHour), table.Price(p.GPUHourly))
		}
		return table.Price(p.GPUHourly) + "/h"
	}
	if p.InputPer1M == 0 && p.OutputPer1M == 0 {
		return "-"
	}
	s := table.Price(p.InputPer1M) + " in, "
	if p.CachedInputPer1M > 0 && p.CachedInputPer1M != p.InputPer1M {
		s = table.Price(p.InputPer1M) + " in (" + table.Price(p.CachedInputPer1M) + " cached), "
	}
	return s + table.Price(p.OutputPer1M) + " out /1M"
}
