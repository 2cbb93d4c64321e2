package bench

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// memTarget is an in-memory target: the first token after ttft, the last
// after ttft+decode. It honours ctx like a real target.
type memTarget struct{ ttft, decode time.Duration }

func (m memTarget) Do(ctx context.Context, c results.Clock, req *workloads.Request) results.Record {
	r := results.Record{SentNs: c.Now(), Status: results.StatusOK, OutputTokens: int64(req.MaxTokens)}
	select {
	case <-time.After(m.ttft):
		r.FirstTokenNs = c.Now()
	case <-ctx.Done():
		r.Status, r.ErrorClass, r.DoneNs = results.StatusCanceled, results.ErrClassCanceled, c.Now()
		return r
	}
	select {
	case <-time.After(m.decode):
		r.LastTokenNs = c.Now()
	case <-ctx.Done():
		r.Status, r.ErrorClass, r.DoneNs = results.StatusCanceled, results.ErrClassCanceled, c.Now()
		return r
	}
	r.DoneNs = c.Now()
	return r
}

type memSink struct {
	mu   sync.Mutex
	recs []results.Record
	fail int // fail on this many-th write (1-based); 0 = never
}

func (s *memSink) Write(r results.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 && len(s.recs)+1 == s.fail {
		return errors.New("disk full")
	}
	s.recs = append(s.recs, r)
	return nil
}

// byIndex returns the records ordered by request index.
func (s *memSink) byIndex(t *testing.T) []results.Record {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]results.Record, len(s.recs))
	for _, r := range s.recs {
		if int(r.RequestIndex) >= len(out) || out[r.RequestIndex].Status != "" {
			t.Fatalf("bad or duplicate request index %d", r.RequestIndex)
		}
		out[r.RequestIndex] = r
	}
	return out
}

func workload(n int) []workloads.Request {
	w := make([]workloads.Request, n)
	for i := range w {
		w[i] = workloads.Request{ID: string(rune('a' + i)), Prompt: "p", MaxTokens: 8}
	}
	return w
}

const ms = int64(time.Millisecond)

func TestDispatchOpenLoopConstant(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &memSink{}
		out, err := Dispatch(t.Context(), DispatchConfig{
			Target:   memTarget{ttft: 50 * time.Millisecond, decode: 200 * time.Millisecond},
			Workload: workload(3), Pacer: ConstantPacer(10), Sink: sink,
			Identity: Identity{RunID: "run1"}, Flow: Flow{Requests: 5},
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.StopReason != results.StopCompleted || out.Sent != 5 || out.Written != 5 {
			t.Fatalf("outcome = %+v", out)
		}
		recs := sink.byIndex(t)
		for i, r := range recs {
			// The clock reads at least 1 ns, so the first send is at 1 ns.
			if r.ScheduledNs != int64(i)*100*ms || r.ScheduleLagNs > 1 {
				t.Errorf("req %d scheduled %d lag %d, want %d lag 0", i, r.ScheduledNs, r.ScheduleLagNs, int64(i)*100*ms)
			}
			if offBy1(r.TTFTNs, 50*ms) || offBy1(r.E2ENs, 250*ms) || offBy1(r.TPOTNs, 200*ms/7) {
				t.Errorf("req %d ttft %d e2e %d tpot %d", i, r.TTFTNs, r.E2ENs, r.TPOTNs)
			}
			if r.RunID != "run1" || r.RequestID != string(rune('a'+i%3)) || r.RequestedOutputTokens != 8 {
				t.Errorf("req %d identity %q %q %d", i, r.RunID, r.RequestID, r.RequestedOutputTokens)
			}
		}
	})
}

func TestDispatchClosedLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &memSink{}
		out, err := Dispatch(t.Context(), DispatchConfig{
			Target:   memTarget{ttft: 10 * time.Millisecond, decode: 90 * time.Millisecond},
			Workload: workload(2), Concurrency: 2, Sink: sink, Flow: Flow{Requests: 6},
		})
		if err != nil || out.Written != 6 || out.StopReason != results.StopCompleted {
			t.Fatalf("out=%+v err=%v", out, err)
		}
		// Two users, 100 ms each: two requests at 0, 100 and 200 ms.
		count := map[int64]int{}
		for _, r := range sink.byIndex(t) {
			count[r.ScheduledNs/ms*ms]++
			if r.ScheduleLagNs != 0 {
				t.Errorf("closed loop lag %d", r.ScheduleLagNs)
			}
		}
		for _, at := range []int64{0, 100 * ms, 200 * ms} {
			if count[at] != 2 {
				t.Errorf("at %dms: %d requests, want 2 (all: %v)", at/ms, count[at], count)
			}
		}
	})
}

func TestDispatchInFlightCapShowsLag(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &memSink{}
		_, err := Dispatch(t.Context(), DispatchConfig{
			Target:   memTarget{ttft: 50 * time.Millisecond, decode: 200 * time.Millisecond},
			Workload: workload(1), Pacer: ConstantPacer(10), Sink: sink, Flow: Flow{Requests: 3, MaxInFlight: 1},
		})
		if err != nil {
			t.Fatal(err)
		}
		recs := sink.byIndex(t)
		// Each request holds the only slot for 250 ms: sent at 0, 250, 500.
		wantLag := []int64{0, 150 * ms, 300 * ms}
		for i, r := range recs {
			if offBy1(r.ScheduleLagNs, wantLag[i]) {
				t.Errorf("req %d lag %dms, want %dms", i, r.ScheduleLagNs/ms, wantLag[i]/ms)
			}
		}
	})
}

func TestDispatchDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &memSink{}
		out, err := Dispatch(t.Context(), DispatchConfig{
			Target:   memTarget{ttft: 10 * time.Millisecond, decode: 300 * time.Millisecond},
			Workload: workload(4), Pacer: ConstantPacer(10), Sink: sink, Flow: Flow{Duration: time.Second},
		})
		if err != nil {
			t.Fatal(err)
		}
		// Offsets 0..900 ms fit in 1 s; in-flight ones finish (drain).
		if out.StopReason != results.StopDuration || out.Written != 10 {
			t.Fatalf("outcome %+v", out)
		}
		for _, r := range sink.recs {
			if r.Status != results.StatusOK {
				t.Errorf("req %d status %s", r.RequestIndex, r.Status)
			}
		}
	})
}

func TestDispatchClosedLoopDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &memSink{}
		out, err := Dispatch(t.Context(), DispatchConfig{
			Target:   memTarget{ttft: 10 * time.Millisecond, decode: 290 * time.Millisecond},
			Workload: workload(4), Concurrency: 3, Sink: sink, Flow: Flow{Duration: time.Second},
		})
		if err != nil {
			t.Fatal(err)
		}
		// 3 users x 4 rounds (0, 300, 600, 900 ms); none starts at 1.2 s.
		if out.StopReason != results.StopDuration || out.Written != 12 {
			t.Fatalf("outcome %+v", out)
		}
	})
}

func TestDispatchInterruptDrains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &memSink{}
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(350*time.Millisecond, cancel)
		out, err := Dispatch(ctx, DispatchConfig{
			Target:   memTarget{ttft: 100 * time.Millisecond, decode: 900 * time.Millisecond},
			Workload: workload(2), Pacer: ConstantPacer(10), Sink: sink, Flow: Flow{Requests: 100},
		})
		if err != nil {
			t.Fatal(err)
		}
		// Sent at 0, 100, 200, 300 ms; all four finish after the interrupt.
		if out.StopReason != results.StopInterrupted || out.Sent != 4 || out.Written != 4 {
			t.Fatalf("outcome %+v", out)
		}
		for _, r := range sink.recs {
			if r.Status != results.StatusOK {
				t.Errorf("req %d: %s", r.RequestIndex, r.Status)
			}
		}
	})
}

func TestDispatchAbortCancelsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &memSink{}
		ctx, cancel := context.WithCancel(t.Context())
		abort := make(chan struct{})
		time.AfterFunc(250*time.Millisecond, cancel)
		time.AfterFunc(500*time.Millisecond, func() { close(abort) })
		out, err := Dispatch(ctx, DispatchConfig{
			Target:   memTarget{ttft: 100 * time.Millisecond, decode: 5 * time.Second},
			Workload: workload(2), Pacer: ConstantPacer(10), Sink: sink, Abort: abort, Flow: Flow{Requests: 100},
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.StopReason != results.StopCanceled || out.Written != 3 {
			t.Fatalf("outcome %+v", out)
		}
		for _, r := range sink.recs {
			if r.Status != results.StatusCanceled || r.DoneNs != 500*ms {
				t.Errorf("req %d: status %s done %dms", r.RequestIndex, r.Status, r.DoneNs/ms)
			}
		}
	})
}

func TestDispatchDrainTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &memSink{}
		out, err := Dispatch(t.Context(), DispatchConfig{
			Target:   memTarget{ttft: 100 * time.Millisecond, decode: time.Hour},
			Workload: workload(1), Pacer: ConstantPacer(1), Sink: sink, Flow: Flow{Requests: 1, DrainTimeout: 2 * time.Second},
		})
		if err != nil || out.Written != 1 {
			t.Fatalf("out=%+v err=%v", out, err)
		}
		if r := sink.recs[0]; r.Status != results.StatusCanceled || r.DoneNs != 2000*ms {
			t.Fatalf("record %s done %dms", r.Status, r.DoneNs/ms)
		}
	})
}

func TestDispatchWarmup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &memSink{}
		_, err := Dispatch(t.Context(), DispatchConfig{
			Target:   memTarget{ttft: time.Millisecond, decode: time.Millisecond},
			Workload: workload(3), Concurrency: 1, Sink: sink, Flow: Flow{Warmup: 2, Requests: 3},
		})
		if err != nil {
			t.Fatal(err)
		}
		recs := sink.byIndex(t)
		if len(recs) != 5 {
			t.Fatalf("%d records, want 2 warm-up + 3", len(recs))
		}
		for i, r := range recs {
			if r.Warmup != (i < 2) {
				t.Errorf("req %d warmup=%v", i, r.Warmup)
			}
		}
	})
}

func TestDispatchDefaultOnePass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &memSink{}
		out, err := Dispatch(t.Context(), DispatchConfig{
			Target:   memTarget{ttft: time.Millisecond, decode: time.Millisecond},
			Workload: workload(4), Concurrency: 2, Sink: sink, Flow: Flow{Warmup: 1},
		})
		if err != nil || out.Written != 5 {
			t.Fatalf("one pass + warm-up: out=%+v err=%v", out, err)
		}
	})
}

func TestDispatchReplay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &memSink{}
		offs := []time.Duration{100 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond}
		out, err := Dispatch(t.Context(), DispatchConfig{
			Target:   memTarget{ttft: time.Millisecond, decode: time.Millisecond},
			Workload: workload(3), Pacer: ReplayPacer(offs, 0.5), Replay: true, Sink: sink,
		})
		if err != nil || out.Written != 3 || out.StopReason != results.StopCompleted {
			t.Fatalf("out=%+v err=%v", out, err)
		}
		want := []int64{0, 25 * ms, 150 * ms}
		for i, r := range sink.byIndex(t) {
			if r.ScheduledNs != want[i] || offBy1(r.SentNs, want[i]) {
				t.Errorf("req %d scheduled %d sent %d, want %d", i, r.ScheduledNs, r.SentNs, want[i])
			}
		}
	})
}

func TestDispatchSinkFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &memSink{fail: 2}
		out, err := Dispatch(t.Context(), DispatchConfig{
			Target:   memTarget{ttft: time.Millisecond, decode: time.Millisecond},
			Workload: workload(2), Pacer: ConstantPacer(100), Sink: sink, Flow: Flow{Requests: 50},
		})
		if err == nil || out.StopReason != results.StopFailed {
			t.Fatalf("out=%+v err=%v, want a failed run", out, err)
		}
		if out.Sent >= 50 {
			t.Errorf("scheduling did not stop after the sink failed: sent %d", out.Sent)
		}
	})
}

func TestDispatchConfigValidate(t *testing.T) {
	err := (&DispatchConfig{}).Validate()
	if err == nil {
		t.Fatal("empty config is valid")
	}
	for _, want := range []string{"no target", "empty workload", "set a rate", "no sink"} {
		if !contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	c := DispatchConfig{Target: memTarget{}, Workload: workload(1), Pacer: ConstantPacer(1), Concurrency: 2, Sink: &memSink{}}
	if err := c.Validate(); err == nil || !contains(err.Error(), "not both") {
		t.Errorf("rate and concurrency together: %v", err)
	}
}

// offBy1 reports whether got is more than 1 ns from want (the clock reads at least 1 ns).
func offBy1(got, want int64) bool { return got < want-1 || got > want+1 }

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
