package bench

import (
	"reflect"
	"testing"
	"testing/synctest"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

func TestJudge(t *testing.T) {
	tenth := 0.1
	for _, tc := range []struct {
		name   string
		max    *float64
		m      results.RequestCounts
		want   *Failure
		reason string
	}{
		{"healthy", nil, results.RequestCounts{Sent: 10, OK: 10}, nil, ""},
		{"errors without a limit", nil, results.RequestCounts{Sent: 10, OK: 1, Failed: 9}, nil, ""},
		{"none succeeded", nil, results.RequestCounts{Sent: 10, Failed: 8, Canceled: 2},
			&Failure{NoSuccess: true, Measured: results.RequestCounts{Sent: 10, Failed: 8, Canceled: 2}},
			"no measured request succeeded (8 failed, 2 canceled)"},
		{"none sent", nil, results.RequestCounts{}, &Failure{NoSuccess: true}, "no measured request was sent"},
		// Canceled requests are left out of the rate: 1 of 10 finished failed.
		{"at the limit", &tenth, results.RequestCounts{Sent: 15, OK: 9, Failed: 1, Canceled: 5}, nil, ""},
		{"over the limit", &tenth, results.RequestCounts{Sent: 10, OK: 8, Failed: 2},
			&Failure{ErrorRate: 0.2, MaxErrorRate: 0.1, Measured: results.RequestCounts{Sent: 10, OK: 8, Failed: 2}},
			"2 of 10 measured requests failed (20%), above --max-error-rate 10%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Plan{MaxErrorRate: tc.max}
			got := p.judge(tc.m)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("judge %+v, want %+v", got, tc.want)
			}
			if got != nil {
				if r := got.Reason(func(s string) string { return "--" + s }); r != tc.reason {
					t.Errorf("reason %q, want %q", r, tc.reason)
				}
			}
		})
	}
}

// TestExecuteFailedRun: a run whose measured requests all fail ran to its
// end (its rows and manifest are written) but failed, with the errors by
// class and a sample; warm-up requests count for neither.
func TestExecuteFailedRun(t *testing.T) {
	target := &scriptTarget{answer: func(n int, req *workloads.Request) (string, int32, string) {
		if n == 0 {
			return "", 0, "" // the warm-up request succeeds
		}
		if req.ID == "b" {
			return results.ErrClassTimeout, 0, "first token timeout"
		}
		return results.ErrClassHTTP5xx, 503, "overloaded"
	}}
	p := testPlan(t, target, testWorkload("a", "b", "c"))
	p.Load.Warmup = 1
	var out Outcome
	synctest.Test(t, func(t *testing.T) {
		var err error
		if out, err = Execute(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	})
	wantMeasured := results.RequestCounts{Sent: 3, Failed: 3}
	if out.StopReason != results.StopCompleted || out.Measured != wantMeasured || out.Failure == nil || !out.Failure.NoSuccess {
		t.Fatalf("outcome: stop %s, measured %+v, failure %+v", out.StopReason, out.Measured, out.Failure)
	}
	want := []results.ClassCount{{Class: results.ErrClassHTTP5xx, Count: 2, Sample: "overloaded"},
		{Class: results.ErrClassTimeout, Count: 1, Sample: "first token timeout"}}
	if !reflect.DeepEqual(out.Errors, want) {
		t.Errorf("errors %+v, want %+v", out.Errors, want)
	}
}

// TestSweepStopsAtFailedLevel: a level that failed ends the sweep there.
func TestSweepStopsAtFailedLevel(t *testing.T) {
	target := &scriptTarget{answer: func(n int, _ *workloads.Request) (string, int32, string) {
		if n < 2 {
			return "", 0, ""
		}
		return results.ErrClassHTTP5xx, 500, "down"
	}}
	p := testPlan(t, target, testWorkload("a", "b"))
	var out SweepOutcome
	synctest.Test(t, func(t *testing.T) {
		var err error
		out, err = Sweep(t.Context(), SweepPlan{Plan: p, Levels: []Level{{Name: "c1", Concurrency: 1}, {Name: "c2", Concurrency: 2}, {Name: "c4", Concurrency: 4}}})
		if err != nil {
			t.Fatal(err)
		}
	})
	if !out.Failed || out.Interrupted || len(out.Levels) != 2 || out.Levels[0].Outcome.Failure != nil || out.Levels[1].Outcome.Failure == nil {
		t.Fatalf("sweep %+v", out)
	}
}
