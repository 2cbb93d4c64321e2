package targets

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"strings"

	"github.com/inferbench/inferbench/workloads"
)

// Gemini is the Google Gemini target (`models/MODEL:streamGenerateContent
// ?alt=sse` under a .../v1beta root), over plain net/http and sseReader.
//
// Every event is a GenerateContentResponse. A part with "thought": true is
// reasoning (TTFT, not TTFO); other text parts are output. There is no end
// event: the stream ends with the body, and a candidate's finishReason
// (STOP, MAX_TOKENS, SAFETY, ...) says it was complete. An event with an
// "error" object is a stream error; a prompt blocked outright
// (promptFeedback.blockReason) finishes with that reason.
//
// Tokens, from the last usageMetadata: input_tokens = promptTokenCount,
// which includes cachedContentTokenCount (= cached_input_tokens);
// candidatesTokenCount excludes thoughts, so output_tokens =
// candidatesTokenCount + thoughtsTokenCount and reasoning_tokens =
// thoughtsTokenCount. When every content event's usageMetadata reports
// candidatesTokenCount, the growth of candidates + thoughts since the
// event before gives the tokens per event (chunk_tokens): thought tokens
// count on the event in which the count grew, which is a thought event
// while the model thinks. An event without candidatesTokenCount has no
// count, so such a stream has no chunk_tokens.
type Gemini struct{ *streamTarget }

// NewGemini checks cfg and returns the target. cfg.ExtraBody's
// generationConfig is merged into the one the target writes (which sets
// maxOutputTokens and temperature), not put over it, so thinkingConfig
// can be sent there.
func NewGemini(cfg Config) (*Gemini, error) {
	w := geminiWire{}
	if gc, ok := cfg.ExtraBody["generationConfig"]; ok {
		m, ok := gc.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("gemini target: extra body field generationConfig must be an object, got %T", gc)
		}
		w.generationConfig = m
		cfg.ExtraBody = maps.Clone(cfg.ExtraBody)
		delete(cfg.ExtraBody, "generationConfig")
	}
	if cfg.AuthHeader == "" {
		cfg.AuthHeader = "x-goog-api-key"
	}
	t, err := newStreamTarget("gemini", cfg, w)
	if err != nil {
		return nil, err
	}
	return &Gemini{t}, nil
}

type geminiWire struct {
	generationConfig map[string]any
}

type geminiPart struct {
	Text string `json:"text"`
}

type geminiContent struct {
	Role  string       `json:"role,omitempty"`
	Parts []geminiPart `json:"parts"`
}

func (w geminiWire) request(cfg *Config, req *workloads.Request, p *requestPlan) (string, url.Values, []bodyField, error) {
	var system []geminiPart
	contents := make([]geminiContent, 0, len(req.Messages)+1)
	for _, m := range systemMessages(cfg.SystemMessage, req.ChatMessages()) {
		switch m.Role {
		case "system", "developer":
			system = append(system, geminiPart{m.Content})
		case "assistant", "model":
			contents = append(contents, geminiContent{Role: "model", Parts: []geminiPart{{m.Content}}})
		default:
			contents = append(contents, geminiContent{Role: "user", Parts: []geminiPart{{m.Content}}})
		}
	}
	f := []bodyField{field("contents", contents)}
	if len(system) > 0 {
		f = append(f, field("systemInstruction", geminiContent{Parts: system}))
	}
	gc := maps.Clone(w.generationConfig)
	if gc == nil {
		gc = map[string]any{}
	}
	if req.MaxTokens > 0 {
		gc["maxOutputTokens"] = req.MaxTokens
	}
	if p.temperature != nil {
		gc["temperature"] = *p.temperature
	}
	if len(gc) > 0 {
		f = append(f, field("generationConfig", gc))
	}
	model := strings.TrimPrefix(cfg.Model, "models/")
	return "/models/" + url.PathEscape(model) + ":streamGenerateContent", url.Values{"alt": {"sse"}}, f, nil
}

func (geminiWire) fields() *fieldMap { return geminiFields }

// geminiEvent is the part of a GenerateContentResponse the target reads.
type geminiEvent struct {
	Candidates []struct {
		Content struct {
			Parts []struct {
				Text         string          `json:"text"`
				Thought      bool            `json:"thought"`
				FunctionCall json.RawMessage `json:"functionCall"`
			} `json:"parts"`
		} `json:"content"`
		FinishReason string `json:"finishReason"`
	} `json:"candidates"`
	PromptFeedback *struct {
		BlockReason string `json:"blockReason"`
	} `json:"promptFeedback"`
	UsageMetadata *struct {
		PromptTokenCount int64 `json:"promptTokenCount"`
		// CandidatesTokenCount is absent from the usageMetadata of some
		// models' events until the last: not reported, rather than 0.
		CandidatesTokenCount    *int64 `json:"candidatesTokenCount"`
		CachedContentTokenCount int64  `json:"cachedContentTokenCount"`
		ThoughtsTokenCount      int64  `json:"thoughtsTokenCount"`
	} `json:"usageMetadata"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
	} `json:"error"`
}

func (geminiWire) decode(ev sseEvent, now int64, st *streamState) error {
	var e geminiEvent
	if err := json.Unmarshal(ev.Data, &e); err != nil {
		return &malformedChunkError{err: err, chunk: string(ev.Data)}
	}
	if e.Error != nil {
		return &streamEventError{msg: cmp.Or(e.Error.Message, e.Error.Status, string(ev.Data))}
	}
	var text, output bool
	for _, c := range e.Candidates {
		for _, p := range c.Content.Parts {
			switch {
			case p.Thought && p.Text != "":
				text = true
			case p.Text != "" || len(p.FunctionCall) > 0:
				output = true
			}
		}
		if c.FinishReason != "" {
			st.finish = c.FinishReason
		}
	}
	if pf := e.PromptFeedback; pf != nil && pf.BlockReason != "" {
		st.finish = pf.BlockReason
	}
	// An event's output tokens are the growth of candidates + thoughts
	// since the last event that reported candidates; an event that does
	// not report candidatesTokenCount has no count.
	u := e.UsageMetadata
	var out int64
	counted := u != nil && u.CandidatesTokenCount != nil
	if u != nil {
		out = u.ThoughtsTokenCount
		if counted {
			out += *u.CandidatesTokenCount
		}
	}
	if text || output {
		tokens := int64(-1)
		if counted && out >= st.prevCompletion {
			tokens = out - st.prevCompletion
		}
		st.content(now, output, tokens)
		for _, c := range e.Candidates {
			for _, p := range c.Content.Parts {
				st.keepText(p.Text, p.Thought)
			}
		}
	}
	if u != nil {
		st.setUsage(tokenUsage{
			input: u.PromptTokenCount, output: out,
			cached: u.CachedContentTokenCount, reasoning: u.ThoughtsTokenCount,
		})
	}
	if counted {
		st.prevCompletion = out
	}
	return nil
}

func (geminiWire) end(st *streamState) error {
	if st.finish == "" {
		return &endMissingError{want: "a finishReason"}
	}
	return nil
}
