package compose

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	pricecat "github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/decide"
)

// Request is a report as `inferbench report`'s flags ask for it, before
// it is checked: the format, the price overrides, the decision's settings
// and whether it is the nightly trend.
type Request struct {
	Format      string
	Trend       bool
	SLO         reports.SLO
	Percentiles reports.PercentileMethod
	// PriceIn, PriceOut, PriceCached (USD per 1M tokens) and GPUHourly
	// (USD per hour) replace every run's prices when given
	// (reports.OverridePrices).
	PriceIn, PriceOut, PriceCached, GPUHourly float64
	// Energy costs GPU energy; its PUE must be given (1: GPU boards only).
	Energy  reports.EnergyPrice
	Volumes []decide.Volume
	// Scorecard is the scorecard plan file, "default" or "" (none).
	Scorecard  string
	MonthHours float64
	Attainment float64
	// Given names the flags given, to tell a default from a value given
	// and to refuse the ones that do not apply to the trend.
	Given map[string]bool
}

// trendless are the flags that judge runs one by one or decide on one
// report, which the trend does not do.
var trendless = []string{"volume", "scorecard", "month-hours", "slo-attainment", "fail-on", "allow-incomplete"}

// Options checks the request, reporting every problem at once, and
// resolves it (prices overridden, scorecard plan loaded) into the
// report's Options, generated at now.
func (q Request) Options(now time.Time) (Options, error) {
	var problems []error
	if !slices.Contains(Formats, q.Format) {
		problems = append(problems, fmt.Errorf("unknown --format %q (want text, md, json or html)", q.Format))
	}
	prices, err := reports.OverridePrices(q.Given, q.PriceIn, q.PriceOut, q.PriceCached, q.GPUHourly)
	problems = append(problems, err, q.Energy.Validate())
	if q.Given["month-hours"] && !(q.MonthHours > 0 && q.MonthHours <= 744) {
		problems = append(problems, fmt.Errorf("--month-hours %v: want hours in (0, 744]", q.MonthHours))
	}
	if q.Attainment <= 0 {
		problems = append(problems, errors.New("--slo-attainment must be above 0%"))
	}
	plan, err := decide.LoadScorecardPlan(q.Scorecard, pricecat.Named{Catalog: pricecat.Default()})
	if err != nil {
		problems = append(problems, fmt.Errorf("--scorecard: %w", err))
	}
	for _, f := range trendless {
		if q.Trend && q.Given[f] {
			problems = append(problems, fmt.Errorf("--%s does not apply to --trend (it judges runs one by one, or the decision of one report)", f))
		}
	}
	opt := reports.Options{SLO: q.SLO, Prices: prices, Energy: q.Energy, Percentiles: q.Percentiles}
	return Options{Options: opt, Generated: now,
		Decide: decide.Options{Volumes: q.Volumes, MonthHours: q.MonthHours, Attainment: q.Attainment, ScorecardPlan: plan}}, errors.Join(problems...)
}

// Write renders runs as the request asks (the report, or the trend) and
// writes them to out, or to w when out is "". The report it returns is
// the one --fail-on gates (its summaries), the trend's too.
func (q Request) Write(w io.Writer, runs []*reports.RunData, opt Options, out string) (*Report, error) {
	rep := New(runs, opt)
	var b bytes.Buffer
	var err error
	if q.Trend {
		err = Trend(&b, runs, opt.Options, q.Format, out, opt.Generated)
	} else {
		err = rep.Render(&b, q.Format)
	}
	if err == nil && out != "" {
		err = os.WriteFile(out, b.Bytes(), 0o644)
	} else if err == nil {
		_, err = w.Write(b.Bytes())
	}
	return rep, err
}
