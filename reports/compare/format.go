package compare

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/inferbench/inferbench/reports"
)

// Formats are the formats a comparison renders in.
var Formats = []string{"text", "md", "json", "junit"}

// Render writes c in a format: text, md, json or junit.
func Render(w io.Writer, c *Comparison, format string) error {
	switch format {
	case "text":
		return RenderText(w, c)
	case "md":
		return RenderMarkdown(w, c)
	case "json":
		return RenderJSON(w, c)
	case "junit":
		return RenderJUnit(w, c)
	}
	return fmt.Errorf("comparison format %q: want %s", format, strings.Join(Formats, ", "))
}

// WriteAll writes c in format to the file out (to w when out is ""),
// and then in each format of Formats that also names a file for. It
// carries on past a failed write and returns the files it wrote and every
// error.
func WriteAll(w io.Writer, c *Comparison, format, out string, also map[string]string) (written []string, err error) {
	write := func(format, file string) error {
		var b bytes.Buffer
		if err := Render(&b, c, format); err != nil {
			return err
		}
		if file == "" {
			_, err := w.Write(b.Bytes())
			return err
		}
		if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
			return err
		}
		written = append(written, file)
		return nil
	}
	errs := []error{write(format, out)}
	for _, f := range Formats {
		if file := also[f]; file != "" {
			errs = append(errs, write(f, file))
		}
	}
	return written, errors.Join(errs...)
}

// Validate reports every problem with the statistics' options as given
// (the zero value's defaults are not filled in: a command's flags always
// give them), named as compare's flags: an alpha in (0, 0.5) and 100 to
// 100,000 resamples.
func (o Options) Validate() error {
	var errs []error
	if !(o.Alpha > 0 && o.Alpha < 0.5) {
		errs = append(errs, fmt.Errorf("--alpha %v: want a value in (0, 0.5), like 0.05", o.Alpha))
	}
	if o.Resamples < 100 || o.Resamples > 100000 {
		errs = append(errs, fmt.Errorf("--resamples %d: want 100 to 100000", o.Resamples))
	}
	return errors.Join(errs...)
}

// LoadRun loads one side of a comparison: a run directory, or the shards
// of one split run (their folder, or a group's first shard), merged.
func LoadRun(dir string) (*reports.RunData, error) {
	runs, err := reports.LoadAll([]string{dir})
	if err != nil {
		return nil, err
	}
	if len(runs) != 1 {
		return nil, fmt.Errorf("load %s: %d runs, want one run (or the shards of one run)", dir, len(runs))
	}
	return runs[0], nil
}
