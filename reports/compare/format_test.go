package compare

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

// TestRenderFormat: each format is its renderer's golden output; an
// unknown one is an error naming the known ones.
func TestRenderFormat(t *testing.T) {
	c := goldenComparison()
	for format, golden := range map[string]string{"text": "compare.txt", "md": "compare.md", "json": "compare.json", "junit": "compare.junit.xml"} {
		var b bytes.Buffer
		if err := Render(&b, c, format); err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("testdata", golden))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s: not %s", format, golden)
		}
	}
	if err := Render(&bytes.Buffer{}, c, "html"); err == nil || !strings.Contains(err.Error(), "text, md, json, junit") {
		t.Errorf("html: %v", err)
	}
}

// TestOptionsValidate: alpha and resamples out of range are both named.
func TestOptionsValidate(t *testing.T) {
	if err := (Options{Alpha: 0.05, Resamples: 1000}).Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	err := Options{Alpha: 0.5, Resamples: 99}.Validate()
	if err == nil || !strings.Contains(err.Error(), "--alpha 0.5") || !strings.Contains(err.Error(), "--resamples 99") {
		t.Errorf("bad options: %v", err)
	}
}

// TestLoadRun: one run directory loads; a folder of two runs is an
// error, as is a folder with no run.
func TestLoadRun(t *testing.T) {
	dir := t.TempDir()
	m := func(id string) *results.Manifest {
		return &results.Manifest{SchemaVersion: 1, RunID: id, StartedAt: time.Unix(0, 0).UTC(), StopReason: results.StopCompleted,
			Target: results.TargetInfo{Name: "t", Kind: "api", Model: "m"}}
	}
	a := fixture.WriteRun(t, dir, "a", m("a"), fixture.SampleRecs())
	fixture.WriteRun(t, dir, "b", m("b"), fixture.SampleRecs())
	if r, err := LoadRun(a); err != nil || r.Manifest.RunID != "a" {
		t.Errorf("one run: %v", err)
	}
	if _, err := LoadRun(dir); err == nil || !strings.Contains(err.Error(), "2 runs, want one run") {
		t.Errorf("two runs: %v", err)
	}
	if _, err := LoadRun(t.TempDir()); err == nil {
		t.Error("an empty folder loaded")
	}
}
