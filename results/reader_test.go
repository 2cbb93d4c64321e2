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

// ScanColumns decodes the same values as the row reader: NULLs as zero,
// empty and non-empty lists, int32 widened, strings, across row groups
// and parts.
func TestScanColumnsMatchesRows(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir, "r1", WriterConfig{PartRows: 7, RowGroupRows: 3})
	if err != nil {
		t.Fatal(err)
	}
	var want []Record
	for i := range 20 {
		r := sampleRecord(i)
		switch i % 4 {
		case 1: // a failure: NULL offsets, no gaps, an error class
			r.FirstTokenNs, r.FirstOutputNs, r.LastTokenNs, r.ChunkGapsNs, r.ChunkTokens = 0, 0, 0, nil, nil
			r.HTTPStatus = 503
			r.SetError(ErrClassHTTP5xx, "busy")
		case 2:
			r.ChunkGapsNs = []int64{int64(i), -1, 1 << 40}
			r.ChunkTokens = nil
		case 3:
			r.ChunkTokens = []int32{-3, 2, 1 << 30}
			r.CostUSD = float64(i) / 3
		}
		r.Warmup = i%5 == 0
		r.Derive()
		want = append(want, r)
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	cols := map[string]int{"warmup": ColBool, "ttft_ns": ColInt64, "http_status": ColInt64, "cost_usd": ColFloat64,
		"status": ColString, "error_class": ColString, "chunk_gaps_ns": ColList, "chunk_tokens": ColList,
		"not_a_column": ColInt64}
	parts, err := PartFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []Record
	for _, p := range parts {
		err := ScanColumns(p, cols, func(g *ColumnGroup) error {
			gapOff, gaps := g.List("chunk_gaps_ns")
			tokOff, toks := g.List("chunk_tokens")
			for i := range g.Rows {
				r := Record{Warmup: g.Bool("warmup")[i], TTFTNs: g.Int64("ttft_ns")[i],
					HTTPStatus: int32(g.Int64("http_status")[i]), CostUSD: g.Float64("cost_usd")[i],
					Status: g.String("status")[i], ErrorClass: g.String("error_class")[i]}
				if g.Int64("not_a_column")[i] != 0 {
					t.Error("a missing column is not zero")
				}
				r.ChunkGapsNs = slices.Clone(gaps[gapOff[i]:gapOff[i+1]])
				for _, v := range toks[tokOff[i]:tokOff[i+1]] {
					r.ChunkTokens = append(r.ChunkTokens, int32(v))
				}
				got = append(got, r)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		if g.Warmup != w.Warmup || g.TTFTNs != w.TTFTNs || g.HTTPStatus != w.HTTPStatus || g.CostUSD != w.CostUSD ||
			g.Status != w.Status || g.ErrorClass != w.ErrorClass ||
			!slices.Equal(g.ChunkGapsNs, w.ChunkGapsNs) || !slices.Equal(g.ChunkTokens, w.ChunkTokens) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}
