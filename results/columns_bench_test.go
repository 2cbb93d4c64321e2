package results

import (
	"testing"
	"time"
)

// benchPart writes one 10,000-row part with 16 chunk gaps a row and
// returns its path.
func benchPart(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	w, err := NewWriter(dir, "bench", WriterConfig{PartRows: 10_000})
	if err != nil {
		b.Fatal(err)
	}
	gaps := make([]int64, 16)
	for i := range gaps {
		gaps[i] = int64(i+5) * int64(time.Millisecond)
	}
	for i := range 10_000 {
		r := sampleRecord(i)
		r.ChunkGapsNs, r.ChunkTokens = gaps, nil
		r.Derive()
		if err := w.Write(r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	parts, err := PartFiles(dir)
	if err != nil || len(parts) != 1 {
		b.Fatal(parts, err)
	}
	return parts[0]
}

// The three ways to read a part, for the columns a summary needs
// (reports.Load reads 20 with ScanColumns).
type benchSubset struct {
	SentNs  int64   `parquet:"sent_ns"`
	DoneNs  int64   `parquet:"done_ns"`
	TTFTNs  int64   `parquet:"ttft_ns,optional"`
	E2ENs   int64   `parquet:"e2e_ns,optional"`
	Status  string  `parquet:"status,dict"`
	GapsNs  []int64 `parquet:"chunk_gaps_ns,list"`
	OutToks int64   `parquet:"output_tokens"`
}

func BenchmarkScanPartRecord(b *testing.B) {
	p := benchPart(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := ScanPart(p, func(*Record) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScanPartAsSubset(b *testing.B) {
	p := benchPart(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := ScanPartAs(p, func(*benchSubset) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScanColumnsSubset(b *testing.B) {
	p := benchPart(b)
	cols := map[string]int{"sent_ns": ColInt64, "done_ns": ColInt64, "ttft_ns": ColInt64, "e2e_ns": ColInt64,
		"status": ColString, "chunk_gaps_ns": ColList, "output_tokens": ColInt64}
	b.ReportAllocs()
	for b.Loop() {
		if err := ScanColumns(p, cols, func(*ColumnGroup) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
