package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/inferbench/inferbench/prices"
)

// silybenchCommit is the tgarg01/silybench-data commit of the shared copy.
const silybenchCommit = "045df3bf"

type silybenchFile struct {
	Offers []struct {
		Provider      string  `yaml:"provider"`
		GPUType       string  `yaml:"gpu_type"`
		Provisioning  string  `yaml:"provisioning"`
		USDPerGPUHour float64 `yaml:"usd_per_gpu_hour"`
		MinGPUs       int     `yaml:"min_gpus"`
		Product       string  `yaml:"product"`
		Source        string  `yaml:"source"`
		CheckedAt     string  `yaml:"checked_at"`
		Notes         string  `yaml:"notes"`
		Live          bool    `yaml:"live"`
	} `yaml:"offers"`
}

// gpuRow is one GPU price before offer names are assigned.
type gpuRow struct {
	prices.GPUPrice
	slug string // offer name without the provider
}

// sourceURLs gives the page behind the citations of gpu_prices_selected.csv
// (matched by prefix); citations not listed keep an empty URL.
var sourceURLs = []struct{ prefix, url string }{
	{"instances.vantage.sh", "https://instances.vantage.sh/"},
	{"Cyclenerd", "https://github.com/Cyclenerd/google-cloud-pricing-cost-calculator"},
	{"HF dataset tanod/cloud-gpu-list-prices", "https://huggingface.co/datasets/tanod/cloud-gpu-list-prices"},
	{"mirror of aws.amazon.com/ec2/capacityblocks/pricing", "https://aws.amazon.com/ec2/capacityblocks/pricing/"},
	{"kaelresearch.com", "https://kaelresearch.com/blog/gpu-economics-real-inference-costs"},
	{"skypilot-org/skypilot-catalog", "https://github.com/skypilot-org/skypilot-catalog"},
	{"tgarg01/silybench-data", "https://github.com/tgarg01/silybench-data"},
	{"nextplatform.com", "https://www.nextplatform.com/"},
}

// buildGPUs reads silybench's offers first (one clean row per offer, with
// the vendor's pricing page), then the rows of gpu_prices_selected.csv that
// are not the same price again, and names every offer.
func buildGPUs(src string) ([]prices.GPUPrice, error) {
	var rows []gpuRow
	b, err := os.ReadFile(filepath.Join(src, "silybench_gpu_hourly.yaml"))
	if err != nil {
		return nil, err
	}
	var sf silybenchFile
	if err := yaml.Unmarshal(b, &sf); err != nil {
		return nil, fmt.Errorf("silybench_gpu_hourly.yaml: %w", err)
	}
	for _, o := range sf.Offers {
		n := max(o.MinGPUs, 1)
		notes := o.Notes
		// A source may be a URL followed by a remark; the remark goes to notes.
		url, remark, _ := strings.Cut(o.Source, " ")
		if remark != "" {
			notes = joinNotes(strings.Trim(remark, "() "), notes)
		}
		if o.MinGPUs > 1 {
			notes = joinNotes(fmt.Sprintf("rented in units of %d GPUs", o.MinGPUs), notes)
		}
		rows = append(rows, gpuRow{GPUPrice: prices.GPUPrice{
			GPU: prices.CanonicalGPU(o.GPUType), Provider: o.Provider, Pricing: pricing(o.Provisioning, o.Product),
			SKU: o.Product, GPUsPerInstance: n, USDPerGPUHour: o.USDPerGPUHour,
			CheckedAt: o.CheckedAt, SourceURL: url, Notes: notes,
			Source: fmt.Sprintf("tgarg01/silybench-data prices/gpu_hourly.yaml @%s (CC-BY-4.0)", silybenchCommit),
		}})
	}
	sel, err := readGPUSelected(filepath.Join(src, "gpu_prices_selected.csv"))
	if err != nil {
		return nil, err
	}
	dups := 0
	for _, r := range sel {
		if i := samePrice(rows, r); i >= 0 {
			dups++
			continue
		}
		rows = append(rows, r)
	}
	fmt.Fprintf(os.Stderr, "gencatalog: GPU prices: %d from silybench, %d from gpu_prices_selected.csv (%d repeats of a silybench price skipped)\n",
		len(sf.Offers), len(rows)-len(sf.Offers), dups)
	out := nameOffers(rows)
	// Group by GPU type, then provider and offer, for a readable file.
	sort.SliceStable(out, func(a, b int) bool {
		x, y := out[a], out[b]
		if x.GPU != y.GPU {
			return x.GPU < y.GPU
		}
		if x.Provider != y.Provider {
			return x.Provider < y.Provider
		}
		return x.Offer < y.Offer
	})
	return out, nil
}

func samePrice(rows []gpuRow, r gpuRow) int {
	for i, o := range rows {
		if o.Provider == r.Provider && o.GPU == r.GPU && o.Pricing == r.Pricing && o.USDPerGPUHour == r.USDPerGPUHour {
			return i
		}
	}
	return -1
}

// pricing names the way an offer is paid for, from the source's words.
func pricing(p, product string) string {
	p = strings.ToLower(strings.TrimSpace(p))
	lp := strings.ToLower(product)
	switch {
	case strings.Contains(lp, "marketplace") || p == "marketplace":
		return "marketplace"
	case strings.HasPrefix(p, "reserved-1yr"):
		return "reserved-1yr"
	case p == "on-demand-before-june-2025-cut":
		return "on-demand-pre-2025-06"
	case p == "on-demand-equivalent":
		return "on-demand"
	}
	return p
}

var leadingNumber = regexp.MustCompile(`^\s*([0-9]+(?:\.[0-9]+)?)`)

func readGPUSelected(path string) ([]gpuRow, error) {
	rows, err := readCSVRows(path, "provider,sku,gpu,gpu_count,pricing,usd_per_hour_instance,usd_per_gpu_hour,region,source,date")
	if err != nil {
		return nil, err
	}
	var out []gpuRow
	var errs []error
	for i, rec := range rows {
		line := i + 2
		// A few rows give two prices ("1.99 / 2.89", community / secure);
		// the first is this row's, the second is silybench's secure row.
		m := leadingNumber.FindStringSubmatch(rec[6])
		if m == nil {
			errs = append(errs, fmt.Errorf("%s:%d: usd_per_gpu_hour %q is not a price", path, line, rec[6]))
			continue
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		n, err := strconv.Atoi(rec[3])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: gpu_count %q is not a count", path, line, rec[3]))
			continue
		}
		var notes string
		if strings.TrimSpace(rec[6]) != m[1] {
			notes = "source lists " + rec[6]
		}
		if strings.Contains(rec[8], "on-demand 1.64") {
			notes = joinNotes(notes, "on-demand 1.64 in the same source row")
		}
		r := gpuRow{GPUPrice: prices.GPUPrice{
			GPU: prices.CanonicalGPU(rec[2]), Provider: rec[0], Pricing: pricing(rec[4], rec[1]), SKU: rec[1],
			GPUsPerInstance: n, USDPerGPUHour: v, Region: rec[7], Source: rec[8], CheckedAt: rec[9], Notes: notes,
		}}
		for _, s := range sourceURLs {
			if strings.HasPrefix(r.Source, s.prefix) {
				r.SourceURL = s.url
				break
			}
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// nameOffers gives every row an offer name unique per GPU type:
// provider-pricing (runpod-community, aws-on-demand, gcp-spot), with -8x
// for offers rented 8 GPUs at a time. The same offer priced again (same
// GPU, offer and GPUs per instance) keeps the newest price and notes the
// older; a different instance size of the same offer gets its SKU appended
// (aws-on-demand-g6.12xlarge). The provider's default offer (on-demand,
// RunPod's secure cloud) also answers to the bare provider name.
func nameOffers(rows []gpuRow) []prices.GPUPrice {
	var out []prices.GPUPrice
	at := map[string]int{} // gpu|offer -> index in out
	for _, r := range rows {
		g := r.GPUPrice
		slug := g.Pricing
		if g.Provider == "runpod" {
			variant := "secure"
			if strings.Contains(strings.ToLower(g.SKU), "community") {
				variant = "community"
			}
			slug = variant
			if g.Pricing != "on-demand" {
				slug += "-" + g.Pricing
			}
		}
		if g.Provider == "lambda" && g.GPUsPerInstance == 8 {
			slug += "-8x"
		}
		g.Offer = g.Provider + "-" + slug
		key := g.GPU + "|" + g.Offer
		if i, ok := at[key]; ok {
			o := &out[i]
			if o.GPUsPerInstance == g.GPUsPerInstance || g.Provider == "runpod" || g.Provider == "vast" {
				older, newer := o, &g
				if g.CheckedAt < o.CheckedAt {
					older, newer = &g, o
				}
				note := fmt.Sprintf("%s on %s per %s", formatUSD(older.USDPerGPUHour), older.CheckedAt, older.Source)
				n := *newer
				n.Notes = joinNotes(n.Notes, "was "+note)
				*o = n
				continue
			}
			g.Offer += "-" + strings.ToLower(strings.ReplaceAll(g.SKU, " ", "-"))
			key = g.GPU + "|" + g.Offer
		}
		at[key] = len(out)
		out = append(out, g)
	}
	// Default offers answer to the bare provider name.
	for _, pref := range []string{"-on-demand", "-secure", "-on-demand-8x", "-marketplace"} {
		for i := range out {
			g := &out[i]
			if g.Offer != g.Provider+pref || hasProviderAlias(out, g.GPU, g.Provider) {
				continue
			}
			g.Aliases = append(g.Aliases, g.Provider)
			if pref == "-secure" || pref == "-on-demand-8x" {
				g.Aliases = append(g.Aliases, g.Provider+"-on-demand")
			}
		}
	}
	return out
}

func hasProviderAlias(gs []prices.GPUPrice, gpu, provider string) bool {
	for _, g := range gs {
		if g.GPU == gpu && g.Provider == provider {
			for _, a := range g.Aliases {
				if a == provider {
					return true
				}
			}
		}
	}
	return false
}

func formatUSD(v float64) string { return "$" + strconv.FormatFloat(v, 'f', -1, 64) }

func writeGPUs(path string, gs []prices.GPUPrice) error {
	var buf bytes.Buffer
	comments := []string{
		"inferbench price catalogue: GPU rental prices, USD per GPU per hour. GENERATED by prices/internal/gencatalog; do not edit.",
		"A target with N GPUs costs N x usd_per_gpu_hour per hour. Taxes, storage and egress are excluded.",
		"Sources: tgarg01/silybench-data @" + silybenchCommit + " (CC-BY-4.0) and the rows' own sources. See README.md.",
	}
	if err := prices.WriteGPUCSV(&buf, comments, gs); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
