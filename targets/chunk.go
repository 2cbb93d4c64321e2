package targets

import (
	"bytes"
	"cmp"
	"encoding/json"
	"reflect"
	"strings"
)

// This file reads the events of the OpenAI chunk protocols (chat
// completions, and legacy completions, whose choices carry text): what
// each event says (chunkFacts), found by the scanner of chunkscan.go or,
// for an event the scanner is not sure of, by the full decode here; and
// what the stream makes of it (observe).

// chunkFacts is what one chunk event says: everything a record needs of
// it.
type chunkFacts struct {
	output    bool   // some choice carries output: content, legacy text, refusal or tool calls
	reasoning bool   // some choice carries reasoning text
	finish    string // the last non-empty finish_reason of its choices

	hasUsage                                    bool // a usage object (possibly all zeros)
	prompt, completion, cached, reasoningTokens int64

	isError bool // an error event: error object, or object "error"
	errMsg  string

	// The event's text, for the tokenizer fallback (textcount.go): the
	// scanner marks where its one output and one reasoning string lie in
	// the event (outSpan, reasonSpan); the full decode, which has decoded
	// them, keeps the text itself (outText, reasonText: every choice's, in
	// the order the decode reads them).
	outSpan, reasonSpan span
	outText, reasonText string
}

// zeroUsage reports whether the usage carries no counts: Ollama sends
// such a usage on every chunk and the real one only on the last.
func (f *chunkFacts) zeroUsage() bool { return f.prompt == 0 && f.completion == 0 }

// tokens converts the usage to the record's convention, which is
// OpenAI's: prompt_tokens includes cached_tokens, completion_tokens
// includes reasoning_tokens.
func (f *chunkFacts) tokens() tokenUsage {
	return tokenUsage{input: f.prompt, output: f.completion, cached: f.cached, reasoning: f.reasoningTokens}
}

// openAIEvent takes one event of an OpenAI chunk protocol at time now:
// `[DONE]` ends the stream; a chunk is scanned, or decoded in full when
// the scanner is not sure of it, and observed; an error event is
// observed too (OpenRouter sends usage with it) and then returned.
func (st *streamState) openAIEvent(data []byte, now int64) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("[DONE]")) {
		st.ended = true
		return nil
	}
	var f chunkFacts
	if !scanChunk(data, &f) {
		if err := decodeChunk(data, &f); err != nil {
			return err
		}
	}
	st.observe(&f, now)
	if st.collect && (f.output || f.reasoning) {
		st.keepChunkText(data, &f)
	}
	if f.isError {
		return &streamEventError{msg: f.errMsg}
	}
	return nil
}

// observe takes one event's facts at time now. An event counts as a
// content event when any choice carries reasoning text or output; role-
// only, empty and usage-only events do not. A usage with zero counts is
// no usage (Ollama's placeholder).
func (st *streamState) observe(f *chunkFacts, now int64) {
	if f.finish != "" {
		st.finish = f.finish
	}
	usage := f.hasUsage && !f.zeroUsage()
	if f.output || f.reasoning {
		tokens := int64(-1)
		if usage && f.completion >= st.prevCompletion {
			tokens = f.completion - st.prevCompletion
		}
		st.content(now, f.output, tokens)
	}
	if usage {
		st.setUsage(f.tokens())
		st.prevCompletion = f.completion
	}
}

// chunk is a chat.completion.chunk (or legacy text_completion) event as
// the full decode reads it: only the fields a record needs, plus error
// objects and `reasoning` (vLLM's newer name for reasoning_content).
type chunk struct {
	Object  string        `json:"object"`
	Choices []chunkChoice `json:"choices"`
	Usage   *chunkUsage   `json:"usage"`
	// Error is an error event's payload; Message is the payload of the
	// older {"object": "error", "message": ...} form.
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
}

// chunkChoice is one choice of a chunk.
type chunkChoice struct {
	Delta struct {
		Content          chunkContent    `json:"content"`
		Refusal          string          `json:"refusal"`
		ToolCalls        json.RawMessage `json:"tool_calls"`
		ReasoningContent string          `json:"reasoning_content"`
		Reasoning        string          `json:"reasoning"`
	} `json:"delta"`
	// Text is the legacy completions' content.
	Text         string `json:"text"`
	FinishReason string `json:"finish_reason"`
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

// chunkContent is what delta.content carries. It is a string, or, from
// Mistral's thinking models, an array of typed parts: {"type": "text",
// "text": ...} parts are output, {"type": "thinking", "thinking": [{"type":
// "text", "text": ...}]} parts are reasoning; other part types carry
// neither. text and reasoningText are the texts, concatenated.
type chunkContent struct {
	output, reasoning   bool
	text, reasoningText string
}

// contentPart is one part of an array content.
type contentPart struct {
	Type     string          `json:"type"`
	Text     string          `json:"text"`
	Thinking json.RawMessage `json:"thinking"` // an array of text parts, or a string
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *chunkContent) UnmarshalJSON(b []byte) error {
	*c = chunkContent{}
	if b = bytes.TrimSpace(b); len(b) == 0 {
		return nil
	}
	switch b[0] {
	case 'n':
		return nil
	case '"':
		if err := json.Unmarshal(b, &c.text); err != nil {
			return err
		}
		c.output = c.text != ""
		return nil
	case '[':
		var parts []contentPart
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		for _, p := range parts {
			switch p.Type {
			case "text":
				c.output = c.output || p.Text != ""
				c.text += p.Text
			case "thinking":
				text, err := thinkingText(p.Thinking)
				if err != nil {
					return err
				}
				c.reasoning = c.reasoning || text != ""
				c.reasoningText += text
			}
		}
		return nil
	}
	return &json.UnmarshalTypeError{Value: "content " + string(b[:1]), Type: reflect.TypeFor[chunkContent](), Field: "content"}
}

// thinkingText is the text of a thinking part's payload (text parts, or
// a string).
func thinkingText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var parts []contentPart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", err
	}
	var text string
	for _, p := range parts {
		if p.Type == "text" {
			text += p.Text
		}
	}
	return text, nil
}

// decodeChunk decodes one chunk event in full into f.
func decodeChunk(raw []byte, f *chunkFacts) error {
	var c chunk
	if err := json.Unmarshal(raw, &c); err != nil {
		return &malformedChunkError{err: err, chunk: string(raw)}
	}
	*f = chunkFacts{}
	for i := range c.Choices {
		ch := &c.Choices[i]
		d := &ch.Delta
		if d.Content.output || ch.Text != "" || d.Refusal != "" || hasToolCalls(d.ToolCalls) {
			f.output = true
		}
		if d.Content.reasoning || d.ReasoningContent != "" || d.Reasoning != "" {
			f.reasoning = true
		}
		f.outText += d.Content.text + d.Refusal + ch.Text
		f.reasonText += d.Content.reasoningText + cmp.Or(d.ReasoningContent, d.Reasoning)
		if ch.FinishReason != "" {
			f.finish = ch.FinishReason
		}
	}
	if u := c.Usage; u != nil {
		f.hasUsage = true
		f.prompt, f.completion = u.PromptTokens, u.CompletionTokens
		if u.PromptTokensDetails != nil {
			f.cached = u.PromptTokensDetails.CachedTokens
		}
		if u.CompletionTokensDetails != nil {
			f.reasoningTokens = u.CompletionTokensDetails.ReasoningTokens
		}
	}
	f.errMsg, f.isError = c.errorMessage()
	return nil
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

func hasToolCalls(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s != "" && s != "null" && s != "[]"
}
