package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/inferbench/inferbench/internal/cliflag"
	"github.com/inferbench/inferbench/reports/export"
)

const exportSynopsis = `inferbench export RUN_DIR --format csv|vegeta [--out FILE] [--attack NAME] [--warmup]
inferbench export RUN_DIR --joined [--format csv|parquet] [--out FILE]

Writes a run's request rows in another tool's format. csv: one row per
request (warm-up included, see the warmup column), the Parquet column names
as the header, NULL as an empty cell, lists as JSON arrays. vegeta: vegeta's
JSON results in send order with gapless seq numbers, so 'vegeta report' and
'vegeta plot' work on the run (warm-up left out unless --warmup).

--joined writes each request with the server and GPU state it met, from the
run's telemetry (--server-metrics, --gpu-metrics, --nvml): running and
waiting requests, KV-cache usage and GPU utilisation when it was sent, and
their largest values while it was in flight, as CSV (default) or Parquet,
for notebooks. Formats and the meaning of each field: docs/export.md.`

const exportExamples = `  inferbench export runs/20261126-101500-sim --format csv --out requests.csv
  inferbench export runs/20261126-101500-sim --format vegeta | vegeta report
  inferbench export runs/20261126-101500-sim --format vegeta | vegeta plot > plot.html
  inferbench export runs/20261126-101500-sim --joined --out joined.csv
  inferbench export runs/20261126-101500-sim --joined --format parquet --out joined.parquet`

// cmdExport implements `inferbench export`.
func cmdExport(ctx context.Context, e *env, args []string) int {
	var req export.Request
	var out string
	fs := cliflag.New("export", exportSynopsis, exportExamples, e.stdout)
	fs.StringVar(&req.Format, "format", "", "output `format`: csv or vegeta (required); with --joined csv (default) or parquet")
	fs.BoolVar(&req.Joined, "joined", false, "write each request with the server and GPU state it met (needs the run's telemetry)")
	fs.StringVar(&out, "out", "", "write to `FILE` instead of standard output")
	fs.StringVar(&req.Vegeta.Attack, "attack", "", "vegeta attack `name` (default: the target's name)")
	fs.BoolVar(&req.Vegeta.Warmup, "warmup", false, "vegeta: include warm-up requests")
	dirs, code, ok := parseQuiet(e, "export", fs, args)
	if !ok {
		return code
	}
	var problems []error
	if len(dirs) != 1 {
		problems = append(problems, fmt.Errorf("want one run directory, got %d", len(dirs)))
	} else {
		req.Dir = dirs[0]
	}
	if err := errors.Join(append(problems, req.Validate())...); err != nil {
		return usageError(e, "export", err)
	}
	var n int64
	var err error
	if out != "" {
		n, err = req.WriteFile(out)
	} else {
		n, err = req.Write(e.stdout)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench export: %v\n", err)
		return exitFailed
	}
	if out != "" {
		fmt.Fprintf(e.stderr, "inferbench export: wrote %d %s row(s) to %s\n", n, req.What(), out)
	}
	return exitOK
}
