package results

import (
	"path/filepath"
	"sort"
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
		if err := ScanPartAs(p, fn); err != nil {
			return err
		}
	}
	return nil
}

// ScanPart calls fn for every row of one request part (a path from
// PartFiles), like ScanRequests does for a whole run, so that callers can
// read several parts at once.
func ScanPart(path string, fn func(r *Record) error) error { return ScanPartAs(path, fn) }

// ScanPartAs is ScanPart into a struct T of the caller's that names a
// subset of the request columns with the same parquet tags as Record
// (say, only sent_ns and ttft_ns): a convenient way to read a few columns
// and keep less per row. Columns T names that the file lacks read as zero
// values. It is no faster than ScanPart (parquet-go converts the rows to
// T's schema, which costs about what the skipped columns save; see
// BenchmarkScanPartAsSubset); for speed over many rows use ScanColumns.
func ScanPartAs[T any](path string, fn func(r *T) error) error {
	return ScanTable(path, func(rows []T) error {
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		return nil
	})
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
