package chunk

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// span is where a JSON string's contents (between its quotes) lie in an
// event: bytes [lo, hi); esc says they hold escapes. The zero span marks
// no string.
type span struct {
	lo, hi int32
	esc    bool
}

func (s span) empty() bool { return s.hi == 0 }

// appendText appends the decoded string s marks in data to dst.
func (s span) appendText(dst, data []byte) []byte {
	return appendJSONText(dst, data[s.lo:s.hi], s.esc)
}

// appendJSONText appends the string whose JSON contents are raw (already
// checked: valid escapes, no control characters) to dst, decoded as
// encoding/json decodes it: escapes resolved, a \u surrogate pair joined,
// a lone surrogate and each invalid UTF-8 byte replaced by U+FFFD. Plain
// valid UTF-8 (nearly every event) is copied as it is.
func appendJSONText(dst, raw []byte, esc bool) []byte {
	if !esc && utf8.Valid(raw) {
		return append(dst, raw...)
	}
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\' && i+1 < len(raw):
			switch e := raw[i+1]; e {
			case 'b':
				dst, i = append(dst, '\b'), i+2
			case 'f':
				dst, i = append(dst, '\f'), i+2
			case 'n':
				dst, i = append(dst, '\n'), i+2
			case 'r':
				dst, i = append(dst, '\r'), i+2
			case 't':
				dst, i = append(dst, '\t'), i+2
			case 'u':
				r := hex4(raw[i:])
				i += 6
				if utf16.IsSurrogate(r) {
					if d := utf16.DecodeRune(r, hex4(raw[i:])); d != unicode.ReplacementChar {
						dst, i = utf8.AppendRune(dst, d), i+6
						break
					}
					r = unicode.ReplacementChar
				}
				dst = utf8.AppendRune(dst, r)
			default: // " \ /
				dst, i = append(dst, e), i+2
			}
		case c < utf8.RuneSelf:
			dst, i = append(dst, c), i+1
		default:
			r, n := utf8.DecodeRune(raw[i:])
			dst, i = utf8.AppendRune(dst, r), i+n
		}
	}
	return dst
}

// hex4 is the rune of a \uXXXX escape at the start of b, or -1.
func hex4(b []byte) rune {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
