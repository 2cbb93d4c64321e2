package bench

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// tokenTarget answers every request after 10 ms with usage: 100 input
// tokens (40 cached, 10 cache writes), 20 output; request "bad" fails with
// the tokens it was billed for, and the simulated flag is set as a
// simulator's response header would.
type tokenTarget struct{ simulated bool }

func (t tokenTarget) Do(ctx context.Context, c results.Clock, req *workloads.Request) results.Record {
	r := results.Record{SentNs: c.Now(), Simulated: t.simulated}
	select {
	case <-time.After(10 * time.Millisecond):
	case <-ctx.Done():
		r.Status, r.ErrorClass, r.DoneNs = results.StatusCanceled, results.ErrClassCanceled, c.Now()
		return r
	}
	r.InputTokens, r.CachedInputTokens, r.CacheWriteInputTokens = 100, 40, 10
	r.FirstTokenNs, r.LastTokenNs, r.DoneNs = c.Now(), c.Now(), c.Now()
	r.Status, r.OutputTokens = results.StatusOK, 20
	if req.ID == "bad" {
		r.OutputTokens = 5
		r.SetError(results.ErrClassStreamBroken, "cut")
	}
	return r
}

// recorder is an Observer that keeps what it saw.
type recorder struct {
	mu      sync.Mutex
	started []Started
	recs    []results.Record
}

func (o *recorder) Begin(s Started) { o.mu.Lock(); o.started = append(o.started, s); o.mu.Unlock() }
func (o *recorder) Observe(r *results.Record) {
	o.mu.Lock()
	o.recs = append(o.recs, *r)
	o.mu.Unlock()
}

func testWorkload(ids ...string) *workloads.Workload {
	w := &workloads.Workload{Name: "w", Format: workloads.FormatNative, SHA256: "abc"}
	for i, id := range ids {
		at := float64(i) * 100
		w.Requests = append(w.Requests, workloads.Request{ID: id, Index: i, Prompt: "p", MaxTokens: 20, AtMs: &at})
	}
	return w
}

func testPlan(t *testing.T, target Target, w *workloads.Workload) Plan {
	return Plan{
		Target:     target,
		TargetInfo: results.TargetInfo{Name: "mem", Kind: "api", Provider: "p", Model: "m", Protocol: "test"},
		Workload:   w,
		Load:       Load{Mode: ModeConcurrency, Concurrency: 1},
		Outputs:    Outputs{Dir: t.TempDir(), RunID: "r"},
		Tool:       results.Tool{Name: "inferbench", Version: "test"},
		Args:       []string{"run", "--test"},
		// The probe has tests of its own (probe_test.go); these count
		// the target's requests and time the run from its start.
		NoProbe: true,
	}
}

// TestExecuteInMemory runs a plan under synctest and reads what it wrote
// afterwards: parquet-go's readers must not run inside a bubble (their
// finalizers receive on the bubble's channels from outside it).
func TestExecuteInMemory(t *testing.T) {
	snap := prices.Snapshot(prices.TokenPrice{Provider: "p", Model: "m", Rates: prices.Rates{InputPer1M: 3, OutputPer1M: 15,
		CachedInputPer1M: ptr(0.3), CacheWritePer1M: ptr(3.75)}})
	obs := &recorder{}
	var out Outcome
	p := testPlan(t, tokenTarget{simulated: true}, testWorkload("a", "bad", "c"))
	p.Load.Warmup = 1
	p.Prices = &snap
	p.Observers = []Observer{obs}
	synctest.Test(t, func(t *testing.T) {
		var err error
		if out, err = Execute(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	})
	if out.RunID != "r" || out.Dir != filepath.Join(p.Outputs.Dir, "r") || out.StopReason != results.StopCompleted || out.Interrupted() {
		t.Fatalf("outcome %+v", out)
	}
	// One pass over the workload after one warm-up request.
	if want := (results.RequestCounts{Sent: 4, OK: 3, Failed: 1, Warmup: 1}); out.Requests != want {
		t.Errorf("counts %+v, want %+v", out.Requests, want)
	}
	recs, err := results.ReadRequests(out.Dir)
	if err != nil || len(recs) != 4 {
		t.Fatalf("%d rows, %v", len(recs), err)
	}
	for _, r := range recs {
		// Stamped once, with everything that is not wire-level.
		if r.RunID != "r" || r.Target != "mem" || r.TargetKind != "api" || r.Provider != "p" || r.Model != "m" ||
			r.Workload != "w" || !r.Simulated || r.RequestedOutputTokens != 20 || r.StartedAt.IsZero() || r.Warmup != (r.RequestIndex == 0) {
			t.Errorf("row %d identity: %+v", r.RequestIndex, r)
		}
		// Every row, failed ones too, costs RecordCost of its tokens.
		if want := prices.RecordCost(snap, &r); r.CostUSD != want || want == 0 {
			t.Errorf("row %d (%s) cost %v, want %v", r.RequestIndex, r.Status, r.CostUSD, want)
		}
		//	50·3 + 40·0.3 + 10·3.75 + 20·15 = 150 + 12 + 37.5 + 300 = 499.5 µ$
		if r.OK() && math.Abs(r.CostUSD-499.5e-6) > 1e-12 {
			t.Errorf("ok row cost %v, want 499.5e-6", r.CostUSD)
		}
	}
	m, err := results.ReadManifest(out.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.StopReason != results.StopCompleted || m.Requests != out.Requests || !m.Target.Simulated || m.Prices == nil ||
		m.Prices.InputPer1M != 3 || len(m.Parts) != 1 || m.Load.Mode != "concurrency" || m.Load.Concurrency != 1 ||
		m.Load.DrainNs != int64(30*time.Second) || m.Workload.Requests != 3 || m.Workload.SHA256 != "abc" ||
		m.Tool.Version != "test" || strings.Join(m.Args, " ") != "run --test" || m.Host.CPUs == 0 {
		t.Errorf("manifest %+v", m)
	}
	if len(obs.started) != 1 || obs.started[0].Planned != 4 || obs.started[0].Dir != out.Dir || len(obs.recs) != 4 {
		t.Errorf("observer saw %+v and %d records", obs.started, len(obs.recs))
	}
}

func ptr(v float64) *float64 { return &v }

// TestExecuteLiveManifest: while a run goes, the manifest on disk counts
// what was sent so far.
func TestExecuteLiveManifest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		target := TargetFunc(func(ctx context.Context, c results.Clock, req *workloads.Request) results.Record {
			r := results.Record{SentNs: c.Now()}
			if req.ID == "hold" {
				select {
				case <-release:
				case <-ctx.Done():
				}
			}
			r.Status, r.DoneNs = results.StatusOK, c.Now()
			return r
		})
		p := testPlan(t, target, testWorkload("a", "b", "hold"))
		p.Outputs.ManifestInterval = time.Second
		dir := filepath.Join(p.Outputs.Dir, "r")
		done := make(chan Outcome)
		go func() {
			out, err := Execute(t.Context(), p)
			if err != nil {
				t.Error(err)
			}
			done <- out
		}()
		var live *results.Manifest
		for range 10 {
			time.Sleep(time.Second)
			if m, err := results.ReadManifest(dir); err == nil && m.Requests.Sent > 0 {
				live = m
				break
			}
		}
		close(release)
		out := <-done
		if live == nil {
			t.Fatal("the manifest never counted a request while the run went")
		}
		if live.StopReason != results.StopRunning || live.Requests.Sent != 2 || live.Requests.OK != 2 || !live.EndedAt.IsZero() {
			t.Errorf("live manifest: stop %q, counts %+v", live.StopReason, live.Requests)
		}
		if out.Requests.Sent != 3 || out.StopReason != results.StopCompleted {
			t.Errorf("final %+v", out)
		}
	})
}

func TestExecuteInterruptAndAbort(t *testing.T) {
	for _, abort := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			p := testPlan(t, memTarget{ttft: 50 * time.Millisecond, decode: 200 * time.Millisecond}, testWorkload("a"))
			p.Load = Load{Mode: ModeRate, Rate: 100, Arrival: workloads.Arrival{Kind: "constant"}, Flow: Flow{Requests: 1000}}
			ab := make(chan struct{})
			p.Abort = ab
			ctx, cancel := context.WithCancel(t.Context())
			go func() {
				time.Sleep(105 * time.Millisecond)
				cancel()
				if abort {
					close(ab)
				}
			}()
			out, err := Execute(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			want := map[bool]string{false: results.StopInterrupted, true: results.StopCanceled}[abort]
			if out.StopReason != want || !out.Interrupted() || out.Requests.Sent != 11 {
				t.Errorf("abort %v: %+v", abort, out)
			}
			if abort != (out.Requests.Canceled > 0) {
				t.Errorf("abort %v: %d canceled", abort, out.Requests.Canceled)
			}
		})
	}
}

func TestExecuteStartAt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := testPlan(t, tokenTarget{}, testWorkload("a"))
		at := time.Now().Add(3 * time.Second)
		p.Outputs.StartAt, p.Outputs.Shard = at, workloads.Shard{Index: 0, Count: 2}
		out, err := Execute(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		if !out.Start.Equal(at) || out.RunID != "r-shard-0-of-2" || out.Manifest.Shard.Group != "r" || !out.Manifest.Shard.StartAt.Equal(at) {
			t.Errorf("started %s (want %s), %s, %+v", out.Start, at, out.RunID, out.Manifest.Shard)
		}
		// The context ends the wait: nothing is left behind.
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		p.Outputs.StartAt, p.Outputs.RunID = time.Now().Add(time.Minute), "gone"
		if _, err := Execute(ctx, p); !errors.Is(err, ErrStartInterrupted) {
			t.Errorf("err %v, want ErrStartInterrupted", err)
		}
		if _, err := os.Stat(filepath.Join(p.Outputs.Dir, "gone-shard-0-of-2")); !os.IsNotExist(err) {
			t.Errorf("run directory left behind: %v", err)
		}
	})
}

func TestExecutePlanErrors(t *testing.T) {
	p := testPlan(t, tokenTarget{}, testWorkload("a"))
	if err := os.MkdirAll(filepath.Join(p.Outputs.Dir, "r"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Execute(t.Context(), p); !errors.Is(err, ErrInvalidPlan) || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("existing run dir: %v", err)
	}
	p.Load.Concurrency = 0
	if _, err := Execute(t.Context(), p); !errors.Is(err, ErrInvalidPlan) || !strings.Contains(err.Error(), "concurrency must be from 1") {
		t.Errorf("invalid plan: %v", err)
	}
}

func TestExecuteReplayShard(t *testing.T) {
	w := testWorkload("a", "b", "c", "d")
	at := func(ms float64) *float64 { return &ms }
	w.Requests[0].AtMs, w.Requests[2].AtMs = at(300), at(0) // shard 0 of 2 sends a and c, c first
	p := testPlan(t, tokenTarget{}, w)
	p.Load = Load{Mode: ModeReplay, TimeScale: 0.5}
	p.Outputs.Shard = workloads.Shard{Index: 0, Count: 2}
	var out Outcome
	synctest.Test(t, func(t *testing.T) {
		var err error
		if out, err = Execute(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	})
	recs, _ := results.ReadRequests(out.Dir)
	got := map[string]int64{}
	for _, r := range recs {
		got[r.RequestID] = r.ScheduledNs
	}
	if len(got) != 2 || got["c"] != 0 || got["a"] != 150*ms || w.Requests[0].ID != "a" {
		t.Errorf("scheduled %v; the loaded workload must stay in file order", got)
	}
	if m := out.Manifest; m.Load.Mode != "replay" || m.Load.TimeScale != 0.5 || m.Workload.Requests != 2 {
		t.Errorf("manifest load %+v workload %+v", m.Load, m.Workload)
	}
}
