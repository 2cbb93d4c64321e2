// Command gencatalog builds the shipped price catalogue (prices/data/*.csv)
// from the public price tables in the project's shared data folder:
//
//   - genai-prices/data_slim.json and genai-prices/providers/*.yml
//     (pydantic/genai-prices, MIT): per-token prices with long-context tiers
//     and dated price changes; the YAML files give each model's
//     prices_checked date, display name and pricing page.
//   - api_prices_selected.csv: the project's selection of per-token prices,
//     each with its source and check date (some from LiteLLM).
//   - silybench_gpu_hourly.yaml (tgarg01/silybench-data, CC-BY-4.0) and
//     gpu_prices_selected.csv: GPU-hour prices.
//
// It is reproducible: the same inputs and -asof give byte-identical output
// (no clock, no map order, no network). Run it with `go generate ./prices`
// from a checkout that has ../shared next to it, or pass -src.
//
// Where two sources disagree on a price, the generator stops unless the
// disagreement is resolved in the resolutions table below, with a reason;
// known errors of other catalogues are fixed there, not silently.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	src := flag.String("src", "../../shared/data/prices", "folder with the shared price data")
	out := flag.String("out", "data", "folder to write tokens.csv, gpus.csv and the licence files to")
	asof := flag.String("asof", "", "the day (YYYY-MM-DD) whose prices to take where a source lists dated price changes (required)")
	flag.Parse()
	if err := run(*src, *out, *asof); err != nil {
		fmt.Fprintln(os.Stderr, "gencatalog:", err)
		os.Exit(1)
	}
}

func run(src, out, asof string) error {
	if !isDate(asof) {
		return fmt.Errorf("-asof %q: want YYYY-MM-DD", asof)
	}
	tokens, err := buildTokens(src, asof)
	if err != nil {
		return err
	}
	gpus, err := buildGPUs(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := writeTokens(filepath.Join(out, "tokens.csv"), tokens, asof); err != nil {
		return err
	}
	if err := writeGPUs(filepath.Join(out, "gpus.csv"), gpus); err != nil {
		return err
	}
	lic, err := os.ReadFile(filepath.Join(src, "genai-prices", "LICENSE"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "LICENSE-genai-prices"), lic, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gencatalog: %d per-token prices, %d GPU-hour prices\n", len(tokens), len(gpus))
	return nil
}

func isDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, r := range s {
		if i != 4 && i != 7 && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
