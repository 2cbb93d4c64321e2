package chunk

import (
	"bytes"
	"cmp"
	"encoding/json"
	"reflect"
	"strings"
)

// Facts is what one chunk event says: everything a record needs of it.
type Facts struct {
	Output    bool   // some choice carries output: content, legacy text, refusal or tool calls
	Reasoning bool   // some choice carries reasoning text
	Finish    string // the last non-empty finish_reason of its choices

	HasUsage bool // a usage object (possibly all zeros)
	// The usage's counts, as OpenAI counts them: Prompt includes Cached,
	// Completion includes ReasoningTokens.
	Prompt, Completion, Cached, ReasoningTokens int64

	IsError bool // an error event: error object, or object "error"
	ErrMsg  string

	// The event's text, for the tokenizer fallback (AppendOutput,
	// AppendReasoning): the scanner marks where its one output and one
	// reasoning string lie in the event (outSpan, reasonSpan); the full
	// decode, which has decoded them, keeps the text itself (outText,
	// reasonText: every choice's, in the order the decode reads them).
	outSpan, reasonSpan span
	outText, reasonText string
}

// ZeroUsage reports whether the usage carries no counts: Ollama sends
// such a usage on every chunk and the real one only on the last.
func (f *Facts) ZeroUsage() bool { return f.Prompt == 0 && f.Completion == 0 }

// AppendOutput appends the event's output text, decoded, to dst; data is
// the event f was read from.
func (f *Facts) AppendOutput(dst, data []byte) []byte {
	if !f.outSpan.empty() {
		return f.outSpan.appendText(dst, data)
	}
	return append(dst, f.outText...)
}

// AppendReasoning appends the event's reasoning text, decoded, to dst;
// data is the event f was read from.
func (f *Facts) AppendReasoning(dst, data []byte) []byte {
	if !f.reasonSpan.empty() {
		return f.reasonSpan.appendText(dst, data)
	}
	return append(dst, f.reasonText...)
}

// event is a chat.completion.chunk (or legacy text_completion) event as
// the full decode reads it: only the fields a record needs, plus error
// objects and `reasoning` (vLLM's newer name for reasoning_content).
type event struct {
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

// Decode decodes one chunk event in full into f. Its error is
// encoding/json's: the event is not a valid chunk.
func Decode(raw []byte, f *Facts) error {
	var c event
	if err := json.Unmarshal(raw, &c); err != nil {
		return err
	}
	*f = Facts{}
	for i := range c.Choices {
		ch := &c.Choices[i]
		d := &ch.Delta
		if d.Content.output || ch.Text != "" || d.Refusal != "" || hasToolCalls(d.ToolCalls) {
			f.Output = true
		}
		if d.Content.reasoning || d.ReasoningContent != "" || d.Reasoning != "" {
			f.Reasoning = true
		}
		f.outText += d.Content.text + d.Refusal + ch.Text
		f.reasonText += d.Content.reasoningText + cmp.Or(d.ReasoningContent, d.Reasoning)
		if ch.FinishReason != "" {
			f.Finish = ch.FinishReason
		}
	}
	if u := c.Usage; u != nil {
		f.HasUsage = true
		f.Prompt, f.Completion = u.PromptTokens, u.CompletionTokens
		if u.PromptTokensDetails != nil {
			f.Cached = u.PromptTokensDetails.CachedTokens
		}
		if u.CompletionTokensDetails != nil {
			f.ReasoningTokens = u.CompletionTokensDetails.ReasoningTokens
		}
	}
	f.ErrMsg, f.IsError = c.errorMessage()
	return nil
}

// errorMessage reports whether the event is an error event, and its message.
func (c *event) errorMessage() (string, bool) {
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

// BodyMessage is the message of an error body: error.message (OpenAI,
// Anthropic, Gemini), vLLM's older {"object": "error", "message": ...},
// {"error": "text"}, FastAPI's {"detail": "text"}; else the body itself.
func BodyMessage(body string) string {
	var c event
	if json.Unmarshal([]byte(body), &c) == nil {
		if msg, ok := c.errorMessage(); ok && msg != "" {
			return msg
		}
		if c.Message != "" {
			return c.Message
		}
		var d struct {
			Detail string `json:"detail"`
		}
		if json.Unmarshal([]byte(body), &d) == nil && d.Detail != "" {
			return d.Detail
		}
	}
	return body
}
