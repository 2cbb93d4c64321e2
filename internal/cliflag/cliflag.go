// Package cliflag holds the command line's flag parsing helpers: flag
// sets that report errors instead of exiting, flags between positional
// arguments, "unknown flag --x (did you mean --y?)" errors, and binding a
// typed setting to a flag. It decides no exit code and prints nothing but
// a flag set's own usage, to the writer the flag set was given; the
// command decides what an error means. It imports only the standard
// library and internal/suggest.
package cliflag

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/inferbench/inferbench/internal/suggest"
)

// New returns a FlagSet that reports errors instead of exiting, with a
// usage text made of a synopsis, the flags, and examples, written to w.
func New(name, synopsis, examples string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage:\n  %s\n\nFlags:\n", synopsis)
		PrintDefaults(fs, w)
		if examples != "" {
			fmt.Fprintf(w, "\nExamples:\n%s\n", strings.TrimRight(examples, "\n"))
		}
	}
	return fs
}

// HelpWidth is the terminal width flag help is wrapped to.
const HelpWidth = 120

// PrintDefaults is flag.PrintDefaults with each flag's text wrapped at
// word boundaries so no line passes HelpWidth columns (the flag package
// indents it with a tab, i.e. to column 8).
func PrintDefaults(fs *flag.FlagSet, w io.Writer) {
	var b strings.Builder
	out := fs.Output()
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(out)
	const indent = "    \t"
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		text, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), indent)
		if !ok {
			io.WriteString(w, line)
			continue
		}
		for _, l := range Wrap(text, HelpWidth-8) {
			io.WriteString(w, indent+l+"\n")
		}
	}
}

// Wrap breaks text into lines of at most width runes at spaces (a word
// longer than width stands alone), for help and other terminal text.
func Wrap(text string, width int) []string {
	var lines []string
	var cur []string
	n := 0
	for _, word := range strings.Fields(text) {
		wl := len([]rune(word))
		if n > 0 && n+1+wl > width {
			lines = append(lines, strings.Join(cur, " "))
			cur, n = nil, 0
		}
		if n > 0 {
			n++
		}
		cur, n = append(cur, word), n+wl
	}
	if len(cur) > 0 || len(lines) == 0 {
		lines = append(lines, strings.Join(cur, " "))
	}
	return lines
}

// Parse parses flags that may come before, between or after positional
// arguments (report RUN... --format md), and returns the positionals.
// "--" ends flag parsing. It returns flag.ErrHelp for -h, after printing
// the usage; any other error is returned unprinted (the caller prints it
// once), an unknown flag's with the nearest known one.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	defer func() { fs.Usage = usage; fs.SetOutput(out) }()
	pos, err := parseAll(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(out)
		usage()
	}
	return pos, flagError(fs, err)
}

// ParseNone is Parse for commands that take no positional arguments: one
// is an error.
func ParseNone(fs *flag.FlagSet, args []string) error {
	pos, err := Parse(fs, args)
	if err == nil && len(pos) > 0 {
		err = fmt.Errorf("unexpected argument %q", pos[0])
	}
	return err
}

// Given is the set of flags given on the command line (by name), for
// telling a flag set to its default value from one left out.
func Given(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// flagError rewrites the flag package's "flag provided but not defined:
// -x" as "unknown flag --x", with a did-you-mean when a defined flag is
// close.
func flagError(fs *flag.FlagSet, err error) error {
	const prefix = "flag provided but not defined: -"
	if err == nil || !strings.HasPrefix(err.Error(), prefix) {
		return err
	}
	name := strings.TrimPrefix(err.Error(), prefix)
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	if near, ok := suggest.Closest(name, names); ok {
		return fmt.Errorf("unknown flag --%s (did you mean --%s?)", name, near)
	}
	return fmt.Errorf("unknown flag --%s", name)
}

// parseAll is Parse without the printing.
func parseAll(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, dashDash(err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stops at the first positional or after "--".
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// dashDash rewrites the flag package's "flag -name" to "flag --name", the
// way the help and the docs spell every flag.
func dashDash(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, " flag -"); i >= 0 && !strings.HasPrefix(msg[i+len(" flag -"):], "-") {
		return errors.New(msg[:i] + " flag --" + msg[i+len(" flag -"):])
	}
	return err
}

// Bind binds a setting's field to a flag of its name, the field's value
// being the default. field is a pointer to a string, int, int64, uint64,
// bool, float64 or time.Duration, or a flag.Value; anything else is a
// programming error and panics.
func Bind(fs *flag.FlagSet, name, usage string, field any) {
	switch p := field.(type) {
	case *string:
		fs.StringVar(p, name, *p, usage)
	case *int:
		fs.IntVar(p, name, *p, usage)
	case *int64:
		fs.Int64Var(p, name, *p, usage)
	case *uint64:
		fs.Uint64Var(p, name, *p, usage)
	case *bool:
		fs.BoolVar(p, name, *p, usage)
	case *float64:
		fs.Float64Var(p, name, *p, usage)
	case *time.Duration:
		fs.DurationVar(p, name, *p, usage)
	case flag.Value:
		fs.Var(p, name, usage)
	default:
		panic(fmt.Sprintf("--%s: no flag for a %T", name, field))
	}
}

// List is a repeatable string flag; an empty value is an error.
type List []string

func (f *List) String() string {
	if f == nil {
		return ""
	}
	return strings.Join(*f, ",")
}

// Set appends s.
func (f *List) Set(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	*f = append(*f, s)
	return nil
}

// Parsed is a flag whose text Parse turns into the T at P; its default
// shows as T's String ("(default 0s)" for a time.Duration).
type Parsed[T fmt.Stringer] struct {
	P     *T
	Parse func(string) (T, error)
}

func (v Parsed[T]) String() string {
	if v.P == nil {
		return ""
	}
	return (*v.P).String()
}

// Set parses s into *P.
func (v Parsed[T]) Set(s string) (err error) {
	*v.P, err = v.Parse(s)
	return err
}
