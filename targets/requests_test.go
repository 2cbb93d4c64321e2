package targets_test

// The exact request every preset and model family sends: body bytes and
// headers as a server receives them, for the requests real APIs refuse
// when one field is off (issue 12).

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/sim"
	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

// okScripts answer each protocol with a complete stream of one text
// event.
var okScripts = map[string]func(s *sse){
	targetspec.ProtocolOpenAIChat: func(s *sse) {
		s.start()
		s.data(finishChunk("a", "stop"))
		s.done()
	},
	targetspec.ProtocolOpenAIResponses: func(s *sse) {
		s.start()
		s.resp("response.output_text.delta", map[string]any{"delta": "a"})
		s.resp("response.completed", map[string]any{"response": map[string]any{"status": "completed"}})
	},
	targetspec.ProtocolAnthropic: func(s *sse) {
		s.start()
		s.event("message_start", anMessageStart)
		s.event("content_block_delta", anText)
		s.event("message_delta", anMessageDelta)
		s.event("message_stop", anMessageStop)
	},
	targetspec.ProtocolGemini: func(s *sse) {
		s.start()
		s.crlf(gemChunk("a", false, "STOP"))
	},
}

// raw is a JSON value for a request's extra fields.
func raw(s string) json.RawMessage { return json.RawMessage(s) }

// chatReq is a system and a user message, a 64-token limit, a
// temperature, and the extra fields given.
func chatReq(extra map[string]json.RawMessage) *workloads.Request {
	return &workloads.Request{ID: "q1", MaxTokens: 64, Temperature: ptr(0.2), Extra: extra,
		Messages: []workloads.Message{{Role: "system", Content: "Be brief."}, {Role: "user", Content: "Hi"}}}
}

// portable are the OpenAI-style fields a workload carries that other
// protocols name otherwise, or not at all.
func portable() map[string]json.RawMessage {
	return map[string]json.RawMessage{"seed": raw(`7`), "stop": raw(`"END"`), "top_p": raw(`0.9`),
		"stream_options": raw(`{"include_usage":true}`)}
}

func TestRequestBodies(t *testing.T) {
	const (
		msgs     = `"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]`
		withUse  = `"stream":true,"stream_options":{"include_usage":true}`
		openai   = "OPENAI_API_KEY"
		bearer   = "Bearer sk-test"
		chatPath = "/v1/chat/completions"
	)
	openaiHeader := map[string]string{"Authorization": bearer}
	tests := []struct {
		name     string
		spec     targetspec.Spec
		base     string // the base URL's path
		path     string // the request's path and query
		protocol string
		req      *workloads.Request
		body     string
		header   map[string]string // besides Content-Type, Accept, User-Agent, Content-Length
	}{{
		name: "o3-mini: max_completion_tokens, no sampling fields",
		spec: targetspec.Spec{Preset: "openai", Model: "o3-mini"}, base: "/v1", path: chatPath,
		req:  chatReq(map[string]json.RawMessage{"top_p": raw(`0.9`), "seed": raw(`7`), "presence_penalty": raw(`0.1`)}),
		body: `{"model":"o3-mini",` + msgs + `,` + withUse + `,"max_completion_tokens":64,"seed":7}`, header: openaiHeader,
	}, {
		name: "gpt-5-mini: max_completion_tokens, no sampling fields",
		spec: targetspec.Spec{Preset: "openai", Model: "gpt-5-mini"}, base: "/v1", path: chatPath,
		req:  chatReq(map[string]json.RawMessage{"top_p": raw(`0.9`), "logprobs": raw(`true`)}),
		body: `{"model":"gpt-5-mini",` + msgs + `,` + withUse + `,"max_completion_tokens":64}`, header: openaiHeader,
	}, {
		name: "gpt-5 with sampling: true sends the temperature",
		spec: targetspec.Spec{Preset: "openai", Model: "gpt-5.1", Sampling: ptr(true)}, base: "/v1", path: chatPath,
		req:  chatReq(nil),
		body: `{"model":"gpt-5.1",` + msgs + `,` + withUse + `,"temperature":0.2,"max_completion_tokens":64}`, header: openaiHeader,
	}, {
		name: "gpt-4o: unchanged",
		spec: targetspec.Spec{Preset: "openai", Model: "gpt-4o"}, base: "/v1", path: chatPath,
		req:  chatReq(map[string]json.RawMessage{"top_p": raw(`0.9`), "seed": raw(`7`)}),
		body: `{"model":"gpt-4o",` + msgs + `,` + withUse + `,"temperature":0.2,"max_tokens":64,"seed":7,"top_p":0.9}`, header: openaiHeader,
	}, {
		name: "gpt-4o: a batch file's max_completion_tokens is sent as such",
		spec: targetspec.Spec{Preset: "openai", Model: "gpt-4o"}, base: "/v1", path: chatPath,
		req: &workloads.Request{MaxTokens: 64, MaxTokensField: "max_completion_tokens",
			Messages: []workloads.Message{{Role: "user", Content: "Hi"}}},
		body: `{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],` + withUse + `,"max_completion_tokens":64}`, header: openaiHeader,
	}, {
		name: "gpt-4o: --max-tokens-field max_tokens wins over the workload's",
		spec: targetspec.Spec{Preset: "openai", Model: "gpt-4o", MaxTokensField: "max_tokens"}, base: "/v1", path: chatPath,
		req: &workloads.Request{MaxTokens: 64, MaxTokensField: "max_completion_tokens",
			Messages: []workloads.Message{{Role: "user", Content: "Hi"}}},
		body: `{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],` + withUse + `,"max_tokens":64}`, header: openaiHeader,
	}, {
		name: "o1-mini: the system message folded into the user's",
		spec: targetspec.Spec{Preset: "openai", Model: "o1-mini"}, base: "/v1", path: chatPath,
		req:    chatReq(nil),
		body:   `{"model":"o1-mini","messages":[{"role":"user","content":"Be brief.\n\nHi"}],` + withUse + `,"max_completion_tokens":64}`,
		header: openaiHeader,
	}, {
		name: "o1: the system message as developer",
		spec: targetspec.Spec{Preset: "openai", Model: "o1"}, base: "/v1", path: chatPath,
		req: chatReq(nil),
		body: `{"model":"o1","messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"Hi"}],` + withUse +
			`,"max_completion_tokens":64}`,
		header: openaiHeader,
	}, {
		name: "workload stream_options merged with include_usage; continuous_usage_stats to vLLM",
		spec: targetspec.Spec{Preset: "vllm", Model: "m"}, base: "/v1", path: chatPath,
		req:  &workloads.Request{Prompt: "Hi", Extra: map[string]json.RawMessage{"stream_options": raw(`{"continuous_usage_stats":true}`)}},
		body: `{"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true,"stream_options":{"include_usage":true,"continuous_usage_stats":true}}`,
	}, {
		name: "workload stream_options merged; continuous_usage_stats never to a hosted API",
		spec: targetspec.Spec{Preset: "together", Model: "m"}, base: "/v1", path: chatPath,
		req:    &workloads.Request{Prompt: "Hi", Extra: map[string]json.RawMessage{"stream_options": raw(`{"include_usage":false,"continuous_usage_stats":true}`)}},
		body:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true,"stream_options":{"include_usage":false}}`,
		header: map[string]string{"Authorization": "Bearer sk-together"},
	}, {
		name: "fireworks: no stream_options, not even the workload's",
		spec: targetspec.Spec{Preset: "fireworks", Model: "accounts/fireworks/models/llama-v3p1-8b-instruct"}, base: "/inference/v1",
		path:   "/inference/v1/chat/completions",
		req:    chatReq(map[string]json.RawMessage{"stream_options": raw(`{"include_usage":true}`)}),
		body:   `{"model":"accounts/fireworks/models/llama-v3p1-8b-instruct",` + msgs + `,"stream":true,"temperature":0.2,"max_tokens":64}`,
		header: map[string]string{"Authorization": "Bearer fw-test"},
	}, {
		name: "fireworks with include_usage: true",
		spec: targetspec.Spec{Preset: "fireworks", Model: "m", IncludeUsage: ptr(true)}, base: "/inference/v1",
		path:   "/inference/v1/chat/completions",
		req:    &workloads.Request{Prompt: "Hi"},
		body:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],` + withUse + `}`,
		header: map[string]string{"Authorization": "Bearer fw-test"},
	}, {
		name: "responses: an 8-token limit sent as 16, store false", protocol: targetspec.ProtocolOpenAIResponses,
		spec: targetspec.Spec{Preset: "openai", Protocol: targetspec.ProtocolOpenAIResponses, Model: "gpt-4.1"}, base: "/v1", path: "/v1/responses",
		req:  &workloads.Request{Prompt: "Hi", MaxTokens: 8, Temperature: ptr(0.2)},
		body: `{"model":"gpt-4.1","input":"Hi","stream":true,"store":false,"max_output_tokens":16,"temperature":0.2}`, header: openaiHeader,
	}, {
		name: "responses: no temperature with a reasoning effort", protocol: targetspec.ProtocolOpenAIResponses,
		spec: targetspec.Spec{Preset: "openai", Protocol: targetspec.ProtocolOpenAIResponses, Model: "gpt-4.1"}, base: "/v1", path: "/v1/responses",
		req: &workloads.Request{Prompt: "Hi", MaxTokens: 64, Temperature: ptr(0.2),
			Extra: map[string]json.RawMessage{"reasoning_effort": raw(`"low"`), "seed": raw(`7`), "top_p": raw(`0.9`)}},
		body: `{"model":"gpt-4.1","input":"Hi","stream":true,"store":false,"max_output_tokens":64,"reasoning":{"effort":"low"}}`, header: openaiHeader,
	}, {
		name: "anthropic: stop as stop_sequences, top_p kept, seed and stream_options not sent", protocol: targetspec.ProtocolAnthropic,
		spec: targetspec.Spec{Preset: "anthropic", Model: "claude-sonnet-4-5"}, base: "/v1", path: "/v1/messages",
		req: &workloads.Request{MaxTokens: 64, Extra: portable(),
			Messages: []workloads.Message{{Role: "system", Content: "Be brief."}, {Role: "user", Content: "Hi"}}},
		body: `{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"Hi"}],"system":"Be brief.","stream":true,` +
			`"stop_sequences":["END"],"top_p":0.9}`,
		header: map[string]string{"X-Api-Key": "sk-ant-test", "Anthropic-Version": targetspec.AnthropicVersion},
	}, {
		name: "anthropic: claude-opus-4-7 takes no temperature", protocol: targetspec.ProtocolAnthropic,
		spec: targetspec.Spec{Preset: "anthropic", Model: "claude-opus-4-7"}, base: "/v1", path: "/v1/messages",
		req:    &workloads.Request{Prompt: "Hi", MaxTokens: 64, Temperature: ptr(0.2), Extra: map[string]json.RawMessage{"top_k": raw(`5`)}},
		body:   `{"model":"claude-opus-4-7","max_tokens":64,"messages":[{"role":"user","content":"Hi"}],"stream":true}`,
		header: map[string]string{"X-Api-Key": "sk-ant-test", "Anthropic-Version": targetspec.AnthropicVersion},
	}, {
		name: "gemini: stop, top_p and seed in generationConfig, stream_options not sent", protocol: targetspec.ProtocolGemini,
		spec: targetspec.Spec{Preset: "google", Model: "gemini-2.5-flash"}, base: "/v1beta",
		path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
		req: &workloads.Request{MaxTokens: 64, Temperature: ptr(0.2), Extra: portable(),
			Messages: []workloads.Message{{Role: "system", Content: "Be brief."}, {Role: "user", Content: "Hi"}}},
		body: `{"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"systemInstruction":{"parts":[{"text":"Be brief."}]},` +
			`"generationConfig":{"maxOutputTokens":64,"temperature":0.2,"seed":7,"stopSequences":["END"],"topP":0.9}}`,
		header: map[string]string{"X-Goog-Api-Key": "AIza-test"},
	}}
	env := map[string]string{openai: "sk-test", "ANTHROPIC_API_KEY": "sk-ant-test", "GEMINI_API_KEY": "AIza-test",
		"TOGETHER_API_KEY": "sk-together", "FIREWORKS_API_KEY": "fw-test"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			protocol := tt.protocol
			if protocol == "" {
				protocol = targetspec.ProtocolOpenAIChat
			}
			tgt, got := serveSpec(t, tt.spec, tt.base, tt.path, okScripts[protocol], env)
			rec := tgt.Do(t.Context(), clockNow(), tt.req)
			if !rec.OK() {
				t.Errorf("record %s %s: %s", rec.Status, rec.ErrorClass, rec.ErrorMessage)
			}
			if rec.RequestedOutputTokens != int64(tt.req.MaxTokens) {
				t.Errorf("requested_output_tokens %d, want the workload's %d", rec.RequestedOutputTokens, tt.req.MaxTokens)
			}
			body, header, path := got.get()
			if path != tt.path {
				t.Errorf("path %s, want %s", path, tt.path)
			}
			if d := cmp.Diff(tt.body, string(body)); d != "" {
				t.Errorf("body (-want +got):\n%s", d)
			}
			want := http.Header{"Content-Type": {"application/json"}, "Accept": {"text/event-stream"},
				"User-Agent": {"Go-http-client/1.1"}, "Content-Length": {strconv.Itoa(len(tt.body))}}
			for k, v := range tt.header {
				want.Set(k, v)
			}
			if d := cmp.Diff(want, header); d != "" {
				t.Errorf("headers (-want +got):\n%s", d)
			}
		})
	}
}

// TestEmptyOutputEveryProtocol: a complete answer with reasoning and no
// text is empty_output in every protocol that reasons; the simulator's
// reasoning shares the token limit, as Gemini's thinking shares
// maxOutputTokens.
func TestEmptyOutputEveryProtocol(t *testing.T) {
	root := simServer(t, sim.Config{Exact: true, Provider: sim.Provider{ReasoningTokens: 512}})
	req := &workloads.Request{Prompt: "Say something.", MaxTokens: 64}
	for _, p := range targetspec.Protocols {
		t.Run(p, func(t *testing.T) {
			rec := protocolTarget(t, p, root).Do(t.Context(), clockNow(), req)
			if p == targetspec.ProtocolOpenAICompletions { // legacy completions do not reason
				if !rec.OK() {
					t.Errorf("%s %s: %s", rec.Status, rec.ErrorClass, rec.ErrorMessage)
				}
				return
			}
			if rec.Status != results.StatusError || rec.ErrorClass != results.ErrClassEmptyOutput || rec.FirstOutputNs != 0 ||
				rec.FirstTokenNs == 0 || rec.OutputTokens != 64 {
				t.Errorf("status %s class %s (%s), first output %d, first token %d, output tokens %d; want empty_output after 64 reasoning tokens",
					rec.Status, rec.ErrorClass, rec.ErrorMessage, rec.FirstOutputNs, rec.FirstTokenNs, rec.OutputTokens)
			}
		})
	}
}
