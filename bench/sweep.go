package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/inferbench/inferbench/workloads"
)

// SweepPlan is a ladder of loads: one run of Plan per level, in order,
// each into RUN_ID-rN (rates) or RUN_ID-cN (concurrencies), N the 1-based
// step. With a Judge it is a saturation search: it stops at the first
// level the judge fails and names the highest that passed.
type SweepPlan struct {
	// Plan is every level's plan; each level sets Load.Rate (ModeRate) or
	// Load.Concurrency (ModeConcurrency) and the run id.
	Plan   Plan
	Levels []Level
	// Pause is the wait between two levels.
	Pause time.Duration
	// Judge says whether a finished level's run met the SLO, and the
	// fraction of its requests that did; nil runs every level. bench does
	// not know what an SLO is: the caller passes the rule (reports' one).
	Judge Judge
	// OnLevel is called before each level runs (i from 0); OnDone after
	// it ran (and was judged). Either may be nil.
	OnLevel func(i int, l Level)
	OnDone  func(LevelOutcome)
}

// Level is one step of a sweep.
type Level struct {
	// Name describes the level to the user ("rate 2/s", "concurrency 4").
	Name        string
	Rate        float64
	Concurrency int
}

// Judge reads a finished run directory and says whether the run met the
// SLO and the fraction of its requests that met it.
type Judge func(dir string) (met bool, fraction float64, err error)

// LevelOutcome is one finished level.
type LevelOutcome struct {
	Level   Level
	Outcome Outcome
	// Judged is set when a Judge ran; Met and Fraction are its verdict.
	Judged   bool
	Met      bool
	Fraction float64
}

// SweepOutcome is what a sweep ran.
type SweepOutcome struct {
	Levels []LevelOutcome
	// Best is the index of the highest level the judge passed; -1 when
	// none did (or no judge ran).
	Best int
	// Interrupted is set when the context ended the sweep (during a level
	// or a pause).
	Interrupted bool
	// Failed is set when the last level failed (its Outcome.Failure says
	// why) and stopped the sweep.
	Failed bool
}

// Validate reports every problem with the sweep at once: its own, and
// its plan's at the first level.
func (s *SweepPlan) Validate() error {
	var errs []error
	if len(s.Levels) == 0 {
		errs = append(errs, problem("", "a sweep needs at least one level"))
	}
	if s.Pause < 0 || s.Pause > MaxWait {
		errs = append(errs, problem("sweep-pause", "must be from 0 to %s, got %s", MaxWait, s.Pause))
	}
	if !s.Plan.Outputs.StartAt.IsZero() {
		errs = append(errs, problem("start-at", "starts one run, not a sweep"))
	}
	switch s.Plan.Load.Mode {
	case ModeRate, ModeConcurrency:
	default:
		errs = append(errs, problem("", "a sweep is a ladder of {rate} or {concurrency} levels, not %q", s.Plan.Load.Mode))
	}
	for _, l := range s.Levels {
		switch {
		case s.Plan.Load.Mode == ModeRate:
			if err := workloads.CheckRate(l.Rate); err != nil {
				errs = append(errs, problem("rate", "%s: %v", l.Name, err))
			}
		case s.Plan.Load.Mode == ModeConcurrency && (l.Concurrency <= 0 || l.Concurrency > MaxConcurrency):
			errs = append(errs, problem("concurrency", "%s: must be from 1 to %d, got %d", l.Name, MaxConcurrency, l.Concurrency))
		}
	}
	if len(s.Levels) > 0 {
		p := s.level(0, s.Levels[0], s.Plan.Outputs.RunID)
		if err := p.Validate(); err != nil {
			errs = append(errs, withoutLevel(err)...)
		}
	}
	return errors.Join(errs...)
}

// withoutLevel drops a level plan's problems with its rate or
// concurrency, which Validate checks for every level.
func withoutLevel(err error) []error {
	var out []error
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *FieldError
		if errors.As(e, &fe) && (fe.Setting == "rate" || fe.Setting == "concurrency") {
			continue
		}
		out = append(out, e)
	}
	return out
}

// level is the plan of level i under the base run id (RUN_ID-rN or
// RUN_ID-cN; no id while base is empty).
func (s *SweepPlan) level(i int, l Level, base string) Plan {
	p := s.Plan
	suffix := ""
	switch p.Load.Mode {
	case ModeRate:
		p.Load.Rate, suffix = l.Rate, fmt.Sprintf("-r%d", i+1)
	case ModeConcurrency:
		p.Load.Concurrency, suffix = l.Concurrency, fmt.Sprintf("-c%d", i+1)
	}
	if base != "" {
		p.Outputs.RunID = base + suffix
	}
	return p
}

// Sweep runs the ladder. It stops early when the context ends (the
// outcome says Interrupted), when a level fails to run (the error names
// the level), after a level that failed (Outcome.Failure; the outcome
// says Failed) or, with a Judge, after the first level that does not
// meet the SLO. Only the first level sends the probe. The workload is
// loaded once, by the caller, for every level.
func Sweep(ctx context.Context, s SweepPlan) (SweepOutcome, error) {
	out := SweepOutcome{Best: -1}
	if err := s.Validate(); err != nil {
		return out, &planError{err}
	}
	base := s.Plan.Outputs.RunID
	if base == "" {
		base = NewRunID(time.Now(), s.Plan.TargetInfo.Name)
	}
	for i, l := range s.Levels {
		if i > 0 && s.Pause > 0 && !sleep(ctx, s.Pause) {
			out.Interrupted = true
			return out, nil
		}
		if s.OnLevel != nil {
			s.OnLevel(i, l)
		}
		lp := s.level(i, l, base)
		lp.NoProbe = lp.NoProbe || i > 0
		res, err := Execute(ctx, lp)
		if err != nil {
			return out, fmt.Errorf("%s: %w", l.Name, err)
		}
		lo := LevelOutcome{Level: l, Outcome: res}
		if res.Interrupted() || res.Failure != nil {
			out.Levels = append(out.Levels, lo)
			out.Interrupted, out.Failed = res.Interrupted(), !res.Interrupted()
			s.done(lo)
			return out, nil
		}
		if s.Judge != nil {
			lo.Judged = true
			if lo.Met, lo.Fraction, err = s.Judge(res.Dir); err != nil {
				out.Levels = append(out.Levels, lo)
				return out, fmt.Errorf("%s: reading results: %w", l.Name, err)
			}
		}
		out.Levels = append(out.Levels, lo)
		s.done(lo)
		if lo.Judged && !lo.Met {
			break
		}
		if lo.Judged {
			out.Best = i
		}
	}
	return out, nil
}

func (s *SweepPlan) done(lo LevelOutcome) {
	if s.OnDone != nil {
		s.OnDone(lo)
	}
}

// Verdict is what the sweep concluded, a line each, for the user: the
// level whose failure stopped it, and, when a judge ran (judged) and the
// sweep was neither interrupted nor stopped by a failure before any level
// passed, the saturation point: the highest level meeting the SLO, or
// that none did. slo and attainment describe the judge's rule (bench
// does not know it).
func (o SweepOutcome) Verdict(judged bool, slo string, attainment float64) []string {
	var lines []string
	if o.Failed {
		lines = append(lines, fmt.Sprintf("sweep stopped: %s failed", o.Levels[len(o.Levels)-1].Level.Name))
	}
	if o.Interrupted || !judged || (o.Failed && o.Best < 0) {
		return lines
	}
	rule := fmt.Sprintf("the SLO (%s) for %.0f%% of requests", slo, 100*attainment)
	if o.Best < 0 {
		return append(lines, "saturation: no level met "+rule)
	}
	best := o.Levels[o.Best]
	return append(lines, fmt.Sprintf("saturation: highest level meeting %s: %s (%s)", rule, best.Level.Name, best.Outcome.RunID))
}
