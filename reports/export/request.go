package export

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
)

// Request is one export of a run: its rows in a format, to a file or a
// writer.
type Request struct {
	// Dir is the run directory.
	Dir string
	// Format is csv or vegeta, or with Joined csv (the default) or
	// parquet.
	Format string
	// Joined writes each request with the server and GPU state it met
	// (WriteJoined).
	Joined bool
	// Vegeta are the options of the vegeta format.
	Vegeta VegetaOptions
}

// Validate reports every problem with the request at once, named as
// export's flags, and fills in the joined export's default format.
func (r *Request) Validate() error {
	switch {
	case r.Joined && r.Format == "":
		r.Format = "csv"
	case r.Joined && r.Format != "csv" && r.Format != "parquet":
		return fmt.Errorf("--joined writes csv or parquet, not --format %q", r.Format)
	case r.Joined && r.Vegeta.Warmup:
		return errors.New("--warmup is for vegeta: --joined writes every row, warm-up flagged")
	case r.Joined:
	case r.Format == "csv", r.Format == "vegeta":
	case r.Format == "":
		return errors.New("--format is required (csv or vegeta), or --joined")
	default:
		return fmt.Errorf("unknown --format %q (want csv or vegeta)", r.Format)
	}
	return nil
}

// What names what the request writes, for a line such as "wrote 10
// joined csv row(s)".
func (r *Request) What() string {
	if r.Joined {
		return "joined " + r.Format
	}
	return r.Format
}

// Write writes the rows the request asks for to w and returns how many.
func (r *Request) Write(w io.Writer) (int64, error) {
	switch {
	case r.Joined:
		return WriteJoined(w, r.Dir, r.Format)
	case r.Format == "csv":
		return WriteCSV(w, r.Dir)
	}
	return WriteVegeta(w, r.Dir, r.Vegeta)
}

// WriteFile writes the rows to the file out: beside it first and renamed
// when complete, so a failed export leaves no half file under the name
// asked for. The file is as readable as any the user writes (0644 before
// the umask).
func (r *Request) WriteFile(out string) (int64, error) {
	f, err := os.CreateTemp(filepath.Dir(out), ".export-*")
	if err != nil {
		var pe *iofs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the temporary's name would only confuse
		}
		return 0, fmt.Errorf("cannot write %s: %w", out, err)
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<16)
	n, err := r.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		// CreateTemp makes the file 0600.
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Close()
	}
	if err == nil {
		err = os.Rename(f.Name(), out)
	}
	return n, err
}
