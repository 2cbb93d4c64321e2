package sim

import (
	"fmt"
	"strings"
	"time"
)

// presets are named configurations for the three kinds of target and the
// calibration target. The numbers are plausible, not measured from any
// provider; they are chosen so the demo shows the qualitative differences.
var presets = []struct {
	name string
	doc  string
	cfg  Config
}{
	{
		// A hosted API: far away and shared by a huge fleet, so its TTFT is
		// mostly network and queueing outside our control, and one stream
		// decodes at ~70 tok/s regardless of our load.
		//   TTFT ≈ 300ms ± 50ms network + wait for the step boundary (0-14ms)
		//          + one 14ms step + 20µs/token prefill ≈ 265-390ms
		//   ITL  = 14ms ≈ 71 tok/s per stream; unlimited batch and KV.
		name: "api",
		doc:  "hosted API: TTFT ~265-390ms (300±50ms network), ~71 tok/s per stream, unlimited batch",
		cfg: Config{
			NetworkLatency:  300 * time.Millisecond,
			NetworkJitter:   50 * time.Millisecond,
			PrefillPerToken: 20 * time.Microsecond,
			DecodeStep:      14 * time.Millisecond,
		},
	},
	{
		// A managed host of open models on fast hardware (Groq, Together):
		//   TTFT ≈ 120ms ± 25ms network + 0-5ms step wait + 5ms step
		//          + 10µs/token prefill ≈ 105-160ms for ~500-token prompts
		//   ITL  = 5ms = 200 tok/s per stream; unlimited batch and KV.
		name: "managed",
		doc:  "managed host: TTFT ~105-160ms (120±25ms network), 200 tok/s per stream, unlimited batch",
		cfg: Config{
			NetworkLatency:  120 * time.Millisecond,
			NetworkJitter:   25 * time.Millisecond,
			PrefillPerToken: 10 * time.Microsecond,
			DecodeStep:      5 * time.Millisecond,
		},
	},
	{
		// One GPU running vLLM next to the load generator: no network,
		// prefill at 10k tok/s, decode step 12ms at batch 1 plus 0.4ms per
		// running sequence (24.8ms at the full batch of 32: ~40 tok/s per
		// stream, ~1290 tok/s in all). 16384 KV tokens hold ~21 sequences of
		// 500 prompt + 256 output tokens, so under load the KV fills before
		// the batch does, requests queue, and TTFT rises with the load.
		name: "self-hosted",
		doc:  "one GPU, vLLM-like: prefill 10k tok/s, step 12ms+0.4ms/seq, max batch 32, 16384 KV tokens",
		cfg: Config{
			PrefillPerToken:  100 * time.Microsecond,
			DecodeStep:       12 * time.Millisecond,
			DecodeStepPerSeq: 400 * time.Microsecond,
			MaxBatch:         32,
			KVCapacityTokens: 16384,
		},
	},
	{
		// The calibration target: every request gets its first token 50ms
		// after arrival and one token every 10ms after that, exactly.
		name: "exact",
		doc:  "calibration: exact TTFT 50ms, ITL 10ms, no batching",
		cfg: Config{
			Exact: true,
			TTFT:  50 * time.Millisecond,
			ITL:   10 * time.Millisecond,
		},
	},
}

// PresetNames returns the names Preset accepts, in a stable order.
func PresetNames() []string {
	names := make([]string, len(presets))
	for i, p := range presets {
		names[i] = p.name
	}
	return names
}

// PresetDoc returns a one-line description of a preset, or "" if unknown.
func PresetDoc(name string) string {
	for _, p := range presets {
		if p.name == name {
			return p.doc
		}
	}
	return ""
}

// Preset returns the named configuration. Callers may change any field
// (Model, Seed, Faults) before New.
func Preset(name string) (Config, error) {
	for _, p := range presets {
		if p.name == name {
			return p.cfg, nil
		}
	}
	return Config{}, fmt.Errorf("unknown sim preset %q (valid: %s)", name, strings.Join(PresetNames(), ", "))
}
