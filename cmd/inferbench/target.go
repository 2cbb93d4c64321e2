package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
)

// targetFlags are the run flags that choose and tune the target: the base
// URL and model, a targets file, a preset, the protocol, retries and
// timeouts.
type targetFlags struct {
	baseURL, model    string
	apiKeyEnv         string
	targetName, kind  string
	provider          string
	temperature       optFloat
	noUsage           bool
	file, name        string
	preset, protocol  string
	retries           int
	insecure          bool
	connect, firstTok time.Duration
	idle              time.Duration
	set               map[string]bool // the flags given on the command line
}

func (f *targetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.baseURL, "base-url", "", "API base URL, including the version (/v1); optional with a --preset that has one")
	fs.StringVar(&f.model, "model", "", "model name sent in requests (required unless --targets gives it)")
	fs.StringVar(&f.apiKeyEnv, "api-key-env", "OPENAI_API_KEY", "environment variable holding the API key (the key is never written anywhere)")
	fs.StringVar(&f.targetName, "target-name", "", "name of the target in results and reports (default: the URL's host)")
	fs.StringVar(&f.kind, "kind", "", "target kind: api, managed or self-hosted (default self-hosted for loopback URLs, else api)")
	fs.StringVar(&f.provider, "provider", "", "provider label, e.g. openai, together, vllm")
	fs.Var(&f.temperature, "temperature", "sampling temperature sent with every request (0 is sent as 0)")
	fs.BoolVar(&f.noUsage, "no-usage", false, "do not send stream_options.include_usage (for servers that reject it)")
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
// preset, --base-url and --model are required.
func (f *targetFlags) validate() []error {
	var errs []error
	if f.file == "" {
		if f.name != "" {
			errs = append(errs, errors.New("--target needs --targets FILE"))
		}
		if f.baseURL == "" && f.preset == "" {
			errs = append(errs, errors.New("--base-url is required (or give --preset, or --targets FILE)"))
		}
		if f.model == "" {
			errs = append(errs, errors.New("--model is required"))
		}
	} else if f.preset != "" {
		errs = append(errs, errors.New("--preset does not go with --targets: set preset: in the file"))
	}
	if f.baseURL != "" {
		if u, err := url.Parse(f.baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--base-url %q: want http(s)://host[:port]/v1", results.RedactURL(f.baseURL)))
		}
	}
	switch f.kind {
	case "", targets.KindAPI, targets.KindManaged, targets.KindSelfHosted:
	default:
		errs = append(errs, fmt.Errorf("--kind %q: want api, managed or self-hosted", f.kind))
	}
	if f.retries < 0 || f.connect < 0 || f.firstTok < 0 || f.idle < 0 {
		errs = append(errs, errors.New("--retries and the timeouts must not be negative"))
	}
	return errs
}

// build resolves the target from the targets file and the flags (a flag
// given on the command line wins over the file), builds it into p with
// its identity and the telemetry endpoints the file names, and returns the
// resolved spec. Keys come from the environment only; a missing one is an
// error naming the variable, before anything is sent.
func (f *targetFlags) build(e *env, p *bench.Plan) (targets.Spec, error) {
	spec, err := f.fileSpec()
	if err != nil {
		return spec, err
	}
	// Without a file every flag counts; with one, only those given.
	given := func(name string) bool { return f.file == "" || f.set[name] }
	if f.file == "" {
		spec.Preset = f.preset
	}
	for _, s := range []struct {
		flag     string
		dst, src *string
	}{{"protocol", &spec.Protocol, &f.protocol}, {"base-url", &spec.BaseURL, &f.baseURL}, {"model", &spec.Model, &f.model},
		{"kind", &spec.Kind, &f.kind}, {"provider", &spec.Provider, &f.provider}, {"target-name", &spec.Name, &f.targetName}} {
		if given(s.flag) && *s.src != "" {
			*s.dst = *s.src
		}
	}
	// --api-key-env defaults to OPENAI_API_KEY for a bare URL; a preset
	// or the file names its own unless the flag is given.
	if f.set["api-key-env"] || (f.file == "" && f.preset == "") {
		spec.APIKeyEnv = f.apiKeyEnv
	}
	if spec.Name == "" && f.file == "" && f.preset == "" {
		if u, err := url.Parse(f.baseURL); err == nil {
			spec.Name = u.Host
		}
	}
	if f.temperature.set {
		t := f.temperature.v
		spec.Temperature = &t
	}
	if f.noUsage {
		no := false
		spec.IncludeUsage = &no
	}
	if given("timeout") || spec.Timeouts.Total == 0 {
		spec.Timeouts.Total = p.Load.RequestTimeout
	}
	for _, d := range []struct {
		flag     string
		dst, src *time.Duration
	}{{"connect-timeout", &spec.Timeouts.Connect, &f.connect}, {"first-token-timeout", &spec.Timeouts.FirstToken, &f.firstTok},
		{"idle-timeout", &spec.Timeouts.Idle, &f.idle}} {
		if given(d.flag) {
			*d.dst = *d.src
		}
	}
	if given("retries") { // --retries 0 turns a file's retries off
		spec.Retries.Max = f.retries
	}
	spec.Insecure = spec.Insecure || f.insecure

	r, err := spec.Resolve()
	if err != nil {
		return r, fmt.Errorf("%s: %w", f.where(spec.Name), err)
	}
	if p.Target, err = targets.New(r, e.getenv); err != nil {
		return r, err
	}
	p.TargetInfo = r.Info()
	p.Load.RequestTimeout = r.Timeouts.Total
	// The target's telemetry endpoints, where the flags name none.
	tm := r.Telemetry
	p.Telemetry.GPUMetricsURL = cmp.Or(p.Telemetry.GPUMetricsURL, tm.GPUMetrics)
	p.Telemetry.ServerMetricsURL = cmp.Or(p.Telemetry.ServerMetricsURL, tm.ServerMetrics)
	p.Telemetry.NVML = p.Telemetry.NVML || tm.NVML
	return r, nil
}

// fileSpec is the spec --targets and --target pick (the zero spec
// without a file).
func (f *targetFlags) fileSpec() (targets.Spec, error) {
	if f.file == "" {
		return targets.Spec{}, nil
	}
	specs, err := targets.LoadFile(f.file)
	if err != nil {
		return targets.Spec{}, err
	}
	switch {
	case f.name != "":
		s, err := targets.FindSpec(specs, f.name)
		if err != nil {
			return s, fmt.Errorf("--target: %s: %w", f.file, err)
		}
		return s, nil
	case len(specs) == 1:
		return specs[0], nil
	}
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return targets.Spec{}, fmt.Errorf("--target NAME is required: %s declares %s", f.file, strings.Join(names, ", "))
}

// where names the target in errors: the file and the target's name, or
// just "target".
func (f *targetFlags) where(name string) string {
	if f.file == "" {
		return "target"
	}
	return f.file + ": target " + name
}
