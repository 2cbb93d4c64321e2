package sim

import (
	"fmt"
	"time"
)

// Provider emulates what hosted APIs do beyond generating tokens. The zero
// value emulates nothing.
type Provider struct {
	// ReasoningTokens makes the first min(ReasoningTokens, max_tokens)
	// output tokens reasoning, sent before the answer as the protocol
	// sends thinking (Responses reasoning summary deltas, Anthropic
	// thinking blocks, Gemini thought parts) and reported as reasoning
	// tokens in usage. They are part of the output, as every provider
	// counts them: max_tokens bounds reasoning and answer together, so a
	// limit no larger than ReasoningTokens leaves no answer at all, as a
	// Gemini thinking budget larger than maxOutputTokens does. OpenAI
	// chat sends it as delta.reasoning_content (vLLM's name) with
	// completion_tokens_details.reasoning_tokens; legacy completions have
	// no reasoning.
	ReasoningTokens int
	// CachedFraction of each prompt's tokens (rounded down) is reported
	// as served from the prompt cache, in each protocol's usage fields
	// (OpenAI: prompt_tokens_details.cached_tokens; Anthropic:
	// cache_read_input_tokens, with input_tokens the rest). Timing is
	// unchanged.
	CachedFraction float64
	// RPM and TPM are rate limits, as token buckets that refill
	// continuously (RPM/60 requests and TPM/60 tokens per second, full at
	// the start). A request costs one request and its estimated tokens,
	// ceil(body bytes/4) + its max tokens, charged when it arrives, as
	// OpenAI estimates; a request that does not fit is answered 429 with
	// Retry-After (whole seconds) and retry-after-ms saying when it would
	// have fit. 0 means no limit. They apply to every generation path.
	RPM, TPM int
}

func (p Provider) validate() []error {
	var errs []error
	if p.ReasoningTokens < 0 {
		errs = append(errs, fmt.Errorf("Provider.ReasoningTokens must not be negative, got %d", p.ReasoningTokens))
	}
	if !(p.CachedFraction >= 0 && p.CachedFraction <= 1) {
		errs = append(errs, fmt.Errorf("Provider.CachedFraction must be in [0,1], got %v", p.CachedFraction))
	}
	if p.RPM < 0 || p.TPM < 0 {
		errs = append(errs, fmt.Errorf("Provider.RPM and TPM must not be negative, got %d and %d", p.RPM, p.TPM))
	}
	return errs
}

func (p Provider) describe() map[string]any {
	return map[string]any{
		"reasoning_tokens": p.ReasoningTokens,
		"cached_fraction":  p.CachedFraction,
		"rpm":              p.RPM,
		"tpm":              p.TPM,
	}
}

// cached is the cached part of a prompt of n tokens.
func (p Provider) cached(n int) int {
	return int(float64(n) * p.CachedFraction)
}

// reasoning is the reasoning part of an output of n tokens.
func (p Provider) reasoning(n int) int {
	return max(0, min(p.ReasoningTokens, n))
}

// retryAfterSeconds is the whole seconds of a Retry-After for d, at least
// one, as servers send it.
func retryAfterSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(1, s)
}
