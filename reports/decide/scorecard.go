package decide

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/inferbench/inferbench/reports/internal/table"
)

// Scorecard is a weighted build-vs-buy score per target, with every input
// shown so the ranking can be argued with. Each criterion scores 0-10,
// higher is better:
//
//	cost, latency (measured):   10 * best / this    (the cheapest, fastest gets 10)
//	control, privacy, lock_in, team (declared): the plan's value for the target,
//	                            else for its kind, else DefaultDeclared
//	total = sum(weight * score) / sum(weight)
//
// A measured criterion with no measurement scores 0, so missing data never
// flatters a target.
type Scorecard struct {
	Source        string // the plan's
	Criteria      []string
	Weights       []float64 // aligned with Criteria
	LatencyMetric string
	// CostBasis says which cost was compared.
	CostBasis string
	// Rows are one per target, in Decision.Targets order.
	Rows []ScoreRow
}

// ScoreRow is one target's scores.
type ScoreRow struct {
	Target string
	Kind   string
	Scores []Score // aligned with Scorecard.Criteria
	Total  float64
	Rank   int // 1 = best
}

// Score is one criterion of one target.
type Score struct {
	// Value is the input as shown: "$450.00/month", "812.5 ms", "9".
	Value string
	Score float64
	// From says where the input came from: "measured", "plan (target)",
	// "default for api", ...
	From  string
	Known bool
}

func score(d *Decision, p *ScorecardPlan) *Scorecard {
	sc := &Scorecard{Source: p.Source, Criteria: Criteria, LatencyMetric: p.LatencyMetric}
	if sc.LatencyMetric == "" {
		sc.LatencyMetric = DefaultLatencyMetric
	}
	for _, c := range Criteria {
		w, ok := p.Weights[c]
		if !ok {
			w = DefaultWeights[c]
		}
		sc.Weights = append(sc.Weights, w)
	}
	lat, stat, err := latencyMetric(sc.LatencyMetric)
	if err != nil {
		sc.LatencyMetric = DefaultLatencyMetric
		lat, stat, _ = latencyMetric(DefaultLatencyMetric)
	}

	// The cost compared: the first projection's monthly cost when there is
	// one, else cost per 1M tokens at the workload's mix (self-hosted at
	// capacity, the best it can do).
	costs := make([]float64, len(d.Targets))
	costText := make([]string, len(d.Targets))
	if len(d.Projections) > 0 {
		pr := d.Projections[0]
		sc.CostBasis = "monthly cost at " + pr.Volume.String() + " tokens (input:output)"
		for i, c := range pr.Costs {
			if c.Known {
				costs[i] = c.MonthlyUSD
				costText[i] = table.USD(c.MonthlyUSD) + "/month"
			}
		}
	} else {
		sc.CostBasis = "USD per 1M tokens at the workload's mix (self-hosted at capacity)"
		for i, t := range d.Targets {
			v := t.AtLoad.USDPer1MBlended
			if t.Capacity != nil {
				v = t.Capacity.Cost.USDPer1MBlended
			}
			if v > 0 {
				costs[i] = v
				costText[i] = table.USD(v) + "/1M tok"
			}
		}
	}
	lats := make([]float64, len(d.Targets))
	for i, t := range d.Targets {
		s := t.summary
		if t.capacitySummary != nil {
			s = t.capacitySummary
		}
		if s != nil && lat.Of(s).N > 0 {
			lats[i] = stat.Of(lat.Of(s)) / 1e6
		}
	}
	costScores := relativeScores(costs)
	latScores := relativeScores(lats)

	for i, t := range d.Targets {
		row := ScoreRow{Target: t.Target, Kind: t.Kind}
		for _, c := range Criteria {
			var s Score
			switch c {
			case CriterionCost:
				s = Score{Value: costText[i], Score: costScores[i], From: "measured", Known: costs[i] > 0}
			case CriterionLatency:
				s = Score{Value: fmt.Sprintf("%s ms", table.Ftoa(lats[i], 1)), Score: latScores[i], From: "measured", Known: lats[i] > 0}
			default:
				v, from := p.declared(t.Target, t.Kind, c)
				s = Score{Value: table.Ftoa(v, -1), Score: v, From: from, Known: true}
			}
			if !s.Known {
				s.Value, s.From = "-", "no measurement: scores 0"
			}
			row.Scores = append(row.Scores, s)
		}
		var num, den float64
		for j, s := range row.Scores {
			num += sc.Weights[j] * s.Score
			den += sc.Weights[j]
		}
		if den > 0 {
			row.Total = num / den
		}
		sc.Rows = append(sc.Rows, row)
	}
	order := make([]int, len(sc.Rows))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sc.Rows[b].Total, sc.Rows[a].Total) })
	for rank, i := range order {
		sc.Rows[i].Rank = rank + 1
	}
	return sc
}

// relativeScores gives each positive value 10 * smallest / value, and 0 to
// the others (not measured).
func relativeScores(vals []float64) []float64 {
	best := 0.0
	for _, v := range vals {
		if v > 0 && (best == 0 || v < best) {
			best = v
		}
	}
	out := make([]float64, len(vals))
	for i, v := range vals {
		if v > 0 {
			out[i] = 10 * best / v
		}
	}
	return out
}
