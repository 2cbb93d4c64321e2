package suite

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/livemetrics"
	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

// Env is what building a run may use of the outside world.
type Env struct {
	// Getenv reads API keys (nil: none is set).
	Getenv func(string) string
	// Tool and Args are the manifest's.
	Tool results.Tool
	Args []string
	// Log receives notes for the user: telemetry failures while the run
	// goes, the first rows a skip_invalid read skipped. Nil is silent.
	Log func(string)
	// Abort, when closed, cancels the requests in flight (the second
	// Ctrl-C).
	Abort <-chan struct{}
	// Metrics, when set, counts the run's requests live (Prometheus).
	Metrics *livemetrics.Metrics
	// FS is where the run writes its manifest and parts (nil: the
	// operating system's; tests give a full disk).
	FS results.FS
}

// Built is a run ready to execute: bench.Execute(ctx, Plan), or
// bench.Sweep(ctx, *Sweep) when the load is a ladder.
type Built struct {
	Plan bench.Plan
	// Sweep is set when the load is a ladder of rates or concurrencies;
	// its Plan is every level's.
	Sweep *bench.SweepPlan
	// Spec is the target as resolved.
	Spec targetspec.Spec
	// Unpriced, when set, says why the run has no price: a note, not a
	// problem (cost_usd stays 0).
	Unpriced error
}

// Observe adds observers to the run (to every level of a sweep).
func (b *Built) Observe(obs ...bench.Observer) {
	b.Plan.Observers = append(b.Plan.Observers, obs...)
	if b.Sweep != nil {
		b.Sweep.Plan.Observers = append(b.Sweep.Plan.Observers, obs...)
	}
}

// problem is one problem with the setting of that ID ({id} in the
// message names another setting).
func problem(id, format string, args ...any) error {
	return &bench.FieldError{Setting: id, Msg: fmt.Sprintf(format, args...)}
}

// Build turns the run into a plan: it loads the workload (unless it is
// loaded), builds the target, resolves the price and checks everything,
// reporting every problem at once (errors.Join) as bench.FieldErrors
// naming settings by ID, or as errors of the files read (with their own
// file:line). It sends nothing.
func (r *Run) Build(env Env) (*Built, error) {
	b := &Built{}
	p := &b.Plan
	o := r.Outputs
	*p = bench.Plan{
		Load: bench.Load{Seed: r.Load.Seed, TimeScale: r.Load.TimeScale, Flow: r.Load.Flow, RequestTimeout: r.Load.RequestTimeout},
		Outputs: bench.Outputs{Dir: o.Dir, RunID: o.RunID, Shard: o.Shard, PartRows: o.PartRows, PartInterval: o.PartInterval,
			ManifestInterval: o.ManifestInterval, FS: env.FS},
		Telemetry: r.Telemetry, Tool: env.Tool, Args: env.Args, Log: env.Log, Abort: env.Abort,
		MaxErrorRate: r.Load.MaxErrorRate, NoProbe: r.Load.NoProbe,
	}
	errs := r.mode(p)
	if o.StartAt != "" {
		var err error
		if p.Outputs.StartAt, err = bench.ParseStartAt(o.StartAt, time.Now()); err != nil {
			errs = append(errs, problem("start-at", "%v", err))
		}
	}
	var err error
	if p.Workload, err = r.Workload.load(env.Log); err != nil {
		errs = append(errs, err)
	}
	targetErrs := r.buildTarget(b, env)
	errs = append(errs, targetErrs...)
	if p.Target != nil {
		if err := r.price(b); err != nil {
			errs = append(errs, err)
		}
		if env.Metrics != nil {
			m := env.Metrics.Run(p.TargetInfo.Name, o.Shard)
			p.Target = m.Target(p.Target)
			p.Observers = append(p.Observers, m)
		}
	}
	sweep := len(r.Load.Rates) > 1 || len(r.Load.Concurrency) > 1
	l := r.Load
	if r.Given["sweep-pause"] && !sweep {
		errs = append(errs, problem("sweep-pause", "needs a sweep (a list of rates or concurrencies)"))
	}
	if l.Saturate && (!sweep || l.SLO.IsZero()) {
		errs = append(errs, problem("saturate", "needs a sweep (a list of rates or concurrencies) and {slo}"))
	}
	if r.Given["slo"] && !l.Saturate {
		errs = append(errs, problem("slo", "is for {saturate}; apply an SLO to a finished run with 'inferbench report --slo'"))
	}
	var planErr error
	if sweep {
		b.Sweep = r.sweepPlan(*p)
		planErr = b.Sweep.Validate()
	} else {
		planErr = p.Validate()
	}
	// The plan's own complaint about a target or a workload that could
	// not be built is explained by the problem that stopped it.
	explained := map[string]bool{"target": p.Target == nil && len(targetErrs) > 0,
		"workload": p.Workload == nil && (r.Workload.Path != "" || r.Workload.Loaded != nil)}
	if planErr != nil {
		for _, e := range planErr.(interface{ Unwrap() []error }).Unwrap() {
			var fe *bench.FieldError
			if errors.As(e, &fe) && explained[fe.Setting] {
				continue
			}
			errs = append(errs, e)
		}
	}
	return b, errors.Join(errs...)
}

// mode sets the plan's load mode from the one of rates, concurrency and
// replay given (bench's Validate says when there is not exactly one),
// and its arrival process.
func (r *Run) mode(p *bench.Plan) []error {
	l := &r.Load
	modes := 0
	if len(l.Rates) > 0 {
		modes++
		p.Load.Mode, p.Load.Rate = bench.ModeRate, l.Rates[0].PerSec
	}
	if len(l.Concurrency) > 0 {
		modes++
		p.Load.Mode, p.Load.Concurrency = bench.ModeConcurrency, l.Concurrency[0]
	}
	if l.Replay {
		modes++
		p.Load.Mode = bench.ModeReplay
	}
	if modes != 1 {
		p.Load.Mode = ""
	}
	var err error
	if p.Load.Arrival, err = workloads.ParseArrival(l.Arrival); err != nil {
		return []error{problem("arrival", "%s", strings.TrimPrefix(err.Error(), "arrival "))}
	}
	return nil
}

// load reads the workload as the settings say (nil, nil when none is
// given: the plan says it is required).
func (w Workload) load(log func(string)) (*workloads.Workload, error) {
	if w.err != nil {
		return nil, w.err
	}
	wl := w.Loaded
	if wl == nil && w.Path != "" {
		opts := w.Import
		var err error
		if opts.Format, err = workloads.ParseFormat(w.Format); err != nil {
			return nil, problem("workload-format", "%v", err)
		}
		if _, err := workloads.NewTokenizer(opts.Tokenizer); err != nil {
			return nil, problem("tokenizer", "%v", err)
		}
		if opts.SkipInvalid && opts.OnInvalid == nil && log != nil {
			shown := 0
			opts.OnInvalid = func(se *workloads.SyntaxError) {
				if shown < 5 {
					log(fmt.Sprintf("workload: skipped %v", se))
				}
				shown++
			}
		}
		if wl, err = workloads.Load(w.Path, opts); err != nil {
			return nil, problem("workload", "%v", err)
		}
		if wl.Skipped > 0 && log != nil {
			more := "listed above"
			if wl.Skipped > 5 {
				more = "the first 5 are listed above"
			}
			log(fmt.Sprintf("workload: skipped %d invalid line(s) of %s (skip_invalid); %s", wl.Skipped, wl.Name, more))
		}
	}
	if wl == nil {
		return nil, nil
	}
	reqs, kept := w.OutputLen.apply(wl.Requests)
	switch {
	case w.OutputLen.Observed && kept == len(reqs):
		return nil, problem("output-len", "observed: %s has no observed output lengths (a workload recorded with 'inferbench record' has them)", wl.Name)
	case kept > 0 && log != nil:
		log(fmt.Sprintf("workload: output-len observed: %d of %d requests have no observed output length and keep their max_tokens", kept, len(reqs)))
	}
	c := *wl
	c.Requests = reqs
	return &c, nil
}

// price resolves the run's price (prices.Catalog.ForRun), naming the
// setting at fault. A catalogue miss nothing asked for is a note
// (Built.Unpriced).
func (r *Run) price(b *Built) error {
	cat, err := prices.LoadCatalog(r.Price.Catalog)
	if err != nil {
		return problem("prices", "%v", err)
	}
	info := b.Plan.TargetInfo
	q := prices.RunQuery{Explicit: r.Price.Explicit, Provider: r.Price.Provider, Target: b.Spec.Price,
		Kind: info.Kind, TargetProvider: info.Provider, TargetModel: info.Model}
	if r.Price.GPUs.Type != "" {
		q.GPUs = &r.Price.GPUs
	}
	pr, err := cat.ForRun(q)
	switch {
	case err == nil:
		b.Plan.Prices = pr
		return nil
	case errors.Is(err, prices.ErrUnpriced):
		b.Unpriced = err
		return nil
	case q.GPUs != nil:
		return problem("gpus", "%s: %v (or give {gpu-hourly})", r.Price.GPUs, err)
	case q.Provider != "":
		return problem("price-provider", "%q: %v", q.Provider, err)
	case q.Target != nil && r.Target.File != "":
		return fmt.Errorf("%s: target %s: price: %w", r.Target.File, info.Name, err)
	case q.Target != nil:
		return problem("price", "%v", err)
	}
	return err
}

// sweepPlan is the ladder of rates or concurrencies over p; with
// Saturate the judge is reports' SLO rule.
func (r *Run) sweepPlan(p bench.Plan) *bench.SweepPlan {
	sp := &bench.SweepPlan{Plan: p, Pause: r.Load.SweepPause}
	if len(r.Load.Rates) > 1 {
		for _, rt := range r.Load.Rates {
			sp.Levels = append(sp.Levels, bench.Level{Name: "rate " + rt.Text, Rate: rt.PerSec})
		}
	} else {
		for _, n := range r.Load.Concurrency {
			sp.Levels = append(sp.Levels, bench.Level{Name: fmt.Sprintf("concurrency %d", n), Concurrency: n})
		}
	}
	if r.Load.Saturate {
		slo := r.Load.SLO
		sp.Judge = func(dir string) (bool, float64, error) { return MeetsSLO(dir, slo) }
	}
	return sp
}

// MeetsSLO reads a finished run and reports whether its measured
// requests met slo at least reports.DefaultAttainment of the time
// (failures count against it), and the fraction that did: the judge of
// a saturation search.
func MeetsSLO(dir string, slo reports.SLO) (bool, float64, error) {
	run, err := reports.Load(dir)
	if err != nil {
		return false, 0, err
	}
	s := reports.Summarize(run, reports.Options{SLO: slo})
	if s.Goodput == nil {
		return false, 0, errors.New("no SLO")
	}
	return s.Goodput.Fraction >= reports.DefaultAttainment, s.Goodput.Fraction, nil
}

// telemetryOf fills the plan's telemetry endpoints the settings leave
// empty from the target's (a targets file's telemetry: or a served
// simulator's).
func telemetryOf(t *bench.Telemetry, gpu, server string, nvml bool) {
	t.GPUMetricsURL = cmp.Or(t.GPUMetricsURL, gpu)
	t.ServerMetricsURL = cmp.Or(t.ServerMetricsURL, server)
	t.NVML = t.NVML || nvml
}
