package results

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Parquet key-value metadata keys written into every file.
const (
	MetaSchemaVersion = "inferbench.schema_version"
	MetaRunID         = "inferbench.run_id"
	MetaKind          = "inferbench.kind" // requests | gpu | server_metrics
)

// RequestsDir is the folder of request parts inside a run directory.
const RequestsDir = "requests"

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("results: writer closed")

// WriterConfig sets when a part is closed and a new one started. Zero
// values mean the defaults.
type WriterConfig struct {
	// PartRows closes a part after this many rows (default 10000).
	PartRows int
	// PartInterval closes a non-empty part after this long (default 10s),
	// so a crash loses at most that much.
	PartInterval time.Duration
	// RowGroupRows flushes a row group every this many rows (default 4096),
	// which bounds the writer's memory.
	RowGroupRows int
}

func (c WriterConfig) withDefaults() WriterConfig {
	if c.PartRows <= 0 {
		c.PartRows = 10000
	}
	if c.PartInterval <= 0 {
		c.PartInterval = 10 * time.Second
	}
	if c.RowGroupRows <= 0 {
		c.RowGroupRows = 4096
	}
	return c
}

// Writer writes Records as zstd Parquet parts named part-NNNNN.parquet
// under dir/requests. Each part is a TableWriter[Record], so it is complete
// (has its footer) as soon as it is closed; the open part is written to a
// hidden temporary name and renamed when closed, so a reader never sees a
// part without a footer. Writer adds the rotation: a new part every
// PartRows rows or PartInterval. Writer is safe for concurrent use.
type Writer struct {
	mu     sync.Mutex
	dir    string
	runID  string
	cfg    WriterConfig
	part   *TableWriter[Record] // the open part, nil between parts
	rows   int                  // rows in the open part
	opened time.Time
	next   int // number of the next part
	parts  []string
	total  int64
	closed bool
	timer  *time.Timer
	failed error
	batch  [1]Record
}

// NewWriter creates runDir/requests and returns a Writer for it.
func NewWriter(runDir, runID string, cfg WriterConfig) (*Writer, error) {
	dir := filepath.Join(runDir, RequestsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	w := &Writer{dir: dir, runID: runID, cfg: cfg.withDefaults()}
	w.timer = time.AfterFunc(w.cfg.PartInterval, w.tick)
	return w, nil
}

// tick closes the open part when it has been open for PartInterval.
func (w *Writer) tick() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	if w.part != nil && time.Since(w.opened) >= w.cfg.PartInterval {
		if err := w.closePart(); err != nil && w.failed == nil {
			w.failed = err
		}
	}
	w.timer.Reset(w.cfg.PartInterval)
}

// Write appends one record.
func (w *Writer) Write(r Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if w.failed != nil {
		return w.failed
	}
	if w.part == nil {
		if err := w.openPart(); err != nil {
			w.failed = err
			return err
		}
	}
	w.batch[0] = r
	err := w.part.Write(w.batch[:])
	w.batch[0] = Record{}
	if err != nil {
		w.failed = err
		return err
	}
	w.rows++
	w.total++
	if w.rows >= w.cfg.PartRows {
		if err := w.closePart(); err != nil {
			w.failed = err
			return err
		}
	}
	return nil
}

func partName(n int) string { return fmt.Sprintf("part-%05d.parquet", n) }

func (w *Writer) openPart() error {
	part, err := NewTableWriter[Record](filepath.Join(w.dir, partName(w.next)), w.runID, "requests")
	if err != nil {
		return err
	}
	part.RowGroupRows = w.cfg.RowGroupRows
	w.part = part
	w.rows = 0
	w.opened = time.Now()
	return nil
}

// closePart finishes the open part: footer, fsync, rename into place.
func (w *Writer) closePart() error {
	if w.part == nil {
		return nil
	}
	part := w.part
	w.part = nil
	if err := part.Close(); err != nil {
		return err
	}
	w.next++
	w.parts = append(w.parts, filepath.Join(RequestsDir, filepath.Base(part.Path())))
	return nil
}

// Flush closes the open part now (if any) so everything written so far is
// readable on disk.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if err := w.closePart(); err != nil {
		w.failed = err
		return err
	}
	return w.failed
}

// Close closes the open part. Further writes return ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	w.timer.Stop()
	if err := w.closePart(); err != nil {
		return err
	}
	return w.failed
}

// Parts lists the closed parts, relative to the run directory.
func (w *Writer) Parts() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.parts...)
}

// Rows is the number of records written.
func (w *Writer) Rows() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.total
}
