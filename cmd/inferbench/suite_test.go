package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

// writeSuite writes a suite file whose workload is n requests of 8
// tokens, with the targets and extra keys given.
func writeSuite(t *testing.T, extra, targets string) string {
	t.Helper()
	wl := writeWorkload(t, 4, 8)
	body := fmt.Sprintf("name: nightly\nworkload: %s\n%s\ntargets:\n%s", wl, extra, targets)
	p := filepath.Join(t.TempDir(), "nightly.suite.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// simTarget is a suite target served by an exact simulator.
func simTarget(name string, ttft time.Duration) string {
	return fmt.Sprintf("  - {name: %s, kind: api, sim: {preset: exact, ttft: %s, itl: 1ms}, price: {input_per_1m: 1, output_per_1m: 2}}\n", name, ttft)
}

// TestSuiteThreeSimulators runs a suite of three in-process simulators
// and checks the runs, the report on stdout and the files beside them.
func TestSuiteThreeSimulators(t *testing.T) {
	file := writeSuite(t, "load: {concurrency: 2, requests: 6}\nslo: {ttft: 1s}\nvolume: 10M:2M\ngates: ['error_rate < 50%']\n"+
		"components: [{name: serving, differentiation: 2, complexity: 9}, {name: routing, differentiation: 8, complexity: 3}]",
		simTarget("fast", 2*time.Millisecond)+simTarget("middle", 5*time.Millisecond)+simTarget("slow", 10*time.Millisecond))
	out := t.TempDir()
	e, stdout, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"suite", file, "--out", out, "--quiet", "--metrics-listen", "127.0.0.1:0"}); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "inferbench suite: live metrics at http://127.0.0.1:") {
		t.Errorf("no live metrics:\n%s", stderr)
	}
	dir := filepath.Join(out, "nightly")
	for _, name := range []string{"fast", "middle", "slow"} {
		m, err := results.ReadManifest(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if m.Requests.OK != 6 || !m.Target.Simulated || m.Load.Concurrency != 2 || m.Prices == nil || m.Args[0] != "suite" {
			t.Errorf("%s: %+v", name, m)
		}
		if !strings.Contains(stdout.String(), name) {
			t.Errorf("the report lacks %s", name)
		}
	}
	if !strings.Contains(stdout.String(), "Monthly projection at 10M:2M") || !strings.Contains(stderr.String(), "PASS  error_rate < 50%  [slow]") ||
		!strings.Contains(stdout.String(), "Build-vs-buy component matrix (build when differentiation > 5 and complexity < 7, else buy)") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	var rep struct {
		Runs []struct {
			RunID string `json:"run_id"`
		} `json:"runs"`
		Decision struct {
			Components struct {
				Rows []struct {
					Name, Verdict string
				} `json:"rows"`
			} `json:"components"`
		} `json:"decision"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err == nil {
		err = json.Unmarshal(b, &rep)
	}
	if rows := rep.Decision.Components.Rows; err != nil || len(rep.Runs) != 3 || len(rows) != 2 || rows[0].Verdict != "buy" || rows[1].Verdict != "build" {
		t.Errorf("report.json: %d runs, components %+v, %v", len(rep.Runs), rows, err)
	}
	for _, f := range []string{"report.md", "report.html"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || !strings.Contains(string(b), "routing") {
			t.Errorf("%s: %v, or no component matrix", f, err)
		}
	}
}

// TestSuiteGates: gates are requirements (the run passes when the
// expression holds; exit 3 when one does not), fail_on keeps --fail-on's
// meaning (exit 3 when one holds). The simulator's TTFT is 20 ms.
func TestSuiteGates(t *testing.T) {
	for _, tc := range []struct {
		name, keys string
		code       int
		want       []string
	}{
		{"gates hold", "gates: ['ttft.p95 < 800ms', 'error_rate < 1%']", exitOK,
			[]string{"PASS  ttft.p95 < 800ms  [slow] ttft.p95 = ", "PASS  error_rate < 1%  [slow] error_rate = 0.00% < 1.00%"}},
		{"a gate fails", "gates: ['ttft.p95 < 1ms', 'error_rate < 1%']", exitThresholds,
			[]string{"FAIL  ttft.p95 < 1ms  [slow] ttft.p95 = ", ", not < 1.00 ms", "PASS  error_rate < 1%", "1 of 2 threshold checks failed"}},
		{"fail_on holds", "fail_on: ['ttft.p95 > 1ms']", exitThresholds,
			[]string{"FAIL  ttft.p95 > 1ms  [slow]", "1 of 1 threshold checks failed"}},
		{"fail_on does not hold", "fail_on: ['ttft.p95 > 800ms']\ngates: ['error_rate <= 0%']", exitOK,
			[]string{"PASS  error_rate <= 0%  [slow]", "PASS  ttft.p95 > 800ms  [slow] ttft.p95 = "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := writeSuite(t, "load: {concurrency: 1, requests: 3}\n"+tc.keys, simTarget("slow", 20*time.Millisecond))
			e, _, stderr := testEnv(nil)
			code := dispatch(t.Context(), e, []string{"suite", file, "--out", t.TempDir(), "--quiet"})
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// TestSuiteUsageErrors: a file's problems at their lines, exit 2,
// nothing run.
func TestSuiteUsageErrors(t *testing.T) {
	file := writeSuite(t, "load: {concurrency: 1}\ngate: ['error_rate > 1%']", simTarget("a", time.Millisecond)+"  - {name: b, colour: red, sim: {preset: exact}}\n")
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	code := dispatch(t.Context(), e, []string{"suite", file, "--out", out})
	for _, want := range []string{file + `:4: unknown key "gate" (did you mean "gates"?)`, file + `:7: targets[1] (b): unknown key "colour"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if code != exitUsage {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a broken suite wrote %v", entries)
	}
	e, _, stderr = testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"suite"}); code != exitUsage || !strings.Contains(stderr.String(), "want one suite FILE") {
		t.Errorf("no file: exit %d %s", code, stderr)
	}
}

// TestSuiteDryRunSendsNothing describes the runs of a suite against a
// server that counts what it gets: nothing.
func TestSuiteDryRunSendsNothing(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "no", http.StatusTeapot)
	}))
	defer srv.Close()
	file := writeSuite(t, "load: {rate: 2/s, requests: 5, warmup: 1}\ngates: ['error_rate < 1%']\nfail_on: ['ttft.p95 > 2s']",
		fmt.Sprintf("  - {name: remote, base_url: %q, model: m, gpus: 'H100:2:aws-on-demand', load: {concurrency: [1, 2]}}\n", srv.URL+"/v1")+
			simTarget("local", time.Millisecond))
	out := t.TempDir()
	e, stdout, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"suite", file, "--out", out, "--dry-run"}); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"dry run: nothing is sent", "target remote: openai-chat " + srv.URL + "/v1, model m",
		"concurrency 1,2, a sweep", filepath.Join(out, "nightly", "remote-c2"), "target local: simulator served in process (preset exact)",
		"rate 2/s (poisson), 5 requests, 1 warm-up", filepath.Join(out, "nightly", "local"), "$13.76 per hour",
		"gate: require error_rate < 1%", "fail_on: fail when ttft.p95 > 2s"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("dry run lacks %q:\n%s", want, stdout)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the dry run sent %d requests", n)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("the dry run wrote %v", entries)
	}
}

// TestSuiteOnlyAndParallel runs a subset of a parallel suite: the two
// runs chosen overlap in time, the third is not run; an unknown name is
// a usage error that names the target meant.
func TestSuiteOnlyAndParallel(t *testing.T) {
	file := writeSuite(t, "parallel: true\nload: {concurrency: 1, requests: 4}",
		simTarget("one", 30*time.Millisecond)+simTarget("two", 30*time.Millisecond)+simTarget("three", time.Millisecond))
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"suite", file, "--out", out, "--quiet", "--only", "one", "--only", "two"}); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var ms []*results.Manifest
	for _, name := range []string{"one", "two"} {
		m, err := results.ReadManifest(filepath.Join(out, "nightly", name))
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	if !ms[0].StartedAt.Before(ms[1].EndedAt) || !ms[1].StartedAt.Before(ms[0].EndedAt) {
		t.Errorf("parallel runs did not overlap: %v-%v and %v-%v", ms[0].StartedAt, ms[0].EndedAt, ms[1].StartedAt, ms[1].EndedAt)
	}
	if _, err := os.Stat(filepath.Join(out, "nightly", "three")); err == nil {
		t.Errorf("--only ran three")
	}
	e, _, stderr = testEnv(nil)
	code := dispatch(t.Context(), e, []string{"suite", file, "--out", t.TempDir(), "--only", "tow"})
	if code != exitUsage || !strings.Contains(stderr.String(), `--only "tow": `+file+` has no such target (did you mean "two"?)`) {
		t.Errorf("exit %d %s", code, stderr)
	}
}

// TestSuiteInterrupt: the first Ctrl-C drains the run going and stops
// the suite; the report covers what ran; exit 130.
func TestSuiteInterrupt(t *testing.T) {
	file := writeSuite(t, "load: {concurrency: 1, requests: 400}", simTarget("first", 20*time.Millisecond)+simTarget("second", time.Millisecond))
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	sigs := make(chan os.Signal, 1)
	e.interrupts = sigs
	go func() {
		// Interrupt once the first run has written its manifest (at most
		// 10 s of waiting).
		for range 200 {
			if _, err := os.Stat(filepath.Join(out, "nightly", "first", results.ManifestFile)); err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		sigs <- os.Interrupt
	}()
	code := dispatch(t.Context(), e, []string{"suite", file, "--out", out, "--quiet"})
	if code != exitInterrupted {
		t.Fatalf("exit %d, want 130\n%s", code, stderr)
	}
	m, err := results.ReadManifest(filepath.Join(out, "nightly", "first"))
	if err != nil || m.StopReason != results.StopInterrupted {
		t.Errorf("first: %v %+v", err, m)
	}
	if _, err := os.Stat(filepath.Join(out, "nightly", "second")); err == nil {
		t.Errorf("the suite went on after the interrupt")
	}
	if _, err := os.Stat(filepath.Join(out, "nightly", "report.md")); err != nil {
		t.Errorf("no report for the run done: %v", err)
	}
}
