package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// anthropicProtocol is Anthropic's Messages API (POST /v1/messages,
// stream: true), event for event as api.anthropic.com sends it:
// message_start (usage with input_tokens excluding cache reads), a
// thinking block when the provider emulates reasoning, a text block,
// pings, message_delta with stop_reason and the cumulative output_tokens,
// message_stop. Errors use Anthropic's {"type":"error","error":{...}}.
type anthropicProtocol struct{}

func (anthropicProtocol) parse(r *http.Request, body []byte) (wireRequest, error) {
	if r.Header.Get("anthropic-version") == "" {
		return wireRequest{}, errors.New("anthropic-version: header is required")
	}
	var b struct {
		Model     string          `json:"model"`
		System    json.RawMessage `json:"system"`
		Messages  []chatMessage   `json:"messages"`
		Stream    bool            `json:"stream"`
		MaxTokens *int            `json:"max_tokens"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return wireRequest{}, errors.New("invalid JSON body: " + err.Error())
	}
	if b.MaxTokens == nil {
		return wireRequest{}, errors.New("max_tokens: Field required")
	}
	if *b.MaxTokens < 1 {
		return wireRequest{}, errors.New("max_tokens: must be at least 1")
	}
	if len(b.Messages) == 0 {
		return wireRequest{}, errors.New("messages: at least one message is required")
	}
	var system []string
	if s := bytes.TrimSpace(b.System); len(s) > 0 && string(s) != "null" {
		t, err := chatMessage{Content: s}.text()
		if err != nil {
			return wireRequest{}, errors.New("system: " + err.Error())
		}
		system = append(system, t)
	}
	text, err := messagesText(system, b.Messages)
	if err != nil {
		return wireRequest{}, err
	}
	// max_tokens is required, so every request has an explicit limit;
	// the simulated model stops at it (stop_reason max_tokens).
	return wireRequest{model: b.Model, text: text, maxTokens: *b.MaxTokens, stream: b.Stream}, nil
}

func (anthropicProtocol) writeError(w http.ResponseWriter, status int, kind errKind, msg string, _ time.Duration) {
	typ := map[errKind]string{errInvalid: "invalid_request_error", errNotFound: "not_found_error",
		errRateLimit: "rate_limit_error", errServer: "api_error"}[kind]
	w.Header().Set("request-id", "req_sim")
	jsonError(w, status, map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}})
}

func (anthropicProtocol) encoder(j *wireJob) encoder { return &anthropicEncoder{j: j, block: -1} }

type anthropicEncoder struct {
	j     *wireJob
	block int    // index of the open content block; -1 before the first
	kind  string // "thinking" or "text"
}

func (e *anthropicEncoder) usage() map[string]any {
	return map[string]any{
		"input_tokens":                e.j.input - e.j.cached,
		"cache_creation_input_tokens": 0,
		"cache_read_input_tokens":     e.j.cached,
		"output_tokens":               1,
	}
}

func (e *anthropicEncoder) begin(ew *eventWriter) error {
	msg := map[string]any{
		"id": "msg_" + e.j.id, "type": "message", "role": "assistant", "content": []any{},
		"model": e.j.model, "stop_reason": nil, "stop_sequence": nil, "usage": e.usage(),
	}
	if err := ew.event("message_start", map[string]any{"type": "message_start", "message": msg}, false); err != nil {
		return err
	}
	return ew.event("ping", map[string]any{"type": "ping"}, false)
}

// open starts a block of kind, closing the one before.
func (e *anthropicEncoder) open(ew *eventWriter, kind string) error {
	if e.kind == kind {
		return nil
	}
	if err := e.close(ew); err != nil {
		return err
	}
	e.block++
	e.kind = kind
	cb := map[string]any{"type": "text", "text": ""}
	if kind == "thinking" {
		cb = map[string]any{"type": "thinking", "thinking": "", "signature": ""}
	}
	return ew.event("content_block_start", map[string]any{"type": "content_block_start", "index": e.block, "content_block": cb}, false)
}

func (e *anthropicEncoder) close(ew *eventWriter) error {
	if e.block < 0 {
		return nil
	}
	if e.kind == "thinking" {
		if err := ew.event("content_block_delta", map[string]any{"type": "content_block_delta", "index": e.block,
			"delta": map[string]any{"type": "signature_delta", "signature": "c2ltdWxhdGVk"}}, false); err != nil {
			return err
		}
	}
	return ew.event("content_block_stop", map[string]any{"type": "content_block_stop", "index": e.block}, false)
}

func (e *anthropicEncoder) tokens(ew *eventWriter, from, to int, reasoning bool) error {
	kind, delta := "text", map[string]any{"type": "text_delta", "text": e.j.text(from, to)}
	if reasoning {
		kind, delta = "thinking", map[string]any{"type": "thinking_delta", "thinking": e.j.text(from, to)}
	}
	if err := e.open(ew, kind); err != nil {
		return err
	}
	return ew.event("content_block_delta", map[string]any{"type": "content_block_delta", "index": e.block, "delta": delta}, false)
}

func (e *anthropicEncoder) end(ew *eventWriter) error {
	if err := e.close(ew); err != nil {
		return err
	}
	stop := "end_turn"
	if e.j.finish == "length" {
		stop = "max_tokens"
	}
	if err := ew.event("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": stop, "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": e.j.maxTokens}}, false); err != nil {
		return err
	}
	return ew.event("message_stop", map[string]any{"type": "message_stop"}, false)
}

func (e *anthropicEncoder) garbled(ew *eventWriter) error {
	return ew.garbledEvent("content_block_delta", map[string]any{"type": "content_block_delta", "index": max(e.block, 0),
		"delta": map[string]any{"type": "text_delta", "text": " garbled"}}, false)
}
