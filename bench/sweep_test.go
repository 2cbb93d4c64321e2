package bench

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/inferbench/inferbench/results"
)

func TestSweepSaturation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := testPlan(t, tokenTarget{}, testWorkload("a", "b"))
		var judged []string
		var names []string
		s := SweepPlan{
			Plan:   p,
			Levels: []Level{{Name: "concurrency 1", Concurrency: 1}, {Name: "concurrency 2", Concurrency: 2}, {Name: "concurrency 4", Concurrency: 4}, {Name: "concurrency 8", Concurrency: 8}},
			Pause:  time.Second,
			// A fake judge: levels up to 2 users meet the SLO.
			Judge: func(dir string) (bool, float64, error) {
				judged = append(judged, filepath.Base(dir))
				m, err := results.ReadManifest(dir)
				if err != nil {
					return false, 0, err
				}
				return m.Load.Concurrency <= 2, 1 / float64(m.Load.Concurrency), nil
			},
			OnLevel: func(i int, l Level) { names = append(names, l.Name) },
		}
		var done []LevelOutcome
		s.OnDone = func(lo LevelOutcome) { done = append(done, lo) }
		start := time.Now()
		out, err := Sweep(t.Context(), s)
		if err != nil {
			t.Fatal(err)
		}
		// It stops at the first level that fails (4), and names 2 the best.
		if out.Best != 1 || out.Interrupted || len(out.Levels) != 3 || strings.Join(judged, ",") != "r-c1,r-c2,r-c3" {
			t.Fatalf("best %d, %d levels, judged %v", out.Best, len(out.Levels), judged)
		}
		if len(done) != 3 || !done[2].Judged || done[2].Met || done[2].Fraction != 0.25 || done[1].Outcome.RunID != "r-c2" || len(names) != 3 {
			t.Errorf("done %+v, started %v", done, names)
		}
		if _, err := os.Stat(filepath.Join(p.Outputs.Dir, "r-c4")); !os.IsNotExist(err) {
			t.Errorf("level 8 ran after level 4 failed: %v", err)
		}
		if time.Since(start) < 2*time.Second {
			t.Errorf("the two pauses took %s", time.Since(start))
		}
	})
}

func TestSweepRatesWithoutJudge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := testPlan(t, tokenTarget{}, testWorkload("a"))
		p.Load = Load{Mode: ModeRate, Flow: Flow{Requests: 3}}
		p.Outputs.RunID = ""
		p.TargetInfo.Name = "sim host"
		out, err := Sweep(t.Context(), SweepPlan{Plan: p, Levels: []Level{{Name: "rate 10/s", Rate: 10}, {Name: "rate 20/s", Rate: 20}}})
		if err != nil {
			t.Fatal(err)
		}
		if out.Best != -1 || len(out.Levels) != 2 {
			t.Fatalf("%+v", out)
		}
		// A generated run id is shared by every level.
		a, b := out.Levels[0].Outcome.RunID, out.Levels[1].Outcome.RunID
		if !strings.HasSuffix(a, "-r1") || strings.TrimSuffix(a, "-r1") != strings.TrimSuffix(b, "-r2") || !strings.Contains(a, "-sim-host-") {
			t.Errorf("run ids %s %s", a, b)
		}
		if m := out.Levels[1].Outcome.Manifest; m.Load.Rate != 20 || m.Requests.Sent != 3 {
			t.Errorf("level 2 manifest %+v", m.Load)
		}
	})
}

func TestSweepInterruptedPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := testPlan(t, tokenTarget{}, testWorkload("a"))
		ctx, cancel := context.WithCancel(t.Context())
		s := SweepPlan{Plan: p, Levels: []Level{{Name: "1", Concurrency: 1}, {Name: "2", Concurrency: 2}}, Pause: time.Minute,
			OnDone: func(LevelOutcome) { time.AfterFunc(time.Second, cancel) }}
		out, err := Sweep(ctx, s)
		if err != nil || !out.Interrupted || len(out.Levels) != 1 {
			t.Errorf("%+v %v", out, err)
		}
	})
}

func TestSweepErrors(t *testing.T) {
	p := testPlan(t, tokenTarget{}, testWorkload("a"))
	s := SweepPlan{Plan: p, Levels: []Level{{Name: "c1", Concurrency: 1}, {Name: "c0", Concurrency: 0}}, Pause: -1}
	s.Plan.Outputs.StartAt = time.Now().Add(time.Minute)
	_, err := Sweep(t.Context(), s)
	got := FormatProblems(err, func(s string) string { return "--" + s })
	for _, want := range []string{"--sweep-pause must be from 0 to 24h0m0s, got -1ns", "--start-at starts one run, not a sweep", "--concurrency c0: must be from 1 to 100000, got 0"} {
		if !errors.Is(err, ErrInvalidPlan) || !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if strings.Count(got, "concurrency") != 1 {
		t.Errorf("a level's problem reported twice:\n%s", got)
	}
	// A judge that cannot read the run is an error naming the level.
	s = SweepPlan{Plan: p, Levels: []Level{{Name: "c1", Concurrency: 1}},
		Judge: func(string) (bool, float64, error) { return false, 0, errors.New("no rows") }}
	s.Plan.Outputs.RunID = "j"
	if _, err := Sweep(t.Context(), s); err == nil || errors.Is(err, ErrInvalidPlan) || err.Error() != "c1: reading results: no rows" {
		t.Errorf("judge error: %v", err)
	}
}

// TestSweepVerdict: the lines a sweep ends with: the failed level, then
// the saturation point only when a judge ran and the sweep ended on its
// own with a verdict to give.
func TestSweepVerdict(t *testing.T) {
	lv := func(name, id string) LevelOutcome {
		return LevelOutcome{Level: Level{Name: name}, Outcome: Outcome{RunID: id}}
	}
	two := []LevelOutcome{lv("rate 1/s", "x-r1"), lv("rate 2/s", "x-r2")}
	const best = "saturation: highest level meeting the SLO (ttft=500ms) for 90% of requests: rate 1/s (x-r1)"
	const none = "saturation: no level met the SLO (ttft=500ms) for 90% of requests"
	for _, tc := range []struct {
		name   string
		o      SweepOutcome
		judged bool
		want   []string
	}{
		{"no judge", SweepOutcome{Levels: two, Best: -1}, false, nil},
		{"no judge, failed", SweepOutcome{Levels: two, Best: -1, Failed: true}, false, []string{"sweep stopped: rate 2/s failed"}},
		{"best", SweepOutcome{Levels: two, Best: 0}, true, []string{best}},
		{"none met", SweepOutcome{Levels: two, Best: -1}, true, []string{none}},
		{"failed after a pass", SweepOutcome{Levels: two, Best: 0, Failed: true}, true, []string{"sweep stopped: rate 2/s failed", best}},
		{"failed before a pass", SweepOutcome{Levels: two, Best: -1, Failed: true}, true, []string{"sweep stopped: rate 2/s failed"}},
		{"interrupted", SweepOutcome{Levels: two, Best: 0, Interrupted: true}, true, nil},
	} {
		got := tc.o.Verdict(tc.judged, "ttft=500ms", 0.9)
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestOutcomeSummary(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	o := Outcome{Manifest: &results.Manifest{Target: results.TargetInfo{Name: "vllm"}}, StopReason: results.StopCompleted,
		Start: start, End: start.Add(2345678 * time.Microsecond),
		Requests: results.RequestCounts{Sent: 10, OK: 7, Failed: 2, Canceled: 1}}
	want := "vllm: 10 requests (7 ok, 2 failed, 1 canceled) in 2.346s; stop reason: " + results.StopCompleted
	if got := o.Summary(); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
