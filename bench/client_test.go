package bench

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

func TestLagBuckets(t *testing.T) {
	// Each bucket's bounds: consecutive, each value inside its own, and an
	// upper bound at most 1/16 above the bucket's lowest value.
	prev := int64(-1)
	for i := range len(lagHistogram{}.counts) {
		hi := lagUpper(i)
		lo := prev + 1
		if lagIndex(lo) != i || lagIndex(hi) != i {
			t.Fatalf("bucket %d = [%d, %d], but index(lo) %d index(hi) %d", i, lo, hi, lagIndex(lo), lagIndex(hi))
		}
		if lo >= 16 && float64(hi-lo+1) > float64(lo)/16 {
			t.Fatalf("bucket %d = [%d, %d] is wider than 1/16 of its values", i, lo, hi)
		}
		if hi == 1<<63-1 {
			if i != len(lagHistogram{}.counts)-1 {
				t.Fatalf("bucket %d reaches MaxInt64 before the last", i)
			}
			return
		}
		prev = hi
	}
	t.Fatalf("the last bucket ends at %d, not MaxInt64", prev)
}

func TestLagQuantile(t *testing.T) {
	var h lagHistogram
	if h.quantile(0.99) != 0 {
		t.Fatal("empty histogram has a quantile")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var vals []int64
	for range 20000 {
		// Mostly sub-millisecond, a tail to a second, a few early sends.
		v := int64(rng.ExpFloat64() * 3e5)
		if rng.IntN(50) == 0 {
			v = rng.Int64N(1e9)
		}
		if rng.IntN(1000) == 0 {
			v = -5
		}
		vals = append(vals, v)
		h.add(v)
	}
	for i := range vals {
		vals[i] = max(vals[i], 0)
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
		exact := vals[int(float64(len(vals))*q+0.999999)-1]
		got := h.quantile(q)
		if got < exact || float64(got-exact) > float64(exact)/16+1 {
			t.Errorf("q%v = %d, exact %d: want within +1/16", q, got, exact)
		}
	}
	if h.quantile(1) != vals[len(vals)-1] || h.max.Load() != vals[len(vals)-1] {
		t.Errorf("max %d, quantile(1) %d, want %d", h.max.Load(), h.quantile(1), vals[len(vals)-1])
	}
}

func TestLagHistogramConcurrent(t *testing.T) {
	var h lagHistogram
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				h.add(int64(g*1000 + i))
			}
		})
	}
	wg.Wait()
	if h.n.Load() != 8000 || h.max.Load() != 7999 {
		t.Errorf("n %d max %d, want 8000 and 7999", h.n.Load(), h.max.Load())
	}
}

func TestClientProblems(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name string
		load ClientLoad
		want []string
	}{
		{"healthy", ClientLoad{LagP99: 2 * ms, CPUUtilisation: 0.5, Wall: 10 * time.Second, Cores: 2}, nil},
		{"at the limits", ClientLoad{LagP99: 5 * ms, CPUUtilisation: 0.849, Wall: 10 * time.Second, Cores: 2, TTFTErrP99: 5 * ms}, nil},
		{"late sends", ClientLoad{LagP99: 48*ms + 250*time.Microsecond, CPUUtilisation: 0.4, Wall: 10 * time.Second, Cores: 2},
			[]string{"schedule lag p99 48.2 ms is above 5.0 ms"}},
		{"busy cores", ClientLoad{LagP99: ms, CPUUtilisation: 0.97, Wall: 10 * time.Second, Cores: 1},
			[]string{"client CPU 97% of its 1 core(s) is at or above 85%"}},
		{"busy but too short to judge", ClientLoad{CPUUtilisation: 1, Wall: 900 * ms, Cores: 1}, nil},
		{"busy spinning", ClientLoad{CPUUtilisation: 1, Wall: time.Minute, Cores: 1, Spinning: true}, nil},
		{"calibrate's TTFT error", ClientLoad{TTFTErrP99: 7 * ms, Wall: time.Second, Cores: 2},
			[]string{"TTFT error p99 7.0 ms is above 5.0 ms"}},
		{"everything", ClientLoad{LagP99: 300 * ms, TTFTErrP99: 400 * ms, CPUUtilisation: 1.02, Wall: time.Minute, Cores: 2},
			[]string{"schedule lag p99 300.0 ms is above 5.0 ms", "TTFT error p99 400.0 ms is above 5.0 ms",
				"client CPU 102% of its 2 core(s) is at or above 85%"}},
	} {
		if got := tc.load.Problems(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// lateTarget takes its SentNs late: the client's own delay, as a starved
// client's would be.
type lateTarget struct{ late, serve time.Duration }

func (l lateTarget) Do(ctx context.Context, c results.Clock, req *workloads.Request) results.Record {
	time.Sleep(l.late)
	r := results.Record{SentNs: c.Now()}
	time.Sleep(l.serve)
	r.Status, r.FirstTokenNs, r.LastTokenNs, r.DoneNs, r.OutputTokens = results.StatusOK, c.Now(), c.Now(), c.Now(), 1
	return r
}

// TestDispatchOwnLag: OwnLag sees each measured request's own send delay,
// and not the wait for an in-flight slot, which schedule_lag includes.
func TestDispatchOwnLag(t *testing.T) {
	for _, tc := range []struct {
		name     string
		flow     Flow
		late     time.Duration
		wantLags []int64 // schedule lag of the measured records, by index
		wantOwn  int64   // every OwnLag value
	}{
		{"late sends", Flow{Warmup: 2, Requests: 3}, 7 * time.Millisecond, []int64{7 * ms, 7 * ms, 7 * ms}, 7 * ms},
		// One slot held 250 ms at 10 req/s: sent at 0, 250, 500 ms, late
		// by 0, 150 and 300 ms, all of it the cap's.
		{"in-flight cap", Flow{Requests: 3, MaxInFlight: 1}, 0, []int64{0, 150 * ms, 300 * ms}, 0},
	} {
		synctest.Test(t, func(t *testing.T) {
			sink := &memSink{}
			var mu sync.Mutex
			var own []int64
			_, err := Dispatch(t.Context(), DispatchConfig{
				Target: lateTarget{late: tc.late, serve: 250 * time.Millisecond}, Workload: workload(1),
				Pacer: ConstantPacer(10), Sink: sink, Flow: tc.flow,
				OwnLag: func(ns int64) { mu.Lock(); own = append(own, ns); mu.Unlock() },
			})
			if err != nil {
				t.Fatal(err)
			}
			var lags []int64
			for _, r := range sink.byIndex(t) {
				if !r.Warmup {
					lags = append(lags, r.ScheduleLagNs)
				}
			}
			if len(lags) != len(tc.wantLags) || len(own) != len(tc.wantLags) {
				t.Fatalf("%s: %d measured records, %d OwnLag calls, want %d", tc.name, len(lags), len(own), len(tc.wantLags))
			}
			for i := range lags {
				if offBy1(lags[i], tc.wantLags[i]) || offBy1(own[i], tc.wantOwn) {
					t.Errorf("%s: schedule lags %v, own lags %v, want %v and all %d", tc.name, lags, own, tc.wantLags, tc.wantOwn)
					break
				}
			}
		})
	}
}

// TestExecuteClientCheck: the manifest records the client's figures and,
// when its own send delay passes the limit, that it was saturated and why.
func TestExecuteClientCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		late   time.Duration
		reason string
	}{
		{"kept up", 0, ""},
		{"late sends", 20 * time.Millisecond, "schedule lag p99 20.0 ms is above 5.0 ms"},
	} {
		p := testPlan(t, lateTarget{late: tc.late, serve: 30 * time.Millisecond}, testWorkload("a", "b", "c", "d"))
		p.Load = Load{Mode: ModeRate, Rate: 10, Arrival: workloads.Arrival{Kind: "constant"}, Flow: Flow{Warmup: 1, Requests: 4}}
		var out Outcome
		synctest.Test(t, func(t *testing.T) {
			var err error
			if out, err = Execute(t.Context(), p); err != nil {
				t.Fatal(err)
			}
		})
		m, err := results.ReadManifest(out.Dir)
		if err != nil {
			t.Fatal(err)
		}
		c := m.Client
		if c == nil {
			t.Fatalf("%s: no client block in the manifest", tc.name)
		}
		if c.LagRequests != 4 || c.Cores < 1 || c.GOMAXPROCS < 1 || c.NumCPU < 1 || c.WallSeconds <= 0 {
			t.Errorf("%s: client %+v, want 4 measured requests and the process's cores", tc.name, c)
		}
		// Every request is equally late, so the histogram's p99 (capped at
		// the exact max) is exact.
		if offBy1(c.LagP99Ns, int64(tc.late)) {
			t.Errorf("%s: lag p99 %d, want %d", tc.name, c.LagP99Ns, tc.late)
		}
		// The virtual wall time is under a second: CPU is not judged.
		if got := strings.Join(c.Reasons, "; "); got != tc.reason || c.Saturated != (tc.reason != "") {
			t.Errorf("%s: saturated %v, reasons %q, want %q", tc.name, c.Saturated, got, tc.reason)
		}
	}
}
