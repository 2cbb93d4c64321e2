package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

// gateFixture writes runs a gate must refuse beside runs it accepts:
// base (completed), crash (its manifest still says running, 12 requests
// sent, 6 rows on disk), other (completed, another workload) and the two
// shards of a split run. It returns the folder holding them.
func gateFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	recs := func(id string, n int, ttft int64) []results.Record {
		var out []results.Record
		for i := range n {
			out = append(out, reportRec(id, i, 100*int64(i), ttft, 200, 30, 40))
		}
		return out
	}
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	wl := results.WorkloadInfo{Name: "sample", SHA256: strings.Repeat("ab", 32)}
	man := func(id, stop string, wl results.WorkloadInfo) results.Manifest {
		return results.Manifest{RunID: id, StopReason: stop, StartedAt: start, Workload: wl,
			Target: results.TargetInfo{Name: "t", Kind: "api", Model: "m"}, Load: results.LoadInfo{Mode: "rate", Rate: 10}}
	}
	writeReportRun(t, filepath.Join(dir, "base"), man("base", results.StopCompleted, wl), recs("base", 12, 30))
	crash := man("crash", results.StopRunning, wl)
	writeReportRun(t, filepath.Join(dir, "crash"), crash, recs("crash", 6, 30))
	// The crashed run's manifest counted what it had sent before the kill.
	m, err := results.ReadManifest(filepath.Join(dir, "crash"))
	if err != nil {
		t.Fatal(err)
	}
	m.Requests.Sent = 12
	if err := results.WriteManifest(filepath.Join(dir, "crash"), m); err != nil {
		t.Fatal(err)
	}
	writeReportRun(t, filepath.Join(dir, "other"), man("other", results.StopCompleted,
		results.WorkloadInfo{Name: "long-prompts", SHA256: strings.Repeat("cd", 32)}), recs("other", 12, 30))
	for i := range 2 {
		id := fmt.Sprintf("split-shard-%d-of-2", i)
		sm := man(id, results.StopCompleted, wl)
		sm.Shard = &results.ShardInfo{Index: i, Count: 2, Group: "split"}
		writeReportRun(t, filepath.Join(dir, id), sm, recs(id, 10, 30))
	}
	return dir
}

// TestGatesRefuseIncomplete: compare and report --fail-on refuse a run
// that crashed, a shard given twice and a candidate of another workload,
// with exit 1 and a message naming the run and why; --allow-incomplete
// judges them anyway and says so; report without --fail-on summarises a
// crashed run under a warning with sent against surviving rows.
func TestGatesRefuseIncomplete(t *testing.T) {
	dir := gateFixture(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	shard0, shard1 := p("split-shard-0-of-2"), p("split-shard-1-of-2")
	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		stdout     []string
		stderr     []string
		notStdout  []string
		stdoutHead string
		okRows     int // the "ok" row of the summary, when set
	}{
		{name: "compare crashed candidate", args: []string{"compare", p("base"), p("crash"), "--fail-on", "ttft.p95 > 1.2 * base"},
			code: exitFailed, stderr: []string{"refused: the data cannot carry a verdict", `candidate crash: stop_reason "running": the run crashed or is still going`, "--allow-incomplete"}},
		{name: "compare crashed candidate allowed", args: []string{"compare", p("base"), p("crash"), "--allow-incomplete", "--fail-on", "ttft.p95 > 1.2 * base"},
			code: exitOK, stdoutHead: "inferbench compare: no significant change · 1 of 1 thresholds passed · ON INCOMPLETE DATA\nWARNING: this verdict rests on incomplete data"},
		{name: "compare another workload", args: []string{"compare", p("base"), p("other")},
			code: exitFailed, stderr: []string{`candidate other replayed another workload than baseline base: "long-prompts" (sha256 cdcdcdcdcdcd…) against "sample" (sha256 abababababab…)`}},
		{name: "compare a shard given twice", args: []string{"compare", p("base"), p("split-shard-0-of-2")},
			code: exitFailed, stderr: []string{"candidate split-shard-0-of-2: shard group split: shard 2 of 2 not given (1 of 2 shards)"}},
		{name: "report gate crashed", args: []string{"report", p("crash"), "--fail-on", "error_rate > 1%"},
			code: exitFailed, stderr: []string{`run crash: stop_reason "running"`}, stdout: []string{"WARNING: run crash is incomplete"}},
		{name: "report gate crashed allowed", args: []string{"report", p("crash"), "--fail-on", "error_rate > 1%", "--allow-incomplete"},
			code: exitOK, stderr: []string{"gating on incomplete data (--allow-incomplete)", "PASS  error_rate > 1%"}},
		{name: "report crashed, no gate", args: []string{"report", p("crash")}, code: exitOK,
			stdoutHead: `WARNING: run crash is incomplete: stop_reason "running": the run crashed or is still going. Its figures cover only what
         is on disk: 6 of the 12 requests the manifest counts as sent survive on disk.`},
		{name: "report gate shard twice", args: []string{"report", shard0, shard1, shard1, "--fail-on", "error_rate > 1%"},
			code: exitFailed, stderr: []string{"run split: shard group split: shard 2 of 2 given twice; counted once"}},
		{name: "report shards once", args: []string{"report", shard0, shard1, "--fail-on", "error_rate > 1%"},
			code: exitOK, stdout: []string{"2 of 2 shards of split merged"}, okRows: 20, notStdout: []string{"WARNING"}},
		{name: "report shard twice, no gate", args: []string{"report", shard0, shard1, shard1},
			code: exitOK, stdout: []string{"WARNING: run split is incomplete: shard group split: shard 2 of 2 given twice"}, okRows: 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, stdout, stderr := testEnv(nil)
			code := dispatch(t.Context(), e, tc.args)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			for _, want := range tc.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			for _, not := range tc.notStdout {
				if strings.Contains(stdout.String(), not) {
					t.Errorf("stdout has %q:\n%s", not, stdout)
				}
			}
			if tc.okRows > 0 && !regexp.MustCompile(fmt.Sprintf(`\n  ok +%d\n`, tc.okRows)).MatchString(stdout.String()) {
				t.Errorf("ok requests not %d:\n%s", tc.okRows, stdout)
			}
			if !strings.HasPrefix(stdout.String(), tc.stdoutHead) {
				t.Errorf("stdout starts:\n%s\nwant:\n%s", stdout.String()[:min(len(stdout.String()), 300)], tc.stdoutHead)
			}
		})
	}
}
