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
// events add up to): openai.go is OpenAI chat completions, with
// go-openai's types as its vocabulary (vLLM, SGLang, TGI, llama.cpp,
// Ollama, managed providers, Azure and the OpenAI API); completions.go,
// responses.go, anthropic.go and gemini.go are the legacy completions, the
// Responses API, Anthropic Messages and Gemini streamGenerateContent.
// chunkscan.go reads OpenAI chunks on the hot path without decoding them,
// chunk.go decodes the unusual ones in full. body.go builds request
// bodies, httpclient.go is the HTTP client, errors.go maps every failure
// to an error class, watchdog.go enforces the first-token and idle
// timeouts, retry.go retries.
//
// presets.go names providers and engines; family.go reads the model-family
// rules table (data/model_families.yaml: token-limit field, sampling,
// system message, each rule with its source); fields.go maps a request's
// own fields onto each protocol (and says which are not sent); check.go
// prepares a whole workload before a run (Check); spec.go declares a
// target (Spec) and builds it (New); file.go reads targets files.
// docs/targets.md is the user's reference.
//
// Of this module the package depends on workloads, results and prices (a
// Spec may carry its own price) only; bench consumes it through its Target
// interface.
package targets
