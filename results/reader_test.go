package results

import (
	"slices"
	"testing"
)

// ScanPartAs reads a struct naming a few columns, in row order, with
// NULLs as zero and a column the file lacks as zero.
func TestScanPartAsSubset(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir, "r1", WriterConfig{PartRows: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		r := sampleRecord(i)
		if i == 2 {
			r.FirstTokenNs, r.ChunkGapsNs = 0, nil
		}
		r.Derive()
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	type subset struct {
		SentNs  int64   `parquet:"sent_ns"`
		TTFTNs  int64   `parquet:"ttft_ns,optional"`
		Gaps    []int64 `parquet:"chunk_gaps_ns,list"`
		Status  string  `parquet:"status,dict"`
		Missing int64   `parquet:"no_such_column,optional"`
	}
	parts, err := PartFiles(dir)
	if err != nil || len(parts) != 1 {
		t.Fatalf("parts %v, %v", parts, err)
	}
	var got []subset
	err = ScanPartAs(parts[0], func(s *subset) error {
		got = append(got, subset{s.SentNs, s.TTFTNs, slices.Clone(s.Gaps), s.Status, s.Missing})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("%d rows, want 5", len(got))
	}
	for i, s := range got {
		r := sampleRecord(i)
		wantTTFT, wantGaps := r.FirstTokenNs-r.SentNs, r.ChunkGapsNs
		if i == 2 {
			wantTTFT, wantGaps = 0, nil
		}
		if s.SentNs != r.SentNs || s.TTFTNs != wantTTFT || !slices.Equal(s.Gaps, wantGaps) || s.Status != StatusOK || s.Missing != 0 {
			t.Errorf("row %d = %+v", i, s)
		}
	}
}
