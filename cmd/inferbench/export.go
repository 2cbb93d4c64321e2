package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"

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
	var (
		format string
		out    string
		attack string
		warmup bool
		joined bool
	)
	fs := newFlagSet("export", exportSynopsis, exportExamples, e.stdout)
	fs.StringVar(&format, "format", "", "output `format`: csv or vegeta (required); with --joined csv (default) or parquet")
	fs.BoolVar(&joined, "joined", false, "write each request with the server and GPU state it met (needs the run's telemetry)")
	fs.StringVar(&out, "out", "", "write to `FILE` instead of standard output")
	fs.StringVar(&attack, "attack", "", "vegeta attack `name` (default: the target's name)")
	fs.BoolVar(&warmup, "warmup", false, "vegeta: include warm-up requests")
	dirs, code, ok := parseQuiet(e, "export", fs, args)
	if !ok {
		return code
	}
	var problems []error
	if len(dirs) != 1 {
		problems = append(problems, fmt.Errorf("want one run directory, got %d", len(dirs)))
	}
	switch {
	case joined && format == "":
		format = "csv"
	case joined && format != "csv" && format != "parquet":
		problems = append(problems, fmt.Errorf("--joined writes csv or parquet, not --format %q", format))
	case joined && warmup:
		problems = append(problems, errors.New("--warmup is for vegeta: --joined writes every row, warm-up flagged"))
	case joined:
	case format == "csv", format == "vegeta":
	case format == "":
		problems = append(problems, errors.New("--format is required (csv or vegeta), or --joined"))
	default:
		problems = append(problems, fmt.Errorf("unknown --format %q (want csv or vegeta)", format))
	}
	if len(problems) > 0 {
		return usageError(e, "export", errors.Join(problems...))
	}

	w, finish := e.stdout, func() error { return nil }
	if out != "" {
		// Write next to the target and rename, so a failed export leaves no
		// half file under the name asked for.
		f, err := os.CreateTemp(filepath.Dir(out), ".export-*")
		if err != nil {
			var pe *iofs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the temporary's name would only confuse
			}
			fmt.Fprintf(e.stderr, "inferbench export: cannot write %s: %v\n", out, err)
			return exitFailed
		}
		bw := bufio.NewWriterSize(f, 1<<16)
		w = bw
		finish = func() error {
			if err := bw.Flush(); err != nil {
				f.Close()
				return err
			}
			// CreateTemp makes the file 0600; an export is as readable as
			// any file the user writes (0644 before the umask).
			if err := f.Chmod(0o644); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			return os.Rename(f.Name(), out)
		}
		defer os.Remove(f.Name()) // a no-op once renamed
	}
	var (
		n   int64
		err error
	)
	switch {
	case joined:
		n, err = export.WriteJoined(w, dirs[0], format)
		format = "joined " + format
	case format == "csv":
		n, err = export.WriteCSV(w, dirs[0])
	default:
		n, err = export.WriteVegeta(w, dirs[0], export.VegetaOptions{Attack: attack, Warmup: warmup})
	}
	if err == nil {
		err = finish()
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench export: %v\n", err)
		return exitFailed
	}
	if out != "" {
		fmt.Fprintf(e.stderr, "inferbench export: wrote %d %s row(s) to %s\n", n, format, out)
	}
	return exitOK
}
