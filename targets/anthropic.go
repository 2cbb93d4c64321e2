package targets

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

// Anthropic is the Anthropic Messages target (`/v1/messages`, streamed),
// over plain net/http and sseReader.
//
// Events: message_start carries the input usage; content_block_delta
// with text_delta or input_json_delta is output, with thinking_delta is
// reasoning (TTFT, not TTFO); signature_delta, ping, content_block_start
// and content_block_stop are not content; message_delta carries the
// cumulative output usage and stop_reason; message_stop ends the stream;
// error events are stream errors.
//
// Tokens: Anthropic's input_tokens excludes cache reads and writes, which
// it reports apart, so the record's input_tokens is input_tokens +
// cache_read_input_tokens + cache_creation_input_tokens, with
// cached_input_tokens = cache_read_input_tokens and
// cache_write_input_tokens = cache_creation_input_tokens. output_tokens
// includes thinking, which Anthropic does not count apart: reasoning_tokens
// stays 0. The output count is message_delta's: a stream cut before it
// (or ended by an error event) counts its content events instead, as
// message_start's output_tokens is a placeholder. The finish reason is
// stop_reason (end_turn, max_tokens, ...).
type Anthropic struct{ *streamTarget }

// NewAnthropic checks cfg and returns the target. It sends the
// anthropic-version header (AnthropicVersion unless cfg.Headers has one)
// and DefaultMaxTokens (default 4096) when a request has no limit, since
// the API requires one.
func NewAnthropic(cfg Config) (*Anthropic, error) {
	h := make(map[string]string, len(cfg.Headers)+1)
	for k, v := range cfg.Headers {
		h[k] = v
	}
	if !hasHeader(h, "anthropic-version") {
		h["anthropic-version"] = targetspec.AnthropicVersion
	}
	cfg.Headers = h
	if cfg.AuthHeader == "" {
		cfg.AuthHeader = "x-api-key"
	}
	if cfg.DefaultMaxTokens == 0 {
		cfg.DefaultMaxTokens = DefaultAnthropicMaxTokens
	}
	w := anthropicWire{}
	if th, ok := cfg.ExtraBody["thinking"]; ok {
		w.thinking = targetspec.AnthropicThinkingOf(th)
	}
	t, err := newStreamTarget("anthropic", cfg, w)
	if err != nil {
		return nil, err
	}
	return &Anthropic{t}, nil
}

func hasHeader(h map[string]string, name string) bool {
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

type anthropicWire struct {
	thinking targetspec.AnthropicThinking // the config's extra_body thinking
}

// anthropicThinkingRule says what the API requires of a thinking budget.
const anthropicThinkingRule = "Anthropic requires thinking.budget_tokens below max_tokens and at least 1024: " + targetspec.AnthropicThinkingDocs

func (w anthropicWire) request(cfg *Config, req *workloads.Request, p *requestPlan) (string, url.Values, []bodyField, error) {
	if problem := w.refuse(cfg, req); problem != "" {
		return "", nil, nil, errors.New(problem + " (" + anthropicThinkingRule + ")")
	}
	var system []string
	msgs := make([]workloads.Message, 0, len(req.Messages)+1)
	for _, m := range systemMessages(cfg.SystemMessage, req.ChatMessages()) {
		if m.Role == "system" || m.Role == "developer" {
			system = append(system, m.Content)
			continue
		}
		msgs = append(msgs, m)
	}
	f := []bodyField{field("model", cfg.Model), field("max_tokens", anthropicMaxTokens(cfg, req)), field("messages", msgs)}
	if len(system) > 0 {
		f = append(f, field("system", strings.Join(system, "\n")))
	}
	f = append(f, field("stream", true))
	if p.temperature != nil {
		f = append(f, field("temperature", *p.temperature))
	}
	return "/messages", nil, f, nil
}

func (anthropicWire) fields() *fieldMap { return anthropicFields }

// anthropicMaxTokens is the max_tokens a request is sent with.
func anthropicMaxTokens(cfg *Config, req *workloads.Request) int {
	if req.MaxTokens > 0 {
		return req.MaxTokens
	}
	return cfg.DefaultMaxTokens
}

// thinkingOf is the thinking a request is sent with: its own, else the
// config's.
func (w anthropicWire) thinkingOf(req *workloads.Request) targetspec.AnthropicThinking {
	if raw, ok := req.Extra["thinking"]; ok {
		var th targetspec.AnthropicThinking
		json.Unmarshal(raw, &th)
		return th
	}
	return w.thinking
}

// samplingOff: "Thinking isn't compatible with temperature or top_k
// modifications".
func (w anthropicWire) samplingOff(_ *Config, req *workloads.Request) string {
	if th := w.thinkingOf(req); th.Type != "" && th.Type != "disabled" {
		return "Anthropic takes no temperature or top_k with extended thinking"
	}
	return ""
}

// refuse says why the API would refuse req, or "": a thinking budget
// that is not below max_tokens, or below the minimum.
func (w anthropicWire) refuse(cfg *Config, req *workloads.Request) string {
	th := w.thinkingOf(req)
	if th.Type != "enabled" {
		return ""
	}
	switch mt := anthropicMaxTokens(cfg, req); {
	case th.BudgetTokens >= mt:
		return fmt.Sprintf("thinking.budget_tokens %d is not below max_tokens %d", th.BudgetTokens, mt)
	case th.BudgetTokens < targetspec.AnthropicMinThinkingBudget:
		return fmt.Sprintf("thinking.budget_tokens %d is below the minimum, %d", th.BudgetTokens, targetspec.AnthropicMinThinkingBudget)
	}
	return ""
}

// check: a request the API would refuse is a problem before the run.
func (w anthropicWire) check(cfg *Config, req *workloads.Request) (note, problem string) {
	return "", w.refuse(cfg, req)
}

func (anthropicWire) checkRule() string { return anthropicThinkingRule }

// anthropicUsage is the usage object of message_start and message_delta.
type anthropicUsage struct {
	InputTokens              *int64 `json:"input_tokens"`
	CacheCreationInputTokens *int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     *int64 `json:"cache_read_input_tokens"`
	OutputTokens             *int64 `json:"output_tokens"`
}

// anthropicEvent is the part of a Messages stream event the target reads.
type anthropicEvent struct {
	Type    string `json:"type"`
	Message *struct {
		Usage *anthropicUsage `json:"usage"`
	} `json:"message"`
	ContentBlock *struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		Thinking string `json:"thinking"`
	} `json:"content_block"`
	Delta *struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		Thinking    string `json:"thinking"`
		PartialJSON string `json:"partial_json"`
		StopReason  string `json:"stop_reason"`
	} `json:"delta"`
	Usage *anthropicUsage `json:"usage"`
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// anthropicState is the usage as reported so far; message_delta's counts
// are cumulative and replace message_start's where present. The output
// count is known only from message_delta: message_start's output_tokens
// is a placeholder (1) sent before anything was generated.
type anthropicState struct {
	input, cacheWrite, cacheRead, output int64
	outputKnown                          bool
}

// take reads a usage object; final says it is message_delta's.
func (s *anthropicState) take(u *anthropicUsage, final bool) {
	set := func(dst *int64, v *int64) {
		if v != nil {
			*dst = *v
		}
	}
	set(&s.input, u.InputTokens)
	set(&s.cacheWrite, u.CacheCreationInputTokens)
	set(&s.cacheRead, u.CacheReadInputTokens)
	set(&s.output, u.OutputTokens)
	if final && u.OutputTokens != nil {
		s.outputKnown = true
	}
}

func (s *anthropicState) tokens() tokenUsage {
	return tokenUsage{
		input:  s.input + s.cacheRead + s.cacheWrite,
		output: s.output, cached: s.cacheRead, cacheWrite: s.cacheWrite,
		outputUnknown: !s.outputKnown,
	}
}

func (anthropicWire) decode(ev sseEvent, now int64, st *streamState) error {
	var e anthropicEvent
	if err := json.Unmarshal(ev.Data, &e); err != nil {
		return &malformedChunkError{err: err, chunk: string(ev.Data)}
	}
	if e.Type == "" {
		e.Type = ev.Type
	}
	switch e.Type {
	case "message_start":
		if e.Message != nil && e.Message.Usage != nil {
			st.anthropic.take(e.Message.Usage, false)
			st.setUsage(st.anthropic.tokens())
		}
	case "content_block_start":
		// A block normally starts empty; text in it is content all the same.
		if b := e.ContentBlock; b != nil && (b.Text != "" || b.Thinking != "") {
			st.content(now, b.Text != "", -1)
			st.keepText(b.Text, false)
			st.keepText(b.Thinking, true)
		}
	case "content_block_delta":
		if d := e.Delta; d != nil {
			switch {
			case d.Text != "" || d.PartialJSON != "":
				st.content(now, true, -1)
				st.keepText(d.Text, false)
			case d.Thinking != "":
				st.content(now, false, -1)
				st.keepText(d.Thinking, true)
			}
		}
	case "message_delta":
		if e.Delta != nil && e.Delta.StopReason != "" {
			st.finish = e.Delta.StopReason
		}
		if e.Usage != nil {
			st.anthropic.take(e.Usage, true)
			st.setUsage(st.anthropic.tokens())
		}
	case "message_stop":
		st.ended = true
	case "error":
		msg := string(ev.Data)
		if e.Error != nil {
			msg = cmp.Or(e.Error.Message, e.Error.Type, msg)
			if e.Error.Type != "" && e.Error.Message != "" {
				msg = e.Error.Type + ": " + e.Error.Message
			}
		}
		return &streamEventError{msg: msg}
	}
	return nil
}

func (anthropicWire) end(st *streamState) error {
	switch {
	case !st.ended:
		return &endMissingError{want: "message_stop"}
	case st.finish == "":
		return errStreamTruncated
	}
	return nil
}
