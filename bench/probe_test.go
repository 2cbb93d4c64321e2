package bench

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// scriptTarget answers each request after 10 ms with the class its
// answer function gives ("" = ok), and keeps every request it got.
type scriptTarget struct {
	mu     sync.Mutex
	got    []workloads.Request
	answer func(n int, req *workloads.Request) (class string, status int32, msg string)
}

func (s *scriptTarget) Do(ctx context.Context, c results.Clock, req *workloads.Request) results.Record {
	s.mu.Lock()
	n := len(s.got)
	s.got = append(s.got, *req)
	s.mu.Unlock()
	r := results.Record{SentNs: c.Now()}
	time.Sleep(10 * time.Millisecond)
	r.DoneNs = c.Now()
	class, status, msg := s.answer(n, req)
	if class == "" {
		r.Status, r.OutputTokens, r.HTTPStatus = results.StatusOK, int64(req.MaxTokens), 200
		r.FirstTokenNs, r.LastTokenNs = r.DoneNs, r.DoneNs
		return r
	}
	r.HTTPStatus = status
	r.SetError(class, msg)
	return r
}

func (s *scriptTarget) requests() []workloads.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]workloads.Request(nil), s.got...)
}

// about10ms: the target's 10 ms, on the run clock (virtual time, read
// to the microsecond).
func about10ms(ns int64) bool {
	return ns > int64(10*time.Millisecond)-1e3 && ns < int64(10*time.Millisecond)+1e3
}

const modelNotFound = "The model `gtp-4o` does not exist."

// TestProbeRefusedLeavesNothing: a probe answered 404 stops Execute
// before the run directory exists, with the server's message, after one
// request of the workload's first request's shape, output capped.
func TestProbeRefusedLeavesNothing(t *testing.T) {
	target := &scriptTarget{answer: func(int, *workloads.Request) (string, int32, string) {
		return results.ErrClassHTTP4xx, 404, modelNotFound
	}}
	p := testPlan(t, target, testWorkload("a", "b"))
	p.NoProbe = false
	var out Outcome
	var err error
	synctest.Test(t, func(t *testing.T) { out, err = Execute(t.Context(), p) })
	var pe *ProbeError
	if !errors.Is(err, ErrProbeFailed) || !errors.As(err, &pe) || out.Dir != "" {
		t.Fatalf("err %v, outcome %+v", err, out)
	}
	if pe.Probe.ErrorClass != results.ErrClassHTTP4xx || pe.Probe.HTTPStatus != 404 || pe.Probe.Message != modelNotFound ||
		!about10ms(pe.Probe.LatencyNs) || !strings.Contains(err.Error(), modelNotFound) {
		t.Errorf("probe %+v: %v", pe.Probe, err)
	}
	if _, err := os.Stat(filepath.Join(p.Outputs.Dir, "r")); !os.IsNotExist(err) {
		t.Errorf("run directory left behind: %v", err)
	}
	got := target.requests()
	if len(got) != 1 || got[0].ID != "a" || got[0].MaxTokens != ProbeMaxTokens {
		t.Errorf("target got %+v, want one request: a with max_tokens %d", got, ProbeMaxTokens)
	}
}

// TestProbePassesOn: a probe that succeeds, or fails in a way the server
// may not repeat (429, 5xx), lets the run go on; it is in the manifest,
// not among the rows, and a note says why a failed one was let through.
func TestProbePassesOn(t *testing.T) {
	for _, tc := range []struct {
		class  string
		status int32
		note   string
	}{
		{"", 200, ""},
		{results.ErrClassRateLimited, 429, "probe: the target answered rate_limited (slow down); going on"},
		{results.ErrClassHTTP5xx, 500, "probe: the target answered http_5xx (boom); going on"},
	} {
		t.Run(tc.class, func(t *testing.T) {
			target := &scriptTarget{answer: func(n int, _ *workloads.Request) (string, int32, string) {
				if n == 0 && tc.class != "" {
					return tc.class, tc.status, map[int32]string{429: "slow down", 500: "boom"}[tc.status]
				}
				return "", 0, ""
			}}
			p := testPlan(t, target, testWorkload("a", "b"))
			p.NoProbe = false
			var notes []string
			p.Log = func(s string) { notes = append(notes, s) }
			var out Outcome
			var err error
			synctest.Test(t, func(t *testing.T) { out, err = Execute(t.Context(), p) })
			if err != nil || out.Failure != nil {
				t.Fatalf("err %v, failure %+v", err, out.Failure)
			}
			if got := len(target.requests()); got != 3 || out.Requests.Sent != 2 {
				t.Errorf("target got %d requests (want the probe and 2), %d rows", got, out.Requests.Sent)
			}
			m, err := results.ReadManifest(out.Dir)
			if err != nil {
				t.Fatal(err)
			}
			if m.Probe == nil || !about10ms(m.Probe.LatencyNs) {
				t.Fatalf("manifest probe %+v, want one of 10 ms", m.Probe)
			}
			want := results.Probe{Status: results.StatusOK, HTTPStatus: 200, LatencyNs: m.Probe.LatencyNs}
			if tc.class != "" {
				want.Status, want.HTTPStatus, want.ErrorClass = results.StatusError, tc.status, tc.class
				want.Message = map[int32]string{429: "slow down", 500: "boom"}[tc.status]
			}
			if m.Probe == nil || *m.Probe != want {
				t.Errorf("manifest probe %+v, want %+v", m.Probe, want)
			}
			if joined := strings.Join(notes, "\n"); !strings.HasPrefix(joined, tc.note) || (tc.note == "") != (joined == "") {
				t.Errorf("notes %q, want %q", joined, tc.note)
			}
		})
	}
}

// TestProbeRequest: the probe keeps the first request's shape, with its
// output capped, and a min_tokens it carries capped to match (an engine
// refuses min_tokens above max_tokens), without touching the workload.
func TestProbeRequest(t *testing.T) {
	extra := map[string]json.RawMessage{"min_tokens": json.RawMessage("300"), "ignore_eos": json.RawMessage("true")}
	req := workloads.Request{ID: "x", Prompt: "p", MaxTokens: 300, Extra: extra}
	got := probeRequest(req)
	if got.MaxTokens != ProbeMaxTokens || string(got.Extra["min_tokens"]) != "8" || string(got.Extra["ignore_eos"]) != "true" || got.Prompt != "p" {
		t.Errorf("probe %+v", got)
	}
	if string(extra["min_tokens"]) != "300" {
		t.Errorf("the workload's request changed: %s", extra["min_tokens"])
	}
	if got := probeRequest(workloads.Request{Prompt: "p", MaxTokens: 3}); got.MaxTokens != 3 {
		t.Errorf("a shorter max_tokens is kept: %d", got.MaxTokens)
	}
	if got := probeRequest(workloads.Request{Prompt: "p"}); got.MaxTokens != ProbeMaxTokens {
		t.Errorf("no max_tokens: %d", got.MaxTokens)
	}
}

// TestProbeInterrupted: a Ctrl-C during the probe is an interrupted
// start: nothing is left behind.
func TestProbeInterrupted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := testPlan(t, memTarget{ttft: time.Second}, testWorkload("a"))
		p.NoProbe = false
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		if _, err := Execute(ctx, p); !errors.Is(err, ErrStartInterrupted) {
			t.Errorf("err %v, want ErrStartInterrupted", err)
		}
		if _, err := os.Stat(filepath.Join(p.Outputs.Dir, "r")); !os.IsNotExist(err) {
			t.Errorf("run directory left behind: %v", err)
		}
	})
}

// TestSweepProbesOnce: only the first level of a sweep sends the probe.
func TestSweepProbesOnce(t *testing.T) {
	target := &scriptTarget{answer: func(int, *workloads.Request) (string, int32, string) { return "", 0, "" }}
	p := testPlan(t, target, testWorkload("a", "b"))
	p.NoProbe = false
	var out SweepOutcome
	synctest.Test(t, func(t *testing.T) {
		var err error
		out, err = Sweep(t.Context(), SweepPlan{Plan: p, Levels: []Level{{Name: "c1", Concurrency: 1}, {Name: "c2", Concurrency: 2}}})
		if err != nil {
			t.Fatal(err)
		}
	})
	if got := len(target.requests()); got != 5 || len(out.Levels) != 2 {
		t.Fatalf("target got %d requests over %d levels, want 1 probe + 2 x 2", got, len(out.Levels))
	}
	if out.Levels[0].Outcome.Manifest.Probe == nil || out.Levels[1].Outcome.Manifest.Probe != nil {
		t.Errorf("probes in manifests: %+v, %+v", out.Levels[0].Outcome.Manifest.Probe, out.Levels[1].Outcome.Manifest.Probe)
	}
}
