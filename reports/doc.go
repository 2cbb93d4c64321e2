// Package reports turns run directories into summaries. It reads results
// and never runs anything: every number here is computed from what
// results.Writer put on disk, so a report can be made again, later, on
// another machine.
//
// It owns loading run directories (Load, LoadAll, LoadMatching) into
// RunData and merging the shards of a split run; the Summary of a run
// (Summarize: counts, throughput, goodput under an SLO, latency
// percentiles, nearest-rank or numpy's linear, with mean and standard
// deviation, the cost of the run, GPU and server telemetry over its
// window, the client's own check); the catalogue of metrics that
// thresholds and comparisons name (Metric, Latency, Stat, Unit); and the
// join of telemetry onto requests.
//
// The flow is Load (or LoadAll) -> Summarize -> reports/render (text,
// Markdown, JSON). Metric definitions are in docs/metrics.md.
//
// Imports: results; prices only for the cost of a request
// (prices.FromSnapshot and TokenPrice.Cost over the run's price snapshot);
// reports/internal/table for number formats. The packages under reports
// build on this one and it imports none of them: reports/render (the
// summary's text, Markdown and JSON), reports/threshold (--fail-on
// thresholds and a suite's gates), reports/compare (a candidate run
// against a baseline), reports/decide (cost comparison, capacity,
// projections, scorecard, component matrix), reports/trend (the nightly
// trend), reports/html (the pages and their charts, drawn with
// reports/chart) and reports/export (CSV and vegeta).
package reports
