package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPriceMissNote: a run whose target is priced per token (api, managed)
// and has no price says so on standard error, with or without --provider
// (issue 16: the note came only with --provider); a self-hosted target
// without GPU prices is priced by the hour when given one and gets no note.
func TestPriceMissNote(t *testing.T) {
	tests := []struct {
		args []string
		want string // "" = no note at all
	}{
		{[]string{"--kind", "api"}, `note: prices: no price in the catalogue for model "sim": the api target names no provider`},
		{[]string{"--kind", "managed"}, `the managed target names no provider`},
		{[]string{"--provider", "openai", "--kind", "api"}, `note: prices: no price in the catalogue for model "sim" at openai`},
		{nil, ""}, // loopback: self-hosted
	}
	for _, tt := range tests {
		_, _, stderr, code := runPriced(t, "sim", tt.args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", tt.args, code, stderr)
		}
		if tt.want == "" && strings.Contains(stderr, "note: prices") || tt.want != "" && !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: stderr %q; want note %q", tt.args, stderr, tt.want)
		}
	}
}

// TestSuitePriceMissNote: a suite says the same of each unpriced target,
// already on --dry-run.
func TestSuitePriceMissNote(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.suite.yaml")
	os.WriteFile(file, []byte(`name: s
workload: sample
load: {concurrency: 1, requests: 2}
targets:
  - {name: unpriced-api, kind: api, sim: {preset: exact}}
  - {name: priced-api, kind: api, sim: {preset: exact}, price: {input_per_1m: 1, output_per_1m: 2}}
  - {name: local, sim: {preset: exact}}
`), 0o644)
	e, _, stderr := testEnv(nil)
	if code := dispatch(t.Context(), e, []string{"suite", file, "--dry-run", "--out", dir}); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := stderr.String()
	if !strings.Contains(got, "target unpriced-api: note: prices: no price") || strings.Count(got, "note: prices") != 1 {
		t.Errorf("stderr %q; want one note, for unpriced-api", got)
	}
}
