package targetspec_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/targets/targetspec"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestPresetsAreComplete(t *testing.T) {
	wantKeys := map[string]string{"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "google": "GEMINI_API_KEY",
		"together": "TOGETHER_API_KEY", "groq": "GROQ_API_KEY", "fireworks": "FIREWORKS_API_KEY",
		"deepinfra": "DEEPINFRA_API_KEY", "openrouter": "OPENROUTER_API_KEY", "azure-openai": "AZURE_OPENAI_API_KEY",
		"vllm": "", "sglang": "", "tgi": "", "llamacpp": "", "ollama": ""}
	for name, key := range wantKeys {
		p, ok := targetspec.LookupPreset(name)
		if !ok {
			t.Errorf("no preset %s", name)
			continue
		}
		if p.APIKeyEnv != key {
			t.Errorf("%s: api_key_env %q, want %q", name, p.APIKeyEnv, key)
		}
		selfHosted := key == ""
		if (p.Kind == targetspec.KindSelfHosted) != selfHosted {
			t.Errorf("%s: kind %s", name, p.Kind)
		}
		if p.BaseURL == "" && name != "azure-openai" {
			t.Errorf("%s: no base URL", name)
		}
		if len(p.AllowFields) > 0 && name != "vllm" && name != "sglang" {
			t.Errorf("%s allows engine fields %v", name, p.AllowFields)
		}
	}
	if len(targetspec.Presets()) != len(wantKeys) {
		t.Errorf("%d presets, want %d", len(targetspec.Presets()), len(wantKeys))
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name    string
		spec    targetspec.Spec
		want    func(*targetspec.Spec)
		wantErr []string
	}{{
		name: "preset fills the defaults",
		spec: targetspec.Spec{Preset: "groq", Model: "llama-3.3-70b-versatile"},
		want: func(s *targetspec.Spec) {
			s.Name, s.Protocol, s.BaseURL, s.Kind, s.Provider, s.APIKeyEnv = "groq", "openai-chat", "https://api.groq.com/openai/v1", "managed", "groq", "GROQ_API_KEY"
			s.Headers = map[string]string{}
		},
	}, {
		name: "bare loopback URL is self-hosted openai-chat named by host",
		spec: targetspec.Spec{BaseURL: "http://127.0.0.1:8000/v1", Model: "m"},
		want: func(s *targetspec.Spec) {
			s.Name, s.Protocol, s.Kind, s.Headers = "127.0.0.1", "openai-chat", "self-hosted", map[string]string{}
		},
	}, {
		name: "protocol override and user allow_fields",
		spec: targetspec.Spec{Preset: "tgi", Protocol: "openai-completions", Model: "m", AllowFields: []string{"ignore_eos"},
			ExtraBody: map[string]any{"ignore_eos": true}},
		want: func(s *targetspec.Spec) {
			s.Name, s.BaseURL, s.Kind, s.Provider, s.Headers = "tgi", "http://127.0.0.1:8080/v1", "self-hosted", "tgi", map[string]string{}
		},
	}, {
		name:    "every problem at once",
		spec:    targetspec.Spec{Preset: "together", Protocol: "grpc", Kind: "cloud", ExtraBody: map[string]any{"min_tokens": 5, "stream_options": map[string]any{"continuous_usage_stats": true}}, AllowFields: []string{"top_k"}, Timeouts: targetspec.TimeoutSpec{Idle: -time.Second}, Retries: targetspec.RetrySpec{Max: -1}, APIVersion: "2024-10-21"},
		wantErr: []string{"protocol: unknown protocol \"grpc\"", "kind: \"cloud\"", "model: required", "api_version: only the azure-openai preset", "allow_fields: \"top_k\" is not an engine-only field", "extra_body: min_tokens is an engine-only field that together does not accept", "extra_body: continuous_usage_stats is an engine-only field", "timeouts.idle: -1s is negative", "retries.max: want 0 to 100 retries, got -1"},
	}, {
		name:    "azure needs a base URL",
		spec:    targetspec.Spec{Preset: "azure-openai", Model: "gpt-4o"},
		wantErr: []string{"base_url: required: preset azure-openai has no default base URL"},
	}, {
		name:    "no key in the URL",
		spec:    targetspec.Spec{BaseURL: "https://user:sk-secret@api.example.com/v1", Model: "m"},
		wantErr: []string{"base_url: must not carry user info"},
	}, {
		name:    "per-token and GPU prices together",
		spec:    targetspec.Spec{Preset: "vllm", Model: "m", Price: &prices.Spec{InputPer1M: ptr(1.0), GPUs: &prices.GPUSpec{Type: "H100", Count: 1}}},
		wantErr: []string{"price: give per-token prices or gpus, not both"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.spec.Resolve()
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error lacks %q:\n%v", w, err)
					}
				}
				var fe *targetspec.FieldError
				if !errors.As(err, &fe) {
					t.Errorf("errors are not FieldErrors: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.spec
			tt.want(&want)
			if want.AllowFields == nil {
				p, _ := targetspec.LookupPreset(tt.spec.Preset)
				want.AllowFields = p.AllowFields
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("resolved (-want +got):\n%s", d)
			}
		})
	}
}

func TestParseFile(t *testing.T) {
	files, _ := filepath.Glob("testdata/targets/*.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			specs, err := targetspec.LoadFile(f)
			var out strings.Builder
			if err != nil {
				out.WriteString("error:\n" + err.Error() + "\n")
			}
			for _, s := range specs {
				out.WriteString(s.Name + ": " + s.Preset + " " + s.Protocol + " " + s.Kind + " " + s.BaseURL + " " + s.Model + " key=" + s.APIKeyEnv + "\n")
			}
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				os.WriteFile(golden, []byte(out.String()), 0o644)
			}
			want, _ := os.ReadFile(golden)
			if d := cmp.Diff(string(want), out.String()); d != "" {
				t.Errorf("%s (-want +got):\n%s", golden, d)
			}
		})
	}
}

func TestExampleTargetsFileParses(t *testing.T) {
	specs, err := targetspec.LoadFile("../../examples/targets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) < 5 {
		t.Errorf("%d targets", len(specs))
	}
}

// FuzzParseFile: any file either parses or fails with errors; never panics.
func FuzzParseFile(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/targets/*.yaml")
	for _, s := range seeds {
		b, _ := os.ReadFile(s)
		f.Add(b)
	}
	f.Add([]byte("targets: [{preset: openai, model: m, timeouts: {idle: 1s}}]"))
	f.Add([]byte("targets: 3"))
	f.Add([]byte("- a\n- b"))
	f.Fuzz(func(t *testing.T, data []byte) {
		specs, err := targetspec.ParseFile("f.yaml", data)
		if err == nil && len(specs) == 0 {
			t.Fatal("no error and no targets")
		}
		if err != nil && !strings.HasPrefix(err.Error(), "f.yaml") {
			t.Fatalf("error without the file name: %v", err)
		}
	})
}

// TestResolveRefusesSamplingConflicts: a target's own sampling settings
// that its model (family rule), its thinking or its reasoning effort
// refuse are problems of the targets file, at their keys.
func TestResolveRefusesSamplingConflicts(t *testing.T) {
	tests := []struct {
		name  string
		spec  targetspec.Spec
		field string // "" = no problem
		msg   string
	}{
		{"o3-mini with a temperature", targetspec.Spec{Preset: "openai", Model: "o3-mini", Temperature: ptr(0.0)},
			"temperature", `o3-mini takes no sampling fields (model family "OpenAI o3 and o4 reasoning models": https://platform.openai.com/docs/guides/reasoning); remove it, or set sampling: true to send it anyway`},
		{"o3-mini with sampling: true", targetspec.Spec{Preset: "openai", Model: "o3-mini", Temperature: ptr(0.0), Sampling: ptr(true)}, "", ""},
		{"gpt-5 with top_p in extra_body", targetspec.Spec{Preset: "openai", Model: "gpt-5", ExtraBody: map[string]any{"top_p": 0.5}},
			"extra_body", `top_p: gpt-5 takes no sampling fields`},
		{"sampling: false with a temperature", targetspec.Spec{Preset: "vllm", Model: "m", Sampling: ptr(false), Temperature: ptr(0.0)},
			"temperature", "sampling: false sends no sampling fields"},
		{"anthropic thinking with a temperature", targetspec.Spec{Preset: "anthropic", Model: "claude-sonnet-4-5", Temperature: ptr(0.0),
			ExtraBody: map[string]any{"thinking": map[string]any{"type": "enabled", "budget_tokens": 2048}}},
			"temperature", "Anthropic takes no temperature or top_k with extended thinking"},
		{"anthropic thinking below the minimum budget", targetspec.Spec{Preset: "anthropic", Model: "claude-sonnet-4-5",
			ExtraBody: map[string]any{"thinking": map[string]any{"type": "enabled", "budget_tokens": 512}}},
			"extra_body", "thinking.budget_tokens 512 is below Anthropic's minimum, 1024"},
		{"responses effort with a temperature", targetspec.Spec{Preset: "openai", Protocol: targetspec.ProtocolOpenAIResponses, Model: "gpt-5.1",
			Sampling: ptr(true), Temperature: ptr(0.0), ExtraBody: map[string]any{"reasoning": map[string]any{"effort": "low"}}},
			"temperature", "the Responses API takes no temperature or top_p with reasoning effort low"},
		{"responses effort none with a temperature", targetspec.Spec{Preset: "openai", Protocol: targetspec.ProtocolOpenAIResponses, Model: "gpt-5.1",
			Sampling: ptr(true), Temperature: ptr(0.0), ExtraBody: map[string]any{"reasoning": map[string]any{"effort": "none"}}}, "", ""},
		{"bad system_message", targetspec.Spec{Preset: "openai", Model: "gpt-4o", SystemMessage: "assistant"},
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
			var fe *targetspec.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(fe.Err.Error(), tt.msg) {
				t.Errorf("error %v, want %s: ...%s...", err, tt.field, tt.msg)
			}
		})
	}
}

func TestFamiliesTable(t *testing.T) {
	if len(targetspec.Families()) == 0 {
		t.Fatal("no families")
	}
	for _, f := range targetspec.Families() {
		if !strings.HasPrefix(f.Source, "https://") || len(f.Date) != len("2006-01-02") {
			t.Errorf("%s: source %q date %q: want a provider URL and a date", f.Name, f.Source, f.Date)
		}
	}
	tests := []struct {
		model, family string
		rules         targetspec.Rules
	}{
		{"o3-mini", "OpenAI o3 and o4 reasoning models", targetspec.Rules{MaxTokensField: "max_completion_tokens", SystemMessage: "system"}},
		{"o4-mini-2025-04-16", "OpenAI o3 and o4 reasoning models", targetspec.Rules{MaxTokensField: "max_completion_tokens", SystemMessage: "system"}},
		{"gpt-5", "OpenAI GPT-5", targetspec.Rules{MaxTokensField: "max_completion_tokens", SystemMessage: "system"}},
		{"gpt-5-nano", "OpenAI GPT-5", targetspec.Rules{MaxTokensField: "max_completion_tokens", SystemMessage: "system"}},
		{"gpt-5.1", "OpenAI GPT-5", targetspec.Rules{MaxTokensField: "max_completion_tokens", SystemMessage: "system"}},
		{"o1-mini-2024-09-12", "OpenAI o1-mini and o1-preview", targetspec.Rules{MaxTokensField: "max_completion_tokens", SystemMessage: "user"}},
		{"o1-2024-12-17", "OpenAI o1", targetspec.Rules{MaxTokensField: "max_completion_tokens", SystemMessage: "developer"}},
		{"claude-opus-4-7", "Anthropic Claude Opus 4.7 and later Opus 4", targetspec.Rules{SystemMessage: "system"}},
		{"gpt-4o", "", targetspec.Rules{Sampling: true, SystemMessage: "system"}},
		{"gpt-4.1-mini", "", targetspec.Rules{Sampling: true, SystemMessage: "system"}},
		{"openai/o3-mini", "", targetspec.Rules{Sampling: true, SystemMessage: "system"}}, // OpenRouter translates itself
		{"claude-sonnet-4-5", "", targetspec.Rules{Sampling: true, SystemMessage: "system"}},
		{"gpt-oss-120b", "", targetspec.Rules{Sampling: true, SystemMessage: "system"}},
	}
	for _, tt := range tests {
		want := tt.rules
		want.Family = tt.family
		if got := (targetspec.Spec{Model: tt.model}).Rules(); got != want {
			t.Errorf("%s: rules %+v, want %+v", tt.model, got, want)
		}
	}
	// The target's own settings win.
	got := targetspec.Spec{Model: "o3-mini", MaxTokensField: "max_tokens", Sampling: ptr(true), SystemMessage: "user"}.Rules()
	if want := (targetspec.Rules{MaxTokensField: "max_tokens", Sampling: true, SystemMessage: "user", Family: "OpenAI o3 and o4 reasoning models"}); got != want {
		t.Errorf("overridden: %+v, want %+v", got, want)
	}
}

func ptr[T any](v T) *T { return &v }
