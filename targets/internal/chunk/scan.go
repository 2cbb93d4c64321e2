package chunk

// Scan finds the facts of an OpenAI chunk event (chat or legacy
// completions) in one pass over its bytes, without decoding it or
// allocating: the hot path, one call per streamed token.
//
// It reports false when it is not sure, and the caller decodes the event
// in full (Decode): invalid JSON; a value of a type it does not
// expect; an error event (an "error" that is not null, or "object":
// "error"); content as an array of parts; tool calls; a number that is
// not a plain int64; a duplicate key, or a key that is escaped, not ASCII,
// or equal to a field name only case-insensitively, where encoding/json
// would read it into a field; a finish_reason that is escaped or not
// ASCII; nesting deeper than maxScanDepth; more than one non-empty output
// text (content, refusal, legacy text) or reasoning text in one event
// (several choices, or content and refusal together), which the full
// decode joins. Whenever it reports true, the full decode gives the same
// facts, texts included: FuzzScan checks it.
func Scan(b []byte, f *Facts) bool {
	*f = Facts{}
	s := chunkScanner{b: b}
	var seen uint32
	ok := s.object(func(key []byte) bool {
		k, ok := known(key, chunkKeys[:], &seen)
		if !ok {
			return false
		}
		switch k {
		case keyObject:
			raw, plain, ok := s.stringOrNull()
			return ok && plain && string(raw) != "error"
		case keyChoices:
			return s.choices(f)
		case keyUsage:
			return s.usage(f)
		case keyError:
			return s.null()
		case keyMessage:
			_, _, ok := s.stringOrNull()
			return ok
		}
		return s.skip(0)
	})
	s.ws()
	return ok && s.i == len(s.b)
}

// Field names of each object the scanner reads, as chunk's types name
// them; the order gives the key constants.
var (
	chunkKeys  = [...]string{"object", "choices", "usage", "error", "message"}
	choiceKeys = [...]string{"delta", "text", "finish_reason"}
	deltaKeys  = [...]string{"content", "refusal", "tool_calls", "reasoning_content", "reasoning"}
	usageKeys  = [...]string{"prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details"}
	cachedKeys = [...]string{"cached_tokens"}
	reasonKeys = [...]string{"reasoning_tokens"}
)

// unknownKey is known's index of a key that names no field.
const unknownKey = -1

const (
	keyObject = iota
	keyChoices
	keyUsage
	keyError
	keyMessage
)

// maxScanDepth bounds the nesting the scanner skips over (encoding/json's
// bound is 10000; deeper events go to the full decode).
const maxScanDepth = 64

// chunkScanner is a position in one event's bytes.
type chunkScanner struct {
	b []byte
	i int
}

// ws skips JSON whitespace.
func (s *chunkScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// eat consumes c after whitespace, if it is next.
func (s *chunkScanner) eat(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// lit consumes the literal word, if it is next.
func (s *chunkScanner) lit(word string) bool {
	s.ws()
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

func (s *chunkScanner) null() bool { return s.lit("null") }

// known looks key up among the names of one object's fields: its index,
// or unknownKey. It fails (the full decode must read the event) on a key
// seen before in this object, and on one that encoding/json could match
// to a field other than exactly: escaped, not ASCII, or equal to a name
// but for case.
func known(key []byte, names []string, seen *uint32) (int, bool) {
	for i, n := range names {
		if string(key) == n {
			if *seen&(1<<i) != 0 {
				return 0, false
			}
			*seen |= 1 << i
			return i, true
		}
	}
	for _, c := range key {
		if c == '\\' || c >= 0x80 {
			return 0, false
		}
	}
	for _, n := range names {
		if asciiEqualFold(key, n) {
			return 0, false
		}
	}
	return unknownKey, true
}

func asciiEqualFold(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// object reads an object, calling field with each key (raw, between its
// quotes) and the scanner at its value, which field must consume.
func (s *chunkScanner) object(field func(key []byte) bool) bool {
	if !s.eat('{') {
		return false
	}
	if s.eat('}') {
		return true
	}
	for {
		s.ws()
		key, _, ok := s.str()
		if !ok || !s.eat(':') || !field(key) {
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat('}')
	}
}

// array reads an array, calling elem with the scanner at each element.
func (s *chunkScanner) array(elem func() bool) bool {
	if !s.eat('[') {
		return false
	}
	if s.eat(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat(']')
	}
}

// str reads a string at the position (no whitespace first), checking it
// as encoding/json does: no control characters, valid escapes. raw is
// the bytes between the quotes; plain says it has no escapes. Bytes of
// invalid UTF-8 are accepted, as encoding/json accepts them; the decoded
// string is empty exactly when raw is.
func (s *chunkScanner) str() (raw []byte, plain, ok bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, false
	}
	start := s.i + 1
	plain = true
	for i := start; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '"':
			s.i = i + 1
			return s.b[start:i], plain, true
		case c < 0x20:
			return nil, false, false
		case c == '\\':
			plain = false
			i++
			if i >= len(s.b) {
				return nil, false, false
			}
			switch s.b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(s.b) {
					return nil, false, false
				}
				for _, h := range s.b[i+1 : i+5] {
					if !isHex(h) {
						return nil, false, false
					}
				}
				i += 4
			default:
				return nil, false, false
			}
		}
	}
	return nil, false, false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// stringOrNull reads a string or null (raw nil, plain true).
func (s *chunkScanner) stringOrNull() (raw []byte, plain, ok bool) {
	if s.null() {
		return nil, true, true
	}
	s.ws()
	return s.str()
}

// textSpan reads a string or null; a non-empty string sets has and is
// marked in sp. It fails on a second non-empty string for sp: the event
// has more than one text of a kind, which the full decode joins.
func (s *chunkScanner) textSpan(has *bool, sp *span) bool {
	raw, plain, ok := s.stringOrNull()
	if !ok || len(raw) == 0 {
		return ok
	}
	if !sp.empty() {
		return false
	}
	*has = true
	end := s.i - 1 // the closing quote
	*sp = span{lo: int32(end - len(raw)), hi: int32(end), esc: !plain}
	return true
}

// intOrNull reads an integer that fits int64 into v (null leaves v), as
// encoding/json decodes into an int64; a fraction or an exponent fails.
func (s *chunkScanner) intOrNull(v *int64) bool {
	if s.null() {
		return true
	}
	s.ws()
	i, neg := s.i, false
	if i < len(s.b) && s.b[i] == '-' {
		neg = true
		i++
	}
	start := i
	var n uint64
	for ; i < len(s.b) && '0' <= s.b[i] && s.b[i] <= '9'; i++ {
		if n > (1<<63)/10 {
			return false
		}
		n = n*10 + uint64(s.b[i]-'0')
	}
	switch {
	case i == start, s.b[start] == '0' && i-start > 1:
		return false
	case i < len(s.b) && (s.b[i] == '.' || s.b[i] == 'e' || s.b[i] == 'E'):
		return false
	case neg && n > 1<<63, !neg && n > 1<<63-1:
		return false
	}
	s.i = i
	*v = int64(n)
	if neg {
		*v = -int64(n)
	}
	return true
}

// skip reads any value, checking it as encoding/json would.
func (s *chunkScanner) skip(depth int) bool {
	if depth > maxScanDepth {
		return false
	}
	s.ws()
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(func([]byte) bool { return s.skip(depth + 1) })
	case c == '[':
		return s.array(func() bool { return s.skip(depth + 1) })
	case c == '"':
		_, _, ok := s.str()
		return ok
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	}
	return false
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *chunkScanner) number() bool {
	i := s.i
	digits := func() int {
		start := i
		for i < len(s.b) && '0' <= s.b[i] && s.b[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(s.b) && s.b[i] == '-' {
		i++
	}
	start := i
	if n := digits(); n == 0 || n > 1 && s.b[start] == '0' {
		return false
	}
	if i < len(s.b) && s.b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s.b) && (s.b[i] == 'e' || s.b[i] == 'E') {
		i++
		if i < len(s.b) && (s.b[i] == '+' || s.b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	s.i = i
	return true
}

// choices reads the choices array (or null).
func (s *chunkScanner) choices(f *Facts) bool {
	if s.null() {
		return true
	}
	return s.array(func() bool { return s.null() || s.choice(f) })
}

// choice reads one choice: delta, legacy text and finish_reason.
func (s *chunkScanner) choice(f *Facts) bool {
	var seen uint32
	return s.object(func(key []byte) bool {
		k, ok := known(key, choiceKeys[:], &seen)
		if !ok {
			return false
		}
		switch k {
		case 0: // delta
			return s.null() || s.delta(f)
		case 1: // text
			return s.textSpan(&f.Output, &f.outSpan)
		case 2: // finish_reason
			raw, plain, ok := s.stringOrNull()
			if !ok || !plain {
				return false
			}
			for _, c := range raw {
				if c >= 0x80 {
					return false
				}
			}
			if len(raw) > 0 {
				f.Finish = finishReason(raw)
			}
			return true
		}
		return s.skip(0)
	})
}

// delta reads a choice's delta. reasoning_content and reasoning are two
// names of one text (vLLM's older and newer): reasoning_content's is
// kept when both are there, as the full decode keeps it.
func (s *chunkScanner) delta(f *Facts) bool {
	var seen uint32
	var rc, r span // reasoning_content's and reasoning's text
	ok := s.object(func(key []byte) bool {
		k, ok := known(key, deltaKeys[:], &seen)
		if !ok {
			return false
		}
		switch k {
		case 0, 1: // content (a string: an array of parts is decoded in full), refusal
			return s.textSpan(&f.Output, &f.outSpan)
		case 2: // tool_calls: none, exactly as hasToolCalls sees none
			if s.null() {
				return true
			}
			s.ws()
			if len(s.b)-s.i >= 2 && s.b[s.i] == '[' && s.b[s.i+1] == ']' {
				s.i += 2
				return true
			}
			return false
		case 3: // reasoning_content
			return s.textSpan(&f.Reasoning, &rc)
		case 4: // reasoning
			return s.textSpan(&f.Reasoning, &r)
		}
		return s.skip(0)
	})
	if rc.empty() {
		rc = r
	}
	if !ok || rc.empty() {
		return ok
	}
	if !f.reasonSpan.empty() { // another choice's reasoning: decoded in full
		return false
	}
	f.reasonSpan = rc
	return true
}

// usage reads the usage object (or null).
func (s *chunkScanner) usage(f *Facts) bool {
	if s.null() {
		return true
	}
	f.HasUsage = true
	var seen uint32
	return s.object(func(key []byte) bool {
		k, ok := known(key, usageKeys[:], &seen)
		if !ok {
			return false
		}
		switch k {
		case 0:
			return s.intOrNull(&f.Prompt)
		case 1:
			return s.intOrNull(&f.Completion)
		case 2:
			return s.details(cachedKeys[:], &f.Cached)
		case 3:
			return s.details(reasonKeys[:], &f.ReasoningTokens)
		}
		return s.skip(0)
	})
}

// details reads a usage details object (or null) for its one count.
func (s *chunkScanner) details(names []string, v *int64) bool {
	if s.null() {
		return true
	}
	var seen uint32
	return s.object(func(key []byte) bool {
		k, ok := known(key, names, &seen)
		switch {
		case !ok:
			return false
		case k == 0:
			return s.intOrNull(v)
		}
		return s.skip(0)
	})
}

// finishReason is raw as a string, without allocating for the reasons
// servers send.
func finishReason(raw []byte) string {
	switch string(raw) {
	case "stop":
		return "stop"
	case "length":
		return "length"
	case "tool_calls":
		return "tool_calls"
	case "content_filter":
		return "content_filter"
	case "function_call":
		return "function_call"
	case "eos":
		return "eos"
	case "error":
		return "error"
	}
	return string(raw)
}
