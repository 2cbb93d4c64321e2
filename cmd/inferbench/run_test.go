package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/simhost"
	"github.com/inferbench/inferbench/targets/sim"
	"github.com/inferbench/inferbench/workloads"
)

// syncBuffer is a bytes.Buffer safe for the progress goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testEnv(vars map[string]string) (*env, *syncBuffer, *syncBuffer) {
	out, errb := &syncBuffer{}, &syncBuffer{}
	return &env{
		stdin: strings.NewReader(""), stdout: out, stderr: errb,
		getenv: func(k string) string { return vars[k] },
	}, out, errb
}

// serveSim serves cfg on a loopback port (simhost.Serve) and returns it
// with its /v1 URL.
func serveSim(cfg sim.Config) (*simhost.Sim, string, error) {
	s, err := simhost.Serve(cfg, 0)
	if err != nil {
		return nil, "", err
	}
	return s, s.URL, nil
}

// exactSim serves an exact-timing simulator for the test's lifetime.
func exactSim(t *testing.T, ttft, itl time.Duration) string {
	t.Helper()
	srv, url, err := serveSim(sim.Config{Exact: true, TTFT: ttft, ITL: itl, Model: "sim"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return url
}

// faultySim serves an exact simulator that answers errorRate of the
// requests with HTTP 500, for the test's lifetime.
func faultySim(t *testing.T, seed int64, errorRate float64) string {
	t.Helper()
	srv, url, err := serveSim(sim.Config{Exact: true, TTFT: time.Millisecond, ITL: time.Millisecond, Model: "sim",
		Seed: seed, Faults: sim.Faults{ErrorRate: errorRate}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return url
}

// writeWorkload writes n prompt requests of maxTokens each.
func writeWorkload(t *testing.T, n, maxTokens int) string {
	t.Helper()
	reqs := make([]workloads.Request, n)
	for i := range reqs {
		reqs[i] = workloads.Request{ID: fmt.Sprint("r", i), Prompt: "Say something.", MaxTokens: maxTokens}
	}
	return writeWorkloadFile(t, reqs)
}

// writeWorkloadFile writes reqs as a JSON Lines workload file.
func writeWorkloadFile(t *testing.T, reqs []workloads.Request) string {
	t.Helper()
	var b bytes.Buffer
	if err := workloads.WriteJSONL(&b, reqs); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "w.jsonl")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func percentile(v []int64, p float64) int64 {
	s := append([]int64(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(float64(len(s))*p/100 + 0.999999)
	return s[max(rank, 1)-1]
}

// TestRunExactSimulator is the accuracy check, as far as a unit
// test can make it: 200 requests at 20 req/s Poisson against TTFT 50 ms,
// 10 ms per token, 64 tokens. Every row must be never faster than the
// simulator, with events in order and chunk gaps that add up, and the
// tokens must be timed as they arrive. How close the figures come to the
// configured ones is `make bench`'s to say: CI runs packages in parallel
// on 2 cores, and an open loop on a starved machine queues (TTFT p50 of
// 2.3 s was seen at load average 12 under -race), so upper bounds here
// would measure the machine, not the harness.
func TestRunExactSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("10 s of load")
	}
	const ttft, itl = 50 * time.Millisecond, 10 * time.Millisecond
	url := exactSim(t, ttft, itl)
	wl := writeWorkload(t, 10, 64)
	out := t.TempDir()
	e, stdout, stderr := testEnv(nil)
	code := dispatch(t.Context(), e, []string{"run", "--base-url", url, "--model", "sim", "--workload", wl,
		"--rate", "20/s", "--arrival", "poisson", "--requests", "200", "--out", out, "--run-id", "acc", "--quiet"})
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	dir := filepath.Join(out, "acc")
	if got := strings.TrimSpace(stdout.String()); got != dir {
		t.Errorf("stdout = %q, want the run dir %q", got, dir)
	}
	recs, err := results.ReadRequests(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 200 {
		t.Fatalf("%d rows, want 200", len(recs))
	}
	var ttfts, gaps []int64
	for _, r := range recs {
		if r.Status != results.StatusOK || r.OutputTokens != 64 || r.OutputTokensSource != results.TokensFromUsage {
			t.Fatalf("row %d: status %s class %s %q output %d (%s)", r.RequestIndex, r.Status, r.ErrorClass, r.ErrorMessage, r.OutputTokens, r.OutputTokensSource)
		}
		if r.Chunks != 64 || len(r.ChunkGapsNs) != 63 {
			t.Fatalf("row %d: %d chunks, %d gaps", r.RequestIndex, r.Chunks, len(r.ChunkGapsNs))
		}
		checkStreamTiming(t, r, ttft, itl)
		ttfts = append(ttfts, r.TTFTNs)
		gaps = append(gaps, r.ChunkGapsNs...)
	}
	p50, p99, mean := percentile(ttfts, 50), percentile(ttfts, 99), meanOf(gaps)
	t.Logf("TTFT p50 %.2fms p99 %.2fms; ITL p50 %.2fms p99 %.2fms mean %.2fms", float64(p50)/1e6, float64(p99)/1e6,
		float64(percentile(gaps, 50))/1e6, float64(percentile(gaps, 99))/1e6, float64(mean)/1e6)
	checkTimedPerEvent(t, gaps, itl)
	m, err := results.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.StopReason != results.StopCompleted || m.Requests.OK != 200 || m.Load.Mode != "rate" || m.Load.Rate != 20 || len(m.Parts) == 0 {
		t.Errorf("manifest: %+v", m)
	}
}

// checkStreamTiming asserts what holds of an ok row from an exact
// simulator whatever the machine's load: never faster than configured
// (token i exists TTFT + i·ITL after the simulator got the request, which
// is after sent), events in order, and chunk gaps that are the gaps
// between the content events (they add up to last token - first token).
func checkStreamTiming(t *testing.T, r results.Record, ttft, itl time.Duration) {
	t.Helper()
	var sum int64
	for _, g := range r.ChunkGapsNs {
		if g < 0 {
			t.Errorf("row %d: negative chunk gap %d", r.RequestIndex, g)
		}
		sum += g
	}
	minE2E := ttft + time.Duration(r.Chunks-1)*itl
	switch {
	case r.TTFTNs < int64(ttft):
		t.Errorf("row %d: TTFT %v, faster than the simulator's %v", r.RequestIndex, time.Duration(r.TTFTNs), ttft)
	case r.E2ENs < int64(minE2E):
		t.Errorf("row %d: E2E %v, faster than the simulator's %v for %d chunks", r.RequestIndex, time.Duration(r.E2ENs), minE2E, r.Chunks)
	case !(r.SentNs <= r.HeadersNs && r.HeadersNs <= r.FirstTokenNs && r.FirstTokenNs <= r.LastTokenNs && r.LastTokenNs <= r.DoneNs):
		t.Errorf("row %d: out of order: sent %d headers %d first %d last %d done %d",
			r.RequestIndex, r.SentNs, r.HeadersNs, r.FirstTokenNs, r.LastTokenNs, r.DoneNs)
	case len(r.ChunkGapsNs) != int(r.Chunks)-1 || sum != r.LastTokenNs-r.FirstTokenNs:
		t.Errorf("row %d: %d gaps adding up to %d for %d chunks from %d to %d",
			r.RequestIndex, len(r.ChunkGapsNs), sum, r.Chunks, r.FirstTokenNs, r.LastTokenNs)
	}
}

// checkTimedPerEvent asserts that tokens were timed as they arrived,
// from the chunk gaps of a run against an exact simulator: a stream read
// whole, or timed at its end, has gaps of microseconds, while the
// simulator's tokens are ITL apart. A loaded machine delivers late tokens
// together, which shortens some gaps (even the mean, by the first token's
// extra delay spread over the stream), but it lengthens others by as much:
// only the longest gap is asserted.
func checkTimedPerEvent(t *testing.T, gaps []int64, itl time.Duration) {
	t.Helper()
	if len(gaps) == 0 || slices.Max(gaps) < int64(itl)/2 {
		t.Errorf("no chunk gap near the simulator's ITL %v (%d gaps): are tokens timed as they arrive?", itl, len(gaps))
	}
}

func meanOf(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	var sum int64
	for _, x := range v {
		sum += x
	}
	return sum / int64(len(v))
}

func TestRunInterrupt(t *testing.T) {
	for _, tc := range []struct {
		name       string
		interrupts int
		wantStop   string
	}{
		{"drain", 1, results.StopInterrupted},
		{"cancel", 2, results.StopCanceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := exactSim(t, 20*time.Millisecond, 20*time.Millisecond)
			wl := writeWorkload(t, 5, 40) // 800 ms per request
			out := t.TempDir()
			e, _, stderr := testEnv(nil)
			sigs := make(chan os.Signal, 2)
			e.interrupts = sigs
			go func() {
				time.Sleep(500 * time.Millisecond)
				for range tc.interrupts {
					sigs <- os.Interrupt
					time.Sleep(100 * time.Millisecond)
				}
			}()
			code := dispatch(t.Context(), e, []string{"run", "--base-url", url, "--model", "sim", "--workload", wl,
				"--rate", "20/s", "--requests", "1000", "--out", out, "--run-id", "x", "--quiet", "--part-rows", "3"})
			if code != exitInterrupted {
				t.Fatalf("exit %d, want 130\n%s", code, stderr)
			}
			dir := filepath.Join(out, "x")
			m, err := results.ReadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			if m.StopReason != tc.wantStop {
				t.Errorf("stop reason %q, want %q", m.StopReason, tc.wantStop)
			}
			recs, err := results.ReadRequests(dir)
			if err != nil {
				t.Fatal(err)
			}
			// Every request sent has a row: indices 0..n-1 without gaps.
			if len(recs) < 5 || int64(len(recs)) != m.Requests.Sent {
				t.Fatalf("%d rows, manifest says %d sent", len(recs), m.Requests.Sent)
			}
			seen := map[int64]bool{}
			canceled := 0
			for _, r := range recs {
				seen[r.RequestIndex] = true
				if r.Status == results.StatusCanceled {
					canceled++
				}
			}
			for i := range int64(len(recs)) {
				if !seen[i] {
					t.Fatalf("request %d has no row", i)
				}
			}
			if tc.interrupts == 1 && canceled != 0 {
				t.Errorf("first Ctrl-C must drain, but %d rows were canceled", canceled)
			}
			if tc.interrupts == 2 && canceled == 0 {
				t.Errorf("second Ctrl-C canceled nothing")
			}
			if !strings.Contains(stderr.String(), "stopping: no new requests") {
				t.Errorf("no stop message on stderr: %q", stderr)
			}
		})
	}
}

func TestRunUsageErrors(t *testing.T) {
	wl := writeWorkload(t, 1, 1)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"nothing", nil, []string{"--base-url required", "--model required", "--workload is required", "--out is required", "exactly one of --rate, --concurrency and --replay"}},
		{"two modes", []string{"--base-url", "http://127.0.0.1:1/v1", "--model", "m", "--workload", wl, "--out", "o", "--rate", "1/s", "--concurrency", "2"}, []string{"exactly one of"}},
		{"bad rate", []string{"--rate", "fast"}, []string{`invalid value "fast" for flag --rate`}},
		{"bad url", []string{"--base-url", "127.0.0.1:8000", "--model", "m", "--workload", wl, "--out", "o", "--concurrency", "1"}, []string{"want http(s)://host"}},
		{"bad arrival", []string{"--base-url", "http://127.0.0.1:1/v1", "--model", "m", "--workload", wl, "--out", "o", "--rate", "1", "--arrival", "gamma:x"}, []string{"want gamma:CV"}},
		{"bad kind", []string{"--base-url", "http://127.0.0.1:1/v1", "--model", "m", "--workload", wl, "--out", "o", "--rate", "1", "--kind", "cloud"}, []string{`--kind "cloud"`}},
		{"stray arg", []string{"extra"}, []string{`unexpected argument "extra"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _, stderr := testEnv(nil)
			code := dispatch(t.Context(), e, append([]string{"run"}, tc.args...))
			if code != exitUsage {
				t.Fatalf("exit %d, want 2\n%s", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

func TestRunBadWorkloadStopsBeforeSending(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(p, []byte("{\"prompt\":\"ok\"}\n{\"max_tokens\":5}\n"), 0o644)
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	code := dispatch(t.Context(), e, []string{"run", "--base-url", "http://127.0.0.1:1/v1", "--model", "m",
		"--workload", p, "--rate", "1/s", "--out", out})
	if code != exitUsage {
		t.Fatalf("exit %d, want 2", code)
	}
	if want := p + `:2: need "messages" or "prompt"`; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a run directory was created for a broken workload")
	}
}

func TestRunMissingKeyNamesVariable(t *testing.T) {
	e, _, stderr := testEnv(nil)
	code := dispatch(t.Context(), e, []string{"run", "--base-url", "https://api.example.invalid/v1", "--model", "m",
		"--workload", "sample", "--rate", "1/s", "--out", t.TempDir(), "--api-key-env", "MY_PROVIDER_KEY"})
	if code != exitUsage || !strings.Contains(stderr.String(), "$MY_PROVIDER_KEY is not set") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
}

// TestRunNeverWritesTheKey greps everything a run writes for the key.
func TestRunNeverWritesTheKey(t *testing.T) {
	const secret = "sk-test-SECRET-0123456789"
	url := exactSim(t, time.Millisecond, time.Millisecond)
	wl := writeWorkload(t, 3, 4)
	out := t.TempDir()
	e, stdout, stderr := testEnv(map[string]string{"OPENAI_API_KEY": secret})
	code := dispatch(t.Context(), e, []string{"run", "--base-url", url, "--model", "sim", "--workload", wl,
		"--concurrency", "2", "--requests", "6", "--out", out, "--run-id", "k"})
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout.String()+stderr.String(), secret) {
		t.Fatal("the key was printed")
	}
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s contains the API key", p)
		}
		return nil
	})
}

func TestRunReplayAndConcurrency(t *testing.T) {
	url := exactSim(t, 5*time.Millisecond, time.Millisecond)
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	// The sample's first 20 requests at 50x speed.
	code := dispatch(t.Context(), e, []string{"run", "--base-url", url, "--model", "sim", "--workload", "sample",
		"--replay", "--time-scale", "0.02", "--requests", "20", "--warmup", "2", "--out", out, "--run-id", "r", "--quiet"})
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	recs, err := results.ReadRequests(filepath.Join(out, "r"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := results.ReadManifest(filepath.Join(out, "r"))
	if err != nil {
		t.Fatal(err)
	}
	ph := m.Load.Phases
	if ph == nil || ph.Warmup.Sent != 2 || ph.MeasuredStartNs <= 0 {
		t.Fatalf("manifest phases %+v, want a warm-up of 2 and a measured start", ph)
	}
	sample := workloads.Sample()
	warm := 0
	for _, r := range recs {
		if r.Warmup {
			warm++
		}
		want := sample[r.RequestIndex]
		// Replay keeps each request's own offset, scaled, from the start
		// of its phase: the warm-up replays the first two, the measured
		// phase the rest from its own zero.
		zero, first := int64(0), *sample[0].AtMs
		if !r.Warmup {
			zero, first = ph.MeasuredStartNs, *sample[2].AtMs
		}
		if at := zero + int64((*want.AtMs-first)*0.02*1e6); r.ScheduledNs < at-1e6 || r.ScheduledNs > at+1e6 {
			t.Errorf("request %d scheduled at %d, want %d", r.RequestIndex, r.ScheduledNs, at)
		}
		if r.RequestID != want.ID || r.OutputTokens != int64(want.MaxTokens) || r.IntendedInputTokens != int64(want.InputTokens) {
			t.Errorf("request %d: id %s out %d intended %d", r.RequestIndex, r.RequestID, r.OutputTokens, r.IntendedInputTokens)
		}
	}
	if len(recs) != 22 || warm != 2 { // warm-up requests are extra to --requests
		t.Errorf("%d rows (%d warm-up), want 22 (2)", len(recs), warm)
	}
	if want := (results.RequestCounts{Sent: 22, OK: 22, Warmup: 2}); m.Requests != want {
		t.Errorf("manifest counts %+v, want %+v", m.Requests, want)
	}
}

func TestRunExistingRunDir(t *testing.T) {
	out := t.TempDir()
	os.MkdirAll(filepath.Join(out, "dup"), 0o755)
	e, _, stderr := testEnv(nil)
	code := dispatch(context.Background(), e, []string{"run", "--base-url", "http://127.0.0.1:1/v1", "--model", "m",
		"--workload", "sample", "--rate", "1/s", "--out", out, "--run-id", "dup"})
	if code != exitUsage || !strings.Contains(stderr.String(), "already exists") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

func TestDemoSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three simulators")
	}
	e, stdout, stderr := testEnv(nil)
	code := dispatch(t.Context(), e, []string{"demo", "--requests", "30", "--time-scale", "0.05", "--quiet", "--out", t.TempDir()})
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The self-hosted target is a sweep: its first level's run is named
	// for it (-c1, concurrency); the replays keep the target's name.
	for _, want := range []string{"api-sim", "managed-sim", "self-hosted-sim-c1", "(simulated)", "gpu-hourly", "per-token", "energy per output token (J)", "GPU util mean / max",
		"Cost comparison", "Monthly projection at 100M:20M", "break-even volume"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("demo report lacks %q", want)
		}
	}
	if !strings.Contains(stderr.String(), "SIMULATED") {
		t.Errorf("demo does not say the targets are simulated")
	}
}

func TestHelpAndUnknownCommand(t *testing.T) {
	e, stdout, _ := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"help"}); code != exitOK || !strings.Contains(stdout.String(), "Examples:") {
		t.Errorf("help: exit %d", code)
	}
	e, _, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"frobnicate"}); code != exitUsage || !strings.Contains(stderr.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d %s", code, stderr)
	}
	e, _, stderr = testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"run", "-h"}); code != exitOK || !strings.Contains(stderr.String(), "Examples:") {
		t.Errorf("run -h: exit %d", code)
	}
}

// TestParquetOpensInDuckDB opens a real run's parts in DuckDB (through its
// Node.js client, which .ci/run installs with npm) and checks the
// documented column types. Skipped when the client is not installed.
func TestParquetOpensInDuckDB(t *testing.T) {
	script, _ := filepath.Abs("../../scripts/duckdb-check/check.mjs")
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "@duckdb", "node-api")); err != nil {
		t.Skip("DuckDB client not installed: run `npm ci --prefix scripts/duckdb-check` (.ci/run does)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found")
	}
	url := faultySim(t, 3, 0.3)
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"run", "--base-url", url, "--model", "sim", "--workload", writeWorkload(t, 4, 5),
		"--concurrency", "2", "--requests", "20", "--out", out, "--run-id", "d", "--quiet"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	cmd := exec.Command(node, script, filepath.Join(out, "d"))
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("DuckDB check failed: %v\n%s", err, b)
	}
	s := string(b)
	if !strings.Contains(s, `"n":20`) || !strings.Contains(s, `"problems":[]`) {
		t.Errorf("DuckDB saw %s", s)
	}
	if strings.Contains(s, `"ok":20`) || strings.Contains(s, `"null_first_token":0,`) {
		t.Errorf("expected failed rows with NULL first_token_ns: %s", s)
	}
	var facts struct{ OK, FirstEventOK int64 }
	if err := json.Unmarshal(b, &struct {
		OK           *int64 `json:"ok"`
		FirstEventOK *int64 `json:"first_event_ok"`
	}{&facts.OK, &facts.FirstEventOK}); err != nil || facts.OK == 0 || facts.FirstEventOK != facts.OK {
		t.Errorf("every ok row should have first_event_ns <= first_token_ns: %s (%v)", s, err)
	}
	t.Logf("DuckDB: %s", strings.TrimSpace(s))
}

// TestRunReplaysImportedTrace replays the first rows of the Azure 2023
// trace (a length-only CSV: prompts are synthesised to the exact length)
// and checks each request went out at its recorded offset, scaled.
func TestRunReplaysImportedTrace(t *testing.T) {
	trace, _ := filepath.Abs("../../workloads/testdata/traces/azure2023/AzureLLMInferenceTrace_conv.first2000.csv")
	wl, err := workloads.Load(trace, workloads.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := wl.Requests
	url := exactSim(t, time.Millisecond, 100*time.Microsecond)
	out := t.TempDir()
	e, _, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"run", "--base-url", url, "--model", "sim", "--workload", trace,
		"--replay", "--time-scale", "0.05", "--requests", "40", "--out", out, "--run-id", "az", "--quiet"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	recs, err := results.ReadRequests(filepath.Join(out, "az"))
	if err != nil || len(recs) != 40 {
		t.Fatalf("%d rows, %v", len(recs), err)
	}
	for _, r := range recs {
		w := want[r.RequestIndex]
		if at := int64(*w.AtMs * 0.05 * 1e6); r.ScheduledNs < at-1e3 || r.ScheduledNs > at+1e3 {
			t.Errorf("request %d scheduled %d, want %d (trace offset x0.05)", r.RequestIndex, r.ScheduledNs, at)
		}
		if r.IntendedInputTokens != int64(w.InputTokens) || r.RequestedOutputTokens != int64(w.MaxTokens) || r.OutputTokens != int64(w.MaxTokens) {
			t.Errorf("request %d: intended in %d (want %d), out %d/%d", r.RequestIndex, r.IntendedInputTokens, w.InputTokens, r.OutputTokens, w.MaxTokens)
		}
	}
	m, _ := results.ReadManifest(filepath.Join(out, "az"))
	if m.Workload.Format != "azure" {
		t.Errorf("manifest workload format %q", m.Workload.Format)
	}
}
