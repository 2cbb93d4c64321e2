package targets

import (
	"cmp"
	"encoding/json"
	"net/url"

	openai "github.com/sashabaranov/go-openai"

	"github.com/inferbench/inferbench/workloads"
)

// OpenAI is the OpenAI-compatible streaming chat completions target
// (`/chat/completions`: vLLM, SGLang, TGI, llama.cpp, Ollama, managed
// providers, Azure and the OpenAI API). It is safe for concurrent use.
//
// go-openai is the protocol's vocabulary: the request is built from its
// types (ChatCompletionRequest, ChatCompletionMessage) and error bodies
// are read as its ErrorResponse. The stream is read as every protocol's
// is (stream.go, sse.go): each event is scanned for the few facts a record
// needs, with a full decode for the unusual ones (targets/internal/chunk;
// chunk.go takes the facts).
type OpenAI struct{ *streamTarget }

// NewOpenAI checks cfg and returns the target. It reports every problem
// with cfg at once.
func NewOpenAI(cfg Config) (*OpenAI, error) {
	w := chatWire{includeUsage: (cfg.IncludeUsage == nil || *cfg.IncludeUsage) && !cfg.NoStreamOptions}
	t, err := newStreamTarget("openai", cfg, w)
	if err != nil {
		return nil, err
	}
	return &OpenAI{t}, nil
}

// chatWire is OpenAI chat completions on streamTarget.
type chatWire struct{ includeUsage bool }

// request builds the body from go-openai's request type, field by field
// in the order go-openai encodes them, then the fields it cannot send as
// they must be sent: temperature (go-openai omits 0) and the token limit
// (go-openai refuses max_tokens for some model names and cannot send it as
// max_completion_tokens for others). A new field goes into creq when
// go-openai encodes it faithfully, else after it like these two. The
// token-limit field is the config's (the model family's or the target's),
// else the one the workload used, else max_tokens.
func (w chatWire) request(cfg *Config, req *workloads.Request, p *requestPlan) (string, url.Values, []bodyField, error) {
	creq := openai.ChatCompletionRequest{Model: cfg.Model, Messages: chatMessages(cfg, req), Stream: true}
	if w.includeUsage {
		creq.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	f := make([]bodyField, 0, 6)
	f = append(f, field("model", creq.Model), field("messages", creq.Messages), field("stream", creq.Stream))
	if creq.StreamOptions != nil {
		f = append(f, field("stream_options", creq.StreamOptions))
	}
	if p.temperature != nil {
		f = append(f, field("temperature", *p.temperature))
	}
	if req.MaxTokens > 0 {
		f = append(f, field(cmp.Or(cfg.MaxTokensField, req.MaxTokensField, "max_tokens"), req.MaxTokens))
	}
	return "/chat/completions", nil, f, nil
}

func (chatWire) fields() *fieldMap { return chatFields }

func (chatWire) decode(ev sseEvent, now int64, st *streamState) error {
	return st.openAIEvent(ev.Data, now)
}

// end: a chat stream ends with `data: [DONE]`, after a chunk with a
// finish_reason.
func (chatWire) end(st *streamState) error {
	switch {
	case !st.ended:
		return &endMissingError{want: "data: [DONE]", chunks: st.chunks, countChunks: true}
	case st.finish == "":
		return errStreamTruncated
	}
	return nil
}

// statusError reads an error body as go-openai's ErrorResponse (whose
// message may also be a list of strings), else as every protocol's.
func (chatWire) statusError(code int, body []byte) error {
	var r openai.ErrorResponse
	if json.Unmarshal(body, &r) == nil && r.Error != nil && r.Error.Message != "" {
		r.Error.HTTPStatusCode = code
		return r.Error
	}
	return newStatusError(code, body)
}

func chatMessages(cfg *Config, req *workloads.Request) []openai.ChatCompletionMessage {
	msgs := systemMessages(cfg.SystemMessage, req.ChatMessages())
	out := make([]openai.ChatCompletionMessage, len(msgs))
	for i, m := range msgs {
		out[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	return out
}
