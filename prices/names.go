package prices

import (
	"sort"
	"strings"

	"github.com/inferbench/inferbench/internal/suggest"
)

// providerAliases maps the names other tools and SDKs use for a provider
// (LiteLLM's together_ai, genai-prices' aws, ...) to the catalogue's name.
var providerAliases = map[string]string{
	"together_ai":      "together",
	"togetherai":       "together",
	"together-ai":      "together",
	"fireworks_ai":     "fireworks",
	"fireworks-ai":     "fireworks",
	"fireworksai":      "fireworks",
	"lambda_ai":        "lambda",
	"lambda-ai":        "lambda",
	"lambdalabs":       "lambda",
	"gemini":           "google",
	"google-ai-studio": "google",
	"google_ai_studio": "google",
	"googleai":         "google",
	"aistudio":         "google",
	"aws":              "bedrock",
	"aws-bedrock":      "bedrock",
	"aws_bedrock":      "bedrock",
	"amazon-bedrock":   "bedrock",
	"azure_openai":     "azure",
	"azure-openai":     "azure",
	"azureopenai":      "azure",
	"xai":              "x-ai",
	"x_ai":             "x-ai",
	"mistralai":        "mistral",
	"moonshot":         "moonshotai",
	"deep-infra":       "deepinfra",
	"deep_infra":       "deepinfra",
	"nebius_ai":        "nebius",
	"nebius-ai":        "nebius",
}

// CanonicalProvider returns the catalogue's name for a provider: lower
// case, trimmed, aliases resolved (together_ai -> together).
func CanonicalProvider(name string) string {
	p := strings.ToLower(strings.TrimSpace(name))
	if c, ok := providerAliases[p]; ok {
		return c
	}
	return p
}

// modelPrefixes are request-path decorations that name the same model:
// the Gemini API's "models/" and Fireworks' account path.
var modelPrefixes = []string{"models/", "accounts/fireworks/models/"}

// modelKey is the normal form of a model name used when no exact name
// matches: lower case, known prefixes removed, and then, repeatedly, the
// version decorations that do not change a model's price: dated snapshots
// (gpt-4o-2024-08-06, claude-sonnet-4-20250514, @20250514), -latest, and
// Gemini's -001 style revision numbers.
func modelKey(model string) string {
	m := strings.ToLower(strings.TrimSpace(model))
	for _, p := range modelPrefixes {
		m = strings.TrimPrefix(m, p)
	}
	for {
		s := trimSnapshot(m)
		if s == m || s == "" {
			return m
		}
		m = s
	}
}

// trimSnapshot removes one snapshot suffix from m, if it has one. It is
// written out rather than a regexp because it runs for every name and
// alias when a catalogue is built.
func trimSnapshot(m string) string {
	if s, ok := strings.CutSuffix(m, "-latest"); ok {
		return s
	}
	sep := func(i int) bool { return i >= 0 && (m[i] == '-' || m[i] == '@' || m[i] == '_') }
	n := len(m)
	// -YYYY-MM-DD
	if n > 11 && sep(n-11) && m[n-3] == '-' && m[n-6] == '-' && isSnapshotDate(m[n-10:n-6]+m[n-5:n-3]+m[n-2:]) {
		return m[:n-11]
	}
	// -YYYYMMDD
	if n > 9 && sep(n-9) && isSnapshotDate(m[n-8:]) {
		return m[:n-9]
	}
	// -NNN revision
	if n > 4 && m[n-4] == '-' && allDigits(m[n-3:]) {
		return m[:n-4]
	}
	return m
}

// isSnapshotDate reports whether s is YYYYMMDD of this century (20YY, a
// month 0x-1x, a day 0x-3x): the shape of snapshot dates.
func isSnapshotDate(s string) bool {
	return len(s) == 8 && allDigits(s) && s[:2] == "20" && s[4] <= '1' && s[6] <= '3'
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// gpuAliases maps common short names of GPU types to the catalogue's
// normalised names. Keys are compared after gpuKey.
var gpuAliases = map[string]string{
	"H100":           "H100-SXM-80GB",
	"H100-80GB":      "H100-SXM-80GB",
	"H100-SXM":       "H100-SXM-80GB",
	"H100-SXM5":      "H100-SXM-80GB",
	"H100-SXM5-80GB": "H100-SXM-80GB",
	"H100-PCIE":      "H100-PCIe-80GB",
	"H100-NVL":       "H100-NVL-94GB",
	"H200":           "H200-141GB",
	"H200-SXM":       "H200-141GB",
	"H200-SXM-141GB": "H200-141GB",
	"A100":           "A100-SXM-80GB",
	"A100-80GB":      "A100-SXM-80GB",
	"A100-SXM":       "A100-SXM-80GB",
	"A100-SXM4-80GB": "A100-SXM-80GB",
	"A100-40GB":      "A100-SXM-40GB",
	"A100-SXM4-40GB": "A100-SXM-40GB",
	"A100-PCIE":      "A100-PCIe-80GB",
	"L4":             "L4-24GB",
	"L40S":           "L40S-48GB",
	"B200":           "B200-180GB",
	"GH200":          "GH200-96GB",
	"A10":            "A10-24GB",
	"RTX4090":        "RTX4090-24GB",
	"RTX-4090":       "RTX4090-24GB",
	"4090":           "RTX4090-24GB",
}

// gpuKey is the normal form of a GPU type for comparison: upper case,
// spaces and underscores as dashes, no NVIDIA prefix.
func gpuKey(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.NewReplacer(" ", "-", "_", "-").Replace(s)
	s = strings.TrimPrefix(s, "NVIDIA-")
	return s
}

// nearMatches returns up to n of names closest to query: names containing
// it (or contained in it) first, then by edit distance, for "did you mean"
// lists in errors.
func nearMatches(query string, names []string, n int) []string {
	q := strings.ToLower(query)
	type scored struct {
		name  string
		score int
	}
	var c []scored
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		l := strings.ToLower(name)
		d := suggest.Distance(q, l)
		if strings.Contains(l, q) || strings.Contains(q, l) {
			// Containment ranks first, the closest in length first.
			c = append(c, scored{name, max(len(l)-len(q), len(q)-len(l)) - 1000})
			continue
		}
		if d <= max(3, len(q)/3) {
			c = append(c, scored{name, d})
		}
	}
	sort.SliceStable(c, func(i, j int) bool {
		if c[i].score != c[j].score {
			return c[i].score < c[j].score
		}
		return c[i].name < c[j].name
	})
	var out []string
	for i := 0; i < len(c) && i < n; i++ {
		out = append(out, c[i].name)
	}
	return out
}

// CanonicalGPU returns the catalogue's normalised name of a GPU type:
// short names resolved (H100 -> H100-SXM-80GB, A100-80GB -> A100-SXM-80GB,
// L4 -> L4-24GB); names it does not know are returned trimmed.
func CanonicalGPU(name string) string { return canonicalGPUName(name) }
