package sim

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFaultRatesAndDeterminism(t *testing.T) {
	c := Config{Seed: 42, NetworkLatency: 100 * time.Millisecond, NetworkJitter: 20 * time.Millisecond,
		Faults: Faults{ErrorRate: 0.1, RateLimitRate: 0.2, DisconnectRate: 0.05, MalformedRate: 0.3, StallRate: 0.5}}
	const n = 20000
	var errs, limits, disc, malf, stalls int
	minNet, maxNet := time.Hour, time.Duration(0)
	for i := range uint64(n) {
		f := decideFate(&c, i)
		if f != decideFate(&c, i) {
			t.Fatalf("request %d: fate not deterministic", i)
		}
		if f.serverErr && f.rateLimit {
			t.Fatalf("request %d: both 500 and 429", i)
		}
		errs += b2i(f.serverErr)
		limits += b2i(f.rateLimit)
		disc += b2i(f.disconnect)
		malf += b2i(f.malformed)
		stalls += b2i(f.stall)
		minNet, maxNet = min(minNet, f.network), max(maxNet, f.network)
	}
	for _, tc := range []struct {
		name string
		got  int
		rate float64
	}{{"error", errs, 0.1}, {"rate limit", limits, 0.2}, {"disconnect", disc, 0.05}, {"malformed", malf, 0.3}, {"stall", stalls, 0.5}} {
		if frac := float64(tc.got) / n; math.Abs(frac-tc.rate) > 0.015 {
			t.Errorf("%s: fraction %.4f, want %.2f", tc.name, frac, tc.rate)
		}
	}
	if minNet < 80*time.Millisecond || maxNet > 120*time.Millisecond || maxNet-minNet < 35*time.Millisecond {
		t.Errorf("network latency spans [%v, %v], want about [80ms, 120ms]", minNet, maxNet)
	}
	// Another seed gives other fates.
	other := c
	other.Seed = 43
	same := 0
	for i := range uint64(100) {
		if decideFate(&c, i) == decideFate(&other, i) {
			same++
		}
	}
	if same > 20 {
		t.Errorf("seeds 42 and 43 agree on %d of 100 fates", same)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestFaultsOverHTTPAreDeterministic(t *testing.T) {
	// Two servers with the same seed answer the same sequence of requests
	// with the same statuses; a third with another seed does not.
	cfg := Config{Seed: 7, Faults: Faults{ErrorRate: 0.25, RateLimitRate: 0.25}}
	outcomes := func(cfg Config) string {
		_, url := startServer(t, cfg)
		var b strings.Builder
		for range 40 {
			resp := post(t.Context(), t, url, "/v1/chat/completions", chatBody(1, false, false))
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			b.WriteString(resp.Status[:3] + " ")
		}
		return b.String()
	}
	a, b := outcomes(cfg), outcomes(cfg)
	cfg.Seed = 8
	c := outcomes(cfg)
	if a != b {
		t.Errorf("same seed, different outcomes:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same outcomes: %s", a)
	}
	for _, code := range []string{"200", "429", "500"} {
		if !strings.Contains(a, code) {
			t.Errorf("no %s in %s", code, a)
		}
	}
}

func TestFaultWireSymptoms(t *testing.T) {
	t.Run("500", func(t *testing.T) {
		s, url := startServer(t, Config{Faults: Faults{ErrorRate: 1}})
		resp := post(t.Context(), t, url, "/v1/chat/completions", chatBody(3, true, false))
		defer resp.Body.Close()
		var e apiError
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != 500 || e.Error.Type != "server_error" {
			t.Errorf("status %d body %+v err %v", resp.StatusCode, e, err)
		}
		if st := s.Stats(); st.ServerErrors != 1 || st.Running != 0 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("429", func(t *testing.T) {
		_, url := startServer(t, Config{Faults: Faults{RateLimitRate: 1, RetryAfter: 1500 * time.Millisecond}})
		resp := post(t.Context(), t, url, "/v1/chat/completions", chatBody(3, false, false))
		defer resp.Body.Close()
		var e apiError
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != 429 {
			t.Fatalf("status %d err %v", resp.StatusCode, err)
		}
		if ra := resp.Header.Get("Retry-After"); ra != "2" {
			t.Errorf("Retry-After %q, want 2 (whole seconds, rounded up)", ra)
		}
		if ra := resp.Header.Get("retry-after-ms"); ra != "1500" {
			t.Errorf("retry-after-ms %q, want 1500", ra)
		}
		if e.Error.Code == nil || *e.Error.Code != "rate_limit_exceeded" {
			t.Errorf("error %+v", e.Error)
		}
	})
	t.Run("disconnect", func(t *testing.T) {
		s, url := startServer(t, Config{Faults: Faults{DisconnectRate: 1}})
		r := stream(t.Context(), t, url, "/v1/chat/completions", chatBody(10, true, true))
		if r.done {
			t.Error("cut stream ended with [DONE]")
		}
		if r.readErr == nil {
			t.Error("cut stream ended with a clean EOF, want a broken connection")
		}
		if n, _, finish := contentStats(r.chunks(t)); n != 5 || len(finish) != 0 {
			t.Errorf("%d content chunks (finish %v) before the cut, want 5 and none", n, finish)
		}
		// Non-streaming: no response at all.
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/v1/chat/completions", strings.NewReader(chatBody(10, false, false)))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			t.Errorf("non-streaming request got a response: %s", resp.Status)
		}
		pollStats(t, s, "disconnects counted", func(st Stats) bool { return st.Disconnects == 2 && st.Running == 0 })
	})
	t.Run("disconnect engine frees slot", func(t *testing.T) {
		s, url := startServer(t, Config{DecodeStep: time.Millisecond, MaxBatch: 1, Faults: Faults{DisconnectRate: 1}})
		for range 3 {
			if r := stream(t.Context(), t, url, "/v1/chat/completions", chatBody(4, true, false)); r.done {
				t.Error("cut stream ended with [DONE]")
			}
		}
		pollStats(t, s, "batch empty", func(st Stats) bool { return st.Running == 0 && st.Waiting == 0 && st.Disconnects == 3 })
	})
	t.Run("malformed", func(t *testing.T) {
		_, url := startServer(t, Config{Faults: Faults{MalformedRate: 1}})
		r := stream(t.Context(), t, url, "/v1/chat/completions", chatBody(10, true, false))
		if !r.done {
			t.Fatal("stream with a malformed chunk did not finish")
		}
		var bad []string
		var good []event
		for _, ev := range r.events {
			if ev.data != "[DONE]" && !json.Valid([]byte(ev.data)) {
				bad = append(bad, ev.data)
			} else {
				good = append(good, ev)
			}
		}
		if len(bad) != 1 {
			t.Fatalf("%d invalid events, want 1: %q", len(bad), bad)
		}
		n, _, _ := contentStats(streamResult{events: good}.chunks(t))
		if n != 10 {
			t.Errorf("%d valid content chunks, want all 10", n)
		}
		// Non-streaming: the body is cut.
		resp := post(t.Context(), t, url, "/v1/chat/completions", chatBody(10, false, false))
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if json.Valid(body) {
			t.Errorf("non-streaming body is valid JSON: %s", body)
		}
	})
	t.Run("stall", func(t *testing.T) {
		const stall = 200 * time.Millisecond
		for _, cfg := range []Config{
			{Faults: Faults{StallRate: 1, Stall: stall}},
			{DecodeStep: time.Millisecond, Faults: Faults{StallRate: 1, Stall: stall}},
		} {
			t.Run(cfg.Mode(), func(t *testing.T) {
				s, url := startServer(t, cfg)
				r := stream(t.Context(), t, url, "/v1/chat/completions", chatBody(10, true, false))
				if !r.done {
					t.Fatal("stalled stream did not finish")
				}
				var maxGap time.Duration
				for i := 1; i < len(r.events); i++ {
					maxGap = max(maxGap, r.events[i].at.Sub(r.events[i-1].at))
				}
				// Loose: the client may read the event before the pause late.
				if maxGap < stall*3/4 {
					t.Errorf("largest gap %v, want about %v", maxGap, stall)
				}
				if st := s.Stats(); st.Stalls != 1 || st.Completed != 1 {
					t.Errorf("stats %+v", st)
				}
			})
		}
	})
}
