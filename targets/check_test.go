package targets_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/workloads"
)

// newTarget builds a target of spec against a loopback URL nothing
// listens on: Check sends nothing.
func newTarget(t *testing.T, spec targets.Spec) targets.Target {
	t.Helper()
	if spec.BaseURL == "" {
		spec.BaseURL = "http://127.0.0.1:1/v1"
	}
	tgt, err := targets.New(spec, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return tgt
}

func TestCheckNamesFieldsNotSentOnce(t *testing.T) {
	reqs := []workloads.Request{
		{ID: "q1", Prompt: "a", MaxTokens: 64, Extra: portable()},
		{ID: "q2", Prompt: "b", MaxTokens: 64, Extra: map[string]json.RawMessage{"seed": raw(`1`), "ignore_eos": raw(`true`)}},
		{ID: "q3", Prompt: "c", MaxTokens: 64},
	}
	notes, err := targets.Check(newTarget(t, targets.Spec{Preset: "anthropic", Model: "claude-sonnet-4-5"}), reqs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"not sent, as the protocol or model does not take them (strict_fields refuses instead): " +
		"seed (no such field in anthropic-messages; 2 requests, the first q1), " +
		"stream_options (no such field in anthropic-messages; 1 request, the first q1), " +
		"ignore_eos (engine-only; allow_fields sends it; 1 request, the first q2)"}
	if d := cmp.Diff(want, notes); d != "" {
		t.Errorf("notes (-want +got):\n%s", d)
	}

	// Strict: the same is a refusal, and a request is never sent
	// without its fields.
	strict := newTarget(t, targets.Spec{Preset: "anthropic", Model: "claude-sonnet-4-5", StrictFields: true})
	notes, err = targets.Check(strict, reqs)
	if len(notes) != 0 || err == nil || !strings.Contains(err.Error(), "strict fields: the workload carries fields this target would not send: seed") {
		t.Errorf("strict: notes %q, error %v", notes, err)
	}
	rec := strict.Do(t.Context(), clockNow(), &reqs[0])
	if rec.ErrorClass != results.ErrClassRequest || !strings.Contains(rec.ErrorMessage, "strict fields: not sent: seed") || rec.HTTPStatus != 0 {
		t.Errorf("strict request: %s %s (HTTP %d)", rec.ErrorClass, rec.ErrorMessage, rec.HTTPStatus)
	}

	// OpenAI chat takes every field as it is: nothing to say.
	if notes, err := targets.Check(newTarget(t, targets.Spec{Preset: "vllm", Model: "m"}), reqs); len(notes) != 0 || err != nil {
		t.Errorf("vllm: notes %q, error %v", notes, err)
	}
}

func TestCheckRefusesThinkingBudgetNotBelowMaxTokens(t *testing.T) {
	spec := targets.Spec{Preset: "anthropic", Model: "claude-sonnet-4-5",
		ExtraBody: map[string]any{"thinking": map[string]any{"type": "enabled", "budget_tokens": 2048}}}
	var reqs []workloads.Request
	for i, mt := range []int{4096, 64, 2048, 0, 100, 30, 5000} { // 0: the default 4096
		reqs = append(reqs, workloads.Request{ID: "r" + string(rune('0'+i)), Prompt: "x", MaxTokens: mt})
	}
	_, err := targets.Check(newTarget(t, spec), reqs)
	want := "4 requests would be refused by the API: " +
		"request r1: thinking.budget_tokens 2048 is not below max_tokens 64; " +
		"request r2: thinking.budget_tokens 2048 is not below max_tokens 2048; " +
		"request r4: thinking.budget_tokens 2048 is not below max_tokens 100; " +
		"and 1 more (Anthropic requires thinking.budget_tokens below max_tokens and at least 1024: " +
		"https://docs.claude.com/en/docs/build-with-claude/extended-thinking)"
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
	// A request's own thinking counts, and one that turns it off is fine.
	reqs = []workloads.Request{
		{ID: "own", Prompt: "x", MaxTokens: 8000, Extra: map[string]json.RawMessage{"thinking": raw(`{"type":"enabled","budget_tokens":9000}`)}},
		{ID: "off", Prompt: "x", MaxTokens: 64, Extra: map[string]json.RawMessage{"thinking": raw(`{"type":"disabled"}`)}},
	}
	if _, err := targets.Check(newTarget(t, spec), reqs); err == nil || !strings.Contains(err.Error(), "1 request would be refused by the API: request own: thinking.budget_tokens 9000 is not below max_tokens 8000") {
		t.Errorf("own thinking: %v", err)
	}
}

func TestCheckNotesResponsesMinimum(t *testing.T) {
	reqs := []workloads.Request{{ID: "a", Prompt: "x", MaxTokens: 12}, {ID: "b", Prompt: "x", MaxTokens: 16}, {ID: "c", Prompt: "x", MaxTokens: 8}}
	notes, err := targets.Check(newTarget(t, targets.Spec{Preset: "openai", Protocol: targets.ProtocolOpenAIResponses, Model: "gpt-4.1"}), reqs)
	want := []string{"output limits below the API's minimum in 2 requests: request a: max_output_tokens 12; " +
		"request c: max_output_tokens 8 (each sent as 16, the Responses API's minimum; requested_output_tokens keeps what the request asked)"}
	if err != nil || !cmp.Equal(want, notes) {
		t.Errorf("notes %q, error %v; want %q", notes, err, want)
	}
}

// TestResolveRefusesSamplingConflicts: a target's own sampling settings
// that its model (family rule), its thinking or its reasoning effort
// refuse are problems of the targets file, at their keys.
func TestResolveRefusesSamplingConflicts(t *testing.T) {
	tests := []struct {
		name  string
		spec  targets.Spec
		field string // "" = no problem
		msg   string
	}{
		{"o3-mini with a temperature", targets.Spec{Preset: "openai", Model: "o3-mini", Temperature: ptr(0.0)},
			"temperature", `o3-mini takes no sampling fields (model family "OpenAI o3 and o4 reasoning models": https://platform.openai.com/docs/guides/reasoning); remove it, or set sampling: true to send it anyway`},
		{"o3-mini with sampling: true", targets.Spec{Preset: "openai", Model: "o3-mini", Temperature: ptr(0.0), Sampling: ptr(true)}, "", ""},
		{"gpt-5 with top_p in extra_body", targets.Spec{Preset: "openai", Model: "gpt-5", ExtraBody: map[string]any{"top_p": 0.5}},
			"extra_body", `top_p: gpt-5 takes no sampling fields`},
		{"sampling: false with a temperature", targets.Spec{Preset: "vllm", Model: "m", Sampling: ptr(false), Temperature: ptr(0.0)},
			"temperature", "sampling: false sends no sampling fields"},
		{"anthropic thinking with a temperature", targets.Spec{Preset: "anthropic", Model: "claude-sonnet-4-5", Temperature: ptr(0.0),
			ExtraBody: map[string]any{"thinking": map[string]any{"type": "enabled", "budget_tokens": 2048}}},
			"temperature", "Anthropic takes no temperature or top_k with extended thinking"},
		{"anthropic thinking below the minimum budget", targets.Spec{Preset: "anthropic", Model: "claude-sonnet-4-5",
			ExtraBody: map[string]any{"thinking": map[string]any{"type": "enabled", "budget_tokens": 512}}},
			"extra_body", "thinking.budget_tokens 512 is below Anthropic's minimum, 1024"},
		{"responses effort with a temperature", targets.Spec{Preset: "openai", Protocol: targets.ProtocolOpenAIResponses, Model: "gpt-5.1",
			Sampling: ptr(true), Temperature: ptr(0.0), ExtraBody: map[string]any{"reasoning": map[string]any{"effort": "low"}}},
			"temperature", "the Responses API takes no temperature or top_p with reasoning effort low"},
		{"responses effort none with a temperature", targets.Spec{Preset: "openai", Protocol: targets.ProtocolOpenAIResponses, Model: "gpt-5.1",
			Sampling: ptr(true), Temperature: ptr(0.0), ExtraBody: map[string]any{"reasoning": map[string]any{"effort": "none"}}}, "", ""},
		{"bad system_message", targets.Spec{Preset: "openai", Model: "gpt-4o", SystemMessage: "assistant"},
			"system_message", `"assistant": want system, developer or user`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.spec.Resolve()
			if tt.field == "" {
				if err != nil {
					t.Errorf("error %v, want none", err)
				}
				return
			}
			var fe *targets.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(fe.Err.Error(), tt.msg) {
				t.Errorf("error %v, want %s: ...%s...", err, tt.field, tt.msg)
			}
		})
	}
}

func TestFamiliesTable(t *testing.T) {
	if len(targets.Families()) == 0 {
		t.Fatal("no families")
	}
	for _, f := range targets.Families() {
		if !strings.HasPrefix(f.Source, "https://") || len(f.Date) != len("2006-01-02") {
			t.Errorf("%s: source %q date %q: want a provider URL and a date", f.Name, f.Source, f.Date)
		}
	}
	tests := []struct {
		model, family string
		rules         targets.Rules
	}{
		{"o3-mini", "OpenAI o3 and o4 reasoning models", targets.Rules{MaxTokensField: "max_completion_tokens", SystemMessage: "system"}},
		{"o4-mini-2025-04-16", "OpenAI o3 and o4 reasoning models", targets.Rules{MaxTokensField: "max_completion_tokens", SystemMessage: "system"}},
		{"gpt-5", "OpenAI GPT-5", targets.Rules{MaxTokensField: "max_completion_tokens", SystemMessage: "system"}},
		{"gpt-5-nano", "OpenAI GPT-5", targets.Rules{MaxTokensField: "max_completion_tokens", SystemMessage: "system"}},
		{"gpt-5.1", "OpenAI GPT-5", targets.Rules{MaxTokensField: "max_completion_tokens", SystemMessage: "system"}},
		{"o1-mini-2024-09-12", "OpenAI o1-mini and o1-preview", targets.Rules{MaxTokensField: "max_completion_tokens", SystemMessage: "user"}},
		{"o1-2024-12-17", "OpenAI o1", targets.Rules{MaxTokensField: "max_completion_tokens", SystemMessage: "developer"}},
		{"claude-opus-4-7", "Anthropic Claude Opus 4.7 and later Opus 4", targets.Rules{SystemMessage: "system"}},
		{"gpt-4o", "", targets.Rules{Sampling: true, SystemMessage: "system"}},
		{"gpt-4.1-mini", "", targets.Rules{Sampling: true, SystemMessage: "system"}},
		{"openai/o3-mini", "", targets.Rules{Sampling: true, SystemMessage: "system"}}, // OpenRouter translates itself
		{"claude-sonnet-4-5", "", targets.Rules{Sampling: true, SystemMessage: "system"}},
		{"gpt-oss-120b", "", targets.Rules{Sampling: true, SystemMessage: "system"}},
	}
	for _, tt := range tests {
		want := tt.rules
		want.Family = tt.family
		if got := (targets.Spec{Model: tt.model}).Rules(); got != want {
			t.Errorf("%s: rules %+v, want %+v", tt.model, got, want)
		}
	}
	// The target's own settings win.
	got := targets.Spec{Model: "o3-mini", MaxTokensField: "max_tokens", Sampling: ptr(true), SystemMessage: "user"}.Rules()
	if want := (targets.Rules{MaxTokensField: "max_tokens", Sampling: true, SystemMessage: "user", Family: "OpenAI o3 and o4 reasoning models"}); got != want {
		t.Errorf("overridden: %+v, want %+v", got, want)
	}
}
