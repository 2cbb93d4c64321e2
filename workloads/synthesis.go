package workloads

import (
	_ "embed"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
)

// The corpus is Shakespeare's sonnets 1-37 (public domain), the text vLLM's
// sonnet benchmark uses; see corpus/README.md.
//
//go:embed corpus/sonnet.txt
var sonnetText string

// ErrSynthesis is returned when no text of the requested length can be
// built (only for tokenizers that split text very differently from BPE).
var ErrSynthesis = errors.New("cannot synthesise a prompt of that length")

// Synthesizer builds deterministic prompt text of an exact token length
// from the embedded corpus, for traces that record lengths but not text.
//
// Text is made of whole corpus lines ("line\n") drawn by a seeded random
// generator, ended by a cut line. Each line starts with a letter and ends
// with a newline, which is where BPE pre-tokenizers (cl100k, o200k, p50k)
// always split, so the token count of joined lines is the sum of their
// counts: only the cut line at the end has to be encoded. NewSynthesizer
// checks that property for the tokenizer and, where it fails, re-encodes
// and adjusts every prompt instead.
//
// Mooncake hash ids map to blocks: each id gives one 512-token block
// derived from the id and the seed alone, so requests that share leading
// ids share a literal text prefix. A Synthesizer is safe for concurrent
// use.
type Synthesizer struct {
	tok  Tokenizer
	c    *corpusTable
	seed uint64

	mu     sync.Mutex
	blocks map[int64]string
}

// maxCachedBlocks bounds the block cache (~2.3 KB a block); when it is
// full it starts again, since blocks are cheap to rebuild.
const maxCachedBlocks = 16384

// The streams of random numbers for ordinary prompts and for hash blocks
// are kept apart, so prompt 7 and block 7 differ.
const (
	streamPrompt uint64 = 0x9e3779b97f4a7c15
	streamBlock  uint64 = 0xc2b2ae3d27d4eb4f
)

// NewSynthesizer returns a synthesizer for tok; the same seed gives the
// same text.
func NewSynthesizer(tok Tokenizer, seed int64) *Synthesizer {
	return &Synthesizer{tok: tok, c: corpusFor(tok), seed: uint64(seed), blocks: map[int64]string{}}
}

// Tokenizer is the tokenizer whose counts the prompts hit.
func (s *Synthesizer) Tokenizer() Tokenizer { return s.tok }

// Prompt returns text of exactly n tokens (n >= 1), determined by key and
// the seed: different keys give different text, so unrelated requests do
// not share a prefix by accident.
func (s *Synthesizer) Prompt(key uint64, n int) (string, error) {
	if n < 1 {
		return "", fmt.Errorf("%w: %d tokens", ErrSynthesis, n)
	}
	var b strings.Builder
	b.Grow(n * 5) // ~4.4 bytes a token in this corpus: one allocation
	if err := s.build(&b, s.rng(streamPrompt, key), n, false); err != nil {
		return "", err
	}
	return s.exact(b.String(), n, key)
}

// HashPrompt returns text of exactly n tokens made of one 512-token block
// per hash id (see HashBlockTokens); the block that the length cuts is the
// start of that id's text, as far as the token boundary allows. If the ids
// cover fewer than n tokens the rest is filled from key.
func (s *Synthesizer) HashPrompt(ids []int64, n int, key uint64) (string, error) {
	if n < 1 {
		return "", fmt.Errorf("%w: %d tokens", ErrSynthesis, n)
	}
	var b strings.Builder
	b.Grow(n * 5)
	rem := n
	for _, id := range ids {
		if rem == 0 {
			break
		}
		if rem >= HashBlockTokens {
			blk, err := s.Block(id)
			if err != nil {
				return "", err
			}
			b.WriteString(blk)
			rem -= HashBlockTokens
			continue
		}
		if err := s.build(&b, s.rng(streamBlock, uint64(id)), rem, false); err != nil {
			return "", err
		}
		rem = 0
	}
	if rem > 0 {
		if err := s.build(&b, s.rng(streamPrompt, key), rem, false); err != nil {
			return "", err
		}
	}
	return s.exact(b.String(), n, key)
}

// Block returns the 512-token text of one hash id. It ends with a newline
// so the block after it starts a new pre-token.
func (s *Synthesizer) Block(id int64) (string, error) {
	s.mu.Lock()
	blk, ok := s.blocks[id]
	s.mu.Unlock()
	if ok {
		return blk, nil
	}
	var b strings.Builder
	b.Grow(HashBlockTokens * 5)
	if err := s.build(&b, s.rng(streamBlock, uint64(id)), HashBlockTokens, true); err != nil {
		return "", err
	}
	blk = b.String()
	s.mu.Lock()
	if len(s.blocks) >= maxCachedBlocks {
		clear(s.blocks)
	}
	s.blocks[id] = blk
	s.mu.Unlock()
	return blk, nil
}

func (s *Synthesizer) rng(stream, key uint64) *rand.Rand {
	return rand.New(rand.NewPCG(s.seed^stream, key*0xbf58476d1ce4e5b9+stream))
}

// build appends text of n tokens: whole lines while they fit, then a cut
// line. With endNewline the text ends with "\n" (for blocks that others
// follow). A whole line is only taken if it leaves 0 or at least 2 tokens,
// because a cut line needs room for its newline.
func (s *Synthesizer) build(b *strings.Builder, rng *rand.Rand, n int, endNewline bool) error {
	c := s.c
	rem := n
	for rem > 0 {
		i := rng.IntN(len(c.lines))
		if k := c.counts[i]; k == rem || k+2 <= rem {
			b.WriteString(c.lines[i])
			b.WriteByte('\n')
			rem -= k
			continue
		}
		tail, ok := s.cut(rng.IntN(len(c.lines)), rem, endNewline)
		if !ok {
			return fmt.Errorf("%w: %d tokens under %s", ErrSynthesis, n, s.tok.Name())
		}
		b.WriteString(tail)
		rem = 0
	}
	return nil
}

// cut finds, starting at line j, a run of corpus text from the start of a
// line whose first n tokens (plus "\n" if endNewline) encode to exactly n
// tokens; the run may cross line ends. Decoding a token prefix and encoding
// it again can merge or split tokens, so each candidate is checked.
func (s *Synthesizer) cut(j, n int, endNewline bool) (string, bool) {
	c := s.c
	for t := 0; t < len(c.lines); t++ {
		off := c.lineOff[(j+t)%len(c.lines)]
		for _, k := range [...]int{n, n - 1, n + 1, n - 2, n + 2} {
			if k < 1 || off+k > len(c.stream) {
				continue
			}
			text := s.tok.Decode(c.stream[off : off+k])
			if strings.TrimSpace(text) != text {
				continue // a cut that ends in white space would join the next pre-token
			}
			if endNewline {
				text += "\n"
			}
			if len(s.tok.Encode(text)) == n {
				return text, true
			}
		}
	}
	return "", false
}

// exact returns text unchanged when the corpus is additive under the
// tokenizer (the count is right by construction); otherwise it encodes
// the text and trims or extends it until the count is n.
func (s *Synthesizer) exact(text string, n int, key uint64) (string, error) {
	if s.c.additive {
		return text, nil
	}
	toks := s.tok.Encode(text)
	for extra := uint64(0); len(toks) < n+8; extra++ {
		var b strings.Builder
		b.WriteString(text)
		_ = s.build(&b, s.rng(streamPrompt, key+extra+1), n, false)
		text = b.String()
		toks = s.tok.Encode(text)
	}
	k := n
	for range 16 {
		t := s.tok.Decode(toks[:k])
		got := len(s.tok.Encode(t))
		if got == n {
			return t, nil
		}
		k += n - got
		if k < 1 || k > len(toks) {
			break
		}
	}
	return "", fmt.Errorf("%w: %d tokens under %s", ErrSynthesis, n, s.tok.Name())
}

// corpusTable is the corpus split into lines, with each line's token count
// (newline included) under one tokenizer, and the tokens of all lines
// joined (stream) with the offset where each line starts.
type corpusTable struct {
	lines    []string
	counts   []int
	stream   []int
	lineOff  []int
	additive bool
}

var (
	corpusMu    sync.Mutex
	corpusCache = map[Tokenizer]*corpusTable{}
)

func corpusFor(tok Tokenizer) *corpusTable {
	corpusMu.Lock()
	defer corpusMu.Unlock()
	if c, ok := corpusCache[tok]; ok {
		return c
	}
	c := &corpusTable{}
	for _, l := range strings.Split(sonnetText, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			c.lines = append(c.lines, l)
		}
	}
	c.counts = make([]int, len(c.lines))
	c.lineOff = make([]int, len(c.lines))
	sum := 0
	for i, l := range c.lines {
		toks := tok.Encode(l + "\n")
		c.counts[i] = len(toks)
		c.lineOff[i] = len(c.stream)
		c.stream = append(c.stream, toks...)
		sum += c.counts[i]
	}
	// Additivity check: the corpus joined in order, and in a scrambled
	// order, must count as the sum of its lines.
	c.additive = len(tok.Encode(strings.Join(c.lines, "\n")+"\n")) == sum
	if c.additive {
		var b strings.Builder
		for i := range c.lines {
			j := (i * 7919) % len(c.lines)
			b.WriteString(c.lines[j])
			b.WriteByte('\n')
		}
		c.additive = len(tok.Encode(b.String())) == sum
	}
	corpusCache[tok] = c
	return c
}
