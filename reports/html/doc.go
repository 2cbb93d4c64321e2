// Package html renders runs as one self-contained HTML page (Render): the
// summary table, latency CDFs, latency and throughput against load for
// sweeps, cost per 1M tokens, monthly cost against volume with break-even
// points, the decision tables, GPU and server saturation over time, and
// each run's manifest; and the nightly trend as a page of its own
// (RenderTrend), each night's point linked to its run. Charts are inline
// SVG from reports/chart and the styles inline CSS; the pages load
// nothing and run no script.
//
// It draws what the other packages compute and computes no figure of its
// own: imports reports (summaries, the metric catalogue), reports/decide
// (the decision its cost charts and tables show), reports/trend (the
// trend it draws), reports/chart and reports/internal/table. Nothing in
// reports imports it.
package html
