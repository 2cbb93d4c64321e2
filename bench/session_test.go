package bench

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// failTarget answers like memTarget but fails the requests named in fail
// (after the same time, with a 500).
type failTarget struct {
	memTarget
	fail map[string]bool
}

func (f failTarget) Do(ctx context.Context, c results.Clock, req *workloads.Request) results.Record {
	r := f.memTarget.Do(ctx, c, req)
	if f.fail[req.ID] && r.Status == results.StatusOK {
		r.SetError(results.ErrClassHTTP5xx, "boom")
	}
	return r
}

// convo builds a workload from "session:turn" specs ("" session = none);
// each request's ID is its spec.
func convo(specs ...string) []workloads.Request {
	w := make([]workloads.Request, len(specs))
	for i, s := range specs {
		w[i] = workloads.Request{ID: s, Prompt: "p", MaxTokens: 8}
		var sess string
		var turn int
		if n, _ := fmt.Sscanf(s, "%1s:%d", &sess, &turn); n == 2 {
			w[i].SessionID, w[i].Turn = sess, turn
		}
	}
	return w
}

func TestRunSessions(t *testing.T) {
	// Every request takes 100 ms (10 ms to the first token); think time
	// 30 ms. Scheduled offsets are exact virtual times in ms.
	type want struct {
		sched int64
		index int64
		ok    bool
	}
	cases := []struct {
		name        string
		w           []workloads.Request
		pacer       Pacer
		concurrency int
		requests    int
		duration    time.Duration
		fail        map[string]bool
		want        map[string]want // by request ID
		stop        string
	}{
		{
			name: "two sessions open loop, turns out of order in the file",
			// A's third turn comes first in the file: turns are sorted.
			w:     convo("A:3", "A:1", "B:1", "A:2", "B:2", "B:3"),
			pacer: ConstantPacer(10),
			want: map[string]want{
				"A:1": {0, 0, true}, "A:2": {130, 1, true}, "A:3": {260, 2, true},
				"B:1": {100, 3, true}, "B:2": {230, 4, true}, "B:3": {360, 5, true},
			},
		},
		{
			name:  "sessionless requests keep the pacer's slots",
			w:     convo("A:1", "x", "A:2", "y", "A:3"),
			pacer: ConstantPacer(10),
			want: map[string]want{
				"A:1": {0, 0, true}, "A:2": {130, 1, true}, "A:3": {260, 2, true},
				"x": {100, 3, true}, "y": {200, 4, true},
			},
		},
		{
			name:  "a failed turn does not end its session",
			w:     convo("A:1", "A:2", "A:3"),
			pacer: ConstantPacer(10),
			fail:  map[string]bool{"A:2": true},
			want: map[string]want{
				"A:1": {0, 0, true}, "A:2": {130, 1, false}, "A:3": {260, 2, true},
			},
		},
		{
			name:     "the request count cuts the last session short",
			w:        convo("A:1", "A:2", "A:3", "B:1", "B:2", "B:3"),
			pacer:    ConstantPacer(10),
			requests: 4,
			want: map[string]want{
				"A:1": {0, 0, true}, "A:2": {130, 1, true}, "A:3": {260, 2, true},
				"B:1": {100, 3, true},
			},
		},
		{
			name:     "the duration stops later turns",
			w:        convo("A:1", "A:2", "A:3", "B:1", "B:2", "B:3"),
			pacer:    ConstantPacer(5),
			duration: 250 * time.Millisecond,
			// A:3 would be due at 260 ms and B:2 at 330 ms.
			want: map[string]want{
				"A:1": {0, 0, true}, "A:2": {130, 1, true},
				"B:1": {200, 3, true},
			},
			stop: results.StopDuration,
		},
		{
			name:        "closed loop: one user runs a session, then the next unit",
			w:           convo("A:1", "x", "A:2", "A:3"),
			concurrency: 1,
			want: map[string]want{
				"A:1": {0, 0, true}, "A:2": {130, 1, true}, "A:3": {260, 2, true},
				"x": {360, 3, true},
			},
		},
		{
			name:        "closed loop: two users, two sessions",
			w:           convo("A:1", "A:2", "B:1", "B:2", "x"),
			concurrency: 2,
			want: map[string]want{
				"A:1": {0, 0, true}, "A:2": {130, 1, true},
				"B:1": {0, 2, true}, "B:2": {130, 3, true},
				"x": {230, 4, true},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sink := &memSink{}
				out, err := Dispatch(t.Context(), DispatchConfig{
					Target:   failTarget{memTarget{ttft: 10 * time.Millisecond, decode: 90 * time.Millisecond}, tc.fail},
					Workload: tc.w, Pacer: tc.pacer, Concurrency: tc.concurrency, Sink: sink, Flow: Flow{Requests: tc.requests, Duration: tc.duration, Sessions: true, ThinkTime: 30 * time.Millisecond},
				})
				if err != nil {
					t.Fatal(err)
				}
				stop := tc.stop
				if stop == "" {
					stop = results.StopCompleted
				}
				if out.StopReason != stop || int(out.Written) != len(tc.want) {
					t.Fatalf("outcome %+v, want %s with %d records", out, stop, len(tc.want))
				}
				seen := map[string]bool{}
				for _, r := range sink.recs {
					w, ok := tc.want[r.RequestID]
					if !ok || seen[r.RequestID] {
						t.Errorf("unexpected or repeated request %s", r.RequestID)
						continue
					}
					seen[r.RequestID] = true
					if r.ScheduledNs != w.sched*ms && !(w.sched == 0 && r.ScheduledNs <= 1) {
						t.Errorf("%s scheduled %dns, want %dms", r.RequestID, r.ScheduledNs, w.sched)
					}
					if r.ScheduleLagNs > 1 || r.RequestIndex != w.index || r.OK() != w.ok {
						t.Errorf("%s lag %d index %d ok %v, want lag 0 index %d ok %v",
							r.RequestID, r.ScheduleLagNs, r.RequestIndex, r.OK(), w.index, w.ok)
					}
					if id := fmt.Sprintf("%s:%d", r.SessionID, r.Turn); r.SessionID != "" && id != r.RequestID {
						t.Errorf("%s recorded as session %s", r.RequestID, id)
					}
				}
			})
		})
	}
}

func TestRunSessionsInFlightCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// One slot: B's first turn (due at 100 ms) waits for A:1 to finish,
		// and A:2 (due at 130 ms) waits for B:1: both delays show as lag.
		sink := &memSink{}
		_, err := Dispatch(t.Context(), DispatchConfig{
			Target:   memTarget{ttft: 10 * time.Millisecond, decode: 90 * time.Millisecond},
			Workload: convo("A:1", "A:2", "B:1"), Pacer: ConstantPacer(10), Sink: sink, Flow: Flow{MaxInFlight: 1, Sessions: true, ThinkTime: 30 * time.Millisecond},
		})
		if err != nil {
			t.Fatal(err)
		}
		lag := map[string]int64{}
		for _, r := range sink.recs {
			lag[r.RequestID] = r.ScheduleLagNs / ms
		}
		want := map[string]int64{"A:1": 0, "B:1": 0, "A:2": 70}
		// B:1 is due at 100 ms and A:1 frees the slot at exactly 100 ms, so
		// B:1 starts with no lag; A:2 is due at 130 and gets the slot at 200.
		for id, l := range want {
			if lag[id] != l {
				t.Errorf("%s lag %dms, want %dms (all %v)", id, lag[id], l, lag)
			}
		}
	})
}

func TestSessionStarts(t *testing.T) {
	w := convo("A:2", "x", "A:1", "B:1", "y", "B:2")
	got := SessionStarts(w, true)
	// A sits where its first turn (index 2) is.
	want := []int{1, 2, 3, 4}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("SessionStarts = %v, want %v", got, want)
	}
	if got := SessionStarts(w, false); len(got) != len(w) {
		t.Errorf("without sessions: %v", got)
	}
}
