package targets

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// sseEvent is one server-sent event. Data is only valid until the next
// call to sseReader.next.
type sseEvent struct {
	Type string // the `event:` field; "" when the event had none
	Data []byte // the `data:` lines joined by newlines
}

// maxSSEEvent bounds one event's data; a longer one is a malformed stream
// rather than a reason to grow without limit.
const maxSSEEvent = 16 << 20

// errSSETooLong is an event longer than maxSSEEvent.
var errSSETooLong = fmt.Errorf("event longer than %d bytes", maxSSEEvent)

// sseReader parses a text/event-stream body as the WHATWG HTML standard
// specifies it: lines end in LF or CRLF; a blank line dispatches the event;
// lines starting with ':' are comments (keep-alives); `field: value` with
// one optional space after the colon; several data lines join with LF; an
// event with no data is not dispatched; an event cut off by the end of the
// body is discarded. The `id` and `retry` fields are ignored: a benchmark
// never reconnects.
//
// Readers are pooled (newSSEReader, release): every in-flight stream holds
// one, so its buffer is sized to an event, not to a burst; a longer line
// is gathered in line.
type sseReader struct {
	r    *bufio.Reader // reads the reader itself (Read), for the watchdog
	body io.Reader
	wd   *watchdog // told of every read that returned bytes; nil-safe
	typ  string
	last string // the previous event name, kept so a repeated one is not allocated again
	data []byte
	has  bool // a data field was seen for the pending event
	line []byte
}

// sseBufferSize is a reader's buffer: a few chat chunks. The transport
// buffers the connection under it (transportReadBuffer), so a bigger
// buffer saves no system calls, only copies; a longer line is gathered in
// line.
const sseBufferSize = 1 << 10

// maxPooledLine is the most a pooled reader keeps of the buffers a long
// event grew, so one huge event does not stay in the pool.
const maxPooledLine = 16 << 10

var sseReaders = sync.Pool{New: func() any {
	s := &sseReader{}
	s.r = bufio.NewReaderSize(s, sseBufferSize)
	return s
}}

// newSSEReader returns a pooled reader of body; release gives it back.
func newSSEReader(body io.Reader) *sseReader {
	s := sseReaders.Get().(*sseReader)
	s.body = body
	s.r.Reset(s)
	return s
}

// release returns s to the pool; s must not be used after.
func (s *sseReader) release() {
	s.body, s.wd = nil, nil
	s.typ, s.has = "", false
	if cap(s.data) > maxPooledLine {
		s.data = nil
	}
	if cap(s.line) > maxPooledLine {
		s.line = nil
	}
	s.data, s.line = s.data[:0], s.line[:0]
	sseReaders.Put(s)
}

// Read reads the body for the buffer and tells the watchdog of every read
// that returned bytes, so the idle timeout measures silence on the wire.
func (s *sseReader) Read(p []byte) (int, error) {
	n, err := s.body.Read(p)
	if n > 0 {
		s.wd.read()
	}
	return n, err
}

// next returns the next event, io.EOF at a clean end of the body, or the
// read error.
func (s *sseReader) next() (sseEvent, error) {
	for {
		line, err := s.readLine()
		if err != nil {
			// At io.EOF a last line without its newline is cut off and
			// discarded. A pending event whose lines all ended is
			// dispatched, although the standard would discard it for
			// want of the blank line: servers that end with
			// "data: [DONE]\n" and close were read as complete by the
			// line-based readers (go-openai's among them) that users
			// compare us with, and its lines are whole.
			if errors.Is(err, io.EOF) && len(line) == 0 && s.has {
				ev := sseEvent{Type: s.typ, Data: s.data}
				s.typ, s.has = "", false
				s.data = s.data[:0]
				return ev, nil
			}
			return sseEvent{}, err
		}
		if len(line) == 0 {
			if !s.has {
				s.typ = ""
				continue
			}
			ev := sseEvent{Type: s.typ, Data: s.data}
			s.typ, s.has = "", false
			// Reuse the buffer for the next event: Data is only valid
			// until then, and every decoder copies what it keeps.
			s.data = s.data[:0]
			return ev, nil
		}
		if line[0] == ':' {
			continue
		}
		field, value, found := bytes.Cut(line, []byte{':'})
		if found && len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		switch string(field) {
		case "data":
			if s.has {
				s.data = append(s.data, '\n')
			}
			if len(s.data)+len(value) > maxSSEEvent {
				return sseEvent{}, errSSETooLong
			}
			s.data = append(s.data, value...)
			s.has = true
		case "event":
			// Streams repeat a few names (content_block_delta,
			// response.output_text.delta): compare before converting.
			if string(value) != s.last {
				s.last = string(value)
			}
			s.typ = s.last
		}
	}
}

// readLine returns the next line without its line ending. At the end of
// the body it returns the unterminated rest (possibly empty) with io.EOF.
func (s *sseReader) readLine() ([]byte, error) {
	s.line = s.line[:0]
	for {
		chunk, err := s.r.ReadSlice('\n')
		if len(s.line)+len(chunk) > maxSSEEvent+64 {
			return nil, errSSETooLong
		}
		if err == bufio.ErrBufferFull {
			s.line = append(s.line, chunk...)
			continue
		}
		if err != nil {
			s.line = append(s.line, chunk...)
			return s.line, err
		}
		line := chunk
		if len(s.line) > 0 {
			s.line = append(s.line, chunk...)
			line = s.line
		}
		line = line[:len(line)-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		return line, nil
	}
}
