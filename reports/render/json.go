package render

import (
	"encoding/json"
	"io"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/results"
)

// The JSON shape of a Summary. Keys are snake_case and carry their unit;
// latencies are milliseconds as floats. Every key is always present (null
// when not applicable), in this order, so scripts and diffs can rely on it.
type jsonSummary struct {
	RunID            string              `json:"run_id"`
	Target           string              `json:"target"`
	TargetKind       string              `json:"target_kind"`
	Model            string              `json:"model"`
	Workload         string              `json:"workload"`
	Simulated        bool                `json:"simulated"`
	StopReason       string              `json:"stop_reason"`
	Complete         bool                `json:"complete"`
	Incomplete       []string            `json:"incomplete"`
	RowsNote         *string             `json:"rows_note"`
	Requests         jsonCounts          `json:"requests"`
	WindowS          float64             `json:"window_s"`
	RequestsPerS     float64             `json:"requests_per_s"`
	InputTokensPerS  float64             `json:"input_tokens_per_s"`
	OutputTokensPerS float64             `json:"output_tokens_per_s"`
	TotalTokensPerS  float64             `json:"total_tokens_per_s"`
	InputTokens      int64               `json:"input_tokens"`
	CachedInput      int64               `json:"cached_input_tokens"`
	OutputTokens     int64               `json:"output_tokens"`
	PercentileMethod string              `json:"percentile_method"`
	TTFT             *jsonDist           `json:"ttft_ms"`
	TTFO             *jsonDist           `json:"ttfo_ms"`
	TPOT             *jsonDist           `json:"tpot_ms"`
	ITL              *jsonDist           `json:"itl_ms"`
	E2E              *jsonDist           `json:"e2e_ms"`
	UserLatency      *jsonDist           `json:"user_latency_ms"`
	ScheduleLag      *jsonDist           `json:"schedule_lag_ms"`
	Goodput          *jsonGoodput        `json:"goodput"`
	TokenSources     jsonSources         `json:"token_sources"`
	Cost             *jsonCost           `json:"cost"`
	Saturation       *reports.Saturation `json:"saturation"`
	ServerState      *jsonState          `json:"server_state"`
	Client           []jsonClient        `json:"client"`
	ClientWarning    *string             `json:"client_warning"`
	Notes            []string            `json:"notes"`
}

// jsonClient is a load generator's check of itself: the manifest's
// client block (docs/results.md) with the run (or shard) it is of.
type jsonClient struct {
	RunID string `json:"run_id"`
	results.ClientInfo
}

type jsonState struct {
	Requests int64      `json:"requests"`
	Waited   int64      `json:"waited"`
	ByQueue  []jsonBand `json:"ttft_by_queue_at_send"`
	ByKV     []jsonBand `json:"ttft_by_kv_usage_at_send"`
}

type jsonBand struct {
	Band     string  `json:"band"`
	Requests int     `json:"requests"`
	P50      float64 `json:"ttft_p50_ms"`
	P95      float64 `json:"ttft_p95_ms"`
}

func toJSONState(st *reports.ServerState) *jsonState {
	if st == nil {
		return nil
	}
	j := &jsonState{Requests: st.Requests, Waited: st.Waited, ByQueue: []jsonBand{}, ByKV: []jsonBand{}}
	for _, b := range st.ByQueue {
		j.ByQueue = append(j.ByQueue, jsonBand{b.Band, b.Requests, float64(b.TTFTP50Ns) / 1e6, float64(b.TTFTP95Ns) / 1e6})
	}
	for _, b := range st.ByKV {
		j.ByKV = append(j.ByKV, jsonBand{b.Band, b.Requests, float64(b.TTFTP50Ns) / 1e6, float64(b.TTFTP95Ns) / 1e6})
	}
	return j
}

type jsonCounts struct {
	Total    int64        `json:"total"`
	OK       int64        `json:"ok"`
	Failed   int64        `json:"failed"`
	Canceled int64        `json:"canceled"`
	Warmup   int64        `json:"warmup"`
	Errors   []jsonErrors `json:"errors"`
}

type jsonErrors struct {
	Class  string `json:"class"`
	Count  int64  `json:"count"`
	Sample string `json:"sample_message"`
}

type jsonDist struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
	Std   float64 `json:"std"`
}

type jsonGoodput struct {
	SLO          jsonSLO `json:"slo_ms"`
	Good         int64   `json:"good"`
	GoodputPerS  float64 `json:"goodput_per_s"`
	GoodFraction float64 `json:"good_fraction"`
}

type jsonSLO struct {
	TTFT *float64 `json:"ttft"`
	TPOT *float64 `json:"tpot"`
	E2E  *float64 `json:"e2e"`
	ITL  *float64 `json:"itl"`
}

type jsonSources struct {
	Input  []jsonSource `json:"input"`
	Output []jsonSource `json:"output"`
}

type jsonSource struct {
	Source string `json:"source"`
	Count  int64  `json:"count"`
}

type jsonCost struct {
	Model             string     `json:"model"`
	Source            string     `json:"source"`
	Prices            jsonPrices `json:"prices"`
	TotalUSD          float64    `json:"total_usd"`
	InputUSD          float64    `json:"input_usd"`
	CachedInputUSD    float64    `json:"cached_input_usd"`
	OutputUSD         float64    `json:"output_usd"`
	USDPerRequest     float64    `json:"usd_per_request"`
	USDPer1MInputTok  float64    `json:"usd_per_1m_input_tokens"`
	USDPer1MOutputTok float64    `json:"usd_per_1m_output_tokens"`
	USDPer1MTok       float64    `json:"usd_per_1m_tokens"`
	RecordedUSD       float64    `json:"recorded_cost_usd"`
	CheckedAt         string     `json:"prices_checked_at"`
	PossiblyStale     bool       `json:"prices_possibly_stale"`
}

type jsonPrices struct {
	InputPer1M       float64 `json:"input_per_1m_usd"`
	CachedInputPer1M float64 `json:"cached_input_per_1m_usd"`
	OutputPer1M      float64 `json:"output_per_1m_usd"`
	GPUHourly        float64 `json:"gpu_hourly_usd"`
}

func toJSONDist(d reports.Dist) *jsonDist {
	if d.N == 0 {
		return nil
	}
	ms := func(ns int64) float64 { return float64(ns) / 1e6 }
	return &jsonDist{Count: d.N, P50: ms(d.P50), P90: ms(d.P90), P95: ms(d.P95),
		P99: ms(d.P99), Max: ms(d.Max), Mean: d.Mean / 1e6, Std: d.Std / 1e6}
}

func msPtr(d time.Duration) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(d) / 1e6
	return &v
}

func toJSON(s reports.Summary) jsonSummary {
	j := jsonSummary{
		RunID: s.RunID, Target: s.Target, TargetKind: s.TargetKind, Model: s.Model,
		Workload: s.Workload, Simulated: s.Simulated, StopReason: s.StopReason,
		Requests: jsonCounts{Total: s.Requests.Total, OK: s.Requests.OK, Failed: s.Requests.Failed,
			Canceled: s.Requests.Canceled, Warmup: s.Requests.Warmup, Errors: []jsonErrors{}},
		WindowS: float64(s.WindowNs) / 1e9, RequestsPerS: s.RequestsPerS,
		InputTokensPerS: s.InputTokensPerS, OutputTokensPerS: s.OutputTokensPerS, TotalTokensPerS: s.TotalTokensPerS,
		InputTokens: s.InputTokens, CachedInput: s.CachedInputTokens, OutputTokens: s.OutputTokens,
		PercentileMethod: s.PercentileMethod.String(),
		TTFT:             toJSONDist(s.TTFT), TTFO: toJSONDist(s.TTFO), TPOT: toJSONDist(s.TPOT),
		ITL: toJSONDist(s.ITL), E2E: toJSONDist(s.E2E), UserLatency: toJSONDist(s.UserLatency),
		ScheduleLag:  toJSONDist(s.ScheduleLag),
		TokenSources: jsonSources{Input: []jsonSource{}, Output: []jsonSource{}},
		Notes:        append([]string{}, s.Notes...),
		Complete:     len(s.Incomplete) == 0, Incomplete: append([]string{}, s.Incomplete...),
	}
	if s.RowsNote != "" {
		j.RowsNote = &s.RowsNote
	}
	for _, e := range s.Requests.Errors {
		j.Requests.Errors = append(j.Requests.Errors, jsonErrors{e.Class, e.Count, e.Sample})
	}
	for _, c := range s.InputTokenSources {
		j.TokenSources.Input = append(j.TokenSources.Input, jsonSource{c.Source, c.Count})
	}
	for _, c := range s.OutputTokenSources {
		j.TokenSources.Output = append(j.TokenSources.Output, jsonSource{c.Source, c.Count})
	}
	if g := s.Goodput; g != nil {
		j.Goodput = &jsonGoodput{
			SLO:  jsonSLO{TTFT: msPtr(g.SLO.TTFT), TPOT: msPtr(g.SLO.TPOT), E2E: msPtr(g.SLO.E2E), ITL: msPtr(g.SLO.ITL)},
			Good: g.Good, GoodputPerS: g.PerS, GoodFraction: g.Fraction,
		}
	}
	if c := s.Cost; c != nil {
		j.Cost = &jsonCost{
			Model: c.Model, Source: c.Source,
			Prices: jsonPrices{InputPer1M: c.Prices.InputPer1M, CachedInputPer1M: c.Prices.CachedInputPer1M,
				OutputPer1M: c.Prices.OutputPer1M, GPUHourly: c.Prices.GPUHourly},
			TotalUSD: c.TotalUSD, InputUSD: c.InputUSD, CachedInputUSD: c.CachedInputUSD, OutputUSD: c.OutputUSD,
			USDPerRequest: c.USDPerRequest, USDPer1MInputTok: c.USDPer1MInput, USDPer1MOutputTok: c.USDPer1MOutput,
			USDPer1MTok: c.USDPer1MBlended(), RecordedUSD: c.RecordedUSD,
			CheckedAt: c.Prices.CheckedAt, PossiblyStale: c.StaleDays > 0,
		}
	}
	j.Saturation = s.Saturation
	j.ServerState = toJSONState(s.ServerState)
	j.Client = []jsonClient{}
	for _, c := range s.Client {
		j.Client = append(j.Client, jsonClient(c))
	}
	if w := s.ClientWarning(); w != "" {
		j.ClientWarning = &w
	}
	return j
}

// SummaryJSON is the value JSON encodes for s, for documents that
// hold summaries among other things (the report's combined JSON).
func SummaryJSON(s reports.Summary) any { return toJSON(s) }

// JSON writes ss as an indented JSON array of summary objects (see
// docs/metrics.md for the keys), one per run in order.
func JSON(w io.Writer, ss []reports.Summary) error {
	out := make([]jsonSummary, len(ss))
	for i, s := range ss {
		out[i] = toJSON(s)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
