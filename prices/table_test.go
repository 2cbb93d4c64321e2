package prices

import (
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	c := Default()
	toks, gs, err := c.Find("gpt-4o-mini", "openai", false)
	if err != nil || len(gs) != 0 || len(toks) == 0 || toks[0].Provider != "openai" {
		t.Fatalf("%v %v %v", toks, gs, err)
	}
	// A dated snapshot the search does not contain resolves by Lookup.
	toks, _, err = c.Find("gpt-4o-mini-2024-07-18", "openai", false)
	if err != nil || len(toks) != 1 || toks[0].Model != "gpt-4o-mini" {
		t.Errorf("snapshot name: %v %v", toks, err)
	}
	if _, _, err := c.Find("x", "opneai", false); err == nil || !strings.Contains(err.Error(), "unknown provider") {
		t.Errorf("unknown provider: %v", err)
	}
	toks, gs, err = c.Find("H100 aws", "", true)
	if err != nil || len(toks) != 0 || len(gs) == 0 {
		t.Errorf("gpus: %v %v %v", toks, gs, err)
	}
}

func TestParseGPUSpec(t *testing.T) {
	g, err := ParseGPUSpec("H100-SXM-80GB:2:aws-on-demand")
	if err != nil || g != (GPUSpec{Type: "H100-SXM-80GB", Count: 2, Offer: "aws-on-demand"}) || g.String() != "H100-SXM-80GB:2:aws-on-demand" {
		t.Errorf("%+v %v", g, err)
	}
	if g, err := ParseGPUSpec("A100:4"); err != nil || g.String() != "A100:4" {
		t.Errorf("%+v %v", g, err)
	}
	for _, bad := range []string{"", "H100", ":2", "H100:0", "H100:x", "a:1:b:c"} {
		if _, err := ParseGPUSpec(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestTablesFit: the whole shipped catalogue, per-token and GPU-hour,
// prints within 120 columns (issue 13: it was ~240, with source URLs in
// a column), every source once as a numbered note, long-context bands
// and offer aliases on lines of their own, no trailing spaces, and the
// columns aligned across those lines.
func TestTablesFit(t *testing.T) {
	c := Default()
	toks, _, err := c.Find("", "", false)
	if err != nil {
		t.Fatal(err)
	}
	_, gs, err := c.Find("", "", true)
	if err != nil {
		t.Fatal(err)
	}
	var tb, gb strings.Builder
	if err := WriteTokenTable(&tb, toks); err != nil {
		t.Fatal(err)
	}
	if err := WriteGPUTable(&gb, gs); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"tokens": tb.String(), "gpus": gb.String()} {
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		col := strings.Index(lines[0], "CHECKED")
		for i, l := range lines {
			if n := len([]rune(l)); n > 120 {
				t.Errorf("%s line %d is %d columns: %q", name, i+1, n, l)
			}
			if strings.TrimRight(l, " ") != l {
				t.Errorf("%s line %d ends in spaces: %q", name, i+1, l)
			}
			// A row (not an indented line under one, not the notes) has
			// its check date starting where the header says CHECKED.
			if i > 0 && l != "" && l[0] != ' ' && strings.Contains(l, "[") && !strings.HasPrefix(strings.TrimSpace(l), "[") {
				if len(l) < col+4 || l[col-1] != ' ' || l[col] == ' ' {
					t.Errorf("%s line %d: CHECKED not at column %d: %q", name, i+1, col, l)
				}
			}
		}
		if !strings.Contains(out, "Sources (SRC):\n  [1] ") || strings.Contains(lines[0], "SOURCE") {
			t.Errorf("%s: sources are not notes:\n%s", name, out[:min(len(out), 600)])
		}
	}
	if !strings.Contains(tb.String(), "  input > 200k tokens:") {
		t.Error("no long-context line in the token table")
	}
	if !strings.Contains(gb.String(), "  also: runpod, runpod-on-demand") {
		t.Error("no alias line in the GPU table")
	}
	// Each source is listed once, however many rows cite it.
	if n := strings.Count(tb.String(), "] https://www.anthropic.com/pricing#api\n"); n != 1 {
		t.Errorf("anthropic's source listed %d times", n)
	}
}

func TestUSDDigits(t *testing.T) {
	for v, want := range map[float64]string{0.08333333333333334: "0.0833333", 15: "15", 0.003625: "0.003625", 1e-7: "0.0000001", 3.75: "3.75"} {
		if got := usd(v); got != want {
			t.Errorf("usd(%v) = %q, want %q", v, got, want)
		}
	}
}
