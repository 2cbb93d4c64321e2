package targets_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/targets/targetspec"
)

func TestNewMissingKeyNamesVariable(t *testing.T) {
	_, err := targets.New(targetspec.Spec{Preset: "anthropic", Model: "claude"}, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "$ANTHROPIC_API_KEY is not set") || !strings.Contains(err.Error(), "api.anthropic.com") {
		t.Fatalf("err = %v", err)
	}
	// A loopback engine needs no key, even with a variable named.
	if _, err := targets.New(targetspec.Spec{BaseURL: "http://localhost:8000/v1", Model: "m", APIKeyEnv: "NOPE"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
}

func TestAzureRequest(t *testing.T) {
	tgt, got := serveSpec(t, targetspec.Spec{Preset: "azure-openai", APIVersion: "2025-01-01-preview"}, "/openai/deployments/gpt4o",
		"/openai/deployments/gpt4o/chat/completions", func(s *sse) {
			s.start()
			s.data(finishChunk("a", "stop"))
			s.done()
		}, map[string]string{"AZURE_OPENAI_API_KEY": "az-key"})
	if rec := tgt.Do(t.Context(), clockNow(), testRequest()); !rec.OK() {
		t.Fatalf("%s: %s", rec.ErrorClass, rec.ErrorMessage)
	}
	_, header, path := got.get()
	if path != "/openai/deployments/gpt4o/chat/completions?api-version=2025-01-01-preview" {
		t.Errorf("path %s", path)
	}
	if header.Get("api-key") != "az-key" || header.Get("Authorization") != "" {
		t.Errorf("headers %v", header)
	}
}

// TestEngineFieldsDropped: a workload's own engine-only fields reach an
// engine that accepts them and never a hosted API.
func TestEngineFieldsDropped(t *testing.T) {
	for _, tc := range []struct {
		preset string
		sent   bool
	}{{"vllm", true}, {"openai", false}} {
		tgt, got := serveSpec(t, targetspec.Spec{Preset: tc.preset}, "/v1", "/v1/chat/completions", func(s *sse) {
			s.start()
			s.data(finishChunk("a", "stop"))
			s.done()
		}, map[string]string{"OPENAI_API_KEY": "k"})
		req := testRequest()
		req.Extra = map[string]json.RawMessage{"ignore_eos": json.RawMessage("true"), "top_k": json.RawMessage("5")}
		tgt.Do(t.Context(), clockNow(), req)
		body, _, _ := got.get()
		if strings.Contains(string(body), `"ignore_eos"`) != tc.sent || !strings.Contains(string(body), `"top_k":5`) {
			t.Errorf("%s: body %s", tc.preset, body)
		}
	}
}
