package workloads

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Row is one request as a trace file records it, before prompt synthesis:
// what inspect summarises, and what Reader turns into a Request.
type Row struct {
	// Line is the 1-based line of the file where the row starts.
	Line int
	// TimeNs is the recorded arrival time in nanoseconds on the trace's own
	// clock (Unix time for Azure, trace-relative for Mooncake and
	// BurstGPT); valid only when HasTime.
	TimeNs  int64
	HasTime bool
	// InputTokens and OutputTokens are the recorded lengths in tokens; 0
	// when the format does not record them.
	InputTokens, OutputTokens int
	// HashIDs are Mooncake's prefix-block ids: block i covers tokens
	// [512i, 512i+512) of the prompt, and equal leading ids mean a shared
	// prefix.
	HashIDs []int64
	// Failed marks a request the trace records as failed (BurstGPT rows
	// with Response tokens 0).
	Failed bool
	// Request is what the format says about the request itself: text,
	// id, max_tokens, session and turn. Its Index is not set.
	Request Request
}

// ImportOptions says how to read a workload file. The zero value detects
// the format, stops at the first malformed row, skips failed rows and
// synthesises prompts with cl100k_base and seed 0.
type ImportOptions struct {
	// Format names the file's format; "" detects it from the extension
	// and content.
	Format Format
	// Tokenizer names the tokenizer used to synthesise prompts for
	// length-only traces and to count text; "" means cl100k_base.
	Tokenizer string
	// Seed makes synthesised prompts differ between runs; the same seed
	// gives the same text.
	Seed int64
	// KeepFailed replays rows the trace records as failed (BurstGPT
	// Response tokens 0), which are skipped by default.
	KeepFailed bool
	// SkipInvalid skips malformed rows and counts them instead of
	// stopping at the first.
	SkipInvalid bool
	// OnInvalid, when set, is called with each skipped row's error.
	OnInvalid func(*SyntaxError)
}

// rowSource is one format's parser: next returns the next row, a
// *SyntaxError for a malformed row (after which it can go on), io.EOF at
// the end, or another error that ends the read.
type rowSource interface {
	next() (Row, error)
}

// RowReader streams the rows of a workload file in any format.
type RowReader struct {
	name    string
	format  Format
	src     rowSource
	closer  io.Closer
	opts    ImportOptions
	invalid int
	tok     *lazyTokenizer
}

// OpenRows opens a workload file for reading its rows as recorded.
func OpenRows(path string, opts ImportOptions) (*RowReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	rr, err := NewRowReader(f, path, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	rr.closer = f
	return rr, nil
}

// NewRowReader reads rows from r; name is used in errors and, with
// opts.Format empty, to detect the format by extension.
func NewRowReader(r io.Reader, name string, opts ImportOptions) (*RowReader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	skipBOM(br)
	format := opts.Format
	if format == "" {
		var err error
		if format, err = detect(name, br); err != nil {
			return nil, err
		}
	} else if _, err := ParseFormat(string(format)); err != nil {
		return nil, err
	}
	rr := &RowReader{name: name, format: format, opts: opts, tok: &lazyTokenizer{name: opts.Tokenizer}}
	var err error
	switch format {
	case FormatNative:
		rr.src = newNativeSource(br, name)
	case FormatAzure:
		rr.src, err = newAzureSource(br, name)
	case FormatMooncake:
		rr.src = newMooncakeSource(br, name)
	case FormatBurstGPT:
		rr.src, err = newBurstGPTSource(br, name)
	case FormatShareGPT:
		rr.src, err = newShareGPTSource(br, name, rr.tok)
	case FormatOpenAIBatch:
		rr.src = newBatchSource(br, name)
	case FormatPromptsJSONL:
		rr.src = newPromptsJSONLSource(br, name)
	case FormatPromptsText:
		rr.src = newPromptsTextSource(br, name)
	}
	if err != nil {
		return nil, err
	}
	return rr, nil
}

// Format is the format being read (detected or given).
func (rr *RowReader) Format() Format { return rr.format }

// Invalid counts the malformed rows skipped so far (SkipInvalid).
func (rr *RowReader) Invalid() int { return rr.invalid }

// Tokenizer returns the tokenizer named in the options, loading it on
// first use.
func (rr *RowReader) Tokenizer() (Tokenizer, error) { return rr.tok.get() }

// Next returns the next row, or io.EOF after the last. A malformed row is
// returned as a *SyntaxError unless SkipInvalid is set.
func (rr *RowReader) Next() (Row, error) {
	for {
		row, err := rr.src.next()
		var se *SyntaxError
		if errors.As(err, &se) && rr.opts.SkipInvalid {
			rr.invalid++
			if rr.opts.OnInvalid != nil {
				rr.opts.OnInvalid(se)
			}
			continue
		}
		return row, err
	}
}

// Close closes the file opened by OpenRows.
func (rr *RowReader) Close() error {
	if rr.closer == nil {
		return nil
	}
	return rr.closer.Close()
}

// lazyTokenizer loads a tokenizer the first time a parser needs one, so
// reading a length-only trace for inspect never pays for it.
type lazyTokenizer struct {
	name string
	tok  Tokenizer
	err  error
	done bool
}

func (l *lazyTokenizer) get() (Tokenizer, error) {
	if !l.done {
		l.tok, l.err = NewTokenizer(l.name)
		l.done = true
	}
	return l.tok, l.err
}

// lineSource reads a file line by line for the line-oriented formats,
// counting lines and skipping blank lines.
type lineSource struct {
	br   *bufio.Reader
	name string
	line int
	eof  bool
}

// nextLine returns the next non-blank line with surrounding space trimmed
// and its line number, or io.EOF.
func (l *lineSource) nextLine() ([]byte, int, error) {
	for !l.eof {
		b, err := readLine(l.br)
		if err == io.EOF {
			l.eof = true
			if len(b) == 0 {
				break
			}
		} else if err != nil {
			return nil, l.line + 1, fmt.Errorf("%s:%d: %w", l.name, l.line+1, err)
		}
		l.line++
		if b = bytes.TrimSpace(b); len(b) > 0 {
			return b, l.line, nil
		}
	}
	return nil, l.line, io.EOF
}

func (l *lineSource) errorf(line int, format string, args ...any) *SyntaxError {
	return &SyntaxError{File: l.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// decode decodes the one JSON value on line b into v. want says what the
// line should hold; it opens the message of a decoding error.
func (l *lineSource) decode(b []byte, line int, v any, want string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return l.errorf(line, "%s: %s", want, describeJSONError(err))
	}
	if dec.More() {
		return l.errorf(line, "more than one JSON value on the line")
	}
	return nil
}

// nativeSource reads inferbench's own JSON Lines.
type nativeSource struct{ lineSource }

func newNativeSource(br *bufio.Reader, name string) *nativeSource {
	return &nativeSource{lineSource{br: br, name: name}}
}

func (s *nativeSource) next() (Row, error) {
	for {
		b, line, err := s.nextLine()
		if err != nil {
			return Row{}, err
		}
		if b[0] == '#' {
			continue
		}
		req, msg := parseLine(b)
		if msg != "" {
			return Row{Line: line}, s.errorf(line, "%s", msg)
		}
		row := Row{Line: line, InputTokens: req.InputTokens, OutputTokens: req.MaxTokens, Request: req}
		if req.AtMs != nil {
			row.TimeNs, row.HasTime = int64(*req.AtMs*1e6+0.5), true
		}
		if row.Request.ID == "" {
			row.Request.ID = fmt.Sprint(line)
		}
		return row, nil
	}
}
