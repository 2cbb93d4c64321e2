package chart

import (
	"math"
	"strconv"
	"strings"
)

// Axis is one axis of a chart: its label, its scale and how its ticks are
// written.
type Axis struct {
	Label string
	// Log draws the axis in log10 scale; values <= 0 are left out.
	Log bool
	// Min and Max fix the range; when Max <= Min the range comes from the
	// data (a linear axis then starts at zero when the data are all
	// positive, so bars and rates are not exaggerated).
	Min, Max float64
	// Ticks, when set, are the tick values, in place of computed ones.
	Ticks []float64
	// Format writes a tick value; nil writes a compact number (Number).
	Format func(float64) string
}

// scale maps data values of one axis to pixels.
type scale struct {
	log        bool
	lo, hi     float64 // data range (not log-transformed)
	from, to   float64 // pixel range
	tlo, tspan float64 // transformed lo and hi - lo
}

func newScale(log bool, lo, hi, from, to float64) scale {
	s := scale{log: log, lo: lo, hi: hi, from: from, to: to}
	s.tlo = s.t(lo)
	s.tspan = s.t(hi) - s.tlo
	if s.tspan == 0 {
		s.tspan = 1
	}
	return s
}

func (s scale) t(v float64) float64 {
	if s.log {
		return math.Log10(v)
	}
	return v
}

// px is the pixel position of v.
func (s scale) px(v float64) float64 {
	return s.from + (s.t(v)-s.tlo)/s.tspan*(s.to-s.from)
}

// in reports whether v can be drawn on the axis at all.
func (s scale) ok(v float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && (!s.log || v > 0)
}

// dataRange returns the range of values (only those a log axis can show),
// or ok false when there are none.
func dataRange(log bool, values []float64) (lo, hi float64, ok bool) {
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) || (log && v <= 0) {
			continue
		}
		if !ok {
			lo, hi, ok = v, v, true
			continue
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi, ok
}

// resolve picks the axis range and its ticks for the given data values.
func (a Axis) resolve(values []float64) (lo, hi float64, ticks []float64) {
	if a.Max > a.Min && (!a.Log || a.Min > 0) {
		lo, hi = a.Min, a.Max
	} else {
		var ok bool
		lo, hi, ok = dataRange(a.Log, values)
		switch {
		case !ok && a.Log:
			lo, hi = 1, 10
		case !ok:
			lo, hi = 0, 1
		}
		if !a.Log && lo > 0 {
			lo = 0
		}
		if a.Log {
			// Whole decades, so the ends carry labels.
			lo = math.Pow(10, math.Floor(math.Log10(lo)+1e-9))
			hi = math.Pow(10, math.Ceil(math.Log10(hi)-1e-9))
			if hi <= lo {
				hi = lo * 10
			}
		} else {
			if hi <= lo {
				hi = lo + 1
			}
			step := niceStep((hi - lo) / 5)
			lo = math.Floor(lo/step+1e-9) * step
			hi = math.Ceil(hi/step-1e-9) * step
		}
	}
	if len(a.Ticks) > 0 {
		for _, t := range a.Ticks {
			if t >= lo-1e-12*math.Abs(lo) && t <= hi+1e-12*math.Abs(hi) {
				ticks = append(ticks, t)
			}
		}
		return lo, hi, ticks
	}
	if a.Log {
		return lo, hi, logTicks(lo, hi)
	}
	return lo, hi, linearTicks(lo, hi)
}

// niceStep rounds a raw step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// linearTicks are about five round values from lo to hi.
func linearTicks(lo, hi float64) []float64 {
	step := niceStep((hi - lo) / 5)
	var ticks []float64
	start := math.Ceil(lo/step-1e-9) * step
	for i := 0; i < 50; i++ {
		v := start + float64(i)*step
		if v > hi+step*1e-9 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, v)
	}
	return ticks
}

// logTicks are the decades from lo to hi, with 2 and 5 between them when
// the axis spans few decades (so a narrow log axis still has labels).
func logTicks(lo, hi float64) []float64 {
	d0 := int(math.Floor(math.Log10(lo) + 1e-9))
	d1 := int(math.Ceil(math.Log10(hi) - 1e-9))
	mults := []float64{1}
	switch {
	case d1-d0 <= 2:
		mults = []float64{1, 2, 5}
	case d1-d0 <= 4:
		mults = []float64{1, 3}
	}
	var ticks []float64
	for d := d0; d <= d1; d++ {
		for _, m := range mults {
			v := m * math.Pow(10, float64(d))
			if v >= lo*(1-1e-9) && v <= hi*(1+1e-9) {
				ticks = append(ticks, v)
			}
		}
	}
	return ticks
}

// Number writes v compactly: thousands grouped below a million, then
// k/M/B suffixes, at most three significant decimals.
func Number(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e12:
		return trimFloat(v/1e12) + "T"
	case a >= 1e9:
		return trimFloat(v/1e9) + "B"
	case a >= 1e6:
		return trimFloat(v/1e6) + "M"
	case a >= 1e4:
		return Thousands(trimFloat(v))
	}
	return trimFloat(v)
}

// Compact writes v with k/M/B/T suffixes from a thousand up ("250k",
// "1.5M"), for axes where the magnitude matters more than the digits.
func Compact(v float64) string {
	if math.Abs(v) >= 1e3 && math.Abs(v) < 1e6 {
		return trimFloat(v/1e3) + "k"
	}
	if math.Abs(v) < 1e3 {
		return trimFloat(v)
	}
	return Number(v)
}

// trimFloat writes v with up to three significant digits after the point
// and no trailing zeros.
func trimFloat(v float64) string {
	prec := 0
	a := math.Abs(v)
	switch {
	case a == 0:
	case a < 0.01:
		prec = 4
	case a < 0.1:
		prec = 3
	case a < 10:
		prec = 2
	case a < 100:
		prec = 1
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// Thousands puts commas between the thousands of the integer part of a
// formatted number s ("-1234567.5" -> "-1,234,567.5").
func Thousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}
