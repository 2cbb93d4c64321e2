package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/results"
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

// gpuFlag is --gpus TYPE:COUNT[:OFFER], the GPUs of a self-hosted target.
type gpuFlag struct{ prices.GPUSpec }

func (g *gpuFlag) Set(s string) (err error) {
	g.GPUSpec, err = prices.ParseGPUSpec(s)
	return err
}

// priceFlags are run's flags that price a run: explicit prices, the
// catalogue entry to use, the GPUs, and catalogue overrides.
type priceFlags struct {
	explicit results.Prices
	provider string // --price-provider; default the target's
	file     string // --prices overrides
	gpus     gpuFlag
}

func (f *priceFlags) register(fs *flag.FlagSet) {
	fs.Float64Var(&f.explicit.InputPer1M, "price-in", 0, "USD per 1M input tokens (for cost_usd and the manifest's price snapshot)")
	fs.Float64Var(&f.explicit.CachedInputPer1M, "price-cached", 0, "USD per 1M cached input tokens (default: --price-in)")
	fs.Float64Var(&f.explicit.OutputPer1M, "price-out", 0, "USD per 1M output tokens")
	fs.Float64Var(&f.explicit.GPUHourly, "gpu-hourly", 0, "USD per hour for all GPUs of a self-hosted target")
	fs.StringVar(&f.provider, "price-provider", "", "look up per-token prices for --model at this provider in the price catalogue (default: --provider; see 'inferbench prices')")
	fs.Var(&f.gpus, "gpus", "GPUs of a self-hosted target, TYPE:COUNT[:OFFER], e.g. H100-SXM-80GB:2:aws-on-demand; the offer's catalogue price sets --gpu-hourly")
	fs.StringVar(&f.file, "prices", "", "JSON file of prices that add to or replace price-catalogue entries (docs/prices.md)")
}

// resolve prices the run of target (with its targets-file price spec, nil
// for none) through prices.ForRun, naming the flag at fault in errors. An
// error wrapping prices.ErrUnpriced is a note: the run goes on unpriced.
func (f *priceFlags) resolve(spec *prices.Spec, target results.TargetInfo, where string) (*results.Prices, error) {
	cat, err := prices.LoadCatalog(f.file)
	if err != nil {
		return nil, err
	}
	q := prices.RunQuery{Explicit: f.explicit, Provider: f.provider, Target: spec,
		Kind: target.Kind, TargetProvider: target.Provider, TargetModel: target.Model}
	if f.gpus.Type != "" {
		q.GPUs = &f.gpus.GPUSpec
	}
	pr, err := cat.ForRun(q)
	switch {
	case err == nil, errors.Is(err, prices.ErrUnpriced):
		return pr, err
	case q.GPUs != nil:
		return nil, fmt.Errorf("--gpus %s: %w (or give --gpu-hourly)", f.gpus, err)
	case f.provider != "":
		return nil, fmt.Errorf("--price-provider: %w", err)
	case spec != nil:
		return nil, fmt.Errorf("%s: price: %w", where, err)
	}
	return nil, err
}
