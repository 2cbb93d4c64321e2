package results

import (
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// RequestColumns is the schema a Writer really writes: the same columns in
// the same order, each of the kind its Parquet type decodes as, optional
// exactly where the file says so.
func TestRequestColumnsMatchWrittenSchema(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir, "r1", WriterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(sampleRecord(0)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	parts, _ := PartFiles(dir)
	f, pf, err := openParquet(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fields := pf.Schema().Fields()
	cols := RequestColumns()
	if len(cols) != len(fields) {
		t.Fatalf("%d request columns, the file has %d", len(cols), len(fields))
	}
	for i, c := range cols {
		fld := fields[i]
		if c.Name != fld.Name() {
			t.Errorf("column %d: %s, the file has %s", i, c.Name, fld.Name())
			continue
		}
		if c.Optional != fld.Optional() {
			t.Errorf("%s: optional %v, the file says %v", c.Name, c.Optional, fld.Optional())
		}
		var want int
		switch {
		case fld.Type().LogicalType() != nil && strings.HasPrefix(fld.Type().LogicalType().String(), "TIMESTAMP"):
			want = ColInt64
			if !c.Time {
				t.Errorf("%s is a TIMESTAMP but not marked Time", c.Name)
			}
		case !fld.Leaf():
			want = ColList
		default:
			switch fld.Type().Kind() {
			case parquet.Boolean:
				want = ColBool
			case parquet.Int32, parquet.Int64:
				want = ColInt64
			case parquet.Double, parquet.Float:
				want = ColFloat64
			case parquet.ByteArray:
				want = ColString
			default:
				t.Errorf("%s: unexpected Parquet kind %v", c.Name, fld.Type().Kind())
			}
		}
		if c.Kind != want {
			t.Errorf("%s: kind %d, its Parquet type decodes as %d", c.Name, c.Kind, want)
		}
	}
}

func TestProjection(t *testing.T) {
	p := Projection("warmup", "ttft_ns", "cost_usd", "status", "chunk_gaps_ns", "started_at")
	want := map[string]int{"warmup": ColBool, "ttft_ns": ColInt64, "cost_usd": ColFloat64,
		"status": ColString, "chunk_gaps_ns": ColList, "started_at": ColInt64}
	if len(p) != len(want) {
		t.Fatalf("Projection = %v, want %v", p, want)
	}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("Projection[%s] = %d, want %d", k, p[k], v)
		}
	}
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "ttft_ms") {
			t.Errorf("Projection of an unknown column: recovered %v, want a panic naming it", r)
		}
	}()
	Projection("ttft_ns", "ttft_ms")
}
