package reports

import (
	"slices"
	"testing"

	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

// Values are a latency's per-request values, sorted: zeros left out where
// they mean "not observed", kept where they are real (schedule lag), per
// token for ITL, and thinned to every k-th in recorded order past a limit.
func TestValues(t *testing.T) {
	r := NewRunData("", nil)
	for i := range int64(5) {
		rec := fixture.OKRec(i*100, 20+(4-i), 200, 100, 20, fixture.MsGaps(9+i%3, 10, 11), nil)
		r.Add(&rec)
	}
	fail := fixture.FailRec(600, 605, results.ErrClassHTTP5xx)
	r.Add(&fail)

	v, n := r.Values("ttft", 0)
	if n != 5 || !slices.Equal(v, []int64{20 * ms, 21 * ms, 22 * ms, 23 * ms, 24 * ms}) {
		t.Errorf("ttft %v (%d), want 20..24 ms sorted", v, n)
	}
	if v, n := r.Values("schedule_lag", 0); n != 6 || len(v) != 6 {
		t.Errorf("lag %v (%d): every measured request, zeros kept", v, n)
	}
	if v, n := r.Values("itl", 0); n != 15 || len(v) != 15 || v[0] != 9*ms || v[14] != 11*ms {
		t.Errorf("itl %v (%d)", v, n)
	}
	// Recorded TTFTs are 24, 23, 22, 21, 20 ms: every 2nd of them is 24,
	// 22, 20.
	if v, n := r.Values("ttft", 3); n != 5 || !slices.Equal(v, []int64{20 * ms, 22 * ms, 24 * ms}) {
		t.Errorf("ttft limited to 3: %v (%d)", v, n)
	}
	vals, lens, nReq := r.ITLByRequest(1000)
	if nReq != 5 || len(lens) != 5 || len(vals) != 15 || lens[0] != 3 {
		t.Errorf("ITLByRequest: %d requests, lens %v, %d values", nReq, lens, len(vals))
	}
	if _, lens, nReq := r.ITLByRequest(6); nReq != 5 || len(lens) != 2 {
		t.Errorf("ITLByRequest capped at 6 gaps: %d of %d requests kept, want every 3rd (requests 0 and 3)", len(lens), nReq)
	}
}
