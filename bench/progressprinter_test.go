package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestSnapshotLine: the line says what is left as the plan knows it: an
// ETA for a count, the measured time against a duration (warm-up until
// the measured phase began), nothing when only an interrupt ends the run.
func TestSnapshotLine(t *testing.T) {
	base := Snapshot{Elapsed: 65 * time.Second, Done: 74, ReqPerSec: 2.5, TokPerSec: 310, Errors: 2, LastError: "http_5xx", ETA: -1, Planned: -1}
	for _, tc := range []struct {
		name string
		edit func(*Snapshot)
		want string
	}{
		{"count", func(s *Snapshot) { s.Planned, s.ETA = 200, 50400*time.Millisecond },
			"t  1m5s  74/200 done  ETA 50s  2.5 req/s  310 out tok/s  2 errors (last: http_5xx)"},
		{"count, no rate yet", func(s *Snapshot) { s.Planned = 200 },
			"t  1m5s  74/200 done  2.5 req/s  310 out tok/s  2 errors (last: http_5xx)"},
		{"duration", func(s *Snapshot) {
			s.Limit, s.MeasuredElapsed, s.ETA = 2*time.Minute, 60*time.Second, time.Minute
		},
			"t  1m5s  74 done  1m0s/2m0s  2.5 req/s  310 out tok/s  2 errors (last: http_5xx)"},
		{"duration, warming up", func(s *Snapshot) { s.Limit = 2 * time.Minute },
			"t  1m5s  74 done  warm-up  2.5 req/s  310 out tok/s  2 errors (last: http_5xx)"},
		{"until interrupted", func(*Snapshot) {},
			"t  1m5s  74 done  2.5 req/s  310 out tok/s  2 errors (last: http_5xx)"},
	} {
		s := base
		tc.edit(&s)
		if got := s.Line("t"); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// TestProgressPrinterTTY: on a terminal, Stop leaves the last line
// finished with a newline; a nil printer stops as a no-op.
func TestProgressPrinterTTY(t *testing.T) {
	var b bytes.Buffer
	p := &ProgressPrinter{W: &b, Name: "sim", TTY: true}
	p.Begin(Started{RunID: "r", Start: time.Now()})
	p.Stop()
	p.Stop() // twice is fine
	got := b.String()
	if !strings.HasPrefix(got, "\rsim  ") || !strings.HasSuffix(got, " 0 errors\n") || strings.Count(got, "\n") != 1 {
		t.Errorf("printed %q, want one finished progress line", got)
	}
	var none *ProgressPrinter
	none.Stop()
}

// TestPrinters: Stop stops the named printer only (its TTY line is
// finished), an unknown name is a no-op, StopAll stops the rest, and Add
// is safe from several goroutines.
func TestPrinters(t *testing.T) {
	var ps Printers
	ps.Stop("none")
	bufs := make([]*bytes.Buffer, 4)
	done := make(chan struct{})
	for i := range bufs {
		bufs[i] = &bytes.Buffer{}
		go func() {
			defer func() { done <- struct{}{} }()
			p := ps.Add(string(rune('a'+i)), &ProgressPrinter{W: bufs[i], Name: "t", TTY: true})
			p.Begin(Started{RunID: "r", Start: time.Now()})
		}()
	}
	for range bufs {
		<-done
	}
	ps.Stop("a")
	if !strings.HasSuffix(bufs[0].String(), "\n") {
		t.Errorf("a: %q, want its finished line", bufs[0].String())
	}
	ps.StopAll()
	for i, b := range bufs {
		if strings.Count(b.String(), "\n") != 1 {
			t.Errorf("printer %d: %q, want exactly one finished line", i, b.String())
		}
	}
}
