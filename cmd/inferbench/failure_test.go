package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

// runArgs runs `inferbench run` with args after the base URL, model and
// workload, into out/RUN_ID "r".
func runArgs(t *testing.T, url, model, out string, args ...string) (int, string, string) {
	t.Helper()
	e, stdout, stderr := testEnv(nil)
	full := append([]string{"run", "--base-url", url, "--model", model, "--workload", writeWorkload(t, 5, 4),
		"--out", out, "--run-id", "r"}, args...)
	code := dispatch(t.Context(), e, full)
	return code, stdout.String(), stderr.String()
}

// noRunDir fails the test when out/r exists.
func noRunDir(t *testing.T, out string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(out, "r")); !os.IsNotExist(err) {
		t.Errorf("a run directory was left: %v", err)
	}
}

// TestRunUnreachable: nothing listens at the URL. The probe stops the run
// at once; without the probe every request fails, and the run fails by
// the no-success rule with a banner naming the class and its message,
// --quiet or not.
func TestRunUnreachable(t *testing.T) {
	const url = "http://127.0.0.1:1/v1"
	out := t.TempDir()
	code, stdout, stderr := runArgs(t, url, "m", out, "--concurrency", "1", "--quiet")
	if code != exitFailed || !strings.Contains(stderr, "probe request failed (connect)") ||
		!strings.Contains(stderr, "connection refused") || !strings.Contains(stderr, "--no-probe skips the probe") || stdout != "" {
		t.Fatalf("probe: exit %d\nstdout %q\nstderr:\n%s", code, stdout, stderr)
	}
	noRunDir(t, out)

	code, stdout, stderr = runArgs(t, url, "m", out, "--concurrency", "1", "--requests", "4", "--quiet", "--no-probe")
	if code != exitFailed {
		t.Fatalf("--no-probe: exit %d, want %d\n%s", code, exitFailed, stderr)
	}
	dir := filepath.Join(out, "r")
	if strings.TrimSpace(stdout) != dir {
		t.Errorf("stdout %q, want the run directory", stdout)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "RUN FAILED: 127.0.0.1 ("+dir+"): no measured request succeeded (4 failed, 0 canceled)") ||
		!strings.Contains(lines[2], "connect") || !strings.Contains(lines[2], " 4 ") || !strings.Contains(lines[2], "connection refused") {
		t.Errorf("banner:\n%s", stderr)
	}
	recs, err := results.ReadRequests(dir)
	if err != nil || len(recs) != 4 {
		t.Errorf("%d rows, %v; the failed run's rows are kept", len(recs), err)
	}
}

// TestRunUnknownModel: the server answers 404 to every request (a model
// it does not serve). The probe stops the run with the server's message
// and no rows; with --no-probe the run goes, and fails for want of a
// single success, showing the same message.
func TestRunUnknownModel(t *testing.T) {
	url := exactSim(t, time.Millisecond, time.Millisecond)
	const msg = "The model `gtp-4o` does not exist."
	out := t.TempDir()
	code, _, stderr := runArgs(t, url, "gtp-4o", out, "--concurrency", "2")
	if code != exitFailed || !strings.Contains(stderr, "probe request failed (http_4xx, HTTP 404)") || !strings.Contains(stderr, msg) {
		t.Fatalf("probe: exit %d\n%s", code, stderr)
	}
	noRunDir(t, out)

	code, _, stderr = runArgs(t, url, "gtp-4o", out, "--concurrency", "2", "--no-probe")
	if code != exitFailed || !strings.Contains(stderr, "RUN FAILED") || !strings.Contains(stderr, "no measured request succeeded (5 failed") {
		t.Fatalf("--no-probe: exit %d\n%s", code, stderr)
	}
	var class string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "    http_4xx") {
			class = l
		}
	}
	if !strings.Contains(class, msg) {
		t.Errorf("no http_4xx line with the server's message:\n%s", stderr)
	}
}

// TestRunMaxErrorRate: a simulator failing about 30% of requests (500)
// fails a run with --max-error-rate 10%, and passes one allowing 50%. The
// probe that draws a 500 does not stop the run: a 5xx may not repeat.
func TestRunMaxErrorRate(t *testing.T) {
	url := faultySim(t, 3, 0.3)
	out := t.TempDir()
	code, _, stderr := runArgs(t, url, "sim", out, "--concurrency", "2", "--requests", "40", "--max-error-rate", "10%", "--quiet")
	if code != exitFailed || !strings.Contains(stderr, "measured requests failed") || !strings.Contains(stderr, "above --max-error-rate 10%") ||
		!strings.Contains(stderr, "http_5xx") {
		t.Fatalf("10%%: exit %d\n%s", code, stderr)
	}
	m, err := results.ReadManifest(filepath.Join(out, "r"))
	if err != nil || m.Requests.Failed < 5 || m.Requests.OK < 20 || m.StopReason != results.StopCompleted {
		t.Fatalf("manifest %+v, %v", m, err)
	}
	out = t.TempDir()
	if code, _, stderr := runArgs(t, url, "sim", out, "--concurrency", "2", "--requests", "40", "--max-error-rate", "0.5", "--quiet"); code != exitOK || stderr != "" {
		t.Errorf("0.5: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runArgs(t, url, "sim", out, "--concurrency", "2", "--max-error-rate", "150%"); code != exitUsage ||
		!strings.Contains(stderr, "--max-error-rate") {
		t.Errorf("150%%: exit %d\n%s", code, stderr)
	}
}

// TestRunHealthy: a healthy run exits 0 without a banner, and its
// manifest records the probe.
func TestRunHealthy(t *testing.T) {
	url := exactSim(t, time.Millisecond, time.Millisecond)
	out := t.TempDir()
	code, _, stderr := runArgs(t, url, "sim", out, "--concurrency", "2", "--quiet")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	m, err := results.ReadManifest(filepath.Join(out, "r"))
	if err != nil || m.Probe == nil || m.Probe.Status != results.StatusOK || m.Probe.HTTPStatus != 200 || m.Probe.LatencyNs <= 0 || m.Requests.Sent != 5 {
		t.Errorf("manifest probe %+v, counts %+v, %v", m.Probe, m.Requests, err)
	}
}

// TestSweepStopsAtFailedLevel: a level in which nothing succeeds stops
// the sweep, exit 1; the levels after it never run.
func TestSweepStopsAtFailedLevel(t *testing.T) {
	url := faultySim(t, 0, 1)
	out := t.TempDir()
	code, stdout, stderr := runArgs(t, url, "sim", out, "--concurrency", "1,2,4", "--requests", "3", "--quiet")
	if code != exitFailed || !strings.Contains(stderr, "RUN FAILED") || !strings.Contains(stderr, "sweep stopped: concurrency 1 failed") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if strings.TrimSpace(stdout) != filepath.Join(out, "r-c1") {
		t.Errorf("stdout %q", stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "r-c2")); !os.IsNotExist(err) {
		t.Errorf("level 2 ran: %v", err)
	}
}

// TestSuiteFailedRun: a target whose run failed fails the suite with exit
// 1, after the report of every run is written.
func TestSuiteFailedRun(t *testing.T) {
	file := writeSuite(t, "load: {concurrency: 2, requests: 4}",
		simTarget("good", time.Millisecond)+
			"  - {name: broken, kind: api, sim: {preset: exact, ttft: 1ms, itl: 1ms, error_rate: 1}}\n")
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"suite", file, "--out", out, "--quiet"}); code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailed, stderr)
	}
	for _, want := range []string{"RUN FAILED: broken", "http_5xx", "1 run(s) failed: broken", "report written to"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "nightly", "report.md")); err != nil {
		t.Errorf("no report: %v", err)
	}
}
