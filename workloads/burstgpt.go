package workloads

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// burstGPTSource reads BurstGPT (HPMLL/BurstGPT) CSV files by header name,
// so both layouts work:
//
//	v1: Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type
//	v3: Timestamp,Session ID,Elapsed time,Model,Request tokens,Response tokens,Total tokens,Log Type
//
// Timestamps are float seconds from the trace start. A row with Response
// tokens 0 is a failed request: Row.Failed. Rows with a Session ID become
// turns of that session, numbered in file order.
type burstGPTSource struct {
	cr                       *csv.Reader
	name                     string
	ts, input, outp, session int
	ncols                    int
	turns                    map[string]int
}

func newBurstGPTSource(r io.Reader, name string) (*burstGPTSource, error) {
	cr := newCSVReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, csvHeaderError(name, err)
	}
	cols := columnIndex(header)
	s := &burstGPTSource{cr: cr, name: name, ncols: len(header), session: -1, turns: map[string]int{}}
	var ok1, ok2, ok3 bool
	s.ts, ok1 = cols["timestamp"]
	s.input, ok2 = cols["request tokens"]
	s.outp, ok3 = cols["response tokens"]
	if !ok1 || !ok2 || !ok3 {
		return nil, &SyntaxError{File: name, Line: 1, Msg: fmt.Sprintf("want a BurstGPT header with Timestamp, Request tokens and Response tokens, got %q", truncate(strings.Join(header, ","), 120))}
	}
	if i, ok := cols["session id"]; ok {
		s.session = i
	}
	return s, nil
}

func (s *burstGPTSource) next() (Row, error) {
	rec, line, err := readCSV(s.cr, s.name, s.ncols)
	if err != nil {
		return Row{Line: line}, err
	}
	row := Row{Line: line, HasTime: true}
	if row.TimeNs, err = parseSeconds(rec[s.ts]); err != nil {
		return row, &SyntaxError{File: s.name, Line: line, Msg: "Timestamp: " + err.Error()}
	}
	if row.InputTokens, err = parseCount("Request tokens", rec[s.input]); err != nil {
		return row, &SyntaxError{File: s.name, Line: line, Msg: err.Error()}
	}
	if row.OutputTokens, err = parseCount("Response tokens", rec[s.outp]); err != nil {
		return row, &SyntaxError{File: s.name, Line: line, Msg: err.Error()}
	}
	row.Failed = row.OutputTokens == 0
	row.Request.ID = strconv.Itoa(line)
	if s.session >= 0 {
		if id := strings.TrimSpace(rec[s.session]); id != "" {
			row.Request.SessionID = id
			row.Request.Turn = s.turns[id]
			s.turns[id]++
		}
	}
	return row, nil
}

// parseSeconds parses non-negative decimal seconds ("19440110.0", "5",
// "0.25") into nanoseconds exactly, without float rounding; exponent
// forms fall back to float parsing.
func parseSeconds(s string) (int64, error) {
	s = strings.TrimSpace(s)
	// Built only on failure: this runs once per row of the trace.
	bad := func() error { return fmt.Errorf("want seconds as a number >= 0, got %q", truncate(s, 40)) }
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 || math.IsInf(f, 0) || f > math.MaxInt64/1e9 {
			return 0, bad()
		}
		return int64(math.Round(f * 1e9)), nil
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return 0, bad()
	}
	var w int64
	if whole != "" {
		v, err := strconv.ParseInt(whole, 10, 64)
		if err != nil || v < 0 || v > math.MaxInt64/1_000_000_000-1 {
			return 0, bad()
		}
		w = v
	}
	var f int64
	for i, c := range frac {
		if c < '0' || c > '9' {
			return 0, bad()
		}
		if i < 9 {
			f = f*10 + int64(c-'0')
		}
	}
	for i := len(frac); i < 9; i++ {
		f *= 10
	}
	return w*1e9 + f, nil
}
