package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/targets/sim"
	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

// TestRunRefusesThinkingBudgetAboveMaxTokens: Anthropic refuses a
// thinking budget not below max_tokens, so the run stops before it starts
// (exit 2), naming the target and the first requests; nothing is sent and
// no run directory is made.
func TestRunRefusesThinkingBudgetAboveMaxTokens(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "targets.yaml")
	os.WriteFile(file, []byte(`targets:
  - name: claude-thinking
    preset: anthropic
    base_url: http://127.0.0.1:1/v1
    model: claude-sonnet-4-5
    extra_body:
      thinking: {type: enabled, budget_tokens: 2048}
`), 0o644)
	wl := writeWorkload(t, 5, 64)
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	code := dispatch(t.Context(), e, []string{"run", "--targets", file, "--target", "claude-thinking",
		"--workload", wl, "--rate", "1/s", "--out", out})
	if code != exitUsage {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"target claude-thinking: 5 requests would be refused by the API",
		"request r0: thinking.budget_tokens 2048 is not below max_tokens 64; request r1:", "and 2 more (Anthropic requires"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a run directory was made")
	}
}

// TestRunSaysFieldsNotSentOnce: a workload's OpenAI-style fields that
// Gemini has no name for are left out, said once for the run; the run
// goes on and every request is answered.
func TestRunSaysFieldsNotSentOnce(t *testing.T) {
	root := protocolSim(t, sim.Config{Exact: true, Model: "sim"})
	reqs := make([]workloads.Request, 4)
	for i := range reqs {
		reqs[i] = workloads.Request{Prompt: "Say something.", MaxTokens: 8, Extra: map[string]json.RawMessage{
			"seed": json.RawMessage(`7`), "stop": json.RawMessage(`["END"]`), "logit_bias": json.RawMessage(`{}`),
			"stream_options": json.RawMessage(`{"include_usage":true}`)}}
	}
	wl := writeWorkloadFile(t, reqs)
	e, _, stderr := testEnv(nil)
	code := dispatch(t.Context(), e, []string{"run", "--base-url", baseFor(root, targetspec.ProtocolGemini), "--protocol", targetspec.ProtocolGemini,
		"--model", "sim", "--workload", wl, "--concurrency", "2", "--out", t.TempDir(), "--quiet"})
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	want := "not sent, as the protocol or model does not take them (strict_fields refuses instead): " +
		"logit_bias (no such field in gemini; 4 requests, the first 1), stream_options (no such field in gemini; 4 requests, the first 1)"
	if n := strings.Count(stderr.String(), "not sent"); n != 1 || !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr says it %d times, want once as %q:\n%s", n, want, stderr)
	}

	// --strict-fields refuses the same run.
	e, _, stderr = testEnv(nil)
	code = dispatch(t.Context(), e, []string{"run", "--base-url", baseFor(root, targetspec.ProtocolGemini), "--protocol", targetspec.ProtocolGemini,
		"--model", "sim", "--workload", wl, "--concurrency", "2", "--out", t.TempDir(), "--quiet", "--strict-fields"})
	if code != exitUsage || !strings.Contains(stderr.String(), "strict fields: the workload carries fields this target would not send: logit_bias") {
		t.Errorf("strict: exit %d; stderr:\n%s", code, stderr)
	}
}
