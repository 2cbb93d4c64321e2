package sim

import (
	"math"
	"slices"
	"testing"
	"time"
)

// exactTiming streams one response from an exact server and returns the
// client-side errors against the configured timing: TTFT error, and every
// token's error against its own absolute deadline (sent+TTFT+i*ITL).
func exactTiming(tb testing.TB, url string, ttft, itl time.Duration, tokens int) (ttftErr time.Duration, tokenErrs []time.Duration) {
	tb.Helper()
	r := stream(tb.Context(), tb, url, "/v1/chat/completions", chatBody(tokens, true, false))
	if !r.done {
		tb.Fatal("stream did not finish")
	}
	i := 0
	for _, ev := range r.events[1:] { // after the role-only chunk
		if ev.data == "[DONE]" {
			break
		}
		want := ttft + time.Duration(i)*itl
		tokenErrs = append(tokenErrs, ev.at.Sub(r.sent)-want)
		i++
	}
	if i != tokens {
		tb.Fatalf("%d content events, want %d", i, tokens)
	}
	return tokenErrs[0], tokenErrs
}

func TestExactTiming(t *testing.T) {
	const ttft, itl, n = 50 * time.Millisecond, 10 * time.Millisecond, 20
	cfg, err := Preset("exact")
	if err != nil {
		t.Fatal(err)
	}
	_, url := startServer(t, cfg)
	ttftErr, errs := exactTiming(t, url, ttft, itl, n)
	t.Logf("TTFT error %v; token errors min %v median %v max %v", ttftErr, slices.Min(errs), median(errs), slices.Max(errs))
	// The server cannot send early: the client sends before the server's
	// clock starts, so no token arrives before its deadline.
	if slices.Min(errs) < 0 {
		t.Errorf("a token arrived %v before its deadline", -slices.Min(errs))
	}
	// Loose upper bound: this machine is shared; precise numbers are in
	// BenchmarkExactTiming.
	if ttftErr > 200*time.Millisecond || median(errs) > 200*time.Millisecond {
		t.Errorf("TTFT error %v, median token error %v: far too late", ttftErr, median(errs))
	}
	// Deadlines are absolute: lateness does not accumulate along the stream.
	if last := errs[n-1]; last > errs[0]+100*time.Millisecond {
		t.Errorf("error grew from %v to %v along the stream", errs[0], last)
	}
}

func TestExactStreamsAreIndependent(t *testing.T) {
	// Concurrent requests do not slow each other in exact mode.
	s, url := startServer(t, Config{TTFT: 30 * time.Millisecond, ITL: 5 * time.Millisecond})
	done := make(chan []time.Duration, 8)
	for range 8 {
		go func() {
			r, err := doStream(t.Context(), url, "/v1/chat/completions", chatBody(10, true, false))
			if err != nil || !r.done {
				t.Errorf("stream failed: %v", err)
				done <- nil
				return
			}
			done <- []time.Duration{firstTokenAt(r), r.events[len(r.events)-2].at.Sub(r.sent)}
		}()
	}
	pollStats(t, s, "8 streams running", func(st Stats) bool { return st.Running == 8 || st.Completed == 8 })
	for range 8 {
		d := <-done
		if d == nil {
			continue
		}
		if d[0] < 30*time.Millisecond || d[1] < 75*time.Millisecond || d[1] > 2*time.Second {
			t.Errorf("TTFT %v, last token %v: want >= 30ms and >= 75ms", d[0], d[1])
		}
	}
	if st := s.Stats(); st.Running != 0 || st.Completed != 8 {
		t.Errorf("stats %+v", st)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkExactTiming measures how far from the configured timing a
// client on loopback sees an exact-mode server: the harness's floor. It
// reports the median and 99th percentile of the TTFT error and of every
// token's lateness against its absolute deadline, in µs.
func BenchmarkExactTiming(b *testing.B) {
	const ttft, itl, n = 20 * time.Millisecond, 5 * time.Millisecond, 20
	_, url := startServer(b, Config{Exact: true, TTFT: ttft, ITL: itl})
	var ttftErrs, tokenErrs []time.Duration
	for b.Loop() {
		te, errs := exactTiming(b, url, ttft, itl, n)
		ttftErrs = append(ttftErrs, te)
		tokenErrs = append(tokenErrs, errs...)
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(percentile(ttftErrs, 50)), "ttft_err_p50_us")
	b.ReportMetric(us(percentile(ttftErrs, 99)), "ttft_err_p99_us")
	b.ReportMetric(us(percentile(tokenErrs, 50)), "token_err_p50_us")
	b.ReportMetric(us(percentile(tokenErrs, 99)), "token_err_p99_us")
}

// percentile is the nearest-rank p-th percentile of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}
