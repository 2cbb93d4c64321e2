package sim

import (
	"errors"
	"fmt"
	"time"
)

// Defaults applied by New where a Config field is zero.
const (
	DefaultModel      = "sim"
	DefaultMaxTokens  = 256
	DefaultRetryAfter = time.Second
	DefaultStall      = time.Second
)

// Config describes one simulated server. The zero value is a valid exact-mode
// server that answers instantly (TTFT 0, ITL 0), which is what most
// functional tests want. Every field's zero value means its documented
// default.
type Config struct {
	// Model is the model id served by /v1/models and echoed in responses
	// (default "sim"). Requests naming another model get 404
	// model_not_found, as from vLLM.
	Model string

	// Exact mode (used when Exact is true, or when TTFT/ITL are set and no
	// engine field is): every request independently gets its first content
	// token at entry+TTFT and token i (0-based) at entry+TTFT+i*ITL, where
	// entry is the moment it passed the network latency. Deadlines are
	// absolute, so sleep errors never accumulate, and there is no batching
	// effect. This is the calibration target for the harness's own timing.
	Exact bool
	TTFT  time.Duration
	ITL   time.Duration

	// Engine mode (continuous batching): one scheduler goroutine runs steps
	// back to back on absolute deadlines. A step's duration is
	//
	//	DecodeStep + DecodeStepPerSeq*running + PrefillPerToken*prefill_tokens
	//
	// where running counts the batch including sequences admitted at that
	// step and prefill_tokens counts the prompt tokens (after a preemption,
	// prompt plus earlier output) prefilled in that step. Every running
	// sequence that is done prefilling gets one token at the end of each
	// step; a sequence's first token is the one at the end of the step
	// that completes its prefill.
	PrefillPerToken  time.Duration
	DecodeStep       time.Duration
	DecodeStepPerSeq time.Duration
	// MaxBatch bounds the running sequences (0: unlimited).
	MaxBatch int
	// KVCapacityTokens bounds the sum of (input+generated) tokens of running
	// sequences (0: unlimited). Waiting sequences are admitted FIFO while the
	// batch and KV have room; when the running sequences outgrow the
	// capacity the newest is preempted back to the head of the queue and
	// recomputed later, as vLLM does. A request whose input+max_tokens
	// exceeds the capacity is refused with 400, like a prompt over vLLM's
	// max_model_len.
	KVCapacityTokens int
	// MaxBatchedTokens is the token budget of one step (vLLM's
	// max_num_batched_tokens with chunked prefill; 0: unlimited). Decodes
	// take one token each, and long or simultaneous prompts are prefilled
	// in chunks over several steps, so a burst of arrivals cannot make one
	// huge step that stalls every stream.
	MaxBatchedTokens int

	// NetworkLatency is added before a request reaches the exact or engine
	// path (and before any fault answer), with a uniform jitter in
	// [-NetworkJitter, +NetworkJitter] that is deterministic from Seed and
	// the request's arrival number. It models an API provider's distance.
	NetworkLatency time.Duration
	NetworkJitter  time.Duration
	// InputLatencyPerToken adds this much per prompt token to the delay
	// before a request reaches the exact or engine path. It models a hosted
	// provider's prefill, which runs on a fleet this client's load does not
	// affect, so TTFT grows with the prompt without coupling requests the
	// way PrefillPerToken does inside the batch.
	InputLatencyPerToken time.Duration

	// TokensPerChunk > 1 sends several tokens per SSE chunk (default 1).
	TokensPerChunk int
	// RoleChunk is when a chat stream sends its role-only chunk
	// ({"delta": {"role": "assistant", "content": ""}}):
	// RoleChunkImmediate (the default, "" too) with the response
	// headers, before any token is generated, as a server that opens its
	// stream at once does; RoleChunkWithFirstToken just before the first
	// content chunk, as vLLM's server does (it sends the role chunk in the
	// first iteration over the engine's outputs). The headers go out at
	// once either way. Clients that count the first chunk with any choices
	// as the first token (vLLM's benchmark in chat mode) see a TTFT close
	// to TTFB under the first and the real TTFT under the second.
	RoleChunk string
	// DefaultMaxTokens is the output length when the request sets neither
	// max_tokens nor max_completion_tokens (default 256). Such requests end
	// with finish_reason "stop" (the model "chose" to stop); requests with
	// an explicit limit end with "length".
	DefaultMaxTokens int
	// Seed makes jitter and faults deterministic.
	Seed int64
	// Faults injects failures.
	Faults Faults
	// Provider emulates hosted-API behaviour: reasoning, cached prompts,
	// rate limits (provider.go).
	Provider Provider

	// CountTokens estimates prompt tokens; nil means EstimateTokens.
	CountTokens func(text string) int
}

// Faults are injected failures. Rates are probabilities in [0,1] drawn per
// request, deterministic from Config.Seed and the request's arrival number
// (the n-th request to arrive always gets the same faults).
type Faults struct {
	// ErrorRate answers HTTP 500 with an OpenAI-style error body.
	ErrorRate float64
	// RateLimitRate answers HTTP 429 with a Retry-After header (whole
	// seconds, at least 1), a retry-after-ms header and an error body.
	// ErrorRate+RateLimitRate must not exceed 1: one draw picks either.
	RateLimitRate float64
	// RetryAfter is the advertised wait of a 429 (default 1s).
	RetryAfter time.Duration
	// DisconnectRate cuts the stream half-way: the connection is closed
	// without [DONE] (and a non-streaming request gets no response at all).
	DisconnectRate float64
	// MalformedRate inserts one invalid-JSON event half-way through the
	// stream; all tokens are still delivered in valid chunks around it. A
	// non-streaming response body is truncated instead.
	MalformedRate float64
	// StallRate pauses the stream half-way for Stall (default 1s).
	StallRate float64
	Stall     time.Duration
}

// RoleChunk values.
const (
	RoleChunkImmediate      = "immediate"
	RoleChunkWithFirstToken = "with-first-token"
)

// Mode names, as Describe reports them.
const (
	ModeExact  = "exact"
	ModeEngine = "engine"
)

// engineFieldsSet reports whether any continuous-batching field is set.
func (c Config) engineFieldsSet() bool {
	return c.PrefillPerToken != 0 || c.DecodeStep != 0 || c.DecodeStepPerSeq != 0 ||
		c.MaxBatch != 0 || c.KVCapacityTokens != 0 || c.MaxBatchedTokens != 0
}

// Mode returns ModeExact or ModeEngine. Exact mode is used when Exact is
// set or when no engine field is set (including the zero Config).
func (c Config) Mode() string {
	if c.Exact || !c.engineFieldsSet() {
		return ModeExact
	}
	return ModeEngine
}

// Bounds of a config's numbers (Validate): a simulated latency over an
// hour, or a count over a billion, is a typo.
const (
	MaxLatency = time.Hour
	MaxCount   = 1_000_000_000
)

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	nonNeg := func(name string, d time.Duration) {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %v", name, d))
		} else if d > MaxLatency {
			errs = append(errs, fmt.Errorf("%s must be at most %v, got %v", name, MaxLatency, d))
		}
	}
	nonNeg("TTFT", c.TTFT)
	nonNeg("ITL", c.ITL)
	nonNeg("PrefillPerToken", c.PrefillPerToken)
	nonNeg("DecodeStep", c.DecodeStep)
	nonNeg("DecodeStepPerSeq", c.DecodeStepPerSeq)
	nonNeg("NetworkLatency", c.NetworkLatency)
	nonNeg("NetworkJitter", c.NetworkJitter)
	nonNeg("InputLatencyPerToken", c.InputLatencyPerToken)
	nonNeg("Faults.RetryAfter", c.Faults.RetryAfter)
	nonNeg("Faults.Stall", c.Faults.Stall)
	nonNegInt := func(name string, n int) {
		if n < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %d", name, n))
		} else if n > MaxCount {
			errs = append(errs, fmt.Errorf("%s must be at most %d, got %d", name, MaxCount, n))
		}
	}
	nonNegInt("MaxBatch", c.MaxBatch)
	nonNegInt("KVCapacityTokens", c.KVCapacityTokens)
	nonNegInt("MaxBatchedTokens", c.MaxBatchedTokens)
	nonNegInt("TokensPerChunk", c.TokensPerChunk)
	nonNegInt("DefaultMaxTokens", c.DefaultMaxTokens)
	rate := func(name string, r float64) {
		if !(r >= 0 && r <= 1) { // also rejects NaN
			errs = append(errs, fmt.Errorf("Faults.%s must be in [0,1], got %v", name, r))
		}
	}
	f := c.Faults
	rate("ErrorRate", f.ErrorRate)
	rate("RateLimitRate", f.RateLimitRate)
	rate("DisconnectRate", f.DisconnectRate)
	rate("MalformedRate", f.MalformedRate)
	rate("StallRate", f.StallRate)
	switch c.RoleChunk {
	case "", RoleChunkImmediate, RoleChunkWithFirstToken:
	default:
		errs = append(errs, fmt.Errorf("RoleChunk %q: want %s or %s", c.RoleChunk, RoleChunkImmediate, RoleChunkWithFirstToken))
	}
	errs = append(errs, c.Provider.validate()...)
	if f.ErrorRate+f.RateLimitRate > 1 {
		errs = append(errs, fmt.Errorf("Faults.ErrorRate+RateLimitRate must not exceed 1, got %v", f.ErrorRate+f.RateLimitRate))
	}
	switch {
	case c.Exact && c.engineFieldsSet():
		errs = append(errs, errors.New("Exact is set together with engine fields (PrefillPerToken, DecodeStep, DecodeStepPerSeq, MaxBatch, KVCapacityTokens, MaxBatchedTokens): pick one mode"))
	case c.Mode() == ModeEngine:
		if c.TTFT != 0 || c.ITL != 0 {
			errs = append(errs, errors.New("TTFT and ITL only apply in exact mode, but engine fields are set: pick one mode"))
		}
		if c.DecodeStep <= 0 && c.DecodeStepPerSeq <= 0 {
			errs = append(errs, errors.New("engine mode needs DecodeStep or DecodeStepPerSeq > 0 (a zero-time step would spin)"))
		}
		if dm := c.withDefaults().DefaultMaxTokens; c.KVCapacityTokens > 0 && dm >= c.KVCapacityTokens {
			errs = append(errs, fmt.Errorf("DefaultMaxTokens (%d) must be below KVCapacityTokens (%d): a request without max_tokens could never fit", dm, c.KVCapacityTokens))
		}
	}
	return errors.Join(errs...)
}

// withDefaults returns c with zero fields replaced by their defaults.
func (c Config) withDefaults() Config {
	if c.Model == "" {
		c.Model = DefaultModel
	}
	if c.TokensPerChunk == 0 {
		c.TokensPerChunk = 1
	}
	if c.DefaultMaxTokens == 0 {
		c.DefaultMaxTokens = DefaultMaxTokens
	}
	if c.RoleChunk == "" {
		c.RoleChunk = RoleChunkImmediate
	}
	if c.Faults.RetryAfter == 0 {
		c.Faults.RetryAfter = DefaultRetryAfter
	}
	if c.Faults.Stall == 0 {
		c.Faults.Stall = DefaultStall
	}
	if c.CountTokens == nil {
		c.CountTokens = EstimateTokens
	}
	return c
}

// Describe returns the effective configuration (defaults applied) as plain
// values for the run manifest's sim_config. Keys are snake_case and carry
// their unit; durations are in milliseconds.
func (c Config) Describe() map[string]any {
	estimator := "ceil(bytes/4), at least 1"
	if c.CountTokens != nil {
		estimator = "custom"
	}
	c = c.withDefaults()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	m := map[string]any{
		"simulated":                  true,
		"model":                      c.Model,
		"mode":                       c.Mode(),
		"network_latency_ms":         ms(c.NetworkLatency),
		"network_jitter_ms":          ms(c.NetworkJitter),
		"input_latency_per_token_ms": ms(c.InputLatencyPerToken),
		"tokens_per_chunk":           c.TokensPerChunk,
		"role_chunk":                 c.RoleChunk,
		"default_max_tokens":         c.DefaultMaxTokens,
		"seed":                       c.Seed,
		"token_estimator":            estimator,
		"faults": map[string]any{
			"error_rate":      c.Faults.ErrorRate,
			"rate_limit_rate": c.Faults.RateLimitRate,
			"retry_after_ms":  ms(c.Faults.RetryAfter),
			"disconnect_rate": c.Faults.DisconnectRate,
			"malformed_rate":  c.Faults.MalformedRate,
			"stall_rate":      c.Faults.StallRate,
			"stall_ms":        ms(c.Faults.Stall),
		},
	}
	m["provider"] = c.Provider.describe()
	if c.Mode() == ModeExact {
		m["ttft_ms"] = ms(c.TTFT)
		m["itl_ms"] = ms(c.ITL)
	} else {
		m["prefill_per_token_ms"] = ms(c.PrefillPerToken)
		m["decode_step_ms"] = ms(c.DecodeStep)
		m["decode_step_per_seq_ms"] = ms(c.DecodeStepPerSeq)
		m["max_batch"] = c.MaxBatch
		m["kv_capacity_tokens"] = c.KVCapacityTokens
		m["max_batched_tokens"] = c.MaxBatchedTokens
	}
	return m
}
