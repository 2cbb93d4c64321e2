package targets

import (
	"github.com/inferbench/inferbench/targets/internal/chunk"

	"bytes"
)

// This file takes the events of the OpenAI chunk protocols (chat
// completions, and legacy completions, whose choices carry text): what
// each event says (chunk.Facts) is found by targets/internal/chunk's
// scanner or, for an event the scanner is not sure of, by its full
// decode; what the stream makes of it is observe's.

// openAIEvent takes one event of an OpenAI chunk protocol at time now:
// `[DONE]` ends the stream; a chunk is scanned, or decoded in full when
// the scanner is not sure of it, and observed; an error event is
// observed too (OpenRouter sends usage with it) and then returned.
func (st *streamState) openAIEvent(data []byte, now int64) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("[DONE]")) {
		st.ended = true
		return nil
	}
	var f chunk.Facts
	if !chunk.Scan(data, &f) {
		if err := chunk.Decode(data, &f); err != nil {
			return &malformedChunkError{err: err, chunk: string(data)}
		}
	}
	st.observe(&f, now)
	if st.collect && (f.Output || f.Reasoning) {
		st.keepChunkText(data, &f)
	}
	if f.IsError {
		return &streamEventError{msg: f.ErrMsg}
	}
	return nil
}

// observe takes one event's facts at time now. An event counts as a
// content event when any choice carries reasoning text or output; role-
// only, empty and usage-only events do not. A usage with zero counts is
// no usage (Ollama's placeholder).
func (st *streamState) observe(f *chunk.Facts, now int64) {
	if f.Finish != "" {
		st.finish = f.Finish
	}
	usage := f.HasUsage && !f.ZeroUsage()
	if f.Output || f.Reasoning {
		tokens := int64(-1)
		if usage && f.Completion >= st.prevCompletion {
			tokens = f.Completion - st.prevCompletion
		}
		st.content(now, f.Output, tokens)
	}
	if usage {
		// The record's convention is OpenAI's: input includes cached,
		// output includes reasoning.
		st.setUsage(tokenUsage{input: f.Prompt, output: f.Completion, cached: f.Cached, reasoning: f.ReasoningTokens})
		st.prevCompletion = f.Completion
	}
}
