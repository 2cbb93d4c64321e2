package prices

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// The catalogue files are CSV: readable in a diff and in a spreadsheet, and
// read with the standard library. Lines starting with # are comments. A
// list (aliases) is one field with its items separated by "|". An empty
// price field means "not priced separately" (see Rates).

// tokenColumns is the header of the per-token price file.
var tokenColumns = []string{
	"provider", "model", "aliases",
	"input_per_1m", "cached_input_per_1m", "cache_write_per_1m", "output_per_1m",
	"tier_above_input_tokens", "tier_input_per_1m", "tier_cached_input_per_1m", "tier_cache_write_per_1m", "tier_output_per_1m",
	"checked_at", "source", "source_url", "notes",
}

// gpuColumns is the header of the GPU-hour price file.
var gpuColumns = []string{
	"gpu", "offer", "aliases", "provider", "pricing", "sku", "gpus_per_instance",
	"usd_per_gpu_hour", "region", "checked_at", "source", "source_url", "notes",
}

// ReadTokenCSV reads a per-token price file. name is used in errors, which
// read "name:line: what is wrong".
func ReadTokenCSV(r io.Reader, name string) ([]TokenPrice, error) {
	var out []TokenPrice
	err := readCSV(r, name, tokenColumns, func(f []string) error {
		p := TokenPrice{Provider: f[0], Model: f[1], Aliases: splitList(f[2]),
			CheckedAt: f[12], Source: f[13], SourceURL: f[14], Notes: f[15]}
		var err error
		if p.Rates, err = parseRates(f[3:7]); err != nil {
			return err
		}
		if f[7] != "" {
			above, err := strconv.ParseInt(f[7], 10, 64)
			if err != nil {
				return fmt.Errorf("tier_above_input_tokens %q is not a whole number", f[7])
			}
			t := &Tier{AboveInputTokens: above}
			if t.Rates, err = parseRates(f[8:12]); err != nil {
				return fmt.Errorf("tier: %w", err)
			}
			p.LongContext = t
		} else if strings.Join(f[8:12], "") != "" {
			return errors.New("tier prices without tier_above_input_tokens")
		}
		if err := p.validate(); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// ReadGPUCSV reads a GPU-hour price file; errors read "name:line: ...".
func ReadGPUCSV(r io.Reader, name string) ([]GPUPrice, error) {
	var out []GPUPrice
	err := readCSV(r, name, gpuColumns, func(f []string) error {
		g := GPUPrice{GPU: f[0], Offer: f[1], Aliases: splitList(f[2]), Provider: f[3], Pricing: f[4], SKU: f[5],
			Region: f[8], CheckedAt: f[9], Source: f[10], SourceURL: f[11], Notes: f[12]}
		if f[6] != "" {
			n, err := strconv.Atoi(f[6])
			if err != nil || n < 0 {
				return fmt.Errorf("gpus_per_instance %q is not a count", f[6])
			}
			g.GPUsPerInstance = n
		}
		v, err := parsePrice("usd_per_gpu_hour", f[7])
		if err != nil {
			return err
		}
		g.USDPerGPUHour = v
		if err := g.validate(); err != nil {
			return err
		}
		out = append(out, g)
		return nil
	})
	return out, err
}

// readCSV checks the header and calls row for every record, turning its
// error into "name:line: err".
func readCSV(r io.Reader, name string, columns []string, row func([]string) error) error {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	// The header sets the field count; it is checked against columns below.
	cr.FieldsPerRecord = 0
	header, err := cr.Read()
	if err != nil {
		return csvErr(name, err)
	}
	if strings.Join(header, ",") != strings.Join(columns, ",") {
		line, _ := cr.FieldPos(0)
		return fmt.Errorf("%s:%d: header is %q, want %q", name, line, strings.Join(header, ","), strings.Join(columns, ","))
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvErr(name, err)
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if err := row(rec); err != nil {
			line, _ := cr.FieldPos(0)
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
}

// csvErr formats a CSV syntax error as "name:line: what is wrong".
func csvErr(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: %w", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

func parseRates(f []string) (Rates, error) {
	var r Rates
	var err error
	if r.InputPer1M, err = parsePrice("input", f[0]); err != nil {
		return r, err
	}
	if r.CachedInputPer1M, err = parseOptPrice("cached input", f[1]); err != nil {
		return r, err
	}
	if r.CacheWritePer1M, err = parseOptPrice("cache write", f[2]); err != nil {
		return r, err
	}
	if r.OutputPer1M, err = parsePrice("output", f[3]); err != nil {
		return r, err
	}
	return r, nil
}

func parsePrice(what, s string) (float64, error) {
	if s == "" {
		return 0, fmt.Errorf("%s price is missing", what)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) || v < 0 {
		return 0, fmt.Errorf("%s price %q is not a non-negative number", what, s)
	}
	return v, nil
}

func parseOptPrice(what, s string) (*float64, error) {
	if s == "" {
		return nil, nil
	}
	v, err := parsePrice(what, s)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, a := range strings.Split(s, "|") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// WriteTokenCSV writes prices in the catalogue's CSV format, after the
// given comment lines (each written as "# line"). Prices are written in
// the shortest form that reads back as the same float64.
func WriteTokenCSV(w io.Writer, comments []string, ps []TokenPrice) error {
	return writeCSV(w, comments, tokenColumns, len(ps), func(i int) []string {
		p := ps[i]
		rec := []string{p.Provider, p.Model, strings.Join(p.Aliases, "|")}
		rec = append(rec, formatRates(p.Rates)...)
		if t := p.LongContext; t != nil {
			rec = append(rec, strconv.FormatInt(t.AboveInputTokens, 10))
			rec = append(rec, formatRates(t.Rates)...)
		} else {
			rec = append(rec, "", "", "", "", "")
		}
		return append(rec, p.CheckedAt, p.Source, p.SourceURL, p.Notes)
	})
}

// WriteGPUCSV writes GPU-hour prices in the catalogue's CSV format.
func WriteGPUCSV(w io.Writer, comments []string, gs []GPUPrice) error {
	return writeCSV(w, comments, gpuColumns, len(gs), func(i int) []string {
		g := gs[i]
		n := ""
		if g.GPUsPerInstance > 0 {
			n = strconv.Itoa(g.GPUsPerInstance)
		}
		return []string{g.GPU, g.Offer, strings.Join(g.Aliases, "|"), g.Provider, g.Pricing, g.SKU, n,
			formatPrice(g.USDPerGPUHour), g.Region, g.CheckedAt, g.Source, g.SourceURL, g.Notes}
	})
}

func writeCSV(w io.Writer, comments, columns []string, n int, row func(int) []string) error {
	for _, c := range comments {
		if _, err := fmt.Fprintf(w, "# %s\n", c); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(columns); err != nil {
		return err
	}
	for i := range n {
		if err := cw.Write(row(i)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func formatRates(r Rates) []string {
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return formatPrice(*v)
	}
	return []string{formatPrice(r.InputPer1M), opt(r.CachedInputPer1M), opt(r.CacheWritePer1M), formatPrice(r.OutputPer1M)}
}

func formatPrice(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
