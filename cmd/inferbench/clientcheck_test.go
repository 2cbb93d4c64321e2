package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

// asMain makes the test binary run as inferbench (main) when set in its
// environment, so a test can start `inferbench run` in a child process
// with its own GOMAXPROCS.
const asMain = "INFERBENCH_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMain) == "1" {
		main()
	}
	os.Exit(m.Run())
}

// TestClientStarvedWarns drives the client past its limit for real: a
// child `inferbench run` with GOMAXPROCS=1 (and this test binary's
// instrumentation) at 20,000 req/s, which one core cannot send (600
// requests due within 30 ms, each a new connection and a stream to read),
// against the exact simulator in this process, bounded by its request
// count: about a second, several under -race on a loaded machine. Its
// manifest must say the client was saturated and why, and every report
// format must say so in words. A healthy run's lack of a warning is
// tested where it can be without timing: TestExecuteClientCheck (bench)
// and TestClientWarning (reports, reports/html).
func TestClientStarvedWarns(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of a CPU-starved child process")
	}
	url := exactSim(t, 20*time.Millisecond, 2*time.Millisecond)
	wl := writeWorkload(t, 4, 8)
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	child := exec.CommandContext(ctx, os.Args[0], "run", "--base-url", url, "--model", "sim", "--workload", wl,
		"--rate", "20000/s", "--arrival", "constant", "--requests", "600", "--out", out, "--run-id", "starved", "--quiet")
	child.Env = append(os.Environ(), asMain+"=1", "GOMAXPROCS=1")
	if b, err := child.CombinedOutput(); err != nil {
		t.Fatalf("inferbench run: %v\n%s", err, b)
	}
	dir := filepath.Join(out, "starved")
	m, err := results.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Client
	if c == nil || !c.Saturated || c.GOMAXPROCS != 1 || c.Cores != 1 || c.LagRequests != 600 {
		t.Fatalf("manifest client %+v, want saturated with GOMAXPROCS 1 over 600 requests", c)
	}
	t.Logf("client: %+v", *c)
	if !strings.Contains(strings.Join(c.Reasons, "; "), "schedule lag p99") || c.LagP99Ns <= int64(5*time.Millisecond) {
		t.Errorf("reasons %q, lag p99 %d ns: want the schedule lag named", c.Reasons, c.LagP99Ns)
	}

	for _, format := range []string{"text", "md", "json", "html"} {
		e, stdout, stderr := testEnv(nil)
		if code := dispatch(t.Context(), e, []string{"report", dir, "--format", format}); code != exitOK {
			t.Fatalf("report --format %s: exit %d\n%s", format, code, stderr)
		}
		got := stdout.String()
		if format == "json" {
			var doc struct {
				Runs []struct {
					ClientWarning *string `json:"client_warning"`
				} `json:"runs"`
			}
			if err := json.Unmarshal([]byte(got), &doc); err != nil || len(doc.Runs) != 1 || doc.Runs[0].ClientWarning == nil {
				t.Fatalf("json: no client_warning (%v):\n%s", err, got)
			}
			got = *doc.Runs[0].ClientWarning
		}
		got = strings.ReplaceAll(strings.Join(strings.Fields(got), " "), "&#39;", "'")
		for _, want := range []string{
			"run starved: the load generator, not the target, was the limit (schedule lag p99",
			"The offered load was not delivered as scheduled, and the target's latency figures include the client's own delay.",
			"Use fewer streams per process, or split the load over more machines with --shard (docs/scale-out.md);",
			"inferbench calibrate` gives the safe rate for this machine.",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("report --format %s has no %q:\n%.3000s", format, want, got)
			}
		}
	}
}
