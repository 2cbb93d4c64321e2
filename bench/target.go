// Package bench runs a load plan: it turns a pacer into absolute send
// times (the schedule), dispatches requests to a Target at those times or
// from N virtual users, and streams one results.Record per request to a
// Sink. It never imports targets or reports.
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
