package sim

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// geminiProtocol is Google's Gemini API streaming endpoint (POST
// /v1beta/models/MODEL:streamGenerateContent?alt=sse), as
// generativelanguage.googleapis.com sends it: data-only events, lines
// ending in CRLF, each a GenerateContentResponse with the usageMetadata so
// far; parts with "thought": true when the provider emulates reasoning;
// the last event has finishReason (STOP or MAX_TOKENS); no terminator.
// Errors use Google's {"error":{"code","message","status"}}, with a
// RetryInfo detail on 429.
type geminiProtocol struct{}

func (geminiProtocol) parse(r *http.Request, body []byte) (wireRequest, error) {
	model, _ := geminiModel(r.URL.Path)
	if r.URL.Query().Get("alt") != "sse" {
		return wireRequest{}, errors.New("the simulator serves streamGenerateContent with alt=sse only")
	}
	type part struct {
		Text string `json:"text"`
	}
	type content struct {
		Role  string `json:"role"`
		Parts []part `json:"parts"`
	}
	var b struct {
		Contents          []content `json:"contents"`
		SystemInstruction *content  `json:"systemInstruction"`
		GenerationConfig  struct {
			MaxOutputTokens *int `json:"maxOutputTokens"`
		} `json:"generationConfig"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return wireRequest{}, errors.New("Invalid JSON payload received. " + err.Error())
	}
	if len(b.Contents) == 0 {
		return wireRequest{}, errors.New("* GenerateContentRequest.contents: contents is not specified")
	}
	var texts []string
	join := func(c content) {
		var s strings.Builder
		for _, p := range c.Parts {
			s.WriteString(p.Text)
		}
		texts = append(texts, s.String())
	}
	if b.SystemInstruction != nil {
		join(*b.SystemInstruction)
	}
	for _, c := range b.Contents {
		join(c)
	}
	req := wireRequest{model: strings.TrimPrefix(model, "models/"), text: strings.Join(texts, "\n"), stream: true}
	if m := b.GenerationConfig.MaxOutputTokens; m != nil {
		if *m < 1 {
			return req, errors.New("* GenerateContentRequest.generation_config.max_output_tokens: must be positive")
		}
		req.maxTokens = *m
	}
	return req, nil
}

func (geminiProtocol) writeError(w http.ResponseWriter, status int, kind errKind, msg string, retry time.Duration) {
	st := map[errKind]string{errInvalid: "INVALID_ARGUMENT", errNotFound: "NOT_FOUND",
		errRateLimit: "RESOURCE_EXHAUSTED", errServer: "INTERNAL"}[kind]
	e := map[string]any{"code": status, "message": msg, "status": st}
	if kind == errRateLimit && retry > 0 {
		e["details"] = []any{map[string]any{
			"@type":      "type.googleapis.com/google.rpc.RetryInfo",
			"retryDelay": strconv.FormatFloat(retry.Seconds(), 'f', -1, 64) + "s",
		}}
	}
	jsonError(w, status, map[string]any{"error": e})
}

func (geminiProtocol) encoder(j *wireJob) encoder { return &geminiEncoder{j: j} }

type geminiEncoder struct {
	j    *wireJob
	sent int
}

func (e *geminiEncoder) begin(ew *eventWriter) error {
	return ew.flush() // headers now, as Google's servers do
}

func (e *geminiEncoder) chunk(parts []map[string]any, finish string) map[string]any {
	cand := map[string]any{"content": map[string]any{"parts": parts, "role": "model"}, "index": 0}
	if finish != "" {
		cand["finishReason"] = finish
	}
	thoughts := min(e.sent, e.j.reasoning)
	u := map[string]any{
		"promptTokenCount":     e.j.input,
		"candidatesTokenCount": e.sent - thoughts,
		"totalTokenCount":      e.j.input + e.sent,
	}
	if thoughts > 0 {
		u["thoughtsTokenCount"] = thoughts
	}
	if e.j.cached > 0 {
		u["cachedContentTokenCount"] = e.j.cached
	}
	return map[string]any{"candidates": []any{cand}, "usageMetadata": u, "modelVersion": e.j.model, "responseId": e.j.id}
}

func (e *geminiEncoder) tokens(ew *eventWriter, from, to int, reasoning bool) error {
	e.sent = to
	p := map[string]any{"text": e.j.text(from, to)}
	if reasoning {
		p["thought"] = true
	}
	finish := ""
	if to == e.j.maxTokens {
		finish = "STOP"
		if e.j.finish == "length" {
			finish = "MAX_TOKENS"
		}
	}
	return ew.event("", e.chunk([]map[string]any{p}, finish), true)
}

func (e *geminiEncoder) end(*eventWriter) error { return nil }

func (e *geminiEncoder) garbled(ew *eventWriter) error {
	return ew.garbledEvent("", e.chunk([]map[string]any{{"text": " garbled"}}, ""), true)
}
