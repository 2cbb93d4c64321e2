package bench

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// CalibratedRate is one rate a calibration measured, and what was past
// the client's limits there (none: the machine sends it faithfully).
type CalibratedRate struct {
	Rate     float64
	Problems []string
}

// SafeRate names the highest rate at which it and every lower rate
// measured stayed within the limits a run checks its client against
// (ClientLoad), or says why there is none. It sorts levels by rate.
func SafeRate(levels []CalibratedRate) string {
	slices.SortStableFunc(levels, func(a, b CalibratedRate) int { return cmp.Compare(a.Rate, b.Rate) })
	limits := fmt.Sprintf("schedule lag p99 and TTFT error p99 within %s, client CPU under %.0f%% of its cores and every request ok",
		ClientLagLimit, 100*ClientCPULimit)
	safe := -1
	for i, l := range levels {
		if len(l.Problems) > 0 {
			break
		}
		safe = i
	}
	rate := func(i int) string { return strconv.FormatFloat(levels[i].Rate, 'g', -1, 64) + " req/s" }
	switch {
	case safe < 0:
		return fmt.Sprintf("safe rate for this machine: none of the rates tried (at %s: %s); try lower --rates. A rate is safe with %s.",
			rate(0), strings.Join(levels[0].Problems, "; "), limits)
	case safe == len(levels)-1:
		return fmt.Sprintf("safe rate for this machine: at least %s, the highest rate tried (%s there); try higher --rates.", rate(safe), limits)
	}
	return fmt.Sprintf("safe rate for this machine: %s, the highest rate with %s (at %s: %s). Above it, a run's report warns that the client, not the target, was the limit; split the load with --shard (docs/scale-out.md).",
		rate(safe), limits, rate(safe+1), strings.Join(levels[safe+1].Problems, "; "))
}
