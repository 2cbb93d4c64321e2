package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/inferbench/inferbench/prices"
)

const pricesSynopsis = `inferbench prices [QUERY...] [--provider P] [--gpus] [--format text|json] [--prices FILE]`

const pricesExamples = `  # every per-token price of one provider, with the day each was checked
  inferbench prices --provider anthropic

  # search by words of the name (all must match); dated snapshots resolve to their model
  inferbench prices gemini 2.5 pro
  inferbench prices claude-sonnet-4-20250514 --provider anthropic

  # GPU-hour prices for self-hosted targets (use with run --gpus TYPE:COUNT:OFFER)
  inferbench prices --gpus H100
  inferbench prices --gpus L40S aws

  # JSON for scripts, with your own overrides applied
  inferbench prices gpt-4o --format json --prices my-prices.json`

// cmdPrices lists and searches the shipped price catalogue.
func cmdPrices(_ context.Context, e *env, args []string) int {
	fs := newFlagSet("prices", pricesSynopsis, pricesExamples, e.stderr)
	provider := fs.String("provider", "", "only prices of this provider (aliases such as together_ai work)")
	gpus := fs.Bool("gpus", false, "list GPU-hour prices instead of per-token prices")
	format := fs.String("format", "text", "output format: text or json")
	overrides := fs.String("prices", "", "JSON file of prices that add to or replace catalogue entries (see docs/prices.md)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(e, "prices", err)
	}
	if *format != "text" && *format != "json" {
		return usageError(e, "prices", fmt.Errorf("--format %q: want text or json", *format))
	}
	cat, err := loadCatalog(*overrides)
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench prices: %v\n", err)
		return exitUsage
	}
	query := strings.Join(pos, " ")
	var toks []prices.TokenPrice
	var gs []prices.GPUPrice
	for _, en := range cat.Search(query) {
		switch {
		case en.GPU != nil && *gpus && (*provider == "" || en.GPU.Provider == strings.ToLower(*provider)):
			gs = append(gs, *en.GPU)
		case en.Token != nil && !*gpus && (*provider == "" || en.Token.Provider == prices.CanonicalProvider(*provider)):
			toks = append(toks, *en.Token)
		}
	}
	// A name the search does not contain (a dated snapshot, models/...) may
	// still resolve to one model.
	if !*gpus && len(toks) == 0 && len(pos) > 0 {
		if p, err := cat.Lookup(*provider, query); err == nil {
			toks = append(toks, p)
		} else if !errors.Is(err, prices.ErrAmbiguous) {
			fmt.Fprintf(e.stderr, "inferbench %v\n", err) // err reads "prices: ..."
			return exitFailed
		}
	}
	if len(toks) == 0 && len(gs) == 0 {
		fmt.Fprintf(e.stderr, "inferbench prices: no prices match %q\n", query)
		return exitFailed
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		var v any = toks
		if *gpus {
			v = gs
		}
		if err := enc.Encode(v); err != nil {
			fmt.Fprintf(e.stderr, "inferbench prices: %v\n", err)
			return exitFailed
		}
		return exitOK
	}
	if *gpus {
		writeGPUTable(e.stdout, gs)
	} else {
		writeTokenTable(e.stdout, toks)
	}
	return exitOK
}

// loadCatalog is the shipped catalogue with the overrides file applied.
func loadCatalog(overridesPath string) (*prices.Catalog, error) {
	if overridesPath == "" {
		return prices.Default(), nil
	}
	o, err := prices.LoadOverrides(overridesPath)
	if err != nil {
		return nil, err
	}
	return o.Apply(prices.Default())
}

func writeTokenTable(w io.Writer, ts []prices.TokenPrice) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tMODEL\tINPUT\tCACHED\tCACHE-WRITE\tOUTPUT\tLONG CONTEXT\tCHECKED\tSOURCE")
	for _, p := range ts {
		lc := "-"
		if t := p.LongContext; t != nil {
			lc = fmt.Sprintf(">%s: %s/%s/%s/%s", kTokens(t.AboveInputTokens), usd(t.InputPer1M),
				optUSD(t.CachedInputPer1M), optUSD(t.CacheWritePer1M), usd(t.OutputPer1M))
		}
		src := p.SourceURL
		if src == "" {
			src = p.Source
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Provider, p.Model, usd(p.InputPer1M),
			optUSD(p.CachedInputPer1M), optUSD(p.CacheWritePer1M), usd(p.OutputPer1M), lc, p.CheckedAt, src)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d prices, USD per 1M tokens; - = billed at the input price. Long context: the whole\n"+
		"request is billed at in/cached/write/out once its input exceeds the threshold.\n", len(ts))
}

func writeGPUTable(w io.Writer, gs []prices.GPUPrice) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GPU\tOFFER\tALSO\tUSD/GPU-H\tSKU\tGPUS\tCHECKED\tSOURCE")
	for _, g := range gs {
		also := strings.Join(g.Aliases, ",")
		if also == "" {
			also = "-"
		}
		src := g.SourceURL
		if src == "" {
			src = g.Source
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", g.GPU, g.Offer, also,
			strconv.FormatFloat(g.USDPerGPUHour, 'f', -1, 64), g.SKU, g.GPUsPerInstance, g.CheckedAt, src)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d offers. A target with N GPUs costs N x USD/GPU-H per hour (run --gpus TYPE:N:OFFER).\n", len(gs))
}

func usd(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func optUSD(v *float64) string {
	if v == nil {
		return "-"
	}
	return usd(*v)
}

// kTokens writes a token threshold compactly: 200000 -> 200k.
func kTokens(n int64) string {
	if n%1000 == 0 {
		return strconv.FormatInt(n/1000, 10) + "k"
	}
	return strconv.FormatInt(n, 10)
}
