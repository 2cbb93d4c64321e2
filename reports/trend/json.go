package trend

import (
	"encoding/json"
	"io"
	"math"
	"time"

	"github.com/inferbench/inferbench/reports"
)

// The JSON shape of a Trend: snake_case keys carrying their unit, every
// key always present (null when not applicable). Latencies are
// milliseconds, the error rate a fraction (0..1), goodput requests/s,
// cost USD per 1M tokens; a change is in the metric's unit and its pct
// in percent.
type jsonTrend struct {
	SignificantPct     float64      `json:"significant_change_pct"`
	MinFractionMovePct float64      `json:"min_error_rate_change_pp"`
	SLO                *jsonSLO     `json:"slo"`
	Metrics            []jsonMetric `json:"metrics"`
	Series             []jsonSeries `json:"series"`
	Regressions        int          `json:"regressions"`
	Notes              []string     `json:"notes"`
}

type jsonSLO struct {
	TTFT *float64 `json:"ttft_ms"`
	TPOT *float64 `json:"tpot_ms"`
	E2E  *float64 `json:"e2e_ms"`
	ITL  *float64 `json:"itl_ms"`
}

type jsonMetric struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	Name   string `json:"name"`
	Better string `json:"better"`
}

type jsonSeries struct {
	Target string      `json:"target"`
	Load   *string     `json:"load"`
	Runs   []jsonNight `json:"runs"`
}

type jsonNight struct {
	RunID      string                 `json:"run_id"`
	Dir        string                 `json:"dir"`
	StartedAt  *string                `json:"started_at"`
	Simulated  bool                   `json:"simulated"`
	Complete   bool                   `json:"complete"`
	Incomplete []string               `json:"incomplete"`
	Baseline   *jsonBaseline          `json:"baseline"`
	Values     map[string]*float64    `json:"values"`
	Changes    map[string]*jsonChange `json:"changes"`
}

// jsonBaseline is the night a run is compared with.
type jsonBaseline struct {
	RunID     string  `json:"run_id"`
	Dir       string  `json:"dir"`
	StartedAt *string `json:"started_at"`
}

type jsonChange struct {
	Change      float64  `json:"change"`
	Pct         *float64 `json:"change_pct"`
	Significant bool     `json:"significant"`
	Verdict     *string  `json:"verdict"`
}

// inUnit is v as the JSON writes it: durations in ms, the rest as is.
func inUnit(u reports.Unit, v float64) float64 {
	if u == reports.UnitDuration {
		return v / 1e6
	}
	return v
}

func ms(d time.Duration) *float64 {
	if d <= 0 {
		return nil
	}
	v := float64(d) / 1e6
	return &v
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func startedAt(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	return optional(t.UTC().Format(time.RFC3339))
}

func toJSON(t *Trend) jsonTrend {
	j := jsonTrend{SignificantPct: t.Significant * 100, MinFractionMovePct: MinFractionMove * 100,
		Metrics: []jsonMetric{}, Series: []jsonSeries{}, Regressions: t.Regressions(), Notes: append([]string{}, t.Notes...)}
	if !t.SLO.IsZero() {
		j.SLO = &jsonSLO{TTFT: ms(t.SLO.TTFT), TPOT: ms(t.SLO.TPOT), E2E: ms(t.SLO.E2E), ITL: ms(t.SLO.ITL)}
	}
	for _, m := range t.Metrics {
		better := "lower"
		if m.Better == reports.HigherIsBetter {
			better = "higher"
		}
		j.Metrics = append(j.Metrics, jsonMetric{Key: m.Key, Label: m.Label, Name: m.Name, Better: better})
	}
	for _, s := range t.Series {
		js := jsonSeries{Target: s.Target, Load: optional(s.Load), Runs: []jsonNight{}}
		for _, n := range s.Nights {
			jn := jsonNight{RunID: n.RunID, Dir: n.Dir, Simulated: n.Simulated, Complete: n.Complete(),
				Incomplete: append([]string{}, n.Incomplete...), StartedAt: startedAt(n.StartedAt),
				Values: map[string]*float64{}, Changes: map[string]*jsonChange{}}
			if n.Baseline >= 0 {
				b := &s.Nights[n.Baseline]
				jn.Baseline = &jsonBaseline{RunID: b.RunID, Dir: b.Dir, StartedAt: startedAt(b.StartedAt)}
			}
			for k, m := range t.Metrics {
				v := n.Values[k]
				jn.Values[m.Key], jn.Changes[m.Key] = nil, nil
				if v.Known {
					x := inUnit(m.Unit, v.V)
					jn.Values[m.Key] = &x
				}
				if v.Compared {
					c := &jsonChange{Change: inUnit(m.Unit, v.Delta), Significant: v.Significant, Verdict: optional(v.Verdict)}
					if !math.IsNaN(v.Pct) {
						p := v.Pct * 100
						c.Pct = &p
					}
					jn.Changes[m.Key] = c
				}
			}
			js.Runs = append(js.Runs, jn)
		}
		j.Series = append(j.Series, js)
	}
	return j
}

// RenderJSON writes the trend as one JSON object for scripts: the
// metrics (key, label, which way is better), then per series its runs
// in order of start time, each with its values and its changes against
// the previous complete night (null for the first night, a night that
// did not complete, and a metric either night lacks).
func RenderJSON(w io.Writer, t *Trend) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(toJSON(t))
}
