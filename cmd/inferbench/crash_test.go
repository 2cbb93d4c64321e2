package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/inferbench/inferbench/internal/testbin"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// TestKillNineKeepsAllButTheLastInterval is the crash window's promise,
// tested as a crash happens: the real binary runs against `inferbench
// sim` (exact timing, loopback) and is SIGKILLed a few seconds in; every
// request that finished more than --part-interval before the kill must be
// on disk, and the manifest's live counts must say what was sent.
//
// Every request is the same (exact simulator, constant arrivals), so they
// finish in the order they were scheduled, every 20 ms; a request that is
// not on disk therefore finished (if at all) no earlier than its
// scheduled time plus the simulator's fixed answer time.
func TestKillNineKeepsAllButTheLastInterval(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const (
		rate     = 50 // per second: one request every 20 ms
		interval = time.Second
		ttft     = 20 * time.Millisecond
		itl      = 2 * time.Millisecond
		tokens   = 10
		answer   = ttft + (tokens-1)*itl // the exact simulator's time per request
		killAt   = 3500 * time.Millisecond
	)
	bin := testbin.Build(t)
	url := testbin.StartSim(t, bin, "--preset", "exact", "--ttft", ttft.String(), "--itl", itl.String())
	reqs := make([]workloads.Request, 2000)
	for i := range reqs {
		reqs[i] = workloads.Request{ID: fmt.Sprint(i), Prompt: "Say something.", MaxTokens: tokens}
	}
	wl := writeWorkloadFile(t, reqs)
	out := t.TempDir()
	run := exec.Command(bin, "run", "--base-url", url, "--model", "sim", "--workload", wl, "--rate", fmt.Sprint(rate),
		"--arrival", "constant", "--duration", "60s", "--part-interval", interval.String(), "--out", out, "--run-id", "crash", "--quiet")
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Process.Kill(); _ = run.Wait() })
	dir := filepath.Join(out, "crash")
	var start time.Time
	for deadline := time.Now().Add(20 * time.Second); start.IsZero(); time.Sleep(10 * time.Millisecond) {
		if m, err := results.ReadManifest(dir); err == nil {
			start = m.StartedAt
		} else if time.Now().After(deadline) {
			t.Fatal("the run did not start within 20 s")
		}
	}
	time.Sleep(time.Until(start.Add(killAt)))
	killed := time.Now() // taken before the kill: the check is, if anything, lenient by the kill's latency
	if err := run.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = run.Wait()
	cutoff := killed.Sub(start) - interval

	recs, err := results.ReadRequests(dir)
	if err != nil {
		t.Fatal(err)
	}
	present := make([]int64, len(recs))
	for i, r := range recs {
		present[i] = r.RequestIndex
		if want := r.RequestIndex * int64(time.Second/rate); r.ScheduledNs != want {
			t.Fatalf("request %d scheduled at %d ns, want %d (constant arrivals)", r.RequestIndex, r.ScheduledNs, want)
		}
	}
	slices.Sort(present)
	// What is on disk is a prefix of the requests: no hole.
	for i, idx := range present {
		if idx != int64(i) {
			t.Fatalf("request %d missing while %d is on disk", i, idx)
		}
	}
	// The first request not on disk finished no earlier than its schedule
	// plus the answer time; it must not have finished before the cutoff.
	missing := int64(len(present))
	if earliest := time.Duration(missing)*time.Second/rate + answer; earliest < cutoff {
		t.Errorf("kill -9 at %s with --part-interval %s lost request %d, which finished at %s or later: every request finished before %s must survive",
			killed.Sub(start).Round(time.Millisecond), interval, missing, earliest, cutoff.Round(time.Millisecond))
	}
	t.Logf("kill -9 at %s: %d rows on disk, the first lost request finished at >= %s (cutoff %s)",
		killed.Sub(start).Round(time.Millisecond), len(recs), time.Duration(missing)*time.Second/rate+answer, cutoff.Round(time.Millisecond))

	// The manifest says the run did not finish, and its live counts are
	// right: every row that finished before the last rewrite was counted,
	// and nothing not yet scheduled was.
	m, err := results.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.StopReason != results.StopRunning || m.UpdatedAt.IsZero() {
		t.Fatalf("manifest after kill -9: stop %q, updated %v", m.StopReason, m.UpdatedAt)
	}
	updated := m.UpdatedAt.Sub(m.StartedAt)
	var doneBefore int64
	for _, r := range recs {
		if time.Duration(r.DoneNs) < updated-10*time.Millisecond {
			doneBefore++
		}
	}
	scheduledBefore := int64(updated/(time.Second/rate)) + 1
	if m.Requests.Sent < doneBefore || m.Requests.Sent > scheduledBefore || m.Requests.OK != m.Requests.Sent {
		t.Errorf("manifest counted %+v by %s: want at least the %d rows done by then, at most the %d scheduled",
			m.Requests, updated, doneBefore, scheduledBefore)
	}
	if len(m.Parts) == 0 {
		t.Error("the manifest lists no part")
	}
	for _, p := range m.Parts {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("manifest lists %s: %v", p, err)
		}
	}
}
