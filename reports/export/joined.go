package export

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/results"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// JoinedRow is one request with the server and GPU state it met
// (reports.Joiner): its identity, timings and tokens, the engine's
// running and waiting requests, KV-cache usage and GPU utilisation when it
// was sent, and their largest values while it was in flight. A nil field
// was not observed (no such series, or no sample yet): NULL in Parquet,
// an empty cell in CSV.
type JoinedRow struct {
	RunID        string `parquet:"run_id,dict"`
	RequestIndex int64  `parquet:"request_index"`
	RequestID    string `parquet:"request_id"`
	SessionID    string `parquet:"session_id,optional"`
	Turn         int32  `parquet:"turn"`
	Warmup       bool   `parquet:"warmup"`
	Status       string `parquet:"status,dict"`
	ErrorClass   string `parquet:"error_class,optional,dict"`
	SentNs       int64  `parquet:"sent_ns"`
	DoneNs       int64  `parquet:"done_ns"`
	TTFTNs       *int64 `parquet:"ttft_ns,optional"`
	E2ENs        *int64 `parquet:"e2e_ns,optional"`
	InputTokens  int64  `parquet:"input_tokens"`
	OutputTokens int64  `parquet:"output_tokens"`

	RunningAtSend    *float64 `parquet:"running_at_send,optional"`
	WaitingAtSend    *float64 `parquet:"waiting_at_send,optional"`
	KVUsageAtSend    *float64 `parquet:"kv_usage_at_send,optional"`
	GPUUtilPctAtSend *float64 `parquet:"gpu_util_pct_at_send,optional"`
	MaxRunning       *float64 `parquet:"max_running,optional"`
	MaxWaiting       *float64 `parquet:"max_waiting,optional"`
	MaxKVUsage       *float64 `parquet:"max_kv_usage,optional"`
	MaxGPUUtilPct    *float64 `parquet:"max_gpu_util_pct,optional"`
	MaxSMActivePct   *float64 `parquet:"max_sm_active_pct,optional"`
}

// JoinedColumns are the columns of WriteJoined, in order.
func JoinedColumns() []string {
	t := reflect.TypeFor[JoinedRow]()
	out := make([]string, t.NumField())
	for i := range out {
		out[i], _, _ = strings.Cut(t.Field(i).Tag.Get("parquet"), ",")
	}
	return out
}

// ErrNoTelemetry is returned (wrapped) by WriteJoined for a run without
// GPU or server samples: there is nothing to join.
var ErrNoTelemetry = errors.New("the run has no telemetry (run with --server-metrics, --gpu-metrics or --nvml)")

// WriteJoined writes every request row of runDir (warm-up included, see
// the warmup column) joined with the run's telemetry, one JoinedRow per
// request in stored order, as CSV with a header (format "csv") or as one
// zstd Parquet file ("parquet"). It returns the rows written.
func WriteJoined(w io.Writer, runDir, format string) (int64, error) {
	if format != "csv" && format != "parquet" {
		return 0, fmt.Errorf("export %s: joined format %q (want csv or parquet)", runDir, format)
	}
	if _, err := requestParts(runDir); err != nil {
		return 0, err
	}
	gpu, server, err := telemetry(runDir)
	if err != nil {
		return 0, fmt.Errorf("export %s: %w", runDir, err)
	}
	if len(gpu) == 0 && len(server) == 0 {
		return 0, fmt.Errorf("export %s: %w", runDir, ErrNoTelemetry)
	}
	j := reports.NewJoiner(gpu, server)
	var put func(*JoinedRow) error
	var finish func() error
	switch format {
	case "csv":
		bw := bufio.NewWriterSize(w, 1<<16)
		cw := csv.NewWriter(bw)
		if err := cw.Write(JoinedColumns()); err != nil {
			return 0, err
		}
		put = func(r *JoinedRow) error { return cw.Write(r.cells()) }
		finish = func() error {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			return bw.Flush()
		}
	default:
		pw := parquet.NewGenericWriter[JoinedRow](w, parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}),
			parquet.KeyValueMetadata(results.MetaSchemaVersion, strconv.Itoa(results.SchemaVersion)))
		put = func(r *JoinedRow) error {
			_, err := pw.Write([]JoinedRow{*r})
			return err
		}
		finish = pw.Close
	}
	var n int64
	err = results.ScanRequests(runDir, func(rec *results.Record) error {
		row := joinedRow(rec, j.Request(rec.RequestIndex, rec.SentNs, rec.DoneNs))
		n++
		return put(&row)
	})
	if err == nil {
		err = finish()
	}
	if err != nil {
		return n, fmt.Errorf("export %s: %w", runDir, err)
	}
	return n, nil
}

// telemetry reads the run's GPU and server samples, where it has them.
func telemetry(runDir string) ([]results.GPUSample, []results.ServerMetricSample, error) {
	var gpu []results.GPUSample
	var server []results.ServerMetricSample
	var err error
	if _, serr := os.Stat(filepath.Join(runDir, results.GPUFile)); serr == nil {
		if gpu, err = results.ReadGPU(runDir); err != nil {
			return nil, nil, err
		}
	} else if !errors.Is(serr, fs.ErrNotExist) {
		return nil, nil, serr
	}
	if _, serr := os.Stat(filepath.Join(runDir, results.ServerMetricsFile)); serr == nil {
		if server, err = results.ReadServerMetrics(runDir); err != nil {
			return nil, nil, err
		}
	} else if !errors.Is(serr, fs.ErrNotExist) {
		return nil, nil, serr
	}
	return gpu, server, nil
}

func joinedRow(rec *results.Record, l reports.RequestLoad) JoinedRow {
	opt := func(v int64) *int64 {
		if v == 0 {
			return nil
		}
		return &v
	}
	return JoinedRow{RunID: rec.RunID, RequestIndex: rec.RequestIndex, RequestID: rec.RequestID, SessionID: rec.SessionID,
		Turn: rec.Turn, Warmup: rec.Warmup, Status: rec.Status, ErrorClass: rec.ErrorClass,
		SentNs: rec.SentNs, DoneNs: rec.DoneNs, TTFTNs: opt(rec.TTFTNs), E2ENs: opt(rec.E2ENs),
		InputTokens: rec.InputTokens, OutputTokens: rec.OutputTokens,
		RunningAtSend: l.RunningAtSend, WaitingAtSend: l.WaitingAtSend, KVUsageAtSend: l.KVUsageAtSend,
		GPUUtilPctAtSend: l.GPUUtilPctAtSend, MaxRunning: l.MaxRunning, MaxWaiting: l.MaxWaiting,
		MaxKVUsage: l.MaxKVUsage, MaxGPUUtilPct: l.MaxGPUUtilPct, MaxSMActivePct: l.MaxSMActivePct}
}

// cells is r as CSV cells in JoinedColumns order: NULL is empty.
func (r *JoinedRow) cells() []string {
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	p64 := func(v *int64) string {
		if v == nil {
			return ""
		}
		return i64(*v)
	}
	f := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'g', -1, 64)
	}
	return []string{r.RunID, i64(r.RequestIndex), r.RequestID, r.SessionID, i64(int64(r.Turn)), strconv.FormatBool(r.Warmup),
		r.Status, r.ErrorClass, i64(r.SentNs), i64(r.DoneNs), p64(r.TTFTNs), p64(r.E2ENs), i64(r.InputTokens), i64(r.OutputTokens),
		f(r.RunningAtSend), f(r.WaitingAtSend), f(r.KVUsageAtSend), f(r.GPUUtilPctAtSend),
		f(r.MaxRunning), f(r.MaxWaiting), f(r.MaxKVUsage), f(r.MaxGPUUtilPct), f(r.MaxSMActivePct)}
}
