package reports

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/inferbench/inferbench/results"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// csvField is one Record field as a CSV column.
type csvField struct {
	name     string
	index    int
	optional bool
}

// csvFields are Record's columns in Parquet order, named by their parquet
// tags, so the CSV header is the Parquet schema's column names.
var csvFields = func() []csvField {
	t := reflect.TypeFor[results.Record]()
	var out []csvField
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("parquet")
		if tag == "" || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		out = append(out, csvField{name: name, index: i, optional: slices.Contains(strings.Split(opts, ","), "optional")})
	}
	return out
}()

// CSVColumns are the columns WriteCSV writes, in order: every request
// column, named as in the Parquet files (docs/results.md).
func CSVColumns() []string {
	out := make([]string, len(csvFields))
	for i, f := range csvFields {
		out[i] = f.name
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
	for _, p := range parts {
		err := results.ScanPart(p, func(rec *results.Record) error {
			v := reflect.ValueOf(rec).Elem()
			for i, f := range csvFields {
				cells[i] = csvCell(v.Field(f.index), f.optional)
			}
			n++
			return cw.Write(cells)
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

func csvCell(v reflect.Value, optional bool) string {
	if optional && v.IsZero() {
		return ""
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.Slice:
		if v.Len() == 0 {
			return "[]"
		}
		b, _ := json.Marshal(v.Interface())
		return string(b)
	}
	if t, ok := v.Interface().(time.Time); ok {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v.Interface())
}

func requestParts(runDir string) ([]string, error) {
	parts, err := results.PartFiles(runDir)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", runDir, err)
	}
	if len(parts) == 0 {
		if _, err := results.ReadManifest(runDir); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("export %s: %w", runDir, ErrNoRun)
		}
	}
	return parts, nil
}

// vegetaRow is what a vegeta Result is made of.
type vegetaRow struct {
	Warmup       bool      `parquet:"warmup"`
	RequestIndex int64     `parquet:"request_index"`
	Attempt      int32     `parquet:"attempt"`
	StartedAt    time.Time `parquet:"started_at,timestamp(nanosecond)"`
	ScheduledNs  int64     `parquet:"scheduled_ns"`
	SentNs       int64     `parquet:"sent_ns"`
	DoneNs       int64     `parquet:"done_ns"`
	E2ENs        int64     `parquet:"e2e_ns,optional"`
	InputTokens  int64     `parquet:"input_tokens"`
	OutputTokens int64     `parquet:"output_tokens"`
	Status       string    `parquet:"status,dict"`
	ErrorClass   string    `parquet:"error_class,optional,dict"`
	HTTPStatus   int32     `parquet:"http_status,optional"`
	ErrorMessage string    `parquet:"error_message,optional"`
}

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
	for _, p := range parts {
		err := results.ScanPartAs(p, func(r *vegetaRow) error {
			if r.Warmup && !opt.Warmup {
				return nil
			}
			rows = append(rows, *r)
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("export %s: %w", runDir, err)
		}
	}
	slices.SortFunc(rows, func(a, b vegetaRow) int {
		return cmp.Or(cmp.Compare(a.SentNs, b.SentNs), cmp.Compare(a.ScheduledNs, b.ScheduledNs),
			cmp.Compare(a.RequestIndex, b.RequestIndex), cmp.Compare(a.Attempt, b.Attempt))
	})
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := vegeta.NewJSONEncoder(bw)
	for i := range rows {
		res := vegetaResult(&rows[i], uint64(i), attack, url, start)
		if err := enc.Encode(&res); err != nil {
			return int64(i), err
		}
	}
	return int64(len(rows)), bw.Flush()
}

func vegetaResult(r *vegetaRow, seq uint64, attack, url string, start time.Time) vegeta.Result {
	res := vegeta.Result{Attack: attack, Seq: seq, Timestamp: r.StartedAt, Method: "POST", URL: url,
		BytesOut: uint64(max(r.InputTokens, 0)), BytesIn: uint64(max(r.OutputTokens, 0))}
	if res.Timestamp.IsZero() && !start.IsZero() {
		res.Timestamp = start.Add(time.Duration(r.SentNs))
	}
	if r.Status == results.StatusOK {
		res.Code = 200
		if r.HTTPStatus > 0 {
			res.Code = uint16(r.HTTPStatus)
		}
		res.Latency = time.Duration(r.E2ENs)
		if res.Latency <= 0 {
			res.Latency = time.Duration(r.DoneNs - r.SentNs)
		}
		return res
	}
	if r.HTTPStatus >= 400 && r.HTTPStatus < 1000 {
		res.Code = uint16(r.HTTPStatus)
	}
	res.Latency = time.Duration(max(r.DoneNs-r.SentNs, 0))
	class := r.ErrorClass
	if class == "" {
		class = r.Status
	}
	res.Error = class
	if r.ErrorMessage != "" {
		res.Error += ": " + r.ErrorMessage
	}
	return res
}
