// Package trend is the nightly trend of `inferbench report --trend`: the
// runs of the same targets night by night (Build), per target TTFT, TPOT
// and E2E p50 and p95, goodput (with an SLO), error rate and all-in cost
// per 1M tokens, each night against the previous complete night, with
// the moves past a threshold (10%) marked as regressions or improvements
// in the metric's own direction (lower is better for latency, errors and
// cost; higher for goodput). A run that did not complete is shown but
// neither compared nor a baseline. It renders text within 120 columns,
// Markdown and JSON; reports/html draws it as a page of charts.
//
// It reads the figures of reports' metric catalogue (the ones --fail-on
// and compare read) from reports.Summarize; imports: reports,
// reports/decide (load labels) and reports/internal/table.
package trend
