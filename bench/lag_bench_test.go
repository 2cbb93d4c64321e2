package bench

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// BenchmarkScheduleLag measures the open loop's own lateness in real time
// (no network): 500 sends at 1000/s against a target that returns at
// once, with and without the spin. It reports p50/p99 lag in µs.
func BenchmarkScheduleLag(b *testing.B) {
	for _, spin := range []time.Duration{0, time.Millisecond} {
		b.Run("spin="+spin.String(), func(b *testing.B) {
			var lags []int64
			for range b.N {
				target := TargetFunc(func(_ context.Context, c results.Clock, _ *workloads.Request) results.Record {
					now := c.Now()
					return results.Record{SentNs: now, DoneNs: now, Status: results.StatusOK}
				})
				_, err := Dispatch(context.Background(), DispatchConfig{
					Target: target, Workload: workload(1), Pacer: ConstantPacer(1000),
					Sink: SinkFunc(func(r results.Record) error { lags = append(lags, r.ScheduleLagNs); return nil }), Flow: Flow{Requests: 500, SpinWait: spin},
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
			b.ReportMetric(float64(lags[len(lags)/2])/1e3, "p50-lag-µs")
			b.ReportMetric(float64(lags[len(lags)*99/100])/1e3, "p99-lag-µs")
		})
	}
}
