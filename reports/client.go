package reports

import (
	"strings"

	"github.com/inferbench/inferbench/results"
)

// ClientCheck is one load generator's check of itself, as its run's
// manifest recorded it (results.ClientInfo): a run has one, a merged shard
// group one per shard that recorded it.
type ClientCheck struct {
	RunID string
	results.ClientInfo
}

// clientChecks is the check of the run with manifest m, if it has one.
func clientChecks(m *results.Manifest) []ClientCheck {
	if m == nil || m.Client == nil {
		return nil
	}
	return []ClientCheck{{RunID: m.RunID, ClientInfo: *m.Client}}
}

// ClientWarning says in plain words, when the load generator of s (any
// shard's) recorded that it and not the target was the limit, what that
// means for the figures and what to do; "" when it kept up or did not
// check. The limits are the runner's (bench.ClientLagLimit and
// bench.ClientCPULimit); the report repeats the manifest's reasons.
func (s *Summary) ClientWarning() string {
	var why []string
	for _, c := range s.Client {
		if !c.Saturated {
			continue
		}
		reasons := strings.Join(c.Reasons, "; ")
		if len(s.Client) > 1 || c.RunID != s.RunID {
			reasons = "shard " + c.RunID + ": " + reasons
		}
		why = append(why, reasons)
	}
	if len(why) == 0 {
		return ""
	}
	return "run " + s.RunID + ": the load generator, not the target, was the limit (" + strings.Join(why, "; ") + "). " +
		"The offered load was not delivered as scheduled, and the target's latency figures include the client's own delay. " +
		"Use fewer streams per process, or split the load over more machines with --shard (docs/scale-out.md); " +
		"`inferbench calibrate` gives the safe rate for this machine."
}

// ClientWarnings are the runs' client warnings (Summary.ClientWarning),
// which reports put above everything with the incomplete-run warnings.
func ClientWarnings(ss []Summary) []string {
	var out []string
	for i := range ss {
		if w := ss[i].ClientWarning(); w != "" {
			out = append(out, w)
		}
	}
	return out
}
