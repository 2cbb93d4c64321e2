package targets

import (
	"fmt"
	"maps"
	"net/url"
	"slices"

	"github.com/inferbench/inferbench/targets/targetspec"
)

// New builds the target a spec declares. getenv reads the API key from
// the variable the spec names; a key that is missing is an error naming
// the variable (loopback targets may go without). The spec is resolved
// first; pass a resolved one to avoid doing it twice.
func New(spec targetspec.Spec, getenv func(string) string) (Target, error) {
	r, err := spec.Resolve()
	if err != nil {
		return nil, err
	}
	cfg, err := configOf(r, getenv)
	if err != nil {
		return nil, err
	}
	cfg.HTTPClient = NewHTTPClientWith(HTTPOptions{ConnectTimeout: r.Timeouts.Connect, Insecure: r.Insecure})
	var t Target
	switch r.Protocol {
	case targetspec.ProtocolOpenAIChat:
		t, err = NewOpenAI(cfg)
	case targetspec.ProtocolOpenAICompletions:
		t, err = NewCompletions(cfg)
	case targetspec.ProtocolOpenAIResponses:
		t, err = NewResponses(cfg)
	case targetspec.ProtocolAnthropic:
		t, err = NewAnthropic(cfg)
	case targetspec.ProtocolGemini:
		t, err = NewGemini(cfg)
	}
	if err != nil {
		return nil, err
	}
	if r.Retries.Max > 0 {
		t = &Retry{Target: t, Max: r.Retries.Max, Backoff: r.Retries.Backoff, MaxBackoff: r.Retries.MaxBackoff}
	}
	return t, nil
}

// configOf is the target config of a resolved spec, with the key read
// through getenv. The HTTP client is left to the caller.
func configOf(r targetspec.Spec, getenv func(string) string) (Config, error) {
	p, _ := targetspec.LookupPreset(r.Preset)
	query := map[string]string{}
	maps.Copy(query, p.Query)
	cfg := Config{
		BaseURL: r.BaseURL, Model: r.Model, AuthHeader: p.AuthHeader,
		Name: r.Name, Kind: r.Kind, Provider: r.Provider,
		IncludeUsage: r.IncludeUsage, Temperature: r.Temperature,
		ExtraBody: r.ExtraBody, Headers: r.Headers, Query: query,
		CountTokenizer: r.CountTokenizer,
		Timeout:        r.Timeouts.Total, FirstTokenTimeout: r.Timeouts.FirstToken, IdleTimeout: r.Timeouts.Idle,
		StrictFields: r.StrictFields,
	}
	rules := r.Rules()
	cfg.MaxTokensField, cfg.NoSampling = rules.MaxTokensField, !rules.Sampling
	cfg.SystemMessage, cfg.Family = rules.SystemMessage, rules.Family
	cfg.NoStreamOptions = p.NoStreamOptions && (r.IncludeUsage == nil || !*r.IncludeUsage)
	if r.APIVersion != "" {
		cfg.Query["api-version"] = r.APIVersion
	}
	for _, f := range targetspec.EngineFields {
		if !slices.Contains(r.AllowFields, f) {
			cfg.DropFields = append(cfg.DropFields, f)
		}
	}
	if r.APIKeyEnv != "" {
		cfg.APIKey = getenv(r.APIKeyEnv)
		if cfg.APIKey == "" {
			u, _ := url.Parse(r.BaseURL)
			if u == nil || !targetspec.IsLoopback(u.Hostname()) {
				return Config{}, fmt.Errorf("target %s: $%s is not set: it must hold the API key for %s (or name another variable with api_key_env / --api-key-env)",
					r.Name, r.APIKeyEnv, hostOf(r.BaseURL))
			}
		}
	}
	return cfg, nil
}

func hostOf(base string) string {
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		return u.Host
	}
	return base
}
