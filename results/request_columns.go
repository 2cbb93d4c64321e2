package results

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// RequestColumn is one column of a request part as Record's parquet tag
// declares it. Record is the one description of the request schema:
// readers that project a few columns (ScanColumns) name them through
// Projection, and exporters list them through RequestColumns, so neither
// keeps a second list of names and types that could drift from the tags.
type RequestColumn struct {
	// Name is the Parquet column name (the tag's first element).
	Name string
	// Kind is how ScanColumns decodes it: ColInt64, ColFloat64, ColBool,
	// ColString or ColList.
	Kind int
	// Optional columns are NULL when the value was not observed.
	Optional bool
	// Time marks a TIMESTAMP column (started_at), which ScanColumns reads
	// as nanoseconds since the Unix epoch.
	Time bool
}

// requestColumns are Record's columns in Parquet order, read from its
// tags once.
var requestColumns = func() []RequestColumn {
	t := reflect.TypeFor[Record]()
	var out []RequestColumn
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("parquet")
		if tag == "" || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		c := RequestColumn{Name: name, Optional: slices.Contains(strings.Split(opts, ","), "optional")}
		switch k := f.Type.Kind(); {
		case f.Type == reflect.TypeFor[time.Time]():
			c.Kind, c.Time = ColInt64, true
		case k == reflect.String:
			c.Kind = ColString
		case k == reflect.Bool:
			c.Kind = ColBool
		case k == reflect.Float64 || k == reflect.Float32:
			c.Kind = ColFloat64
		case k == reflect.Slice:
			c.Kind = ColList
		default:
			c.Kind = ColInt64
		}
		out = append(out, c)
	}
	return out
}()

// RequestColumns returns every request column in Parquet order (a new
// slice each call).
func RequestColumns() []RequestColumn { return slices.Clone(requestColumns) }

// Projection returns the named request columns with their kinds, the
// argument ScanColumns takes. It panics on a name that is not a column of
// Record: a reader asking for a column the schema does not have is a
// programming error, and panicking where the projection is declared (a
// package-level var, normally) makes every test of that reader catch it.
func Projection(names ...string) map[string]int {
	out := make(map[string]int, len(names))
	for _, n := range names {
		i := slices.IndexFunc(requestColumns, func(c RequestColumn) bool { return c.Name == n })
		if i < 0 {
			panic(fmt.Sprintf("results: %q is not a request column (see Record's parquet tags)", n))
		}
		out[n] = requestColumns[i].Kind
	}
	return out
}
