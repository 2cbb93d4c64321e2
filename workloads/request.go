// Package workloads says what to send. It owns the native JSON Lines
// workload format and the one loader of every supported format (Load,
// with file:line errors and the identity a manifest records), the trace
// importers, prompt synthesis and synthetic workloads, the arrival
// processes and rate parsing (Arrival.Gap is the one formula of a gap),
// sharding across load generators, replay order, and the bundled sample.
//
// It imports only the standard library, the tokenizer and
// internal/suggest (did-you-mean for unknown keys), so every other package
// can read a workload.
package workloads

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Message is one OpenAI-style chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is one request of a workload. Either Messages or Prompt is set.
type Request struct {
	// ID names the request; it defaults to the 1-based line number.
	ID string `json:"id,omitempty"`
	// Index is the 0-based position in the workload (not serialised).
	Index int `json:"-"`
	// Messages is the chat conversation to send.
	Messages []Message `json:"messages,omitempty"`
	// Prompt is a plain prompt; targets send it as one user message (chat)
	// or as the prompt of a legacy completion.
	Prompt string `json:"prompt,omitempty"`
	// MaxTokens is the requested output length (max_tokens).
	MaxTokens int `json:"max_tokens,omitempty"`
	// MaxTokensField is the field the request's source sent MaxTokens
	// as: "" (max_tokens) or "max_completion_tokens" (an OpenAI Batch
	// or recorded body that used it). OpenAI chat targets send that field
	// unless the model family's rule or the target names one.
	MaxTokensField string `json:"max_tokens_field,omitempty"`
	// AtMs is the arrival offset in milliseconds for replay; nil if absent.
	AtMs *float64 `json:"at_ms,omitempty"`
	// SessionID and Turn place the request in a multi-turn conversation.
	SessionID string `json:"session_id,omitempty"`
	Turn      int    `json:"turn,omitempty"`
	// Temperature, when set, is sent as is (including 0).
	Temperature *float64 `json:"temperature,omitempty"`
	// InputTokens is the intended prompt length in tokens, when the
	// workload knows it (synthesised or imported from a length-only trace).
	InputTokens int `json:"input_tokens,omitempty"`
	// Extra holds fields sent verbatim in the request body.
	Extra map[string]json.RawMessage `json:"extra,omitempty"`
	// Observed is what the upstream answered when the request was
	// recorded (inferbench record); nil when unknown. It is never sent.
	Observed *Observed `json:"observed,omitempty"`
}

// Observed is what a recorded upstream answered one request: its token
// usage and whether it streamed, so a replay can ask for the real answer
// length (run --output-len observed) and a projection can use the real
// input:output mix.
type Observed struct {
	InputTokens  int `json:"input_tokens,omitempty"`
	OutputTokens int `json:"output_tokens"`
	// ReasoningTokens are the part of OutputTokens spent reasoning.
	ReasoningTokens int `json:"reasoning_tokens,omitempty"`
	// Source says where the counts come from: ObservedFromUsage or
	// ObservedFromChunks.
	Source   string `json:"source"`
	Streamed bool   `json:"streamed"`
}

// Where observed counts come from.
const (
	// ObservedFromUsage: the upstream's own usage report.
	ObservedFromUsage = "usage"
	// ObservedFromChunks: a stream without usage (the client did not ask
	// for it, and the recorder never changes a request), counted one token
	// per content or reasoning event; input tokens are unknown (0).
	ObservedFromChunks = "chunks"
)

// problem says what is wrong with o, or "".
func (o *Observed) problem() string {
	switch {
	case o == nil:
		return ""
	case o.InputTokens < 0 || o.OutputTokens < 0 || o.ReasoningTokens < 0:
		return `"observed" token counts must be >= 0`
	case o.ReasoningTokens > o.OutputTokens:
		return fmt.Sprintf(`"observed": reasoning_tokens (%d) are part of output_tokens (%d) and cannot exceed them`, o.ReasoningTokens, o.OutputTokens)
	case o.Source != ObservedFromUsage && o.Source != ObservedFromChunks:
		return fmt.Sprintf(`"observed": source %q: want %q or %q`, o.Source, ObservedFromUsage, ObservedFromChunks)
	}
	return ""
}

// Bounds of a request's numbers (checked on every native line): a token
// count above MaxTokenCount (ten million, the longest context any model
// has) or an arrival later than MaxAtMs (a year) is a typo, and
// MaxTemperature is the highest sampling temperature OpenAI, Gemini and
// the OpenAI-compatible hosts accept (Anthropic's is 1).
const (
	MaxTokenCount  = 10_000_000
	MaxAtMs        = 366 * 24 * 3600 * 1000.0
	MaxTemperature = 2
)

// At is the arrival offset as a duration, and whether the request has one.
func (r *Request) At() (time.Duration, bool) {
	if r.AtMs == nil {
		return 0, false
	}
	return time.Duration(*r.AtMs * float64(time.Millisecond)), true
}

// ChatMessages returns the messages to send to a chat endpoint: Messages,
// or Prompt as one user message.
func (r *Request) ChatMessages() []Message {
	if len(r.Messages) > 0 {
		return r.Messages
	}
	return []Message{{Role: "user", Content: r.Prompt}}
}

// Text is the whole prompt text (all message contents, or Prompt).
func (r *Request) Text() string {
	if len(r.Messages) == 0 {
		return r.Prompt
	}
	var b strings.Builder
	for i, m := range r.Messages {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(m.Content)
	}
	return b.String()
}
