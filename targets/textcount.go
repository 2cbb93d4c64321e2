package targets

import (
	"sync"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/internal/chunk"
	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

// This file is the tokenizer fallback of token counting: a stream that
// ends without the server's usage has its output counted by tokenizing the
// text it received (content and reasoning), instead of counting its
// content events.
//
// The text is kept only while it may be needed. A target starts out
// keeping it; once a stream of the target ends cleanly with a usage that
// counts the output, the target's later streams keep none (the server
// reports usage), and they keep it again after a clean stream without
// one. A stream that keeps its text holds it in the pooled event lists
// (eventLists), as bytes: about 4 bytes per token of English, against the
// 8 bytes per content event of its gap list; a stream whose usage arrives
// stops adding to it, and the text goes back to the pool unread.

// tokenCounter counts text with an embedded tokenizer, loaded on first
// use: building a rank table takes a few hundred milliseconds and tens
// of megabytes, which a run whose server reports usage never spends.
type tokenCounter struct {
	name string
	once sync.Once
	tok  workloads.Tokenizer
	err  error
}

// newTokenCounter returns the counter a config names (nil: no fallback).
func newTokenCounter(name string) *tokenCounter {
	if name == targetspec.NoCountTokenizer {
		return nil
	}
	if name == "" {
		name = targetspec.DefaultCountTokenizer
	}
	return &tokenCounter{name: name}
}

// load builds the tokenizer once.
func (c *tokenCounter) load() error {
	c.once.Do(func() { c.tok, c.err = workloads.NewTokenizer(c.name) })
	return c.err
}

// count is the number of tokens of text.
func (c *tokenCounter) count(text []byte) (int64, error) {
	if err := c.load(); err != nil {
		return 0, err
	}
	if len(text) == 0 {
		return 0, nil
	}
	return int64(len(c.tok.Encode(string(text)))), nil
}

// maxPooledText bounds the text buffers the pool keeps.
const maxPooledText = 64 << 10

// keeping reports whether the stream keeps the text of its content
// events: it was started to, and no usage that counts the output has
// arrived yet.
func (t *tally) keeping() bool {
	return t.collect && t.lists != nil && !(t.hasUsage && !t.usage.outputUnknown)
}

// keepText keeps text (decoded) of the content event just taken, as
// reasoning or output.
func (t *tally) keepText(text string, reasoning bool) {
	if text == "" || !t.keeping() {
		return
	}
	if reasoning {
		t.lists.reasoning = append(t.lists.reasoning, text...)
	} else {
		t.lists.text = append(t.lists.text, text...)
	}
}

// keepChunkText keeps the text of the chunk event data the facts f were
// read from: where the scanner marked it, or as the full decode decoded
// it.
func (st *streamState) keepChunkText(data []byte, f *chunk.Facts) {
	if !st.keeping() {
		return
	}
	l := st.lists
	l.text = f.AppendOutput(l.text, data)
	l.reasoning = f.AppendReasoning(l.reasoning, data)
}

// countOutput sets rec's output tokens from the kept text, when the
// stream kept any: output_tokens counts the output and reasoning text,
// reasoning_tokens the reasoning, each tokenized on its own (a model
// writes them apart). A tokenizer that cannot be loaded leaves the
// content-event count.
func (t *tally) countOutput(rec *results.Record) {
	if !t.collect || t.lists == nil || len(t.lists.text)+len(t.lists.reasoning) == 0 {
		return
	}
	out, err := t.counter.count(t.lists.text)
	if err != nil {
		return
	}
	reasoning, err := t.counter.count(t.lists.reasoning)
	if err != nil {
		return
	}
	rec.OutputTokens, rec.ReasoningTokens = out+reasoning, reasoning
	rec.OutputTokensSource = results.TokensFromTokenizer
}
