// Package targets sends workload requests over the wire protocols that
// inference servers speak and reports what each request did as a
// results.Record: monotonic timestamps of the exchange (sent, headers,
// first token, first output, last token, done), token counts with their
// source, and an error class for every failure. A failed request is data,
// never a Go error: the run goes on.
//
// One file per wire protocol, each a small wire (request body, event
// decode, end check) on one shared machinery (stream.go: timing, timeouts,
// errors, the record; sse.go: the SSE reader; tally.go: what a stream's
// events add up to; textcount.go: the tokenizer fallback): openai.go is
// OpenAI chat completions, with go-openai's types as its vocabulary
// (vLLM, SGLang, TGI, llama.cpp, Ollama, managed providers, Azure and the
// OpenAI API); completions.go, responses.go, anthropic.go and gemini.go
// are the legacy completions, the Responses API, Anthropic Messages and
// Gemini streamGenerateContent. chunk.go takes the OpenAI chunk events,
// which targets/internal/chunk reads (a hot-path scanner and a full
// decode). body.go builds request bodies, fields.go maps a request's own
// fields onto each protocol (and says which are not sent), config.go is
// the Config every wire takes, httpclient.go is the HTTP client,
// errors.go maps every failure to an error class, watchdog.go enforces
// the first-token and idle timeouts, retry.go retries, check.go prepares
// a whole workload before a run (Check), and build.go builds the target a
// targetspec.Spec declares (New).
//
// What a target is declared as (Spec, presets, protocol names, the
// model-family rules, targets files) is targets/targetspec's;
// docs/targets.md is the user's reference.
//
// Imports: targets/targetspec and targets/internal/chunk, workloads and
// results, and of the outside go-openai and x/net's proxy settings;
// never prices directly. bench consumes it through its Target interface;
// targets/sim (the simulator) stands beside it.
package targets
