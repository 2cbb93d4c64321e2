package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// liveProviders are the hosted presets the live smoke test calls, with a
// small, cheap default model each (INFERBENCH_LIVE_MODEL_<PRESET>, e.g.
// INFERBENCH_LIVE_MODEL_ANTHROPIC, overrides it).
var liveProviders = []struct{ preset, env, model string }{
	{"openai", "OPENAI_API_KEY", "gpt-4o-mini"},
	{"anthropic", "ANTHROPIC_API_KEY", "claude-3-5-haiku-latest"},
	{"google", "GEMINI_API_KEY", "gemini-2.5-flash-lite"},
	{"together", "TOGETHER_API_KEY", "meta-llama/Llama-3.2-3B-Instruct-Turbo"},
	{"groq", "GROQ_API_KEY", "llama-3.1-8b-instant"},
	{"fireworks", "FIREWORKS_API_KEY", "accounts/fireworks/models/llama-v3p1-8b-instruct"},
	{"deepinfra", "DEEPINFRA_API_KEY", "meta-llama/Meta-Llama-3.1-8B-Instruct"},
	{"openrouter", "OPENROUTER_API_KEY", "openai/gpt-4o-mini"},
}

// TestLiveSmoke sends 3 tiny requests to every provider whose key is set:
// the only test that leaves the machine, so it runs only when asked
// (INFERBENCH_LIVE=1, as `make smoke-live` does), and a provider without
// its key is skipped, not failed. Every request must succeed with usage,
// and the key must appear in no file the run writes.
func TestLiveSmoke(t *testing.T) {
	if os.Getenv("INFERBENCH_LIVE") == "" {
		t.Skip("calls real providers: set INFERBENCH_LIVE=1 (make smoke-live)")
	}
	wl := filepath.Join(t.TempDir(), "tiny.jsonl")
	var b bytes.Buffer
	reqs := make([]workloads.Request, 3)
	for i := range reqs {
		reqs[i] = workloads.Request{Prompt: "Reply with the single word: ok", MaxTokens: 16}
	}
	if err := workloads.WriteJSONL(&b, reqs); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(wl, b.Bytes(), 0o644)
	for _, p := range liveProviders {
		t.Run(p.preset, func(t *testing.T) {
			key := os.Getenv(p.env)
			if key == "" {
				t.Skipf("$%s is not set", p.env)
			}
			model := p.model
			if m := os.Getenv("INFERBENCH_LIVE_MODEL_" + strings.ToUpper(strings.ReplaceAll(p.preset, "-", "_"))); m != "" {
				model = m
			}
			out := t.TempDir()
			e, stdout, stderr := testEnv(nil)
			e.getenv = os.Getenv
			code := dispatch(t.Context(), e, []string{"run", "--preset", p.preset, "--model", model, "--workload", wl,
				"--concurrency", "1", "--requests", "3", "--retries", "2", "--timeout", "60s", "--connect-timeout", "10s",
				"--out", out, "--run-id", "live", "--quiet"})
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			recs, err := results.ReadRequests(filepath.Join(out, "live"))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				t.Logf("%s: %s ttft %.0fms in %d out %d (%s) finish %s", model, r.Status, float64(r.TTFTNs)/1e6,
					r.InputTokens, r.OutputTokens, r.OutputTokensSource, r.FinishReason)
				if !r.OK() || r.OutputTokens == 0 {
					t.Errorf("%s %s: %s", r.Status, r.ErrorClass, r.ErrorMessage)
				}
			}
			if strings.Contains(stdout.String()+stderr.String(), key) {
				t.Error("the key was printed")
			}
			filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(key)) {
						t.Errorf("%s contains the key", path)
					}
				}
				return err
			})
		})
	}
}
