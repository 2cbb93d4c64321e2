// Package compare measures a candidate run against a baseline (Runs): the
// difference of every metric of reports' catalogue with a confidence
// interval (a bootstrap of the latency statistics, resampling requests
// for inter-token latency; Newcombe intervals for error rate and good
// fraction; Poisson-count intervals for throughput), a Mann-Whitney test
// of each latency distribution, a verdict, and the --fail-on thresholds
// checked with the baseline as `base`. It renders the comparison as
// text, Markdown (a CI comment), JSON and JUnit XML. Method: docs/ci.md.
//
// Imports: reports (loaded runs, summaries, the metric catalogue and
// thresholds) and reports/internal/table. It never reads run directories
// itself.
package compare
