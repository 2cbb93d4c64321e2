package suite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/internal/suggest"
)

// ErrInvalid marks an error of Plan or Execute that is a problem with the
// suite or the options (nothing ran): errors.Is finds it.
var ErrInvalid = errors.New("invalid suite")

type invalid struct{ err error }

func (e *invalid) Error() string        { return e.err.Error() }
func (e *invalid) Unwrap() error        { return e.err }
func (e *invalid) Is(target error) bool { return target == ErrInvalid }

// Options say how to run a suite.
type Options struct {
	// Out is the results directory: the suite writes to Out/Name.
	Out string
	// Only runs the targets of these names; none runs every target.
	Only []string
	// Env is every run's (Args, Abort, Metrics, Log, Getenv, Tool).
	Env Env
	// Observers gives the observers of the named target's run (progress);
	// nil: none.
	Observers func(target string) []bench.Observer
	// OnDone is called after each run (each level of a sweep), from the
	// goroutine that ran it; nil: nothing.
	OnDone func(target string, out bench.Outcome)
}

// Dir is where the suite writes its runs and its report: Out/Name.
func (s *Suite) Dir(o Options) string { return filepath.Join(o.Out, s.Name) }

// Step is one target's run as the suite executes it.
type Step struct {
	Entry *Entry
	Built *Built
}

// Plan checks the suite with the options and builds the run of every
// target selected, sending nothing and serving no simulator: what a dry
// run shows and Execute runs. It reports every problem at once, each as
// file:line (wrapping ErrInvalid).
func (s *Suite) Plan(o Options) ([]*Step, error) {
	entries, err := s.selected(o.Only)
	if err != nil {
		return nil, &invalid{err}
	}
	wl, wlErr := s.workload.load(o.Env.Log)
	var problems []string
	var steps []*Step
	for _, e := range entries {
		r := e.Run
		r.Workload.Loaded, r.Workload.err = wl, wlErr
		r.Outputs.Dir = s.Dir(o)
		b, err := r.Build(o.Env)
		if err != nil {
			problems = append(problems, s.render(e, err)...)
			continue
		}
		if b.Unpriced != nil && o.Env.Log != nil {
			o.Env.Log(fmt.Sprintf("target %s: note: %v; its cost will be 0 (give it a price: or a provider:)", e.Name, b.Unpriced))
		}
		for _, d := range runDirs(b) {
			if _, err := os.Stat(d); err == nil {
				problems = append(problems, fmt.Sprintf("%s:%d: target %s: %s already exists; remove it or give another --out", s.File, e.line, e.Name, d))
			}
		}
		steps = append(steps, &Step{Entry: e, Built: b})
	}
	if len(problems) > 0 {
		return nil, &invalid{errors.New(strings.Join(unique(problems), "\n"))}
	}
	return steps, nil
}

// selected are the entries Only names (all when it names none); an
// unknown name is an error with the name it is closest to.
func (s *Suite) selected(only []string) ([]*Entry, error) {
	if len(only) == 0 {
		return s.Entries, nil
	}
	names := make([]string, len(s.Entries))
	for i, e := range s.Entries {
		names[i] = e.Name
	}
	var out []*Entry
	var errs []error
	for _, e := range s.Entries {
		if slices.Contains(only, e.Name) {
			out = append(out, e)
		}
	}
	for _, n := range only {
		if slices.Contains(names, n) {
			continue
		}
		if near, ok := suggest.Closest(n, names); ok {
			errs = append(errs, fmt.Errorf("--only %q: %s has no such target (did you mean %q?)", n, s.File, near))
		} else {
			errs = append(errs, fmt.Errorf("--only %q: %s has no such target (it has %s)", n, s.File, strings.Join(names, ", ")))
		}
	}
	return out, errors.Join(errs...)
}

// runDirs are the run directories a built run writes.
func runDirs(b *Built) []string {
	o := b.Plan.Outputs
	if b.Sweep == nil {
		return []string{filepath.Join(o.Dir, o.RunID+o.Shard.Suffix())}
	}
	var dirs []string
	for i := range b.Sweep.Levels {
		suffix := fmt.Sprintf("-r%d", i+1)
		if b.Plan.Load.Mode == bench.ModeConcurrency {
			suffix = fmt.Sprintf("-c%d", i+1)
		}
		dirs = append(dirs, filepath.Join(o.Dir, o.RunID+suffix))
	}
	return dirs
}

func unique(lines []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lines {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// Outcome is what a suite ran.
type Outcome struct {
	// Dir is the suite's directory (Out/Name).
	Dir string
	// Runs are the runs written, in the order of the targets (a sweep's
	// levels in order).
	Runs []bench.Outcome
	// Interrupted is set when the context stopped the suite early.
	Interrupted bool
}

// Failed are the run ids of the runs that failed although they ran
// (their Failure is set), in order.
func (o *Outcome) Failed() []string {
	var ids []string
	for _, r := range o.Runs {
		if r.Failure != nil {
			ids = append(ids, r.RunID)
		}
	}
	return ids
}

// Execute runs the suite: it serves the simulators of sim targets on
// loopback, runs every target selected (one after another, or all at
// once when Parallel) and returns what was written. Cancelling ctx drains
// the runs going and starts no other (Interrupted); closing Env.Abort
// cancels the requests in flight. The runs done stay either way. An error
// wrapping ErrInvalid is a problem with the suite (nothing ran); any
// other is a failure of a run, with the Outcome of all that ran.
func (s *Suite) Execute(ctx context.Context, o Options) (*Outcome, error) {
	steps, err := s.Plan(o)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Dir: s.Dir(o)}
	for _, st := range steps {
		if err := st.serve(o); err != nil {
			return out, err
		}
		if sim := st.Entry.Run.Target.Sim; sim != nil {
			defer sim.Close()
		}
		if o.Observers != nil {
			st.Built.Observe(o.Observers(st.Entry.Name)...)
		}
	}
	outs := make([][]bench.Outcome, len(steps))
	errs := make([]error, len(steps))
	stopped := make([]bool, len(steps))
	run := func(i int) { outs[i], stopped[i], errs[i] = steps[i].execute(ctx, o) }
	if s.Parallel {
		var wg sync.WaitGroup
		for i := range steps {
			wg.Go(func() { run(i) })
		}
		wg.Wait()
	} else {
		for i := range steps {
			if ctx.Err() != nil {
				stopped[i] = true
				break
			}
			run(i)
		}
	}
	for i := range steps {
		out.Runs = append(out.Runs, outs[i]...)
		out.Interrupted = out.Interrupted || stopped[i]
	}
	return out, errors.Join(errs...)
}

// serve starts the step's simulator, if any, and builds its run again
// against it.
func (st *Step) serve(o Options) error {
	e := st.Entry
	if e.Run.Target.Sim == nil {
		return nil
	}
	r := e.Run
	r.Workload.Loaded, r.Outputs.Dir = st.Built.Plan.Workload, st.Built.Plan.Outputs.Dir
	if err := r.Target.Sim.Serve(st.Built.Spec.Model); err != nil {
		return fmt.Errorf("target %s: simulator: %w", e.Name, err)
	}
	b, err := r.Build(o.Env)
	if err != nil {
		return fmt.Errorf("target %s: %w", e.Name, err)
	}
	st.Built = b
	return nil
}

// execute runs the step: one run, or each level of its sweep.
func (st *Step) execute(ctx context.Context, o Options) (outs []bench.Outcome, interrupted bool, err error) {
	name := st.Entry.Name
	done := func(out bench.Outcome) {
		if o.OnDone != nil {
			o.OnDone(name, out)
		}
	}
	if sp := st.Built.Sweep; sp != nil {
		sp.OnDone = func(lo bench.LevelOutcome) { done(lo.Outcome) }
		res, err := bench.Sweep(ctx, *sp)
		for _, lo := range res.Levels {
			outs = append(outs, lo.Outcome)
		}
		if errors.Is(err, bench.ErrStartInterrupted) {
			return outs, true, nil
		}
		if err != nil {
			err = fmt.Errorf("target %s: %w", name, err)
		}
		return outs, res.Interrupted, err
	}
	res, err := bench.Execute(ctx, st.Built.Plan)
	if errors.Is(err, bench.ErrStartInterrupted) {
		return nil, true, nil // a Ctrl-C during the probe: nothing ran
	}
	if err != nil {
		if res.Dir != "" {
			outs = append(outs, res)
		}
		return outs, false, fmt.Errorf("target %s: %w", name, err)
	}
	done(res)
	return []bench.Outcome{res}, res.Interrupted(), nil
}
