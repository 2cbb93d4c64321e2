package targets

import (
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/inferbench/inferbench/results"
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
func (st *streamState) keepChunkText(data []byte, f *chunkFacts) {
	if !st.keeping() {
		return
	}
	l := st.lists
	if !f.outSpan.empty() {
		l.text = f.outSpan.appendText(l.text, data)
	} else {
		l.text = append(l.text, f.outText...)
	}
	if !f.reasonSpan.empty() {
		l.reasoning = f.reasonSpan.appendText(l.reasoning, data)
	} else {
		l.reasoning = append(l.reasoning, f.reasonText...)
	}
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

// span is where a JSON string's contents (between its quotes) lie in an
// event: bytes [lo, hi); esc says they hold escapes. The zero span marks
// no string.
type span struct {
	lo, hi int32
	esc    bool
}

func (s span) empty() bool { return s.hi == 0 }

// appendText appends the decoded string s marks in data to dst.
func (s span) appendText(dst, data []byte) []byte {
	return appendJSONText(dst, data[s.lo:s.hi], s.esc)
}

// appendJSONText appends the string whose JSON contents are raw (already
// checked: valid escapes, no control characters) to dst, decoded as
// encoding/json decodes it: escapes resolved, a \u surrogate pair joined,
// a lone surrogate and each invalid UTF-8 byte replaced by U+FFFD. Plain
// valid UTF-8 (nearly every event) is copied as it is.
func appendJSONText(dst, raw []byte, esc bool) []byte {
	if !esc && utf8.Valid(raw) {
		return append(dst, raw...)
	}
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\' && i+1 < len(raw):
			switch e := raw[i+1]; e {
			case 'b':
				dst, i = append(dst, '\b'), i+2
			case 'f':
				dst, i = append(dst, '\f'), i+2
			case 'n':
				dst, i = append(dst, '\n'), i+2
			case 'r':
				dst, i = append(dst, '\r'), i+2
			case 't':
				dst, i = append(dst, '\t'), i+2
			case 'u':
				r := hex4(raw[i:])
				i += 6
				if utf16.IsSurrogate(r) {
					if d := utf16.DecodeRune(r, hex4(raw[i:])); d != unicode.ReplacementChar {
						dst, i = utf8.AppendRune(dst, d), i+6
						break
					}
					r = unicode.ReplacementChar
				}
				dst = utf8.AppendRune(dst, r)
			default: // " \ /
				dst, i = append(dst, e), i+2
			}
		case c < utf8.RuneSelf:
			dst, i = append(dst, c), i+1
		default:
			r, n := utf8.DecodeRune(raw[i:])
			dst, i = utf8.AppendRune(dst, r), i+n
		}
	}
	return dst
}

// hex4 is the rune of a \uXXXX escape at the start of b, or -1.
func hex4(b []byte) rune {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
