package html

import (
	"bytes"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/results"
)

// TestClientWarning: a run whose load generator was the limit is warned
// about above the summary, in plain words with the remedy; a healthy run
// is not.
func TestClientWarning(t *testing.T) {
	run := func(id string, c *results.ClientInfo) *reports.RunData {
		return htmlRun(&results.Manifest{RunID: id, StopReason: results.StopCompleted,
			Target: results.TargetInfo{Name: id, Model: "m"}, Client: c}, 12, 100, 3, "")
	}
	starved := &results.ClientInfo{Cores: 1, CPUUtilisation: 0.97, LagP99Ns: 48e6, Saturated: true,
		Reasons: []string{"schedule lag p99 48.0 ms is above 5.0 ms"}}
	healthy := &results.ClientInfo{Cores: 2, CPUUtilisation: 0.1, LagP99Ns: 1e6}
	render := func(runs ...*reports.RunData) string {
		var b bytes.Buffer
		if err := Render(&b, runs, Options{}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	page := render(run("starved", starved), run("fine", healthy))
	for _, want := range []string{
		`<h3>The load generator was the limit</h3>`,
		"run starved: the load generator, not the target, was the limit (schedule lag p99 48.0 ms is above 5.0 ms).",
		"The offered load was not delivered as scheduled, and the target&#39;s latency figures include the client&#39;s own delay.",
		"Use fewer streams per process, or split the load over more machines with --shard (docs/scale-out.md);",
		"`inferbench calibrate` gives the safe rate for this machine.",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page has no %q", want)
		}
	}
	if strings.Count(page, "was the limit (") != 1 {
		t.Errorf("want one client warning (the starved run's), got %d", strings.Count(page, "was the limit ("))
	}
	if healthyPage := render(run("fine", healthy)); strings.Contains(healthyPage, "was the limit") {
		t.Error("a healthy run's page warns about the load generator")
	}
}
