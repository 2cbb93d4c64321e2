package prices

import (
	"bytes"
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

// WriteTokenTable writes per-token prices as an aligned table (USD per
// 1M tokens) that fits 120 columns for the shipped catalogue: a
// long-context band goes on a line of its own under its row, and each
// source is a numbered note under the table ([1] URL), one per source.
func WriteTokenTable(w io.Writer, ts []TokenPrice) error {
	var notes sourceNotes
	tw := newTable(w)
	fmt.Fprintln(tw, "PROVIDER\tMODEL\tINPUT\tCACHED\tWRITE\tOUTPUT\tCHECKED\tSRC")
	for _, p := range ts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Provider, p.Model, usd(p.InputPer1M),
			optUSD(p.CachedInputPer1M), optUSD(p.CacheWritePer1M), usd(p.OutputPer1M), p.CheckedAt, notes.ref(orElse(p.SourceURL, p.Source)))
		if t := p.LongContext; t != nil {
			fmt.Fprintf(tw, "\t  input > %s tokens:\t%s\t%s\t%s\t%s\t\t\n", kTokens(t.AboveInputTokens), usd(t.InputPer1M),
				optUSD(t.CachedInputPer1M), optUSD(t.CacheWritePer1M), usd(t.OutputPer1M))
		}
	}
	tw.Flush()
	_, err := fmt.Fprintf(w, "\n%d prices, USD per 1M tokens: input, cached input, cache write, output; - = billed at the input\n"+
		"price. \"input > N tokens\": the whole request is billed at the prices of that line once its input\n"+
		"exceeds N tokens.\n%s", len(ts), notes)
	return err
}

// WriteGPUTable writes GPU-hour prices as an aligned table, an offer's
// other names (what --gpus also takes) on a line under its row and each
// source a numbered note under the table.
func WriteGPUTable(w io.Writer, gs []GPUPrice) error {
	var notes sourceNotes
	tw := newTable(w)
	fmt.Fprintln(tw, "GPU\tOFFER\tUSD/GPU-H\tSKU\tGPUS\tCHECKED\tSRC")
	for _, g := range gs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", g.GPU, g.Offer, strconv.FormatFloat(g.USDPerGPUHour, 'f', -1, 64),
			g.SKU, g.GPUsPerInstance, g.CheckedAt, notes.ref(orElse(g.SourceURL, g.Source)))
		if len(g.Aliases) > 0 {
			fmt.Fprintf(tw, "\t  also: %s\t\t\t\t\t\n", strings.Join(g.Aliases, ", "))
		}
	}
	tw.Flush()
	_, err := fmt.Fprintf(w, "\n%d offers. A target with N GPUs costs N x USD/GPU-H per hour (run --gpus TYPE:N:OFFER).\n%s", len(gs), notes)
	return err
}

// table is a tabwriter whose lines lose their trailing spaces (a line
// under a row fills every cell, to keep the columns aligned).
type table struct {
	*tabwriter.Writer
	buf bytes.Buffer
	out io.Writer
}

func newTable(w io.Writer) *table {
	t := &table{out: w}
	t.Writer = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	return t
}

// Flush aligns the table and writes it, each line trimmed at its end.
func (t *table) Flush() error {
	if err := t.Writer.Flush(); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(t.buf.String(), "\n") {
		if line == "" {
			continue
		}
		if _, err := io.WriteString(t.out, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	t.buf.Reset()
	return nil
}

// sourceNotes numbers the distinct sources of a table in the order they
// first appear; String writes them as "[n] source" lines.
type sourceNotes struct {
	list []string
	num  map[string]int
}

// ref is the note number of source, as "[n]"; "-" for none.
func (n *sourceNotes) ref(source string) string {
	if source == "" {
		return "-"
	}
	if n.num == nil {
		n.num = map[string]int{}
	}
	i, ok := n.num[source]
	if !ok {
		n.list = append(n.list, source)
		i = len(n.list)
		n.num[source] = i
	}
	return fmt.Sprintf("[%d]", i)
}

func (n sourceNotes) String() string {
	var b strings.Builder
	if len(n.list) > 0 {
		b.WriteString("Sources (SRC):\n")
	}
	for i, s := range n.list {
		fmt.Fprintf(&b, "  [%d] %s\n", i+1, s)
	}
	return b.String()
}

// usd writes a price with at most six significant digits (a price
// derived by division, such as 0.08333333333333334, as 0.0833333).
func usd(v float64) string {
	s := strconv.FormatFloat(v, 'g', 6, 64)
	if strings.ContainsAny(s, "e") {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return s
}

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
