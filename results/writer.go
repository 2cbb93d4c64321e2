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
	// PartInterval bounds the age of the open part (default 10s): a part
	// is closed once its first row is PartInterval old, so a crash loses
	// at most the rows of the last PartInterval. The close starts when the
	// part is 9/10 of PartInterval old, leaving the rest for the footer
	// and the fsync.
	PartInterval time.Duration
	// RowGroupRows flushes a row group every this many rows (default 4096),
	// which bounds the writer's memory.
	RowGroupRows int
	// FS is where the parts are written (default OS); tests give one that
	// fills up.
	FS FS
	// OnPart, when set, is called with each part's path (relative to the
	// run directory) once it is closed and in place, without the writer's
	// lock held: bench rewrites the manifest then.
	OnPart func(part string)
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
	c.FS = orOS(c.FS)
	return c
}

// closeAge is the age at which the interval closes a part: 9/10 of the
// interval, so the footer and the fsync finish within it.
func (c WriterConfig) closeAge() time.Duration { return c.PartInterval - c.PartInterval/10 }

// Writer writes Records as zstd Parquet parts named part-NNNNN.parquet
// under dir/requests. Each part is a TableWriter[Record], so it is complete
// (has its footer) as soon as it is closed; the open part is written to a
// hidden temporary name and renamed when closed, so a reader never sees a
// part without a footer. Writer adds the rotation: a new part every
// PartRows rows, and no part older than PartInterval. A failed write
// fails the writer: the open part's temporary file is removed and every
// later Write returns the failure. Writer is safe for concurrent use.
type Writer struct {
	mu     sync.Mutex
	dir    string
	runID  string
	cfg    WriterConfig
	part   *TableWriter[Record] // the open part, nil between parts
	rows   int                  // rows in the open part
	timer  *time.Timer          // closes the open part at its age limit
	next   int                  // number of the next part
	parts  []string
	total  int64
	closed bool
	failed error
	batch  [1]Record
}

// NewWriter creates runDir/requests and returns a Writer for it.
func NewWriter(runDir, runID string, cfg WriterConfig) (*Writer, error) {
	dir := filepath.Join(runDir, RequestsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	return &Writer{dir: dir, runID: runID, cfg: cfg.withDefaults()}, nil
}

// expire closes part when it reaches its age limit, if it is still the
// open part.
func (w *Writer) expire(part *TableWriter[Record]) {
	w.mu.Lock()
	if w.closed || w.part != part {
		w.mu.Unlock()
		return
	}
	name, err := w.closePart()
	w.fail(err)
	w.mu.Unlock()
	w.notify(name)
}

// fail records the writer's first failure.
func (w *Writer) fail(err error) {
	if err != nil && w.failed == nil {
		w.failed = err
	}
}

// notify tells OnPart about a closed part.
func (w *Writer) notify(name string) {
	if name != "" && w.cfg.OnPart != nil {
		w.cfg.OnPart(name)
	}
}

// Write appends one record.
func (w *Writer) Write(r Record) error {
	name, err := w.write(r)
	w.notify(name)
	return err
}

func (w *Writer) write(r Record) (closed string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return "", ErrClosed
	}
	if w.failed != nil {
		return "", w.failed
	}
	if w.part == nil {
		if err := w.openPart(); err != nil {
			w.fail(err)
			return "", err
		}
	}
	w.batch[0] = r
	err = w.part.Write(w.batch[:])
	w.batch[0] = Record{}
	if err != nil {
		w.fail(err)
		w.discardPart()
		return "", err
	}
	w.rows++
	w.total++
	if w.rows >= w.cfg.PartRows {
		closed, err = w.closePart()
		w.fail(err)
	}
	return closed, err
}

func partName(n int) string { return fmt.Sprintf("part-%05d.parquet", n) }

func (w *Writer) openPart() error {
	part, err := newTableWriter[Record](w.cfg.FS, filepath.Join(w.dir, partName(w.next)), w.runID, "requests")
	if err != nil {
		return err
	}
	part.RowGroupRows = w.cfg.RowGroupRows
	w.part = part
	w.rows = 0
	w.timer = time.AfterFunc(w.cfg.closeAge(), func() { w.expire(part) })
	return nil
}

// closePart finishes the open part: footer, fsync, rename into place. It
// returns the part's path relative to the run directory ("" when no part
// was open); a part that fails to close leaves no file behind.
func (w *Writer) closePart() (string, error) {
	if w.part == nil {
		return "", nil
	}
	part := w.part
	w.part = nil
	w.timer.Stop()
	if err := part.Close(); err != nil {
		return "", err
	}
	w.next++
	name := filepath.Join(RequestsDir, filepath.Base(part.Path()))
	w.parts = append(w.parts, name)
	return name, nil
}

// discardPart drops the open part after a failed write: its rows are lost
// and its temporary file is removed.
func (w *Writer) discardPart() {
	if w.part != nil {
		w.timer.Stop()
		_ = w.part.Close() // fails (the write did), removing the file
		w.part = nil
	}
}

// Flush closes the open part now (if any) so everything written so far is
// readable on disk.
func (w *Writer) Flush() error {
	name, err := w.flush()
	w.notify(name)
	return err
}

func (w *Writer) flush() (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return "", ErrClosed
	}
	name, err := w.closePart()
	w.fail(err)
	return name, w.failed
}

// Close closes the open part and returns the writer's first failure, if
// any: then no temporary part is left behind. Further writes return
// ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	_, err := w.closePart()
	w.fail(err)
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
