package decide

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

func TestParsePlan(t *testing.T) {
	src := `# a decision plan
weights: {cost: 50, latency: 0}
latency: e2e_p99
kinds:
  api: {privacy: 2}
targets:
  vllm-a100:
    gpus: 2
    usd_per_gpu_hour: 2.50
    team: 6
  gpt-4o: {input_per_1m: 2.50, output_per_1m: 10, cached_input_per_1m: 1.25}
`
	p, err := ParseScorecardPlan("plan.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if p.Weights[CriterionCost] != 50 || p.Weights[CriterionLatency] != 0 || p.Weights[CriterionTeam] != DefaultWeights[CriterionTeam] {
		t.Errorf("weights %v", p.Weights)
	}
	if p.LatencyMetric != "e2e_p99" {
		t.Errorf("latency %q", p.LatencyMetric)
	}
	if got := p.Prices("vllm-a100"); got == nil || got.GPUHourly != 5 {
		t.Errorf("vllm prices %+v, want 2 x 2.50 = 5/h", got)
	}
	if got := p.Prices("gpt-4o"); got == nil || got.InputPer1M != 2.5 || got.OutputPer1M != 10 || got.CachedInputPer1M != 1.25 {
		t.Errorf("gpt-4o prices %+v", got)
	}
	if p.Prices("other") != nil {
		t.Error("prices for a target the plan does not name")
	}
	for _, tt := range []struct {
		target, kind, crit string
		want               float64
		from               string
	}{
		{"vllm-a100", "self-hosted", CriterionTeam, 6, "plan (target)"},
		{"vllm-a100", "self-hosted", CriterionPrivacy, 9, "default for self-hosted"},
		{"gpt-4o", "api", CriterionPrivacy, 2, "plan (kind api)"},
		{"gpt-4o", "api", CriterionTeam, 9, "default for api"},
		{"x", "weird", CriterionControl, 5, `no default for kind "weird": neutral 5`},
	} {
		v, from := p.declared(tt.target, tt.kind, tt.crit)
		if v != tt.want || from != tt.from {
			t.Errorf("declared(%s, %s, %s) = %v %q; want %v %q", tt.target, tt.kind, tt.crit, v, from, tt.want, tt.from)
		}
	}
	// JSON is YAML too.
	if p, err := ParseScorecardPlan("p.json", []byte(`{"weights": {"cost": 1}, "targets": {"a": {"privacy": 3}}}`)); err != nil || p.Targets["a"].Declared[CriterionPrivacy] != 3 {
		t.Errorf("JSON plan: %+v, %v", p, err)
	}
	if p, err := ParseScorecardPlan("empty.yaml", nil); err != nil || p.Weights[CriterionCost] != 30 {
		t.Errorf("empty plan: %+v, %v", p, err)
	}
}

func TestParsePlanErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"syntax", "weights: [1,\n", []string{"p.yaml:"}},
		{"unknown keys", "weight: {}\ntargets:\n  a: {gpu_type: 1}\n", []string{
			`p.yaml:1: unknown key "weight"`, `p.yaml:3: target a: unknown key "gpu_type"`}},
		{"ranges", "weights:\n  cost: -1\n  speed: 2\nkinds:\n  api: {privacy: 11}\n", []string{
			"p.yaml:2: weight cost is negative", `p.yaml:3: unknown weight "speed"`, "p.yaml:5: privacy 11 is outside 0..10"}},
		{"prices", "targets:\n  a: {gpus: 2}\n  b: {input_per_1m: 1}\n  c: {gpus: 1, usd_per_gpu_hour: 1, output_per_1m: 1}\n  d: {gpus: 1.5, usd_per_gpu_hour: x}\n", []string{
			"p.yaml:2: target a: GPU pricing needs usd_per_gpu_hour, or gpu and offer", "p.yaml:3: target b: per-token pricing needs both",
			"p.yaml:4: target c: per-token prices and GPU prices exclude", "p.yaml:5: gpus: want a whole number", `p.yaml:5: usd_per_gpu_hour: want a number, got "x"`}},
		{"catalogue", "targets:\n  a: {gpu: H100, gpus: 1}\n  b: {provider: openai}\n  c: {model: gpt-4o, input_per_1m: 1, output_per_1m: 2}\n  d: {gpu: H100, offer: aws, gpus: 1, usd_per_gpu_hour: 3}\n", []string{
			"p.yaml:2: target a: GPU pricing needs usd_per_gpu_hour, or gpu and offer", "p.yaml:3: target b: a catalogue price needs model",
			"p.yaml:4: target c: give input_per_1m/output_per_1m or a catalogue provider and model, not both",
			"p.yaml:5: target d: give usd_per_gpu_hour or a catalogue gpu and offer, not both"}},
		{"latency", "latency: ttft_p42\n", []string{`p.yaml:1: latency "ttft_p42"`}},
		{"zero weights", "weights: {cost: 0, latency: 0, control: 0, privacy: 0, lock_in: 0, team: 0}\n", []string{"weights add up to 0"}},
		{"not a mapping", "- 1\n", []string{"p.yaml:1: plan: want a mapping"}},
		{"twice", "targets:\n  a: {team: 1}\n  a: {team: 2}\n", []string{`p.yaml:3: targets: "a" given twice`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScorecardPlan("p.yaml", []byte(tt.src))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func FuzzParsePlan(f *testing.F) {
	for _, s := range []string{"", "weights: {cost: 1}", "targets: {a: {gpus: 2, usd_per_gpu_hour: 1}}", "kinds: {api: {team: 3}}", "latency: e2e_p50", "[", "a: &x [*x]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseScorecardPlan("f.yaml", []byte(s))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for c, w := range p.Weights {
			if w < 0 {
				t.Fatalf("weight %s = %v accepted", c, w)
			}
		}
	})
}

func TestScorecard(t *testing.T) {
	// vllm's capacity is its 1/s run: at 2/s it broke the SLO.
	slo := reports.Options{SLO: reports.SLO{E2E: 1100 * time.Millisecond}}
	ss := []reports.Summary{
		mixSummary("gpt-4o", "api", rate1, &results.Prices{InputPer1M: 2.50, OutputPer1M: 10}, 10, 500, 100, 100, 500, slo),
		mixSummary("vllm", "self-hosted", results.LoadInfo{Mode: "rate", Rate: 2}, &results.Prices{GPUHourly: 5}, 10, 500, 100, 50, 2000, slo),
		mixSummary("vllm", "self-hosted", rate1, &results.Prices{GPUHourly: 5}, 10, 500, 100, 100, 1000, slo),
		mixSummary("mystery", "api", rate1, nil, 10, 500, 100, 100, 250, slo),
	}
	plan, err := ParseScorecardPlan("p.yaml", []byte("weights: {cost: 1, latency: 1, control: 0, privacy: 0, lock_in: 0, team: 0}\nlatency: e2e_p50\n"))
	if err != nil {
		t.Fatal(err)
	}
	d := New(ss, Options{Volumes: []Volume{{100e6, 20e6}}, ScorecardPlan: plan})
	sc := d.Scorecard
	if sc == nil || len(sc.Rows) != 3 || !strings.Contains(sc.CostBasis, "100M:20M") {
		t.Fatalf("scorecard %+v", sc)
	}
	api, self, mystery := sc.Rows[0], sc.Rows[1], sc.Rows[2]
	// Cost: gpt-4o $450 is cheapest, vllm $3600 gets 10*450/3600.
	if api.Scores[0].Score != 10 || !fixture.Approx(self.Scores[0].Score, 1.25) || api.Scores[0].Value != "$450.00/month" {
		t.Errorf("cost scores %+v %+v", api.Scores[0], self.Scores[0])
	}
	// Latency e2e p50: 250 ms (mystery) is fastest; 500 gets 5, 1000 gets 2.5.
	if mystery.Scores[1].Score != 10 || !fixture.Approx(api.Scores[1].Score, 5) || !fixture.Approx(self.Scores[1].Score, 2.5) {
		t.Errorf("latency scores %+v %+v %+v", api.Scores[1], self.Scores[1], mystery.Scores[1])
	}
	// No price: cost scores 0 and says so.
	if mystery.Scores[0].Known || mystery.Scores[0].Score != 0 || !strings.Contains(mystery.Scores[0].From, "scores 0") {
		t.Errorf("unpriced cost %+v", mystery.Scores[0])
	}
	if !fixture.Approx(api.Total, 7.5) || !fixture.Approx(self.Total, 1.875) || !fixture.Approx(mystery.Total, 5) {
		t.Errorf("totals %v %v %v", api.Total, self.Total, mystery.Total)
	}
	if api.Rank != 1 || mystery.Rank != 2 || self.Rank != 3 {
		t.Errorf("ranks %d %d %d", api.Rank, mystery.Rank, self.Rank)
	}
}

// fakeCatalog prices one model and one GPU offer.
type fakeCatalog struct{}

func (fakeCatalog) TokenPrice(provider, model string) (results.Prices, error) {
	if model != "gpt-4o" {
		return results.Prices{}, errors.New("prices: not found for model " + strconv.Quote(model))
	}
	return results.Prices{InputPer1M: 2.5, OutputPer1M: 10, CachedInputPer1M: 1.25, CacheWritePer1M: 3.125,
		LongContext: &results.PriceTier{AboveInputTokens: 128000, InputPer1M: 5, OutputPer1M: 20},
		Source:      "catalogue", CheckedAt: "2026-11-01"}, nil
}

func (fakeCatalog) GPUPrice(gpu, offer string) (float64, string, string, error) {
	if gpu != "A100-80GB" || offer != "lambda" {
		return 0, "", "", errors.New("prices: no offer " + strconv.Quote(offer))
	}
	return 2.5, "lambda list price", "2026-10-01", nil
}

func TestPlanResolve(t *testing.T) {
	src := "targets:\n  vllm: {gpus: 2, gpu: A100-80GB, offer: lambda}\n  api: {provider: openai, model: gpt-4o}\n  x: {gpus: 1, gpu: A100-80GB, offer: nowhere}\n  y: {model: nope}\n"
	p, err := ParseScorecardPlan("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if !p.NeedsCatalog() {
		t.Error("NeedsCatalog false")
	}
	err = p.Resolve(fakeCatalog{})
	if err == nil || !strings.Contains(err.Error(), `p.yaml:4: target x: prices: no offer "nowhere"`) || !strings.Contains(err.Error(), `p.yaml:5: target y:`) {
		t.Errorf("resolve error %v", err)
	}
	if got := p.Prices("vllm"); got == nil || got.GPUHourly != 5 || got.GPUCount != 2 || got.USDPerGPUHour != 2.5 ||
		got.GPUType != "A100-80GB" || got.Source != "plan p.yaml: lambda list price" {
		t.Errorf("vllm %+v", got)
	}
	if got := p.Prices("api"); got == nil || got.InputPer1M != 2.5 || got.CachedInputPer1M != 1.25 || !strings.Contains(got.Source, "checked 2026-11-01") {
		t.Errorf("api %+v", got)
	}
	// The whole catalogue price reaches the cost function: cache-write
	// prices and the long-context tier are not dropped on the way.
	if got := p.Prices("api"); got == nil || got.CacheWritePer1M != 3.125 || got.LongContext == nil || got.LongContext.InputPer1M != 5 {
		t.Errorf("api price lost its cache-write price or tier: %+v", got)
	}
}

// TestLoadScorecardPlan: "" is no plan, "default" the defaults, a file is
// parsed and its catalogue prices looked up; a missing file or an unknown
// price is an error.
func TestLoadScorecardPlan(t *testing.T) {
	if p, err := LoadScorecardPlan("", fakeCatalog{}); p != nil || err != nil {
		t.Errorf("empty name: %v, %v", p, err)
	}
	if p, err := LoadScorecardPlan("default", fakeCatalog{}); err != nil || p.Source != "defaults" {
		t.Errorf("default: %+v, %v", p, err)
	}
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.yaml"), filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte("targets:\n  api: {provider: openai, model: gpt-4o}\n"), 0o644)
	os.WriteFile(bad, []byte("targets:\n  y: {model: nope}\n"), 0o644)
	if p, err := LoadScorecardPlan(good, fakeCatalog{}); err != nil || p.Prices("api") == nil || p.Prices("api").InputPer1M != 2.5 {
		t.Errorf("good plan: %+v, %v", p, err)
	}
	if _, err := LoadScorecardPlan(bad, fakeCatalog{}); err == nil || !strings.Contains(err.Error(), "bad.yaml:2: target y:") {
		t.Errorf("unknown price: %v", err)
	}
	if _, err := LoadScorecardPlan(filepath.Join(dir, "none.yaml"), fakeCatalog{}); err == nil {
		t.Error("a missing file loaded")
	}
}
