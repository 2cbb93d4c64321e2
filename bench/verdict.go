package bench

import (
	"fmt"
	"strconv"

	"github.com/inferbench/inferbench/results"
)

// Failure says why a run that ran to its end failed: no measured request
// succeeded, or more of them failed than Plan.MaxErrorRate allows. A
// failed run is data like any other (its rows are written, its manifest
// complete); the caller decides what it means (cmd: exit 1).
type Failure struct {
	// NoSuccess is set when no measured request succeeded.
	NoSuccess bool
	// ErrorRate is the failed share of the measured requests that
	// finished (ok or failed), and MaxErrorRate the limit it passed (both
	// 0 with NoSuccess).
	ErrorRate, MaxErrorRate float64
	// Measured are the measured requests by status.
	Measured results.RequestCounts
}

// Reason says why the run failed, naming the limit's setting with name
// (a flag, a YAML key).
func (f *Failure) Reason(name func(setting string) string) string {
	m := f.Measured
	if f.NoSuccess {
		if m.Sent == 0 {
			return "no measured request was sent"
		}
		return fmt.Sprintf("no measured request succeeded (%d failed, %d canceled)", m.Failed, m.Canceled)
	}
	return fmt.Sprintf("%d of %d measured requests failed (%s), above %s %s", m.Failed, m.OK+m.Failed,
		percent(f.ErrorRate), name("max-error-rate"), percent(f.MaxErrorRate))
}

func percent(f float64) string { return strconv.FormatFloat(100*f, 'g', 4, 64) + "%" }

// judge says whether a run whose measured requests came out as m failed.
func (p *Plan) judge(m results.RequestCounts) *Failure {
	if m.OK == 0 {
		return &Failure{NoSuccess: true, Measured: m}
	}
	if p.MaxErrorRate == nil {
		return nil
	}
	rate := float64(m.Failed) / float64(m.OK+m.Failed)
	if rate <= *p.MaxErrorRate {
		return nil
	}
	return &Failure{ErrorRate: rate, MaxErrorRate: *p.MaxErrorRate, Measured: m}
}
