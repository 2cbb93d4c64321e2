package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports/decide"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/sim"
	"github.com/inferbench/inferbench/workloads"
)

// recordedWorkload is a recording as `inferbench record` writes it: each
// request asked for up to 200 tokens; the upstream answered 3, 9, 17 and
// 30 (usage); the last request was recorded without an answer.
func recordedWorkload(t *testing.T) (string, []workloads.Request) {
	t.Helper()
	var reqs []workloads.Request
	for i, n := range []int{3, 9, 17, 30, 0} {
		at := float64(i) * 1000
		r := workloads.Request{ID: string(rune('a' + i)), Prompt: "Say something.", MaxTokens: 200, AtMs: &at}
		if n > 0 {
			r.Observed = &workloads.Observed{InputTokens: 12, OutputTokens: n, Source: workloads.ObservedFromUsage, Streamed: true}
		}
		reqs = append(reqs, r)
	}
	return writeWorkloadFile(t, reqs), reqs
}

// bodyCapture serves the simulator and keeps every request body it got,
// by the prompt's request id order of arrival.
type bodyCapture struct {
	mu     sync.Mutex
	bodies []map[string]any
}

func (c *bodyCapture) serve(t *testing.T, s http.Handler) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		c.mu.Lock()
		c.bodies = append(c.bodies, m)
		c.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

// TestRunOutputLenObserved replays a recording with --output-len
// observed against the simulator: each request gets exactly the length
// its upstream answered, a request without one keeps its max_tokens (a
// note says so); ignore_eos and min_tokens go only to a target that takes
// engine-only fields (the vllm preset), not to a bare URL.
func TestRunOutputLenObserved(t *testing.T) {
	s, err := sim.New(sim.Config{Exact: true, TTFT: time.Millisecond, ITL: 100 * time.Microsecond, Model: "sim"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wl, reqs := recordedWorkload(t)
	for _, preset := range []string{"", "vllm"} {
		var capture bodyCapture
		url := capture.serve(t, s)
		out := t.TempDir()
		args := []string{"run", "--base-url", url, "--model", "sim", "--workload", wl, "--replay", "--time-scale", "0.001",
			"--output-len", "observed", "--out", out, "--run-id", "r", "--quiet", "--no-probe"}
		if preset != "" {
			args = append(args, "--preset", preset)
		}
		e, _, stderr := testEnv(nil)
		if code := dispatch(t.Context(), e, args); code != exitOK {
			t.Fatalf("%s: exit %d\n%s", preset, code, stderr)
		}
		if !strings.Contains(stderr.String(), "output-len observed: 1 of 5 requests have no observed output length and keep their max_tokens") {
			t.Errorf("%s: no note for the request without an observed length:\n%s", preset, stderr)
		}
		recs, err := results.ReadRequests(filepath.Join(out, "r"))
		if err != nil || len(recs) != 5 {
			t.Fatalf("%s: %d rows, %v", preset, len(recs), err)
		}
		for _, r := range recs {
			want := int64(200)
			if o := reqs[r.RequestIndex].Observed; o != nil {
				want = int64(o.OutputTokens)
			}
			if r.Status != results.StatusOK || r.OutputTokens != want || r.RequestedOutputTokens != want {
				t.Errorf("%s: request %s: %s, %d output tokens of %d asked, want %d", preset, r.RequestID, r.Status, r.OutputTokens, r.RequestedOutputTokens, want)
			}
		}
		capture.mu.Lock()
		for _, b := range capture.bodies {
			max := b["max_tokens"].(float64)
			_, eos := b["ignore_eos"]
			minTok, hasMin := b["min_tokens"]
			switch {
			case max == 200 && (eos || hasMin):
				t.Errorf("%s: the request without an observed length got engine fields: %v", preset, b)
			case max != 200 && preset == "vllm" && (b["ignore_eos"] != true || minTok != max):
				t.Errorf("vllm: body %v, want ignore_eos and min_tokens = max_tokens", b)
			case preset == "" && (eos || hasMin):
				t.Errorf("bare URL: engine-only fields sent: %v", b)
			}
		}
		capture.mu.Unlock()
	}
}

// TestRunOutputLenObservedNone: observed lengths asked of a workload
// without any is a usage error naming the setting.
func TestRunOutputLenObservedNone(t *testing.T) {
	e, _, stderr := testEnv(nil)
	code := dispatch(t.Context(), e, []string{"run", "--base-url", "http://127.0.0.1:1/v1", "--model", "m", "--workload", writeWorkload(t, 3, 4),
		"--concurrency", "1", "--output-len", "observed", "--out", t.TempDir()})
	if code != exitUsage || !strings.Contains(stderr.String(), "--output-len observed: w has no observed output lengths") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	e, _, stderr = testEnv(nil)
	code = dispatch(t.Context(), e, []string{"run", "--base-url", "http://127.0.0.1:1/v1", "--model", "m", "--workload", "sample",
		"--concurrency", "1", "--output-len", "most", "--out", t.TempDir()})
	if code != exitUsage || !strings.Contains(stderr.String(), `"most": want max, observed or a number of tokens > 0`) {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}

// TestInspectObservedVolume: inspect of a recording shows the observed
// lengths and the month of its traffic as a --volume the report reads.
func TestInspectObservedVolume(t *testing.T) {
	wl, _ := recordedWorkload(t)
	e, stdout, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"workload", "inspect", wl}); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// 5 rows over 4 s: 1 req/s; the 4 with usage average 12 in, 14.75 out.
	const month = 720 * 3600.0
	want := "--volume " + decide.Tokens(12*month) + ":" + decide.Tokens(14.75*month)
	if _, err := decide.ParseVolume(strings.TrimPrefix(want, "--volume ")); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"observed output", "observed mix: input:output 44.9%:55.1%", "a 30-day month", want} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("inspect lacks %q:\n%s", s, stdout)
		}
	}
}
