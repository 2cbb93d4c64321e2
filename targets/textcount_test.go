package targets_test

import (
	"testing"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/targets/targetspec"
)

// TestTokenizerFallbackEveryProtocol: a server that reports no usage has
// its output counted by tokenizing the text received. "Hello world" sent
// as three content events is two cl100k_base tokens ("Hello", " world");
// "Let me think" is three ("Let", " me", " think"), counted as reasoning
// on the protocols that carry it apart. The content events are still
// counted in chunks. With usage, the usage counts.
func TestTokenizerFallbackEveryProtocol(t *testing.T) {
	text := []string{"Hel", "lo", " world"}
	for _, p := range protocolStreams {
		t.Run(p.name, func(t *testing.T) {
			reasoning := ""
			wantOut, wantReason, wantChunks := int64(2), int64(0), int32(3)
			if p.hasReason {
				reasoning = "Let me think"
				wantOut, wantReason, wantChunks = 5, 3, 4
			}
			tgt, _ := serveSpec(t, p.spec, p.base, p.path, func(s *sse) {
				s.start()
				p.content(s, text, reasoning, false)
			}, p.env)
			rec := tgt.Do(t.Context(), clockNow(), testRequest())
			if !rec.OK() {
				t.Fatalf("%s %s: %s", rec.Status, rec.ErrorClass, rec.ErrorMessage)
			}
			if rec.OutputTokensSource != results.TokensFromTokenizer || rec.OutputTokens != wantOut ||
				rec.ReasoningTokens != wantReason || rec.Chunks != wantChunks {
				t.Errorf("output %d (%s), reasoning %d, chunks %d; want %d (tokenizer), %d, %d",
					rec.OutputTokens, rec.OutputTokensSource, rec.ReasoningTokens, rec.Chunks, wantOut, wantReason, wantChunks)
			}

			// The same server with usage: the usage counts.
			tgt, _ = serveSpec(t, p.spec, p.base, p.path, func(s *sse) {
				s.start()
				p.content(s, text, reasoning, true)
			}, p.env)
			rec = tgt.Do(t.Context(), clockNow(), testRequest())
			if rec.OutputTokensSource != results.TokensFromUsage {
				t.Errorf("with usage: output %d from %s", rec.OutputTokens, rec.OutputTokensSource)
			}
		})
	}
}

// TestTokenizerFallbackChoice: the config picks the tokenizer. CJK text
// is where cl100k_base and o200k_base disagree, so "Hello, 世界!" counts
// differently under each; the default is cl100k_base; "none" counts the
// content events. An unknown name is refused.
func TestTokenizerFallbackChoice(t *testing.T) {
	count := func(tokenizer string) results.Record {
		tgt, _ := serve(t, func(s *sse) {
			s.start()
			s.data(contentChunk("Hello, "))
			s.data(finishChunk("世界!", "stop"))
			s.done()
		}, func(c *targets.OpenAIConfig) { c.IncludeUsage, c.CountTokenizer = ptr(false), tokenizer })
		return tgt.Do(t.Context(), clockNow(), testRequest())
	}
	def, cl, o200 := count(""), count("cl100k_base"), count("o200k_base")
	for _, r := range []results.Record{def, cl, o200} {
		if r.OutputTokensSource != results.TokensFromTokenizer || r.OutputTokens < 3 {
			t.Errorf("%d tokens from %s", r.OutputTokens, r.OutputTokensSource)
		}
	}
	if def.OutputTokens != cl.OutputTokens || cl.OutputTokens == o200.OutputTokens {
		t.Errorf("default %d, cl100k_base %d, o200k_base %d: want the default to be cl100k_base's, and o200k_base's to differ",
			def.OutputTokens, cl.OutputTokens, o200.OutputTokens)
	}
	if r := count(targetspec.NoCountTokenizer); r.OutputTokens != 2 || r.OutputTokensSource != results.TokensFromChunks {
		t.Errorf("none: %d tokens from %s, want the 2 content events", r.OutputTokens, r.OutputTokensSource)
	}
	if _, err := targets.NewOpenAI(targets.Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m", CountTokenizer: "gpt2"}); err == nil {
		t.Error("unknown count tokenizer accepted")
	}
	if _, err := (targetspec.Spec{BaseURL: "http://127.0.0.1:1/v1", Model: "m", CountTokenizer: "gpt2"}).Resolve(); err == nil {
		t.Error("spec with an unknown count tokenizer resolved")
	}
}
