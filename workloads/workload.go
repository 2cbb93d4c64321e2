package workloads

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Workload is a workload read into memory: its requests in file order and
// what a run's manifest records about it.
type Workload struct {
	// Name is the file name without its extension, or "sample".
	Name string
	// Path is the path it was read from; empty for the bundled sample.
	Path string
	// Format is the format it was read in (detected or named).
	Format Format
	// SHA256 is the hex digest of the bytes read, which pins the content.
	SHA256 string
	// Skipped counts malformed rows left out (ImportOptions.SkipInvalid).
	Skipped int
	// Requests are the requests, Index 0, 1, ... in file order.
	Requests []Request
}

// Load reads the workload at path: "sample" is the bundled sample; any
// other path is a file in any supported format (detected, or named by
// opts.Format). A native file reports every bad line at once; other
// formats stop at the first malformed row unless opts.SkipInvalid.
func Load(path string, opts ImportOptions) (*Workload, error) {
	w := &Workload{Name: SampleName}
	var b []byte
	if path == SampleName {
		if _, err := os.Stat(path); err == nil {
			return nil, fmt.Errorf(`%q is ambiguous: a file of that name exists; use ./%s for the file`, path, path)
		}
		b = SampleBytes()
	} else {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return nil, err
		}
		w.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		w.Path = path
	}
	sum := sha256.Sum256(b)
	w.SHA256 = hex.EncodeToString(sum[:])
	var err error
	w.Requests, w.Format, w.Skipped, err = readAll(b, displayName(path), opts)
	if err != nil {
		return nil, err
	}
	return w, nil
}

// displayName is how errors name the workload at path.
func displayName(path string) string {
	if path == SampleName {
		return "sample (bundled)"
	}
	return path
}

// readAll parses b in its detected or named format.
func readAll(b []byte, name string, opts ImportOptions) ([]Request, Format, int, error) {
	r, err := NewReader(bytes.NewReader(b), name, opts)
	if err != nil {
		return nil, "", 0, err
	}
	defer r.Close()
	if r.Format() == FormatNative && !opts.SkipInvalid {
		reqs, err := ReadJSONL(bytes.NewReader(b), name)
		return reqs, FormatNative, 0, err
	}
	var reqs []Request
	for {
		req, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", 0, err
		}
		reqs = append(reqs, req)
	}
	if len(reqs) == 0 {
		return nil, "", 0, fmt.Errorf("%s: %w", name, ErrEmpty)
	}
	return reqs, r.Format(), r.Invalid(), nil
}

// SortForReplay orders requests by arrival offset (stable, so equal
// offsets keep file order). It fails, changing nothing, when a request has
// no offset.
func SortForReplay(reqs []Request) error {
	var missing []string
	for i := range reqs {
		if reqs[i].AtMs == nil {
			missing = append(missing, reqs[i].ID)
			if len(missing) == 5 {
				break
			}
		}
	}
	if len(missing) > 0 {
		return errors.New("requests without at_ms cannot be replayed (first: " + strings.Join(missing, ", ") + "); use a rate or a concurrency")
	}
	sort.SliceStable(reqs, func(i, j int) bool { return *reqs[i].AtMs < *reqs[j].AtMs })
	return nil
}
