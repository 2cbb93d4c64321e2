package targets_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/targets"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestPresetsAreComplete(t *testing.T) {
	wantKeys := map[string]string{"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "google": "GEMINI_API_KEY",
		"together": "TOGETHER_API_KEY", "groq": "GROQ_API_KEY", "fireworks": "FIREWORKS_API_KEY",
		"deepinfra": "DEEPINFRA_API_KEY", "openrouter": "OPENROUTER_API_KEY", "azure-openai": "AZURE_OPENAI_API_KEY",
		"vllm": "", "sglang": "", "tgi": "", "llamacpp": "", "ollama": ""}
	for name, key := range wantKeys {
		p, ok := targets.LookupPreset(name)
		if !ok {
			t.Errorf("no preset %s", name)
			continue
		}
		if p.APIKeyEnv != key {
			t.Errorf("%s: api_key_env %q, want %q", name, p.APIKeyEnv, key)
		}
		selfHosted := key == ""
		if (p.Kind == targets.KindSelfHosted) != selfHosted {
			t.Errorf("%s: kind %s", name, p.Kind)
		}
		if p.BaseURL == "" && name != "azure-openai" {
			t.Errorf("%s: no base URL", name)
		}
		if len(p.AllowFields) > 0 && name != "vllm" && name != "sglang" {
			t.Errorf("%s allows engine fields %v", name, p.AllowFields)
		}
	}
	if len(targets.Presets()) != len(wantKeys) {
		t.Errorf("%d presets, want %d", len(targets.Presets()), len(wantKeys))
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name    string
		spec    targets.Spec
		want    func(*targets.Spec)
		wantErr []string
	}{{
		name: "preset fills the defaults",
		spec: targets.Spec{Preset: "groq", Model: "llama-3.3-70b-versatile"},
		want: func(s *targets.Spec) {
			s.Name, s.Protocol, s.BaseURL, s.Kind, s.Provider, s.APIKeyEnv = "groq", "openai-chat", "https://api.groq.com/openai/v1", "managed", "groq", "GROQ_API_KEY"
			s.Headers = map[string]string{}
		},
	}, {
		name: "bare loopback URL is self-hosted openai-chat named by host",
		spec: targets.Spec{BaseURL: "http://127.0.0.1:8000/v1", Model: "m"},
		want: func(s *targets.Spec) {
			s.Name, s.Protocol, s.Kind, s.Headers = "127.0.0.1", "openai-chat", "self-hosted", map[string]string{}
		},
	}, {
		name: "protocol override and user allow_fields",
		spec: targets.Spec{Preset: "tgi", Protocol: "openai-completions", Model: "m", AllowFields: []string{"ignore_eos"},
			ExtraBody: map[string]any{"ignore_eos": true}},
		want: func(s *targets.Spec) {
			s.Name, s.BaseURL, s.Kind, s.Provider, s.Headers = "tgi", "http://127.0.0.1:8080/v1", "self-hosted", "tgi", map[string]string{}
		},
	}, {
		name:    "every problem at once",
		spec:    targets.Spec{Preset: "together", Protocol: "grpc", Kind: "cloud", ExtraBody: map[string]any{"min_tokens": 5, "stream_options": map[string]any{"continuous_usage_stats": true}}, AllowFields: []string{"top_k"}, Timeouts: targets.TimeoutSpec{Idle: -time.Second}, Retries: targets.RetrySpec{Max: -1}, APIVersion: "2024-10-21"},
		wantErr: []string{"protocol: unknown protocol \"grpc\"", "kind: \"cloud\"", "model: required", "api_version: only the azure-openai preset", "allow_fields: \"top_k\" is not an engine-only field", "extra_body: min_tokens is an engine-only field that together does not accept", "extra_body: continuous_usage_stats is an engine-only field", "timeouts.idle: -1s is negative", "retries.max: want 0 to 100 retries, got -1"},
	}, {
		name:    "azure needs a base URL",
		spec:    targets.Spec{Preset: "azure-openai", Model: "gpt-4o"},
		wantErr: []string{"base_url: required: preset azure-openai has no default base URL"},
	}, {
		name:    "no key in the URL",
		spec:    targets.Spec{BaseURL: "https://user:sk-secret@api.example.com/v1", Model: "m"},
		wantErr: []string{"base_url: must not carry user info"},
	}, {
		name:    "per-token and GPU prices together",
		spec:    targets.Spec{Preset: "vllm", Model: "m", Price: &prices.Spec{InputPer1M: ptr(1.0), GPUs: &prices.GPUSpec{Type: "H100", Count: 1}}},
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
				var fe *targets.FieldError
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
				p, _ := targets.LookupPreset(tt.spec.Preset)
				want.AllowFields = p.AllowFields
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("resolved (-want +got):\n%s", d)
			}
		})
	}
}

func TestNewMissingKeyNamesVariable(t *testing.T) {
	_, err := targets.New(targets.Spec{Preset: "anthropic", Model: "claude"}, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "$ANTHROPIC_API_KEY is not set") || !strings.Contains(err.Error(), "api.anthropic.com") {
		t.Fatalf("err = %v", err)
	}
	// A loopback engine needs no key, even with a variable named.
	if _, err := targets.New(targets.Spec{BaseURL: "http://localhost:8000/v1", Model: "m", APIKeyEnv: "NOPE"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
}

func TestAzureRequest(t *testing.T) {
	tgt, got := serveSpec(t, targets.Spec{Preset: "azure-openai", APIVersion: "2025-01-01-preview"}, "/openai/deployments/gpt4o",
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
		tgt, got := serveSpec(t, targets.Spec{Preset: tc.preset}, "/v1", "/v1/chat/completions", func(s *sse) {
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

func TestParseFile(t *testing.T) {
	files, _ := filepath.Glob("testdata/targets/*.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			specs, err := targets.LoadFile(f)
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
	specs, err := targets.LoadFile("../examples/targets.yaml")
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
		specs, err := targets.ParseFile("f.yaml", data)
		if err == nil && len(specs) == 0 {
			t.Fatal("no error and no targets")
		}
		if err != nil && !strings.HasPrefix(err.Error(), "f.yaml") {
			t.Fatalf("error without the file name: %v", err)
		}
	})
}
