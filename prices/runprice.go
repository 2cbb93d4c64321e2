package prices

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/inferbench/inferbench/results"
)

// RunQuery is everything a run's price is resolved from, highest
// precedence first: prices given outright (the command line's), the
// target's own price spec (a targets file's price:), and the catalogue
// entry of the target's provider and model.
type RunQuery struct {
	// Explicit are prices given outright: per token, or the hourly total of
	// all the target's GPUs. Source and CheckedAt cite them (Source
	// defaults to "command line"). The zero value gives none.
	Explicit results.Prices
	// Provider names the catalogue provider to price the target's model at
	// (default: Target's, else the target's own provider).
	Provider string
	// GPUs prices a self-hosted target by the hour from the catalogue
	// (default: Target's); with Explicit.GPUHourly, that total is used
	// instead and recorded with these GPUs.
	GPUs *GPUSpec
	// Target is the target's own price spec; nil for none. It applies
	// where Explicit gives no price, with all of Spec's keys: explicit
	// prices, a catalogue entry by provider and model, GPUs.
	Target *Spec
	// Kind, TargetProvider and TargetModel describe the target. A
	// self-hosted target, or one without a provider, is not looked up in
	// the catalogue unless something names an entry.
	Kind, TargetProvider, TargetModel string
}

// ErrUnpriced marks a ForRun miss that is not fatal: nothing named a
// catalogue entry, and the target's own provider and model have none (or
// a target priced per token has no provider), so the run goes on without
// a price (cost_usd 0). errors.Is finds it; the
// message is the catalogue's.
var ErrUnpriced = errors.New("no price for the run")

type unpriced struct{ err error }

func (u *unpriced) Error() string   { return u.err.Error() }
func (u *unpriced) Unwrap() []error { return []error{ErrUnpriced, u.err} }

// ForRun resolves a run's price into the snapshot its manifest keeps, the
// one RecordCost prices every request with. It returns nil and no error
// when the run has no price and needs none (a self-hosted target without
// GPUs or an hourly price), and nil and an error wrapping ErrUnpriced when
// a target priced per token (api, managed) has no price: the catalogue has
// no entry for it, or it has no provider to look one up at, and nothing
// asked for one.
func (c *Catalog) ForRun(q RunQuery) (*results.Prices, error) {
	ex := q.Explicit
	if err := CheckSnapshot(ex); err != nil {
		return nil, err // a negative or NaN price must not read as "none given"
	}
	perToken := ex.InputPer1M > 0 || ex.OutputPer1M > 0
	if perToken && ex.GPUHourly > 0 {
		return nil, errors.New("give per-token prices or a GPU-hour price, not both")
	}
	spec, named := q.spec()
	if spec == nil {
		if ex.GPUHourly > 0 { // an hourly total without GPUs: as given
			pr := ex
			pr.Source = cmp.Or(pr.Source, "command line")
			return &pr, nil
		}
		if q.Kind != "self-hosted" { // per-token priced, but nothing to look up
			return nil, &unpriced{fmt.Errorf("prices: %w for model %q: the %s target names no provider to look it up at", ErrNotFound, q.TargetModel, cmp.Or(q.Kind, "api"))}
		}
		return nil, nil
	}
	res, err := c.Resolve(*spec, q.TargetProvider, q.TargetModel)
	if err != nil {
		if !named && (errors.Is(err, ErrNotFound) || errors.Is(err, ErrAmbiguous)) {
			return nil, &unpriced{err}
		}
		return nil, err
	}
	if gp := res.GPU; gp != nil {
		pr := &results.Prices{GPUHourly: res.HourlyUSD, GPUType: gp.GPU, GPUCount: res.GPUCount, GPUOffer: gp.Offer,
			USDPerGPUHour: gp.USDPerGPUHour, Source: gp.Source, SourceURL: gp.SourceURL, CheckedAt: gp.CheckedAt}
		if spec.USDPerGPUHour != nil { // an explicit price names no catalogue offer
			pr.GPUOffer = spec.GPUs.Offer
		}
		return pr, nil
	}
	pr := Snapshot(*res.Token)
	if spec.InputPer1M != nil && spec.OutputPer1M != nil { // explicit prices name no catalogue entry
		pr.Provider, pr.Model = "", ""
	}
	return &pr, nil
}

// spec is the one price spec the query comes to, and whether it names a
// catalogue entry (a provider, a model or GPUs), which makes a catalogue
// miss an error; nil when there is nothing to resolve.
func (q RunQuery) spec() (*Spec, bool) {
	ex := q.Explicit
	opt := func(v float64) *float64 {
		if v == 0 {
			return nil
		}
		return &v
	}
	var s Spec
	explicit := ex.InputPer1M > 0 || ex.OutputPer1M > 0 || ex.CachedInputPer1M > 0 || ex.CacheWritePer1M > 0 || ex.GPUHourly > 0
	if q.Target != nil && !explicit {
		s = *q.Target
		s.Source = cmp.Or(s.Source, "targets file")
	} else {
		s = Spec{Source: cmp.Or(ex.Source, "command line"), CheckedAt: ex.CheckedAt,
			CachedInputPer1M: opt(ex.CachedInputPer1M), CacheWritePer1M: opt(ex.CacheWritePer1M)}
		if ex.InputPer1M > 0 || ex.OutputPer1M > 0 { // both, as given (an unset one is 0)
			s.InputPer1M, s.OutputPer1M = &ex.InputPer1M, &ex.OutputPer1M
		}
		if q.Target != nil {
			s.Provider, s.Model, s.GPUs = q.Target.Provider, q.Target.Model, q.Target.GPUs
		}
	}
	if q.Provider != "" {
		s.Provider = q.Provider
	}
	if q.GPUs != nil {
		s.GPUs = q.GPUs
	}
	if s.GPUs != nil && ex.GPUHourly > 0 && s.GPUs.Count > 0 { // an explicit total wins over the catalogue
		s.USDPerGPUHour = opt(ex.GPUHourly / float64(s.GPUs.Count))
	}
	named := s.Provider != "" || s.Model != "" || s.GPUs != nil
	switch {
	case s.GPUs != nil, s.InputPer1M != nil, s.OutputPer1M != nil, s.USDPerGPUHour != nil:
	case ex.GPUHourly > 0:
		return nil, false // an hourly total without GPUs needs no catalogue
	case named:
	case q.Kind == "self-hosted" || q.TargetProvider == "":
		return nil, false // self-hosted targets are priced by the GPU-hour
	}
	return &s, named
}
