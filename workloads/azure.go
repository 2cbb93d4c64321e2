package workloads

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// azureSource reads the Azure LLM inference traces (Azure/AzurePublicDataset,
// 2023 and 2024): a header TIMESTAMP,ContextTokens,GeneratedTokens, then
// one row per request. The 2023 files have CRLF line ends, no final newline
// and 7 fractional digits (2023-11-16 18:15:46.6805900); the 2024 files
// have 6 or none and a +00:00 zone. Columns are found by name.
type azureSource struct {
	cr              *csv.Reader
	name            string
	ts, input, outp int
	ncols           int
}

func newAzureSource(r io.Reader, name string) (*azureSource, error) {
	cr := newCSVReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, csvHeaderError(name, err)
	}
	cols := columnIndex(header)
	s := &azureSource{cr: cr, name: name, ncols: len(header)}
	var ok1, ok2, ok3 bool
	s.ts, ok1 = cols["timestamp"]
	s.input, ok2 = cols["contexttokens"]
	s.outp, ok3 = cols["generatedtokens"]
	if !ok1 || !ok2 || !ok3 {
		return nil, &SyntaxError{File: name, Line: 1, Msg: fmt.Sprintf("want header TIMESTAMP,ContextTokens,GeneratedTokens, got %q", truncate(strings.Join(header, ","), 120))}
	}
	return s, nil
}

func (s *azureSource) next() (Row, error) {
	rec, line, err := readCSV(s.cr, s.name, s.ncols)
	if err != nil {
		return Row{Line: line}, err
	}
	row := Row{Line: line, HasTime: true}
	if row.TimeNs, err = parseAzureTime(rec[s.ts]); err != nil {
		return row, &SyntaxError{File: s.name, Line: line, Msg: err.Error()}
	}
	if row.InputTokens, err = parseCount("ContextTokens", rec[s.input]); err != nil {
		return row, &SyntaxError{File: s.name, Line: line, Msg: err.Error()}
	}
	if row.OutputTokens, err = parseCount("GeneratedTokens", rec[s.outp]); err != nil {
		return row, &SyntaxError{File: s.name, Line: line, Msg: err.Error()}
	}
	row.Request.ID = strconv.Itoa(line)
	return row, nil
}

// parseAzureTime parses "2023-11-16 18:15:46.6805900" with 0 to 9
// fractional digits and an optional zone (+00:00 or Z); a missing zone
// means UTC. It returns Unix nanoseconds.
func parseAzureTime(s string) (int64, error) {
	s = strings.TrimSpace(s)
	layout := "2006-01-02 15:04:05"
	if len(s) > 10 && s[10] == 'T' {
		layout = "2006-01-02T15:04:05"
	}
	// time.Parse accepts a fractional second after the seconds field even
	// when the layout has none; only the zone needs its own layout.
	if i := strings.IndexAny(s[min(len(s), 19):], "Z+-"); i >= 0 {
		layout += "Z07:00"
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return 0, fmt.Errorf("TIMESTAMP: want a time like 2023-11-16 18:15:46.6805900 (0-9 fractional digits, optional +00:00), got %q", truncate(s, 60))
	}
	return t.UnixNano(), nil
}

// parseCount parses a non-negative token count.
func parseCount(col, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s: want a token count (integer >= 0), got %q", col, truncate(s, 40))
	}
	return n, nil
}

// newCSVReader returns a streaming CSV reader that tolerates ragged rows
// (checked by readCSV, with a clearer message) and reuses its buffers.
func newCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	return cr
}

// readCSV reads one record and checks its width, returning the record and
// its line; errors in one record are *SyntaxError so the caller can go on.
func readCSV(cr *csv.Reader, name string, ncols int) ([]string, int, error) {
	rec, err := cr.Read()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, pe.Line, &SyntaxError{File: name, Line: pe.Line, Msg: "malformed CSV: " + pe.Err.Error()}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", name, err)
	}
	line, _ := cr.FieldPos(0)
	if len(rec) != ncols {
		return nil, line, &SyntaxError{File: name, Line: line, Msg: fmt.Sprintf("want %d comma-separated fields as in the header, got %d", ncols, len(rec))}
	}
	return rec, line, nil
}

// columnIndex maps lower-cased, trimmed header names to their positions.
func columnIndex(header []string) map[string]int {
	cols := make(map[string]int, len(header))
	for i, h := range header {
		cols[strings.ToLower(strings.TrimSpace(h))] = i
	}
	return cols
}

func csvHeaderError(name string, err error) error {
	if err == io.EOF {
		return fmt.Errorf("%s: %w", name, ErrEmpty)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &SyntaxError{File: name, Line: pe.Line, Msg: "malformed CSV header: " + pe.Err.Error()}
	}
	return fmt.Errorf("%s: %w", name, err)
}
