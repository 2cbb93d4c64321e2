package gguf

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Llama describes a llama-architecture model with random f32 weights that
// Ollama (through llama.cpp) loads and runs like any other llama model.
//
// The weights are random, but two parts are built by hand so that the model
// is usable for benchmarking:
//
//  1. It never ends a stream on its own. Residual dimension 0 holds the
//     constant EmbedConstant: every token embedding has it there, and the
//     rows of attn_output and ffn_down that write dimension 0 are zero, so no
//     layer changes it. After the final RMS norm it is EmbedConstant/rms > 0,
//     and the output rows of EOS, BOS, unknown and byte tokens carry
//     -BannedWeight there, which puts their logits about 100 below every
//     text token. Every request therefore runs to exactly max_tokens.
//  2. It never emits the same token twice in a row. A text token's output row
//     is random minus SelfPenalty/(width-1) times its own embedding, so the
//     logit of the current token (whose embedding dominates the residual
//     stream) is about SelfPenalty below the rest. Ollama silently ends a
//     stream after 31 identical tokens in a row, without a finish_reason, so
//     a repeating model would look like a truncated stream.
//
// The layers are random with small weights, so they cost real compute and
// make the next token depend a little on context without disturbing the
// two properties above.
type Llama struct {
	Name          string
	Seed          uint64
	Width         int // embedding_length
	Layers        int // block_count
	Heads         int // attention.head_count
	KVHeads       int // attention.head_count_kv; fewer than Heads means GQA
	FFN           int // feed_forward_length
	ContextLength int
}

// TinyLlama is the default test model: width 128, 2 layers, about 2 MiB.
func TinyLlama(seed uint64) Llama {
	return Llama{Name: "inferbench-tiny", Seed: seed, Width: 128, Layers: 2, Heads: 4, KVHeads: 4, FFN: 384, ContextLength: 4096}
}

// LargeLlama is the larger variant (width 512, 8 layers, grouped-query
// attention with 2 KV heads, about 93 MiB), slow enough on a CPU that
// throughput visibly saturates as concurrency rises.
func LargeLlama(seed uint64) Llama {
	return Llama{Name: "inferbench-large", Seed: seed, Width: 512, Layers: 8, Heads: 8, KVHeads: 2, FFN: 1536, ContextLength: 4096}
}

// Constants of the hand-built parts of the model (see Llama).
const (
	EmbedConstant = 1.0
	BannedWeight  = 100.0
	SelfPenalty   = 20.0
	// outputSpread is the standard deviation of the random part of a logit;
	// it sets how varied the generated text is.
	outputSpread = 3.0
	// layerScale is the standard deviation of each layer weight times
	// sqrt(fan-in): small, so each layer nudges the residual stream.
	layerScale = 0.25
	normEps    = 1e-5
)

// Token ids of the vocabulary (the SentencePiece llama layout).
const (
	TokenUnknown = 0
	TokenBOS     = 1
	TokenEOS     = 2
	firstByte    = 3
	FirstText    = firstByte + 256
)

// SentencePiece token types, as in llama.cpp's llama_token_type.
const (
	tokenNormal  int32 = 1
	tokenUnknown int32 = 2
	tokenControl int32 = 3
	tokenByte    int32 = 6
)

// textChars are the characters that have a token of their own: space
// (written as U+2581 the SentencePiece way) and printable ASCII. Everything
// else is encoded with byte tokens, which the model never generates.
func textChars() []string {
	out := []string{"\u2581"}
	for c := byte('!'); c <= '~'; c++ {
		out = append(out, string(c))
	}
	return out
}

// Vocabulary returns the tokens, scores and token types: <unk>, <s>, </s>,
// the 256 byte tokens <0x00>..<0xFF>, then one token per text character.
func Vocabulary() (tokens []string, scores []float32, types []int32) {
	tokens = []string{"<unk>", "<s>", "</s>"}
	types = []int32{tokenUnknown, tokenControl, tokenControl}
	for b := range 256 {
		tokens = append(tokens, fmt.Sprintf("<0x%02X>", b))
		types = append(types, tokenByte)
	}
	for _, c := range textChars() {
		tokens = append(tokens, c)
		types = append(types, tokenNormal)
	}
	scores = make([]float32, len(tokens))
	for i := FirstText; i < len(tokens); i++ {
		// SentencePiece merges by score; single characters never merge, so
		// the scores only need to be distinct.
		scores[i] = -float32(i - FirstText)
	}
	return tokens, scores, types
}

// Validate reports a shape that llama.cpp would reject.
func (m Llama) Validate() error {
	switch {
	case m.Width <= 1 || m.Layers <= 0 || m.Heads <= 0 || m.KVHeads <= 0 || m.FFN <= 0 || m.ContextLength <= 0:
		return fmt.Errorf("gguf: llama %+v: every size must be positive (width > 1)", m)
	case m.Width%m.Heads != 0:
		return fmt.Errorf("gguf: llama width %d is not a multiple of %d heads", m.Width, m.Heads)
	case m.Heads%m.KVHeads != 0:
		return fmt.Errorf("gguf: llama %d heads are not a multiple of %d KV heads", m.Heads, m.KVHeads)
	case (m.Width/m.Heads)%2 != 0:
		return fmt.Errorf("gguf: llama head dimension %d must be even for RoPE", m.Width/m.Heads)
	}
	return nil
}

// Metadata returns the GGUF metadata that llama.cpp's and Ollama's llama
// loaders read.
func (m Llama) Metadata() []KV {
	tokens, scores, types := Vocabulary()
	headDim := uint32(m.Width / m.Heads)
	return []KV{
		{"general.architecture", "llama"},
		{"general.name", m.Name},
		{"general.description", fmt.Sprintf("random-weight test model generated by inferbench (seed %d)", m.Seed)},
		{"general.file_type", uint32(0)}, // all F32
		{"general.alignment", uint32(DefaultAlignment)},
		{"llama.context_length", uint32(m.ContextLength)},
		{"llama.embedding_length", uint32(m.Width)},
		{"llama.block_count", uint32(m.Layers)},
		{"llama.feed_forward_length", uint32(m.FFN)},
		{"llama.attention.head_count", uint32(m.Heads)},
		{"llama.attention.head_count_kv", uint32(m.KVHeads)},
		{"llama.rope.dimension_count", headDim},
		{"llama.rope.freq_base", float32(10000)},
		{"llama.attention.layer_norm_rms_epsilon", float32(normEps)},
		{"llama.vocab_size", uint32(len(tokens))},
		{"tokenizer.ggml.model", "llama"},
		{"tokenizer.ggml.tokens", tokens},
		{"tokenizer.ggml.scores", scores},
		{"tokenizer.ggml.token_type", types},
		{"tokenizer.ggml.unknown_token_id", uint32(TokenUnknown)},
		{"tokenizer.ggml.bos_token_id", uint32(TokenBOS)},
		{"tokenizer.ggml.eos_token_id", uint32(TokenEOS)},
		{"tokenizer.ggml.add_bos_token", true},
		{"tokenizer.ggml.add_eos_token", false},
	}
}

// Tensors generates the weights, deterministically from m.Seed.
func (m Llama) Tensors() ([]Tensor, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	d := m.Width
	headDim := d / m.Heads
	kvDim := headDim * m.KVHeads
	nVocab := len(textChars()) + FirstText
	rng := newSplitMix(m.Seed)

	embd := make([]float32, nVocab*d)
	for t := range nVocab {
		row := embd[t*d : (t+1)*d]
		row[0] = EmbedConstant
		rng.fill(row[1:], 1)
	}

	var tensors []Tensor
	add := func(name string, data []float32, dims ...int) {
		ud := make([]uint64, len(dims))
		for i, x := range dims {
			ud[i] = uint64(x)
		}
		tensors = append(tensors, Tensor{Name: name, Dims: ud, Type: TensorF32, Data: f32Bytes(data)})
	}
	ones := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = 1
		}
		return v
	}
	// linear returns out rows of in random weights; with zeroRow0 the row
	// that writes residual dimension 0 is zero (see Llama, property 1).
	linear := func(in, out int, zeroRow0 bool) []float32 {
		w := make([]float32, in*out)
		rng.fill(w, layerScale/math.Sqrt(float64(in)))
		if zeroRow0 {
			clear(w[:in])
		}
		return w
	}

	add("token_embd.weight", embd, d, nVocab)
	for i := range m.Layers {
		p := fmt.Sprintf("blk.%d.", i)
		add(p+"attn_norm.weight", ones(d), d)
		add(p+"attn_q.weight", linear(d, d, false), d, d)
		add(p+"attn_k.weight", linear(d, kvDim, false), d, kvDim)
		add(p+"attn_v.weight", linear(d, kvDim, false), d, kvDim)
		add(p+"attn_output.weight", linear(d, d, true), d, d)
		add(p+"ffn_norm.weight", ones(d), d)
		add(p+"ffn_gate.weight", linear(d, m.FFN, false), d, m.FFN)
		add(p+"ffn_up.weight", linear(d, m.FFN, false), d, m.FFN)
		add(p+"ffn_down.weight", linear(m.FFN, d, true), m.FFN, d)
	}
	add("output_norm.weight", ones(d), d)

	out := make([]float32, nVocab*d)
	alpha := float32(SelfPenalty / float64(d-1))
	for t := range nVocab {
		row := out[t*d : (t+1)*d]
		rng.fill(row[1:], outputSpread/math.Sqrt(float64(d)))
		if t < FirstText {
			row[0] = -BannedWeight
			continue
		}
		for j := 1; j < d; j++ {
			row[j] -= alpha * embd[t*d+j]
		}
	}
	add("output.weight", out, d, nVocab)
	return tensors, nil
}

// Write generates the model and writes it as a GGUF file.
func (m Llama) Write(w io.Writer) error {
	tensors, err := m.Tensors()
	if err != nil {
		return err
	}
	return Encode(w, m.Metadata(), tensors)
}

func f32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// splitMix is SplitMix64. It is written out here, rather than taken from
// math/rand, so the generated file stays byte-identical across Go releases
// and platforms: uniform values are built from integers with exact float32
// arithmetic, no transcendental functions.
type splitMix struct{ s uint64 }

func newSplitMix(seed uint64) *splitMix { return &splitMix{s: seed} }

func (r *splitMix) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// fill sets v to uniform values with mean 0 and standard deviation std
// (uniform on [-a, a) with a = std*sqrt(3)).
func (r *splitMix) fill(v []float32, std float64) {
	scale := float32(std * math.Sqrt(3) / (1 << 23))
	for i := range v {
		v[i] = float32(int32(r.next()>>40)-(1<<23)) * scale
	}
}
