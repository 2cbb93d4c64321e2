package targets

import (
	"net/url"

	"github.com/inferbench/inferbench/workloads"
)

// Completions is the OpenAI legacy completions target (`/v1/completions`,
// streamed): the prompt is the request's text, messages joined by
// newlines, with no chat template. vLLM, SGLang, TGI, llama.cpp and
// Ollama serve it, and it is how engines are benchmarked without the chat
// template's tokens. Chunks are read as chat chunks are (choices[].text is
// the content); usage comes from the last chunk with non-zero counts, as
// Ollama sends a zeroed usage on every chunk.
type Completions struct{ *streamTarget }

// NewCompletions checks cfg and returns the target. It reports every
// problem with cfg at once.
func NewCompletions(cfg Config) (*Completions, error) {
	t, err := newStreamTarget("completions", cfg, completionsWire{includeUsage: (cfg.IncludeUsage == nil || *cfg.IncludeUsage) && !cfg.NoStreamOptions})
	if err != nil {
		return nil, err
	}
	return &Completions{t}, nil
}

type completionsWire struct{ includeUsage bool }

func (w completionsWire) request(cfg *Config, req *workloads.Request, p *requestPlan) (string, url.Values, []bodyField, error) {
	f := []bodyField{field("model", cfg.Model), field("prompt", req.Text()), field("stream", true)}
	if w.includeUsage {
		f = append(f, field("stream_options", map[string]bool{"include_usage": true}))
	}
	if req.MaxTokens > 0 {
		f = append(f, field("max_tokens", req.MaxTokens))
	}
	if p.temperature != nil {
		f = append(f, field("temperature", *p.temperature))
	}
	return "/completions", nil, f, nil
}

func (completionsWire) fields() *fieldMap { return completionsFields }

func (completionsWire) decode(ev sseEvent, now int64, st *streamState) error {
	return st.openAIEvent(ev.Data, now)
}

func (completionsWire) end(st *streamState) error {
	switch {
	case !st.ended:
		return &endMissingError{want: "data: [DONE]"}
	case st.finish == "":
		return errStreamTruncated
	}
	return nil
}
