package workloads

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/internal/suggest"
)

// SyntaxError is a problem with one line of an input file.
type SyntaxError struct {
	File string
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// ErrEmpty is returned for a workload with no requests.
var ErrEmpty = errors.New("workload has no requests")

// maxReported caps how many line errors one load reports.
const maxReported = 20

// MaxLineBytes is the longest line a JSON Lines workload may have.
const MaxLineBytes = 64 << 20

// LoadFile reads a native JSON Lines workload through Load: every problem
// is reported at once (up to 20, then a count), each as file:line: what is
// wrong; nothing is returned unless the whole file is valid.
func LoadFile(path string) ([]Request, error) {
	w, err := Load(path, ImportOptions{Format: FormatNative})
	if err != nil {
		return nil, err
	}
	return w.Requests, nil
}

// ReadJSONL reads native JSON Lines from r; name is used in errors.
func ReadJSONL(r io.Reader, name string) ([]Request, error) {
	var reqs []Request
	bad := lineErrors{name: name}
	err := ScanJSONL(r, name, func(req Request) error {
		reqs = append(reqs, req)
		return nil
	}, bad.add)
	if err != nil {
		return nil, err
	}
	if err := bad.err(); err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return nil, fmt.Errorf("%s: %w", name, ErrEmpty)
	}
	return reqs, nil
}

// lineErrors collects the bad lines of one read, so all are reported at
// once: the first maxReported, then how many more.
type lineErrors struct {
	name  string
	errs  []error
	extra int
}

func (l *lineErrors) add(e *SyntaxError) {
	if len(l.errs) < maxReported {
		l.errs = append(l.errs, e)
	} else {
		l.extra++
	}
}

// err joins the bad lines, or is nil when there were none.
func (l *lineErrors) err() error {
	errs := l.errs
	if l.extra > 0 {
		errs = append(errs, fmt.Errorf("%s: and %d more bad lines", l.name, l.extra))
	}
	return errors.Join(errs...)
}

// ScanJSONL streams native JSON Lines from r, calling fn for each valid
// request and bad for each invalid line (blank lines and lines starting with
// '#' are skipped). It returns the first error from fn or from reading.
func ScanJSONL(r io.Reader, name string, fn func(Request) error, bad func(*SyntaxError)) error {
	br := bufio.NewReaderSize(r, 256<<10)
	line, index := 0, 0
	for {
		b, err := readLine(br)
		if len(b) > 0 || err == nil {
			line++
			b = bytes.TrimSpace(b)
			if len(b) > 0 && b[0] != '#' {
				req, perr := parseLine(b)
				if perr != "" {
					bad(&SyntaxError{File: name, Line: line, Msg: perr})
				} else {
					if req.ID == "" {
						req.ID = strconv.Itoa(line)
					}
					req.Index = index
					index++
					if ferr := fn(req); ferr != nil {
						return ferr
					}
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line+1, err)
		}
	}
}

// readLine reads one line without its newline, erroring on lines longer
// than MaxLineBytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > MaxLineBytes {
			return nil, fmt.Errorf("line longer than %d bytes", MaxLineBytes)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if n := len(buf); n > 0 && buf[n-1] == '\n' {
			buf = buf[:n-1]
		}
		return buf, err
	}
}

// parseLine decodes and validates one request; it returns a message saying
// what is wrong, or "".
func parseLine(b []byte) (Request, string) {
	var req Request
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, describeJSONError(err)
	}
	if dec.More() {
		return req, "more than one JSON value on the line"
	}
	return req, req.validate()
}

func (r *Request) validate() string {
	switch {
	case len(r.Messages) == 0 && r.Prompt == "":
		return `need "messages" or "prompt"`
	case len(r.Messages) > 0 && r.Prompt != "":
		return `give "messages" or "prompt", not both`
	case r.MaxTokens < 0 || r.MaxTokens > MaxTokenCount:
		return fmt.Sprintf(`"max_tokens" must be from 0 to %d, got %d`, MaxTokenCount, r.MaxTokens)
	case r.InputTokens < 0 || r.InputTokens > MaxTokenCount:
		return fmt.Sprintf(`"input_tokens" must be from 0 to %d, got %d`, MaxTokenCount, r.InputTokens)
	case r.AtMs != nil && !(*r.AtMs >= 0 && *r.AtMs <= MaxAtMs):
		return fmt.Sprintf(`"at_ms" must be from 0 to %.0f (a year), got %v`, MaxAtMs, *r.AtMs)
	case r.Temperature != nil && !(*r.Temperature >= 0 && *r.Temperature <= MaxTemperature):
		return fmt.Sprintf(`"temperature" must be from 0 to %d, got %v`, MaxTemperature, *r.Temperature)
	case r.Turn < 0:
		return fmt.Sprintf(`"turn" must be >= 0, got %d`, r.Turn)
	case r.MaxTokensField != "" && r.MaxTokensField != "max_tokens" && r.MaxTokensField != "max_completion_tokens":
		return fmt.Sprintf(`"max_tokens_field" must be max_tokens or max_completion_tokens, got %q`, r.MaxTokensField)
	case r.Observed.problem() != "":
		return r.Observed.problem()
	}
	for i, m := range r.Messages {
		switch m.Role {
		case "system", "user", "assistant", "developer", "tool":
		case "":
			return fmt.Sprintf(`messages[%d]: missing "role"`, i)
		default:
			return fmt.Sprintf(`messages[%d]: unknown role %q (want system, user, assistant, developer or tool)`, i, m.Role)
		}
	}
	return ""
}

func describeJSONError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q: want %s, got JSON %s", te.Field, te.Type, te.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	if key, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return unknownKey(strings.Trim(key, `"`))
	}
	return err.Error()
}

// unknownKey says a native line has a key it does not know, with the
// nearest known one.
func unknownKey(key string) string {
	if near, ok := suggest.Closest(key, nativeKeys); ok {
		return fmt.Sprintf("unknown key %q (did you mean %q?)", key, near)
	}
	return fmt.Sprintf("unknown key %q (native keys: %s; name the format %s to read a prompt list whose other keys are ignored)",
		key, strings.Join(nativeLineKeys, ", "), FormatPromptsJSONL)
}

// WriteJSONL writes requests as native JSON Lines (the inverse of ReadJSONL).
func WriteJSONL(w io.Writer, reqs []Request) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range reqs {
		if err := enc.Encode(&reqs[i]); err != nil {
			return err
		}
	}
	return nil
}
