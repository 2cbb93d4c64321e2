package bench

import (
	"strings"
	"testing"
)

// TestSafeRate: the safe rate is the highest rate at which it and every
// lower rate kept within the client's limits, whatever order the rates
// were given in; a noisy pass above a failing rate does not count.
func TestSafeRate(t *testing.T) {
	lag := []string{"schedule lag p99 9.0 ms is above 5.0 ms"}
	for _, tc := range []struct {
		name   string
		levels []CalibratedRate
		want   string
	}{
		{"in the middle", []CalibratedRate{{800, lag}, {100, nil}, {400, nil}, {1000, nil}},
			"safe rate for this machine: 400 req/s, the highest rate with schedule lag p99 and TTFT error p99 within 5ms, client CPU under 85% of its cores and every request ok (at 800 req/s: schedule lag p99 9.0 ms is above 5.0 ms)."},
		{"every rate", []CalibratedRate{{10, nil}, {100, nil}},
			"safe rate for this machine: at least 100 req/s, the highest rate tried"},
		{"none", []CalibratedRate{{100, lag}, {10, []string{"3 of 50 requests failed"}}},
			"safe rate for this machine: none of the rates tried (at 10 req/s: 3 of 50 requests failed); try lower --rates."},
	} {
		if got := SafeRate(tc.levels); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s...", tc.name, got, tc.want)
		}
	}
}
