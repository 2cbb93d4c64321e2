package workloads

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func tokenizers(t testing.TB) []Tokenizer {
	t.Helper()
	var toks []Tokenizer
	for _, name := range TokenizerNames {
		tok, err := NewTokenizer(name)
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, tok)
	}
	return toks
}

func TestTokenizerUnknown(t *testing.T) {
	if _, err := NewTokenizer("gpt2-bogus"); err == nil || !strings.Contains(err.Error(), "cl100k_base") {
		t.Fatalf("err = %v, want unknown tokenizer listing the known ones", err)
	}
}

func TestCorpusIsAdditive(t *testing.T) {
	for _, tok := range tokenizers(t) {
		if !corpusFor(tok).additive {
			t.Errorf("%s: joined corpus lines do not count as the sum of the lines", tok.Name())
		}
	}
}

// TestPromptExactLength re-encodes synthesised prompts: the count must be
// exactly what was asked, for short, block-sized and long prompts.
func TestPromptExactLength(t *testing.T) {
	ns := []int{1, 2, 3, 4, 5, 7, 13, 16, 17, 31, 100, 255, 511, 512, 513, 1000, 1024, 4082, 8191}
	for _, tok := range tokenizers(t) {
		s := NewSynthesizer(tok, 42)
		for i, n := range ns {
			for key := uint64(0); key < 3; key++ {
				p, err := s.Prompt(key*1000+uint64(i), n)
				if err != nil {
					t.Fatalf("%s n=%d: %v", tok.Name(), n, err)
				}
				if got := len(tok.Encode(p)); got != n {
					t.Errorf("%s: Prompt(%d) has %d tokens: %q", tok.Name(), n, got, truncate(p, 80))
				}
			}
		}
	}
}

// TestPromptExactLengthSweep covers every length up to 400 under
// cl100k_base, where cut lines meet every remainder.
func TestPromptExactLengthSweep(t *testing.T) {
	tok, _ := NewTokenizer("cl100k_base")
	s := NewSynthesizer(tok, 7)
	for n := 1; n <= 400; n++ {
		p, err := s.Prompt(uint64(n), n)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(tok.Encode(p)); got != n {
			t.Fatalf("Prompt(%d) has %d tokens", n, got)
		}
	}
}

func TestPromptDeterministic(t *testing.T) {
	tok, _ := NewTokenizer("cl100k_base")
	a, _ := NewSynthesizer(tok, 1).Prompt(5, 300)
	b, _ := NewSynthesizer(tok, 1).Prompt(5, 300)
	c, _ := NewSynthesizer(tok, 2).Prompt(5, 300)
	d, _ := NewSynthesizer(tok, 1).Prompt(6, 300)
	if a != b {
		t.Error("same seed and key gave different text")
	}
	if a == c || a == d {
		t.Error("another seed or key gave the same text")
	}
	if commonPrefix(a, d) > 200 {
		t.Errorf("prompts of different keys share %d bytes of prefix", commonPrefix(a, d))
	}
}

func TestBlocksAreExactAndShared(t *testing.T) {
	for _, tok := range tokenizers(t) {
		s := NewSynthesizer(tok, 3)
		for id := int64(0); id < 20; id++ {
			blk, err := s.Block(id)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(tok.Encode(blk)); got != HashBlockTokens {
				t.Errorf("%s: block %d has %d tokens", tok.Name(), id, got)
			}
			if !strings.HasSuffix(blk, "\n") {
				t.Errorf("%s: block %d does not end with a newline", tok.Name(), id)
			}
		}
		for _, tc := range []struct {
			ids []int64
			n   int
		}{{[]int64{1, 2, 3}, 1100}, {[]int64{1, 2, 3, 4}, 2048}, {[]int64{9}, 1}, {[]int64{4, 5}, 2000}, {nil, 77}, {[]int64{1, 2, 3, 4, 5, 6}, 700}} {
			p, err := s.HashPrompt(tc.ids, tc.n, 99)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(tok.Encode(p)); got != tc.n {
				t.Errorf("%s: HashPrompt(%v, %d) has %d tokens", tok.Name(), tc.ids, tc.n, got)
			}
		}
	}
}

func commonPrefix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// TestMooncakeSharedPrefixes replays rows of the Mooncake sample: whenever
// two rows share their first k hash ids, their prompts share the literal
// text of those k blocks, and the prompts have exactly input_length tokens.
// To keep the test quick it replays a subset of the sample: rows up to
// 8,000 tokens (and at least one block) whose first block another such
// row also has.
func TestMooncakeSharedPrefixes(t *testing.T) {
	const file = "testdata/traces/mooncake/synthetic_trace.first2000.jsonl"
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	all := readRows(t, file, len(lines))
	byFirst := map[int64]int{}
	for _, r := range all {
		if r.InputTokens <= 8000 && r.InputTokens >= HashBlockTokens {
			byFirst[r.HashIDs[0]]++
		}
	}
	var subset []string
	var rows []Row
	for i, r := range all {
		if r.InputTokens <= 8000 && r.InputTokens >= HashBlockTokens && byFirst[r.HashIDs[0]] > 1 && len(rows) < 60 {
			subset = append(subset, lines[i])
			rows = append(rows, r)
		}
	}
	path := filepath.Join(t.TempDir(), "subset.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(subset, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, ImportOptions{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tok, _ := NewTokenizer("cl100k_base")
	synth := NewSynthesizer(tok, 11)
	var reqs []Request
	for range rows {
		req, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, req)
	}
	pairs := 0
	for i := range rows {
		if reqs[i].InputTokens != rows[i].InputTokens || reqs[i].MaxTokens != rows[i].OutputTokens {
			t.Fatalf("row %d: input/max tokens %d/%d, want %d/%d", i, reqs[i].InputTokens, reqs[i].MaxTokens, rows[i].InputTokens, rows[i].OutputTokens)
		}
		if i%6 == 0 {
			if got := len(tok.Encode(reqs[i].Prompt)); got != rows[i].InputTokens {
				t.Errorf("row %d: prompt has %d tokens, want %d", i, got, rows[i].InputTokens)
			}
		}
		for j := range i {
			k := 0
			for k < len(rows[i].HashIDs) && k < len(rows[j].HashIDs) && rows[i].HashIDs[k] == rows[j].HashIDs[k] {
				k++
			}
			// Only full blocks are shared; a block cut by either row's length
			// is not.
			full := min(k, rows[i].InputTokens/HashBlockTokens, rows[j].InputTokens/HashBlockTokens)
			if full == 0 {
				continue
			}
			var prefix strings.Builder
			for _, id := range rows[i].HashIDs[:full] {
				blk, _ := synth.Block(id)
				prefix.WriteString(blk)
			}
			if !strings.HasPrefix(reqs[i].Prompt, prefix.String()) || !strings.HasPrefix(reqs[j].Prompt, prefix.String()) {
				t.Fatalf("rows %d and %d share %d hash blocks but not their text", j, i, full)
			}
			pairs++
		}
	}
	t.Logf("%d rows, %d pairs sharing a prefix", len(rows), pairs)
	if pairs < 20 {
		t.Fatalf("only %d row pairs share a prefix; the subset should have many", pairs)
	}
}

func readRows(t *testing.T, file string, n int) []Row {
	t.Helper()
	rr, err := OpenRows(file, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	var rows []Row
	for len(rows) < n {
		row, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	return rows
}
