package targets_test

import (
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/targetspec"
)

// protocolStream is one protocol's fake provider for the tests that run
// the same stream shape on every protocol: a lead of events that carry no
// content (chat's role-only chunk, Anthropic's message_start, ...), and
// content events that end the stream, with or without the server's usage.
type protocolStream struct {
	name      string
	spec      targetspec.Spec
	base      string
	path      string
	env       map[string]string
	lead      func(s *sse)
	content   func(s *sse, texts []string, reasoning string, usage bool)
	hasReason bool // the protocol carries reasoning text
}

var protocolStreams = []protocolStream{{
	name: "openai-chat", spec: targetspec.Spec{Protocol: targetspec.ProtocolOpenAIChat}, base: "/v1", path: "/v1/chat/completions",
	lead: func(s *sse) { s.data(roleChunk()) },
	content: func(s *sse, texts []string, reasoning string, withUsage bool) {
		if reasoning != "" {
			s.data(event(map[string]any{"reasoning_content": reasoning}, nil, nil))
		}
		for i, t := range texts {
			if i == len(texts)-1 {
				s.data(finishChunk(t, "stop"))
			} else {
				s.data(contentChunk(t))
			}
		}
		if withUsage {
			s.data(usageChunk(5, 7))
		}
		s.done()
	},
	hasReason: true,
}, {
	name: "openai-completions", spec: targetspec.Spec{Protocol: targetspec.ProtocolOpenAICompletions}, base: "/v1", path: "/v1/completions",
	lead: func(s *sse) { s.data(textChunk("", nil, nil)) },
	content: func(s *sse, texts []string, _ string, withUsage bool) {
		for i, t := range texts {
			var finish any
			if i == len(texts)-1 {
				finish = "stop"
			}
			s.data(textChunk(t, finish, nil))
		}
		if withUsage {
			s.data(usageChunk(5, 7))
		}
		s.done()
	},
}, {
	name: "anthropic", spec: targetspec.Spec{Preset: "anthropic"}, base: "/v1", path: "/v1/messages",
	env:  map[string]string{"ANTHROPIC_API_KEY": "sk-ant-test"},
	lead: func(s *sse) { s.event("message_start", anMessageStart); s.event("ping", anPing) },
	content: func(s *sse, texts []string, reasoning string, withUsage bool) {
		if reasoning != "" {
			s.event("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"`+reasoning+`"}}`)
		}
		for _, t := range texts {
			s.event("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"`+t+`"}}`)
		}
		if withUsage {
			s.event("message_delta", anMessageDelta)
		} else {
			s.event("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null}}`)
		}
		s.event("message_stop", anMessageStop)
	},
	hasReason: true,
}, {
	name: "openai-responses", spec: targetspec.Spec{Preset: "openai", Protocol: targetspec.ProtocolOpenAIResponses}, base: "/v1", path: "/v1/responses",
	env: map[string]string{"OPENAI_API_KEY": "sk-test"},
	lead: func(s *sse) {
		s.resp("response.created", map[string]any{"response": map[string]any{"id": "resp_1", "status": "in_progress"}})
	},
	content: func(s *sse, texts []string, reasoning string, withUsage bool) {
		if reasoning != "" {
			s.resp("response.reasoning_summary_text.delta", map[string]any{"delta": reasoning})
		}
		for _, t := range texts {
			s.resp("response.output_text.delta", map[string]any{"delta": t})
		}
		r := map[string]any{"status": "completed"}
		if withUsage {
			r["usage"] = respUsage(5, 0, 7, 0)
		}
		s.resp("response.completed", map[string]any{"response": r})
	},
	hasReason: true,
}, {
	name: "gemini", spec: targetspec.Spec{Preset: "google"}, base: "/v1beta", path: "/v1beta/models/test-model:streamGenerateContent",
	env:  map[string]string{"GEMINI_API_KEY": "AIza-test"},
	lead: func(s *sse) { s.crlf(gemChunk("", false, "")) },
	content: func(s *sse, texts []string, reasoning string, withUsage bool) {
		if reasoning != "" {
			s.crlf(gemChunk(reasoning, true, ""))
		}
		for i, t := range texts {
			var finish string
			var u []int
			if i == len(texts)-1 {
				finish = "STOP"
				if withUsage {
					u = []int{5, 7, 0, 0}
				}
			}
			s.crlf(gemChunk(t, false, finish, u...))
		}
	},
	hasReason: true,
}}

// TestFirstEventEveryProtocol: first_event_ns is the first event of any
// kind. With a lead of events that carry no content it comes before
// first_token_ns (a 20 ms pause between them makes the order certain);
// without one the first event is the first content event, and the two
// are the same reading of the clock.
func TestFirstEventEveryProtocol(t *testing.T) {
	for _, p := range protocolStreams {
		for _, lead := range []bool{true, false} {
			name := p.name + "/no lead"
			if lead {
				name = p.name + "/lead first"
			}
			t.Run(name, func(t *testing.T) {
				tgt, _ := serveSpec(t, p.spec, p.base, p.path, func(s *sse) {
					s.start()
					if lead {
						p.lead(s)
						s.sleep(20 * time.Millisecond)
					}
					p.content(s, []string{"Hi"}, "", true)
				}, p.env)
				rec := tgt.Do(t.Context(), clockNow(), testRequest())
				if !rec.OK() {
					t.Fatalf("%s %s: %s", rec.Status, rec.ErrorClass, rec.ErrorMessage)
				}
				switch {
				case rec.FirstEventNs < rec.HeadersNs || rec.FirstEventNs > rec.FirstTokenNs:
					t.Errorf("first_event %d is not between headers %d and first_token %d", rec.FirstEventNs, rec.HeadersNs, rec.FirstTokenNs)
				case lead && rec.FirstEventNs == rec.FirstTokenNs:
					t.Errorf("first_event = first_token = %d with a lead of events 20 ms before the first token", rec.FirstTokenNs)
				case !lead && rec.FirstEventNs != rec.FirstTokenNs:
					t.Errorf("first_event %d, first_token %d: want the same event", rec.FirstEventNs, rec.FirstTokenNs)
				}
			})
		}
	}
}

// TestFirstEventWithoutEvents: a response that sent no event (an HTTP
// error) has no first event.
func TestFirstEventWithoutEvents(t *testing.T) {
	tgt, _ := serve(t, func(s *sse) { s.errorBody(503, `{"error":{"message":"busy"}}`) })
	rec := tgt.Do(t.Context(), clockNow(), testRequest())
	if rec.FirstEventNs != 0 || rec.HTTPStatus != 503 || rec.Status != results.StatusError {
		t.Errorf("first_event %d, status %d %s", rec.FirstEventNs, rec.HTTPStatus, rec.Status)
	}
}
