package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// hangTarget answers like memTarget but never answers the requests named
// in hang: they run until their context is canceled.
type hangTarget struct {
	memTarget
	hang map[string]bool
}

func (h hangTarget) Do(ctx context.Context, c results.Clock, req *workloads.Request) results.Record {
	if !h.hang[req.ID] {
		return h.memTarget.Do(ctx, c, req)
	}
	r := results.Record{SentNs: c.Now()}
	<-ctx.Done()
	r.Status, r.ErrorClass, r.DoneNs = results.StatusCanceled, results.ErrClassCanceled, c.Now()
	return r
}

// phaseCheck is what a warm-up test expects of a dispatch: the phases,
// and each measured request's schedule offset from the measured start
// (by request index, in ms).
type phaseCheck struct {
	warmup   results.WarmupPhase // DurationNs in ms
	measured int64               // measured_start_ns in ms; 0 = never started
	offsets  []int64             // measured requests, in request-index order
}

// checkPhases asserts the contract of a warm-up: the warm-up requests are
// the first request indices, flagged; no measured request is sent before
// the last warm-up request finished; measured schedule offsets count from
// the measured start; the phases say so.
func checkPhases(t *testing.T, start time.Time, out DispatchResult, recs []results.Record, want phaseCheck) {
	t.Helper()
	ph := out.Phases
	if ph == nil {
		t.Fatalf("no phases in %+v", out)
	}
	w := want.warmup
	w.DurationNs *= ms
	if ph.Warmup != w {
		t.Errorf("warm-up phase %+v, want %+v", ph.Warmup, w)
	}
	if ph.MeasuredStartNs != want.measured*ms {
		t.Errorf("measured start %dns, want %dms", ph.MeasuredStartNs, want.measured)
	}
	if wantAt := start.Add(time.Duration(want.measured * ms)).UTC(); want.measured > 0 && !ph.MeasuredStartedAt.Equal(wantAt) {
		t.Errorf("measured started at %s, want %s", ph.MeasuredStartedAt, wantAt)
	} else if want.measured == 0 && !ph.MeasuredStartedAt.IsZero() {
		t.Errorf("measured started at %s, but nothing was measured", ph.MeasuredStartedAt)
	}
	var lastWarmDone int64
	warm := int(w.Sent)
	for i, r := range recs {
		if r.Warmup != (i < warm) {
			t.Errorf("req %d (%s) warmup=%v, want %v", i, r.RequestID, r.Warmup, i < warm)
		}
		if r.Warmup {
			lastWarmDone = max(lastWarmDone, r.DoneNs)
		}
	}
	var offsets []int64
	for _, r := range recs[warm:] {
		if r.SentNs < lastWarmDone {
			t.Errorf("measured req %d (%s) sent at %dns, before the last warm-up request finished at %dns",
				r.RequestIndex, r.RequestID, r.SentNs, lastWarmDone)
		}
		if r.ScheduleLagNs > 1 {
			t.Errorf("measured req %d lag %dns", r.RequestIndex, r.ScheduleLagNs)
		}
		offsets = append(offsets, (r.ScheduledNs-ph.MeasuredStartNs)/ms)
	}
	if fmt.Sprint(offsets) != fmt.Sprint(want.offsets) {
		t.Errorf("measured schedule offsets %v ms, want %v", offsets, want.offsets)
	}
}

func TestWarmupPhase(t *testing.T) {
	const think = 30 * time.Millisecond
	cases := []struct {
		name   string
		target Target
		w      []workloads.Request
		cfg    DispatchConfig
		stop   string
		want   phaseCheck
	}{
		{
			// Warm-up sends at 0, 100, 200 ms; each takes 250 ms, so the
			// last is done at 450 ms. Before, measured requests went out at
			// 300 ms with two warm-up requests still in flight.
			name:   "open loop",
			target: memTarget{ttft: 50 * time.Millisecond, decode: 200 * time.Millisecond},
			w:      workload(3),
			cfg:    DispatchConfig{Pacer: ConstantPacer(10), Flow: Flow{Warmup: 3, Requests: 4}},
			want: phaseCheck{
				warmup:   results.WarmupPhase{DurationNs: 450, Sent: 3, OK: 3},
				measured: 450, offsets: []int64{0, 100, 200, 300},
			},
		},
		{
			// A replay goes on where the warm-up stopped, each request once:
			// c, d at 600 and 700 ms of the recording are 0 and 100 ms of
			// the measured phase (time scale 1).
			name:   "replay",
			target: memTarget{ttft: 50 * time.Millisecond, decode: 950 * time.Millisecond},
			w:      workload(4),
			cfg: DispatchConfig{Replay: true, Flow: Flow{Warmup: 2},
				Pacer: ReplayPacer([]time.Duration{0, 500 * time.Millisecond, 600 * time.Millisecond, 700 * time.Millisecond}, 1)},
			want: phaseCheck{
				warmup:   results.WarmupPhase{DurationNs: 1500, Sent: 2, OK: 2},
				measured: 1500, offsets: []int64{0, 100},
			},
		},
		{
			// Two users: warm-up 0 and 1 at 0 ms, 2 at 100 ms (the other
			// user finds the warm-up claimed and waits); done at 200 ms.
			// Then two users start the measured phase together.
			name:   "closed loop",
			target: memTarget{ttft: 10 * time.Millisecond, decode: 90 * time.Millisecond},
			w:      workload(2),
			cfg:    DispatchConfig{Concurrency: 2, Flow: Flow{Warmup: 3, Requests: 4}},
			want: phaseCheck{
				warmup:   results.WarmupPhase{DurationNs: 200, Sent: 3, OK: 3},
				measured: 200, offsets: []int64{0, 0, 100, 100},
			},
		},
		{
			// Warm-up of 4 requests: A's three turns (0, 130, 260 ms, done at
			// 360) and B cut to its first turn (100 ms). The measured phase
			// goes on with C at 0 and A again at 100 ms; C:2 follows C:1's
			// answer (100 ms) after the think time.
			name:   "sessions",
			target: memTarget{ttft: 10 * time.Millisecond, decode: 90 * time.Millisecond},
			w:      convo("A:1", "A:2", "A:3", "B:1", "B:2", "C:1", "C:2"),
			cfg:    DispatchConfig{Pacer: ConstantPacer(10), Flow: Flow{Warmup: 4, Requests: 3, Sessions: true, ThinkTime: think}},
			want: phaseCheck{
				warmup:   results.WarmupPhase{DurationNs: 360, Sent: 4, OK: 4},
				measured: 360, offsets: []int64{0, 130, 100},
			},
		},
		{
			// The measured phase's --duration counts from its own start: the
			// warm-up ends at 600 ms and 10 measured requests (0..900 ms)
			// fit in the measured second.
			name:   "duration",
			target: memTarget{ttft: 10 * time.Millisecond, decode: 490 * time.Millisecond},
			w:      workload(2),
			cfg:    DispatchConfig{Pacer: ConstantPacer(10), Flow: Flow{Warmup: 2, Duration: time.Second}},
			stop:   results.StopDuration,
			want: phaseCheck{
				warmup:   results.WarmupPhase{DurationNs: 600, Sent: 2, OK: 2},
				measured: 600, offsets: []int64{0, 100, 200, 300, 400, 500, 600, 700, 800, 900},
			},
		},
		{
			// The hanging warm-up request is canceled 1 s after the last
			// warm-up request was scheduled (100 ms); then the measured
			// phase starts.
			name:   "bounded: open loop, a target that hangs",
			target: hangTarget{memTarget{ttft: 10 * time.Millisecond, decode: 90 * time.Millisecond}, map[string]bool{"a": true}},
			w:      workload(3),
			cfg:    DispatchConfig{Pacer: ConstantPacer(10), Flow: Flow{Warmup: 2, Requests: 1, DrainTimeout: time.Second}},
			want: phaseCheck{
				warmup:   results.WarmupPhase{DurationNs: 1100, Sent: 2, OK: 1, Canceled: 1, TimedOut: true},
				measured: 1100, offsets: []int64{0},
			},
		},
		{
			// One user, stuck in a hanging warm-up request: the warm-up is
			// claimed at 0 ms, so the bound runs from there.
			name:   "bounded: closed loop, a target that hangs",
			target: hangTarget{memTarget{ttft: 10 * time.Millisecond, decode: 90 * time.Millisecond}, map[string]bool{"a": true}},
			w:      workload(2),
			cfg:    DispatchConfig{Concurrency: 1, Flow: Flow{Warmup: 1, Requests: 1, DrainTimeout: time.Second}},
			want: phaseCheck{
				warmup:   results.WarmupPhase{DurationNs: 1000, Sent: 1, Canceled: 1, TimedOut: true},
				measured: 1000, offsets: []int64{0},
			},
		},
		{
			// A conversation whose second turn hangs: the bound covers its
			// later turns too, so A:3 is never sent.
			name:   "bounded: sessions, a turn that hangs",
			target: hangTarget{memTarget{ttft: 10 * time.Millisecond, decode: 90 * time.Millisecond}, map[string]bool{"A:2": true}},
			w:      convo("A:1", "A:2", "A:3", "B:1"),
			cfg:    DispatchConfig{Pacer: ConstantPacer(10), Flow: Flow{Warmup: 3, Requests: 1, Sessions: true, ThinkTime: think, DrainTimeout: time.Second}},
			want: phaseCheck{
				warmup:   results.WarmupPhase{DurationNs: 1000, Sent: 2, OK: 1, Canceled: 1, TimedOut: true},
				measured: 1000, offsets: []int64{0},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sink := &memSink{}
				cfg := tc.cfg
				cfg.Target, cfg.Workload, cfg.Sink, cfg.Start = tc.target, tc.w, sink, time.Now()
				out, err := Dispatch(t.Context(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				if stop := cmp.Or(tc.stop, results.StopCompleted); out.StopReason != stop {
					t.Errorf("stop %s, want %s", out.StopReason, stop)
				}
				recs := sink.sorted()
				if want := int(tc.want.warmup.Sent) + len(tc.want.offsets); len(recs) != want || out.Written != int64(want) {
					t.Fatalf("%d records (%d written), want %d", len(recs), out.Written, want)
				}
				checkPhases(t, cfg.Start, out, recs, tc.want)
			})
		})
	}
}

// TestWarmupSessionsCut: the last warm-up conversation is cut to the
// warm-up count, and its rest is not sent in the measured phase (which
// goes on with the next conversation), as the last conversation of a
// plan is cut today.
func TestWarmupSessionsCut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &memSink{}
		_, err := Dispatch(t.Context(), DispatchConfig{
			Target:   memTarget{ttft: 10 * time.Millisecond, decode: 90 * time.Millisecond},
			Workload: convo("A:1", "A:2", "A:3", "B:1"), Pacer: ConstantPacer(10), Sink: sink,
			Flow: Flow{Warmup: 2, Requests: 1, Sessions: true},
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range sink.byIndex(t) {
			got = append(got, fmt.Sprintf("%s warmup=%v", r.RequestID, r.Warmup))
		}
		if want := "[A:1 warmup=true A:2 warmup=true B:1 warmup=false]"; fmt.Sprint(got) != want {
			t.Errorf("sent %v, want %s", got, want)
		}
	})
}

// TestWarmupInterrupted: Ctrl-C during the warm-up drains the warm-up
// requests in flight and ends the run with nothing measured.
func TestWarmupInterrupted(t *testing.T) {
	for _, abort := range []bool{false, true} {
		t.Run(fmt.Sprintf("abort=%v", abort), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sink := &memSink{}
				ctx, cancel := context.WithCancel(t.Context())
				ab := make(chan struct{})
				time.AfterFunc(150*time.Millisecond, func() {
					cancel()
					if abort {
						close(ab)
					}
				})
				start := time.Now()
				out, err := Dispatch(ctx, DispatchConfig{
					Target:   memTarget{ttft: 50 * time.Millisecond, decode: 200 * time.Millisecond},
					Workload: workload(3), Pacer: ConstantPacer(10), Sink: sink, Abort: ab, Start: start,
					Flow: Flow{Warmup: 5, Requests: 10},
				})
				if err != nil {
					t.Fatal(err)
				}
				// Sent at 0 and 100 ms: drained (done at 250 and 350 ms), or
				// canceled by the abort at 150 ms.
				want := phaseCheck{warmup: results.WarmupPhase{DurationNs: 350, Sent: 2, OK: 2}}
				stop := results.StopInterrupted
				if abort {
					want.warmup = results.WarmupPhase{DurationNs: 150, Sent: 2, Canceled: 2}
					stop = results.StopCanceled
				}
				if out.StopReason != stop || out.Sent != 2 {
					t.Errorf("outcome %+v, want %s after 2 warm-up requests", out, stop)
				}
				checkPhases(t, start, out, sink.sorted(), want)
			})
		})
	}
}

func TestNoWarmupNoPhases(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out, err := Dispatch(t.Context(), DispatchConfig{
			Target:   memTarget{ttft: time.Millisecond, decode: time.Millisecond},
			Workload: workload(2), Concurrency: 1, Sink: &memSink{},
		})
		if err != nil || out.Phases != nil {
			t.Errorf("phases %+v, err %v; want none without a warm-up", out.Phases, err)
		}
	})
}

// sorted returns the records by request index (a conversation cut by
// the warm-up's bound leaves its unsent turns' indices unused).
func (s *memSink) sorted() []results.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.recs)
	slices.SortFunc(out, func(a, b results.Record) int { return cmp.Compare(a.RequestIndex, b.RequestIndex) })
	return out
}

// TestExecuteWarmupManifest: the manifest on disk records both phases,
// under the documented keys, and every row, warm-up and measured, counts
// on one clock from started_at (the clock telemetry samples use, so the
// reports' joins by offset line up).
func TestExecuteWarmupManifest(t *testing.T) {
	p := testPlan(t, tokenTarget{}, testWorkload("a", "b", "c"))
	p.Load.Warmup = 2
	var out Outcome
	synctest.Test(t, func(t *testing.T) {
		var err error
		if out, err = Execute(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	})
	// One user, 10 ms a request: warm-up a, b until 20 ms; then one pass.
	b, err := os.ReadFile(filepath.Join(out.Dir, results.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		StartedAt time.Time `json:"started_at"`
		Load      struct {
			Warmup int `json:"warmup"`
			Phases struct {
				Warmup struct {
					DurationNs int64 `json:"duration_ns"`
					Sent       int64 `json:"sent"`
					OK         int64 `json:"ok"`
				} `json:"warmup"`
				MeasuredStartNs   int64     `json:"measured_start_ns"`
				MeasuredStartedAt time.Time `json:"measured_started_at"`
			} `json:"phases"`
		} `json:"load"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	ph := raw.Load.Phases
	if raw.Load.Warmup != 2 || ph.Warmup.DurationNs != 20*ms || ph.Warmup.Sent != 2 || ph.Warmup.OK != 2 ||
		ph.MeasuredStartNs != 20*ms || !ph.MeasuredStartedAt.Equal(raw.StartedAt.Add(20*time.Millisecond)) {
		t.Errorf("manifest load: %s", b)
	}
	recs, err := results.ReadRequests(out.Dir)
	if err != nil || len(recs) != 5 {
		t.Fatalf("%d rows, %v", len(recs), err)
	}
	for _, r := range recs {
		if !r.StartedAt.Equal(raw.StartedAt.Add(time.Duration(r.SentNs))) {
			t.Errorf("row %d started_at %s, sent_ns %d: not on the run clock from %s", r.RequestIndex, r.StartedAt, r.SentNs, raw.StartedAt)
		}
		if want := 20*ms + (r.RequestIndex-2)*10*ms; !r.Warmup && r.ScheduledNs != want {
			t.Errorf("measured row %d scheduled %dns, want %dns", r.RequestIndex, r.ScheduledNs, want)
		}
	}
}
