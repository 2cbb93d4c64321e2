package targets_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

// newTarget builds a target of spec against a loopback URL nothing
// listens on: Check sends nothing.
func newTarget(t *testing.T, spec targetspec.Spec) targets.Target {
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
	notes, err := targets.Check(newTarget(t, targetspec.Spec{Preset: "anthropic", Model: "claude-sonnet-4-5"}), reqs)
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
	strict := newTarget(t, targetspec.Spec{Preset: "anthropic", Model: "claude-sonnet-4-5", StrictFields: true})
	notes, err = targets.Check(strict, reqs)
	if len(notes) != 0 || err == nil || !strings.Contains(err.Error(), "strict fields: the workload carries fields this target would not send: seed") {
		t.Errorf("strict: notes %q, error %v", notes, err)
	}
	rec := strict.Do(t.Context(), clockNow(), &reqs[0])
	if rec.ErrorClass != results.ErrClassRequest || !strings.Contains(rec.ErrorMessage, "strict fields: not sent: seed") || rec.HTTPStatus != 0 {
		t.Errorf("strict request: %s %s (HTTP %d)", rec.ErrorClass, rec.ErrorMessage, rec.HTTPStatus)
	}

	// OpenAI chat takes every field as it is: nothing to say.
	if notes, err := targets.Check(newTarget(t, targetspec.Spec{Preset: "vllm", Model: "m"}), reqs); len(notes) != 0 || err != nil {
		t.Errorf("vllm: notes %q, error %v", notes, err)
	}
}

func TestCheckRefusesThinkingBudgetNotBelowMaxTokens(t *testing.T) {
	spec := targetspec.Spec{Preset: "anthropic", Model: "claude-sonnet-4-5",
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
	notes, err := targets.Check(newTarget(t, targetspec.Spec{Preset: "openai", Protocol: targetspec.ProtocolOpenAIResponses, Model: "gpt-4.1"}), reqs)
	want := []string{"output limits below the API's minimum in 2 requests: request a: max_output_tokens 12; " +
		"request c: max_output_tokens 8 (each sent as 16, the Responses API's minimum; requested_output_tokens keeps what the request asked)"}
	if err != nil || !cmp.Equal(want, notes) {
		t.Errorf("notes %q, error %v; want %q", notes, err, want)
	}
}
