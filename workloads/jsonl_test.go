package workloads

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadJSONLValid(t *testing.T) {
	in := `{"id":"a","prompt":"hi","max_tokens":5,"at_ms":1.5}
# a comment

{"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"}],"session_id":"s1","turn":2,"temperature":0}
`
	reqs, err := ReadJSONL(strings.NewReader(in), "w.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 2 {
		t.Fatalf("got %d requests", len(reqs))
	}
	if reqs[0].ID != "a" || reqs[0].MaxTokens != 5 || *reqs[0].AtMs != 1.5 || reqs[0].Index != 0 {
		t.Errorf("req 0 = %+v", reqs[0])
	}
	// The default id is the line number.
	if reqs[1].ID != "4" || reqs[1].Index != 1 || reqs[1].SessionID != "s1" || reqs[1].Turn != 2 {
		t.Errorf("req 1 = %+v", reqs[1])
	}
	if reqs[1].Temperature == nil || *reqs[1].Temperature != 0 {
		t.Errorf("temperature 0 lost: %v", reqs[1].Temperature)
	}
	if got := reqs[1].Text(); got != "s\nu" {
		t.Errorf("Text() = %q", got)
	}
	if m := reqs[0].ChatMessages(); len(m) != 1 || m[0].Role != "user" || m[0].Content != "hi" {
		t.Errorf("ChatMessages() = %v", m)
	}
}

func TestReadJSONLErrors(t *testing.T) {
	in := `{"prompt":"ok"}
{"prompt":
{"max_tokens":3}
{"prompt":"x","messages":[{"role":"user","content":"y"}]}
{"prompt":"x","max_tokens":-1}
{"prompt":"x","at_ms":-2}
{"messages":[{"role":"robot","content":"y"}]}
{"prompt":"x","max_tokens":"ten"}
{"prompt":"x","colour":"red"}
{"prompt":"x"} {"prompt":"y"}
`
	_, err := ReadJSONL(strings.NewReader(in), "bad.jsonl")
	if err == nil {
		t.Fatal("bad file accepted")
	}
	for _, want := range []string{
		"bad.jsonl:2: truncated JSON",
		`bad.jsonl:3: need "messages" or "prompt"`,
		`bad.jsonl:4: give "messages" or "prompt", not both`,
		`bad.jsonl:5: "max_tokens" must be from 0 to 10000000, got -1`,
		`bad.jsonl:6: "at_ms" must be from 0 to 31622400000 (a year), got -2`,
		`bad.jsonl:7: messages[0]: unknown role "robot"`,
		`bad.jsonl:8: field "max_tokens": want int`,
		`bad.jsonl:9: unknown key "colour" (native keys:`,
		`bad.jsonl:10: more than one JSON value`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "bad.jsonl:1:") {
		t.Errorf("valid line 1 reported: %v", err)
	}
}

func TestReadJSONLEmpty(t *testing.T) {
	_, err := ReadJSONL(strings.NewReader("\n# nothing\n"), "e.jsonl")
	if !errors.Is(err, ErrEmpty) {
		t.Fatalf("err = %v, want ErrEmpty", err)
	}
}

func TestReadJSONLCapsReportedErrors(t *testing.T) {
	in := strings.Repeat("{}\n", 50)
	_, err := ReadJSONL(strings.NewReader(in), "many.jsonl")
	if err == nil || !strings.Contains(err.Error(), "and 30 more bad lines") {
		t.Fatalf("err = %v", err)
	}
}

func TestWriteJSONLRoundTrip(t *testing.T) {
	reqs := Sample()[:5]
	var b strings.Builder
	if err := WriteJSONL(&b, reqs); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSONL(strings.NewReader(b.String()), "rt")
	if err != nil {
		t.Fatal(err)
	}
	for i := range reqs {
		if back[i].ID != reqs[i].ID || back[i].Text() != reqs[i].Text() || back[i].MaxTokens != reqs[i].MaxTokens || *back[i].AtMs != *reqs[i].AtMs {
			t.Errorf("request %d changed in the round trip", i)
		}
	}
}

func TestSample(t *testing.T) {
	reqs := Sample()
	if len(reqs) != 300 {
		t.Fatalf("sample has %d requests, want 300", len(reqs))
	}
	var prev float64
	for i, r := range reqs {
		if r.AtMs == nil || *r.AtMs < prev {
			t.Fatalf("request %d: at_ms missing or decreasing", i)
		}
		prev = *r.AtMs
		if r.MaxTokens <= 0 || r.InputTokens <= 0 || len(r.Messages) != 1 {
			t.Fatalf("request %d incomplete: %+v", i, r)
		}
		// About 4 bytes per intended token (the instruction alone is longer
		// than the shortest prompts).
		if n := len(r.Text()); r.InputTokens > 20 && (n < r.InputTokens*3 || n > r.InputTokens*5) {
			t.Errorf("request %d: %d bytes for %d tokens", i, n, r.InputTokens)
		}
	}
	// First row of the Azure 2023 conversation trace: 374 in, 44 out.
	if reqs[0].InputTokens != 374 || reqs[0].MaxTokens != 44 {
		t.Errorf("first request %d/%d, want 374/44", reqs[0].InputTokens, reqs[0].MaxTokens)
	}
}

func FuzzReadJSONL(f *testing.F) {
	f.Add(`{"prompt":"x","max_tokens":3}`)
	f.Add(`{"messages":[{"role":"user","content":"y"}],"at_ms":1e3}`)
	f.Add("{\"prompt\":\"\\u0000\"}\r\n#\n")
	f.Add(`{"prompt":1}`)
	f.Fuzz(func(t *testing.T, s string) {
		reqs, err := ReadJSONL(strings.NewReader(s), "f")
		if err == nil {
			for _, r := range reqs {
				if r.Prompt == "" && len(r.Messages) == 0 {
					t.Fatalf("accepted a request with nothing to send: %q", s)
				}
			}
		}
	})
}

// TestNativeUnknownKeys: a misspelled key is an error naming the file, the
// line and the key it was probably meant to be, never a silent default
// (the format stays native whatever the key).
func TestNativeUnknownKeys(t *testing.T) {
	in := `# a comment line first
{"id":"t","prompt":"hello","max_token":100}
{"prompt":"x","sesion_id":"s1"}
{"prompt":"x","atms":5}
{"prompt":"x","temprature":0.5}
{"prompt":"x","extras":{"top_p":1}}
{"messages":[{"role":"user","contnet":"hi"}]}
`
	path := filepath.Join(t.TempDir(), "typo.jsonl")
	if err := os.WriteFile(path, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, ImportOptions{})
	if err == nil {
		t.Fatal("misspelled keys accepted")
	}
	for _, want := range []string{
		`typo.jsonl:2: unknown key "max_token" (did you mean "max_tokens"?)`,
		`typo.jsonl:3: unknown key "sesion_id" (did you mean "session_id"?)`,
		`typo.jsonl:4: unknown key "atms" (did you mean "at_ms"?)`,
		`typo.jsonl:5: unknown key "temprature" (did you mean "temperature"?)`,
		`typo.jsonl:6: unknown key "extras" (did you mean "extra"?)`,
		`typo.jsonl:7: unknown key "contnet" (did you mean "content"?)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestNativeBounds: the numbers of a native line are bounded like flags.
func TestNativeBounds(t *testing.T) {
	for _, line := range []string{
		`{"prompt":"x","max_tokens":1000000000000}`,
		`{"prompt":"x","input_tokens":-1}`,
		`{"prompt":"x","input_tokens":1000000000000}`,
		`{"prompt":"x","at_ms":1e300}`,
		`{"prompt":"x","temperature":-1}`,
		`{"prompt":"x","temperature":1e300}`,
	} {
		if _, err := ReadJSONL(strings.NewReader(line), "b.jsonl"); err == nil || !strings.Contains(err.Error(), "b.jsonl:1: ") {
			t.Errorf("%s: err = %v", line, err)
		}
	}
	ok := `{"prompt":"x","max_tokens":10000000,"input_tokens":0,"at_ms":0,"temperature":2}`
	if _, err := ReadJSONL(strings.NewReader(ok), "b.jsonl"); err != nil {
		t.Errorf("bounds rejected: %v", err)
	}
}
