package targets

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestMergeJSONObject(t *testing.T) {
	f := func(k, v string) bodyField { return bodyField{k, json.RawMessage(v)} }
	tests := []struct {
		name    string
		body    string
		patch   []bodyField
		want    string
		wantErr bool
	}{
		{"splice", `{"model":"m","stream":true}`, []bodyField{f("temperature", "0"), f("max_tokens", "5")},
			`{"model":"m","stream":true,"temperature":0,"max_tokens":5}`, false},
		{"splice into empty object", ` { } `, []bodyField{f("a", "1")}, `{ "a":1}`, false},
		{"collision replaces", `{"model":"m","stream_options":{"include_usage":true}}`,
			[]bodyField{f("stream_options", `{"continuous_usage_stats":true}`), f("top_k", "1")},
			`{"model":"m","stream_options":{"continuous_usage_stats":true},"top_k":1}`, false},
		{"key that json escapes", `{"model":"m"}`, []bodyField{f("a<b", "1")}, `{"a\u003cb":1,"model":"m"}`, false},
		{"key named in content falls back safely", `{"messages":[{"content":"\"top_k\":"}]}`, []bodyField{f("top_k", "2")},
			`{"messages":[{"content":"\"top_k\":"}],"top_k":2}`, false},
		{"not an object", `[1]`, []bodyField{f("a", "1")}, ``, true},
		{"broken object", `{"a":}`, []bodyField{f("a", "1")}, ``, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mergeJSONObject([]byte(tc.body), tc.patch)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err == nil && string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if err == nil && !json.Valid(got) {
				t.Errorf("invalid JSON %s", got)
			}
		})
	}
}

func TestSSEBody(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantDone bool
		wantErr  string
	}{
		{"done", "data: {}\n\ndata: [DONE]\n\n", true, ""},
		{"done no space, crlf", "data:{}\r\n\r\ndata:[DONE]\r\n\r\n", true, ""},
		{"no done", "data: {}\n\n", false, ""},
		{"done without newline is not a line", "data: {}\n\ndata: [DONE]", false, ""},
		{"done inside content", `data: {"content":"data: [DONE]"}` + "\n\n", false, ""},
		{"comment", ": data: [DONE]\n\n", false, ""},
		{"error line", "data: {\"error\": {\"message\": \"oom\"}}\n\ndata: [DONE]\n\n", true, `{"error": {"message": "oom"}}`},
		{"first error line kept", "data: {\"error\": 1}\ndata: {\"error\": 2}\n", false, `{"error": 1}`},
		{"long line then done", "data: " + strings.Repeat("x", 3*maxSSELine) + "\ndata: [DONE]\n", true, ""},
		{"long line ending like done", "data: " + strings.Repeat("x", 3*maxSSELine) + "[DONE]\n", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// One byte per read: every line is split across reads.
			s := &sseBody{rc: io.NopCloser(iotest.OneByteReader(strings.NewReader(tc.body)))}
			got, err := io.ReadAll(s)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.body {
				t.Errorf("body changed")
			}
			if s.sawDone != tc.wantDone || s.errLine != tc.wantErr {
				t.Errorf("sawDone %v errLine %q, want %v %q", s.sawDone, s.errLine, tc.wantDone, tc.wantErr)
			}
		})
	}
}
