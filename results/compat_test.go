package results

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestReadsPartsWithoutNewerColumns: columns are only ever added, so a
// part written before a column existed still reads, the column zero.
func TestReadsPartsWithoutNewerColumns(t *testing.T) {
	type oldRecord struct { // a schema-1 row from before cache_write_input_tokens and coalesced
		RunID             string  `parquet:"run_id,dict"`
		Status            string  `parquet:"status,dict"`
		Chunks            int32   `parquet:"chunks"`
		ChunkGapsNs       []int64 `parquet:"chunk_gaps_ns,list"`
		InputTokens       int64   `parquet:"input_tokens"`
		CachedInputTokens int64   `parquet:"cached_input_tokens"`
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, RequestsDir), 0o755)
	f, err := os.Create(filepath.Join(dir, RequestsDir, "part-00000.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[oldRecord](f)
	if _, err := w.Write([]oldRecord{{RunID: "old", Status: StatusOK, Chunks: 2, ChunkGapsNs: []int64{5}, InputTokens: 7, CachedInputTokens: 3}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	recs, err := ReadRequests(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].InputTokens != 7 || recs[0].CachedInputTokens != 3 || recs[0].Chunks != 2 ||
		recs[0].CacheWriteInputTokens != 0 || recs[0].Coalesced {
		t.Fatalf("%+v", recs)
	}
}
