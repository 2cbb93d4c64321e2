package targets

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

// Responses is the OpenAI Responses API target (`/v1/responses`,
// streamed). It is plain net/http over sseReader rather than go-openai,
// whose v1 has no Responses types: the events are few and small, and
// reading them ourselves keeps the same instrumented path as Anthropic
// and Gemini.
//
// Events: response.output_text.delta, response.refusal.delta and
// response.function_call_arguments.delta are output;
// response.reasoning_summary_text.delta and response.reasoning_text.delta
// are reasoning (they count for TTFT, not TTFO). response.completed and
// response.incomplete end the stream with the usage (input_tokens includes
// input_tokens_details.cached_tokens; output_tokens includes
// output_tokens_details.reasoning_tokens, the record's convention
// exactly). response.failed and error events are stream errors. The
// finish reason is "completed", or incomplete_details.reason
// ("max_output_tokens", "content_filter").
type Responses struct{ *streamTarget }

// NewResponses checks cfg and returns the target. It reports every problem
// with cfg at once.
//
// Every request sends store: false, so benchmark traffic is not kept by
// the provider (extra_body store: true sends it otherwise). A limit below
// ResponsesMinOutputTokens, which the API refuses, is sent as that
// minimum; the record's requested_output_tokens keeps what the request
// asked. No temperature is sent with a reasoning effort other than none
// (the config's reasoning.effort, or the request's reasoning or
// reasoning_effort).
func NewResponses(cfg Config) (*Responses, error) {
	w := responsesWire{}
	if r, ok := cfg.ExtraBody["reasoning"]; ok {
		w.effort = targetspec.ReasoningEffort(r)
	}
	t, err := newStreamTarget("responses", cfg, w)
	if err != nil {
		return nil, err
	}
	return &Responses{t}, nil
}

// ResponsesMinOutputTokens is the smallest max_output_tokens the
// Responses API takes ("integer below minimum value. Expected a value >=
// 16").
const ResponsesMinOutputTokens = 16

type responsesWire struct {
	effort string // the config's reasoning.effort
}

func (responsesWire) request(cfg *Config, req *workloads.Request, p *requestPlan) (string, url.Values, []bodyField, error) {
	var input any = req.Prompt
	if len(req.Messages) > 0 {
		// [{role, content}]: the API's easy input messages
		input = systemMessages(cfg.SystemMessage, req.Messages)
	}
	f := []bodyField{field("model", cfg.Model), field("input", input), field("stream", true), field("store", false)}
	if req.MaxTokens > 0 {
		f = append(f, field("max_output_tokens", max(req.MaxTokens, ResponsesMinOutputTokens)))
	}
	if p.temperature != nil {
		f = append(f, field("temperature", *p.temperature))
	}
	return "/responses", nil, f, nil
}

func (responsesWire) fields() *fieldMap { return responsesFields }

// samplingOff: the Responses API takes no temperature with a reasoning
// effort other than none.
func (w responsesWire) samplingOff(_ *Config, req *workloads.Request) string {
	effort := w.effort
	if r, ok := req.Extra["reasoning"]; ok {
		effort = targetspec.ReasoningEffort(r)
	}
	if r, ok := req.Extra["reasoning_effort"]; ok {
		json.Unmarshal(r, &effort)
	}
	if effort == "" || effort == "none" {
		return ""
	}
	return "the Responses API takes no sampling fields with reasoning effort " + effort
}

// check notes a limit raised to the API's minimum.
func (responsesWire) check(_ *Config, req *workloads.Request) (note, problem string) {
	if req.MaxTokens > 0 && req.MaxTokens < ResponsesMinOutputTokens {
		return fmt.Sprintf("max_output_tokens %d", req.MaxTokens), ""
	}
	return "", ""
}

func (responsesWire) checkRule() string {
	return fmt.Sprintf("each sent as %d, the Responses API's minimum; requested_output_tokens keeps what the request asked",
		ResponsesMinOutputTokens)
}

// responsesEvent is the part of a Responses stream event the target reads.
type responsesEvent struct {
	Type     string `json:"type"`
	Delta    string `json:"delta"`
	Message  string `json:"message"` // error events
	Code     string `json:"code"`
	Response *struct {
		Status            string `json:"status"`
		IncompleteDetails *struct {
			Reason string `json:"reason"`
		} `json:"incomplete_details"`
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		Usage *struct {
			InputTokens        int64 `json:"input_tokens"`
			OutputTokens       int64 `json:"output_tokens"`
			InputTokensDetails struct {
				CachedTokens int64 `json:"cached_tokens"`
			} `json:"input_tokens_details"`
			OutputTokensDetails struct {
				ReasoningTokens int64 `json:"reasoning_tokens"`
			} `json:"output_tokens_details"`
		} `json:"usage"`
	} `json:"response"`
}

func (responsesWire) decode(ev sseEvent, now int64, st *streamState) error {
	var e responsesEvent
	if err := json.Unmarshal(ev.Data, &e); err != nil {
		return &malformedChunkError{err: err, chunk: string(ev.Data)}
	}
	if e.Type == "" {
		e.Type = ev.Type
	}
	switch e.Type {
	case "response.output_text.delta", "response.refusal.delta", "response.function_call_arguments.delta":
		if e.Delta != "" {
			st.content(now, true, -1)
			if e.Type != "response.function_call_arguments.delta" {
				st.keepText(e.Delta, false)
			}
		}
	case "response.reasoning_summary_text.delta", "response.reasoning_text.delta", "response.reasoning.delta":
		if e.Delta != "" {
			st.content(now, false, -1)
			st.keepText(e.Delta, true)
		}
	case "response.completed", "response.incomplete":
		st.ended = true
		if r := e.Response; r != nil {
			st.finish = r.Status
			if r.IncompleteDetails != nil && r.IncompleteDetails.Reason != "" {
				st.finish = r.IncompleteDetails.Reason
			}
			if u := r.Usage; u != nil {
				st.setUsage(tokenUsage{
					input: u.InputTokens, output: u.OutputTokens,
					cached: u.InputTokensDetails.CachedTokens, reasoning: u.OutputTokensDetails.ReasoningTokens,
				})
			}
		}
		if st.finish == "" {
			st.finish = "completed"
		}
	case "response.failed":
		msg := "response failed"
		if r := e.Response; r != nil && r.Error != nil {
			msg = cmp.Or(r.Error.Message, r.Error.Code, msg)
		}
		return &streamEventError{msg: msg}
	case "error":
		return &streamEventError{msg: cmp.Or(e.Message, e.Code, string(ev.Data))}
	}
	return nil
}

func (responsesWire) end(st *streamState) error {
	if !st.ended {
		return &endMissingError{want: "response.completed"}
	}
	return nil
}
