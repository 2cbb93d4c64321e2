// Package bench is the benchmark runner. It owns a run's whole lifecycle
// as a library: a Plan (target, workload, load, outputs, telemetry,
// prices) validated in one place, Execute (run directory, a manifest kept
// current while the run goes, Parquet parts, telemetry, start time,
// two-stage cancellation, one stamp per record), Sweep (a ladder of
// loads, and the saturation search with a caller's SLO rule), and
// calibration of the harness's own timing. At its core, the schedule
// turns a pacer into absolute send times and the dispatcher sends
// requests to a Target at those times or from N virtual users.
//
// bench imports workloads, results, telemetry and prices, never targets
// (it declares the Target it consumes) or reports (an SLO verdict comes
// in as a Judge). It never prints, exits or handles signals: cmd does.
package bench

import (
	"context"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// Target sends one request and reports what it observed. It must take
// SentNs from clock immediately before the request is written, and fill
// the wire-level fields of the Record (timestamps, tokens, status, error
// class). A failed request is a Record with Status "error", never a Go
// error. Do must return promptly once ctx is done, with Status "canceled".
type Target interface {
	Do(ctx context.Context, clock results.Clock, req *workloads.Request) results.Record
}

// TargetFunc adapts a function to Target.
type TargetFunc func(ctx context.Context, clock results.Clock, req *workloads.Request) results.Record

// Do calls f.
func (f TargetFunc) Do(ctx context.Context, clock results.Clock, req *workloads.Request) results.Record {
	return f(ctx, clock, req)
}
