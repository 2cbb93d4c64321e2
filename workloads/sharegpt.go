package workloads

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// shareGPTSource reads ShareGPT JSON: one array of conversations
// {"id", "conversations": [{"from": "human"|"gpt", "value"}]}, decoded one
// conversation at a time so a multi-gigabyte file streams.
//
// A conversation becomes a session: each human turn k is a request whose
// messages are the whole history before it, recorded assistant answers
// included, plus the turn itself, so turn k+1 carries what turn k was
// answered. The recorded answer's length (under the tokenizer) becomes
// MaxTokens. Assistant turns before the first human turn (split
// conversations start that way) are dropped, because many chat templates
// reject a conversation that does not open with the user; consecutive
// turns of one role are joined with a blank line.
type shareGPTSource struct {
	dec     *json.Decoder
	lines   *lineCounter
	name    string
	tok     *lazyTokenizer
	pending []Row
	started bool
	done    bool
	convs   int
}

func newShareGPTSource(r io.Reader, name string, tok *lazyTokenizer) (*shareGPTSource, error) {
	lc := &lineCounter{r: r}
	s := &shareGPTSource{dec: json.NewDecoder(lc), lines: lc, name: name, tok: tok}
	return s, nil
}

type shareGPTConv struct {
	ID            json.RawMessage `json:"id"`
	Conversations []shareGPTTurn  `json:"conversations"`
}

type shareGPTTurn struct {
	From  string `json:"from"`
	Value string `json:"value"`
	// Some exports use OpenAI's names.
	Role    string `json:"role"`
	Content string `json:"content"`
}

func (s *shareGPTSource) next() (Row, error) {
	for len(s.pending) == 0 {
		if s.done {
			return Row{}, io.EOF
		}
		if err := s.readConversation(); err != nil {
			return Row{}, err
		}
	}
	row := s.pending[0]
	s.pending = s.pending[1:]
	return row, nil
}

func (s *shareGPTSource) errAt(off int64, format string, args ...any) *SyntaxError {
	return &SyntaxError{File: s.name, Line: s.lines.lineAt(off), Msg: fmt.Sprintf(format, args...)}
}

// readConversation decodes the next conversation into pending rows.
func (s *shareGPTSource) readConversation() error {
	if !s.started {
		s.started = true
		t, err := s.dec.Token()
		if err != nil || t != json.Delim('[') {
			s.done = true
			return s.errAt(s.dec.InputOffset(), "want a JSON array of conversations")
		}
	}
	if !s.dec.More() {
		s.done = true
		if _, err := s.dec.Token(); err != nil {
			return s.errAt(s.dec.InputOffset(), "want ] closing the array of conversations")
		}
		return nil
	}
	start := s.dec.InputOffset()
	var c shareGPTConv
	err := s.dec.Decode(&c)
	// start may point at the comma before the value; the value itself is
	// in the buffer now.
	line := s.lines.lineAt(s.lines.skipSpace(start))
	if err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// The decoder has consumed the whole value: the next
			// conversation can still be read.
			return &SyntaxError{File: s.name, Line: line, Msg: "conversation: " + describeJSONError(err)}
		}
		// A syntax error leaves the decoder unusable.
		s.done = true
		return s.errAt(s.dec.InputOffset(), "%s", describeJSONError(err))
	}
	s.convs++
	id := rawID(c.ID, 0)
	if id == "0" {
		id = fmt.Sprintf("conversation-%d", s.convs)
	}
	msgs := make([]Message, 0, len(c.Conversations))
	for i, t := range c.Conversations {
		role, text := t.From, t.Value
		if role == "" {
			role, text = t.Role, t.Content
		}
		r, ok := shareGPTRoles[strings.ToLower(role)]
		if !ok {
			return &SyntaxError{File: s.name, Line: line, Msg: fmt.Sprintf("conversation %s: turn %d: unknown \"from\" %q (want human or gpt)", id, i, role)}
		}
		if len(msgs) == 0 && r == "assistant" {
			continue // a split conversation that starts mid-way
		}
		if n := len(msgs); n > 0 && msgs[n-1].Role == r {
			msgs[n-1].Content += "\n\n" + text
			continue
		}
		msgs = append(msgs, Message{Role: r, Content: text})
	}
	if len(msgs) == 0 {
		return nil // nothing the user said: no request
	}
	tok, err := s.tok.get()
	if err != nil {
		return err
	}
	// Per-message counts, summed for each turn's prompt, keep the cost
	// linear in the conversation's length.
	counts := make([]int, len(msgs))
	for i, m := range msgs {
		counts[i] = len(tok.Encode(m.Content))
	}
	turn, inTokens := 0, 0
	for i, m := range msgs {
		inTokens += counts[i]
		if m.Role != "user" {
			continue
		}
		out := 0
		if i+1 < len(msgs) && msgs[i+1].Role == "assistant" {
			out = counts[i+1]
		}
		s.pending = append(s.pending, Row{
			Line: line, InputTokens: inTokens, OutputTokens: out,
			Request: Request{
				ID:        fmt.Sprintf("%s:%d", id, turn),
				Messages:  msgs[: i+1 : i+1],
				MaxTokens: out,
				SessionID: id,
				Turn:      turn,
			},
		})
		turn++
	}
	return nil
}

var shareGPTRoles = map[string]string{
	"human": "user", "user": "user",
	"gpt": "assistant", "chatgpt": "assistant", "assistant": "assistant", "bard": "assistant", "bing": "assistant", "model": "assistant",
	"system": "system",
}

// lineCounter wraps a reader and maps byte offsets to 1-based line numbers
// for offsets that never decrease, keeping only the bytes the JSON decoder
// has read ahead (not the whole file).
type lineCounter struct {
	r       io.Reader
	buf     []byte // bytes from offset base on, not yet passed by a query
	base    int64
	baseLn  int // line number at offset base
	started bool
}

func (l *lineCounter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.buf = append(l.buf, p[:n]...)
	return n, err
}

// lineAt returns the line of offset off and forgets the bytes before it.
func (l *lineCounter) lineAt(off int64) int {
	if !l.started {
		l.started, l.baseLn = true, 1
	}
	k := int(min(max(off-l.base, 0), int64(len(l.buf))))
	for _, c := range l.buf[:k] {
		if c == '\n' {
			l.baseLn++
		}
	}
	l.buf = append(l.buf[:0], l.buf[k:]...)
	l.base += int64(k)
	return l.baseLn
}

// skipSpace returns the offset of the first byte at or after off that is
// not white space or a comma.
func (l *lineCounter) skipSpace(off int64) int64 {
	for i := max(off-l.base, 0); i < int64(len(l.buf)); i++ {
		switch l.buf[i] {
		case ' ', '\t', '\r', '\n', ',':
		default:
			return l.base + i
		}
	}
	return off
}
