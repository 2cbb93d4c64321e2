package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/inferbench/inferbench/prices"
)

// genaiCommit is the pydantic/genai-prices commit the shared copy is from
// (see the shared data README), and genaiDate the day of that commit: the
// check date of prices whose provider file is not in the shared copy.
const (
	genaiCommit = "47df840a"
	genaiDate   = "2026-08-21"
)

// genaiProvider is the part of data_slim.json (schema v2) we read.
type genaiProvider struct {
	ID     string       `json:"id"`
	Name   string       `json:"name"`
	Models []genaiModel `json:"models"`
}

type genaiModel struct {
	ID     string          `json:"id"`
	Match  json.RawMessage `json:"match"`
	Prices json.RawMessage `json:"prices"`
}

// genaiPriceSet maps a price name (input_mtok, cache_read_mtok, ...) to a
// number or to {"base": n, "tiers": [{"start": tokens, "price": n}]}.
type genaiPriceSet map[string]json.RawMessage

type genaiConstrained struct {
	Constraint *struct {
		StartDate string `json:"start_date"`
		StartTime string `json:"start_time"`
		EndTime   string `json:"end_time"`
	} `json:"constraint"`
	Prices genaiPriceSet `json:"prices"`
}

type genaiTiered struct {
	Base  float64 `json:"base"`
	Tiers []struct {
		Start int64   `json:"start"`
		Price float64 `json:"price"`
	} `json:"tiers"`
}

// providerFile is the part of a genai-prices provider YAML we read.
type providerFile struct {
	ID          string   `yaml:"id"`
	PricingURLs []string `yaml:"pricing_urls"`
	Models      []struct {
		ID            string `yaml:"id"`
		Name          string `yaml:"name"`
		PricesChecked string `yaml:"prices_checked"`
	} `yaml:"models"`
}

// providerMeta is what the YAML files tell us per provider.
type providerMeta struct {
	url     string
	checked map[string]string // model id -> prices_checked
	names   map[string]string // model id -> display name
}

func readProviderFiles(dir string) (map[string]providerMeta, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	out := map[string]providerMeta{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var pf providerFile
		if err := yaml.Unmarshal(b, &pf); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		m := providerMeta{checked: map[string]string{}, names: map[string]string{}}
		if len(pf.PricingURLs) > 0 {
			m.url = pf.PricingURLs[0]
		}
		for _, md := range pf.Models {
			m.checked[md.ID] = md.PricesChecked
			m.names[md.ID] = md.Name
		}
		out[pf.ID] = m
	}
	return out, nil
}

// readGenai turns data_slim.json into catalogue entries: every model with
// an input and an output price, at the prices in effect on asof.
func readGenai(src, asof string) ([]prices.TokenPrice, error) {
	b, err := os.ReadFile(filepath.Join(src, "genai-prices", "data_slim.json"))
	if err != nil {
		return nil, err
	}
	var provs []genaiProvider
	if err := json.Unmarshal(b, &provs); err != nil {
		return nil, fmt.Errorf("data_slim.json: %w", err)
	}
	meta, err := readProviderFiles(filepath.Join(src, "genai-prices", "providers"))
	if err != nil {
		return nil, err
	}
	var out []prices.TokenPrice
	var errs []error
	skipped := 0
	for _, pv := range provs {
		// Hugging Face's inference router resells other hosts; those hosts
		// are in the catalogue under their own names.
		if strings.HasPrefix(pv.ID, "huggingface") {
			continue
		}
		pm, hasMeta := meta[pv.ID]
		for _, m := range pv.Models {
			// Ids ending in - or . are prefix patterns (fine-tune names), not models.
			if strings.HasSuffix(m.ID, "-") || strings.HasSuffix(m.ID, ".") {
				continue
			}
			set, notes, err := effectivePrices(m.Prices, asof)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s/%s: %w", pv.ID, m.ID, err))
				continue
			}
			rates, tier, ok, err := toRates(set)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s/%s: %w", pv.ID, m.ID, err))
				continue
			}
			// Without both an input and an output price (embeddings, image
			// and audio models), or with a free output but a paid input (the
			// "output listed as 0" error seen in other catalogues), the model
			// cannot be priced per token.
			if !ok || (rates.OutputPer1M == 0 && rates.InputPer1M > 0) {
				skipped++
				continue
			}
			tp := prices.TokenPrice{
				Provider: prices.CanonicalProvider(pv.ID), Model: strings.TrimSuffix(m.ID, "-latest"),
				Rates: rates, LongContext: tier,
				Source:    fmt.Sprintf("pydantic/genai-prices prices/providers/%s.yml @%s", pv.ID, genaiCommit),
				SourceURL: fmt.Sprintf("https://github.com/pydantic/genai-prices/blob/%s/prices/providers/%s.yml", genaiCommit, pv.ID),
				CheckedAt: genaiDate,
			}
			if tp.Model != m.ID {
				tp.Aliases = append(tp.Aliases, m.ID)
			}
			if hasMeta {
				tp.SourceURL = pm.url
				if d := pm.checked[m.ID]; d != "" {
					tp.CheckedAt = d
				} else {
					notes = append(notes, "no prices_checked date in genai-prices; checked_at is the snapshot date")
				}
				if n := pm.names[m.ID]; n != "" {
					tp.Aliases = append(tp.Aliases, n)
				}
			} else {
				notes = append(notes, "checked_at is the genai-prices snapshot date")
			}
			tp.Aliases = append(tp.Aliases, matchNames(m.Match)...)
			tp.Aliases = dedupeAliases(tp.Model, tp.Aliases)
			tp.Notes = strings.Join(notes, "; ")
			out = append(out, tp)
		}
	}
	fmt.Fprintf(os.Stderr, "gencatalog: genai-prices: %d models, %d without per-token input+output prices skipped\n", len(out), skipped)
	return out, errors.Join(errs...)
}

// effectivePrices picks the price set in effect on asof from a model's
// prices: one set, or a list whose later entries start on a date (a price
// change) or cover a time of day (peak hours). For time-of-day lists the
// constrained (standard-hours) set is taken, the conservative choice, and
// the other is noted; price changes after asof are noted.
func effectivePrices(raw json.RawMessage, asof string) (genaiPriceSet, []string, error) {
	if len(raw) > 0 && raw[0] == '{' {
		var s genaiPriceSet
		err := json.Unmarshal(raw, &s)
		return s, nil, err
	}
	var list []genaiConstrained
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, nil, err
	}
	if len(list) == 0 {
		return nil, nil, errors.New("empty price list")
	}
	var notes []string
	cur := list[0].Prices
	for _, e := range list[1:] {
		c := e.Constraint
		switch {
		case c == nil:
			return nil, nil, errors.New("unconstrained price after the first")
		case c.StartTime != "":
			notes = append(notes, fmt.Sprintf("price for %s-%s UTC; other hours: %s", c.StartTime, c.EndTime, summarize(cur)))
			cur = e.Prices
		case c.StartDate <= asof:
			cur = e.Prices
		default:
			notes = append(notes, fmt.Sprintf("changes to %s on %s", summarize(e.Prices), c.StartDate))
		}
	}
	return cur, notes, nil
}

func summarize(s genaiPriceSet) string {
	num := func(k string) string {
		raw, ok := s[k]
		if !ok {
			return "-"
		}
		var t genaiTiered
		if json.Unmarshal(raw, &t) == nil && len(t.Tiers) > 0 {
			return fmt.Sprint(t.Base)
		}
		var v float64
		_ = json.Unmarshal(raw, &v)
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("in %s / out %s per 1M", num("input_mtok"), num("output_mtok"))
}

// toRates converts a genai price set to base rates and a long-context tier.
// All tiered prices of a model must share one threshold (true of every
// model in the data; anything else stops the generator). Prices that are
// not tiered apply unchanged in the tier. ok is false without an input and
// an output price.
func toRates(s genaiPriceSet) (base prices.Rates, tier *prices.Tier, ok bool, err error) {
	var threshold int64
	var tierRates prices.Rates
	field := func(k string) (b, t *float64, err error) {
		raw, present := s[k]
		if !present {
			return nil, nil, nil
		}
		if len(raw) > 0 && raw[0] == '{' {
			var tv genaiTiered
			if err := json.Unmarshal(raw, &tv); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", k, err)
			}
			if len(tv.Tiers) != 1 {
				return nil, nil, fmt.Errorf("%s: %d tiers, the catalogue holds one", k, len(tv.Tiers))
			}
			if threshold != 0 && threshold != tv.Tiers[0].Start {
				return nil, nil, fmt.Errorf("%s: tier at %d tokens, others at %d", k, tv.Tiers[0].Start, threshold)
			}
			threshold = tv.Tiers[0].Start
			bv, tp := tv.Base, tv.Tiers[0].Price
			return &bv, &tp, nil
		}
		var v float64
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", k, err)
		}
		return &v, &v, nil
	}
	in, tin, err := field("input_mtok")
	if err != nil {
		return base, nil, false, err
	}
	out, tout, err := field("output_mtok")
	if err != nil {
		return base, nil, false, err
	}
	cr, tcr, err := field("cache_read_mtok")
	if err != nil {
		return base, nil, false, err
	}
	cw, tcw, err := field("cache_write_mtok")
	if err != nil {
		return base, nil, false, err
	}
	if in == nil || out == nil {
		return base, nil, false, nil
	}
	base = prices.Rates{InputPer1M: *in, OutputPer1M: *out, CachedInputPer1M: cr, CacheWritePer1M: cw}
	if threshold > 0 {
		tierRates = prices.Rates{InputPer1M: *tin, OutputPer1M: *tout, CachedInputPer1M: tcr, CacheWritePer1M: tcw}
		tier = &prices.Tier{AboveInputTokens: threshold, Rates: tierRates}
	}
	return base, tier, true, nil
}

// matchNames returns the full model names in a genai-prices match rule:
// equals values, and starts_with values that are names themselves (not
// ending in a separator). contains rules name no model.
func matchNames(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	var out []string
	for _, k := range []string{"equals", "starts_with"} {
		var s string
		if v, ok := m[k]; ok && json.Unmarshal(v, &s) == nil && s != "" && !strings.ContainsAny(s[len(s)-1:], "-.@/:_") {
			out = append(out, s)
		}
	}
	for _, k := range []string{"or", "and"} {
		var list []json.RawMessage
		if v, ok := m[k]; ok && json.Unmarshal(v, &list) == nil && k == "or" {
			for _, e := range list {
				out = append(out, matchNames(e)...)
			}
		}
	}
	return out
}

// dedupeAliases drops aliases equal (without case) to the model name or to
// an earlier alias, keeping order.
func dedupeAliases(model string, aliases []string) []string {
	seen := map[string]bool{strings.ToLower(model): true}
	var out []string
	for _, a := range aliases {
		k := strings.ToLower(strings.TrimSpace(a))
		if k == "" || seen[k] || strings.Contains(a, "|") {
			continue
		}
		seen[k] = true
		out = append(out, strings.TrimSpace(a))
	}
	return out
}
