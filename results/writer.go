package results

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
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
// under dir/requests. Each part is complete (has its footer) as soon as it
// is closed; the open part is written to a hidden temporary name and
// renamed when closed, so a reader never sees a part without a footer.
// Writer is safe for concurrent use.
type Writer struct {
	mu      sync.Mutex
	dir     string
	runID   string
	cfg     WriterConfig
	f       *os.File
	w       *parquet.GenericWriter[Record]
	rows    int // rows in the open part
	pending int // rows since the last row-group flush
	opened  time.Time
	next    int // number of the next part
	parts   []string
	total   int64
	closed  bool
	timer   *time.Timer
	failed  error
	batch   [1]Record
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
	if w.w != nil && time.Since(w.opened) >= w.cfg.PartInterval {
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
	if w.w == nil {
		if err := w.openPart(); err != nil {
			w.failed = err
			return err
		}
	}
	w.batch[0] = r
	if _, err := w.w.Write(w.batch[:]); err != nil {
		w.failed = fmt.Errorf("results: write %s: %w", w.f.Name(), err)
		return w.failed
	}
	w.batch[0] = Record{}
	w.rows++
	w.pending++
	w.total++
	if w.pending >= w.cfg.RowGroupRows {
		if err := w.w.Flush(); err != nil {
			w.failed = fmt.Errorf("results: flush: %w", err)
			return w.failed
		}
		w.pending = 0
	}
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
	name := filepath.Join(w.dir, "."+partName(w.next)+".tmp")
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	w.f = f
	w.w = parquet.NewGenericWriter[Record](f,
		parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}),
		parquet.KeyValueMetadata(MetaSchemaVersion, strconv.Itoa(SchemaVersion)),
		parquet.KeyValueMetadata(MetaRunID, w.runID),
		parquet.KeyValueMetadata(MetaKind, "requests"),
		parquet.CreatedBy("inferbench", "", ""),
	)
	w.rows, w.pending = 0, 0
	w.opened = time.Now()
	return nil
}

// closePart finishes the open part: footer, fsync, rename into place.
func (w *Writer) closePart() error {
	if w.w == nil {
		return nil
	}
	pw, f := w.w, w.f
	w.w, w.f = nil, nil
	tmp := f.Name()
	err := pw.Close()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("results: close %s: %w", tmp, err)
	}
	final := filepath.Join(w.dir, partName(w.next))
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	w.next++
	w.parts = append(w.parts, filepath.Join(RequestsDir, filepath.Base(final)))
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
