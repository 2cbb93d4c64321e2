package bench

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// exactTarget answers like the exact simulator: the first token after
// ttft, then one every itl, plus a fixed extra delay on every event.
type exactTarget struct{ ttft, itl, late time.Duration }

func (e exactTarget) Do(ctx context.Context, c results.Clock, req *workloads.Request) results.Record {
	r := results.Record{SentNs: c.Now(), Status: results.StatusOK, OutputTokens: int64(req.MaxTokens)}
	time.Sleep(e.ttft + e.late)
	r.FirstTokenNs = c.Now()
	last := r.FirstTokenNs
	for range req.MaxTokens - 1 {
		time.Sleep(e.itl)
		now := c.Now()
		r.ChunkGapsNs = append(r.ChunkGapsNs, now-last)
		last = now
	}
	r.LastTokenNs, r.DoneNs = last, last
	return r
}

func TestCalibrationErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := Calibration{Target: exactTarget{ttft: 50 * time.Millisecond, itl: 10 * time.Millisecond, late: 2 * time.Millisecond},
			Rates: []float64{10, 20}, Seconds: 1, TTFT: 50 * time.Millisecond, ITL: 10 * time.Millisecond, Tokens: 4}
		var levels []CalibrationLevel
		if err := c.Measure(t.Context(), func(l CalibrationLevel) { levels = append(levels, l) }); err != nil {
			t.Fatal(err)
		}
		if len(levels) != 2 || levels[1].Rate != 20 || levels[0].Requests != 50 || levels[0].OK != 50 || len(levels[0].ITLErr) != 150 {
			t.Fatalf("levels %+v", levels)
		}
		// Virtual time: the measured errors are the extra delay (to the 1 ns
		// the clock reads at least).
		for _, l := range levels {
			for i := range l.TTFTErr {
				if offBy1(l.TTFTErr[i], 2*ms) || offBy1(l.E2EErr[i], 2*ms) || l.ScheduleLag[i] > 1 {
					t.Fatalf("rate %g request %d: ttft err %d e2e err %d lag %d", l.Rate, i, l.TTFTErr[i], l.E2EErr[i], l.ScheduleLag[i])
				}
			}
			for _, g := range l.ITLErr {
				if g != 0 {
					t.Fatalf("rate %g: itl err %d", l.Rate, g)
				}
			}
		}
	})
}
