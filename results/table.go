package results

// Generic Parquet tables: one file of rows of one type, written crash-safe
// and read back in batches. The telemetry tables use them; request parts
// are read through ScanTable too (ScanPartAs).

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// TableWriter writes one Parquet file of rows of type T (the telemetry
// tables gpu.parquet and server_metrics.parquet).
//
// Crash safety: rows go to a hidden temporary file (".NAME.tmp") that is
// renamed to NAME only when Close has written the footer, so a reader never
// sees a file without one. A crash loses that run's telemetry, never the
// requests (they have their own parts). Telemetry is small (one row per
// GPU or series per interval), so one file keeps the results layout simple
// for notebooks.
//
// Memory: a row group is flushed to disk every RowGroupRows rows, so memory
// stays bounded however long the run. TableWriter is safe for concurrent use.
type TableWriter[T any] struct {
	mu      sync.Mutex
	path    string
	fs      FS
	tmp     string
	f       File
	w       *parquet.GenericWriter[T]
	pending int
	rows    int64
	closed  bool
	failed  error
	// RowGroupRows is the row-group size (default 4096); set it before the
	// first Write.
	RowGroupRows int
}

// NewTableWriter creates the hidden temporary file for path, with kind
// written into the metadata key MetaKind.
func NewTableWriter[T any](path, runID, kind string) (*TableWriter[T], error) {
	return newTableWriter[T](OS, path, runID, kind)
}

func newTableWriter[T any](fsys FS, path, runID, kind string) (*TableWriter[T], error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	tmp := tmpName(path)
	f, err := fsys.Create(tmp)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	w := parquet.NewGenericWriter[T](f,
		parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}),
		parquet.KeyValueMetadata(MetaSchemaVersion, strconv.Itoa(SchemaVersion)),
		parquet.KeyValueMetadata(MetaRunID, runID),
		parquet.KeyValueMetadata(MetaKind, kind),
		parquet.CreatedBy("inferbench", "", ""),
	)
	return &TableWriter[T]{path: path, fs: fsys, tmp: tmp, f: f, w: w, RowGroupRows: 4096}, nil
}

func tmpName(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
}

// Write appends rows.
func (t *TableWriter[T]) Write(rows []T) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrClosed
	}
	if t.failed != nil {
		return t.failed
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := t.w.Write(rows); err != nil {
		t.failed = fmt.Errorf("results: write %s: %w", t.tmp, err)
		return t.failed
	}
	t.rows += int64(len(rows))
	t.pending += len(rows)
	if t.pending >= max(t.RowGroupRows, 1) {
		if err := t.w.Flush(); err != nil {
			t.failed = fmt.Errorf("results: flush %s: %w", t.tmp, err)
			return t.failed
		}
		t.pending = 0
	}
	return nil
}

// Rows is the number of rows written.
func (t *TableWriter[T]) Rows() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rows
}

// Path is the final file name (it exists once Close returned nil).
func (t *TableWriter[T]) Path() string { return t.path }

// Close writes the footer, syncs, and renames the file into place. A file
// is written even with no rows, so "sampled, nothing seen" differs from
// "not sampled". When anything failed (a write, the footer, the disk) the
// temporary file is removed and the first failure returned: a half file
// is never left behind. Further writes return ErrClosed.
func (t *TableWriter[T]) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	err := t.failed
	if err == nil {
		if err = t.w.Close(); err == nil {
			err = t.f.Sync()
		}
		if err != nil {
			err = fmt.Errorf("results: close %s: %w", t.tmp, err)
		}
	}
	if cerr := t.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("results: close %s: %w", t.tmp, cerr)
	}
	if err == nil {
		if err = t.fs.Rename(t.tmp, t.path); err != nil {
			err = fmt.Errorf("results: %w", err)
		}
	}
	if err != nil {
		_ = t.fs.Remove(t.tmp)
		return err
	}
	return nil
}

// ReadTable reads every row of one telemetry Parquet file. A missing file
// returns (nil, nil): the run did not sample that kind of telemetry.
func ReadTable[T any](path string) ([]T, error) {
	var out []T
	err := ScanTable(path, func(rows []T) error {
		out = append(out, rows...)
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return out, err
}

// ScanTable calls fn with batches of rows of one Parquet file, so memory
// stays bounded. fn must not keep the slice beyond the call. A missing file
// returns an error wrapping os.ErrNotExist.
func ScanTable[T any](path string, fn func(rows []T) error) error {
	f, pf, err := openParquet(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rd := parquet.NewGenericReader[T](pf)
	defer rd.Close()
	buf := make([]T, 256)
	for {
		n, err := rd.Read(buf)
		if n > 0 {
			if ferr := fn(buf[:n]); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		clear(buf)
	}
}

// openParquet opens one of our Parquet files (a request part or a telemetry
// table) and refuses one written by a newer schema version. The caller
// closes the *os.File. A missing file returns an error wrapping
// os.ErrNotExist.
func openParquet(path string) (*os.File, *parquet.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("results: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("results: %w", err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if v, ok := pf.Lookup(MetaSchemaVersion); ok {
		if n, err := strconv.Atoi(v); err == nil && n > SchemaVersion {
			f.Close()
			return nil, nil, fmt.Errorf("%s: schema version %d is newer than this inferbench (%d); upgrade", path, n, SchemaVersion)
		}
	}
	return f, pf, nil
}
