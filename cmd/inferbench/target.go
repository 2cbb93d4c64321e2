package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
)

// targetFlags are the run flags that choose and tune the target beyond the
// base URL and model: a targets file, a preset, the protocol, retries and
// timeouts.
type targetFlags struct {
	file, name        string
	preset, protocol  string
	retries           int
	insecure          bool
	connect, firstTok time.Duration
	idle              time.Duration
	set               map[string]bool // the flags given on the command line
	resolvedProtocol  string          // for the manifest
}

func (f *targetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.file, "targets", "", "targets file (YAML) declaring targets; pick one with --target")
	fs.StringVar(&f.name, "target", "", "name of the target in --targets to run against")
	fs.StringVar(&f.preset, "preset", "", "provider or engine preset: "+strings.Join(targets.PresetNames(), ", "))
	fs.StringVar(&f.protocol, "protocol", "", "wire protocol: "+strings.Join(targets.Protocols, ", ")+" (default: the preset's, else openai-chat)")
	fs.IntVar(&f.retries, "retries", 0, "retry a request up to N times on 429, 5xx or connect errors, honouring Retry-After (default 0: off)")
	fs.BoolVar(&f.insecure, "insecure", false, "do not verify TLS certificates (self-signed engines only)")
	fs.DurationVar(&f.connect, "connect-timeout", 0, "timeout for dialing and the TLS handshake (0: none)")
	fs.DurationVar(&f.firstTok, "first-token-timeout", 0, "timeout from send to the first content or reasoning token (0: none)")
	fs.DurationVar(&f.idle, "idle-timeout", 0, "longest silence between chunks once the first token arrived (0: none)")
}

// validate checks the target flags; with neither a targets file nor a
// preset, --base-url and --model are required as before.
func (f *targetFlags) validate(p *runPlan) []error {
	var errs []error
	if f.file == "" {
		if f.name != "" {
			errs = append(errs, errors.New("--target needs --targets FILE"))
		}
		if p.baseURL == "" && f.preset == "" {
			errs = append(errs, errors.New("--base-url is required (or give --preset, or --targets FILE)"))
		}
		if p.model == "" {
			errs = append(errs, errors.New("--model is required"))
		}
	} else if f.preset != "" {
		errs = append(errs, errors.New("--preset does not go with --targets: set preset: in the file"))
	}
	if p.baseURL != "" {
		if u, err := url.Parse(p.baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--base-url %q: want http(s)://host[:port]/v1", p.baseURL))
		}
	}
	if f.retries < 0 || f.connect < 0 || f.firstTok < 0 || f.idle < 0 {
		errs = append(errs, errors.New("--retries and the timeouts must not be negative"))
	}
	return errs
}

// buildTarget resolves the target of a run from the targets file and the
// flags (a flag given on the command line wins over the file), builds it,
// and copies what the records and manifest say about it back onto p. Keys
// come from the environment only; a missing one is an error naming the
// variable, before anything is sent.
func buildTarget(e *env, p *runPlan) (targets.Target, error) {
	f := &p.tf
	var spec targets.Spec
	if f.file != "" {
		specs, err := targets.LoadFile(f.file)
		if err != nil {
			return nil, err
		}
		switch {
		case f.name != "":
			if spec, err = targets.FindSpec(specs, f.name); err != nil {
				return nil, fmt.Errorf("--target: %s: %w", f.file, err)
			}
		case len(specs) == 1:
			spec = specs[0]
		default:
			names := make([]string, len(specs))
			for i, s := range specs {
				names[i] = s.Name
			}
			return nil, fmt.Errorf("--target NAME is required: %s declares %s", f.file, strings.Join(names, ", "))
		}
	}
	// Without a file every flag counts; with one, only those given.
	given := func(name string) bool { return f.file == "" || f.set[name] }
	if f.file == "" {
		spec.Preset = f.preset
	}
	if given("protocol") && f.protocol != "" {
		spec.Protocol = f.protocol
	}
	if given("base-url") && p.baseURL != "" {
		spec.BaseURL = p.baseURL
	}
	if given("model") && p.model != "" {
		spec.Model = p.model
	}
	// --api-key-env defaults to OPENAI_API_KEY for a bare URL; a preset
	// or the file names its own unless the flag is given.
	if f.set["api-key-env"] || (f.file == "" && f.preset == "") {
		spec.APIKeyEnv = p.apiKeyEnv
	}
	if given("kind") && p.kind != "" {
		spec.Kind = p.kind
	}
	if given("provider") && p.provider != "" {
		spec.Provider = p.provider
	}
	if given("target-name") && p.targetName != "" {
		spec.Name = p.targetName
	}
	if spec.Name == "" && f.file == "" && f.preset == "" {
		if u, err := url.Parse(p.baseURL); err == nil {
			spec.Name = u.Host
		}
	}
	if p.temperature.set {
		t := p.temperature.v
		spec.Temperature = &t
	}
	if p.noUsage {
		no := false
		spec.IncludeUsage = &no
	}
	if given("timeout") || spec.Timeouts.Total == 0 {
		spec.Timeouts.Total = p.timeout
	}
	if given("connect-timeout") {
		spec.Timeouts.Connect = f.connect
	}
	if given("first-token-timeout") {
		spec.Timeouts.FirstToken = f.firstTok
	}
	if given("idle-timeout") {
		spec.Timeouts.Idle = f.idle
	}
	if given("retries") { // --retries 0 turns a file's retries off
		spec.Retries.Max = f.retries
	}
	spec.Insecure = spec.Insecure || f.insecure

	r, err := spec.Resolve()
	if err != nil {
		where := "target"
		if f.file != "" {
			where = f.file + ": target " + spec.Name
		}
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	t, err := targets.New(r, e.getenv)
	if err != nil {
		return nil, err
	}
	p.targetName, p.kind, p.provider = r.Name, r.Kind, r.Provider
	p.model, p.baseURL, p.apiKeyEnv = r.Model, r.BaseURL, r.APIKeyEnv
	f.resolvedProtocol = r.Protocol
	if r.Price != nil {
		applySpecPrice(p, r.Price)
	}
	// The target's telemetry endpoints, where the flags name none.
	{
		tm := r.Telemetry
		p.gpuMetrics = cmp.Or(p.gpuMetrics, tm.GPUMetrics)
		p.serverMetrics = cmp.Or(p.serverMetrics, tm.ServerMetrics)
		p.nvml = p.nvml || tm.NVML
	}
	return t, nil
}

// applySpecPrice hands a target's own price to the price resolution
// (resolveRunPrices) as if given by flags, where the flags gave none:
// explicit per-token or GPU-hour prices, GPUs priced from the catalogue
// by type, count and offer, or another catalogue entry's provider.
func applySpecPrice(p *runPlan, ps *prices.Spec) {
	v := func(x *float64) float64 {
		if x == nil {
			return 0
		}
		return *x
	}
	if p.prices == (results.Prices{}) {
		pr := results.Prices{InputPer1M: v(ps.InputPer1M), CachedInputPer1M: v(ps.CachedInputPer1M), OutputPer1M: v(ps.OutputPer1M)}
		if h := v(ps.USDPerGPUHour); h > 0 {
			n := 1
			if ps.GPUs != nil && ps.GPUs.Count > 0 {
				n = ps.GPUs.Count
			}
			pr.GPUHourly = h * float64(n)
		}
		if pr != (results.Prices{}) {
			pr.Source = cmp.Or(ps.Source, "targets file")
			pr.CheckedAt = ps.CheckedAt
			p.prices = pr
		}
	}
	if g := ps.GPUs; g != nil && p.priceFlags.gpus.gpuType == "" {
		p.priceFlags.gpus = gpuFlag{gpuType: g.Type, count: g.Count, offer: g.Offer}
	}
	if p.priceFlags.provider == "" && ps.Provider != "" {
		p.priceFlags.provider = ps.Provider
	}
}
