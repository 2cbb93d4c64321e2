// Package sim is a simulated OpenAI-compatible LLM inference server. It
// powers the demo, the tests and CI, and calibrates inferbench's own timing.
//
// It runs in one of two modes:
//
//   - exact: every request gets its first token at entry+TTFT and one token
//     every ITL after, from absolute deadlines and independent of load. A
//     benchmark of it measures the harness, not the server.
//   - engine: a continuous-batching engine like vLLM's. One scheduler
//     goroutine runs steps whose duration grows with the batch and with the
//     prompt tokens prefilled in them; a batch limit and a KV capacity make
//     requests queue, so TTFT rises with load the way a real server's does.
//
// Both can add network latency with jitter and inject faults (500, 429 with
// Retry-After, mid-stream disconnects, malformed chunks, stalls),
// deterministically from a seed. The server speaks the OpenAI wire format
// (chat and legacy completions, streaming and not, stream_options usage),
// and, streaming, the Responses API, Anthropic Messages and Gemini
// streamGenerateContent (protocols.go), and exposes vLLM-named Prometheus
// metrics on /metrics. Provider emulation (provider.go) adds reasoning
// before the answer, cached-prompt usage and RPM/TPM rate limits.
//
// Prompt tokens are counted with EstimateTokens (ceil(bytes/4)); output
// tokens are words of a small embedded corpus, one word per token.
package sim
