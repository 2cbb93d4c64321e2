// Package render writes run summaries (reports.Summary) for people and
// scripts: the side-by-side summary table (Table) and its terminal text
// (Text) and Markdown (Markdown) forms, with the lines a report puts
// around it (Warnings, Notes, ErrorSamples, StateSections); and the JSON
// of a summary (JSON, SummaryJSON; keys in docs/metrics.md). It computes
// nothing: every figure comes from the Summary.
//
// Imports: reports (Summary and its parts), results (error classes and
// telemetry names) and reports/internal/table (the layout). reports/html,
// reports/decide, suite and cmd/inferbench build on it; reports never
// imports it.
package render
