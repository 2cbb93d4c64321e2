package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
	"github.com/parquet-go/parquet-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

var exportStart = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// exportRecs are rows in completion order (as a run writes them), not
// send order: ok requests, a 429, a connection failure, a stream that
// broke after its 200, a canceled request and a warm-up.
func exportRecs() []results.Record {
	stamp := func(r results.Record, i int64) results.Record {
		r.RunID, r.Target, r.Model, r.RequestIndex = "exp", "sim-api", "m", i
		r.RequestID = "req-" + string(rune('a'+i))
		r.StartedAt = exportStart.Add(time.Duration(r.SentNs))
		return r
	}
	ok := func(i, sent int64) results.Record {
		r := fixture.OKRec(sent, 20, 100+sent/10, 30, 5, fixture.MsGaps(20, 20, 20, 20), nil)
		r.HTTPStatus = 200
		return stamp(r, i)
	}
	warm := ok(0, 0)
	warm.Warmup = true
	limited := stamp(fixture.FailRec(50, 60, results.ErrClassRateLimited), 3)
	limited.HTTPStatus, limited.ErrorMessage = 429, "slow down, please"
	refused := stamp(fixture.FailRec(70, 71, results.ErrClassConnect), 4)
	refused.ErrorMessage = "dial tcp 127.0.0.1:1: connect: connection refused"
	broken := stamp(fixture.FailRec(80, 300, results.ErrClassStreamBroken), 5)
	broken.HTTPStatus, broken.ErrorMessage = 200, `stream ended, "quoted", with a comma`
	canceled := stamp(results.Record{Status: results.StatusCanceled, ErrorClass: results.ErrClassCanceled,
		ScheduledNs: 90 * fixture.Ms, SentNs: 90 * fixture.Ms, DoneNs: 400 * fixture.Ms}, 6)
	canceled.Derive()
	return []results.Record{warm, ok(2, 40), limited, ok(1, 10), refused, broken, canceled, ok(7, 200)}
}

func TestWriteVegeta(t *testing.T) {
	m := &results.Manifest{RunID: "exp", StartedAt: exportStart,
		Target: results.TargetInfo{Name: "sim-api", Kind: "api", BaseURL: "http://127.0.0.1:8000/v1"}}
	dir := fixture.WriteRun(t, t.TempDir(), "exp", m, exportRecs())
	var b bytes.Buffer
	n, err := WriteVegeta(&b, dir, VegetaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n != 7 {
		t.Fatalf("wrote %d results, want 7 (the warm-up left out)", n)
	}
	fixture.Golden(t, "export-vegeta.json", b.Bytes())

	// vegeta's own decoder and metrics read it.
	dec := vegeta.NewJSONDecoder(bytes.NewReader(b.Bytes()))
	var metrics vegeta.Metrics
	var got []vegeta.Result
	for {
		var r vegeta.Result
		if err := dec.Decode(&r); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		metrics.Add(&r)
		got = append(got, r)
	}
	metrics.Close()
	wantIdx := []int64{1, 2, 3, 4, 5, 6, 7} // send order
	wantCode := []uint16{200, 200, 429, 0, 0, 0, 200}
	for i, r := range got {
		if r.Seq != uint64(i) || r.Attack != "sim-api" || r.Method != "POST" || r.URL != "http://127.0.0.1:8000/v1" {
			t.Errorf("result %d: seq %d attack %q %s %s", i, r.Seq, r.Attack, r.Method, r.URL)
		}
		if r.Code != wantCode[i] {
			t.Errorf("result %d (request %d): code %d, want %d", i, wantIdx[i], r.Code, wantCode[i])
		}
		if i > 0 && r.Timestamp.Before(got[i-1].Timestamp) {
			t.Errorf("result %d sent before result %d", i, i-1)
		}
		if (r.Code == 200) == (r.Error != "") {
			t.Errorf("result %d: code %d with error %q", i, r.Code, r.Error)
		}
	}
	if got[1].Latency != 104*time.Millisecond || got[1].BytesOut != 30 || got[1].BytesIn != 5 {
		t.Errorf("ok result latency %v bytes %d/%d; want E2E 104ms, 30 in, 5 out tokens", got[1].Latency, got[1].BytesOut, got[1].BytesIn)
	}
	if got[4].Latency != 220*time.Millisecond || !strings.HasPrefix(got[4].Error, "stream_broken: stream ended") {
		t.Errorf("broken stream: %v %q", got[4].Latency, got[4].Error)
	}
	// vegeta's success ratio is ours: ok / measured requests.
	run, err := reports.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := reports.Summarize(run, reports.Options{})
	if metrics.Requests != uint64(s.Requests.Total) || metrics.Success != float64(s.Requests.OK)/float64(s.Requests.Total) {
		t.Errorf("vegeta: %d requests, success %v; inferbench: %d, %d ok", metrics.Requests, metrics.Success, s.Requests.Total, s.Requests.OK)
	}
	if metrics.StatusCodes["429"] != 1 || metrics.StatusCodes["0"] != 3 || len(metrics.Errors) != 4 {
		t.Errorf("status codes %v errors %q", metrics.StatusCodes, metrics.Errors)
	}

	// --attack and --warmup.
	b.Reset()
	if n, err := WriteVegeta(&b, dir, VegetaOptions{Attack: "nightly", Warmup: true}); err != nil || n != 8 ||
		!strings.Contains(b.String(), `"attack":"nightly","seq":7,`) {
		t.Errorf("with warm-up: %d, %v\n%s", n, err, b.String())
	}
}

func TestWriteCSV(t *testing.T) {
	dir := fixture.WriteRun(t, t.TempDir(), "exp", &results.Manifest{RunID: "exp"}, exportRecs())
	var b bytes.Buffer
	n, err := WriteCSV(&b, dir)
	if err != nil || n != 8 {
		t.Fatalf("WriteCSV: %d rows, %v", n, err)
	}
	fixture.Golden(t, "export.csv", b.Bytes())
	rows, err := csv.NewReader(bytes.NewReader(b.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// The header is the Parquet schema's columns, in order.
	var names []string
	for _, f := range parquet.SchemaOf(results.Record{}).Fields() {
		names = append(names, f.Name())
	}
	if !reflect.DeepEqual(rows[0], names) {
		t.Errorf("header %q\nwant    %q", rows[0], names)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	recs := exportRecs()
	for i, r := range rows[1:] {
		want := recs[i]
		var gaps []int64
		if err := json.Unmarshal([]byte(r[col["chunk_gaps_ns"]]), &gaps); err != nil || !reflect.DeepEqual(gaps, nonNil(want.ChunkGapsNs)) {
			t.Errorf("row %d chunk_gaps_ns %q (%v)", i, r[col["chunk_gaps_ns"]], err)
		}
		if r[col["error_message"]] != want.ErrorMessage || r[col["status"]] != want.Status {
			t.Errorf("row %d: %q %q", i, r[col["status"]], r[col["error_message"]])
		}
		if ts, err := time.Parse(time.RFC3339Nano, r[col["started_at"]]); err != nil || !ts.Equal(want.StartedAt) {
			t.Errorf("row %d started_at %q", i, r[col["started_at"]])
		}
		// An optional column not observed is an empty cell (NULL).
		if want.TTFTNs == 0 && r[col["ttft_ns"]] != "" {
			t.Errorf("row %d: unobserved ttft_ns is %q, want empty", i, r[col["ttft_ns"]])
		}
	}
}

func nonNil(v []int64) []int64 {
	if v == nil {
		return []int64{}
	}
	return v
}

func TestExportNotARun(t *testing.T) {
	if _, err := WriteCSV(io.Discard, t.TempDir()); !errors.Is(err, reports.ErrNoRun) {
		t.Errorf("CSV of an empty dir: %v", err)
	}
	if _, err := WriteVegeta(io.Discard, t.TempDir(), VegetaOptions{}); !errors.Is(err, reports.ErrNoRun) {
		t.Errorf("vegeta of an empty dir: %v", err)
	}
}
