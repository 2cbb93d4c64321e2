package reports

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/inferbench/inferbench/results"
)

// String writes the SLO as ParseSLO reads it: "ttft=500ms,tpot=50ms".
func (s SLO) String() string { return s.Format("=", ",") }

// Format writes each limit that is set as name, op and duration, joined
// by sep: Format("<=", " ") gives "ttft<=500ms tpot<=50ms".
func (s SLO) Format(op, sep string) string {
	var parts []string
	for _, l := range []struct {
		name string
		d    time.Duration
	}{{"ttft", s.TTFT}, {"tpot", s.TPOT}, {"e2e", s.E2E}, {"itl", s.ITL}} {
		if l.d > 0 {
			parts = append(parts, l.name+op+l.d.String())
		}
	}
	return strings.Join(parts, sep)
}

// ParseSLO reads a comma-separated list of name=duration limits (names
// ttft, tpot, e2e, itl) over base: a limit it names replaces base's, the
// others stay, so a repeated --slo adds to the earlier ones. It reports
// every bad item at once, and an empty result is an error.
func ParseSLO(list string, base SLO) (SLO, error) {
	next := base
	var bad []string
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, val, ok := strings.Cut(item, "=")
		if !ok {
			bad = append(bad, fmt.Sprintf("%q: want name=duration", item))
			continue
		}
		dst := map[string]*time.Duration{"ttft": &next.TTFT, "tpot": &next.TPOT, "e2e": &next.E2E, "itl": &next.ITL}[strings.ToLower(strings.TrimSpace(name))]
		if dst == nil {
			bad = append(bad, fmt.Sprintf("%q: unknown limit %q (want ttft, tpot, e2e or itl)", item, name))
			continue
		}
		d, err := time.ParseDuration(strings.TrimSpace(val))
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("%q: not a duration (like 500ms or 2s)", item))
		case d <= 0:
			bad = append(bad, fmt.Sprintf("%q: must be positive", item))
		default:
			*dst = d
		}
	}
	if len(bad) > 0 {
		return base, errors.New(strings.Join(bad, "; "))
	}
	if next.IsZero() {
		return base, errors.New("no limits given (like ttft=500ms,tpot=50ms)")
	}
	return next, nil
}

// Since is how far back a report looks: an age (7d, 36h, 2w, 90m) counted
// back from the time the report is made, or a fixed date or time.
type Since struct {
	Age  time.Duration
	Time time.Time
	Text string // as given
}

// ParseSince reads an age (7d, 36h, 2w, 90m) or a date or time (RFC 3339,
// 2006-01-02T15:04, 2006-01-02).
func ParseSince(s string) (Since, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return Since{Time: t, Text: s}, nil
		}
	}
	bad := fmt.Errorf("%q: want an age like 7d, 36h or 2w, or a date like 2026-11-01", s)
	var unit time.Duration
	if s != "" {
		unit = map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	}
	var d time.Duration
	if unit != 0 {
		n, err := strconv.ParseFloat(s[:len(s)-1], 64)
		if err != nil {
			return Since{}, bad
		}
		d = time.Duration(n * float64(unit))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return Since{}, bad
		}
	}
	if !(d > 0) {
		return Since{}, fmt.Errorf("%q: the age must be positive", s)
	}
	return Since{Age: d, Text: s}, nil
}

// From is the earliest start time s keeps when the report is made at now
// (zero for the zero Since: any time).
func (s Since) From(now time.Time) time.Time {
	if s.Age > 0 {
		return now.Add(-s.Age)
	}
	return s.Time
}

// OverridePrices are the prices a report is asked to apply instead of the
// runs' own snapshots: per-token (input and output both given, cached
// optional) or per GPU-hour, never both. given says which were given;
// nil without any (the manifests' snapshots then apply).
func OverridePrices(given map[string]bool, in, out, cached, hourly float64) (*results.Prices, error) {
	perToken := given["price-in"] || given["price-out"] || given["price-cached"]
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{{"price-in", in}, {"price-out", out}, {"price-cached", cached}, {"gpu-hourly", hourly}} {
		if given[f.name] && !(f.v >= 0 && f.v <= 1e6) {
			errs = append(errs, fmt.Errorf("--%s %v: want a price from 0 to 1,000,000 USD", f.name, f.v))
		}
	}
	switch {
	case perToken && given["gpu-hourly"]:
		errs = append(errs, errors.New("--gpu-hourly and --price-in/--price-out/--price-cached exclude each other: price a target per token or per GPU-hour"))
	case perToken && !(given["price-in"] && given["price-out"]):
		errs = append(errs, errors.New("per-token prices need both --price-in and --price-out"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	switch {
	case given["gpu-hourly"]:
		return &results.Prices{GPUHourly: hourly, Source: "command line"}, nil
	case perToken:
		return &results.Prices{InputPer1M: in, OutputPer1M: out, CachedInputPer1M: cached, Source: "command line"}, nil
	}
	return nil, nil
}
