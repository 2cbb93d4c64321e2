package recorder

import (
	"strings"
	"testing"
)

// TestSettingsConfig: every problem is named as its flag, at once, with
// the upstream's credentials redacted; good settings become the Config.
func TestSettingsConfig(t *testing.T) {
	_, err := Settings{Upstream: "ftp://user:secret@host", Content: "shred", Tokenizer: "nope", RotateBytes: -1}.Config()
	if err == nil {
		t.Fatal("bad settings passed")
	}
	msg := err.Error()
	for _, want := range []string{"--upstream", "want an http or https URL", "need --out", `content mode "shred"`, "nope", "--rotate-requests and --rotate-bytes must be >= 0"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "secret") {
		t.Errorf("error shows the password:\n%s", msg)
	}
	if _, err := (Settings{Out: "x", Tokenizer: "cl100k_base"}).Config(); err == nil || !strings.Contains(err.Error(), "need --upstream") {
		t.Errorf("no upstream: %v", err)
	}
	cfg, err := Settings{Upstream: "https://api.example.com/v1", Out: "w.jsonl", Content: "HASH", Tokenizer: "cl100k_base", RotateRequests: 10, RotateBytes: 1 << 20}.Config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Upstream.Host != "api.example.com" || cfg.Out != "w.jsonl" || cfg.Content != ContentHash || cfg.Tokenizer != "cl100k_base" || cfg.RotateRequests != 10 || cfg.RotateBytes != 1<<20 {
		t.Errorf("config %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("the config it gives does not validate: %v", err)
	}
}
