package results

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parquet-go/parquet-go"
)

func sampleRecord(i int) Record {
	return Record{
		RunID: "r1", Target: "sim", TargetKind: "api", Model: "m", Workload: "w",
		RequestIndex: int64(i), RequestID: strconv.Itoa(i + 1), SessionID: "s", Turn: 2,
		StartedAt:   time.Date(2026, 11, 26, 10, 0, 0, i, time.UTC),
		ScheduledNs: int64(i) * 1000, SentNs: int64(i)*1000 + 5, HeadersNs: 100, FirstEventNs: 150, FirstTokenNs: 200,
		FirstOutputNs: 200, LastTokenNs: 900, DoneNs: 950,
		ChunkGapsNs: []int64{10, 20, 30}, ChunkTokens: []int32{1, 2, 1}, Chunks: 4,
		InputTokens: 12, OutputTokens: 5, RequestedOutputTokens: 5,
		OutputTokensSource: TokensFromUsage, Status: StatusOK, HTTPStatus: 200, FinishReason: "length",
		CostUSD: 0.25,
	}
}

func TestWriterRoundTrip(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir, "r1", WriterConfig{PartRows: 3, RowGroupRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	var want []Record
	for i := 0; i < 7; i++ {
		r := sampleRecord(i)
		if i == 4 { // a failed request: unobserved offsets stay zero, become NULL
			r = Record{RunID: "r1", RequestIndex: 4, RequestID: "5", StartedAt: r.StartedAt,
				ScheduledNs: 0, SentNs: 3, DoneNs: 9}
			r.SetError(ErrClassHTTP5xx, "boom")
			r.HTTPStatus = 503
		}
		want = append(want, r)
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(sampleRecord(9)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close = %v, want ErrClosed", err)
	}
	if got := w.Parts(); len(got) != 3 {
		t.Fatalf("parts = %v, want 3", got)
	}
	got, err := ReadRequests(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		// Empty lists read back as nil or empty; normalise.
		if len(got[i].ChunkGapsNs) == 0 {
			got[i].ChunkGapsNs = want[i].ChunkGapsNs
		}
		if len(got[i].ChunkTokens) == 0 {
			got[i].ChunkTokens = want[i].ChunkTokens
		}
		if !got[i].StartedAt.Equal(want[i].StartedAt) {
			t.Errorf("row %d started_at = %v, want %v", i, got[i].StartedAt, want[i].StartedAt)
		}
		got[i].StartedAt = want[i].StartedAt
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestWriterSchema(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir, "r1", WriterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r := sampleRecord(0)
	r.HeadersNs = 0
	r.ErrorClass = ""
	if err := w.Write(r); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	parts, _ := PartFiles(dir)
	f, err := os.Open(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := pf.Lookup(MetaSchemaVersion); v != strconv.Itoa(SchemaVersion) {
		t.Errorf("schema version metadata = %q", v)
	}
	cols := map[string]parquet.Field{}
	for _, fld := range pf.Schema().Fields() {
		cols[fld.Name()] = fld
	}
	for _, name := range []string{"run_id", "started_at", "scheduled_ns", "ttft_ns", "chunk_gaps_ns", "output_tokens_source", "error_class", "cost_usd"} {
		if _, ok := cols[name]; !ok {
			t.Errorf("column %s missing", name)
		}
	}
	if lt := cols["started_at"].Type().LogicalType(); lt == nil || !strings.HasPrefix(lt.String(), "TIMESTAMP") {
		t.Errorf("started_at is not a TIMESTAMP: %v", cols["started_at"].Type())
	}
	if !cols["headers_ns"].Optional() || cols["sent_ns"].Optional() {
		t.Errorf("headers_ns must be optional and sent_ns required")
	}
	// A NULL reads back as zero.
	rows, err := ReadRequests(dir)
	if err != nil || len(rows) != 1 || rows[0].HeadersNs != 0 {
		t.Fatalf("rows=%v err=%v", rows, err)
	}
}

func TestWriterIntervalClosesPart(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir, "r1", WriterConfig{PartInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Write(sampleRecord(0)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		parts, _ := PartFiles(dir)
		if len(parts) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("open part was never closed by the interval")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The part is readable while the writer is still open (crash safety).
	rows, err := ReadRequests(dir)
	if err != nil || len(rows) != 1 {
		t.Fatalf("rows=%d err=%v", len(rows), err)
	}
	// The hidden temporary part is never listed.
	tmp := filepath.Join(dir, RequestsDir, ".part-00009.parquet.tmp")
	os.WriteFile(tmp, []byte("garbage"), 0o644)
	if rows, err := ReadRequests(dir); err != nil || len(rows) != 1 {
		t.Fatalf("tmp part not ignored: rows=%d err=%v", len(rows), err)
	}
}

// TestWriterRotatesOnPartAge: a part is closed once its first row is 9/10
// of PartInterval old, however long after the writer's creation that row
// came; the timer used to tick from the writer's creation, so a part whose
// first row came just after a tick lived almost two intervals.
func TestWriterRotatesOnPartAge(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		w, err := NewWriter(dir, "r1", WriterConfig{PartInterval: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		parts := func() int { p, _ := PartFiles(dir); return len(p) }
		time.Sleep(7 * time.Second) // the first row comes late
		if err := w.Write(sampleRecord(0)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(8*time.Second + 999*time.Millisecond)
		synctest.Wait()
		if n := parts(); n != 0 {
			t.Fatalf("%d parts closed before the part was 9 s old", n)
		}
		time.Sleep(time.Millisecond) // the part is 9 s old: closed
		synctest.Wait()
		if n := parts(); n != 1 {
			t.Fatalf("%d parts after the first part reached 9/10 of the interval", n)
		}
		// The next part starts at its own first row, 5 s later.
		time.Sleep(5 * time.Second)
		if err := w.Write(sampleRecord(1)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(9 * time.Second)
		synctest.Wait()
		if n := parts(); n != 2 || len(w.Parts()) != 2 {
			t.Fatalf("%d parts on disk, %v listed", n, w.Parts())
		}
	})
}

// TestWriterOnPart: OnPart hears of every part the writer closes, by
// rows, by age or by Flush.
func TestWriterOnPart(t *testing.T) {
	dir := t.TempDir()
	var heard []string
	w, err := NewWriter(dir, "r1", WriterConfig{PartRows: 2, OnPart: func(p string) { heard = append(heard, p) }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := w.Write(sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	want := []string{filepath.Join(RequestsDir, "part-00000.parquet"), filepath.Join(RequestsDir, "part-00001.parquet")}
	if !slices.Equal(heard, want) || !slices.Equal(w.Parts(), want) {
		t.Errorf("heard %v, parts %v, want %v", heard, w.Parts(), want)
	}
}
