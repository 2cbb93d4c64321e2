package render

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

// goldenSummaries are two runs side by side: a simulated API with per-token
// prices, warm-up and errors, and an interrupted self-hosted run priced by
// the GPU-hour with chunk-counted tokens.
func goldenSummaries() []reports.Summary {
	api := &results.Manifest{RunID: "20261126-api", StopReason: results.StopCompleted,
		Target:   results.TargetInfo{Name: "sim-api", Kind: "api", Model: "gpt-sim", Simulated: true},
		Workload: results.WorkloadInfo{Name: "chat"},
		Prices:   &results.Prices{InputPer1M: 2.5, CachedInputPer1M: 1.25, OutputPer1M: 10, Source: "test catalogue"}}
	apiRun := reports.NewRunData("", api)
	for _, r := range fixture.SampleRecs() {
		r.CachedInputTokens = 4
		apiRun.Add(&r)
	}
	self := &results.Manifest{RunID: "20261126-vllm", StopReason: results.StopInterrupted,
		Target:   results.TargetInfo{Name: "vllm-h100", Kind: "self-hosted", Model: "llama-70b"},
		Workload: results.WorkloadInfo{Name: "chat"},
		Prices:   &results.Prices{GPUHourly: 8}}
	selfRun := reports.NewRunData("", self)
	for i := int64(0); i < 6; i++ {
		r := fixture.OKRec(100+i*50, 40+i*10, 400+i*20, 200, 9, fixture.MsGaps(45, 45, 45, 30+i*5), []int32{1, 1, 2, 1, 1})
		r.OutputTokensSource = results.TokensFromChunks
		selfRun.Add(&r)
	}
	c := results.Record{RunID: "20261126-vllm", Status: results.StatusCanceled, ErrorClass: results.ErrClassCanceled,
		ScheduledNs: 400 * fixture.Ms, SentNs: 410 * fixture.Ms, DoneNs: 900 * fixture.Ms}
	c.Derive()
	selfRun.Add(&c)
	selfRun.Notes = append(selfRun.Notes, "example note from loading")
	opt := reports.Options{SLO: reports.SLO{TTFT: 35 * time.Millisecond, TPOT: 50 * time.Millisecond}}
	return []reports.Summary{reports.Summarize(apiRun, opt), reports.Summarize(selfRun, opt)}
}

func TestRenderText(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, goldenSummaries()); err != nil {
		t.Fatal(err)
	}
	fixture.Golden(t, "two-runs.txt", b.Bytes())
}

func TestRenderMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, goldenSummaries()); err != nil {
		t.Fatal(err)
	}
	fixture.Golden(t, "two-runs.md", b.Bytes())
}

func TestRenderJSON(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, goldenSummaries()); err != nil {
		t.Fatal(err)
	}
	fixture.Golden(t, "two-runs.json", b.Bytes())
	var back []map[string]any
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if len(back) != 2 || back[0]["ttft_ms"] == nil || back[1]["goodput"] == nil {
		t.Errorf("decoded = %v", back)
	}
}

func TestRenderOneRunNoExtras(t *testing.T) {
	// A plain completed run without SLO or prices has no stop reason,
	// goodput or cost rows, and no notes.
	run := fixture.AddAll(reports.NewRunData("", &results.Manifest{RunID: "plain", StopReason: results.StopCompleted,
		Target: results.TargetInfo{Name: "t", Model: "m"}}), fixture.SampleRecs()...)
	var b bytes.Buffer
	if err := Text(&b, []reports.Summary{reports.Summarize(run, reports.Options{})}); err != nil {
		t.Fatal(err)
	}
	fixture.Golden(t, "one-run.txt", b.Bytes())
}

// TestTextEnergy: a run whose telemetry measured energy shows energy per
// output token and per request in the text report.
func TestTextEnergy(t *testing.T) {
	run := fixture.AddAll(reports.NewRunData("", &results.Manifest{RunID: "e", StopReason: results.StopCompleted,
		Target: results.TargetInfo{Name: "t", Model: "m"}}), fixture.SampleRecs()...)
	s := reports.Summarize(run, reports.Options{})
	var b bytes.Buffer
	if err := Text(&b, []reports.Summary{s}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "energy per output token") {
		t.Fatalf("a run without energy shows an energy row:\n%s", b.String())
	}
	s.Saturation = &reports.Saturation{Energy: &reports.Energy{Joules: 1600, KWh: 1600 / 3.6e6, JPerOutputToken: 4, JPerRequest: 400}}
	b.Reset()
	if err := Text(&b, []reports.Summary{s}); err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{"energy per output token (J)", "energy per request (J)"} {
		if !strings.Contains(b.String(), row) {
			t.Errorf("text report lacks %q:\n%s", row, b.String())
		}
	}
}
