package targets

import (
	"encoding/json"
	"testing"
)

func TestEncodeFields(t *testing.T) {
	f := func(k, v string) bodyField { return bodyField{k, json.RawMessage(v)} }
	tests := []struct {
		name   string
		fields []bodyField
		add    []bodyField
		want   string
	}{
		{"append in order", []bodyField{f("model", `"m"`), f("stream", "true")}, []bodyField{f("temperature", "0"), f("max_tokens", "5")},
			`{"model":"m","stream":true,"temperature":0,"max_tokens":5}`},
		{"empty", nil, []bodyField{f("a", "1")}, `{"a":1}`},
		{"a field of the same key is replaced in place", []bodyField{f("model", `"m"`), f("stream_options", `{"include_usage":true}`)},
			[]bodyField{f("stream_options", `{"continuous_usage_stats":true}`), f("top_k", "1")},
			`{"model":"m","stream_options":{"continuous_usage_stats":true},"top_k":1}`},
		{"a key that JSON escapes", []bodyField{f("model", `"m"`)}, []bodyField{f("a<b", "1"), f(`q"`, "2"), f("", "3")},
			`{"model":"m","a\u003cb":1,"q\"":2,"":3}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := encodeObject(setFields(tc.fields, tc.add...))
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if !json.Valid(got) {
				t.Errorf("invalid JSON %s", got)
			}
		})
	}
}
