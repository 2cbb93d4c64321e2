package cliflag

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func newTestSet(w *bytes.Buffer) (*flag.FlagSet, *string, *bool) {
	fs := New("report", "inferbench report RUN...", "  inferbench report runs/", w)
	format := fs.String("format", "text", "output format")
	trend := fs.Bool("trend", false, "trend")
	fs.Int("n", 0, "count")
	return fs, format, trend
}

// TestParseInterleaved: flags may come before, between and after the
// positionals, and "--" makes the rest positional even when it looks like
// a flag.
func TestParseInterleaved(t *testing.T) {
	var w bytes.Buffer
	fs, format, trend := newTestSet(&w)
	pos, err := Parse(fs, []string{"a", "--format", "md", "b", "--trend", "--", "--c", "d"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "--c", "d"}; !slices.Equal(pos, want) {
		t.Errorf("positionals %q, want %q", pos, want)
	}
	if *format != "md" || !*trend {
		t.Errorf("format %q trend %v", *format, *trend)
	}
	if w.Len() != 0 {
		t.Errorf("printed %q", w.String())
	}
	if got := Given(fs); !got["format"] || !got["trend"] || len(got) != 2 {
		t.Errorf("Given = %v", got)
	}
}

// TestParseErrors: an error comes back unprinted, with the flag spelt
// --name and an unknown flag's nearest neighbour named; -h prints the
// usage (synopsis, flags, examples) and returns flag.ErrHelp.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--formt", "md"}, "unknown flag --formt (did you mean --format?)"},
		{[]string{"--zzzzzz"}, "unknown flag --zzzzzz"},
		{[]string{"--n", "many"}, `invalid value "many" for flag --n: parse error`},
	} {
		var w bytes.Buffer
		fs, _, _ := newTestSet(&w)
		_, err := Parse(fs, tc.args)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: error %v, want %q", tc.args, err, tc.want)
		}
		if w.Len() != 0 {
			t.Errorf("%q: printed %q", tc.args, w.String())
		}
	}
	var w bytes.Buffer
	fs, _, _ := newTestSet(&w)
	if _, err := Parse(fs, []string{"x", "-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: error %v, want flag.ErrHelp", err)
	}
	got := w.String()
	for _, part := range []string{"Usage:\n  inferbench report RUN...\n\nFlags:\n", "-format string", "\nExamples:\n  inferbench report runs/\n"} {
		if !strings.Contains(got, part) {
			t.Errorf("-h usage lacks %q:\n%s", part, got)
		}
	}
}

func TestParseNone(t *testing.T) {
	fs, _, _ := newTestSet(&bytes.Buffer{})
	if err := ParseNone(fs, []string{"--trend", "extra"}); err == nil || err.Error() != `unexpected argument "extra"` {
		t.Errorf("error %v", err)
	}
	fs, _, _ = newTestSet(&bytes.Buffer{})
	if err := ParseNone(fs, []string{"--trend"}); err != nil {
		t.Errorf("error %v", err)
	}
}

// TestBind: each supported field type becomes a flag whose default is the
// field's value and which sets the field.
func TestBind(t *testing.T) {
	var (
		s   = "x"
		i   = 1
		i64 = int64(2)
		u   = uint64(3)
		b   bool
		f   = 0.5
		d   = time.Second
		l   List
	)
	fs := New("t", "t", "", &bytes.Buffer{})
	for name, field := range map[string]any{"s": &s, "i": &i, "i64": &i64, "u": &u, "b": &b, "f": &f, "d": &d, "l": &l} {
		Bind(fs, name, "usage", field)
	}
	if got := fs.Lookup("d").DefValue; got != "1s" {
		t.Errorf("default of d %q, want 1s", got)
	}
	err := ParseNone(fs, []string{"--s", "y", "--i", "4", "--i64", "5", "--u", "6", "--b", "--f", "1.5", "--d", "2m", "--l", "a", "--l", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if s != "y" || i != 4 || i64 != 5 || u != 6 || !b || f != 1.5 || d != 2*time.Minute || !slices.Equal(l, List{"a", "b"}) {
		t.Errorf("got %q %d %d %d %v %v %v %q", s, i, i64, u, b, f, d, l)
	}
	if l.String() != "a,b" {
		t.Errorf("List.String() = %q", l.String())
	}
	if err := l.Set(""); err == nil {
		t.Error("List accepted an empty value")
	}
	defer func() {
		if recover() == nil {
			t.Error("Bind of a complex128 did not panic")
		}
	}()
	c := complex(1, 1)
	Bind(fs, "c", "usage", &c)
}

// TestParsed: the parser sets the field, its error is the flag's, and the
// help shows the field's default the way its type prints it.
func TestParsed(t *testing.T) {
	from := time.Minute
	var w bytes.Buffer
	fs := New("sample", "sample", "", &w)
	fs.Var(Parsed[time.Duration]{P: &from, Parse: time.ParseDuration}, "from", "offset")
	if err := ParseNone(fs, []string{"--from", "90s"}); err != nil || from != 90*time.Second {
		t.Errorf("--from 90s: %v, %v", from, err)
	}
	if err := ParseNone(fs, []string{"--from", "soon"}); err == nil || !strings.Contains(err.Error(), `invalid value "soon" for flag --from`) {
		t.Errorf("--from soon: %v", err)
	}
	fs.PrintDefaults()
	if !strings.Contains(w.String(), "(default 1m0s)") {
		t.Errorf("help shows no default:\n%s", w.String())
	}
}

func TestPrintDefaultsWraps(t *testing.T) {
	fs := New("x", "x", "", io.Discard)
	fs.String("long", "", strings.Repeat("word ", 40)+"end")
	fs.Bool("short", false, "short text")
	var b strings.Builder
	PrintDefaults(fs, &b)
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) < 4 {
		t.Fatalf("not wrapped:\n%s", b.String())
	}
	var words int
	for _, l := range lines {
		// The tab after four spaces stops at column 8.
		if n := len(strings.Replace(l, "    \t", "        ", 1)); n > HelpWidth {
			t.Errorf("%d columns: %q", n, l)
		}
		if strings.HasPrefix(l, "    \t") {
			words += len(strings.Fields(l))
		}
	}
	if words != 41+2 || !strings.Contains(b.String(), "    \tshort text\n") {
		t.Errorf("%d words kept, want 43:\n%s", words, b.String())
	}
}
