package sim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// virtualRun drives a batch without sleeping: requests (input, maxTokens)
// all arrive at time 0, and it returns each one's first-token and finish
// times under cfg, plus the peak running and waiting counts.
func virtualRun(cfg Config, reqs [][2]int) (first, finish []time.Duration, peakRunning, peakWaiting int, preemptions int64) {
	return virtualArrivals(cfg, reqs, make([]time.Duration, len(reqs)))
}

// virtualArrivals is virtualRun with arrival times (ascending): a request
// joins the queue at the first step boundary at or after its arrival, and
// an idle engine waits for the next arrival. Times are from arrival.
func virtualArrivals(cfg Config, reqs [][2]int, at []time.Duration) (first, finish []time.Duration, peakRunning, peakWaiting int, preemptions int64) {
	b := newBatch(&cfg)
	seqs := make([]*seq, len(reqs))
	for i, r := range reqs {
		seqs[i] = newSeq(r[0], r[1])
	}
	first = make([]time.Duration, len(reqs))
	finish = make([]time.Duration, len(reqs))
	var now time.Duration
	next := 0 // next arrival
	for steps := 0; steps < 1000000; steps++ {
		for next < len(reqs) && at[next] <= now {
			b.waiting = append(b.waiting, seqs[next])
			next++
		}
		st := b.plan()
		if st.size == 0 {
			if next == len(reqs) {
				break
			}
			now = at[next]
			continue
		}
		peakRunning = max(peakRunning, len(b.running))
		peakWaiting = max(peakWaiting, len(b.waiting))
		now += cfg.stepDuration(st)
		for _, s := range b.advance() {
			i := slices.Index(seqs, s)
			if s.generated == 1 {
				first[i] = now - at[i]
			}
			if s.generated == s.maxTokens {
				finish[i] = now - at[i]
			}
		}
	}
	return first, finish, peakRunning, peakWaiting, b.preemptions
}

func TestStepDuration(t *testing.T) {
	c := Config{DecodeStep: 12 * time.Millisecond, DecodeStepPerSeq: 400 * time.Microsecond, PrefillPerToken: 100 * time.Microsecond}
	for _, tc := range []struct {
		st   step
		want time.Duration
	}{
		{step{size: 1}, 12400 * time.Microsecond},
		{step{size: 32}, 24800 * time.Microsecond},
		{step{size: 2, admitted: 1, prefillTokens: 500}, 12*time.Millisecond + 800*time.Microsecond + 50*time.Millisecond},
	} {
		if got := c.stepDuration(tc.st); got != tc.want {
			t.Errorf("stepDuration(%+v) = %v, want %v", tc.st, got, tc.want)
		}
	}
}

func TestBatchPlan(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		maxBatch, kvCap        int
		reqs                   [][2]int // input, maxTokens
		running, waiting       int
		prefill                int
		wantKVUsedAfterAdvance int
	}{
		{"batch limit", 2, 0, [][2]int{{10, 5}, {10, 5}, {10, 5}, {10, 5}}, 2, 2, 20, 22},
		{"unlimited", 0, 0, [][2]int{{10, 5}, {20, 5}, {30, 5}}, 3, 0, 60, 63},
		// each needs input+1 KV for its first step: 41+41 = 82 fits in 100, a third would need 123
		{"kv limit", 0, 100, [][2]int{{40, 10}, {40, 10}, {40, 10}}, 2, 1, 80, 82},
		// FCFS: the big head of the queue blocks the small one behind it
		{"head of line", 0, 100, [][2]int{{50, 10}, {60, 10}, {5, 10}}, 1, 2, 50, 51},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := batch{maxBatch: tc.maxBatch, kvCap: tc.kvCap}
			for _, r := range tc.reqs {
				b.waiting = append(b.waiting, newSeq(r[0], r[1]))
			}
			st := b.plan()
			if len(b.running) != tc.running || len(b.waiting) != tc.waiting || st.size != tc.running || st.admitted != tc.running {
				t.Errorf("running %d waiting %d (step %+v), want %d and %d", len(b.running), len(b.waiting), st, tc.running, tc.waiting)
			}
			if st.prefillTokens != tc.prefill {
				t.Errorf("prefill %d, want %d", st.prefillTokens, tc.prefill)
			}
			if got := len(b.advance()); got != tc.running {
				t.Errorf("advance gave %d tokens, want %d", got, tc.running)
			}
			if got := b.kvUsed(); got != tc.wantKVUsedAfterAdvance {
				t.Errorf("kv used %d, want %d", got, tc.wantKVUsedAfterAdvance)
			}
		})
	}
}

func TestBatchPreemption(t *testing.T) {
	// Two sequences of 10 prompt tokens and 15 output tokens in 30 KV
	// tokens: together they outgrow the cache once each holds 15 tokens,
	// so the younger is preempted, recomputed after the elder finishes,
	// and still produces exactly 15 tokens.
	b := batch{kvCap: 30}
	a, c := newSeq(10, 15), newSeq(10, 15)
	b.waiting = []*seq{a, c}
	var preemptStep, readmitStep, readmitPrefill int
	for i := 1; i < 100 && (a.generated < 15 || c.generated < 15); i++ {
		st := b.plan()
		if st.preempted > 0 && preemptStep == 0 {
			preemptStep = i
			if len(b.running) != 1 || b.running[0] != a || b.waiting[0] != c || !c.recompute {
				t.Fatalf("step %d: wrong sequence preempted", i)
			}
		}
		if preemptStep > 0 && readmitStep == 0 && st.admitted > 0 {
			readmitStep, readmitPrefill = i, st.prefillTokens
		}
		if b.kvCap > 0 && b.kvUsed()+len(b.running) > b.kvCap {
			t.Fatalf("step %d: KV %d+%d over capacity", i, b.kvUsed(), len(b.running))
		}
		b.advance()
	}
	if a.generated != 15 || c.generated != 15 {
		t.Fatalf("generated %d and %d, want 15 each", a.generated, c.generated)
	}
	// Before step k both hold 10+(k-1) tokens and need one more each:
	// 2*(10+k) > 30 first at k = 6.
	if preemptStep != 6 || b.preemptions != 1 {
		t.Errorf("preempted at step %d (%d times), want once at step 6", preemptStep, b.preemptions)
	}
	// a finishes at step 15; c comes back at 16 and recomputes its prompt
	// plus the 5 tokens it had made.
	if readmitStep != 16 || readmitPrefill != 15 {
		t.Errorf("readmitted at step %d with prefill %d, want step 16 with 15", readmitStep, readmitPrefill)
	}
}

func TestBatchChunkedPrefill(t *testing.T) {
	// A budget of 100 tokens per step, three 80-token prompts: decodes go
	// first, prefills are chunked over steps, and each sequence's first
	// token comes at the end of the step that completes its prefill.
	b := batch{maxTokens: 100}
	seqs := []*seq{newSeq(80, 3), newSeq(80, 3), newSeq(80, 3)}
	b.waiting = slices.Clone(seqs)
	var prefills, sizes []int
	firstStep := make([]int, len(seqs))
	for i := 1; i <= 10 && (len(b.running) > 0 || len(b.waiting) > 0); i++ {
		st := b.plan()
		prefills, sizes = append(prefills, st.prefillTokens), append(sizes, st.size)
		for _, s := range b.advance() {
			if s.generated == 1 {
				firstStep[slices.Index(seqs, s)] = i
			}
		}
	}
	if want := []int{100, 99, 41, 0, 0}; !slices.Equal(prefills, want) {
		t.Errorf("prefill tokens per step %v, want %v", prefills, want)
	}
	if want := []int{2, 3, 3, 2, 1}; !slices.Equal(sizes, want) {
		t.Errorf("batch sizes %v, want %v", sizes, want)
	}
	if want := []int{1, 2, 3}; !slices.Equal(firstStep, want) {
		t.Errorf("first-token steps %v, want %v", firstStep, want)
	}
	for i, s := range seqs {
		if s.generated != 3 {
			t.Errorf("seq %d generated %d, want 3", i, s.generated)
		}
	}
}

func TestBatchRemove(t *testing.T) {
	b := batch{maxBatch: 1}
	a, c := newSeq(5, 100), newSeq(5, 100)
	b.waiting = []*seq{a, c}
	b.plan()
	if !b.remove(a) || len(b.running) != 0 {
		t.Fatal("running sequence not removed")
	}
	if st := b.plan(); st.admitted != 1 || b.running[0] != c {
		t.Fatalf("freed slot not reused: %+v", st)
	}
	if b.remove(a) {
		t.Error("removed twice")
	}
}

func TestVirtualQueueing(t *testing.T) {
	// Pure model of the self-hosted preset's shape: the more requests
	// arrive at once, the later the last one's first token.
	cfg, _ := Preset("self-hosted")
	var prevWorst time.Duration
	for _, n := range []int{1, 8, 32, 64} {
		reqs := make([][2]int, n)
		for i := range reqs {
			reqs[i] = [2]int{500, 256}
		}
		first, finish, peakRun, peakWait, _ := virtualRun(cfg, reqs)
		worst := slices.Max(first)
		t.Logf("%2d requests: TTFT best %v worst %v, last finish %v, peak running %d waiting %d",
			n, slices.Min(first), worst, slices.Max(finish), peakRun, peakWait)
		if worst <= prevWorst {
			t.Errorf("%d requests: worst TTFT %v did not grow from %v", n, worst, prevWorst)
		}
		if peakRun > cfg.MaxBatch {
			t.Errorf("peak running %d over MaxBatch", peakRun)
		}
		prevWorst = worst
	}
	// A lone request: one prefill step (12ms + 0.4ms + 500*0.1ms) to the first token.
	first, _, _, _, _ := virtualRun(cfg, [][2]int{{500, 1}})
	if want := 62400 * time.Microsecond; first[0] != want {
		t.Errorf("lone TTFT %v, want %v", first[0], want)
	}
}

func TestVirtualLoadSweep(t *testing.T) {
	// The self-hosted preset under open-loop load of 500-token prompts and
	// 256-token answers: below capacity TTFT stays near one prefill step;
	// past it (KV-bound at ~21 sequences, ~3-4 req/s) requests queue and
	// TTFT grows with the load.
	cfg, _ := Preset("self-hosted")
	var medians []time.Duration
	for _, rate := range []float64{0.5, 2, 4, 8} {
		n := int(rate * 60) // one virtual minute
		reqs := make([][2]int, n)
		at := make([]time.Duration, n)
		for i := range reqs {
			reqs[i] = [2]int{500, 256}
			at[i] = time.Duration(float64(i) / rate * float64(time.Second))
		}
		first, finish, peakRun, peakWait, pre := virtualArrivals(cfg, reqs, at)
		med := median(first)
		medians = append(medians, med)
		t.Logf("%4.1f req/s: TTFT median %v max %v; E2E median %v; peak running %d waiting %d; preemptions %d",
			rate, med, slices.Max(first), median(finish), peakRun, peakWait, pre)
	}
	if medians[0] > 100*time.Millisecond {
		t.Errorf("TTFT median %v at light load, want one prefill step (~62ms)", medians[0])
	}
	if medians[3] < 10*medians[0] {
		t.Errorf("TTFT median does not rise with load: %v", medians)
	}
}

// pollStats waits (bounded) until cond holds for s.Stats().
func pollStats(t *testing.T, s *Server, what string, cond func(Stats) bool) Stats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := s.Stats()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; stats %+v", what, st)
		}
		time.Sleep(time.Millisecond)
	}
}

// firstTokenAt returns the time from sending to the first content event.
func firstTokenAt(r streamResult) time.Duration {
	for _, ev := range r.events {
		if strings.Contains(ev.data, `"content":" `) || strings.Contains(ev.data, `"text":" `) {
			return ev.at.Sub(r.sent)
		}
	}
	return -1
}

func TestEngineBatchLimitQueues(t *testing.T) {
	s, url := startServer(t, Config{DecodeStep: 10 * time.Millisecond, MaxBatch: 2})
	var wg sync.WaitGroup
	results := make([]streamResult, 4)
	for i := range results {
		wg.Go(func() {
			var err error
			if results[i], err = doStream(t.Context(), url, "/v1/chat/completions", chatBody(30, true, false)); err != nil {
				t.Error(err)
			}
		})
	}
	st := pollStats(t, s, "2 running and 2 waiting", func(st Stats) bool { return st.Running == 2 && st.Waiting == 2 })
	wg.Wait()
	ttfts := make([]time.Duration, len(results))
	for i, r := range results {
		if !r.done {
			t.Fatalf("request %d did not finish", i)
		}
		ttfts[i] = firstTokenAt(r)
	}
	slices.Sort(ttfts)
	t.Logf("stats while queued %+v; TTFTs %v", st, ttfts)
	// The first two run 30 steps of >= 10ms before the others get a slot.
	if ttfts[2] < ttfts[1]+50*time.Millisecond {
		t.Errorf("queued requests' TTFT %v not well above the admitted ones' %v", ttfts[2:], ttfts[:2])
	}
	if st := s.Stats(); st.Running != 0 || st.Waiting != 0 || st.Completed != 4 || st.GenerationTokens != 120 {
		t.Errorf("after: %+v", st)
	}
}

func TestEngineKVCapacityBoundsAdmission(t *testing.T) {
	s, url := startServer(t, Config{DecodeStep: 20 * time.Millisecond, KVCapacityTokens: 100, DefaultMaxTokens: 10})
	prompt := strings.Repeat("abcd", 40) // 40 tokens
	body := fmt.Sprintf(`{"messages":[{"role":"user","content":%q}],"max_tokens":20,"stream":true}`, prompt)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if r, err := doStream(t.Context(), url, "/v1/chat/completions", body); err != nil || !r.done {
				t.Errorf("request did not finish: %v", err)
			}
		})
	}
	// 41+41 fits in 100, a third would not: two run, one waits, though
	// the batch is unlimited.
	pollStats(t, s, "2 running and 1 waiting", func(st Stats) bool { return st.Running == 2 && st.Waiting == 1 })
	if run, wait, kv := s.Load(); run != 2 || wait != 1 || kv < 0.8 || kv > 1 {
		t.Errorf("Load() = %d, %d, %v; want 2, 1, 0.8..1", run, wait, kv)
	}
	wg.Wait()
}

func TestEngineClientDisconnectFreesSlot(t *testing.T) {
	s, url := startServer(t, Config{DecodeStep: 5 * time.Millisecond, MaxBatch: 1})
	long := chatBody(2000, true, false) // 10s if nobody cancels it

	ctxA, cancelA := context.WithCancel(t.Context())
	defer cancelA()
	go doStream(ctxA, url, "/v1/chat/completions", long)
	pollStats(t, s, "A running", func(st Stats) bool { return st.Running == 1 })

	// C waits behind A, then gives up while queued: it must leave the queue.
	ctxC, cancelC := context.WithCancel(t.Context())
	go doStream(ctxC, url, "/v1/chat/completions", long)
	pollStats(t, s, "C waiting", func(st Stats) bool { return st.Waiting == 1 })
	cancelC()
	pollStats(t, s, "C gone from the queue", func(st Stats) bool { return st.Waiting == 0 && st.Canceled >= 1 })

	// A disconnects mid-stream: its slot goes to B at once.
	cancelA()
	pollStats(t, s, "A gone from the batch", func(st Stats) bool { return st.Running == 0 && st.Canceled == 2 })
	start := time.Now()
	r := stream(t.Context(), t, url, "/v1/chat/completions", chatBody(5, true, false))
	if !r.done {
		t.Fatal("B did not finish")
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("B took %v: the freed slot was not reused", el)
	}
	if st := s.Stats(); st.Running != 0 || st.Waiting != 0 || st.Completed != 1 {
		t.Errorf("after: %+v", st)
	}
}

func TestEngineCloseEndsStreams(t *testing.T) {
	s, ts := startServer(t, Config{DecodeStep: 5 * time.Millisecond})
	done := make(chan streamResult, 1)
	go func() {
		r, _ := doStream(t.Context(), ts, "/v1/chat/completions", chatBody(2000, true, false))
		done <- r
	}()
	pollStats(t, s, "running", func(st Stats) bool { return st.Running == 1 })
	s.Close()
	select {
	case r := <-done:
		if r.done {
			t.Error("stream cut by Close still ended with [DONE]")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stream did not end after Close")
	}
	s.Close() // idempotent
}
