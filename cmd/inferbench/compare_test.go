package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// simRun runs n requests of 8 tokens against an exact simulator with the
// given TTFT (ITL 2 ms) and returns the run directory. Ten virtual users
// send them: a closed loop cannot queue on a loaded machine (an open loop
// at 50 req/s reached a TTFT p50 of 1 s at load average 11 under -race).
func simRun(t *testing.T, id string, ttft time.Duration, n int) string {
	t.Helper()
	url := exactSim(t, ttft, 2*time.Millisecond)
	wl := writeWorkload(t, 10, 8)
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	code := dispatch(t.Context(), e, []string{"run", "--base-url", url, "--model", "sim", "--workload", wl,
		"--concurrency", "10", "--requests", strconv.Itoa(n), "--out", out, "--run-id", id, "--quiet"})
	if code != exitOK {
		t.Fatalf("run %s: exit %d\n%s", id, code, stderr)
	}
	return filepath.Join(out, id)
}

// compareJSON is the part of compare's JSON the tests read.
type compareJSON struct {
	Verdict string `json:"verdict"`
	Passed  bool   `json:"passed"`
	Pairing struct {
		Paired bool `json:"paired"`
		Pairs  int  `json:"pairs"`
	} `json:"pairing"`
	Metrics []struct {
		Metric      string     `json:"metric"`
		Verdict     string     `json:"verdict"`
		Significant bool       `json:"significant"`
		CI          []*float64 `json:"ci"`
		Delta       *float64   `json:"delta"`
	} `json:"metrics"`
	Thresholds []struct {
		Expr   string `json:"expr"`
		Passed bool   `json:"passed"`
	} `json:"thresholds"`
}

func readCompareJSON(t *testing.T, path string) compareJSON {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c compareJSON
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

// TestCompareSimulatedRuns is the check: a run compared with
// itself shows no significant change and exits 0; a run from a slower
// simulator shows the regression and exits 3 under a threshold. The slow
// simulator's TTFT is fifty times the base's, so the regression stands
// out however loaded the machine is: the exact simulator is never faster
// than configured, so every slow TTFT is over 1 s, the gate, while load
// (CI runs packages in parallel on 2 cores) only adds to the base's 20 ms
// (to a p50 of 470 ms at most, seen at load average 19 under -race).
func TestCompareSimulatedRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("two simulated runs of 30 requests")
	}
	base := simRun(t, "base", 20*time.Millisecond, 30)
	slow := simRun(t, "slow", time.Second, 30)
	dir := t.TempDir()

	t.Run("self", func(t *testing.T) {
		js := filepath.Join(dir, "self.json")
		e, stdout, stderr := testEnv(nil)
		code := dispatch(t.Context(), e, []string{"compare", base, base, "--json", js,
			"--fail-on", "ttft.p50 > 1.2 * base", "--fail-on", "error_rate > 1%"})
		if code != exitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if !strings.HasPrefix(stdout.String(), "inferbench compare: no significant change · 2 of 2 thresholds passed\n") {
			t.Errorf("stdout:\n%s", stdout)
		}
		c := readCompareJSON(t, js)
		if c.Verdict != "no significant change" || !c.Passed || len(c.Metrics) == 0 {
			t.Errorf("verdict %q passed %v", c.Verdict, c.Passed)
		}
		for _, m := range c.Metrics {
			if (m.Verdict != "no significant change" && m.Verdict != "not tested") || m.Significant || m.Delta == nil || *m.Delta != 0 {
				t.Errorf("%s: %q significant %v", m.Metric, m.Verdict, m.Significant)
			}
		}
	})

	t.Run("regression", func(t *testing.T) {
		md, junit, js := filepath.Join(dir, "sum.md"), filepath.Join(dir, "junit.xml"), filepath.Join(dir, "c.json")
		e, stdout, stderr := testEnv(nil)
		code := dispatch(t.Context(), e, []string{"compare", base, slow, "--format", "md", "--junit", junit, "--json", js,
			"--fail-on", "ttft.p50 > 1.2 * base", "--fail-on", "error_rate > 1%", "--md", md})
		if code != exitThresholds {
			t.Fatalf("exit %d, want 3\n%s", code, stderr)
		}
		if !strings.Contains(stderr.String(), "1 of 2 thresholds failed (verdict: worse)") {
			t.Errorf("stderr:\n%s", stderr)
		}
		if !strings.HasPrefix(stdout.String(), "### ❌ inferbench compare: worse · 1 of 2 thresholds failed\n") {
			t.Errorf("markdown:\n%s", stdout)
		}
		if b, _ := os.ReadFile(md); string(b) != stdout.String() {
			t.Errorf("--md file differs from the md on stdout")
		}
		c := readCompareJSON(t, js)
		if c.Verdict != "worse" || c.Passed || len(c.Thresholds) != 2 || c.Thresholds[0].Passed || !c.Thresholds[1].Passed {
			t.Errorf("json: %+v", c)
		}
		// Both runs replayed the same workload file with the same plan:
		// their requests pair.
		if !c.Pairing.Paired || c.Pairing.Pairs != 30 { // simRun sends 30 requests
			t.Errorf("pairing: %+v", c.Pairing)
		}
		for _, m := range c.Metrics {
			if m.Metric == "ttft.p50" && (m.Verdict != "worse" || !m.Significant || *m.CI[0] < 100) {
				t.Errorf("ttft.p50: %+v (CI %v ms)", m, *m.CI[0])
			}
		}
		var suites struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Suite    struct {
				Cases []struct {
					Name    string    `xml:"name,attr"`
					Failure *struct{} `xml:"failure"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		b, err := os.ReadFile(junit)
		if err != nil {
			t.Fatal(err)
		}
		if err := xml.Unmarshal(b, &suites); err != nil {
			t.Fatalf("junit: %v", err)
		}
		if suites.Tests != 2 || suites.Failures != 1 || suites.Suite.Cases[0].Name != "ttft.p50 > 1.2 * base" || suites.Suite.Cases[0].Failure == nil {
			t.Errorf("junit: %+v", suites)
		}
	})

	t.Run("report gate", func(t *testing.T) {
		e, _, stderr := testEnv(nil)
		if code := dispatch(t.Context(), e, []string{"report", slow, "--fail-on", "ttft.p50 > 1s"}); code != exitThresholds {
			t.Errorf("slow run: exit %d\n%s", code, stderr)
		}
		if !strings.Contains(stderr.String(), "FAIL  ttft.p50 > 1s  [slow] ttft.p50 = ") {
			t.Errorf("stderr:\n%s", stderr)
		}
		e, _, stderr = testEnv(nil)
		if code := dispatch(t.Context(), e, []string{"report", base, "--fail-on", "ttft.p50 > 1s", "--fail-on", "error_rate > 0%"}); code != exitOK {
			t.Errorf("base run: exit %d\n%s", code, stderr)
		}
	})
}

func TestCompareUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"one run", []string{"compare", dir}, exitUsage, "want two run directories"},
		{"bad expression", []string{"compare", dir, dir, "--fail-on", "ttft.p95 > 800"},
			exitUsage, "column 12: ttft.p95 is a duration, but the limit is a plain number: give 800 a unit, like 800ms\n  ttft.p95 > 800\n             ^"},
		{"unknown metric", []string{"compare", dir, dir, "--fail-on", "ttft.p96 > 1s"}, exitUsage, "unknown metric"},
		{"format", []string{"compare", dir, dir, "--format", "html"}, exitUsage, `unknown --format "html"`},
		{"alpha", []string{"compare", dir, dir, "--alpha", "2"}, exitUsage, "--alpha 2"},
		{"min effect", []string{"compare", dir, dir, "--min-effect", "200%"}, exitUsage, "want a percentage"},
		{"report base", []string{"report", dir, "--fail-on", "e2e.p99 > 1.1 * base"}, exitUsage, "column 17: base (the baseline's value) exists only in inferbench compare"},
		{"not a run", []string{"compare", dir, dir}, exitFailed, "not a run directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _, stderr := testEnv(nil)
			if code := dispatch(t.Context(), e, tc.args); code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, want %d; stderr:\n%s\nwant it to contain:\n%s", code, tc.code, stderr, tc.want)
			}
		})
	}
}

func TestCompareHelp(t *testing.T) {
	e, stdout, _ := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"compare", "-h"}); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"inferbench compare BASE_RUN CAND_RUN", "-fail-on EXPR", "-junit FILE", "Exit status"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stdout)
		}
	}
}
