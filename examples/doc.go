// Package examples holds no code: it is the folder of examples users copy
// (notebook.ipynb, targets.yaml, and the CI and Kubernetes examples in
// their own packages), and the tests that run the notebook's SQL and
// Python against real runs, so the examples keep working as the tool moves.
package examples
