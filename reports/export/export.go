// Package export writes a run's request rows for other tools: CSV with
// the Parquet schema's columns (WriteCSV), vegeta's JSON results
// (WriteVegeta), so `vegeta report` and `vegeta plot` read them, and each
// request joined with the server and GPU state it met, as CSV or Parquet
// for notebooks (WriteJoined). It reads the Parquet parts directly, row
// by row, and summarises nothing.
//
// Imports: results (the schema, read through results.RequestColumns and
// Projection), reports (ErrNoRun and the telemetry Joiner), parquet-go
// for the joined Parquet file, and vegeta's result encoder.
package export

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/results"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// errStop ends a scan early.
var errStop = errors.New("stop")

// csvFields are Record's columns in Parquet order, so the CSV header is
// the Parquet schema's column names.
var csvFields = results.RequestColumns()

var csvColumnKinds = func() map[string]int {
	m := map[string]int{}
	for _, f := range csvFields {
		m[f.Name] = f.Kind
	}
	return m
}()

// CSVColumns are the columns WriteCSV writes, in order: every request
// column, named as in the Parquet files (docs/results.md).
func CSVColumns() []string {
	out := make([]string, len(csvFields))
	for i, f := range csvFields {
		out[i] = f.Name
	}
	return out
}

// WriteCSV writes every request row of runDir (warm-up included; see the
// warmup column) as CSV with a header row, in the order the rows are
// stored. A NULL (an optional column that was not observed) is an empty
// cell; lists are JSON arrays; started_at is RFC 3339 with nanoseconds;
// booleans are true/false. It returns the number of rows written.
func WriteCSV(w io.Writer, runDir string) (int64, error) {
	parts, err := requestParts(runDir)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := csv.NewWriter(bw)
	if err := cw.Write(CSVColumns()); err != nil {
		return 0, err
	}
	var n int64
	cells := make([]string, len(csvFields))
	var scratch []byte
	for _, p := range parts {
		err := results.ScanColumns(p, csvColumnKinds, func(g *results.ColumnGroup) error {
			for i := range g.Rows {
				for j, f := range csvFields {
					cells[j], scratch = csvCell(g, f, i, scratch)
				}
				n++
				if err := cw.Write(cells); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("export %s: %w", runDir, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// csvCell formats row i of column f. A zero optional value is NULL: an
// empty cell.
func csvCell(g *results.ColumnGroup, f results.RequestColumn, i int, scratch []byte) (string, []byte) {
	switch f.Kind {
	case results.ColString:
		return g.String(f.Name)[i], scratch
	case results.ColBool:
		v := g.Bool(f.Name)[i]
		if f.Optional && !v {
			return "", scratch
		}
		return strconv.FormatBool(v), scratch
	case results.ColFloat64:
		v := g.Float64(f.Name)[i]
		if f.Optional && v == 0 {
			return "", scratch
		}
		return strconv.FormatFloat(v, 'g', -1, 64), scratch
	case results.ColList:
		off, vals := g.List(f.Name)
		scratch = append(scratch[:0], '[')
		for k, v := range vals[off[i]:off[i+1]] {
			if k > 0 {
				scratch = append(scratch, ',')
			}
			scratch = strconv.AppendInt(scratch, v, 10)
		}
		scratch = append(scratch, ']')
		return string(scratch), scratch
	}
	v := g.Int64(f.Name)[i]
	if f.Optional && v == 0 || f.Time && v == 0 {
		return "", scratch
	}
	if f.Time {
		return time.Unix(0, v).UTC().Format(time.RFC3339Nano), scratch
	}
	return strconv.FormatInt(v, 10), scratch
}

func requestParts(runDir string) ([]string, error) {
	parts, err := results.PartFiles(runDir)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", runDir, err)
	}
	if len(parts) == 0 {
		if _, err := results.ReadManifest(runDir); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("export %s: %w", runDir, reports.ErrNoRun)
		}
	}
	return parts, nil
}

// vegetaRow is what a vegeta Result is made of, compactly: a 1M-request
// run is held whole to sort it into send order. Error texts are indexes
// into a table of distinct texts.
type vegetaRow struct {
	startedAt, scheduledNs, sentNs, doneNs, e2eNs int64
	requestIndex                                  int64
	inputTokens, outputTokens                     int64
	attempt, httpStatus                           int32
	errText                                       int32 // index into the text table; 0 = none
	ok                                            bool
}

var vegetaColumns = results.Projection("warmup", "request_index", "attempt", "started_at", "scheduled_ns",
	"sent_ns", "done_ns", "e2e_ns", "input_tokens", "output_tokens", "status", "error_class", "http_status",
	"error_message")

// VegetaOptions name what vegeta's Results carry that a run does not say.
type VegetaOptions struct {
	// Attack is the attack name (vegeta plot's series); default the
	// target's name.
	Attack string
	// Warmup includes the warm-up requests (left out by default, as in
	// every inferbench summary).
	Warmup bool
}

// WriteVegeta writes the measured requests of runDir as vegeta's JSON
// results (one object per line, github.com/tsenart/vegeta/v12/lib's JSON
// encoder), so `vegeta report` and `vegeta plot` read them:
//
//	attack     VegetaOptions.Attack, default the target name
//	seq        0, 1, 2, ... without gaps, in send order (sent_ns)
//	code       http_status for an ok request (200 when not recorded) or a
//	           failed one with a 4xx/5xx status; 0 for a connection failure,
//	           a canceled request, and a stream that failed after a 2xx
//	           status (so vegeta's success ratio is inferbench's)
//	timestamp  started_at (wall clock when sent)
//	latency    e2e (last token - sent) when ok, else done - sent
//	bytes_out  input tokens   (tokens, not bytes: inferbench does not
//	bytes_in   output tokens   record bytes; docs/export.md)
//	error      error_class: error_message for a failed request
//	method     POST; url: the manifest's base_url
//
// It returns the number of results written.
func WriteVegeta(w io.Writer, runDir string, opt VegetaOptions) (int64, error) {
	parts, err := requestParts(runDir)
	if err != nil {
		return 0, err
	}
	m, err := results.ReadManifest(runDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("export %s: %w", runDir, err)
	}
	attack, url, start := opt.Attack, "", time.Time{}
	if m != nil {
		if attack == "" {
			attack = m.Target.Name
		}
		url, start = m.Target.BaseURL, m.StartedAt
	}
	if attack == "" {
		// No manifest: the target comes from the first row.
		if len(parts) > 0 {
			_ = results.ScanPart(parts[0], func(rec *results.Record) error {
				attack = rec.Target
				return errStop
			})
		}
	}
	var rows []vegetaRow
	texts := []string{""}
	textIdx := map[string]int32{"": 0}
	for _, p := range parts {
		err := results.ScanColumns(p, vegetaColumns, func(g *results.ColumnGroup) error {
			warm, status, class, msg := g.Bool("warmup"), g.String("status"), g.String("error_class"), g.String("error_message")
			idx, att, started := g.Int64("request_index"), g.Int64("attempt"), g.Int64("started_at")
			sched, sent, done, e2e := g.Int64("scheduled_ns"), g.Int64("sent_ns"), g.Int64("done_ns"), g.Int64("e2e_ns")
			in, out, code := g.Int64("input_tokens"), g.Int64("output_tokens"), g.Int64("http_status")
			for i := range g.Rows {
				if warm[i] && !opt.Warmup {
					continue
				}
				row := vegetaRow{startedAt: started[i], scheduledNs: sched[i], sentNs: sent[i], doneNs: done[i],
					e2eNs: e2e[i], requestIndex: idx[i], inputTokens: in[i], outputTokens: out[i],
					attempt: int32(att[i]), httpStatus: int32(code[i]), ok: status[i] == results.StatusOK}
				if !row.ok {
					text := class[i]
					if text == "" {
						text = status[i]
					}
					if msg[i] != "" {
						text += ": " + msg[i]
					}
					k, seen := textIdx[text]
					if !seen {
						k = int32(len(texts))
						texts = append(texts, text)
						textIdx[text] = k
					}
					row.errText = k
				}
				rows = append(rows, row)
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("export %s: %w", runDir, err)
		}
	}
	slices.SortFunc(rows, func(a, b vegetaRow) int {
		return cmp.Or(cmp.Compare(a.sentNs, b.sentNs), cmp.Compare(a.scheduledNs, b.scheduledNs),
			cmp.Compare(a.requestIndex, b.requestIndex), cmp.Compare(a.attempt, b.attempt))
	})
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := vegeta.NewJSONEncoder(bw)
	for i := range rows {
		res := vegetaResult(&rows[i], texts, uint64(i), attack, url, start)
		if err := enc.Encode(&res); err != nil {
			return int64(i), err
		}
	}
	return int64(len(rows)), bw.Flush()
}

func vegetaResult(r *vegetaRow, texts []string, seq uint64, attack, url string, start time.Time) vegeta.Result {
	res := vegeta.Result{Attack: attack, Seq: seq, Method: "POST", URL: url,
		BytesOut: uint64(max(r.inputTokens, 0)), BytesIn: uint64(max(r.outputTokens, 0))}
	switch {
	case r.startedAt != 0:
		res.Timestamp = time.Unix(0, r.startedAt).UTC()
	case !start.IsZero():
		res.Timestamp = start.Add(time.Duration(r.sentNs))
	}
	if r.ok {
		res.Code = 200
		if r.httpStatus > 0 {
			res.Code = uint16(r.httpStatus)
		}
		res.Latency = time.Duration(r.e2eNs)
		if res.Latency <= 0 {
			res.Latency = time.Duration(r.doneNs - r.sentNs)
		}
		return res
	}
	if r.httpStatus >= 400 && r.httpStatus < 1000 {
		res.Code = uint16(r.httpStatus)
	}
	res.Latency = time.Duration(max(r.doneNs-r.sentNs, 0))
	res.Error = texts[r.errText]
	return res
}
