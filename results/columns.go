package results

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// ColumnGroup is the values of some request columns for the rows of one
// Parquet row group, column by column: the fast way to read a few columns
// of many rows (ScanColumns). Slices are indexed by row; a NULL or a
// column the file lacks reads as the zero value. The slices are reused for
// the next group: copy what must outlive the callback.
type ColumnGroup struct {
	// Rows is the number of rows in the group.
	Rows int
	// Index is the group's position in the part (0 = first), and PartRows
	// the part's rows in all groups: enough to size buffers once per part.
	Index    int
	PartRows int64
	cols     map[string]*columnData
}

// columnData is one column of a group: scalars, or a list's offsets
// (row i's elements are ints[offsets[i]:offsets[i+1]]).
type columnData struct {
	ints    []int64
	floats  []float64
	bools   []bool
	strs    []string
	offsets []int32
	list    bool
	intern  map[string]string
}

// Int64 is an integer column (int32 columns widen), one value per row.
func (g *ColumnGroup) Int64(name string) []int64 { return g.col(name).ints[:g.Rows] }

// Float64 is a floating-point column, one value per row.
func (g *ColumnGroup) Float64(name string) []float64 { return g.col(name).floats[:g.Rows] }

// Bool is a boolean column, one value per row.
func (g *ColumnGroup) Bool(name string) []bool { return g.col(name).bools[:g.Rows] }

// String is a string column, one value per row.
func (g *ColumnGroup) String(name string) []string { return g.col(name).strs[:g.Rows] }

// List is a list-of-integers column (chunk_gaps_ns, chunk_tokens): row i's
// elements are values[offsets[i]:offsets[i+1]].
func (g *ColumnGroup) List(name string) (offsets []int32, values []int64) {
	c := g.col(name)
	return c.offsets[:g.Rows+1], c.ints
}

func (g *ColumnGroup) col(name string) *columnData {
	c, ok := g.cols[name]
	if !ok {
		panic("results: column " + strconv.Quote(name) + " was not asked of ScanColumns")
	}
	return c
}

// Column kinds for ScanColumns.
const (
	ColInt64   = iota // int32 or int64 (timestamps: nanoseconds)
	ColFloat64        // double
	ColBool           // boolean
	ColString         // byte array
	ColList           // list of int32 or int64
)

// ScanColumns calls fn for every row group of one request part (a path
// from PartFiles) with the columns named in cols (name -> ColInt64,
// ColFloat64, ...) decoded. It reads only those column chunks and decodes
// them straight into slices, without building rows or using reflection,
// which makes it several times faster than ScanPartAs for a summary's
// dozen-odd columns.
func ScanColumns(path string, cols map[string]int, fn func(g *ColumnGroup) error) error {
	f, pf, err := openParquet(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// The leaf column index of each name: its first path element.
	index := map[string]int{}
	for i, p := range pf.Schema().Columns() {
		if _, dup := index[p[0]]; !dup {
			index[p[0]] = i
		}
	}
	g := &ColumnGroup{PartRows: pf.NumRows(), cols: map[string]*columnData{}}
	for name, kind := range cols {
		g.cols[name] = &columnData{list: kind == ColList, intern: map[string]string{}}
	}
	buf := make([]parquet.Value, 1024)
	for gi, rg := range pf.RowGroups() {
		n := int(rg.NumRows())
		g.Rows, g.Index = n, gi
		chunks := rg.ColumnChunks()
		for name, kind := range cols {
			c := g.cols[name]
			c.reset(kind, n)
			i, ok := index[name]
			if !ok {
				continue // a column this file lacks: zero values
			}
			if err := c.read(chunks[i], kind, n, buf); err != nil {
				return fmt.Errorf("%s: column %s: %w", path, name, err)
			}
		}
		if err := fn(g); err != nil {
			return err
		}
	}
	return nil
}

// reset sizes c for n rows of zero values.
func (c *columnData) reset(kind, n int) {
	switch kind {
	case ColInt64:
		c.ints = zeroed(c.ints, n)
	case ColFloat64:
		c.floats = zeroed(c.floats, n)
	case ColBool:
		c.bools = zeroed(c.bools, n)
	case ColString:
		c.strs = zeroed(c.strs, n)
	case ColList:
		c.offsets = zeroed(c.offsets, n+1)
		c.ints = c.ints[:0]
	}
}

func zeroed[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// read decodes one column chunk of n rows into c.
func (c *columnData) read(chunk parquet.ColumnChunk, kind, n int, buf []parquet.Value) error {
	pages := chunk.Pages()
	defer pages.Close()
	row := -1 // for lists: the row of the last value
	next := 0 // for scalars: the row of the next value
	for {
		page, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		vals := page.Values()
		for {
			k, err := vals.ReadValues(buf)
			for _, v := range buf[:k] {
				if kind == ColList {
					if v.RepetitionLevel() == 0 {
						row++
						if row >= n {
							parquet.Release(page)
							return fmt.Errorf("more than %d rows", n)
						}
						c.offsets[row+1] = c.offsets[row]
					}
					if row < 0 || v.IsNull() {
						continue
					}
					c.ints = append(c.ints, intOf(v))
					c.offsets[row+1]++
					continue
				}
				if next >= n {
					parquet.Release(page)
					return fmt.Errorf("more than %d rows", n)
				}
				if !v.IsNull() {
					switch kind {
					case ColInt64:
						c.ints[next] = intOf(v)
					case ColFloat64:
						c.floats[next] = v.Double()
					case ColBool:
						c.bools[next] = v.Boolean()
					case ColString:
						b := v.ByteArray()
						s, ok := c.intern[string(b)]
						if !ok {
							s = string(b)
							if len(c.intern) < 4096 { // dictionary-like columns only
								c.intern[s] = s
							}
						}
						c.strs[next] = s
					}
				}
				next++
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				parquet.Release(page)
				return err
			}
		}
		parquet.Release(page)
	}
	// A list's rows after the last value (none) keep their offsets.
	if kind == ColList {
		for r := row + 1; r < n; r++ {
			c.offsets[r+1] = c.offsets[r]
		}
	}
	return nil
}

func intOf(v parquet.Value) int64 {
	if v.Kind() == parquet.Int32 {
		return int64(v.Int32())
	}
	return v.Int64()
}
