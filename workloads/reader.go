package workloads

import (
	"errors"
	"fmt"
	"io"
)

// Reader streams a workload file of any supported format as native
// Requests ready to replay:
//
//   - AtMs is the row's recorded time relative to the first row (native
//     files keep their own at_ms);
//   - length-only traces (Azure, Mooncake, BurstGPT) get a synthesised
//     prompt of exactly the recorded input length under the named
//     tokenizer, InputTokens set to that length and MaxTokens to the
//     recorded output length; Mooncake hash ids become shared text blocks;
//   - rows the trace records as failed are skipped unless KeepFailed;
//   - Index counts the requests returned, from 0.
type Reader struct {
	rows    *RowReader
	opts    ImportOptions
	synth   *Synthesizer
	first   int64
	started bool
	index   int
	failed  int
}

// Open opens a workload file in any supported format (detected, or named
// by opts.Format). Close it when done.
func Open(path string, opts ImportOptions) (*Reader, error) {
	rows, err := OpenRows(path, opts)
	if err != nil {
		return nil, err
	}
	return &Reader{rows: rows, opts: opts}, nil
}

// NewReader reads a workload from r; name is used in errors and for
// format detection by extension.
func NewReader(r io.Reader, name string, opts ImportOptions) (*Reader, error) {
	rows, err := NewRowReader(r, name, opts)
	if err != nil {
		return nil, err
	}
	return &Reader{rows: rows, opts: opts}, nil
}

// Format is the format being read.
func (r *Reader) Format() Format { return r.rows.Format() }

// Invalid counts malformed rows skipped so far (SkipInvalid).
func (r *Reader) Invalid() int { return r.rows.Invalid() }

// Failed counts rows skipped so far because the trace records them as
// failed.
func (r *Reader) Failed() int { return r.failed }

// Close closes the file opened by Open.
func (r *Reader) Close() error { return r.rows.Close() }

// Next returns the next request, or io.EOF after the last.
func (r *Reader) Next() (Request, error) {
	for {
		row, err := r.rows.Next()
		if err != nil {
			return Request{}, err
		}
		if row.Failed && !r.opts.KeepFailed {
			r.failed++
			continue
		}
		req, err := r.request(row)
		var se *SyntaxError
		if errors.As(err, &se) && r.opts.SkipInvalid {
			r.rows.invalid++
			if r.opts.OnInvalid != nil {
				r.opts.OnInvalid(se)
			}
			continue
		}
		if err != nil {
			return Request{}, err
		}
		req.Index = r.index
		r.index++
		return req, nil
	}
}

// request turns a row into a Request.
func (r *Reader) request(row Row) (Request, error) {
	req := row.Request
	if row.HasTime && req.AtMs == nil {
		if !r.started {
			r.first, r.started = row.TimeNs, true
		}
		d := row.TimeNs - r.first
		if d < 0 {
			return req, &SyntaxError{File: r.rows.name, Line: row.Line, Msg: "timestamp is earlier than the first row's; sort the trace by time"}
		}
		at := float64(d) / 1e6
		req.AtMs = &at
	}
	if !r.rows.format.LengthOnly() {
		return req, nil
	}
	if r.synth == nil {
		tok, err := r.rows.Tokenizer()
		if err != nil {
			return req, err
		}
		r.synth = NewSynthesizer(tok, r.opts.Seed)
	}
	n := max(row.InputTokens, 1) // a request needs some prompt
	var err error
	if len(row.HashIDs) > 0 {
		req.Prompt, err = r.synth.HashPrompt(row.HashIDs, n, uint64(row.Line))
	} else {
		req.Prompt, err = r.synth.Prompt(uint64(row.Line), n)
	}
	if err != nil {
		return req, fmt.Errorf("%s:%d: %w", r.rows.name, row.Line, err)
	}
	req.InputTokens = n
	req.MaxTokens = row.OutputTokens
	return req, nil
}
