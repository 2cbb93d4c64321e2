package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// sharedPrices finds the shared price data: $INFERBENCH_SHARED_PRICES, or
// ../shared beside the checkout. The test is skipped without it, since the
// build must not depend on that folder.
func sharedPrices(t *testing.T) string {
	dir := os.Getenv("INFERBENCH_SHARED_PRICES")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "data", "prices")
	}
	if _, err := os.Stat(filepath.Join(dir, "genai-prices", "data_slim.json")); err != nil {
		t.Skipf("shared price data not found at %s (set INFERBENCH_SHARED_PRICES)", dir)
	}
	return dir
}

// The committed catalogue is exactly what the generator makes from the
// shared data: nobody edited it by hand, and the generator is reproducible.
func TestCommittedCatalogueIsGenerated(t *testing.T) {
	src := sharedPrices(t)
	out := t.TempDir()
	if err := run(src, out, "2026-11-26"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"tokens.csv", "gpus.csv", "LICENSE-genai-prices"} {
		got, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", "..", "data", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("prices/data/%s differs from the generator's output: run go generate ./prices", f)
		}
	}
}

func TestRunRejectsBadDate(t *testing.T) {
	if err := run(t.TempDir(), t.TempDir(), "26/11/2026"); err == nil {
		t.Error("bad -asof accepted")
	}
}
