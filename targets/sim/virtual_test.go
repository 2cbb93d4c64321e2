package sim

import (
	"bytes"
	"cmp"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// These tests run the Server inside a synctest bubble, where time is
// virtual: timers fire exactly at their deadlines, so the simulator's
// timing can be asserted to the nanosecond without sleeping.

// timedWriter is a ResponseWriter that records when each event was written.
type timedWriter struct {
	mu     sync.Mutex
	start  time.Time
	header http.Header
	status int
	buf    bytes.Buffer
	events []timedEvent
}

type timedEvent struct {
	at   time.Duration // since start
	data string
}

func newTimedWriter() *timedWriter {
	return &timedWriter{start: time.Now(), header: http.Header{}}
}

func (w *timedWriter) Header() http.Header { return w.header }
func (w *timedWriter) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status == 0 {
		w.status = code
	}
}

// Write splits SSE events as they are written and stamps them.
func (w *timedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status == 0 {
		w.status = 200
	}
	w.buf.Write(p)
	for {
		b := w.buf.Bytes()
		i := bytes.Index(b, []byte("\n\n"))
		if i < 0 {
			break
		}
		ev := strings.TrimPrefix(string(b[:i]), "data: ")
		w.events = append(w.events, timedEvent{at: time.Since(w.start), data: ev})
		w.buf.Next(i + 2)
	}
	return len(p), nil
}

func (w *timedWriter) Flush() {}

// contentTimes returns when each content event was written, and when
// [DONE] was (-1 if never).
func (w *timedWriter) contentTimes() (content []time.Duration, done time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	done = -1
	for _, ev := range w.events {
		switch {
		case ev.data == "[DONE]":
			done = ev.at
		case strings.Contains(ev.data, `"content":" `), strings.Contains(ev.data, `"text":" `):
			content = append(content, ev.at)
		}
	}
	return content, done
}

// serve runs one request against s in the bubble, starting after delay.
func serve(s *Server, delay time.Duration, body string) *timedWriter {
	time.Sleep(delay)
	w := newTimedWriter()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body)))
	return w
}

func ms(v ...float64) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x * float64(time.Millisecond))
	}
	return out
}

func TestVirtualExactTiming(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		max  int
		want []time.Duration // content event times
	}{
		{"one token per chunk", Config{TTFT: 50 * time.Millisecond, ITL: 10 * time.Millisecond}, 5, ms(50, 60, 70, 80, 90)},
		{"three tokens per chunk", Config{TTFT: 50 * time.Millisecond, ITL: 10 * time.Millisecond, TokensPerChunk: 3}, 7, ms(70, 100, 110)},
		{"network latency", Config{TTFT: 20 * time.Millisecond, ITL: 5 * time.Millisecond, NetworkLatency: 100 * time.Millisecond}, 3, ms(120, 125, 130)},
		{"input latency per token", Config{TTFT: 20 * time.Millisecond, ITL: 5 * time.Millisecond, InputLatencyPerToken: time.Millisecond}, 2, ms(22, 27)},
		{"stall half-way", Config{TTFT: 20 * time.Millisecond, ITL: 5 * time.Millisecond, Faults: Faults{StallRate: 1, Stall: time.Second}}, 4, ms(20, 25, 1030, 1035)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, err := New(tc.cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				// "12345678": 2 prompt tokens.
				w := serve(s, 0, `{"messages":[{"role":"user","content":"12345678"}],"stream":true,"max_tokens":`+strconv.Itoa(tc.max)+`}`)
				got, done := w.contentTimes()
				if !slices.Equal(got, tc.want) {
					t.Errorf("content at %v, want %v", got, tc.want)
				}
				if done != tc.want[len(tc.want)-1] {
					t.Errorf("[DONE] at %v", done)
				}
				if first := w.events[0]; !strings.Contains(first.data, `"role":"assistant"`) || first.at != tc.cfg.NetworkLatency+tc.cfg.InputLatencyPerToken*2 {
					t.Errorf("role chunk %q at %v", first.data, first.at)
				}
			})
		})
	}
}

func TestVirtualEngineTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Steps of 10ms + 1ms per prefilled token + 2ms per running
		// sequence, one sequence at a time. A (2 prompt tokens) arrives at
		// 0, B at 5ms and waits for A's slot.
		s, err := New(Config{DecodeStep: 10 * time.Millisecond, PrefillPerToken: time.Millisecond,
			DecodeStepPerSeq: 2 * time.Millisecond, MaxBatch: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		body := `{"messages":[{"role":"user","content":"12345678"}],"stream":true,"max_tokens":3}`
		var a, b *timedWriter
		var wg sync.WaitGroup
		wg.Go(func() { a = serve(s, 0, body) })
		wg.Go(func() { b = serve(s, 5*time.Millisecond, body) })
		time.Sleep(6 * time.Millisecond)
		synctest.Wait()
		if st := s.Stats(); st.Running != 1 || st.Waiting != 1 {
			t.Errorf("at 6ms: %+v, want 1 running 1 waiting", st)
		}
		wg.Wait()
		// A: prefill step 10+2+2 = 14ms, then decode steps of 12ms.
		if got, _ := a.contentTimes(); !slices.Equal(got, ms(14, 26, 38)) {
			t.Errorf("A content at %v", got)
		}
		// B (times from its own arrival at 5ms): admitted at 38ms, tokens
		// at 52, 64, 76 -> 47, 59, 71 after arrival.
		if got, _ := b.contentTimes(); !slices.Equal(got, ms(47, 59, 71)) {
			t.Errorf("B content at %v", got)
		}
	})
}

func TestVirtualEngineBatching(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Sequences share steps: a step costs 10ms + 1ms per running
		// sequence. A arrives at 0 and runs alone (11ms); B arrives at 1ms,
		// joins at the next step boundary, and both get their tokens at the
		// same instants (12ms steps) until A finishes.
		s, err := New(Config{DecodeStep: 10 * time.Millisecond, DecodeStepPerSeq: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		body := `{"messages":[{"role":"user","content":"x"}],"stream":true,"max_tokens":3}`
		var a, b *timedWriter
		var wg sync.WaitGroup
		wg.Go(func() { a = serve(s, 0, body) })
		wg.Go(func() { b = serve(s, time.Millisecond, body) })
		wg.Wait()
		if got, _ := a.contentTimes(); !slices.Equal(got, ms(11, 23, 35)) {
			t.Errorf("A content at %v, want 11, 23, 35ms", got)
		}
		// B's tokens at 23, 35 (shared steps) and 46ms (alone), from its
		// arrival at 1ms.
		if got, _ := b.contentTimes(); !slices.Equal(got, ms(22, 34, 45)) {
			t.Errorf("B content at %v, want 22, 34, 45ms", got)
		}
	})
}

// TestVirtualRoleChunk: the role-only chunk goes out with the headers
// (immediate, the default) or at the instant of the first content chunk,
// just before it (with-first-token); the content timing is the same
// either way, and legacy completions have no role chunk at all.
func TestVirtualRoleChunk(t *testing.T) {
	for _, tc := range []struct {
		roleChunk string
		wantAt    time.Duration
	}{
		{"", 0},
		{RoleChunkImmediate, 0},
		{RoleChunkWithFirstToken, 50 * time.Millisecond},
	} {
		t.Run(cmp.Or(tc.roleChunk, "default"), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, err := New(Config{TTFT: 50 * time.Millisecond, ITL: 10 * time.Millisecond, RoleChunk: tc.roleChunk})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				w := serve(s, 0, `{"messages":[{"role":"user","content":"x"}],"stream":true,"max_tokens":3}`)
				if got, _ := w.contentTimes(); !slices.Equal(got, ms(50, 60, 70)) {
					t.Errorf("content at %v", got)
				}
				roles := 0
				for i, ev := range w.events {
					if !strings.Contains(ev.data, `"role":"assistant"`) {
						continue
					}
					roles++
					if i != 0 || ev.at != tc.wantAt || !strings.Contains(ev.data, `"content":""`) {
						t.Errorf("role chunk %d %q at %v, want the first event at %v", i, ev.data, ev.at, tc.wantAt)
					}
				}
				if roles != 1 {
					t.Errorf("%d role chunks", roles)
				}
				if d := s.cfg.Describe()["role_chunk"]; d != cmp.Or(tc.roleChunk, RoleChunkImmediate) {
					t.Errorf("Describe role_chunk = %v", d)
				}
			})
		})
	}
	synctest.Test(t, func(t *testing.T) {
		s, err := New(Config{RoleChunk: RoleChunkWithFirstToken})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		w := newTimedWriter()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/completions", strings.NewReader(`{"prompt":"x","stream":true,"max_tokens":2}`)))
		for _, ev := range w.events {
			if strings.Contains(ev.data, `"role"`) {
				t.Errorf("legacy completions sent a role chunk: %s", ev.data)
			}
		}
	})
	if err := (Config{RoleChunk: "late"}).Validate(); err == nil || !strings.Contains(err.Error(), "RoleChunk") {
		t.Errorf("Validate(RoleChunk: late) = %v", err)
	}
}
