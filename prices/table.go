package prices

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Find is what `inferbench prices` lists: the per-token prices (or, with
// gpus, the GPU-hour prices) whose names contain every term of query, of
// provider when given. A per-token query that the search does not contain
// (a dated snapshot, models/...) may still resolve to one model by
// Lookup; a name Lookup finds ambiguous is no error.
func (c *Catalog) Find(query, provider string, gpus bool) ([]TokenPrice, []GPUPrice, error) {
	var toks []TokenPrice
	var gs []GPUPrice
	for _, en := range c.Search(query) {
		switch {
		case en.GPU != nil && gpus && (provider == "" || en.GPU.Provider == strings.ToLower(provider)):
			gs = append(gs, *en.GPU)
		case en.Token != nil && !gpus && (provider == "" || en.Token.Provider == CanonicalProvider(provider)):
			toks = append(toks, *en.Token)
		}
	}
	if !gpus && len(toks) == 0 && strings.TrimSpace(query) != "" {
		p, err := c.Lookup(provider, query)
		if err == nil {
			toks = append(toks, p)
		} else if !errors.Is(err, ErrAmbiguous) {
			return nil, nil, err
		}
	}
	return toks, gs, nil
}

// WriteTokenTable writes per-token prices as an aligned table with their
// sources (USD per 1M tokens).
func WriteTokenTable(w io.Writer, ts []TokenPrice) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tMODEL\tINPUT\tCACHED\tCACHE-WRITE\tOUTPUT\tLONG CONTEXT\tCHECKED\tSOURCE")
	for _, p := range ts {
		lc := "-"
		if t := p.LongContext; t != nil {
			lc = fmt.Sprintf(">%s: %s/%s/%s/%s", kTokens(t.AboveInputTokens), usd(t.InputPer1M),
				optUSD(t.CachedInputPer1M), optUSD(t.CacheWritePer1M), usd(t.OutputPer1M))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Provider, p.Model, usd(p.InputPer1M),
			optUSD(p.CachedInputPer1M), optUSD(p.CacheWritePer1M), usd(p.OutputPer1M), lc, p.CheckedAt, orElse(p.SourceURL, p.Source))
	}
	tw.Flush()
	_, err := fmt.Fprintf(w, "\n%d prices, USD per 1M tokens; - = billed at the input price. Long context: the whole\n"+
		"request is billed at in/cached/write/out once its input exceeds the threshold.\n", len(ts))
	return err
}

// WriteGPUTable writes GPU-hour prices as an aligned table with their
// sources.
func WriteGPUTable(w io.Writer, gs []GPUPrice) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GPU\tOFFER\tALSO\tUSD/GPU-H\tSKU\tGPUS\tCHECKED\tSOURCE")
	for _, g := range gs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", g.GPU, g.Offer, orElse(strings.Join(g.Aliases, ","), "-"),
			strconv.FormatFloat(g.USDPerGPUHour, 'f', -1, 64), g.SKU, g.GPUsPerInstance, g.CheckedAt, orElse(g.SourceURL, g.Source))
	}
	tw.Flush()
	_, err := fmt.Fprintf(w, "\n%d offers. A target with N GPUs costs N x USD/GPU-H per hour (run --gpus TYPE:N:OFFER).\n", len(gs))
	return err
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

// ParseGPUSpec reads TYPE:COUNT[:OFFER], e.g. H100-SXM-80GB:2:aws-on-demand.
func ParseGPUSpec(s string) (GPUSpec, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
		return GPUSpec{}, fmt.Errorf("want TYPE:COUNT[:OFFER], e.g. H100-SXM-80GB:2:aws-on-demand")
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n <= 0 {
		return GPUSpec{}, fmt.Errorf("GPU count %q: want a whole number > 0", parts[1])
	}
	g := GPUSpec{Type: parts[0], Count: n}
	if len(parts) == 3 {
		g.Offer = parts[2]
	}
	return g, nil
}

// String is the form ParseGPUSpec reads.
func (g GPUSpec) String() string {
	if g.Type == "" {
		return ""
	}
	s := fmt.Sprintf("%s:%d", g.Type, g.Count)
	if g.Offer != "" {
		s += ":" + g.Offer
	}
	return s
}
