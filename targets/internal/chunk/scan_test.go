package chunk

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recordedEvents is the data of every event of every recorded stream in
// targets/testdata/streams (written from the providers' documented
// formats, or recorded from the simulator), by file name. Every event of
// these streams is one data line, and none is cut off, so their data lines
// are the events the targets package's SSE reader reads.
func recordedEvents(tb testing.TB) map[string][][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "streams", "*.sse"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no recorded streams: %v", err)
	}
	out := map[string][][]byte{}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			line = bytes.TrimSuffix(line, []byte("\r"))
			if data, ok := bytes.CutPrefix(line, []byte("data:")); ok {
				out[filepath.Base(name)] = append(out[filepath.Base(name)], bytes.TrimPrefix(data, []byte(" ")))
			}
		}
	}
	return out
}

// chunkShapes are events at the scanner's edges: each must either be
// declined or read exactly as the full decode reads it.
var chunkShapes = []string{
	`{"choices":[{"delta":{"content":"a"},"finish_reason":null}]}`,
	`{"choices":[{"delta":{"content":"\ud83d\ude00 \ud83d x \ude00 \u0041\/\b\f\r\t"}}]}`,
	"{\"choices\":[{\"delta\":{\"reasoning\":\"\xff\xc3\xa9\xe2\x82\"}}]}",
	`{"choices":[{"delta":{"reasoning":"b","reasoning_content":""}}]}`,
	`{"choices":[{"delta":{"content":"a","refusal":"b"}}]}`,
	`{"choices":[{"delta":{"content":"a"}},{"delta":{"reasoning":"b"}}]}`,
	`{"choices":[{"delta":{"content":"a"}}],"choices":[{"finish_reason":"stop"}]}`, // duplicate: encoding/json merges
	`{"Choices":[{"delta":{"content":"a"}}]}`,                                      // case-folded key
	`{"choices":[{"Delta":{"CONTENT":"a"}}]}`,
	`{"choices":[{"delta":{"ſontent":"a"}}],"uſage":{"prompt_tokens":1}}`, // folds to "content", "usage" in Unicode
	`{"choices":[{"delta":{"content":"a"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}}`,
	`{"choices":[{"delta":{"cont\u0065nt":"a"}}]}`,
	`{"choices":[{"delta":{"content":"\u0000"},"finish_reason":"st\u006fp"}]}`,
	`{"choices":[{"delta":{"content":"\x"}}]}`,
	"{\"choices\":[{\"delta\":{\"content\":\"a\tb\"}}]}",
	"{\"choices\":[{\"finish_reason\":\"\xff\xfe\"}]}",
	`{"choices":[{"finish_reason":"stop"},{"finish_reason":""},{"finish_reason":"length"},null]}`,
	`{"choices":[{"delta":{"tool_calls":[]}}]}`,
	`{"choices":[{"delta":{"tool_calls":[ ]}}]}`,
	`{"choices":[{"delta":{"tool_calls":null,"content":null,"refusal":"no"}}]}`,
	`{"choices":[{"delta":{"content":[{"type":"text","text":"x"}]}}]}`,
	`{"choices":[{"delta":{"content":[{"type":"thinking","thinking":"hm"}]}}]}`,
	`{"choices":[{"delta":{"content":[{"type":"thinking","thinking":[{"type":"text","text":""}]},{"type":"image_url"}]}}]}`,
	`{"choices":[{"delta":{"content":{"type":"text"}}}]}`,
	`{"choices":[{"delta":{"content":5}}]}`,
	`{"choices":[{"text":"","index":0,"logprobs":{"tokens":["a"],"token_logprobs":[-0.1e-3],"top_logprobs":[{"a":-1E+2}]}}]}`,
	`{"usage":{"prompt_tokens":1.0,"completion_tokens":2}}`,
	`{"usage":{"prompt_tokens":1e2}}`,
	`{"usage":{"prompt_tokens":-0,"completion_tokens":-7}}`,
	`{"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":-9223372036854775808}}`,
	`{"usage":{"prompt_tokens":9223372036854775808}}`,
	`{"usage":{"prompt_tokens":01}}`,
	`{"usage":{"prompt_tokens":"3"}}`,
	`{"usage":{"prompt_tokens_details":null,"completion_tokens_details":{"reasoning_tokens":4,"audio_tokens":0}}}`,
	`{"usage":{"prompt_tokens_details":{"cached_tokens":2,"cached_tokens":3}}}`,
	`{"usage":{}}`,
	`{"usage":[]}`,
	`{"error":null,"object":"chat.completion.chunk","message":null}`,
	`{"error":{"message":"oom"},"usage":{"prompt_tokens":3,"completion_tokens":1}}`,
	`{"object":"error","message":"bad"}`,
	`{"object":"\u0065rror","message":"bad"}`,
	`{"message":5}`,
	`{}`, ` { } `, `{"a":[1,2,{"b":[true,false,null]}]}`,
	`[DONE]`, `null`, `[]`, `""`, ``, ` `, `{`, `{"a":1,}`, `{"a":1}x`, `{"a" 1}`, `{"a":tru}`, `{"a":-}`, `{"a":1.}`, `{"a":.5}`,
	`{"a":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`,
	`{"a":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`,
}

// FuzzScan checks the hot path against the full decode: whenever
// Scan takes an event, Decode must read it without error and
// find the same facts. Seeds: every recorded stream's events and the
// edge shapes above.
func FuzzScan(f *testing.F) {
	for _, evs := range recordedEvents(f) {
		for _, ev := range evs {
			f.Add(ev)
		}
	}
	for _, s := range chunkShapes {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkScanAgrees(t, b)
	})
}

func checkScanAgrees(t *testing.T, b []byte) bool {
	t.Helper()
	var fast, full Facts
	took := Scan(b, &fast)
	err := Decode(b, &full) // also when declined: it must not panic
	if !took {
		return false
	}
	if err != nil {
		t.Fatalf("Scan took %q, Decode failed: %v", b, err)
	}
	if fast = withText(b, fast); fast != full {
		t.Fatalf("%q:\nscan %+v\nfull %+v", b, fast, full)
	}
	return true
}

// withText is the scanner's facts f of event b with the text its spans
// mark decoded into outText and reasonText (as the full decode keeps it),
// and the spans cleared.
func withText(b []byte, f Facts) Facts {
	if !f.outSpan.empty() {
		f.outText = string(f.outSpan.appendText(nil, b))
	}
	if !f.reasonSpan.empty() {
		f.reasonText = string(f.reasonSpan.appendText(nil, b))
	}
	f.outSpan, f.reasonSpan = span{}, span{}
	return f
}

// TestScanTakesRecordedStreams: the hot path takes every event of the
// recorded streams of ordinary chat and completions traffic (so the fast
// path is the path), agreeing with the full decode; and declines the
// events it must leave to it.
func TestScanTakesRecordedStreams(t *testing.T) {
	evs := recordedEvents(t)
	for _, name := range []string{"chat-openai.sse", "chat-vllm-reasoning.sse", "chat-ollama.sse", "chat-sim.sse",
		"completions-vllm.sse", "completions-sim.sse"} {
		if len(evs[name]) == 0 {
			t.Fatalf("%s: no events", name)
		}
		for _, ev := range evs[name] {
			if string(ev) == "[DONE]" {
				continue
			}
			if !checkScanAgrees(t, ev) {
				t.Errorf("%s: the scanner declined %s", name, ev)
			}
		}
	}
	declined := map[string]string{
		"chat-tool-calls.sse":             `"tool_calls":[{`,
		"chat-mistral-thinking.sse":       `"content":[`,
		"chat-openrouter-error-usage.sse": `"error":{`,
	}
	for name, mark := range declined {
		n := 0
		for _, ev := range evs[name] {
			if bytes.Contains(ev, []byte(mark)) {
				n++
				if checkScanAgrees(t, ev) {
					t.Errorf("%s: the scanner took %s", name, ev)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no event with %s", name, mark)
		}
	}
}

func TestScanFacts(t *testing.T) {
	tests := []struct {
		event string
		want  Facts
	}{
		{`{"choices":[{"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}`, Facts{}},
		{`{"choices":[{"delta":{"content":"Hi"}}]}`, Facts{Output: true, outText: "Hi"}},
		{`{"choices":[{"delta":{"content":"a\"\n\u00e9\ud83d\ude00\ud800x"}}]}`, Facts{Output: true, outText: "a\"\né😀\uFFFDx"}},
		{`{"choices":[{"delta":{"reasoning":"hm"}},{"delta":{"reasoning_content":""}}]}`, Facts{Reasoning: true, reasonText: "hm"}},
		{`{"choices":[{"delta":{"reasoning":"b","reasoning_content":"a"}}]}`, Facts{Reasoning: true, reasonText: "a"}},
		{`{"choices":[{"text":" x","finish_reason":"length"}]}`, Facts{Output: true, outText: " x", Finish: "length"}},
		{`{"choices":[{"delta":{"refusal":"no"},"finish_reason":"content_filter"}]}`, Facts{Output: true, outText: "no", Finish: "content_filter"}},
		{`{"choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":6}}}`,
			Facts{HasUsage: true, Prompt: 19, Completion: 10, Cached: 4, ReasoningTokens: 6}},
		{`{"choices":[{"finish_reason":"weird_reason"}],"usage":{}}`, Facts{Finish: "weird_reason", HasUsage: true}},
	}
	for _, tc := range tests {
		var got Facts
		if !Scan([]byte(tc.event), &got) {
			t.Errorf("declined %s", tc.event)
			continue
		}
		if got = withText([]byte(tc.event), got); got != tc.want {
			t.Errorf("%s:\ngot  %+v\nwant %+v", tc.event, got, tc.want)
		}
	}
	for _, s := range chunkShapes {
		checkScanAgrees(t, []byte(s))
	}
	// Two texts of a kind in one event are left to the full decode,
	// which joins them.
	for _, ev := range []string{
		`{"choices":[{"delta":{"content":"a","refusal":"b"}}]}`,
		`{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]}`,
		`{"choices":[{"delta":{"reasoning":"a"}},{"delta":{"reasoning_content":"b"}}]}`,
	} {
		var f Facts
		if Scan([]byte(ev), &f) {
			t.Errorf("took %s", ev)
		}
	}
}

// TestScanAllocs: the hot path allocates nothing per event.
func TestScanAllocs(t *testing.T) {
	ev := []byte(`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" tok"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1}}`)
	var f Facts
	if n := testing.AllocsPerRun(100, func() { Scan(ev, &f) }); n != 0 {
		t.Errorf("%v allocations per event", n)
	}
}
