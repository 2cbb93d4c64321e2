package targets_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/targets/sim"
	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

// simServer starts the simulator with cfg and returns its root URL.
func simServer(t testing.TB, cfg sim.Config) string {
	t.Helper()
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); s.Close() })
	return srv.URL
}

// protocolTarget builds a target of protocol p against the simulator root.
func protocolTarget(t testing.TB, p, root string, edit ...func(*targetspec.Spec)) targets.Target {
	t.Helper()
	spec := targetspec.Spec{Protocol: p, BaseURL: root + "/v1", Model: "sim", Name: p}
	if p == targetspec.ProtocolGemini {
		spec.BaseURL = root + "/v1beta"
	}
	for _, e := range edit {
		e(&spec)
	}
	tgt, err := targets.New(spec, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tgt.CloseIdleConnections)
	return tgt
}

// TestProtocolsAgreeOnSimulator sends the same requests in every protocol
// to one simulator that emulates reasoning and cached prompts, several
// tokens per chunk: every record must carry the same token counts. The
// limit is the Responses API's minimum, which every protocol sends as is.
func TestProtocolsAgreeOnSimulator(t *testing.T) {
	root := simServer(t, sim.Config{Exact: true, TTFT: 2 * time.Millisecond, ITL: time.Millisecond,
		TokensPerChunk: 3, Provider: sim.Provider{ReasoningTokens: 5, CachedFraction: 0.5}})
	req := &workloads.Request{Messages: []workloads.Message{
		{Role: "system", Content: "You are terse."}, {Role: "user", Content: "Say something about foxes, please."}},
		MaxTokens: targets.ResponsesMinOutputTokens}
	wantIn := int64(sim.EstimateTokens(req.Text()))
	clock := results.NewClock(time.Now())
	for _, p := range targetspec.Protocols {
		t.Run(p, func(t *testing.T) {
			rec := protocolTarget(t, p, root).Do(t.Context(), clock, req)
			if !rec.OK() {
				t.Fatalf("%s %s: %s", rec.Status, rec.ErrorClass, rec.ErrorMessage)
			}
			// Legacy completions have no reasoning; Anthropic does not
			// count thinking apart.
			wantReasoning := int64(5)
			if p == targetspec.ProtocolOpenAICompletions || p == targetspec.ProtocolAnthropic {
				wantReasoning = 0
			}
			if rec.InputTokens != wantIn || rec.OutputTokens != targets.ResponsesMinOutputTokens || rec.InputTokensSource != results.TokensFromUsage ||
				rec.CachedInputTokens != wantIn/2 || rec.ReasoningTokens != wantReasoning {
				t.Errorf("tokens in %d out %d (%s) cached %d reasoning %d, want %d, %d from usage, %d, %d",
					rec.InputTokens, rec.OutputTokens, rec.InputTokensSource, rec.CachedInputTokens, rec.ReasoningTokens,
					wantIn, targets.ResponsesMinOutputTokens, wantIn/2, wantReasoning)
			}
			if p != targetspec.ProtocolOpenAICompletions && rec.FirstOutputNs <= rec.FirstTokenNs {
				t.Errorf("first output %d not after first token %d: reasoning came first", rec.FirstOutputNs, rec.FirstTokenNs)
			}
		})
	}
}

// TestSimulatedFlag: a record of an answer from the simulator says it is
// simulated, in every protocol and for an error answer too; the header the
// targets read is the one the simulator sets. (Records of other servers
// have Simulated false: every whole-record comparison in these tests.)
func TestSimulatedFlag(t *testing.T) {
	if targets.SimulatedHeader != sim.SimulatedHeader {
		t.Fatalf("targets reads %q, the simulator sets %q", targets.SimulatedHeader, sim.SimulatedHeader)
	}
	root := simServer(t, sim.Config{})
	req := &workloads.Request{Prompt: "hi", MaxTokens: 3}
	clock := results.NewClock(time.Now())
	for _, p := range targetspec.Protocols {
		rec := protocolTarget(t, p, root).Do(t.Context(), clock, req)
		if !rec.OK() || !rec.Simulated {
			t.Errorf("%s: %s %s, simulated %v; want ok and simulated", p, rec.Status, rec.ErrorMessage, rec.Simulated)
		}
	}
	rec := protocolTarget(t, targetspec.ProtocolOpenAIChat, root, func(s *targetspec.Spec) { s.Model = "not-served" }).Do(t.Context(), clock, req)
	if rec.HTTPStatus != 404 || !rec.Simulated {
		t.Errorf("wrong model: status %d, simulated %v; want 404 and simulated", rec.HTTPStatus, rec.Simulated)
	}
}

// TestSimulatorTakesTheNewShapes: what the targets now send — a batch
// file's max_completion_tokens, a model family's developer role, store
// false and a raised Responses limit, stop_sequences, a generationConfig
// with seed and stopSequences, merged stream_options — is accepted by the
// simulator in every protocol, as by the APIs, so runs against it keep
// working.
func TestSimulatorTakesTheNewShapes(t *testing.T) {
	root := simServer(t, sim.Config{Exact: true})
	req := &workloads.Request{MaxTokens: 8, MaxTokensField: "max_completion_tokens", Temperature: ptr(0.3),
		Messages: []workloads.Message{{Role: "system", Content: "Be brief."}, {Role: "user", Content: "Hi"}},
		Extra: map[string]json.RawMessage{"seed": raw(`7`), "stop": raw(`["END"]`), "top_p": raw(`0.9`),
			"stream_options": raw(`{"include_usage":true}`), "reasoning_effort": raw(`"none"`)}}
	for _, p := range targetspec.Protocols {
		for _, mode := range []string{targetspec.SystemAsDeveloper, targetspec.SystemAsUser} {
			rec := protocolTarget(t, p, root, func(s *targetspec.Spec) { s.SystemMessage = mode }).Do(t.Context(), clockNow(), req)
			if !rec.OK() || rec.OutputTokensSource != results.TokensFromUsage {
				t.Errorf("%s, system as %s: %s %s (%s), tokens from %s", p, mode, rec.Status, rec.ErrorClass, rec.ErrorMessage, rec.OutputTokensSource)
			}
		}
	}
}
