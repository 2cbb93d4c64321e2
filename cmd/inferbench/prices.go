package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

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

// gpuFlag is --gpus TYPE:COUNT[:OFFER], the GPUs of a self-hosted target.
type gpuFlag struct {
	gpuType, offer string
	count          int
}

func (g *gpuFlag) String() string {
	if g == nil || g.gpuType == "" {
		return ""
	}
	s := fmt.Sprintf("%s:%d", g.gpuType, g.count)
	if g.offer != "" {
		s += ":" + g.offer
	}
	return s
}

func (g *gpuFlag) Set(s string) error {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
		return fmt.Errorf("want TYPE:COUNT[:OFFER], e.g. H100-SXM-80GB:2:aws-on-demand")
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n <= 0 {
		return fmt.Errorf("GPU count %q: want a whole number > 0", parts[1])
	}
	g.gpuType, g.count = parts[0], n
	if len(parts) == 3 {
		g.offer = parts[2]
	}
	return nil
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
	cat, err := loadCatalog(f.file)
	if err != nil {
		return nil, err
	}
	q := prices.RunQuery{Explicit: f.explicit, Provider: f.provider, Target: spec,
		Kind: target.Kind, TargetProvider: target.Provider, TargetModel: target.Model}
	if g := f.gpus; g.gpuType != "" {
		q.GPUs = &prices.GPUSpec{Type: g.gpuType, Count: g.count, Offer: g.offer}
	}
	pr, err := cat.ForRun(q)
	switch {
	case err == nil, errors.Is(err, prices.ErrUnpriced):
		return pr, err
	case q.GPUs != nil:
		return nil, fmt.Errorf("--gpus %s: %w (or give --gpu-hourly)", f.gpus.String(), err)
	case f.provider != "":
		return nil, fmt.Errorf("--price-provider: %w", err)
	case spec != nil:
		return nil, fmt.Errorf("%s: price: %w", where, err)
	}
	return nil, err
}
