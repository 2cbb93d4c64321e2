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

// priceFlags are run's flags that choose prices from the catalogue.
type priceFlags struct {
	provider string // --price-provider; default --provider
	file     string // --prices overrides
	gpus     gpuFlag
}

// resolveRunPrices fills p.prices from the catalogue where the command
// line did not give prices, and sets p.tokenPrice, which prices every
// request (cost_usd):
//
//   - --gpus TYPE:COUNT[:OFFER]: the GPU-hour price of the offer, times COUNT
//     (or --gpu-hourly when given, recorded with the GPU type and count);
//   - --price-in/--price-out given: those prices, as before;
//   - otherwise, for api and managed targets: the catalogue's price of
//     (--price-provider or --provider, --model). A miss is a usage error
//     when --price-provider was given, else a note (cost_usd stays 0).
func resolveRunPrices(e *env, p *runPlan) error {
	cat, err := loadCatalog(p.priceFlags.file)
	if err != nil {
		return err
	}
	pr := &p.prices
	opt := func(v float64) *float64 {
		if v == 0 {
			return nil
		}
		return &v
	}
	src := pr.Source // the demo cites its own prices
	if src == "" {
		src = "command line"
	}
	spec := prices.Spec{Provider: p.priceFlags.provider, Source: src, CheckedAt: pr.CheckedAt, CachedInputPer1M: opt(pr.CachedInputPer1M)}
	g := p.priceFlags.gpus
	switch {
	case g.gpuType != "":
		spec.GPUs = &prices.GPUSpec{Type: g.gpuType, Count: g.count, Offer: g.offer}
		spec.InputPer1M, spec.OutputPer1M = opt(pr.InputPer1M), opt(pr.OutputPer1M)
		if pr.GPUHourly > 0 { // an explicit total wins over the catalogue
			spec.USDPerGPUHour = opt(pr.GPUHourly / float64(g.count))
		}
	case pr.InputPer1M > 0 || pr.OutputPer1M > 0:
		// Explicit per-token prices, as given (an unset one is 0).
		spec.InputPer1M, spec.OutputPer1M = &pr.InputPer1M, &pr.OutputPer1M
	case pr.GPUHourly > 0:
		return nil // a GPU-hour total without GPUs: recorded as given
	case spec.Provider == "" && (p.kind == "self-hosted" || p.provider == ""):
		return nil // self-hosted targets are priced by the GPU-hour
	}
	res, err := cat.Resolve(spec, p.provider, p.model)
	switch {
	case err != nil && g.gpuType != "":
		return fmt.Errorf("--gpus %s: %w (or give --gpu-hourly)", g.String(), err)
	case err != nil && p.priceFlags.provider != "":
		return fmt.Errorf("--price-provider: %w", err)
	case errors.Is(err, prices.ErrNotFound) || errors.Is(err, prices.ErrAmbiguous):
		if !p.quiet {
			fmt.Fprintf(e.stderr, "inferbench run: note: %v; cost_usd will be 0 (give --price-in/--price-out, --price-provider or --prices FILE)\n", err)
		}
		return nil
	case err != nil:
		return err
	}
	if gp := res.GPU; gp != nil {
		*pr = results.Prices{GPUHourly: res.HourlyUSD, GPUType: gp.GPU, GPUCount: res.GPUCount, GPUOffer: g.offer,
			USDPerGPUHour: gp.USDPerGPUHour, Source: gp.Source, SourceURL: gp.SourceURL, CheckedAt: gp.CheckedAt}
		if spec.USDPerGPUHour == nil {
			pr.GPUOffer = gp.Offer
		}
		return nil
	}
	*pr = prices.Snapshot(*res.Token)
	if spec.InputPer1M != nil { // explicit prices name no catalogue entry
		pr.Provider, pr.Model = "", ""
	}
	p.tokenPrice = res.Token
	return nil
}
