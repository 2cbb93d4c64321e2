// Package engine holds the end-to-end tests that run inferbench against a
// real self-hosted inference engine: Ollama built from source on the CPU,
// serving a tiny generated llama model (see internal/gguf and docs/engine.md).
//
// The tests need a running engine and skip without one; scripts/engine-e2e.sh
// (make e2e-engine) builds and starts it, runs them, and stops it.
package engine
