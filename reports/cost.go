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
}

// computeCost picks the prices (command line, else manifest, else the
// recorded cost_usd) and applies them. It returns nil when nothing is
// known about cost.
func computeCost(run *Run, opt Options, s Summary) *Cost {
	p, source := opt.Prices, "command line"
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
	case p != nil && (p.InputPer1M > 0 || p.OutputPer1M > 0 || p.CachedInputPer1M > 0):
		c.Model, c.Prices = CostPerToken, *p
		cachedPrice := p.CachedInputPer1M
		if cachedPrice == 0 {
			cachedPrice = p.InputPer1M
		}
		uncached := max(run.allIn-run.allCached, 0)
		c.InputUSD = float64(uncached) * p.InputPer1M / 1e6
		c.CachedInputUSD = float64(run.allCached) * cachedPrice / 1e6
		c.OutputUSD = float64(run.allOut) * p.OutputPer1M / 1e6
		c.TotalUSD = c.InputUSD + c.CachedInputUSD + c.OutputUSD
		in, out = run.allIn, run.allOut
	case run.recordedCostUSD > 0:
		c.Model, c.Source = CostRecorded, "cost_usd column"
		c.TotalUSD = run.recordedCostUSD
		in, out = run.allIn, run.allOut
	default:
		return nil
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
