// Package targets sends workload requests over the wire protocols that
// inference servers speak and reports what each request did as a
// results.Record: monotonic timestamps of the exchange (sent, headers,
// first token, first output, last token, done), token counts with their
// source, and an error class for every failure. A failed request is data,
// never a Go error: the run goes on.
//
// One file per wire protocol: openai.go is the OpenAI-compatible streaming
// chat target (vLLM, SGLang, TGI, llama.cpp, Ollama, managed providers and
// the OpenAI API itself). httpclient.go is the instrumented HTTP layer
// under it; errors.go maps every failure to an error class.
//
// The package depends on workloads and results only; bench consumes it
// through its Target interface.
package targets
