package table

import (
	"math"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/reports/chart"
)

// Itoa writes a count.
func Itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Ftoa writes f with prec decimals (-1: as few as it needs).
func Ftoa(f float64, prec int) string { return strconv.FormatFloat(f, 'f', prec, 64) }

// USD formats a dollar amount with at least two decimals and at least
// four significant digits, so a fraction of a cent per request stays
// readable ($0.0002250) and large sums do not sprout decimals
// ($1,234.50; thousands are separated).
func USD(f float64) string {
	if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return "$" + Ftoa(f, 2)
	}
	dec := max(2, 3-int(math.Floor(math.Log10(math.Abs(f)))))
	return "$" + chart.Thousands(Ftoa(f, dec))
}

// Price formats a list price as written: at least two decimals, no
// more than it has ($2.50, $0.075, $10.00).
func Price(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i < 0 {
		s += ".00"
	} else if len(s)-i-1 < 2 {
		s += strings.Repeat("0", 2-(len(s)-i-1))
	}
	return "$" + chart.Thousands(s)
}

// Dash is s, or "-" for an empty cell.
func Dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Mix writes an input share as an input:output mix in percent ("83:17").
func Mix(inputShare float64) string {
	return Ftoa(inputShare*100, 0) + ":" + Ftoa((1-inputShare)*100, 0)
}
