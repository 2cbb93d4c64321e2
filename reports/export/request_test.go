package export

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

// TestRequestValidate: each wrong combination is named as export's flags
// name it; --joined defaults to csv.
func TestRequestValidate(t *testing.T) {
	for _, tc := range []struct {
		req  Request
		want string // "" valid
	}{
		{Request{Format: "csv"}, ""},
		{Request{Format: "vegeta", Vegeta: VegetaOptions{Warmup: true}}, ""},
		{Request{Joined: true, Format: "parquet"}, ""},
		{Request{}, "--format is required"},
		{Request{Format: "xml"}, `unknown --format "xml"`},
		{Request{Joined: true, Format: "vegeta"}, `--joined writes csv or parquet, not --format "vegeta"`},
		{Request{Joined: true, Format: "csv", Vegeta: VegetaOptions{Warmup: true}}, "--warmup is for vegeta"},
	} {
		err := tc.req.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.req, err, tc.want)
		}
	}
	r := Request{Joined: true}
	if err := r.Validate(); err != nil || r.Format != "csv" || r.What() != "joined csv" {
		t.Errorf("joined default: %q (%s), %v", r.Format, r.What(), err)
	}
}

// TestRequestWriteFile: the file holds what Write writes, readable by
// others, and nothing else is left beside it; a failed export leaves no
// file under the name asked for.
func TestRequestWriteFile(t *testing.T) {
	dir := fixture.WriteRun(t, t.TempDir(), "exp", &results.Manifest{RunID: "exp"}, exportRecs())
	req := Request{Dir: dir, Format: "csv"}
	var want bytes.Buffer
	n, err := req.Write(&want)
	if err != nil || n == 0 {
		t.Fatalf("write: %d rows, %v", n, err)
	}
	outDir := t.TempDir()
	out := filepath.Join(outDir, "requests.csv")
	if m, err := req.WriteFile(out); err != nil || m != n {
		t.Fatalf("write file: %d rows, %v", m, err)
	}
	got, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Errorf("file differs from Write's output (%v)", err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm()&0o044 == 0 {
		t.Errorf("mode %v, %v", fi.Mode(), err)
	}
	bad := Request{Dir: filepath.Join(outDir, "no-run"), Format: "csv"}
	if _, err := bad.WriteFile(filepath.Join(outDir, "bad.csv")); err == nil {
		t.Error("exported a missing run")
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 1 {
		t.Errorf("left %d files, want requests.csv alone", len(entries))
	}
	if _, err := req.WriteFile(filepath.Join(outDir, "missing", "x.csv")); err == nil || !strings.HasPrefix(err.Error(), "cannot write ") {
		t.Errorf("unwritable folder: %v", err)
	}
}
