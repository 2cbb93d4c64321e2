// Package threshold parses and checks the expressions that pass or fail a
// run: --fail-on thresholds (Parse: when to fail, like "ttft.p95 > 800ms"
// or "e2e.p99 > 1.10 * base") and a suite's gates (ParseRequirement: what
// must hold). Threshold.Check evaluates one against a run's summary, and
// against a baseline's in a comparison, into a Result; a metric the run
// has no value for fails, so a gate that cannot be checked never passes.
//
// Imports: reports (Summary and the catalogue of metrics it names) and
// internal/suggest for did-you-mean hints. reports/compare, suite and
// cmd/inferbench build on it; reports never imports it.
package threshold
