package targetspec

import (
	"github.com/inferbench/inferbench/results"
)

// Info is what a run's manifest and records say about a resolved spec's
// target: never a secret (the key's variable, not the key; the base URL
// redacted by results.RedactURL: no user info, query values or fragment,
// which may carry keys).
func (s Spec) Info() results.TargetInfo {
	return results.TargetInfo{Name: s.Name, Kind: s.Kind, Provider: s.Provider, Protocol: s.Protocol,
		BaseURL: results.RedactURL(s.BaseURL), Model: s.Model, APIKeyEnv: s.APIKeyEnv}
}
