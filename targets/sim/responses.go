package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// responsesProtocol is the OpenAI Responses API (POST /v1/responses,
// stream: true), event for event as api.openai.com sends it: a reasoning
// output item with reasoning_summary_text deltas when the provider
// emulates reasoning, then a message item with output_text deltas, then
// response.completed (or response.incomplete with reason
// max_output_tokens when the request's limit ended it) with the usage.
type responsesProtocol struct{}

func (responsesProtocol) parse(_ *http.Request, body []byte) (wireRequest, error) {
	var b struct {
		Model           string          `json:"model"`
		Input           json.RawMessage `json:"input"`
		Instructions    string          `json:"instructions"`
		Stream          bool            `json:"stream"`
		MaxOutputTokens *int            `json:"max_output_tokens"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return wireRequest{}, errors.New("We could not parse the JSON body of your request: " + err.Error())
	}
	req := wireRequest{model: b.Model, stream: b.Stream}
	if b.MaxOutputTokens != nil {
		if *b.MaxOutputTokens < 1 {
			return req, errors.New("max_output_tokens must be at least 1")
		}
		req.maxTokens = *b.MaxOutputTokens
	}
	var system []string
	if b.Instructions != "" {
		system = append(system, b.Instructions)
	}
	in := bytes.TrimSpace(b.Input)
	switch {
	case len(in) == 0 || string(in) == "null":
		return req, errors.New("input is required")
	case in[0] == '"':
		var s string
		if err := json.Unmarshal(in, &s); err != nil {
			return req, err
		}
		req.text, _ = messagesText(system, nil)
		if req.text != "" {
			req.text += "\n"
		}
		req.text += s
	default:
		var msgs []chatMessage
		if err := json.Unmarshal(in, &msgs); err != nil {
			return req, errors.New("input must be a string or a list of messages: " + err.Error())
		}
		t, err := messagesText(system, msgs)
		if err != nil {
			return req, err
		}
		req.text = t
	}
	return req, nil
}

func (responsesProtocol) writeError(w http.ResponseWriter, status int, kind errKind, msg string, retry time.Duration) {
	openaiErrors{}.writeError(w, status, kind, msg, retry)
}

func (responsesProtocol) encoder(j *wireJob) encoder { return &responsesEncoder{j: j} }

type responsesEncoder struct {
	j     *wireJob
	seq   int
	items int // output items opened
	open  string
}

func (e *responsesEncoder) send(ew *eventWriter, typ string, fields map[string]any) error {
	fields["type"] = typ
	fields["sequence_number"] = e.seq
	e.seq++
	return ew.event(typ, fields, false)
}

func (e *responsesEncoder) response(status string) map[string]any {
	return map[string]any{
		"id": "resp_" + e.j.id, "object": "response", "created_at": e.j.created, "model": e.j.model,
		"status": status, "output": []any{}, "usage": nil,
	}
}

func (e *responsesEncoder) begin(ew *eventWriter) error {
	if err := e.send(ew, "response.created", map[string]any{"response": e.response("in_progress")}); err != nil {
		return err
	}
	return e.send(ew, "response.in_progress", map[string]any{"response": e.response("in_progress")})
}

// item opens the output item for reasoning or the message, closing the
// one before.
func (e *responsesEncoder) item(ew *eventWriter, kind string) error {
	if e.open == kind {
		return nil
	}
	e.open = kind
	e.items++
	item := map[string]any{"id": "rs_" + e.j.id, "type": "reasoning", "summary": []any{}}
	if kind == "message" {
		item = map[string]any{"id": "msg_" + e.j.id, "type": "message", "status": "in_progress", "role": "assistant", "content": []any{}}
	}
	if err := e.send(ew, "response.output_item.added", map[string]any{"output_index": e.items - 1, "item": item}); err != nil {
		return err
	}
	if kind == "message" {
		return e.send(ew, "response.content_part.added", map[string]any{
			"item_id": "msg_" + e.j.id, "output_index": e.items - 1, "content_index": 0,
			"part": map[string]any{"type": "output_text", "text": "", "annotations": []any{}},
		})
	}
	return e.send(ew, "response.reasoning_summary_part.added", map[string]any{
		"item_id": "rs_" + e.j.id, "output_index": e.items - 1, "summary_index": 0,
		"part": map[string]any{"type": "summary_text", "text": ""},
	})
}

func (e *responsesEncoder) tokens(ew *eventWriter, from, to int, reasoning bool) error {
	text := e.j.text(from, to)
	if reasoning {
		if err := e.item(ew, "reasoning"); err != nil {
			return err
		}
		return e.send(ew, "response.reasoning_summary_text.delta", map[string]any{
			"item_id": "rs_" + e.j.id, "output_index": e.items - 1, "summary_index": 0, "delta": text,
		})
	}
	if err := e.item(ew, "message"); err != nil {
		return err
	}
	return e.send(ew, "response.output_text.delta", map[string]any{
		"item_id": "msg_" + e.j.id, "output_index": e.items - 1, "content_index": 0, "delta": text, "logprobs": []any{},
	})
}

func (e *responsesEncoder) end(ew *eventWriter) error {
	typ, r := "response.completed", e.response("completed")
	if e.j.finish == "length" {
		typ, r = "response.incomplete", e.response("incomplete")
		r["incomplete_details"] = map[string]any{"reason": "max_output_tokens"}
	}
	r["usage"] = map[string]any{
		"input_tokens":          e.j.input,
		"input_tokens_details":  map[string]any{"cached_tokens": e.j.cached},
		"output_tokens":         e.j.maxTokens,
		"output_tokens_details": map[string]any{"reasoning_tokens": e.j.reasoning},
		"total_tokens":          e.j.input + e.j.maxTokens,
	}
	return e.send(ew, typ, map[string]any{"response": r})
}

func (e *responsesEncoder) garbled(ew *eventWriter) error {
	return ew.garbledEvent("response.output_text.delta", map[string]any{
		"type": "response.output_text.delta", "item_id": "msg_" + e.j.id, "delta": " garbled",
	}, false)
}
