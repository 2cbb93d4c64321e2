package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

// clientRun is a run whose manifest holds the client block c.
func clientRun(id string, c *results.ClientInfo, shard *results.ShardInfo) *reports.RunData {
	m := &results.Manifest{RunID: id, StopReason: results.StopCompleted, Target: results.TargetInfo{Name: "t", Model: "m"},
		Client: c, Shard: shard}
	return fixture.AddAll(reports.NewRunData("", m), fixture.SampleRecs()...)
}

var (
	saturated = &results.ClientInfo{CPUSeconds: 9.7, WallSeconds: 10, Cores: 1, GOMAXPROCS: 1, NumCPU: 2, CPUUtilisation: 0.97,
		LagRequests: 4000, LagP99Ns: 48e6, LagMaxNs: 90e6, Saturated: true,
		Reasons: []string{"schedule lag p99 48.0 ms is above 5.0 ms", "client CPU 97% of its 1 core(s) is at or above 85%"}}
	healthy = &results.ClientInfo{CPUSeconds: 1, WallSeconds: 10, Cores: 2, GOMAXPROCS: 2, NumCPU: 2, CPUUtilisation: 0.05,
		LagRequests: 100, LagP99Ns: 1e6, LagMaxNs: 2e6}
)

// clientWarningParts are what the warning must say in every format: why,
// what it means for the figures, and what to do.
var clientWarningParts = []string{
	"the load generator, not the target, was the limit",
	"schedule lag p99 48.0 ms is above 5.0 ms; client CPU 97% of its 1 core(s) is at or above 85%",
	"The offered load was not delivered as scheduled",
	"the target's latency figures include the client's own delay",
	"fewer streams per process", "--shard", "docs/scale-out.md", "inferbench calibrate",
}

// renderAll is ss in text, Markdown and JSON, and the JSON decoded.
func renderAll(t *testing.T, ss []reports.Summary) (text, md string, js []map[string]any) {
	t.Helper()
	var tb, mb, jb bytes.Buffer
	if err := Text(&tb, ss); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&mb, ss); err != nil {
		t.Fatal(err)
	}
	if err := JSON(&jb, ss); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(jb.Bytes(), &js); err != nil {
		t.Fatal(err)
	}
	// The terminal wraps lines: compare its words.
	return strings.Join(strings.Fields(tb.String()), " "), strings.Join(strings.Fields(mb.String()), " "), js
}

func TestClientWarning(t *testing.T) {
	ss := []reports.Summary{reports.Summarize(clientRun("starved", saturated, nil), reports.Options{}), reports.Summarize(clientRun("fine", healthy, nil), reports.Options{}),
		reports.Summarize(clientRun("old", nil, nil), reports.Options{})}
	text, md, js := renderAll(t, ss)
	if !strings.Contains(text, "WARNING: run starved: the load generator") || !strings.Contains(md, "> **Warning:** run starved: the load generator") {
		t.Errorf("no warning heads the text or Markdown report:\n%s\n%s", text, md)
	}
	for _, part := range clientWarningParts {
		for format, out := range map[string]string{"text": text, "md": md, "json": js[0]["client_warning"].(string)} {
			if !strings.Contains(out, part) {
				t.Errorf("%s: no %q in\n%s", format, part, out)
			}
		}
	}
	// The healthy run and the run from before the check have no warning.
	if n := strings.Count(text, "was the limit"); n != 1 {
		t.Errorf("text has %d client warnings, want 1 (the starved run's)", n)
	}
	if strings.Count(md, "was the limit") != 1 || js[1]["client_warning"] != nil || js[2]["client_warning"] != nil {
		t.Errorf("a healthy run is warned about: md %q, json %v, %v", md, js[1]["client_warning"], js[2]["client_warning"])
	}
	// JSON carries the manifest's figures, per run.
	c0 := js[0]["client"].([]any)[0].(map[string]any)
	if c0["run_id"] != "starved" || c0["saturated"] != true || c0["lag_p99_ns"] != 48e6 || c0["cpu_utilisation"] != 0.97 || c0["gomaxprocs"] != 1.0 {
		t.Errorf("client of the starved run: %v", c0)
	}
	if c1 := js[1]["client"].([]any); len(c1) != 1 || c1[0].(map[string]any)["saturated"] != false {
		t.Errorf("client of the healthy run: %v", c1)
	}
	if c2 := js[2]["client"].([]any); len(c2) != 0 {
		t.Errorf("client of a run without the check: %v", c2)
	}
}

// TestClientWarningShards: a merged shard group names the shard whose
// load generator was the limit.
func TestClientWarningShards(t *testing.T) {
	runs := reports.MergeShards([]*reports.RunData{
		clientRun("g-shard-1-of-2", healthy, &results.ShardInfo{Index: 0, Count: 2, Group: "g"}),
		clientRun("g-shard-2-of-2", saturated, &results.ShardInfo{Index: 1, Count: 2, Group: "g"}),
	})
	s := reports.Summarize(runs[0], reports.Options{})
	w := s.ClientWarning()
	if len(s.Client) != 2 || !strings.HasPrefix(w, "run g: the load generator, not the target, was the limit (shard g-shard-2-of-2: schedule lag p99 48.0 ms") ||
		strings.Contains(w, "g-shard-1-of-2") {
		t.Errorf("%d checks, warning %q", len(s.Client), w)
	}
}
