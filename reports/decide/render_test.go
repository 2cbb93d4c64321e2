package decide

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

// goldenDecision is the worked example of docs/cost.md (the self-hosted
// target declared as 2 GPUs at $2.50 in a plan) plus a sweep of the
// self-hosted target at two more rates, one of which breaks the SLO.
func goldenDecision(t *testing.T) ([]reports.Summary, *Decision) {
	t.Helper()
	plan, err := ParseScorecardPlan("plan.yaml", []byte(`
targets:
  llama-3-70b-2xA100: {gpus: 2, usd_per_gpu_hour: 2.50}
  claude-3.5-haiku: {privacy: 5}
`))
	if err != nil {
		t.Fatal(err)
	}
	opt := reports.Options{SLO: reports.SLO{E2E: 800 * time.Millisecond}}
	sh := plan.Prices("llama-3-70b-2xA100")
	ss := []reports.Summary{
		mixSummary("gpt-4o", "api", rate1, &results.Prices{InputPer1M: 2.50, OutputPer1M: 10, Source: "example"}, 10, 500, 100, 100, 500, opt),
		mixSummary("claude-3.5-haiku", "api", rate1, &results.Prices{InputPer1M: 0.80, OutputPer1M: 4, Source: "example"}, 10, 500, 100, 100, 400, opt),
		mixSummary("llama-3-70b-hosted", "managed", rate1, &results.Prices{InputPer1M: 0.90, OutputPer1M: 0.90, Source: "example"}, 10, 500, 100, 100, 600, opt),
		mixSummary("llama-3-70b-2xA100", "self-hosted", results.LoadInfo{Mode: "rate", Rate: 20}, sh, 40, 500, 100, 50, 1200, opt),
		mixSummary("llama-3-70b-2xA100", "self-hosted", results.LoadInfo{Mode: "rate", Rate: 10}, sh, 20, 500, 100, 100, 700, opt),
		mixSummary("llama-3-70b-2xA100", "self-hosted", rate1, sh, 5, 500, 100, 1000, 500, opt),
	}
	ss[3].StartedAt = ss[3].StartedAt.Add(-2 * time.Hour)
	ss[4].StartedAt = ss[4].StartedAt.Add(-time.Hour)
	d := New(ss, Options{Volumes: []Volume{{100e6, 20e6}, {2e9, 400e6}}, ScorecardPlan: plan})
	return ss, d
}

func TestRenderDecisionText(t *testing.T) {
	_, d := goldenDecision(t)
	var b bytes.Buffer
	if err := RenderText(&b, d); err != nil {
		t.Fatal(err)
	}
	fixture.Golden(t, "decision.txt", b.Bytes())
	for _, want := range []string{"$450.00", "$160.00", "$108.00", "$3,600.00", "960M", "2 GPU x $2.50/h = $5.00/h", "month = 720 h"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q", want)
		}
	}
}

func TestRenderDecisionMarkdown(t *testing.T) {
	_, d := goldenDecision(t)
	var b bytes.Buffer
	if err := RenderMarkdown(&b, d); err != nil {
		t.Fatal(err)
	}
	fixture.Golden(t, "decision.md", b.Bytes())
}

func TestRenderReportJSON(t *testing.T) {
	ss, d := goldenDecision(t)
	var b bytes.Buffer
	if err := RenderReportJSON(&b, ss[:1], d); err != nil {
		t.Fatal(err)
	}
	fixture.Golden(t, "decision.json", b.Bytes())
	var got struct {
		Runs     []map[string]any `json:"runs"`
		Decision struct {
			Projections []struct {
				Costs []struct {
					Target     string   `json:"target"`
					MonthlyUSD *float64 `json:"monthly_usd"`
				} `json:"costs"`
				BreakEvens []struct {
					PerToken       string   `json:"per_token"`
					TokensPerMonth *float64 `json:"tokens_per_month"`
				} `json:"break_evens"`
			} `json:"projections"`
		} `json:"decision"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	p := got.Decision.Projections[0]
	if len(got.Runs) != 1 || *p.Costs[0].MonthlyUSD != 450 || *p.Costs[3].MonthlyUSD != 3600 ||
		p.BreakEvens[0].PerToken != "gpt-4o" || *p.BreakEvens[0].TokensPerMonth != 960e6 {
		t.Errorf("decoded %+v", got)
	}
}

func TestRenderDecisionEmpty(t *testing.T) {
	d := New([]reports.Summary{mixSummary("x", "api", rate1, nil, 2, 1, 1, 10, 10, reports.Options{})}, Options{})
	var b bytes.Buffer
	if err := RenderText(&b, d); err != nil || b.Len() != 0 {
		t.Errorf("unpriced targets without projection wrote %q, %v", b.String(), err)
	}
	b.Reset()
	if err := RenderReportJSON(&b, nil, d); err != nil || !strings.Contains(b.String(), `"decision": null`) {
		t.Errorf("JSON %s, %v", b.String(), err)
	}
}
