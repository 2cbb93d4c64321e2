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

// TestInspectObserved: inspect summarises what the upstream answered
// beside the max_tokens asked for: output lengths over every observed
// row, input lengths and the input:output mix over those with usage. A
// recording whose first line has a prompt is still read as native.
func TestInspectObserved(t *testing.T) {
	in := `{"prompt":"a","max_tokens":500,"at_ms":0,"observed":{"input_tokens":100,"output_tokens":20,"source":"usage"}}
{"prompt":"b","max_tokens":500,"at_ms":1000,"observed":{"input_tokens":300,"output_tokens":60,"reasoning_tokens":10,"source":"usage","streamed":true}}
{"prompt":"c","max_tokens":500,"at_ms":2000,"observed":{"output_tokens":7,"source":"chunks","streamed":true}}
{"prompt":"d","max_tokens":500,"at_ms":3000}
`
	rr, err := NewRowReader(strings.NewReader(in), "rec.jsonl", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Inspect(rr)
	if err != nil {
		t.Fatal(err)
	}
	o := s.Observed
	if o == nil || o.Rows != 3 || o.FromChunks != 1 || o.Streamed != 2 || o.ReasoningTokens != 10 || o.UsageInput != 400 || o.UsageOutput != 80 {
		t.Fatalf("observed %+v", o)
	}
	if o.OutputTokens != (LengthStats{Mean: 29, P50: 20, P90: 60, P99: 60, Max: 60, Sum: 87}) ||
		o.InputTokens != (LengthStats{Mean: 200, P50: 100, P90: 300, P99: 300, Max: 300, Sum: 400}) {
		t.Errorf("lengths: output %+v, input %+v", o.OutputTokens, o.InputTokens)
	}
	if s.OutputTokens.Max != 500 {
		t.Errorf("output (asked) %+v, want max_tokens", s.OutputTokens)
	}
	var b bytes.Buffer
	if err := s.WriteText(&b, "rec.jsonl"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"observed output", "observed input", "in 3 of 4 rows:\n 2 by its usage, 1 by stream chunks",
		"observed mix: input:output 83.3%:16.7%"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}
