// Package examples is the folder of examples users copy (suite files,
// notebook.ipynb, targets.yaml, the Grafana dashboard, and the CI and
// Kubernetes examples in their own packages), and the tests that run them
// against real runs, so the examples keep working as the tool moves. Its
// only code embeds the demo's suite file (DemoSuite) for `inferbench demo`.
package examples
