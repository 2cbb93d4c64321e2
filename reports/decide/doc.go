// Package decide compares targets on cost, from their runs' summaries
// (New): what each cost per request and per token as measured, the
// capacity of a self-hosted target (the highest load of a sweep that met
// the SLO) and its cost there, monthly projections at given volumes with
// the replicas they need, the break-even volume of each self-hosted
// target against each per-token one, a weighted build-vs-buy scorecard
// read from a scorecard plan (ParseScorecardPlan), and the build-vs-buy
// component matrix (Component: build when differentiation > 5 and
// complexity < 7, else buy). It renders
// the decision as text and Markdown, and the report's combined JSON
// (RenderReportJSON). Formulas and a worked example: docs/cost.md.
//
// Per-token figures come from the summaries' Cost, which sums the one
// cost of a request (prices.TokenPrice.Cost); this package adds no cost
// formula of its own beyond the GPU-hour arithmetic of capacity and
// projections. Imports: reports and reports/internal/table; a plan's
// catalogue prices come in through the PriceCatalog interface that the
// command line satisfies, so it does not import prices.
package decide
