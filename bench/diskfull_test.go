package bench

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/inferbench/inferbench/internal/diskfull"
	"github.com/inferbench/inferbench/results"
)

// TestExecuteDiskFull: when the disk fills up, the run stops, says why
// (the part write, not only the manifest), leaves no temporary file, and
// still finalises its manifest as failed in the space held back for it.
func TestExecuteDiskFull(t *testing.T) {
	// Room for the space held back for the final manifest, the first
	// manifest and its rewrites, and not for the first part.
	disk := diskfull.New(results.ManifestReserveBytes + 8<<10)
	p := testPlan(t, tokenTarget{}, testWorkload("a", "b", "c", "d"))
	p.Load.Requests = 40
	p.Outputs.PartRows = 10
	p.Outputs.FS = disk
	var logs []string
	p.Log = func(s string) { logs = append(logs, s) }
	var out Outcome
	var err error
	synctest.Test(t, func(t *testing.T) {
		out, err = Execute(t.Context(), p)
	})
	if err == nil {
		t.Fatal("a full disk did not fail the run")
	}
	// The root cause is the part, named, and it comes first.
	msg := err.Error()
	if !strings.Contains(msg, "no space left on device") || !strings.Contains(msg, ".part-00000.parquet.tmp") ||
		strings.HasPrefix(msg, "write manifest") {
		t.Errorf("error does not lead with the part write: %v", err)
	}
	if out.StopReason != results.StopFailed {
		t.Errorf("outcome stop reason %q", out.StopReason)
	}
	m, rerr := results.ReadManifest(out.Dir)
	if rerr != nil {
		t.Fatalf("no final manifest: %v", rerr)
	}
	if m.StopReason != results.StopFailed || !strings.Contains(m.StopDetail, "no space left on device") ||
		!strings.Contains(m.StopDetail, ".part-00000.parquet.tmp") || m.EndedAt.IsZero() {
		t.Errorf("manifest: stop %q, detail %q, ended %v", m.StopReason, m.StopDetail, m.EndedAt)
	}
	// The counts say what was taken before the failure; no part survived.
	if m.Requests.Sent < 9 || m.Requests.Sent >= 40 || len(m.Parts) != 0 {
		t.Errorf("manifest counts %+v, parts %v", m.Requests, m.Parts)
	}
	// Nothing temporary is left: no open part, no manifest temp, no
	// reserve.
	filepath.WalkDir(out.Dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind: %s", path)
		}
		return nil
	})
	if files, _ := results.PartFiles(out.Dir); len(files) != 0 {
		t.Errorf("parts on a full disk: %v", files)
	}
}

// TestManifestWriterReserve: the space held back is what lets the final
// manifest be written on a disk that is otherwise full.
func TestManifestWriterReserve(t *testing.T) {
	dir := t.TempDir()
	disk := diskfull.New(results.ManifestReserveBytes + 4<<10)
	m := &results.Manifest{RunID: "r", StopReason: results.StopRunning, StartedAt: time.Now()}
	mw, err := results.NewManifestWriter(disk, dir, m)
	if err != nil {
		t.Fatal(err)
	}
	// Something else fills the disk.
	f, _ := disk.Create(filepath.Join(dir, "filler"))
	f.Write(make([]byte, 8<<10))
	f.Close()
	m.Args = []string{strings.Repeat("x", 2<<10)}
	if err := mw.Write(m); err == nil {
		t.Fatal("a rewrite fit on a full disk; the test proves nothing")
	}
	m.StopReason, m.StopDetail = results.StopFailed, "disk full"
	if err := mw.Close(m); err != nil {
		t.Fatalf("final manifest on a full disk: %v", err)
	}
	got, err := results.ReadManifest(dir)
	if err != nil || got.StopReason != results.StopFailed || got.StopDetail != "disk full" {
		t.Fatalf("manifest %+v, %v", got, err)
	}
}
