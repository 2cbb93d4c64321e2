package targets

import (
	"io"
	"strings"
	"testing"
)

// TestSSEReaderPoolReuse: a reader given back mid-event (a stream cut, or
// a request that failed) leaves nothing of that event to the next reader
// the pool hands out.
func TestSSEReaderPoolReuse(t *testing.T) {
	for range 20 {
		a := newSSEReader(strings.NewReader("event: cut\ndata: " + strings.Repeat("x", 3*sseBufferSize) + "\ndata: pending"))
		if _, err := a.next(); err != io.EOF {
			t.Fatalf("cut stream: %v, want EOF", err)
		}
		a.release()
		b := newSSEReader(strings.NewReader("data: y\n\n"))
		ev, err := b.next()
		if err != nil || ev.Type != "" || string(ev.Data) != "y" {
			t.Fatalf("next reader: %q %q %v, want event \"y\" with no type", ev.Type, ev.Data, err)
		}
		b.release()
	}
}
