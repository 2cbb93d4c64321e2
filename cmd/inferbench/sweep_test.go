package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/sim"
)

func TestRunSweep(t *testing.T) {
	url := exactSim(t, 2*time.Millisecond, time.Millisecond)
	wl := writeWorkload(t, 4, 4)
	cases := []struct {
		name   string
		load   []string
		suffix []string
		check  func(t *testing.T, l results.LoadInfo, step int)
	}{
		{"rates", []string{"--rate", "20/s,40/s", "--arrival", "constant"}, []string{"-r1", "-r2"},
			func(t *testing.T, l results.LoadInfo, step int) {
				if want := []float64{20, 40}[step]; l.Mode != "rate" || l.Rate != want {
					t.Errorf("step %d load %+v, want rate %g", step, l, want)
				}
			}},
		{"concurrencies", []string{"--concurrency", "1,2,3", "--sweep-pause", "10ms"}, []string{"-c1", "-c2", "-c3"},
			func(t *testing.T, l results.LoadInfo, step int) {
				if l.Mode != "concurrency" || l.Concurrency != step+1 {
					t.Errorf("step %d load %+v", step, l)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			e, stdout, stderr := testEnv(nil)
			args := append([]string{"run", "--base-url", url, "--model", "sim", "--workload", wl,
				"--requests", "6", "--out", out, "--run-id", "sw", "--quiet"}, tc.load...)
			if code := dispatch(t.Context(), e, args); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			dirs := strings.Fields(stdout.String())
			if len(dirs) != len(tc.suffix) {
				t.Fatalf("stdout %q: want %d run dirs", stdout, len(tc.suffix))
			}
			for i, dir := range dirs {
				if want := filepath.Join(out, "sw"+tc.suffix[i]); dir != want {
					t.Errorf("dir %d = %s, want %s", i, dir, want)
				}
				m, err := results.ReadManifest(dir)
				if err != nil {
					t.Fatal(err)
				}
				if m.RunID != "sw"+tc.suffix[i] || m.Requests.OK != 6 {
					t.Errorf("%s: run id %s, %d ok", dir, m.RunID, m.Requests.OK)
				}
				tc.check(t, m.Load, i)
			}
		})
	}
}

func TestRunSaturate(t *testing.T) {
	// One sequence at a time, 2 ms a step: alone a request's first token
	// comes after one step, but with 4 users it queues behind three
	// others' 8 steps each (about 50 ms), so ttft=30ms holds only at 1.
	srv, url, err := serveSim(sim.Config{Model: "sim", MaxBatch: 1, DecodeStep: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	wl := writeWorkload(t, 4, 8)
	out := t.TempDir()
	e, stdout, stderr := testEnv(nil)
	code := dispatch(t.Context(), e, []string{"run", "--base-url", url, "--model", "sim", "--workload", wl,
		"--concurrency", "1,4,8", "--requests", "24", "--saturate", "--slo", "ttft=30ms",
		"--out", out, "--run-id", "sat", "--quiet"})
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	dirs := strings.Fields(stdout.String())
	if len(dirs) != 2 {
		t.Fatalf("stdout %q: want the runs of levels 1 and 4 (the ladder stops at 4)\n%s", stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "sat-c3")); !os.IsNotExist(err) {
		t.Errorf("level 8 ran after level 4 failed the SLO: %v", err)
	}
	if !strings.Contains(stderr.String(), "highest level meeting the SLO (ttft=30ms) for 90% of requests: concurrency 1 (sat-c1)") {
		t.Errorf("stderr does not name the highest level:\n%s", stderr)
	}
}

func TestRunSweepUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--rate", "1/s", "--saturate", "--slo", "ttft=1s"}, "--saturate needs a sweep"},
		{[]string{"--rate", "1/s,2/s", "--saturate"}, "--saturate needs a sweep"},
		{[]string{"--rate", "1/s,2/s", "--slo", "ttft=1s"}, "--slo is for --saturate"},
		{[]string{"--concurrency", "1", "--sweep-pause", "1s"}, "--sweep-pause needs a sweep"},
		{[]string{"--concurrency", "1,0"}, "positive number of virtual users"},
		{[]string{"--rate", "1/s,x"}, "want a positive rate"},
	} {
		e, _, stderr := testEnv(nil)
		args := append([]string{"run", "--base-url", "http://127.0.0.1:1/v1", "--model", "m", "--workload", "sample",
			"--out", t.TempDir()}, tc.args...)
		if code := dispatch(t.Context(), e, args); code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q lacks %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestRunSaturateNoLevelMeets(t *testing.T) {
	url := exactSim(t, 5*time.Millisecond, time.Millisecond)
	wl := writeWorkload(t, 2, 2)
	out := t.TempDir()
	e, stdout, stderr := testEnv(nil)
	code := dispatch(t.Context(), e, []string{"run", "--base-url", url, "--model", "sim", "--workload", wl,
		"--concurrency", "1,2", "--requests", "4", "--saturate", "--slo", "ttft=1ms",
		"--out", out, "--run-id", "none", "--quiet"})
	if code != exitThresholds || len(strings.Fields(stdout.String())) != 1 || !strings.Contains(stderr.String(), "no level met the SLO") {
		t.Errorf("exit %d, stdout %q, stderr %q: want exit 3 after the first level", code, stdout, stderr)
	}
}
