package decide

import (
	"encoding/json"
	"io"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/render"
)

// The JSON shape of a Decision: snake_case keys with their unit, every key
// always present (null when not applicable).
type jsonDecision struct {
	MonthHours    float64          `json:"month_hours"`
	SLOAttainment float64          `json:"slo_attainment"`
	Targets       []jsonTargetCost `json:"targets"`
	Projections   []jsonProjection `json:"projections"`
	Scorecard     *jsonScorecard   `json:"scorecard"`
	Components    *jsonComponents  `json:"components"`
	Notes         []string         `json:"notes"`
}

// jsonComponents is the component matrix: its rule, and a row per
// component with its verdict.
type jsonComponents struct {
	Rule string          `json:"rule"`
	Rows []jsonComponent `json:"rows"`
}

type jsonComponent struct {
	Name            string `json:"name"`
	Differentiation int    `json:"differentiation"`
	Complexity      int    `json:"complexity"`
	Verdict         string `json:"verdict"`
}

type jsonTargetCost struct {
	Target      string           `json:"target"`
	Kind        string           `json:"kind"`
	Model       string           `json:"model"`
	Simulated   bool             `json:"simulated"`
	Pricing     *string          `json:"pricing"`
	PriceSource string           `json:"price_source"`
	Prices      jsonTargetPrices `json:"prices"`
	RunID       string           `json:"run_id"`
	Load        string           `json:"load"`
	LoadBasis   string           `json:"load_basis"`
	Runs        int              `json:"runs"`
	Stale       bool             `json:"prices_possibly_stale"`
	InputShare  float64          `json:"input_token_share"`
	AtLoad      *jsonCostPoint   `json:"at_load"`
	Capacity    *jsonCapacity    `json:"capacity"`
	Sweep       []jsonSweepPoint `json:"sweep"`
	Notes       []string         `json:"notes"`
}

type jsonTargetPrices struct {
	InputPer1M           float64 `json:"input_per_1m_usd"`
	CachedInputPer1M     float64 `json:"cached_input_per_1m_usd"`
	OutputPer1M          float64 `json:"output_per_1m_usd"`
	EffectiveInputPer1M  float64 `json:"effective_input_per_1m_usd"`
	EffectiveOutputPer1M float64 `json:"effective_output_per_1m_usd"`
	CheckedAt            string  `json:"checked_at"`
	GPUs                 int     `json:"gpus"`
	GPUType              string  `json:"gpu_type"`
	GPUOffer             string  `json:"gpu_offer"`
	USDPerGPUHour        float64 `json:"usd_per_gpu_hour"`
	USDPerHour           float64 `json:"usd_per_hour"`
}

type jsonCostPoint struct {
	USDPerRequest   float64 `json:"usd_per_request"`
	USDPer1MInput   float64 `json:"usd_per_1m_input_tokens"`
	USDPer1MOutput  float64 `json:"usd_per_1m_output_tokens"`
	USDPer1MBlended float64 `json:"usd_per_1m_tokens_blended"`
	Utilisation     float64 `json:"utilisation"`
}

type jsonCapacity struct {
	RunID            string        `json:"run_id"`
	Load             string        `json:"load"`
	Sweep            bool          `json:"sweep"`
	RequestsPerS     float64       `json:"requests_per_s"`
	InputTokensPerS  float64       `json:"input_tokens_per_s"`
	OutputTokensPerS float64       `json:"output_tokens_per_s"`
	GoodFraction     float64       `json:"good_fraction"`
	MetSLO           bool          `json:"met_slo"`
	LowerBound       bool          `json:"lower_bound"`
	Unknown          *string       `json:"unknown"`
	Cost             jsonCostPoint `json:"cost"`
}

type jsonSweepPoint struct {
	RunID            string        `json:"run_id"`
	Load             string        `json:"load"`
	LoadValue        float64       `json:"load_value"`
	RequestsPerS     float64       `json:"requests_per_s"`
	OutputTokensPerS float64       `json:"output_tokens_per_s"`
	GoodFraction     float64       `json:"good_fraction"`
	MetSLO           bool          `json:"met_slo"`
	Cost             jsonCostPoint `json:"cost"`
}

type jsonProjection struct {
	InputTokens  float64             `json:"input_tokens_per_month"`
	OutputTokens float64             `json:"output_tokens_per_month"`
	Costs        []jsonProjectedCost `json:"costs"`
	BreakEvens   []jsonBreakEven     `json:"break_evens"`
}

type jsonProjectedCost struct {
	Target      string   `json:"target"`
	MonthlyUSD  *float64 `json:"monthly_usd"`
	USDPer1M    *float64 `json:"usd_per_1m_tokens"`
	Replicas    *int     `json:"replicas"`
	Utilisation *float64 `json:"utilisation"`
	FixedUSD    *float64 `json:"fixed_usd_per_replica"`
	AtMost      bool     `json:"at_most"`
	Unknown     *string  `json:"unknown"`
	MixNote     *string  `json:"mix_note"`
}

type jsonBreakEven struct {
	SelfHosted         string   `json:"self_hosted"`
	PerToken           string   `json:"per_token"`
	TokensPerMonth     *float64 `json:"tokens_per_month"`
	Utilisation        *float64 `json:"utilisation"`
	Never              bool     `json:"never"`
	Unknown            *string  `json:"unknown"`
	AtMost             bool     `json:"at_most"`
	PerTokenUSDPer1M   float64  `json:"per_token_usd_per_1m_tokens"`
	AtCapacityUSDPer1M float64  `json:"at_capacity_usd_per_1m_tokens"`
}

type jsonScorecard struct {
	ScorecardPlan string             `json:"plan"`
	Weights       map[string]float64 `json:"weights"`
	LatencyMetric string             `json:"latency_metric"`
	CostBasis     string             `json:"cost_basis"`
	Rows          []jsonScoreRow     `json:"rows"`
}

type jsonScoreRow struct {
	Target string      `json:"target"`
	Kind   string      `json:"kind"`
	Scores []jsonScore `json:"scores"`
	Total  float64     `json:"weighted_score"`
	Rank   int         `json:"rank"`
}

type jsonScore struct {
	Criterion string  `json:"criterion"`
	Weight    float64 `json:"weight"`
	Value     *string `json:"value"`
	Score     float64 `json:"score"`
	From      string  `json:"from"`
	Known     bool    `json:"known"`
}

func jsonPoint(p CostPoint) jsonCostPoint {
	return jsonCostPoint{USDPerRequest: p.USDPerRequest, USDPer1MInput: p.USDPer1MInput,
		USDPer1MOutput: p.USDPer1MOutput, USDPer1MBlended: p.USDPer1MBlended, Utilisation: p.Utilisation}
}

func ptr[T any](v T) *T { return &v }

// optional is s, or nil (null) when empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toJSONDecision(d *Decision) *jsonDecision {
	if d == nil {
		return nil
	}
	j := &jsonDecision{MonthHours: d.MonthHours, SLOAttainment: d.Attainment,
		Targets: []jsonTargetCost{}, Projections: []jsonProjection{}, Notes: append([]string{}, d.Notes()...)}
	for _, t := range d.Targets {
		jt := jsonTargetCost{Target: t.Target, Kind: t.Kind, Model: t.Model, Simulated: t.Simulated,
			PriceSource: t.PriceSource, RunID: t.RunID, Load: t.Load, LoadBasis: t.LoadBasis, Runs: t.Runs, InputShare: t.InputShare,
			Stale: t.StaleDays > 0,
			Prices: jsonTargetPrices{InputPer1M: t.Prices.InputPer1M, CachedInputPer1M: t.Prices.CachedInputPer1M,
				OutputPer1M: t.Prices.OutputPer1M, EffectiveInputPer1M: t.EffectiveInputPer1M,
				EffectiveOutputPer1M: t.EffectiveOutputPer1M, CheckedAt: t.Prices.CheckedAt,
				GPUs: t.Prices.GPUCount, GPUType: t.Prices.GPUType, GPUOffer: t.Prices.GPUOffer, USDPerGPUHour: t.Prices.USDPerGPUHour, USDPerHour: t.Prices.GPUHourly},
			Sweep: []jsonSweepPoint{}, Notes: append([]string{}, t.Notes...)}
		if t.Pricing != "" {
			jt.Pricing = ptr(t.Pricing)
			jt.AtLoad = ptr(jsonPoint(t.AtLoad))
		}
		if c := t.Capacity; c != nil {
			jt.Capacity = &jsonCapacity{RunID: c.RunID, Load: c.Load, Sweep: c.Sweep, RequestsPerS: c.RequestsPerS,
				InputTokensPerS: c.InputTokensPerS, OutputTokensPerS: c.OutputTokensPerS, GoodFraction: c.GoodFraction,
				MetSLO: c.MetSLO, LowerBound: c.LowerBound, Unknown: optional(c.Unknown), Cost: jsonPoint(c.Cost)}
		}
		for _, p := range t.Sweep {
			jt.Sweep = append(jt.Sweep, jsonSweepPoint{RunID: p.RunID, Load: p.Load, LoadValue: p.LoadValue,
				RequestsPerS: p.RequestsPerS, OutputTokensPerS: p.OutputTokensPerS, GoodFraction: p.GoodFraction,
				MetSLO: p.MetSLO, Cost: jsonPoint(p.Cost)})
		}
		j.Targets = append(j.Targets, jt)
	}
	for _, p := range d.Projections {
		jp := jsonProjection{InputTokens: p.Volume.InputTokens, OutputTokens: p.Volume.OutputTokens,
			Costs: []jsonProjectedCost{}, BreakEvens: []jsonBreakEven{}}
		for _, c := range p.Costs {
			jc := jsonProjectedCost{Target: c.Target, AtMost: c.AtMost, Unknown: optional(c.Unknown), MixNote: optional(c.MixNote)}
			if c.Known {
				jc.MonthlyUSD, jc.USDPer1M = ptr(c.MonthlyUSD), ptr(c.USDPer1M)
				if c.Pricing == reports.CostGPUHourly {
					jc.Replicas, jc.Utilisation, jc.FixedUSD = ptr(c.Replicas), ptr(c.Utilisation), ptr(c.FixedUSD)
				}
			}
			jp.Costs = append(jp.Costs, jc)
		}
		for _, be := range p.BreakEvens {
			jb := jsonBreakEven{SelfHosted: be.SelfHosted, PerToken: be.PerToken, Never: be.Never,
				Unknown: optional(be.Unknown), AtMost: be.AtMost,
				PerTokenUSDPer1M: be.PerTokenUSDPer1M, AtCapacityUSDPer1M: be.AtCapacityUSDPer1M}
			if !be.Never && be.Unknown == "" {
				jb.TokensPerMonth, jb.Utilisation = ptr(be.TokensPerMonth), ptr(be.Utilisation)
			}
			jp.BreakEvens = append(jp.BreakEvens, jb)
		}
		j.Projections = append(j.Projections, jp)
	}
	if sc := d.Scorecard; sc != nil {
		js := &jsonScorecard{ScorecardPlan: sc.Source, Weights: map[string]float64{}, LatencyMetric: sc.LatencyMetric,
			CostBasis: sc.CostBasis, Rows: []jsonScoreRow{}}
		for i, c := range sc.Criteria {
			js.Weights[c] = sc.Weights[i]
		}
		for _, r := range sc.Rows {
			jr := jsonScoreRow{Target: r.Target, Kind: r.Kind, Total: r.Total, Rank: r.Rank, Scores: []jsonScore{}}
			for i, s := range r.Scores {
				v := ptr(s.Value)
				if !s.Known {
					v = nil
				}
				jr.Scores = append(jr.Scores, jsonScore{Criterion: sc.Criteria[i], Weight: sc.Weights[i],
					Value: v, Score: s.Score, From: s.From, Known: s.Known})
			}
			js.Rows = append(js.Rows, jr)
		}
		j.Scorecard = js
	}
	if len(d.Components) > 0 {
		jc := &jsonComponents{Rule: ComponentRule, Rows: []jsonComponent{}}
		for _, c := range d.Components {
			jc.Rows = append(jc.Rows, jsonComponent{Name: c.Name, Differentiation: c.Differentiation,
				Complexity: c.Complexity, Verdict: c.Verdict()})
		}
		j.Components = jc
	}
	return j
}

// RenderReportJSON writes one JSON object: {"runs": [the RenderJSON
// objects], "decision": the cost comparison or null}. It is what `report
// --format json` writes; see docs/cost.md for the decision's keys.
func RenderReportJSON(w io.Writer, ss []reports.Summary, d *Decision) error {
	out := struct {
		Runs     []any         `json:"runs"`
		Decision *jsonDecision `json:"decision"`
	}{Runs: make([]any, len(ss))}
	for i, s := range ss {
		out.Runs[i] = render.SummaryJSON(s)
	}
	if !d.Empty() {
		out.Decision = toJSONDecision(d)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
