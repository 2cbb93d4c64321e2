package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/prices"
)

// displayModels maps the display names of api_prices_selected.csv rows that
// carry no API model id to the genai-prices model they are.
var displayModels = map[string]string{
	"anthropic/claude 3.5 haiku":   "claude-3-5-haiku",
	"anthropic/claude 3.5 sonnet":  "claude-3-5-sonnet",
	"anthropic/claude 3.7 sonnet":  "claude-3-7-sonnet",
	"anthropic/claude sonnet 4":    "claude-sonnet-4-0",
	"anthropic/claude sonnet 4.5":  "claude-sonnet-4-5",
	"anthropic/claude haiku 4.5":   "claude-haiku-4-5",
	"anthropic/claude opus 4.1":    "claude-opus-4-1",
	"anthropic/claude opus 4.5":    "claude-opus-4-5",
	"google/gemini 1.5 flash":      "gemini-1.5-flash",
	"google/gemini 1.5 pro":        "gemini-1.5-pro",
	"google/gemini 2.0 flash":      "gemini-2.0-flash",
	"google/gemini 2.0 flash-lite": "gemini-2.0-flash-lite",
	"google/gemini 2.5 flash":      "gemini-2.5-flash",
	"google/gemini 2.5 flash-lite": "gemini-2.5-flash-lite",
	"google/gemini 2.5 pro":        "gemini-2.5-pro",
	"openai/o3":                    "o3",
}

// resolution says which source wins where api_prices_selected.csv and
// genai-prices disagree on a model's price, and why. The generator stops
// on a disagreement missing here.
type resolution struct {
	use    string // "selected" or "genai"
	reason string
}

var resolutions = map[string]resolution{
	// LiteLLM lists Fireworks' Llama 3.1 8B at $0.10; Fireworks prices
	// serverless models by size, and 4B-16B models cost $0.20 per 1M
	// tokens (genai-prices, checked 2025-07-13). Known error; see the
	// shared data README.
	"fireworks/llama-v3p1-8b-instruct": {"genai", "LiteLLM's 0.10 is a known error: Fireworks bills 4B-16B models at 0.20 per 1M (size tier)"},
	// genai-prices lists this price with no check date; LiteLLM's was read
	// on 2026-07-24, and Together's price list has $0.60 for Mixtral 8x7B.
	"together/mistralai/Mixtral-8x7B-Instruct-v0.1": {"selected", "the selected price is dated (2026-07-24); genai-prices' is undated"},
	// genai-prices checked Fireworks on 2026-08-04, after LiteLLM's 2026-07-24.
	"fireworks/gpt-oss-120b": {"genai", "genai-prices checked Fireworks later (2026-08-04)"},
	// Bedrock cut Llama 3.1 70B on-demand from its launch price of $0.99 to
	// $0.72 per 1M; LiteLLM still has the launch price.
	"bedrock/meta.llama3-1-70b-instruct-v1:0": {"genai", "0.99 is Bedrock's launch price for Llama 3.1 70B; the on-demand list price is 0.72"},
}

// correction changes a generated entry, with the reason written into its
// notes. Each is checked by a test in the prices package.
type correction struct {
	provider, model string
	apply           func(*prices.TokenPrice)
	note            string
}

func f64(v float64) *float64 { return &v }

var corrections = []correction{
	{
		// genai-prices gives Claude Sonnet 4 no long-context tier, but
		// Anthropic bills Sonnet 4 and 4.5 prompts over 200k tokens (1M
		// context window) at $6 / $22.50, as genai-prices lists for 4.5;
		// cache reads and writes keep their multipliers (0.1x, 1.25x).
		provider: "anthropic", model: "claude-sonnet-4-0",
		apply: func(p *prices.TokenPrice) {
			p.LongContext = &prices.Tier{AboveInputTokens: 200000, Rates: prices.Rates{
				InputPer1M: 6, CachedInputPer1M: f64(0.6), CacheWritePer1M: f64(7.5), OutputPer1M: 22.5}}
		},
		note: "long-context tier (>200k input, 1M window) added from Anthropic's long-context pricing for Sonnet 4/4.5 (https://docs.anthropic.com/en/docs/about-claude/pricing#long-context-pricing), as genai-prices lists it for Sonnet 4.5",
	},
}

var parenthetical = regexp.MustCompile(`\s*\(([^)]*)\)\s*$`)

// selectedRow is one row of api_prices_selected.csv, mapped to the catalogue.
type selectedRow struct {
	line                          int
	provider, model, display      string
	in, out                       float64
	cached, write                 *float64
	notes, source, sourceURL, day string
	alias                         string // an extra alias (Fireworks' full path)
}

func readSelected(path string) ([]selectedRow, error) {
	rows, err := readCSVRows(path, "provider,model,input,output,cached_input,cache_write,notes,source,date")
	if err != nil {
		return nil, err
	}
	var out []selectedRow
	var errs []error
	for i, rec := range rows {
		line := i + 2
		row, err := parseSelected(rec)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", path, line, err))
			continue
		}
		row.line = line
		out = append(out, row)
	}
	return out, errors.Join(errs...)
}

func parseSelected(rec []string) (selectedRow, error) {
	row := selectedRow{provider: prices.CanonicalProvider(rec[0]), source: rec[7], day: rec[8]}
	display := rec[1]
	var notes []string
	if m := parenthetical.FindStringSubmatch(display); m != nil {
		notes = append(notes, m[1])
		display = strings.TrimSpace(display[:len(display)-len(m[0])])
	}
	if rec[6] != "" {
		notes = append(notes, rec[6])
	}
	row.display, row.notes = display, strings.Join(notes, "; ")
	num := func(s string) (*float64, error) {
		if s == "" {
			return nil, nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("price %q is not a non-negative number", s)
		}
		return &v, nil
	}
	in, err := num(rec[2])
	if err != nil {
		return row, err
	}
	out, err := num(rec[3])
	if err != nil {
		return row, err
	}
	if in == nil || out == nil {
		return row, errors.New("input and output prices are required")
	}
	row.in, row.out = *in, *out
	if row.cached, err = num(rec[4]); err != nil {
		return row, err
	}
	if row.write, err = num(rec[5]); err != nil {
		return row, err
	}
	if !isDate(row.day) {
		return row, fmt.Errorf("date %q is not YYYY-MM-DD", row.day)
	}
	// LiteLLM rows name the model by their key: provider/model-id.
	if _, key, ok := strings.Cut(row.source, "key="); ok {
		key = strings.TrimSpace(key)
		row.sourceURL = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"
		if i := strings.Index(key, "/"); i >= 0 && prices.CanonicalProvider(key[:i]) == row.provider {
			key = key[i+1:]
		}
		if rest, ok := strings.CutPrefix(key, "accounts/fireworks/models/"); ok {
			row.alias = key
			key = rest
		}
		row.model = key
		return row, nil
	}
	if m, ok := displayModels[row.provider+"/"+strings.ToLower(display)]; ok {
		row.model = m
		return row, nil
	}
	if row.provider == "openai" {
		row.model = display
		return row, nil
	}
	return row, fmt.Errorf("no API model id for %q: add it to displayModels", display)
}

// buildTokens merges genai-prices and the selected prices, applies the
// resolutions and corrections, and sorts by provider and model.
func buildTokens(src, asof string) ([]prices.TokenPrice, error) {
	genai, err := readGenai(src, asof)
	if err != nil {
		return nil, err
	}
	sel, err := readSelected(filepath.Join(src, "api_prices_selected.csv"))
	if err != nil {
		return nil, err
	}
	cat, err := prices.New(genai, nil)
	if err != nil {
		return nil, fmt.Errorf("genai-prices entries: %w", err)
	}
	index := map[string]int{}
	for i, t := range genai {
		index[t.Provider+"/"+t.Model] = i
	}
	var errs []error
	agreed, added, resolved := 0, 0, 0
	for _, row := range sel {
		key := row.provider + "/" + row.model
		found, lerr := cat.Lookup(row.provider, row.model)
		if lerr != nil {
			genai = append(genai, fromSelected(row))
			index[key] = len(genai) - 1
			added++
			continue
		}
		i := index[found.Provider+"/"+found.Model]
		g := &genai[i]
		diff := differs(row, g.Rates)
		if diff != "" {
			res, ok := resolutions[found.Provider+"/"+found.Model]
			if !ok {
				errs = append(errs, fmt.Errorf("api_prices_selected.csv:%d: %s disagrees with genai-prices (%s); add a resolution", row.line, key, diff))
				continue
			}
			resolved++
			if res.use == "selected" {
				sp := fromSelected(row)
				sp.Model, sp.Aliases = g.Model, append(g.Aliases, sp.Aliases...)
				sp.Notes = joinNotes(sp.Notes, "genai-prices differs (here vs genai-prices: "+diff+"); used this: "+res.reason)
				*g = sp
			} else {
				g.Notes = joinNotes(g.Notes, fmt.Sprintf("%s (%s, checked %s) differs (it vs here: %s); not used: %s", row.source, row.display, row.day, diff, res.reason))
			}
		} else {
			agreed++
			if !strings.HasPrefix(row.source, "pydantic/genai-prices") {
				g.Notes = joinNotes(g.Notes, fmt.Sprintf("agrees with %s (checked %s)", row.source, row.day))
				if row.day > g.CheckedAt {
					g.CheckedAt = row.day
				}
			}
			if row.notes != "" {
				g.Notes = joinNotes(g.Notes, row.notes)
			}
		}
		g.Aliases = dedupeAliases(g.Model, append(g.Aliases, row.display, row.alias, row.model))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, c := range corrections {
		i, ok := index[c.provider+"/"+c.model]
		if !ok {
			return nil, fmt.Errorf("correction for %s/%s: no such entry", c.provider, c.model)
		}
		c.apply(&genai[i])
		genai[i].Notes = joinNotes(genai[i].Notes, c.note)
	}
	fmt.Fprintf(os.Stderr, "gencatalog: api_prices_selected.csv: %d rows agree with genai-prices, %d resolved, %d added\n", agreed, resolved, added)
	sort.SliceStable(genai, func(a, b int) bool {
		if genai[a].Provider != genai[b].Provider {
			return genai[a].Provider < genai[b].Provider
		}
		return strings.ToLower(genai[a].Model) < strings.ToLower(genai[b].Model)
	})
	if _, err := prices.New(genai, nil); err != nil {
		return nil, err
	}
	return genai, nil
}

func fromSelected(row selectedRow) prices.TokenPrice {
	return prices.TokenPrice{
		Provider: row.provider, Model: row.model,
		Aliases: dedupeAliases(row.model, []string{row.display, row.alias}),
		Rates: prices.Rates{InputPer1M: row.in, OutputPer1M: row.out,
			CachedInputPer1M: row.cached, CacheWritePer1M: row.write},
		CheckedAt: row.day, Source: row.source, SourceURL: row.sourceURL, Notes: row.notes,
	}
}

// differs describes where the selected row's prices differ from r ("" when
// they agree); prices the row leaves empty are not compared.
func differs(row selectedRow, r prices.Rates) string {
	var d []string
	if row.in != r.InputPer1M {
		d = append(d, fmt.Sprintf("input %v vs %v", row.in, r.InputPer1M))
	}
	if row.out != r.OutputPer1M {
		d = append(d, fmt.Sprintf("output %v vs %v", row.out, r.OutputPer1M))
	}
	if row.cached != nil && (r.CachedInputPer1M == nil || *row.cached != *r.CachedInputPer1M) {
		d = append(d, fmt.Sprintf("cached input %v vs %v", *row.cached, optStr(r.CachedInputPer1M)))
	}
	if row.write != nil && (r.CacheWritePer1M == nil || *row.write != *r.CacheWritePer1M) {
		d = append(d, fmt.Sprintf("cache write %v vs %v", *row.write, optStr(r.CacheWritePer1M)))
	}
	return strings.Join(d, ", ")
}

func optStr(v *float64) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprint(*v)
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "; " + b
}

func writeTokens(path string, ts []prices.TokenPrice, asof string) error {
	var buf bytes.Buffer
	comments := []string{
		"inferbench price catalogue: per-token prices, USD per 1M tokens. GENERATED by prices/internal/gencatalog; do not edit.",
		"Prices in effect on " + asof + " per the sources. An empty cached/cache-write price means billed at the input price.",
		"tier_*: long-context tier; the whole request is billed at the tier when its input tokens exceed tier_above_input_tokens.",
		"Sources: pydantic/genai-prices @" + genaiCommit + " (MIT, see LICENSE-genai-prices) and the rows' own sources. See README.md.",
	}
	if err := prices.WriteTokenCSV(&buf, comments, ts); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// readCSVRows reads a whole hand-kept CSV file, checks that its header is
// want, and returns the rows after it: row i is on line i+2.
func readCSVRows(path, want string) ([][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != want {
		return nil, fmt.Errorf("%s:1: header is not %q", path, want)
	}
	return recs[1:], nil
}
