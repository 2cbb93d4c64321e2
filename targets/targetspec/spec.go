package targetspec

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// Spec declares a target: one entry of a targets file, or the run flags.
// A preset fills every field the spec leaves empty; the zero value of
// every other field is its documented default.
type Spec struct {
	// Name names the target in results and reports (default: the preset,
	// else the base URL's host).
	Name string `yaml:"name"`
	// Preset is a provider or engine name (see Presets).
	Preset string `yaml:"preset"`
	// Protocol overrides the preset's wire protocol (see Protocols;
	// default openai-chat).
	Protocol string `yaml:"protocol"`
	// BaseURL is the API root including the version; optional when the
	// preset has one.
	BaseURL string `yaml:"base_url"`
	Model   string `yaml:"model"`
	// APIKeyEnv names the environment variable holding the key (default:
	// the preset's; engines need none). The key is read from the
	// environment only, and never written anywhere.
	APIKeyEnv string `yaml:"api_key_env"`
	// APIVersion is Azure OpenAI's api-version query parameter.
	APIVersion string `yaml:"api_version"`
	// Kind is api, managed or self-hosted (default: the preset's, else
	// self-hosted on loopback and api elsewhere).
	Kind     string `yaml:"kind"`
	Provider string `yaml:"provider"`
	// Headers are sent with every request, over the preset's.
	Headers map[string]string `yaml:"headers"`
	// ExtraBody fields are merged into every request body.
	ExtraBody map[string]any `yaml:"extra_body"`
	// AllowFields lets EngineFields through beyond the preset's.
	AllowFields []string `yaml:"allow_fields"`
	Temperature *float64 `yaml:"temperature"`
	// MaxTokensField is the field OpenAI chat sends the token limit as:
	// max_tokens or max_completion_tokens (default: the model family's
	// rule, else the field the workload's request used, else max_tokens).
	MaxTokensField string `yaml:"max_tokens_field"`
	// Sampling false sends no sampling fields (SamplingFields); true
	// sends them where the model family's rule would not (default: the
	// family's, else true).
	Sampling *bool `yaml:"sampling"`
	// SystemMessage is how system messages are sent: system, developer,
	// or user (folded into the first user message) (default: the
	// family's, else system).
	SystemMessage string `yaml:"system_message"`
	// StrictFields refuses a run whose workload carries fields this
	// target would not send (Check), instead of sending the requests
	// without them.
	StrictFields bool `yaml:"strict_fields"`
	// IncludeUsage sends stream_options.include_usage (default true,
	// except on presets whose host rejects stream_options; OpenAI chat and
	// completions).
	IncludeUsage *bool `yaml:"include_usage"`
	// CountTokenizer counts the output of a stream without usage from its
	// text (Config.CountTokenizer; default cl100k_base, "none" to count
	// content events).
	CountTokenizer string `yaml:"count_tokenizer"`
	// Insecure turns TLS certificate verification off.
	Insecure bool        `yaml:"insecure"`
	Timeouts TimeoutSpec `yaml:"timeouts"`
	Retries  RetrySpec   `yaml:"retries"`
	// Price is the target's own price (prices.Spec: explicit per-token
	// or GPU-hour prices, GPUs priced from the catalogue, or a catalogue
	// entry by another provider/model); nil means the catalogue's entry
	// for the target's provider and model.
	Price     *prices.Spec  `yaml:"price"`
	Telemetry TelemetrySpec `yaml:"telemetry"`
}

// TimeoutSpec are a target's timeouts; 0 means none, except Total, which
// the command line defaults.
type TimeoutSpec struct {
	Connect    time.Duration `yaml:"connect"`     // dialing, TLS included
	FirstToken time.Duration `yaml:"first_token"` // send to first content or reasoning
	Idle       time.Duration `yaml:"idle"`        // silence between reads after the first token
	Total      time.Duration `yaml:"total"`       // send to end of stream
}

// RetrySpec turns retries on (Max > 0); see Retry.
type RetrySpec struct {
	Max        int           `yaml:"max"`
	Backoff    time.Duration `yaml:"backoff"`
	MaxBackoff time.Duration `yaml:"max_backoff"`
}

// TelemetrySpec says what to sample alongside the run.
type TelemetrySpec struct {
	NVML          bool   `yaml:"nvml"`           // local GPUs through NVML
	GPUMetrics    string `yaml:"gpu_metrics"`    // a DCGM exporter's /metrics URL
	ServerMetrics string `yaml:"server_metrics"` // the engine's /metrics URL
}

// Bounds of a spec's numbers (Resolve): what every provider accepts, with
// room; beyond them a value is a typo.
const (
	// MaxTimeout bounds each timeout and retry backoff.
	MaxTimeout = 24 * time.Hour
	// MaxRetries bounds the retries of one request.
	MaxRetries = 100
)

// FieldError is a problem with one field of a spec; Field is its YAML
// key path (e.g. "timeouts.idle"), so a targets file can say the line.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}

// Resolve applies the preset's defaults and checks the spec, reporting
// every problem at once (as FieldErrors).
func (s Spec) Resolve() (Spec, error) {
	var errs []error
	var p Preset
	if s.Preset != "" {
		var ok bool
		if p, ok = LookupPreset(s.Preset); !ok {
			errs = append(errs, fieldErr("preset", "unknown preset %q (known: %s)", s.Preset, strings.Join(PresetNames(), ", ")))
		}
	}
	r := s
	r.Protocol = cmp.Or(s.Protocol, p.Protocol, ProtocolOpenAIChat)
	r.BaseURL = cmp.Or(s.BaseURL, p.BaseURL)
	r.Provider = cmp.Or(s.Provider, p.Provider)
	r.APIKeyEnv = cmp.Or(s.APIKeyEnv, p.APIKeyEnv)
	r.Headers = mergeMaps(p.Headers, s.Headers)
	for _, f := range p.AllowFields {
		if !slices.Contains(r.AllowFields, f) {
			r.AllowFields = append(r.AllowFields, f)
		}
	}
	if !slices.Contains(Protocols, r.Protocol) {
		errs = append(errs, fieldErr("protocol", "unknown protocol %q (known: %s)", r.Protocol, strings.Join(Protocols, ", ")))
	}
	var host string
	switch {
	case r.BaseURL == "" && p.Name != "":
		errs = append(errs, fieldErr("base_url", "required: preset %s has no default base URL", s.Preset))
	case r.BaseURL == "" && s.Preset == "":
		errs = append(errs, fieldErr("base_url", "required (or give a preset)"))
	case r.BaseURL == "":
	default:
		if u, err := url.Parse(r.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fieldErr("base_url", "%q: want http(s)://host[:port]/path", results.RedactURL(r.BaseURL)))
		} else {
			host = u.Hostname()
			if u.User != nil {
				errs = append(errs, fieldErr("base_url", "must not carry user info: keys come from api_key_env"))
			}
		}
	}
	r.Kind = cmp.Or(s.Kind, p.Kind)
	if r.Kind == "" {
		r.Kind = KindAPI
		if IsLoopback(host) {
			r.Kind = KindSelfHosted
		}
	}
	switch r.Kind {
	case KindAPI, KindManaged, KindSelfHosted:
	default:
		errs = append(errs, fieldErr("kind", "%q: want api, managed or self-hosted", r.Kind))
	}
	if r.Name == "" {
		r.Name = cmp.Or(s.Preset, host)
	}
	if r.Model == "" {
		errs = append(errs, fieldErr("model", "required"))
	}
	if r.APIVersion != "" && s.Preset != "azure-openai" {
		errs = append(errs, fieldErr("api_version", "only the azure-openai preset takes an api_version"))
	}
	if r.MaxTokensField != "" && CheckMaxTokensField(r.MaxTokensField) != nil {
		errs = append(errs, fieldErr("max_tokens_field", "%q: want max_tokens or max_completion_tokens", r.MaxTokensField))
	}
	if CheckSystemMessage(r.SystemMessage) != nil {
		errs = append(errs, fieldErr("system_message", "%q: want system, developer or user", r.SystemMessage))
	}
	errs = append(errs, r.samplingConflicts()...)
	if err := CheckCountTokenizer(r.CountTokenizer); err != nil {
		errs = append(errs, &FieldError{Field: "count_tokenizer", Err: err})
	}
	for _, f := range r.AllowFields {
		if !slices.Contains(EngineFields, f) {
			errs = append(errs, fieldErr("allow_fields", "%q is not an engine-only field (those are %s); other fields need no allowing",
				f, strings.Join(EngineFields, ", ")))
		}
	}
	for _, f := range r.engineFieldsSent() {
		if !slices.Contains(r.AllowFields, f) {
			errs = append(errs, fieldErr("extra_body", "%s is an engine-only field that %s does not accept; add it to allow_fields to send it anyway",
				f, cmp.Or(s.Preset, "this target")))
		}
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"timeouts.connect", r.Timeouts.Connect}, {"timeouts.first_token", r.Timeouts.FirstToken},
		{"timeouts.idle", r.Timeouts.Idle}, {"timeouts.total", r.Timeouts.Total},
		{"retries.backoff", r.Retries.Backoff}, {"retries.max_backoff", r.Retries.MaxBackoff}} {
		if d.v < 0 {
			errs = append(errs, fieldErr(d.key, "%v is negative", d.v))
		} else if d.v > MaxTimeout {
			errs = append(errs, fieldErr(d.key, "%v is over the %v a timeout or backoff may be", d.v, MaxTimeout))
		}
	}
	if r.Retries.Max < 0 || r.Retries.Max > MaxRetries {
		errs = append(errs, fieldErr("retries.max", "want 0 to %d retries, got %d", MaxRetries, r.Retries.Max))
	}
	if t := r.Temperature; t != nil && !(*t >= 0 && *t <= workloads.MaxTemperature) {
		errs = append(errs, fieldErr("temperature", "want 0 to %d, got %g", workloads.MaxTemperature, *t))
	}
	if pr := r.Price; pr != nil {
		v := func(p *float64) float64 {
			if p == nil {
				return 0
			}
			return *p
		}
		if pr.GPUs != nil && (pr.InputPer1M != nil || pr.OutputPer1M != nil) {
			errs = append(errs, fieldErr("price", "give per-token prices or gpus, not both"))
		}
		for _, x := range []*float64{pr.InputPer1M, pr.CachedInputPer1M, pr.CacheWritePer1M, pr.OutputPer1M, pr.USDPerGPUHour} {
			if err := prices.CheckPrice(v(x)); err != nil {
				errs = append(errs, fieldErr("price", "%v", err))
				break
			}
		}
		if g := pr.GPUs; g != nil && (g.Type == "" || g.Count <= 0) {
			errs = append(errs, fieldErr("price.gpus", "want type and count > 0"))
		}
	}
	return r, errors.Join(errs...)
}

// samplingConflicts are the sampling fields the spec itself sends
// (temperature, extra_body) that its model or its own settings refuse:
// with the model family's or the spec's sampling off, with Anthropic's
// extended thinking (temperature, top_k), or with a Responses reasoning
// effort other than none (temperature, top_p).
func (s *Spec) samplingConflicts() []error {
	rules := s.Rules()
	fields := SamplingFields
	var why string
	switch {
	case !rules.Sampling && s.Sampling == nil:
		f, _ := FamilyOf(s.Model)
		why = fmt.Sprintf("%s takes no sampling fields (model family %q: %s); remove it, or set sampling: true to send it anyway",
			s.Model, f.Name, f.Source)
	case !rules.Sampling:
		why = "sampling: false sends no sampling fields"
	case s.Protocol == ProtocolAnthropic:
		th := AnthropicThinkingOf(s.ExtraBody["thinking"])
		if th.Type == "" || th.Type == "disabled" {
			return nil
		}
		if th.Type == "enabled" && th.BudgetTokens < AnthropicMinThinkingBudget {
			return []error{fieldErr("extra_body", "thinking.budget_tokens %d is below Anthropic's minimum, %d (%s)",
				th.BudgetTokens, AnthropicMinThinkingBudget, AnthropicThinkingDocs)}
		}
		fields = []string{"temperature", "top_k"}
		why = "Anthropic takes no temperature or top_k with extended thinking (extra_body.thinking; " + AnthropicThinkingDocs + ")"
	case s.Protocol == ProtocolOpenAIResponses:
		effort := ReasoningEffort(s.ExtraBody["reasoning"])
		if effort == "" || effort == "none" {
			return nil
		}
		fields = []string{"temperature", "top_p"}
		why = "the Responses API takes no temperature or top_p with reasoning effort " + effort + " (extra_body.reasoning.effort)"
	default:
		return nil
	}
	var errs []error
	if s.Temperature != nil {
		errs = append(errs, fieldErr("temperature", "%s", why))
	}
	for _, f := range fields {
		if _, ok := s.ExtraBody[f]; ok {
			errs = append(errs, fieldErr("extra_body", "%s: %s", f, why))
		}
	}
	return errs
}

// engineFieldsSent lists the EngineFields that ExtraBody sends.
func (s *Spec) engineFieldsSent() []string {
	var out []string
	for _, f := range EngineFields {
		if _, ok := s.ExtraBody[f]; ok {
			out = append(out, f)
		}
	}
	if so, ok := s.ExtraBody["stream_options"].(map[string]any); ok {
		if _, ok := so["continuous_usage_stats"]; ok && !slices.Contains(out, "continuous_usage_stats") {
			out = append(out, "continuous_usage_stats")
		}
	}
	return out
}

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// mergeMaps is a copy of base with over's entries set over it (never
// nil).
func mergeMaps(base, over map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}
