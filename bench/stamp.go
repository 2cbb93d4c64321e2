package bench

import (
	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// Identity is what every Record of a run carries beyond what the target
// observed on the wire: whose run it is, against what, and at what price.
type Identity struct {
	RunID, Target, TargetKind, Provider, Model, Workload string
	// Simulated marks every record as coming from a simulator (a target
	// may also mark its own records, from the simulator's response).
	Simulated bool
	// Prices is the run's price snapshot; nil leaves cost_usd 0.
	Prices *results.Prices
}

// stamp fills everything of rec that is not wire-level, in one place: the
// run's identity, the request's place in the workload and the run, its
// schedule, defaults for what the target left unset, the cost, and the
// derived durations, with the error message redacted. Targets fill the
// wire-level fields (timestamps, tokens, status, error class) and nothing
// else is written after this.
//
// Every row is priced, whatever its status: a failed or canceled request
// costs whatever tokens it recorded (usually none), with the one cost
// function reports sum (prices.RecordCost).
func (id *Identity) stamp(rec *results.Record, req *workloads.Request, index int, warmup bool, scheduled int64, clock results.Clock) {
	rec.RunID = id.RunID
	rec.Target = id.Target
	rec.TargetKind = id.TargetKind
	rec.Provider = id.Provider
	rec.Model = id.Model
	rec.Workload = id.Workload
	rec.Simulated = rec.Simulated || id.Simulated

	rec.RequestIndex = int64(index)
	rec.RequestID = req.ID
	rec.SessionID = req.SessionID
	rec.Turn = int32(req.Turn)
	rec.Warmup = warmup
	rec.ScheduledNs = scheduled

	if rec.SentNs == 0 {
		rec.SentNs = scheduled
	}
	if rec.DoneNs == 0 {
		rec.DoneNs = clock.Now()
	}
	if rec.StartedAt.IsZero() {
		rec.StartedAt = clock.Wall(rec.SentNs)
	}
	if rec.RequestedOutputTokens == 0 {
		rec.RequestedOutputTokens = int64(req.MaxTokens)
	}
	if rec.IntendedInputTokens == 0 {
		rec.IntendedInputTokens = int64(req.InputTokens)
	}
	if rec.Status == "" {
		rec.SetError(results.ErrClassOther, "target returned no status")
	}
	// A transport error quotes the URL it failed on; no credential in it
	// reaches the row (SetError redacts too; this covers every target).
	rec.ErrorMessage = results.RedactText(rec.ErrorMessage)

	if id.Prices != nil {
		rec.CostUSD = prices.RecordCost(*id.Prices, rec)
	}
	rec.Derive()
}
