package workloads

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// batchSource reads OpenAI Batch API input files: JSON Lines of
// {"custom_id", "method", "url", "body"} where body is a chat completion
// (or legacy completion) request. Many teams export production prompts in
// this shape. custom_id becomes the request id; max_completion_tokens (or
// max_tokens) becomes MaxTokens, and MaxTokensField says which (so a
// target sends the field the file used unless a model-family rule or the
// target says otherwise); temperature is kept; other body fields except
// model and streaming options are carried through Extra, which each
// target maps onto its protocol.
type batchSource struct{ lineSource }

func newBatchSource(br *bufio.Reader, name string) *batchSource {
	return &batchSource{lineSource{br: br, name: name}}
}

type batchLine struct {
	CustomID string                     `json:"custom_id"`
	Method   string                     `json:"method"`
	URL      string                     `json:"url"`
	Body     map[string]json.RawMessage `json:"body"`
}

// batchBodyKeys are the body fields the importer maps itself; the rest go
// to Extra. model is the target's business, streaming is inferbench's.
var batchBodyKeys = map[string]bool{"model": true, "messages": true, "prompt": true, "max_tokens": true,
	"max_completion_tokens": true, "temperature": true, "stream": true, "stream_options": true}

func (s *batchSource) next() (Row, error) {
	b, line, err := s.nextLine()
	if err != nil {
		return Row{}, err
	}
	row := Row{Line: line}
	var bl batchLine
	if err := s.decode(b, line, &bl, `want a batch request {"custom_id", "method", "url", "body"}`); err != nil {
		return row, err
	}
	if bl.Method != "" && !strings.EqualFold(bl.Method, "POST") {
		return row, s.errorf(line, `"method" must be POST, got %q`, bl.Method)
	}
	chat := strings.HasSuffix(bl.URL, "/chat/completions")
	if !chat && !strings.HasSuffix(bl.URL, "/completions") {
		return row, s.errorf(line, `"url" must be /v1/chat/completions or /v1/completions, got %q`, truncate(bl.URL, 60))
	}
	if bl.Body == nil {
		return row, s.errorf(line, `missing "body"`)
	}
	req, msg := requestFromBody(bl.Body, chat)
	if msg != "" {
		return row, s.errorf(line, "%s", msg)
	}
	req.ID = bl.CustomID
	if req.ID == "" {
		req.ID = fmt.Sprint(line)
	}
	row.Request = req
	row.OutputTokens = req.MaxTokens
	return row, nil
}

// ParseRequestBody turns the JSON body of an OpenAI chat completion (chat
// true) or legacy completion request into a Request, as the batch importer
// does: max_completion_tokens (else max_tokens) becomes MaxTokens (with
// MaxTokensField saying which), temperature is kept, other fields except model and the streaming options
// go to Extra. The recording proxy uses it on live traffic.
func ParseRequestBody(body []byte, chat bool) (Request, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return Request{}, errors.New("request body: want a JSON object: " + describeJSONError(err))
	}
	if m == nil {
		return Request{}, errors.New("request body: want a JSON object")
	}
	req, msg := requestFromBody(m, chat)
	if msg != "" {
		return Request{}, errors.New(msg)
	}
	return req, nil
}

// requestFromBody maps a decoded request body to a Request, or says what
// is wrong.
func requestFromBody(body map[string]json.RawMessage, chat bool) (Request, string) {
	var req Request
	if chat {
		raw, ok := body["messages"]
		if !ok {
			return req, `body: missing "messages"`
		}
		msgs, msg := decodeMessages(raw)
		if msg != "" {
			return req, "body.messages: " + msg
		}
		req.Messages = msgs
	} else {
		raw, ok := body["prompt"]
		if !ok {
			return req, `body: missing "prompt"`
		}
		if err := json.Unmarshal(raw, &req.Prompt); err != nil {
			var list []string
			if json.Unmarshal(raw, &list) != nil || len(list) != 1 {
				return req, `body.prompt: want a string (or a list of one string)`
			}
			req.Prompt = list[0]
		}
	}
	for _, k := range []string{"max_tokens", "max_completion_tokens"} { // the newer name wins
		if raw, ok := body[k]; ok && string(raw) != "null" {
			if err := json.Unmarshal(raw, &req.MaxTokens); err != nil || req.MaxTokens < 0 {
				return req, fmt.Sprintf("body.%s: want an integer >= 0, got %s", k, truncate(string(raw), 40))
			}
			if k == "max_completion_tokens" {
				req.MaxTokensField = k
			}
		}
	}
	if raw, ok := body["temperature"]; ok && string(raw) != "null" {
		var t float64
		if err := json.Unmarshal(raw, &t); err != nil {
			return req, fmt.Sprintf("body.temperature: want a number, got %s", truncate(string(raw), 40))
		}
		req.Temperature = &t
	}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !batchBodyKeys[k] {
			if req.Extra == nil {
				req.Extra = map[string]json.RawMessage{}
			}
			req.Extra[k] = body[k]
		}
	}
	return req, req.validate()
}

// decodeMessages decodes chat messages whose content is a string or a list
// of text parts (joined with newlines); other parts are not supported.
func decodeMessages(raw json.RawMessage) ([]Message, string) {
	var in []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, "want a list of {\"role\", \"content\"}: " + describeJSONError(err)
	}
	if len(in) == 0 {
		return nil, "empty"
	}
	out := make([]Message, len(in))
	for i, m := range in {
		out[i].Role = m.Role
		if len(m.Content) == 0 || string(m.Content) == "null" {
			continue
		}
		if json.Unmarshal(m.Content, &out[i].Content) == nil {
			continue
		}
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(m.Content, &parts); err != nil {
			return nil, fmt.Sprintf("[%d].content: want a string or a list of text parts", i)
		}
		texts := make([]string, 0, len(parts))
		for j, p := range parts {
			if p.Type != "text" {
				return nil, fmt.Sprintf("[%d].content[%d]: only text parts are supported, got type %q", i, j, p.Type)
			}
			texts = append(texts, p.Text)
		}
		out[i].Content = strings.Join(texts, "\n")
	}
	return out, ""
}
