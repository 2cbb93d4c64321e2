// Package githubactions holds no code. It is the home of the example
// nightly benchmark workflow (nightly.yml, README.md), and its test runs
// the workflow's steps locally, the way a GitHub runner would, so the
// example cannot rot unnoticed.
package githubactions
