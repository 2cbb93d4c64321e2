package targets

import (
	"net/url"

	"github.com/inferbench/inferbench/results"
)

// Info is what a run's manifest and records say about a resolved spec's
// target: never a secret (the key's variable, not the key; the base URL
// without user info or query, which may carry keys).
func (s Spec) Info() results.TargetInfo {
	base := s.BaseURL
	if u, err := url.Parse(s.BaseURL); err == nil {
		c := *u
		c.User, c.RawQuery = nil, ""
		base = c.String()
	}
	return results.TargetInfo{Name: s.Name, Kind: s.Kind, Provider: s.Provider, Protocol: s.Protocol,
		BaseURL: base, Model: s.Model, APIKeyEnv: s.APIKeyEnv}
}
