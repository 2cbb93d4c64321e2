package table

import (
	"strings"
	"testing"
)

func TestCells(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{USD(0), "$0.00"},
		{USD(0.000225), "$0.0002250"},
		{USD(1234.5), "$1,234.50"},
		{USD(3.75), "$3.750"},
		{Price(2.5), "$2.50"},
		{Price(0.075), "$0.075"},
		{Price(10), "$10.00"},
		{Price(1500), "$1,500.00"},
		{Dash(""), "-"},
		{Dash("x"), "x"},
		{Mix(5.0 / 6), "83:17"},
		{Itoa(-42), "-42"},
		{Ftoa(1.25, 1), "1.2"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestWriteTextAndMarkdown(t *testing.T) {
	tb := &Table{Head: []string{"a", "b|c"}}
	tb.Add("total", []string{"1", "22"})
	tb.Section("latency")
	tb.Add("    p50", []string{strings.Repeat("x", 50), "3"})
	var b strings.Builder
	WriteText(&b, "run", tb)
	WriteNotesText(&b, []string{"a note"})
	// Labels are 7 wide ("latency"); the first column 40 (the longest
	// cell cut to 39 runes and an ellipsis), the second 3 ("b|c").
	x39 := strings.Repeat("x", 39)
	want := "run    " + "  " + strings.Repeat(" ", 39) + "a" + "  " + "b|c" + "\n" +
		strings.Repeat("-", 7+2+40+2+3) + "\n" +
		"total  " + "  " + strings.Repeat(" ", 39) + "1" + "  " + " 22" + "\n" +
		"latency\n" +
		"    p50" + "  " + x39 + "…" + "  " + "  3" + "\n" +
		"\nnotes:\n  a note\n"
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	WriteMarkdown(&b, "run", tb)
	WriteNotesMarkdown(&b, []string{"a note"})
	want = "| run | a | b\\|c |\n|---|---:|---:|\n| total | 1 | 22 |\n| **latency** | | |\n" +
		"| &nbsp;&nbsp;p50 | " + strings.Repeat("x", 50) + " | 3 |\n\nNotes:\n\n- a note\n"
	if b.String() != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestWriteTextFitsWidth checks a table of many wide columns is split
// into groups that fit TextWidth, every column once, labels repeated, and
// provenance shown as footnotes listed under the table.
func TestWriteTextFitsWidth(t *testing.T) {
	tb := &Table{}
	for i := range 9 {
		tb.Head = append(tb.Head, "run-"+strings.Repeat("x", 10)+string(rune('a'+i)))
	}
	cells := func(f func(i int) string) []string {
		c := make([]string, len(tb.Head))
		for i := range c {
			c[i] = f(i)
		}
		return c
	}
	tb.Add("requests/s", cells(func(i int) string { return strings.Repeat("9", i+1) }))
	src := "catalogue openai/gpt-4o, https://openai.com/api/pricing/ checked 2026-01-01"
	tb.AddProvenance("prices from", cells(func(i int) string {
		if i%2 == 0 {
			return src
		}
		return "command line"
	}))
	var b strings.Builder
	WriteText(&b, "run", tb)
	out := b.String()
	groups := 0
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if n := runes(l); n > TextWidth {
			t.Errorf("line of %d runes: %q", n, l)
		}
		if strings.HasPrefix(l, "requests/s") {
			groups++
		}
	}
	if groups < 2 {
		t.Errorf("%d groups; want the 9 columns split:\n%s", groups, out)
	}
	for _, h := range tb.Head {
		if strings.Count(out, h) != 1 {
			t.Errorf("column %s shown %d times:\n%s", h, strings.Count(out, h), out)
		}
	}
	if strings.Contains(out, "https://openai.com/api/pricing/ checked") && !strings.Contains(out, "[1] "+src[:40]) {
		t.Errorf("source not a footnote:\n%s", out)
	}
	if !strings.Contains(out, "[1] catalogue") || !strings.Contains(out, " command line") || strings.Contains(out, "[2]") || strings.Count(out, "[1] catalogue") != 1 {
		t.Errorf("footnotes:\n%s", out)
	}
	b.Reset()
	WriteMarkdown(&b, "run", tb)
	if !strings.Contains(b.String(), src) {
		t.Error("markdown lost the source")
	}
}
