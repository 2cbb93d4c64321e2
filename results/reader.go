package results

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// PartFiles lists the closed request parts of a run directory in order.
// Hidden temporary parts (an open part at crash time) are not listed.
func PartFiles(runDir string) ([]string, error) {
	parts, err := filepath.Glob(filepath.Join(runDir, RequestsDir, "part-*.parquet"))
	if err != nil {
		return nil, err
	}
	sort.Strings(parts)
	return parts, nil
}

// ScanRequests calls fn for every request row of a run directory, part by
// part, reading a batch of rows at a time, so memory stays bounded however
// large the run. fn must not keep r beyond the call.
func ScanRequests(runDir string, fn func(r *Record) error) error {
	parts, err := PartFiles(runDir)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if err := scanPart(p, fn); err != nil {
			return err
		}
	}
	return nil
}

// ScanPart calls fn for every row of one request part (a path from
// PartFiles), like ScanRequests does for a whole run, so that callers can
// read several parts at once.
func ScanPart(path string, fn func(r *Record) error) error { return scanPart(path, fn) }

func scanPart(path string, fn func(r *Record) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if v, ok := pf.Lookup(MetaSchemaVersion); ok {
		if n, err := strconv.Atoi(v); err == nil && n > SchemaVersion {
			return fmt.Errorf("%s: schema version %d is newer than this inferbench (%d); upgrade", path, n, SchemaVersion)
		}
	}
	rd := parquet.NewGenericReader[Record](pf)
	defer rd.Close()
	buf := make([]Record, 256)
	for {
		n, err := rd.Read(buf)
		for i := 0; i < n; i++ {
			if ferr := fn(&buf[i]); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
}

// ReadRequests reads every request row of a run directory into memory.
func ReadRequests(runDir string) ([]Record, error) {
	var out []Record
	err := ScanRequests(runDir, func(r *Record) error {
		out = append(out, *r)
		return nil
	})
	return out, err
}
