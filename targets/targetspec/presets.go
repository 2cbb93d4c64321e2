package targetspec

import (
	"slices"
	"sort"
)

// Wire protocols, as Spec.Protocol and the manifest's target.protocol name
// them.
const (
	ProtocolOpenAIChat        = "openai-chat"        // /chat/completions
	ProtocolOpenAICompletions = "openai-completions" // legacy /completions
	ProtocolOpenAIResponses   = "openai-responses"   // /responses
	ProtocolAnthropic         = "anthropic-messages" // /messages
	ProtocolGemini            = "gemini"             // models/M:streamGenerateContent?alt=sse
)

// Protocols lists every protocol name.
var Protocols = []string{ProtocolOpenAIChat, ProtocolOpenAICompletions, ProtocolOpenAIResponses, ProtocolAnthropic, ProtocolGemini}

// Target kinds (results.Record.TargetKind).
const (
	KindAPI        = "api"
	KindManaged    = "managed"
	KindSelfHosted = "self-hosted"
)

// EngineFields are request body fields only inference engines accept:
// hosted APIs reject them (or worse, ignore them silently, which changes
// what is measured). They are sent only where the preset or the target's
// allow_fields allows them; continuous_usage_stats is checked inside
// stream_options.
var EngineFields = []string{"ignore_eos", "min_tokens", "continuous_usage_stats"}

// Preset is a provider or engine: the defaults a target of that name gets.
type Preset struct {
	Name     string
	Protocol string
	// BaseURL is the default API root; "" means the target must give one
	// (Azure's is per resource and deployment).
	BaseURL    string
	Kind       string
	Provider   string
	AuthHeader string // "" = Authorization: Bearer
	APIKeyEnv  string // "" = no key (engines)
	Headers    map[string]string
	Query      map[string]string
	// AllowFields are the EngineFields the preset accepts.
	AllowFields []string
	// NoStreamOptions: the host rejects stream_options, so it is not sent
	// (neither include_usage nor a workload's own) unless the target sets
	// include_usage: true.
	NoStreamOptions bool
	// Note is one line for the presets table.
	Note string
}

// presets by name. Engines listen on their documented default ports on
// loopback.
var presets = map[string]Preset{
	"openai": {Protocol: ProtocolOpenAIChat, BaseURL: "https://api.openai.com/v1", Kind: KindAPI,
		APIKeyEnv: "OPENAI_API_KEY", Note: "chat completions; set protocol: openai-responses for /v1/responses"},
	"azure-openai": {Protocol: ProtocolOpenAIChat, Kind: KindAPI, AuthHeader: "api-key",
		APIKeyEnv: "AZURE_OPENAI_API_KEY", Query: map[string]string{"api-version": DefaultAzureAPIVersion},
		Note: "base_url https://RESOURCE.openai.azure.com/openai/deployments/DEPLOYMENT; api_version"},
	"anthropic": {Protocol: ProtocolAnthropic, BaseURL: "https://api.anthropic.com/v1", Kind: KindAPI,
		AuthHeader: "x-api-key", APIKeyEnv: "ANTHROPIC_API_KEY",
		Headers: map[string]string{"anthropic-version": AnthropicVersion}},
	"google": {Protocol: ProtocolGemini, BaseURL: "https://generativelanguage.googleapis.com/v1beta", Kind: KindAPI,
		AuthHeader: "x-goog-api-key", APIKeyEnv: "GEMINI_API_KEY", Note: "Google AI Studio"},
	"together": {Protocol: ProtocolOpenAIChat, BaseURL: "https://api.together.xyz/v1", Kind: KindManaged,
		APIKeyEnv: "TOGETHER_API_KEY"},
	"groq": {Protocol: ProtocolOpenAIChat, BaseURL: "https://api.groq.com/openai/v1", Kind: KindManaged,
		APIKeyEnv: "GROQ_API_KEY"},
	"fireworks": {Protocol: ProtocolOpenAIChat, BaseURL: "https://api.fireworks.ai/inference/v1", Kind: KindManaged,
		APIKeyEnv: "FIREWORKS_API_KEY", NoStreamOptions: true,
		Note: "no stream_options: the API rejects unknown fields and sends usage in its last chunk anyway"},
	"deepinfra": {Protocol: ProtocolOpenAIChat, BaseURL: "https://api.deepinfra.com/v1/openai", Kind: KindManaged,
		APIKeyEnv: "DEEPINFRA_API_KEY"},
	"openrouter": {Protocol: ProtocolOpenAIChat, BaseURL: "https://openrouter.ai/api/v1", Kind: KindManaged,
		APIKeyEnv: "OPENROUTER_API_KEY"},
	"vllm": {Protocol: ProtocolOpenAIChat, BaseURL: "http://127.0.0.1:8000/v1", Kind: KindSelfHosted,
		AllowFields: []string{"ignore_eos", "min_tokens", "continuous_usage_stats"}},
	"sglang": {Protocol: ProtocolOpenAIChat, BaseURL: "http://127.0.0.1:30000/v1", Kind: KindSelfHosted,
		AllowFields: []string{"ignore_eos", "min_tokens"}},
	"tgi": {Protocol: ProtocolOpenAIChat, BaseURL: "http://127.0.0.1:8080/v1", Kind: KindSelfHosted,
		Note: "Messages API"},
	"llamacpp": {Protocol: ProtocolOpenAIChat, BaseURL: "http://127.0.0.1:8080/v1", Kind: KindSelfHosted,
		Note: "llama.cpp server"},
	"ollama": {Protocol: ProtocolOpenAIChat, BaseURL: "http://127.0.0.1:11434/v1", Kind: KindSelfHosted,
		Note: "zeroed usage on every chunk; the last non-zero one counts"},
}

// DefaultAzureAPIVersion is the api-version the azure-openai preset sends
// unless the target sets api_version.
const DefaultAzureAPIVersion = "2024-10-21"

func init() {
	for name, p := range presets {
		p.Name = name
		if p.Provider == "" {
			p.Provider = name
		}
		presets[name] = p
	}
}

// LookupPreset returns the preset of that name.
func LookupPreset(name string) (Preset, bool) {
	p, ok := presets[name]
	return p, ok
}

// Presets returns every preset, sorted by name.
func Presets() []Preset {
	out := make([]Preset, 0, len(presets))
	for _, p := range presets {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PresetNames returns the preset names, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
