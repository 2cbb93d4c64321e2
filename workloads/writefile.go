package workloads

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// WriteFile writes the requests gen yields as native JSON Lines to path,
// or to stdout when path is "-". A file is written beside its final name
// and renamed when complete, so a failed write leaves no half file. It
// returns the number of requests written.
func WriteFile(path string, stdout io.Writer, gen func(yield func(Request) error) error) (int, error) {
	w := stdout
	var f *os.File
	if path != "-" {
		var err error
		if f, err = os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*"); err != nil {
			return 0, err
		}
		defer os.Remove(f.Name()) // a no-op after the rename
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	n := 0
	err := gen(func(r Request) error {
		n++
		return enc.Encode(&r)
	})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && f != nil {
		if err = f.Close(); err == nil {
			err = os.Rename(f.Name(), path)
		}
	}
	return n, err
}

// Skipped describes the rows the reader left out so far ("" when none),
// for a line such as "wrote 10 requests; 2 invalid rows skipped".
func (r *Reader) Skipped() string {
	var parts []string
	if n := r.Failed(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d failed rows skipped (--keep-failed keeps them)", n))
	}
	if n := r.Invalid(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d invalid rows skipped", n))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}

// FilterFile reads the workload file in (as iopts says), keeps the
// requests opts selects and writes them to out as WriteFile does. It
// returns the number written and what it read: the file's format and the
// rows it left out (Reader.Skipped).
func FilterFile(in string, iopts ImportOptions, opts FilterOptions, out string, stdout io.Writer) (n int, format Format, skipped string, err error) {
	r, err := Open(in, iopts)
	if err != nil {
		return 0, "", "", err
	}
	defer r.Close()
	n, err = WriteFile(out, stdout, func(fn func(Request) error) error { return Filter(r, opts, fn) })
	return n, r.Format(), r.Skipped(), err
}
