package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/inferbench/inferbench/internal/cliflag"
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
	fs := cliflag.New("prices", pricesSynopsis, pricesExamples, e.stderr)
	provider := fs.String("provider", "", "only prices of this provider (aliases such as together_ai work)")
	gpus := fs.Bool("gpus", false, "list GPU-hour prices instead of per-token prices")
	format := fs.String("format", "text", "output format: text or json")
	overrides := fs.String("prices", "", "JSON file of prices that add to or replace catalogue entries (see docs/prices.md)")
	pos, err := cliflag.Parse(fs, args)
	if err != nil {
		return usageError(e, "prices", err)
	}
	if *format != "text" && *format != "json" {
		return usageError(e, "prices", fmt.Errorf("--format %q: want text or json", *format))
	}
	cat, err := prices.LoadCatalog(*overrides)
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench prices: %v\n", err)
		return exitUsage
	}
	query := strings.Join(pos, " ")
	toks, gs, err := cat.Find(query, *provider, *gpus)
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench %v\n", err) // err reads "prices: ..."
		return exitFailed
	}
	if len(toks) == 0 && len(gs) == 0 {
		fmt.Fprintf(e.stderr, "inferbench prices: no prices match %q\n", query)
		return exitFailed
	}
	switch {
	case *format == "json" && *gpus:
		err = writeJSON(e.stdout, gs)
	case *format == "json":
		err = writeJSON(e.stdout, toks)
	case *gpus:
		err = prices.WriteGPUTable(e.stdout, gs)
	default:
		err = prices.WriteTokenTable(e.stdout, toks)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench prices: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
