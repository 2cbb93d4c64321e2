package prices

import "fmt"

// Rates are the per-token list prices of one price band, in USD per 1M tokens.
//
// CachedInputPer1M and CacheWritePer1M are nil when the provider does not
// price those tokens separately: they are then billed at InputPer1M, which
// is how a provider without prompt caching (or without a cache-write
// surcharge) bills them. A pointer keeps "not priced separately" apart from
// a genuine price of 0.
type Rates struct {
	InputPer1M       float64  `json:"input_per_1m"`
	CachedInputPer1M *float64 `json:"cached_input_per_1m,omitempty"`
	CacheWritePer1M  *float64 `json:"cache_write_per_1m,omitempty"`
	OutputPer1M      float64  `json:"output_per_1m"`
}

// CachedInput is the price applied to cache-read input tokens: the cached
// price where one exists, else the input price.
func (r Rates) CachedInput() float64 {
	if r.CachedInputPer1M != nil {
		return *r.CachedInputPer1M
	}
	return r.InputPer1M
}

// CacheWrite is the price applied to cache-write input tokens: the cache
// write price where one exists, else the input price.
func (r Rates) CacheWrite() float64 {
	if r.CacheWritePer1M != nil {
		return *r.CacheWritePer1M
	}
	return r.InputPer1M
}

// Tier is a long-context price band. Providers that have one (Gemini 1.5
// and 2.5 Pro, Claude Sonnet 4 and 4.5 with the 1M window, ...) bill the
// whole request at the tier's rates once its prompt exceeds the threshold;
// it is a cliff, not a marginal band.
type Tier struct {
	// AboveInputTokens is the threshold: the tier applies when the request's
	// total input tokens (Usage.Input) are strictly greater than this.
	AboveInputTokens int64 `json:"above_input_tokens"`
	Rates
}

// TokenPrice is the catalogue's price of one model at one provider.
type TokenPrice struct {
	Provider string   `json:"provider"`
	Model    string   `json:"model"`
	Aliases  []string `json:"aliases,omitempty"`
	Rates
	LongContext *Tier `json:"long_context,omitempty"`
	// CheckedAt is the day the price was last checked (YYYY-MM-DD).
	CheckedAt string `json:"checked_at"`
	// Source cites where the price comes from; SourceURL is the page.
	Source    string `json:"source"`
	SourceURL string `json:"source_url,omitempty"`
	Notes     string `json:"notes,omitempty"`
}

// Usage is the token count of one request, as the record keeps it.
//
// Conventions (the same as results.Record):
//   - Input counts every prompt token, including CachedInput (cache reads)
//     and CacheWrite (tokens written to the prompt cache). The uncached
//     remainder is Input - CachedInput - CacheWrite, floored at 0. Adapters
//     for APIs that report them apart (Anthropic's input_tokens excludes
//     cache reads and writes) add them up before filling Usage.
//   - Output counts every generated token, including Reasoning. Reasoning
//     is the part of Output spent on reasoning/thinking; it is billed as
//     output. Where Reasoning exceeds Output (a server that reported them
//     apart and an adapter that did not add them), Reasoning is billed
//     instead, so reasoning is never free.
type Usage struct {
	Input       int64 `json:"input_tokens"`
	CachedInput int64 `json:"cached_input_tokens"`
	CacheWrite  int64 `json:"cache_write_tokens"`
	Output      int64 `json:"output_tokens"`
	Reasoning   int64 `json:"reasoning_tokens"`
}

// RatesFor returns the rates that apply to a request with inputTokens prompt
// tokens: the long-context tier when the prompt exceeds its threshold, else
// the base rates.
func (p TokenPrice) RatesFor(inputTokens int64) Rates {
	if p.LongContext != nil && inputTokens > p.LongContext.AboveInputTokens {
		return p.LongContext.Rates
	}
	return p.Rates
}

// Cost is the price of one request in USD:
//
//	R        = RatesFor(u.Input)            (the tier's rates when Input > threshold)
//	uncached = max(Input - CachedInput - CacheWrite, 0)
//	output   = max(Output, Reasoning)
//	cost     = ( uncached    * R.Input
//	           + CachedInput * R.CachedInput   (R.Input where not priced separately)
//	           + CacheWrite  * R.CacheWrite    (R.Input where not priced separately)
//	           + output      * R.Output ) / 1e6
//
// Negative counts are treated as 0. CostParts is the same cost split into
// its four terms.
func (p TokenPrice) Cost(u Usage) float64 {
	t := p.terms(u)
	return (t[0] + t[1] + t[2] + t[3]) / 1e6
}

// CostParts is the cost of one request split by what was billed, in USD:
// the four terms of Cost's formula. Their sum is Cost (to rounding).
type CostParts struct {
	Input       float64 // uncached input tokens
	CachedInput float64 // input tokens read from the prompt cache
	CacheWrite  float64 // input tokens written to the prompt cache
	Output      float64 // max(output, reasoning) tokens
}

// CostParts is Cost split into its terms, for reports that show what a
// run's cost is made of.
func (p TokenPrice) CostParts(u Usage) CostParts {
	t := p.terms(u)
	return CostParts{Input: t[0] / 1e6, CachedInput: t[1] / 1e6, CacheWrite: t[2] / 1e6, Output: t[3] / 1e6}
}

// terms are Cost's four terms before the division by 1e6: tokens times
// USD per 1M tokens.
func (p TokenPrice) terms(u Usage) [4]float64 {
	in, cached, write := max(u.Input, 0), max(u.CachedInput, 0), max(u.CacheWrite, 0)
	out := max(u.Output, u.Reasoning, 0)
	r := p.RatesFor(in)
	uncached := max(in-cached-write, 0)
	return [4]float64{float64(uncached) * r.InputPer1M, float64(cached) * r.CachedInput(),
		float64(write) * r.CacheWrite(), float64(out) * r.OutputPer1M}
}

// validate reports what is wrong with a price: negative or non-finite
// prices, a missing model, a tier without a threshold.
func (p TokenPrice) validate() error {
	if p.Provider == "" || p.Model == "" {
		return fmt.Errorf("provider and model are required")
	}
	if err := p.Rates.validate(); err != nil {
		return err
	}
	if p.LongContext != nil {
		if p.LongContext.AboveInputTokens <= 0 {
			return fmt.Errorf("long-context tier needs a threshold above 0 input tokens")
		}
		if err := p.LongContext.Rates.validate(); err != nil {
			return fmt.Errorf("long-context tier: %w", err)
		}
	}
	return nil
}

func (r Rates) validate() error {
	check := func(name string, v float64) error {
		if v < 0 || v != v || v > 1e6 {
			return fmt.Errorf("%s price %v is not a price in USD per 1M tokens", name, v)
		}
		return nil
	}
	if err := check("input", r.InputPer1M); err != nil {
		return err
	}
	if err := check("output", r.OutputPer1M); err != nil {
		return err
	}
	if r.CachedInputPer1M != nil {
		if err := check("cached input", *r.CachedInputPer1M); err != nil {
			return err
		}
	}
	if r.CacheWritePer1M != nil {
		if err := check("cache write", *r.CacheWritePer1M); err != nil {
			return err
		}
	}
	return nil
}
