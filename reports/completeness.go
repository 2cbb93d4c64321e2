package reports

import (
	"errors"
	"fmt"
	"strings"

	"github.com/inferbench/inferbench/results"
)

// incompleteRun says why a run with manifest m did not complete, or ""
// when it did. A run that stopped on its count, its duration or a first
// Ctrl-C (scheduling stopped, in-flight requests drained) completed: its
// rows are every request it sent. One that crashed (stop_reason still
// "running", or no manifest at all), failed, or was canceled (in-flight
// requests cut off) did not.
func incompleteRun(m *results.Manifest) string {
	if m == nil {
		return "no " + results.ManifestFile + ": the run stopped before writing it (crash?)"
	}
	switch m.StopReason {
	case results.StopCompleted, results.StopDuration, results.StopInterrupted:
		return ""
	case results.StopRunning:
		return `stop_reason "running": the run crashed or is still going`
	case results.StopFailed:
		return `stop_reason "failed": the harness failed` + detail(m.StopDetail)
	case results.StopCanceled:
		return `stop_reason "canceled": in-flight requests were cut off` + detail(m.StopDetail)
	case "":
		return "no stop_reason in the manifest"
	}
	return fmt.Sprintf("stop_reason %q is not one this version knows", m.StopReason)
}

func detail(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// RowsNote says how many of the requests a run sent survive on disk, for
// a run that did not complete: the manifest's count of requests sent
// (kept up to date while the run goes) against the rows read.
func (r *RunData) RowsNote() string {
	rows := r.Rows()
	switch {
	case r.Manifest == nil:
		return fmt.Sprintf("%d request rows on disk; how many were sent is unknown (no manifest)", rows)
	case r.Manifest.Requests.Sent == 0:
		return fmt.Sprintf("%d request rows on disk; the manifest does not count the requests sent", rows)
	}
	return fmt.Sprintf("%d of the %d requests the manifest counts as sent survive on disk", rows, r.Manifest.Requests.Sent)
}

// ErrIncomplete is matched (errors.Is) by an *IncompleteError.
var ErrIncomplete = errors.New("data cannot carry a verdict")

// IncompleteError is a gate refusing runs that cannot carry a verdict:
// each reason names the run and why.
type IncompleteError struct {
	Reasons []string
}

func (e *IncompleteError) Error() string {
	return "refused: " + strings.Join(e.Reasons, "; ")
}

// Is makes errors.Is(err, ErrIncomplete) hold.
func (e *IncompleteError) Is(target error) bool { return target == ErrIncomplete }

// CheckComplete returns an *IncompleteError listing every run of runs
// that cannot carry a verdict, with why, or nil when all can.
func CheckComplete(runs ...*RunData) error {
	var reasons []string
	for _, r := range runs {
		for _, why := range r.Incomplete {
			reasons = append(reasons, "run "+r.RunID+": "+why)
		}
	}
	if len(reasons) == 0 {
		return nil
	}
	return &IncompleteError{Reasons: reasons}
}
