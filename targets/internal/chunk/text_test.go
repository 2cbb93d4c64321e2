package chunk

import "testing"

// TestAppendJSONText decodes strings as encoding/json does; the scanner's
// fuzz test (FuzzScan) checks it on every string it takes.
func TestAppendJSONText(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{`plain`, "plain"},
		{`a\"b\\c\/d\b\f\n\r\t`, "a\"b\\c/d\b\f\n\r\t"},
		{`\u00e9\u4e16`, "é世"},
		{`\ud83d\ude00`, "😀"},
		{`\ud83d`, "\uFFFD"},
		{`\ude00\ud83dx`, "\uFFFD\uFFFDx"},
		{"\xff\xc3\xa9", "\uFFFDé"},
	} {
		esc := tc.raw != "plain" && tc.raw != "\xff\xc3\xa9"
		if got := string(appendJSONText(nil, []byte(tc.raw), esc)); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.raw, got, tc.want)
		}
	}
}
