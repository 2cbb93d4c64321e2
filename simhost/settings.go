package simhost

import (
	"errors"
	"reflect"
	"strings"

	"github.com/inferbench/inferbench/targets/sim"
)

// Setting is one setting of a simulator: a flag of `inferbench sim` and,
// with underscores for dashes, a key of a suite file's `sim:` block.
type Setting struct {
	Name  string
	Usage string
	// Engine marks the settings that describe a continuous-batching
	// engine (they exclude exact mode's ttft and itl).
	Engine bool
	field  func(c *sim.Config) any
}

// Field is the setting's field of c: a *string, *int, *int64, *float64
// or *time.Duration.
func (s Setting) Field(c *sim.Config) any { return s.field(c) }

// Key is the setting's key in a suite file.
func (s Setting) Key() string { return strings.ReplaceAll(s.Name, "-", "_") }

// Settings are the simulator's settings, in the order help lists them.
var Settings = []Setting{
	{"model", `model id to serve (default "sim")`, false, func(c *sim.Config) any { return &c.Model }},
	{"ttft", "exact mode: time to first token", false, func(c *sim.Config) any { return &c.TTFT }},
	{"itl", "exact mode: time between tokens", false, func(c *sim.Config) any { return &c.ITL }},
	{"prefill-per-token", "engine: prefill time per prompt token", true, func(c *sim.Config) any { return &c.PrefillPerToken }},
	{"decode-step", "engine: base time of one decode step", true, func(c *sim.Config) any { return &c.DecodeStep }},
	{"decode-step-per-seq", "engine: extra step time per running sequence", true, func(c *sim.Config) any { return &c.DecodeStepPerSeq }},
	{"max-batch", "engine: most sequences running at once (0: unlimited)", true, func(c *sim.Config) any { return &c.MaxBatch }},
	{"kv-capacity", "engine: KV cache capacity in tokens (0: unlimited)", true, func(c *sim.Config) any { return &c.KVCapacityTokens }},
	{"max-batched-tokens", "engine: token budget per step, chunking prefill (0: unlimited)", true, func(c *sim.Config) any { return &c.MaxBatchedTokens }},
	{"network-latency", "latency added before each request is served", false, func(c *sim.Config) any { return &c.NetworkLatency }},
	{"network-jitter", "uniform jitter (±) on the network latency", false, func(c *sim.Config) any { return &c.NetworkJitter }},
	{"input-latency-per-token", "delay per prompt token before serving, outside the batch (a hosted fleet's prefill)", false, func(c *sim.Config) any { return &c.InputLatencyPerToken }},
	{"tokens-per-chunk", "tokens per SSE chunk (default 1)", false, func(c *sim.Config) any { return &c.TokensPerChunk }},
	{"role-chunk", "when a chat stream sends its role-only chunk: immediate (default; with the headers, before any token) or with-first-token (just before the first content chunk, as vLLM does)", false, func(c *sim.Config) any { return &c.RoleChunk }},
	{"default-max-tokens", "output length when a request sets no max_tokens (default 256)", false, func(c *sim.Config) any { return &c.DefaultMaxTokens }},
	{"seed", "seed for jitter and faults", false, func(c *sim.Config) any { return &c.Seed }},
	{"error-rate", "fraction of requests answered 500", false, func(c *sim.Config) any { return &c.Faults.ErrorRate }},
	{"rate-limit-rate", "fraction of requests answered 429 with Retry-After", false, func(c *sim.Config) any { return &c.Faults.RateLimitRate }},
	{"retry-after", "Retry-After of a 429 (default 1s)", false, func(c *sim.Config) any { return &c.Faults.RetryAfter }},
	{"disconnect-rate", "fraction of streams cut half-way without [DONE]", false, func(c *sim.Config) any { return &c.Faults.DisconnectRate }},
	{"malformed-rate", "fraction of streams with one invalid-JSON chunk", false, func(c *sim.Config) any { return &c.Faults.MalformedRate }},
	{"stall-rate", "fraction of streams that pause half-way", false, func(c *sim.Config) any { return &c.Faults.StallRate }},
	{"stall", "length of a stall (default 1s)", false, func(c *sim.Config) any { return &c.Faults.Stall }},
	{"reasoning-tokens", "provider: the first N output tokens are reasoning, sent before the answer, within max_tokens (every path but legacy completions)", false, func(c *sim.Config) any { return &c.Provider.ReasoningTokens }},
	{"cached-fraction", "provider: fraction of prompt tokens reported as cached in usage", false, func(c *sim.Config) any { return &c.Provider.CachedFraction }},
	{"rpm", "provider: requests per minute before 429 + Retry-After (0: no limit)", false, func(c *sim.Config) any { return &c.Provider.RPM }},
	{"tpm", "provider: tokens per minute (prompt bytes/4 + max tokens) before 429 (0: no limit)", false, func(c *sim.Config) any { return &c.Provider.TPM }},
}

// Lookup finds a setting by its flag name or its suite key.
func Lookup(name string) (Setting, bool) {
	for _, s := range Settings {
		if s.Name == name || s.Key() == name {
			return s, true
		}
	}
	return Setting{}, false
}

// Config merges the settings given (by name) from over onto a preset and
// returns the config and its label: the preset, or "custom" when timing
// settings stand alone. Without a preset, ttft/itl select exact mode and
// engine settings an engine built from them alone; with neither, the
// self-hosted preset serves. A setting given is applied even when zero
// (kv-capacity 0 lifts a preset's limit).
func Config(preset string, over sim.Config, given map[string]bool) (sim.Config, string, error) {
	var engine []string
	for _, s := range Settings {
		if s.Engine {
			engine = append(engine, s.Name)
		}
	}
	usesEngine := false
	for _, n := range engine {
		usesEngine = usesEngine || given[n]
	}
	exact := given["ttft"] || given["itl"]
	var cfg sim.Config
	name := preset
	switch {
	case preset != "":
		p, err := sim.Preset(preset)
		if err != nil {
			return cfg, "", err
		}
		cfg = p
	case exact && usesEngine:
		return cfg, "", errors.New("ttft and itl (exact mode) do not go with the engine settings (" + strings.Join(engine, ", ") + ")")
	case exact:
		cfg, name = sim.Config{Exact: true}, "custom"
	case usesEngine:
		name = "custom"
	default:
		name = "self-hosted"
		cfg, _ = sim.Preset(name)
	}
	for _, s := range Settings {
		if given[s.Name] {
			reflect.ValueOf(s.Field(&cfg)).Elem().Set(reflect.ValueOf(s.Field(&over)).Elem())
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, "", err
	}
	return cfg, name, nil
}
