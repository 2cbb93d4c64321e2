package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// This file holds the OpenAI wire format: request bodies the simulator
// accepts and the objects it sends, field for field as api.openai.com and
// vLLM send them.

// streamOptions is the request's stream_options.
type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
	// ContinuousUsageStats is vLLM's extension: with include_usage, every
	// chunk carries the usage so far, so a client knows the tokens per
	// chunk exactly.
	ContinuousUsageStats bool `json:"continuous_usage_stats"`
}

// chatRequest is the part of a chat completion request the simulator uses.
type chatRequest struct {
	Model               string          `json:"model"`
	Messages            []chatMessage   `json:"messages"`
	Stream              bool            `json:"stream"`
	StreamOptions       *streamOptions  `json:"stream_options"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Prompt              json.RawMessage `json:"prompt"` // legacy completions only
}

// chatMessage is one message; content is a string, null, or an array of
// parts whose "text" fields count.
type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// text returns the message's text content.
func (m chatMessage) text() (string, error) {
	c := bytes.TrimSpace(m.Content)
	switch {
	case len(c) == 0 || string(c) == "null":
		return "", nil
	case c[0] == '"':
		var s string
		err := json.Unmarshal(c, &s)
		return s, err
	case c[0] == '[':
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(c, &parts); err != nil {
			return "", err
		}
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(p.Text)
		}
		return b.String(), nil
	}
	return "", errors.New("content must be a string or an array of content parts")
}

// legacyPrompt returns the prompt of a legacy completion as text, or its
// length if it is given as token ids. One prompt per request is supported.
func (r *chatRequest) legacyPrompt() (text string, tokens int, err error) {
	p := bytes.TrimSpace(r.Prompt)
	if len(p) == 0 || string(p) == "null" {
		return "", 0, errors.New("prompt is required")
	}
	var s string
	if json.Unmarshal(p, &s) == nil {
		return s, 0, nil
	}
	var ss []string
	if json.Unmarshal(p, &ss) == nil {
		if len(ss) != 1 {
			return "", 0, errors.New("the simulator supports exactly one prompt per request")
		}
		return ss[0], 0, nil
	}
	var ids []int
	if json.Unmarshal(p, &ids) == nil && len(ids) > 0 {
		return "", len(ids), nil
	}
	return "", 0, errors.New("prompt must be a string, an array of one string, or an array of token ids")
}

// maxTokens returns the requested output length (max_completion_tokens
// wins over the older max_tokens), and whether the request set one.
func (r *chatRequest) maxTokens() (int, bool, error) {
	for _, f := range []struct {
		name string
		v    *int
	}{{"max_completion_tokens", r.MaxCompletionTokens}, {"max_tokens", r.MaxTokens}} {
		if f.v != nil {
			if *f.v < 1 {
				return 0, false, fmt.Errorf("%s must be at least 1, got %d", f.name, *f.v)
			}
			return *f.v, true, nil
		}
	}
	return 0, false, nil
}

// usage is the token accounting of a response.
type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	// The details appear only when the provider emulation reports cached
	// or reasoning tokens, as OpenAI sends them.
	PromptTokensDetails *struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details,omitempty"`
	CompletionTokensDetails *struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details,omitempty"`
}

func newUsage(in, out int) *usage {
	return &usage{PromptTokens: in, CompletionTokens: out, TotalTokens: in + out}
}

// delta is a chat chunk's delta. Content is a pointer so the role-only
// chunk carries "content":"" as real servers send it.
type delta struct {
	Role             string  `json:"role,omitempty"`
	Content          *string `json:"content,omitempty"`
	ReasoningContent *string `json:"reasoning_content,omitempty"` // vLLM's and DeepSeek's name
}

// chunkChoice is one choice of a streamed chunk (chat or legacy).
type chunkChoice struct {
	Index        int     `json:"index"`
	Delta        *delta  `json:"delta,omitempty"` // chat
	Text         *string `json:"text,omitempty"`  // legacy completions
	Logprobs     *string `json:"logprobs"`        // always null
	FinishReason *string `json:"finish_reason"`
}

// chunk is one streamed event: chat.completion.chunk or text_completion.
// Usage is null on every chunk but the last when include_usage is set, and
// absent otherwise, as OpenAI documents.
type chunk struct {
	ID      string          `json:"id"`
	Object  string          `json:"object"`
	Created int64           `json:"created"`
	Model   string          `json:"model"`
	Choices []chunkChoice   `json:"choices"`
	Usage   json.RawMessage `json:"usage,omitempty"`
}

// message is a non-streamed chat message.
type message struct {
	Role             string `json:"role"`
	Content          string `json:"content"`
	ReasoningContent string `json:"reasoning_content,omitempty"`
}

// choice is one choice of a non-streamed response (chat or legacy).
type choice struct {
	Index        int      `json:"index"`
	Message      *message `json:"message,omitempty"` // chat
	Text         *string  `json:"text,omitempty"`    // legacy completions
	Logprobs     *string  `json:"logprobs"`
	FinishReason string   `json:"finish_reason"`
}

// completion is a non-streamed response: chat.completion or
// text_completion.
type completion struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []choice `json:"choices"`
	Usage   *usage   `json:"usage"`
}

// apiError is OpenAI's error body.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// writeError writes an OpenAI-style error response.
func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	body := apiError{Error: apiErrorBody{Message: msg, Type: typ}}
	if code != "" {
		body.Error.Code = &code
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeJSON writes v with status 200.
func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.Write(append(b, '\n'))
}

// sseEvent frames one server-sent event: "data: <payload>\n\n".
func sseEvent(payload []byte) []byte {
	b := make([]byte, 0, len(payload)+8)
	b = append(b, "data: "...)
	b = append(b, payload...)
	return append(b, '\n', '\n')
}

// sseDone is the stream terminator.
var sseDone = []byte("data: [DONE]\n\n")
