package targets

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

type ev struct{ Type, Data string }

func readAll(r io.Reader) ([]ev, error) {
	rd := newSSEReader(r)
	var out []ev
	for {
		e, err := rd.next()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return out, err
		}
		out = append(out, ev{e.Type, string(e.Data)})
	}
}

func TestSSEReader(t *testing.T) {
	tests := []struct {
		name, body string
		want       []ev
	}{
		{"data only", "data: {\"a\":1}\n\ndata: [DONE]\n\n", []ev{{"", `{"a":1}`}, {"", "[DONE]"}}},
		{"named events", "event: message_start\ndata: {}\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\n",
			[]ev{{"message_start", "{}"}, {"ping", `{"type": "ping"}`}}},
		{"CRLF (Google)", "data: {\"x\":1}\r\n\r\ndata: {\"x\":2}\r\n\r\n", []ev{{"", `{"x":1}`}, {"", `{"x":2}`}}},
		{"comments and keep-alives", ": ping\n\n: another\ndata: a\n\n", []ev{{"", "a"}}},
		{"multi-line data joins with LF", "data: a\ndata: b\n\n", []ev{{"", "a\nb"}}},
		{"no space after colon", "data:x\n\n", []ev{{"", "x"}}},
		{"only one space stripped", "data:  x\n\n", []ev{{"", " x"}}},
		{"event without data is not dispatched; type resets", "event: lonely\n\ndata: d\n\n", []ev{{"", "d"}}},
		{"id and retry ignored", "id: 7\nretry: 100\ndata: d\n\n", []ev{{"", "d"}}},
		{"unterminated last event discarded", "data: a\n\ndata: cut", []ev{{"", "a"}}},
		// A pending event whose lines all ended is dispatched at EOF
		// (servers that end "data: [DONE]\n" and close); a line cut off
		// without its newline is not.
		{"pending event at EOF dispatched", "data: a\n\ndata: b\n", []ev{{"", "a"}, {"", "b"}}},
		{"cut line at EOF discarded", "data: a\n\ndata: b", []ev{{"", "a"}}},
		{"cut line of a pending event at EOF discards it", "data: a\n\ndata: b\ndata: c", []ev{{"", "a"}}},
		{"empty body", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []io.Reader{strings.NewReader(tt.body), iotest.OneByteReader(strings.NewReader(tt.body))} {
				got, err := readAll(r)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(tt.want, got); d != "" {
					t.Errorf("events (-want +got):\n%s", d)
				}
			}
		})
	}
}

func TestSSEReaderLongLines(t *testing.T) {
	long := strings.Repeat("x", 100<<10) // longer than the bufio buffer
	got, err := readAll(strings.NewReader("data: " + long + "\n\n"))
	if err != nil || len(got) != 1 || got[0].Data != long {
		t.Fatalf("%d events, err %v", len(got), err)
	}
	huge := "data: " + strings.Repeat("y", maxSSEEvent+10) + "\n\n"
	if _, err := readAll(strings.NewReader(huge)); !errors.Is(err, errSSETooLong) {
		t.Fatalf("err %v, want errSSETooLong", err)
	}
}

func TestSSEReaderReadError(t *testing.T) {
	boom := errors.New("boom")
	_, err := readAll(io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
}

// FuzzSSEReader: any body parses without panicking, every event has data,
// and reading byte by byte gives the same events.
func FuzzSSEReader(f *testing.F) {
	for _, s := range []string{
		"data: {\"a\":1}\n\ndata: [DONE]\n\n",
		"event: message_start\ndata: {}\n\n",
		"data: x\r\n\r\n",
		": ping\n\n",
		"data: a\ndata: b\n\n",
		"data:\n\n",
		"\r\n\r\n\n",
		"event: e\nevent: f\ndata: d\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, errA := readAll(strings.NewReader(string(body)))
		b, errB := readAll(iotest.OneByteReader(strings.NewReader(string(body))))
		if (errA == nil) != (errB == nil) {
			t.Fatalf("errors differ: %v vs %v", errA, errB)
		}
		if d := cmp.Diff(a, b); d != "" {
			t.Fatalf("chunked reads differ:\n%s", d)
		}
	})
}
