package compare

import (
	"fmt"

	"github.com/inferbench/inferbench/reports"
)

// Problems says why base and cand cannot carry a verdict: either run is
// incomplete (reports.RunData.Incomplete: crashed, failed, canceled, a
// shard missing or given twice), or the candidate replayed another
// workload than the baseline (its manifest's sha256 differs, or, without
// digests, its name). Each reason names the run. Empty when the pair can
// be compared.
func Problems(base, cand *reports.RunData) []string {
	var out []string
	for _, r := range []struct {
		role string
		run  *reports.RunData
	}{{"baseline", base}, {"candidate", cand}} {
		for _, why := range r.run.Incomplete {
			out = append(out, fmt.Sprintf("%s %s: %s", r.role, r.run.RunID, why))
		}
	}
	if why := workloadMismatch(base, cand); why != "" {
		out = append(out, why)
	}
	return out
}

// workloadMismatch says how cand's workload differs from base's, or ""
// when they are the same as far as the runs tell.
func workloadMismatch(base, cand *reports.RunData) string {
	var bs, cs string
	if base.Manifest != nil {
		bs = base.Manifest.Workload.SHA256
	}
	if cand.Manifest != nil {
		cs = cand.Manifest.Workload.SHA256
	}
	switch {
	case bs != "" && cs != "" && bs != cs:
		return fmt.Sprintf("candidate %s replayed another workload than baseline %s: %s (sha256 %s) against %s (sha256 %s)",
			cand.RunID, base.RunID, named(cand.Workload), short(cs), named(base.Workload), short(bs))
	case (bs == "" || cs == "") && base.Workload != "" && cand.Workload != "" && base.Workload != cand.Workload:
		return fmt.Sprintf("candidate %s replayed another workload than baseline %s: %s against %s",
			cand.RunID, base.RunID, named(cand.Workload), named(base.Workload))
	}
	return ""
}

func named(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return fmt.Sprintf("%q", s)
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12] + "…"
	}
	return digest
}
