package workloads

import (
	"bytes"
	"strings"
	"testing"
)

// TestObservedRoundTrip: a recorded request's observed usage is read and
// written back as it was; a count that cannot be is a line error.
func TestObservedRoundTrip(t *testing.T) {
	in := `{"id":"1","prompt":"hi","max_tokens":500,"observed":{"input_tokens":12,"output_tokens":40,"reasoning_tokens":30,"source":"usage","streamed":true}}
{"id":"2","prompt":"hi","observed":{"output_tokens":7,"source":"chunks","streamed":true}}
{"id":"3","prompt":"hi"}
`
	reqs, err := ReadJSONL(strings.NewReader(in), "w.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if o := reqs[0].Observed; o == nil || *o != (Observed{InputTokens: 12, OutputTokens: 40, ReasoningTokens: 30, Source: ObservedFromUsage, Streamed: true}) {
		t.Errorf("request 1 observed %+v", o)
	}
	if reqs[2].Observed != nil {
		t.Errorf("request 3 observed %+v, want none", reqs[2].Observed)
	}
	var b bytes.Buffer
	if err := WriteJSONL(&b, reqs); err != nil {
		t.Fatal(err)
	}
	if b.String() != in {
		t.Errorf("written back:\n%s\nwant:\n%s", b.String(), in)
	}
	bad := `{"prompt":"x","observed":{"output_tokens":-1,"source":"usage"}}
{"prompt":"x","observed":{"output_tokens":1,"source":"guess"}}
{"prompt":"x","observed":{"output_tokens":1,"reasoning_tokens":2,"source":"usage"}}
{"prompt":"x","observed":{"output_tokens":1,"source":"usage","colour":"red"}}
`
	_, err = ReadJSONL(strings.NewReader(bad), "bad.jsonl")
	for _, want := range []string{`bad.jsonl:1: "observed" token counts must be >= 0`, `bad.jsonl:2: "observed": source "guess"`,
		`bad.jsonl:3: "observed": reasoning_tokens (2)`, `bad.jsonl:4: `, `colour`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
