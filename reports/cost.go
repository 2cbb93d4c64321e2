package reports

import "github.com/inferbench/inferbench/results"

// Cost models.
const (
	CostPerToken  = "per-token"  // USD per 1M input, cached input and output tokens
	CostGPUHourly = "gpu-hourly" // USD per hour for all the target's GPUs
	CostRecorded  = "recorded"   // the sum of the rows' cost_usd, no prices known
)

// Cost is what a run cost and what that means per request and per token.
//
// Per-token pricing (APIs, managed hosts), over every measured request
// (warm-up excluded; a failed request adds whatever tokens it recorded,
// usually none):
//
//	input  = (input - cached) * P_in / 1e6
//	cached = cached * P_cached / 1e6        (P_cached defaults to P_in)
//	output = output * P_out / 1e6
//	total  = input + cached + output
//
// GPU-hourly pricing (self-hosted): total = H * window / 1h, where H is the
// price of all the target's GPUs together.
//
// Either way, per request is total / ok requests and per 1M tokens is
// blended: total / tokens * 1e6, so USDPer1MOutput charges the input too.
// For self-hosted that is H / (3600 * output tok/s) * 1e6.
type Cost struct {
	Model string
	// Source says where the prices came from: "command line", the
	// manifest's price source, or "cost_usd column".
	Source string
	// Prices are the prices applied (a cached-input price left unset shows
	// as the input price it defaulted to).
	Prices results.Prices

	TotalUSD float64
	// Components of a per-token TotalUSD (zero for other models).
	InputUSD       float64
	CachedInputUSD float64
	OutputUSD      float64

	USDPerRequest  float64 // total / ok requests
	USDPer1MInput  float64 // total / input tokens * 1e6 (blended)
	USDPer1MOutput float64 // total / output tokens * 1e6 (blended)
	// RecordedUSD is the sum of the rows' cost_usd, for comparison.
	RecordedUSD float64

	// The tokens the per-token figures are over: of every measured
	// request for per-token and recorded pricing, of ok requests for
	// GPU-hourly (see USDPer1MOutput).
	InputTokens       int64
	CachedInputTokens int64
	OutputTokens      int64
}

// computeCost picks the prices (command line, else manifest, else the
// recorded cost_usd) and applies them. It returns nil when nothing is
// known about cost.
func computeCost(run *Run, opt Options, s Summary) *Cost {
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
	c := &Cost{Source: source, RecordedUSD: run.recordedCostUSD}
	var in, out int64
	switch {
	case p != nil && p.GPUHourly > 0:
		c.Model, c.Prices = CostGPUHourly, *p
		c.TotalUSD = p.GPUHourly * float64(s.WindowNs) / float64(3600e9)
		// The window's throughput is of ok requests, so per-token figures
		// use their tokens: what the GPUs produced that was delivered.
		in, out = run.okIn, run.okOut
		c.CachedInputTokens = run.okCached
	case p != nil && (p.InputPer1M > 0 || p.OutputPer1M > 0 || p.CachedInputPer1M > 0):
		c.Model, c.Prices = CostPerToken, *p
		cachedPrice := p.CachedInputPer1M
		if cachedPrice == 0 {
			cachedPrice = p.InputPer1M
			c.Prices.CachedInputPer1M = cachedPrice // show the price applied
		}
		uncached := max(run.allIn-run.allCached, 0)
		c.InputUSD = float64(uncached) * p.InputPer1M / 1e6
		c.CachedInputUSD = float64(run.allCached) * cachedPrice / 1e6
		c.OutputUSD = float64(run.allOut) * p.OutputPer1M / 1e6
		c.TotalUSD = c.InputUSD + c.CachedInputUSD + c.OutputUSD
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

// usdPer1MBlended is the total over input + output tokens, per 1M (0 when
// no tokens): what a token cost on the run's own mix.
func (c *Cost) usdPer1MBlended() float64 {
	tok := c.InputTokens + c.OutputTokens
	if tok <= 0 {
		return 0
	}
	return c.TotalUSD / float64(tok) * 1e6
}
