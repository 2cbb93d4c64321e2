package prices

import (
	"errors"
	"fmt"
)

// Spec is how a target declares its price, in a targets file or on the
// command line. Explicit prices win over the catalogue: a spec with both an
// input and an output price is used as it is; one with only some prices
// takes the rest from the catalogue entry of Provider/Model; an empty spec
// is the catalogue entry. Pointers keep "not given" apart from 0.
type Spec struct {
	// Provider and Model name the catalogue entry; empty means the target's.
	Provider string `json:"provider,omitempty" yaml:"provider,omitempty"`
	Model    string `json:"model,omitempty" yaml:"model,omitempty"`

	InputPer1M       *float64 `json:"input_per_1m,omitempty" yaml:"input_per_1m,omitempty"`
	CachedInputPer1M *float64 `json:"cached_input_per_1m,omitempty" yaml:"cached_input_per_1m,omitempty"`
	CacheWritePer1M  *float64 `json:"cache_write_per_1m,omitempty" yaml:"cache_write_per_1m,omitempty"`
	OutputPer1M      *float64 `json:"output_per_1m,omitempty" yaml:"output_per_1m,omitempty"`

	// GPUs prices a self-hosted target by the hour: Count GPUs of Type under
	// Offer, at USDPerGPUHour when given, else at the catalogue's price.
	GPUs          *GPUSpec `json:"gpus,omitempty" yaml:"gpus,omitempty"`
	USDPerGPUHour *float64 `json:"usd_per_gpu_hour,omitempty" yaml:"usd_per_gpu_hour,omitempty"`

	// Source cites explicit prices ("command line", "targets.yaml");
	// default "target price override".
	Source    string `json:"source,omitempty" yaml:"source,omitempty"`
	CheckedAt string `json:"checked_at,omitempty" yaml:"checked_at,omitempty"`
}

// GPUSpec is the GPUs of a self-hosted target.
type GPUSpec struct {
	Type  string `json:"type" yaml:"type"`
	Count int    `json:"count" yaml:"count"`
	Offer string `json:"offer,omitempty" yaml:"offer,omitempty"`
}

// Resolved is the price a Spec comes to: per token (Token) or per hour
// (GPU, GPUCount, HourlyUSD = GPUCount x GPU.USDPerGPUHour).
type Resolved struct {
	Token     *TokenPrice
	GPU       *GPUPrice
	GPUCount  int
	HourlyUSD float64
}

// Resolve turns a target's price spec into a price. targetProvider and
// targetModel are the target's own, used where the spec names no catalogue
// entry. A spec that needs the catalogue and finds nothing returns an error
// wrapping ErrNotFound (the caller decides whether a target without a
// price is fatal).
func (c *Catalog) Resolve(s Spec, targetProvider, targetModel string) (Resolved, error) {
	src := s.Source
	if src == "" {
		src = "target price override"
	}
	if g := s.GPUs; g != nil {
		if s.InputPer1M != nil || s.OutputPer1M != nil {
			return Resolved{}, errors.New("price: give per-token prices or gpus, not both")
		}
		if g.Type == "" || g.Count <= 0 {
			return Resolved{}, fmt.Errorf("price: gpus needs a type and a count > 0 (got %q x %d)", g.Type, g.Count)
		}
		if s.USDPerGPUHour != nil {
			gp := GPUPrice{GPU: CanonicalGPU(g.Type), Offer: g.Offer, USDPerGPUHour: *s.USDPerGPUHour,
				Source: src, CheckedAt: s.CheckedAt}
			if gp.Offer == "" {
				gp.Offer = "explicit"
			}
			if err := gp.validate(); err != nil {
				return Resolved{}, fmt.Errorf("price: %w", err)
			}
			return Resolved{GPU: &gp, GPUCount: g.Count, HourlyUSD: gp.Hourly(g.Count)}, nil
		}
		gp, err := c.GPU(g.Type, g.Offer)
		if err != nil {
			return Resolved{}, err
		}
		return Resolved{GPU: &gp, GPUCount: g.Count, HourlyUSD: gp.Hourly(g.Count)}, nil
	}
	if s.USDPerGPUHour != nil {
		return Resolved{}, errors.New("price: usd_per_gpu_hour needs gpus (type and count)")
	}
	var tp TokenPrice
	if s.InputPer1M != nil && s.OutputPer1M != nil {
		tp = TokenPrice{Provider: CanonicalProvider(orElse(orElse(s.Provider, targetProvider), "custom")), Model: orElse(orElse(s.Model, targetModel), "custom"),
			Rates: Rates{InputPer1M: *s.InputPer1M, OutputPer1M: *s.OutputPer1M}, Source: src, CheckedAt: s.CheckedAt}
	} else {
		var err error
		tp, err = c.Lookup(orElse(s.Provider, targetProvider), orElse(s.Model, targetModel))
		if err != nil {
			if s.InputPer1M != nil || s.OutputPer1M != nil {
				return Resolved{}, fmt.Errorf("give both input_per_1m and output_per_1m, or name a catalogue model: %w", err)
			}
			return Resolved{}, err
		}
		if s.InputPer1M != nil || s.OutputPer1M != nil || s.CachedInputPer1M != nil || s.CacheWritePer1M != nil {
			tp.Source = src + "; otherwise " + tp.Source
			if s.CheckedAt != "" {
				tp.CheckedAt = s.CheckedAt
			}
		}
		if s.InputPer1M != nil {
			tp.InputPer1M = *s.InputPer1M
		}
		if s.OutputPer1M != nil {
			tp.OutputPer1M = *s.OutputPer1M
		}
	}
	if s.CachedInputPer1M != nil {
		v := *s.CachedInputPer1M
		tp.CachedInputPer1M = &v
	}
	if s.CacheWritePer1M != nil {
		v := *s.CacheWritePer1M
		tp.CacheWritePer1M = &v
	}
	if err := tp.validate(); err != nil {
		return Resolved{}, fmt.Errorf("price: %w", err)
	}
	return Resolved{Token: &tp}, nil
}

func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
