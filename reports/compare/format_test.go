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

// TestWriteAll: the main format goes to w (or its file), each other
// format named to its file, and a write that fails (a missing folder)
// does not stop the others.
func TestWriteAll(t *testing.T) {
	c := goldenComparison()
	dir := t.TempDir()
	md, junit, bad := filepath.Join(dir, "c.md"), filepath.Join(dir, "c.xml"), filepath.Join(dir, "none", "c.json")
	var w bytes.Buffer
	written, err := WriteAll(&w, c, "text", "", map[string]string{"md": md, "json": bad, "junit": junit, "out": "ignored"})
	if err == nil || !strings.Contains(err.Error(), "none") {
		t.Errorf("error %v, want the failed json write", err)
	}
	if strings.Join(written, ",") != md+","+junit {
		t.Errorf("wrote %q, want md then junit", written)
	}
	for file, golden := range map[string]string{md: "compare.md", junit: "compare.junit.xml"} {
		got, _ := os.ReadFile(file)
		want, _ := os.ReadFile(filepath.Join("testdata", golden))
		if len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("%s: not %s", file, golden)
		}
	}
	if want, _ := os.ReadFile(filepath.Join("testdata", "compare.txt")); !bytes.Equal(w.Bytes(), want) {
		t.Error("w: not compare.txt")
	}
	out := filepath.Join(dir, "c.json")
	w.Reset()
	if written, err := WriteAll(&w, c, "json", out, nil); err != nil || len(written) != 1 || w.Len() != 0 {
		t.Errorf("to out: wrote %q, %v, %d bytes on w", written, err, w.Len())
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
