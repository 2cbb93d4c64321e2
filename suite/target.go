package suite

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/inferbench/inferbench/simhost"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/targets/sim"
	"github.com/inferbench/inferbench/targets/targetspec"
)

// Sim is a simulator served in process for a target: a suite's sim:.
type Sim struct {
	// Preset is the simulator preset the settings apply over (as
	// `inferbench sim --preset`; "" picks as it does).
	Preset string
	// Config holds the settings given (Given, by name) over the preset.
	Config sim.Config
	Given  map[string]bool
	// GPUs is the number of simulated GPUs (0: simhost.DefaultGPUs).
	GPUs int
	// Telemetry samples the simulator's GPUs and vLLM metrics alongside
	// the run, as server_metrics and gpu_metrics would.
	Telemetry bool
	served    *simhost.Sim
}

// Resolve is the simulator's configuration; it serves model unless the
// settings name another.
func (s *Sim) Resolve(model string) (sim.Config, error) {
	given := s.Given
	over := s.Config
	if model != "" && !given["model"] {
		over.Model = model
		given = map[string]bool{"model": true}
		for k, v := range s.Given {
			given[k] = v
		}
	}
	cfg, _, err := simhost.Config(s.Preset, over, given)
	return cfg, err
}

// Serve starts the simulator on a free loopback port (for model, see
// Resolve); Build then points the target at it. Close stops it.
func (s *Sim) Serve(model string) error {
	cfg, err := s.Resolve(model)
	if err != nil {
		return err
	}
	s.served, err = simhost.Serve(cfg, s.GPUs)
	return err
}

// Close stops a served simulator.
func (s *Sim) Close() {
	if s.served != nil {
		s.served.Close()
		s.served = nil
	}
}

// simPlaceholder stands for a simulator's URL before it is served, so a
// dry run checks everything else about the target.
const simPlaceholder = "http://127.0.0.1/v1"

// buildTarget builds the run's target into b: the spec (a targets file's
// entry with the settings given over it, or the spec as declared), a
// simulator's URL, the client, its identity, its timeout and its
// telemetry endpoints.
func (r *Run) buildTarget(b *Built, env Env) []error {
	t := r.Target
	var errs []error
	if t.File == "" && t.Name != "" {
		errs = append(errs, problem("target", "needs {targets} FILE"))
	}
	if t.File != "" && t.Spec.Preset != "" {
		errs = append(errs, problem("preset", "does not go with {targets}: set preset: in the file"))
	}
	if len(errs) > 0 {
		return errs
	}
	spec, where, err := r.spec()
	if err != nil {
		return []error{err}
	}
	var simCfg sim.Config
	if s := t.Sim; s != nil {
		if simCfg, err = s.Resolve(spec.Model); err != nil {
			return []error{problem("sim", "%v", err)}
		}
		spec.Model = cmp.Or(spec.Model, simCfg.Model, sim.DefaultModel)
		spec.BaseURL = simPlaceholder
		if s.served != nil {
			spec.BaseURL = s.served.URL
		}
	}
	if r.Given["timeout"] || spec.Timeouts.Total == 0 {
		spec.Timeouts.Total = r.Load.RequestTimeout
	}
	res, err := spec.Resolve()
	if err != nil {
		return specProblems(err, where)
	}
	getenv := env.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	p := &b.Plan
	tgt, err := targets.New(res, getenv)
	if err != nil {
		return []error{err}
	}
	p.Target = tgt
	if p.Workload != nil {
		// Every request as the target would send it: a run the API would
		// refuse stops here, and fields not sent are said once.
		notes, err := targets.Check(tgt, p.Workload.Requests)
		for _, n := range notes {
			if env.Log != nil {
				env.Log("target " + res.Name + ": " + n)
			}
		}
		if err != nil {
			return []error{fmt.Errorf("target %s: %w", res.Name, err)}
		}
	}
	b.Spec = res
	p.TargetInfo = res.Info()
	p.Load.RequestTimeout = res.Timeouts.Total
	tm := res.Telemetry
	telemetryOf(&p.Telemetry, tm.GPUMetrics, tm.ServerMetrics, tm.NVML)
	if s := t.Sim; s != nil {
		p.TargetInfo.Simulated, p.TargetInfo.SimConfig = true, simCfg.Describe()
		if s.served != nil && s.Telemetry {
			telemetryOf(&p.Telemetry, s.served.GPUMetricsURL(), s.served.ServerMetricsURL(), false)
		}
	}
	return nil
}

// spec is the target's spec: as declared, or a targets file's entry with
// the target settings given over it. where names the file's entry in its
// errors ("" without a file).
func (r *Run) spec() (_ targetspec.Spec, where string, _ error) {
	t := r.Target
	if t.File == "" {
		return t.Spec, "", nil
	}
	specs, err := targetspec.LoadFile(t.File)
	if err != nil {
		return targetspec.Spec{}, "", err
	}
	var s targetspec.Spec
	switch {
	case t.Name != "":
		if s, err = targetspec.FindSpec(specs, t.Name); err != nil {
			return s, "", problem("target", "%s: %v", t.File, err)
		}
	case len(specs) == 1:
		s = specs[0]
	default:
		names := make([]string, len(specs))
		for i, s := range specs {
			names[i] = s.Name
		}
		return s, "", problem("target", "NAME is required: %s declares %s", t.File, strings.Join(names, ", "))
	}
	base := Run{Target: Target{Spec: s}}
	for _, st := range Settings {
		if st.Block == "spec" && r.Given[st.ID()] {
			copySetting(st, &base, r)
		}
	}
	return base.Target.Spec, t.File + ": target " + s.Name, nil
}

// specProblems are a spec's problems (targetspec.FieldErrors): each names
// the setting of its key (a flag, a suite key), or the key itself when
// no setting reads it; after where when the spec came from a file.
func specProblems(err error, where string) []error {
	var out []error
	for _, e := range joined(err) {
		var fe *targetspec.FieldError
		switch {
		case where != "":
			out = append(out, fmt.Errorf("%s: %w", where, e))
		case errors.As(e, &fe):
			id := fe.Field
			if s, ok := settingKey("spec", fe.Field); ok {
				id = s.ID()
			}
			out = append(out, problem(id, "%v", fe.Err))
		default:
			out = append(out, fmt.Errorf("target: %w", e))
		}
	}
	return out
}

// joined lists the errors err joins (err alone when it joins none).
func joined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
