// Package prices is inferbench's price catalogue: dated, cited per-token
// prices of hosted models (USD per 1M input, cached input, cache write and
// output tokens, with long-context tiers) and per-GPU-hour prices of GPU
// offers for self-hosted targets, shipped inside the binary and
// overridable by the user.
//
// The shipped data lives in data/*.csv, generated from public price
// tables by internal/gencatalog (see data/README.md for sources and
// licences). Prices change: every entry carries the day it was checked and
// its source, and a run writes the entry it used into its manifest.
//
// It owns the three facts every price figure rests on: the catalogue,
// the resolution of a run's price into the snapshot its manifest keeps
// (Catalog.ForRun: explicit prices, the target's own price spec, the
// catalogue), and the cost of one request under that snapshot
// (RecordCost), which the runner stamps as cost_usd and reports sum.
//
// It imports only the standard library and results (whose price snapshot
// it converts), so any part of the tool can price a request.
package prices

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:generate go run ./internal/gencatalog -src ../../shared/data/prices -asof 2026-11-26 -out data

//go:embed data/tokens.csv data/gpus.csv
var shipped embed.FS

// ErrNotFound is returned (wrapped) by Lookup and GPU when the catalogue
// has no matching price.
var ErrNotFound = errors.New("no price in the catalogue")

// ErrAmbiguous is returned (wrapped) when a name matches entries of more
// than one provider or offer and the caller must say which.
var ErrAmbiguous = errors.New("ambiguous price name")

// Catalog is an immutable set of prices with name lookup. Build one with
// New, Default or (*Catalog).With; it is safe for concurrent use.
type Catalog struct {
	tokens []TokenPrice
	gpus   []GPUPrice
	// exact maps provider -> lower-case model name or alias -> index;
	// norm maps provider -> modelKey(name) -> index, for snapshot names.
	exact, norm map[string]map[string]int
	// offers maps gpuKey(type) -> lower-case offer or alias -> index.
	offers map[string]map[string]int
}

// Entry is one search result: a per-token price or a GPU-hour price.
type Entry struct {
	Token *TokenPrice `json:"token,omitempty"`
	GPU   *GPUPrice   `json:"gpu,omitempty"`
}

var defaultCatalog = sync.OnceValue(func() *Catalog {
	c, err := load(shipped)
	if err != nil {
		// The shipped files are tested; failing here means a broken build.
		panic(fmt.Sprintf("prices: shipped catalogue: %v", err))
	}
	return c
})

// Default returns the catalogue shipped in the binary.
func Default() *Catalog { return defaultCatalog() }

func load(fsys embed.FS) (*Catalog, error) {
	tb, err := fsys.ReadFile("data/tokens.csv")
	if err != nil {
		return nil, err
	}
	gb, err := fsys.ReadFile("data/gpus.csv")
	if err != nil {
		return nil, err
	}
	tokens, err := ReadTokenCSV(bytes.NewReader(tb), "data/tokens.csv")
	if err != nil {
		return nil, err
	}
	gpus, err := ReadGPUCSV(bytes.NewReader(gb), "data/gpus.csv")
	if err != nil {
		return nil, err
	}
	return New(tokens, gpus)
}

// New builds a catalogue. Providers are canonicalised (together_ai ->
// together) and GPU types normalised; a provider+model or GPU+offer given
// twice is an error.
func New(tokens []TokenPrice, gpus []GPUPrice) (*Catalog, error) {
	c := &Catalog{
		tokens: make([]TokenPrice, len(tokens)),
		gpus:   make([]GPUPrice, len(gpus)),
		exact:  map[string]map[string]int{},
		norm:   map[string]map[string]int{},
		offers: map[string]map[string]int{},
	}
	copy(c.tokens, tokens)
	copy(c.gpus, gpus)
	var errs []error
	for i := range c.tokens {
		p := &c.tokens[i]
		p.Provider = CanonicalProvider(p.Provider)
		if err := p.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s/%s: %w", p.Provider, p.Model, err))
			continue
		}
		if c.exact[p.Provider] == nil {
			c.exact[p.Provider] = map[string]int{}
			c.norm[p.Provider] = map[string]int{}
		}
		k := strings.ToLower(p.Model)
		if j, ok := c.exact[p.Provider][k]; ok && strings.EqualFold(c.tokens[j].Model, p.Model) {
			errs = append(errs, fmt.Errorf("%s/%s is listed twice", p.Provider, p.Model))
			continue
		}
		// A model's own name beats another model's alias.
		c.exact[p.Provider][k] = i
	}
	// Aliases and normal forms never replace a name indexed before them, so
	// model names win over aliases and earlier entries over later ones.
	for i, p := range c.tokens {
		for _, a := range p.Aliases {
			setIfAbsent(c.exact, p.Provider, strings.ToLower(a), i)
		}
	}
	for i, p := range c.tokens {
		setIfAbsent(c.norm, p.Provider, modelKey(p.Model), i)
	}
	for i, p := range c.tokens {
		for _, a := range p.Aliases {
			setIfAbsent(c.norm, p.Provider, modelKey(a), i)
		}
	}
	for i := range c.gpus {
		g := &c.gpus[i]
		g.GPU = canonicalGPUName(g.GPU)
		if err := g.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s/%s: %w", g.GPU, g.Offer, err))
			continue
		}
		k := gpuKey(g.GPU)
		if c.offers[k] == nil {
			c.offers[k] = map[string]int{}
		}
		o := strings.ToLower(g.Offer)
		if j, ok := c.offers[k][o]; ok && strings.EqualFold(c.gpus[j].Offer, g.Offer) {
			errs = append(errs, fmt.Errorf("%s offer %s is listed twice", g.GPU, g.Offer))
			continue
		}
		c.offers[k][o] = i
	}
	for i, g := range c.gpus {
		for _, a := range g.Aliases {
			setIfAbsent(c.offers, gpuKey(g.GPU), strings.ToLower(a), i)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func setIfAbsent(m map[string]map[string]int, outer, inner string, i int) {
	if m[outer] == nil {
		m[outer] = map[string]int{}
	}
	if _, ok := m[outer][inner]; !ok {
		m[outer][inner] = i
	}
}

// canonicalGPUName resolves short GPU names (H100, A100-80GB, L4) to the
// catalogue's normalised type; unknown names are kept as given.
func canonicalGPUName(s string) string {
	k := gpuKey(s)
	if c, ok := gpuAliases[k]; ok {
		return c
	}
	return strings.TrimSpace(s)
}

// Tokens returns every per-token price, in catalogue order.
func (c *Catalog) Tokens() []TokenPrice { return append([]TokenPrice(nil), c.tokens...) }

// GPUs returns every GPU-hour price, in catalogue order.
func (c *Catalog) GPUs() []GPUPrice { return append([]GPUPrice(nil), c.gpus...) }

// Providers returns the providers with per-token prices, sorted.
func (c *Catalog) Providers() []string {
	out := make([]string, 0, len(c.exact))
	for p := range c.exact {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Lookup finds the price of model at provider. Names are compared without
// case; the provider may be an alias (together_ai, fireworks_ai, gemini).
// An exact model name or alias wins; otherwise a dated snapshot or
// decorated name finds its base model (gpt-4o-2024-08-06 -> gpt-4o,
// claude-sonnet-4-20250514 -> claude-sonnet-4, models/gemini-2.0-flash ->
// gemini-2.0-flash). An empty provider searches every provider and fails
// with ErrAmbiguous when the model is priced by several.
//
// The error for a miss wraps ErrNotFound and lists near matches.
func (c *Catalog) Lookup(provider, model string) (TokenPrice, error) {
	p := CanonicalProvider(provider)
	if strings.TrimSpace(model) == "" {
		return TokenPrice{}, fmt.Errorf("prices: %w: no model given", ErrNotFound)
	}
	if p == "" {
		return c.lookupAnyProvider(model)
	}
	if _, ok := c.exact[p]; !ok {
		return TokenPrice{}, fmt.Errorf("prices: %w: unknown provider %q%s", ErrNotFound, provider,
			didYouMean(nearMatches(p, c.Providers(), 5), "known providers", c.Providers()))
	}
	if i, ok := c.find(p, model); ok {
		return c.tokens[i], nil
	}
	var names []string
	for _, t := range c.tokens {
		if t.Provider == p {
			names = append(names, t.Model)
			names = append(names, t.Aliases...)
		}
	}
	near := nearMatches(modelKey(model), names, 6)
	return TokenPrice{}, fmt.Errorf("prices: %w for model %q at %s%s", ErrNotFound, model, p, didYouMean(near, "", nil))
}

func (c *Catalog) find(p, model string) (int, bool) {
	if i, ok := c.exact[p][strings.ToLower(strings.TrimSpace(model))]; ok {
		return i, true
	}
	i, ok := c.norm[p][modelKey(model)]
	return i, ok
}

func (c *Catalog) lookupAnyProvider(model string) (TokenPrice, error) {
	var hits []int
	for _, p := range c.Providers() {
		if i, ok := c.exact[p][strings.ToLower(strings.TrimSpace(model))]; ok {
			hits = append(hits, i)
		}
	}
	if len(hits) == 0 {
		for _, p := range c.Providers() {
			if i, ok := c.norm[p][modelKey(model)]; ok {
				hits = append(hits, i)
			}
		}
	}
	switch len(hits) {
	case 1:
		return c.tokens[hits[0]], nil
	case 0:
		var names []string
		for _, t := range c.tokens {
			names = append(names, t.Provider+"/"+t.Model)
		}
		near := nearMatches(modelKey(model), names, 6)
		return TokenPrice{}, fmt.Errorf("prices: %w for model %q at any provider%s", ErrNotFound, model, didYouMean(near, "", nil))
	}
	var ps []string
	for _, i := range hits {
		ps = append(ps, c.tokens[i].Provider)
	}
	return TokenPrice{}, fmt.Errorf("prices: %w: model %q is priced by %d providers (%s); name one",
		ErrAmbiguous, model, len(ps), strings.Join(ps, ", "))
}

// GPU finds the price of one GPU of type gpuType under offer. The type may
// be a short name (H100, A100-80GB, L40S); the offer is an offer name
// (aws-on-demand, gcp-spot, runpod-community) or an alias (the bare
// provider name, e.g. lambda or runpod, names its default offer). The
// error for a miss wraps ErrNotFound and lists the offers there are.
func (c *Catalog) GPU(gpuType, offer string) (GPUPrice, error) {
	t := canonicalGPUName(gpuType)
	offers, ok := c.offers[gpuKey(t)]
	if !ok {
		var types []string
		seen := map[string]bool{}
		for _, g := range c.gpus {
			if !seen[g.GPU] {
				seen[g.GPU] = true
				types = append(types, g.GPU)
			}
		}
		return GPUPrice{}, fmt.Errorf("prices: %w: unknown GPU type %q%s", ErrNotFound, gpuType,
			didYouMean(nearMatches(gpuKey(gpuType), types, 5), "known types", types))
	}
	if i, ok := offers[strings.ToLower(strings.TrimSpace(offer))]; ok {
		return c.gpus[i], nil
	}
	var list []string
	for _, g := range c.gpus {
		if g.GPU == t {
			list = append(list, fmt.Sprintf("%s ($%s/GPU-h)", g.Offer, formatPrice(g.USDPerGPUHour)))
		}
	}
	what := fmt.Sprintf("no offer %q", offer)
	if strings.TrimSpace(offer) == "" {
		what = "no offer given"
	}
	return GPUPrice{}, fmt.Errorf("prices: %w for %s: %s; offers: %s", ErrNotFound, t, what, strings.Join(list, ", "))
}

// Search returns the entries whose names contain every whitespace-separated
// term of query (without case): per-token prices match on provider, model
// and aliases, GPU prices on type, offer, aliases, provider, pricing and
// SKU. An empty query returns everything. Per-token prices come first, in
// catalogue order.
func (c *Catalog) Search(query string) []Entry {
	terms := strings.Fields(strings.ToLower(query))
	match := func(hay string) bool {
		hay = strings.ToLower(hay)
		for _, t := range terms {
			if !strings.Contains(hay, t) && !strings.Contains(hay, CanonicalProvider(t)) {
				return false
			}
		}
		return true
	}
	var out []Entry
	for i := range c.tokens {
		t := &c.tokens[i]
		if match(t.Provider + " " + t.Model + " " + strings.Join(t.Aliases, " ")) {
			out = append(out, Entry{Token: t})
		}
	}
	for i := range c.gpus {
		g := &c.gpus[i]
		if match(strings.Join([]string{g.GPU, g.Offer, strings.Join(g.Aliases, " "), g.Provider, g.Pricing, g.SKU}, " ")) {
			out = append(out, Entry{GPU: g})
		}
	}
	return out
}

// With returns a new catalogue with tokens and gpus added. An added price
// replaces the entry it names: the same provider and a model name or
// alias of that entry (without case), or the same GPU type and offer. A
// replacing price that lists no aliases keeps those of the entry it
// replaces, so lookups by alias still find it.
func (c *Catalog) With(tokens []TokenPrice, gpus []GPUPrice) (*Catalog, error) {
	ts := append([]TokenPrice(nil), c.tokens...)
	for _, t := range tokens {
		t.Provider = CanonicalProvider(t.Provider)
		if i, ok := c.exact[t.Provider][strings.ToLower(strings.TrimSpace(t.Model))]; ok {
			if len(t.Aliases) == 0 {
				t.Aliases = ts[i].Aliases
			}
			if !strings.EqualFold(ts[i].Model, t.Model) {
				// Named by an alias: keep the entry's name as an alias too.
				t.Aliases = append([]string{ts[i].Model}, t.Aliases...)
			}
			ts[i] = t
			continue
		}
		ts = append(ts, t)
	}
	gs := append([]GPUPrice(nil), c.gpus...)
	for _, g := range gpus {
		g.GPU = canonicalGPUName(g.GPU)
		if i, ok := c.offers[gpuKey(g.GPU)][strings.ToLower(strings.TrimSpace(g.Offer))]; ok {
			if len(g.Aliases) == 0 {
				g.Aliases = gs[i].Aliases
			}
			gs[i] = g
			continue
		}
		gs = append(gs, g)
	}
	return New(ts, gs)
}

// didYouMean formats near matches for an error message; with none, it
// lists all (up to 20) under label.
func didYouMean(near []string, label string, all []string) string {
	if len(near) > 0 {
		return "; near matches: " + strings.Join(near, ", ")
	}
	if label != "" && len(all) > 0 {
		if len(all) > 20 {
			all = append(all[:20:20], "...")
		}
		return "; " + label + ": " + strings.Join(all, ", ")
	}
	return ""
}
