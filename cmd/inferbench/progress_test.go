package main

import (
	"testing"
	"time"

	"github.com/inferbench/inferbench/bench"
)

// TestProgressLine: the line says what is left as the plan knows it: an
// ETA for a count, the measured time against a duration (warm-up until
// the measured phase began), nothing when only an interrupt ends the run.
func TestProgressLine(t *testing.T) {
	base := bench.Snapshot{Elapsed: 65 * time.Second, Done: 74, ReqPerSec: 2.5, TokPerSec: 310, Errors: 2, LastError: "http_5xx", ETA: -1, Planned: -1}
	for _, tc := range []struct {
		name string
		edit func(*bench.Snapshot)
		want string
	}{
		{"count", func(s *bench.Snapshot) { s.Planned, s.ETA = 200, 50400*time.Millisecond },
			"t  1m5s  74/200 done  ETA 50s  2.5 req/s  310 out tok/s  2 errors (last: http_5xx)"},
		{"count, no rate yet", func(s *bench.Snapshot) { s.Planned = 200 },
			"t  1m5s  74/200 done  2.5 req/s  310 out tok/s  2 errors (last: http_5xx)"},
		{"duration", func(s *bench.Snapshot) {
			s.Limit, s.MeasuredElapsed, s.ETA = 2*time.Minute, 60*time.Second, time.Minute
		},
			"t  1m5s  74 done  1m0s/2m0s  2.5 req/s  310 out tok/s  2 errors (last: http_5xx)"},
		{"duration, warming up", func(s *bench.Snapshot) { s.Limit = 2 * time.Minute },
			"t  1m5s  74 done  warm-up  2.5 req/s  310 out tok/s  2 errors (last: http_5xx)"},
		{"until interrupted", func(*bench.Snapshot) {},
			"t  1m5s  74 done  2.5 req/s  310 out tok/s  2 errors (last: http_5xx)"},
	} {
		s := base
		tc.edit(&s)
		if got := progressLine("t", s); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
