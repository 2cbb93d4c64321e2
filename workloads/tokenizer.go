package workloads

import (
	"fmt"
	"strings"
	"sync"

	"github.com/pkoukk/tiktoken-go"
	tiktokenloader "github.com/pkoukk/tiktoken-go-loader"
)

// Tokenizer counts and splits text the way a model's tokenizer does. Prompt
// synthesis uses it to hit a requested input length exactly, and inspect
// uses it to measure text-only workloads.
type Tokenizer interface {
	// Name is the tokenizer's name (e.g. "cl100k_base").
	Name() string
	// Encode returns the token ids of text; special-token markers in the
	// text are encoded as ordinary text.
	Encode(text string) []int
	// Decode returns the text of tokens.
	Decode(tokens []int) string
}

// DefaultTokenizer is the tokenizer used when ImportOptions names none.
const DefaultTokenizer = "cl100k_base"

// TokenizerNames lists the tokenizers NewTokenizer knows, all embedded in
// the binary (no download at run time).
var TokenizerNames = []string{"cl100k_base", "o200k_base", "p50k_base", "r50k_base"}

var (
	loaderOnce sync.Once
	tokMu      sync.Mutex
	tokCache   = map[string]*tiktokenTokenizer{}
)

// NewTokenizer returns the named tokenizer: one of TokenizerNames. The BPE
// ranks come from tiktoken-go-loader's embedded files, so this works
// offline; the first call for a name takes a few hundred milliseconds to
// build the rank table, later calls share it.
func NewTokenizer(name string) (Tokenizer, error) {
	if name == "" {
		name = DefaultTokenizer
	}
	known := false
	for _, n := range TokenizerNames {
		known = known || n == name
	}
	if !known {
		return nil, fmt.Errorf("unknown tokenizer %q (want one of %s)", name, strings.Join(TokenizerNames, ", "))
	}
	// tiktoken-go's default loader downloads ranks over HTTP; the offline
	// loader reads the copies embedded in tiktoken-go-loader instead.
	loaderOnce.Do(func() { tiktoken.SetBpeLoader(tiktokenloader.NewOfflineLoader()) })
	tokMu.Lock()
	defer tokMu.Unlock()
	if t, ok := tokCache[name]; ok {
		return t, nil
	}
	enc, err := tiktoken.GetEncoding(name)
	if err != nil {
		return nil, fmt.Errorf("tokenizer %s: %w", name, err)
	}
	t := &tiktokenTokenizer{name: name, enc: enc}
	tokCache[name] = t
	return t, nil
}

type tiktokenTokenizer struct {
	name string
	enc  *tiktoken.Tiktoken
}

func (t *tiktokenTokenizer) Name() string               { return t.name }
func (t *tiktokenTokenizer) Encode(text string) []int   { return t.enc.EncodeOrdinary(text) }
func (t *tiktokenTokenizer) Decode(tokens []int) string { return t.enc.Decode(tokens) }
