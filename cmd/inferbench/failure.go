package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/inferbench/inferbench/bench"
)

// failureBanner prints why a finished run failed, when it did (on stderr,
// also with --quiet: it is an error): the reason, then the measured
// requests' errors by class with one message each. name names a setting
// as the user gave it (a flag, a suite key). It reports whether the run
// failed.
func failureBanner(e *env, cmd string, out bench.Outcome, name func(string) string) bool {
	f := out.Failure
	if f == nil {
		return false
	}
	who := out.RunID
	if out.Manifest != nil {
		who = out.Manifest.Target.Name + " (" + out.Dir + ")"
	}
	fmt.Fprintf(e.stderr, "inferbench %s: RUN FAILED: %s: %s\n", cmd, who, f.Reason(name))
	if len(out.Errors) == 0 {
		return true
	}
	fmt.Fprintf(e.stderr, "  errors of the measured requests, by class, with the first message of each:\n")
	tw := tabwriter.NewWriter(e.stderr, 0, 0, 2, ' ', 0)
	for _, c := range out.Errors {
		sample := strings.Join(strings.Fields(c.Sample), " ")
		if sample == "" {
			sample = "(no message)"
		}
		fmt.Fprintf(tw, "    %s\t%d\t%s\n", c.Class, c.Count, sample)
	}
	tw.Flush()
	return true
}

// probeHint is what to check after a refused probe.
const probeHint = "nothing else was sent and no run directory was made; check the model name, the base URL and path, and the API key (--no-probe skips the probe)"
