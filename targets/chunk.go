package targets

import (
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/inferbench/inferbench/results"
)

// This file reads OpenAI's streamed chunks, for chat completions (through
// go-openai) and legacy completions (through sseReader).

// chunk is the part of a chat.completion.chunk (or legacy text_completion)
// event that the OpenAI targets look at.
// Decoding only these fields is cheaper than go-openai's full type, and
// it sees the fields go-openai does not have: `reasoning` (vLLM's newer
// name for reasoning_content) and error objects.
type chunk struct {
	Object  string        `json:"object"`
	Choices []chunkChoice `json:"choices"`
	Usage   *chunkUsage   `json:"usage"`
	// Error is an error event's payload; Message is the payload of the
	// older {"object": "error", "message": ...} form.
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
}

type chunkUsage struct {
	PromptTokens        int64 `json:"prompt_tokens"`
	CompletionTokens    int64 `json:"completion_tokens"`
	PromptTokensDetails *struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

// errorMessage reports whether the event is an error event, and its message.
func (c *chunk) errorMessage() (string, bool) {
	if len(c.Error) > 0 && string(c.Error) != "null" {
		var obj struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(c.Error, &obj) == nil && obj.Message != "" {
			return obj.Message, true
		}
		var s string
		if json.Unmarshal(c.Error, &s) == nil && s != "" {
			return s, true
		}
		return string(c.Error), true
	}
	if c.Object == "error" {
		return c.Message, true
	}
	return "", false
}

// zero reports whether u carries no counts: Ollama sends such a usage on
// every chunk and the real one only on the last.
func (u *chunkUsage) zero() bool {
	return u.PromptTokens == 0 && u.CompletionTokens == 0
}

// tokens converts u to the record's convention, which is OpenAI's:
// prompt_tokens includes cached_tokens, completion_tokens includes
// reasoning_tokens.
func (u *chunkUsage) tokens() tokenUsage {
	t := tokenUsage{input: u.PromptTokens, output: u.CompletionTokens}
	if u.PromptTokensDetails != nil {
		t.cached = u.PromptTokensDetails.CachedTokens
	}
	if u.CompletionTokensDetails != nil {
		t.reasoning = u.CompletionTokensDetails.ReasoningTokens
	}
	return t
}

// streamState is one stream's tally plus what the OpenAI chunk protocols
// need to read it.
type streamState struct {
	tally
	prevCompletion int64 // completion_tokens of the last usage seen
	ended          bool  // the protocol's end event was seen ([DONE], message_stop, ...)
	choices        []chunkChoice
	anthropic      anthropicState
}

// chunkChoice is one choice of a chunk, named so streamState can keep
// the array between events.
type chunkChoice struct {
	Delta struct {
		Content          string          `json:"content"`
		Refusal          string          `json:"refusal"`
		ToolCalls        json.RawMessage `json:"tool_calls"`
		ReasoningContent string          `json:"reasoning_content"`
		Reasoning        string          `json:"reasoning"`
	} `json:"delta"`
	// Text is the legacy completions' content.
	Text         string `json:"text"`
	FinishReason string `json:"finish_reason"`
}

// decodeChunk decodes one chunk event into c and observes it. The
// choices array is reused, zeroed: encoding/json decodes into the
// elements it finds there, keeping fields an event lacks.
func (st *streamState) decodeChunk(raw []byte, now int64) error {
	choices := st.choices[:cap(st.choices)]
	clear(choices)
	c := chunk{Choices: choices[:0]}
	if err := json.Unmarshal(raw, &c); err != nil {
		return &malformedChunkError{err: err, chunk: string(raw)}
	}
	st.choices = c.Choices
	if msg, ok := c.errorMessage(); ok {
		return &streamEventError{msg: msg}
	}
	st.observe(&c, now)
	return nil
}

// read consumes a go-openai chat stream until it ends. It returns nil
// when the body ended cleanly (with or without [DONE]; the caller checks
// which).
func (st *streamState) read(stream *openai.ChatCompletionStream, clock results.Clock, ex *exchange) error {
	for {
		raw, err := stream.RecvRaw()
		now := clock.Now()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var apiErr *openai.APIError
			if errors.As(err, &apiErr) {
				return &streamEventError{msg: cmp.Or(apiErr.Message, bodyMessage(ex.body.errLine))}
			}
			return err
		}
		if raw == nil {
			// go-openai saw `data: {"error"` but could not decode it.
			return &streamEventError{msg: cmp.Or(bodyMessage(ex.body.errLine), "undecodable error event")}
		}
		if err := st.decodeChunk(raw, now); err != nil {
			return err
		}
	}
}

// observe takes one event at time now. An event counts as a content event
// when any choice carries reasoning text or output (content, legacy text,
// refusal or tool-call deltas); role-only, empty and usage-only events do
// not. A usage with zero counts is no usage (Ollama's placeholder).
func (st *streamState) observe(c *chunk, now int64) {
	var text, output bool
	for i := range c.Choices {
		ch := &c.Choices[i]
		d := &ch.Delta
		if d.Content != "" || ch.Text != "" || d.Refusal != "" || hasToolCalls(d.ToolCalls) {
			output = true
		}
		if d.ReasoningContent != "" || d.Reasoning != "" {
			text = true
		}
		if ch.FinishReason != "" {
			st.finish = ch.FinishReason
		}
	}
	u := c.Usage
	if u != nil && u.zero() {
		u = nil
	}
	if text || output {
		tokens := int64(-1)
		if u != nil && u.CompletionTokens >= st.prevCompletion {
			tokens = u.CompletionTokens - st.prevCompletion
		}
		st.content(now, output, tokens)
	}
	if u != nil {
		st.setUsage(u.tokens())
		st.prevCompletion = u.CompletionTokens
	}
}

func hasToolCalls(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s != "" && s != "null" && s != "[]"
}
