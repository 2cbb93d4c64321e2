package gguf

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// goldenTinySHA256 is the sha256 of TinyLlama(1). It pins the generator's
// output across Go releases and platforms; change it only together with a
// deliberate change to the model (and say so in the commit).
const goldenTinySHA256 = "faf751fd2eea9123ffb97842dd143fd1d07bb9c8d3e03a5100355a44900e19ee"

// largeModel is generated once: it is 93 MiB and slow to build under -race.
var largeModel = sync.OnceValues(func() ([]Tensor, error) { return LargeLlama(1).Tensors() })

// skipLarge skips tests of the 93 MiB model with -short or -race:
// generating it takes seconds, and tens of seconds under -race on a busy
// machine (see raceEnabled). `go test ./internal/gguf` runs them.
func skipLarge(t *testing.T, m Llama) {
	if (testing.Short() || raceEnabled) && m.Width > TinyLlama(0).Width {
		t.Skip("large model skipped with -short and -race; run go test ./internal/gguf")
	}
}

func encodeModel(t testing.TB, m Llama) []byte {
	t.Helper()
	tensors, err := m.Tensors()
	if m == LargeLlama(1) {
		tensors, err = largeModel()
	}
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, m.Metadata(), tensors); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDeterministic(t *testing.T) {
	a := sha256.Sum256(encodeModel(t, TinyLlama(1)))
	b := sha256.Sum256(encodeModel(t, TinyLlama(1)))
	c := sha256.Sum256(encodeModel(t, TinyLlama(2)))
	if a != b {
		t.Fatalf("same seed, different files: %x vs %x", a, b)
	}
	if a == c {
		t.Fatalf("seeds 1 and 2 give the same file %x", a)
	}
	if got := fmt.Sprintf("%x", a); got != goldenTinySHA256 {
		t.Errorf("TinyLlama(1) sha256 %s, want %s", got, goldenTinySHA256)
	}
}

func TestLlamaLayout(t *testing.T) {
	tests := []struct {
		name                    string
		m                       Llama
		kvDim                   uint64
		minMiB, maxMiB          float64
		wantTensors, wantLayers int
	}{
		{"tiny", TinyLlama(1), 128, 1.5, 2.5, 3 + 9*2, 2},
		{"large", LargeLlama(1), 128, 90, 96, 3 + 9*8, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			skipLarge(t, tt.m)
			data := encodeModel(t, tt.m)
			f, err := Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if mib := float64(len(data)) / (1 << 20); mib < tt.minMiB || mib > tt.maxMiB {
				t.Errorf("%.1f MiB, want %.0f..%.0f", mib, tt.minMiB, tt.maxMiB)
			}
			if string(data[:4]) != "GGUF" || binary.LittleEndian.Uint32(data[4:]) != 3 {
				t.Errorf("header % x", data[:8])
			}
			d := uint32(tt.m.Width)
			wantMeta := map[string]any{
				"general.architecture":                   "llama",
				"general.alignment":                      uint32(32),
				"llama.context_length":                   uint32(4096),
				"llama.embedding_length":                 d,
				"llama.block_count":                      uint32(tt.wantLayers),
				"llama.feed_forward_length":              uint32(tt.m.FFN),
				"llama.attention.head_count":             uint32(tt.m.Heads),
				"llama.attention.head_count_kv":          uint32(tt.m.KVHeads),
				"llama.rope.dimension_count":             d / uint32(tt.m.Heads),
				"llama.attention.layer_norm_rms_epsilon": float32(1e-5),
				"tokenizer.ggml.model":                   "llama",
				"tokenizer.ggml.bos_token_id":            uint32(1),
				"tokenizer.ggml.eos_token_id":            uint32(2),
				"tokenizer.ggml.unknown_token_id":        uint32(0),
			}
			for k, want := range wantMeta {
				if got, ok := f.Lookup(k); !ok || got != want {
					t.Errorf("%s = %#v (present %v), want %#v", k, got, ok, want)
				}
			}
			tokens, _ := f.Lookup("tokenizer.ggml.tokens")
			scores, _ := f.Lookup("tokenizer.ggml.scores")
			types, _ := f.Lookup("tokenizer.ggml.token_type")
			nVocab := len(tokens.([]string))
			if nVocab < 300 || nVocab > 400 || len(scores.([]float32)) != nVocab || len(types.([]int32)) != nVocab {
				t.Fatalf("vocab %d tokens, %d scores, %d types", nVocab, len(scores.([]float32)), len(types.([]int32)))
			}
			if got := tokens.([]string)[firstByte+10]; got != "<0x0A>" {
				t.Errorf("newline byte token %q", got)
			}

			if len(f.Tensors) != tt.wantTensors {
				t.Errorf("%d tensors, want %d", len(f.Tensors), tt.wantTensors)
			}
			dims := map[string][]uint64{
				"token_embd.weight":        {uint64(d), uint64(nVocab)},
				"output.weight":            {uint64(d), uint64(nVocab)},
				"output_norm.weight":       {uint64(d)},
				"blk.0.attn_k.weight":      {uint64(d), tt.kvDim},
				"blk.0.attn_v.weight":      {uint64(d), tt.kvDim},
				"blk.0.attn_q.weight":      {uint64(d), uint64(d)},
				"blk.0.ffn_down.weight":    {uint64(tt.m.FFN), uint64(d)},
				"blk.0.ffn_gate.weight":    {uint64(d), uint64(tt.m.FFN)},
				"blk.0.attn_output.weight": {uint64(d), uint64(d)},
				fmt.Sprintf("blk.%d.ffn_norm.weight", tt.wantLayers-1): {uint64(d)},
			}
			for name, want := range dims {
				i := slices.IndexFunc(f.Tensors, func(ti TensorInfo) bool { return ti.Name == name })
				if i < 0 {
					t.Errorf("no tensor %q", name)
				} else if !slices.Equal(f.Tensors[i].Dims, want) || f.Tensors[i].Type != TensorF32 {
					t.Errorf("%s: dims %v type %d, want %v F32", name, f.Tensors[i].Dims, f.Tensors[i].Type, want)
				}
			}

			// Tensors are packed in order, each at the next 32-byte boundary,
			// and the last one ends (padded) at the end of the file.
			if f.DataOffset%32 != 0 {
				t.Errorf("data offset %d not aligned", f.DataOffset)
			}
			var next uint64
			for _, ti := range f.Tensors {
				if ti.Offset != next || ti.Offset%32 != 0 {
					t.Errorf("%s: offset %d, want %d (aligned)", ti.Name, ti.Offset, next)
				}
				next = alignUp(ti.Offset+ti.Size(), 32)
			}
			if f.DataOffset+next != uint64(len(data)) {
				t.Errorf("data ends at %d, file is %d bytes", f.DataOffset+next, len(data))
			}
		})
	}
}

func TestVocabulary(t *testing.T) {
	tokens, _, types := Vocabulary()
	seen := map[string]bool{}
	for i, tok := range tokens {
		if seen[tok] {
			t.Errorf("duplicate token %q", tok)
		}
		seen[tok] = true
		if i >= FirstText && (types[i] != tokenNormal || len([]rune(tok)) != 1) {
			t.Errorf("text token %d %q: type %d, want one character of type normal", i, tok, types[i])
		}
	}
	for c := byte(' ' + 1); c <= '~'; c++ {
		if !seen[string(c)] {
			t.Errorf("no token for %q", c)
		}
	}
}

func TestValidate(t *testing.T) {
	bad := []func(*Llama){
		func(m *Llama) { m.Width = 130 }, // not a multiple of 4 heads
		func(m *Llama) { m.KVHeads = 3 }, // 4 heads not a multiple of 3
		func(m *Llama) { m.Layers = 0 },  // no layers
		func(m *Llama) { m.Heads = 128 }, // head dim 1, odd
	}
	for i, f := range bad {
		m := TinyLlama(1)
		f(&m)
		if err := m.Validate(); err == nil {
			t.Errorf("case %d: %+v validated", i, m)
		}
		if _, err := m.Tensors(); err == nil {
			t.Errorf("case %d: Tensors accepted an invalid shape", i)
		}
	}
}

// TestGeneration runs the model with a reference forward pass and checks the
// two properties that make it usable for benchmarking (see Llama): EOS and
// byte tokens are never in reach, and the current token is never the next.
func TestGeneration(t *testing.T) {
	tests := []struct {
		name     string
		m        Llama
		prompts  int
		steps    int
		distinct int
	}{
		{"tiny", TinyLlama(1), 3, 120, 20},
		{"tiny seed 7", TinyLlama(7), 3, 120, 20},
		{"large", LargeLlama(1), 1, 6, 3}, // a forward pass is 100 times the work
	}
	prompts := [][]int{
		{TokenBOS},
		{TokenBOS, FirstText + 40, FirstText, firstByte + 10}, // ends with a newline byte token
		{TokenBOS, FirstText + 5, FirstText + 5, FirstText + 5, FirstText + 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			skipLarge(t, tt.m)
			tensors, err := tt.m.Tensors()
			if tt.m == LargeLlama(1) {
				tensors, err = largeModel()
			}
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			distinct := map[int]bool{}
			minBanned, minSelf := math.Inf(1), math.Inf(1)
			for _, prompt := range prompts[:tt.prompts] {
				run := newRefModel(tt.m, tensors)
				var logits []float32
				for _, tok := range prompt {
					logits = run.step(tok)
				}
				cur := prompt[len(prompt)-1]
				for i := range tt.steps {
					bannedMax, textMax, textArg := float32(math.Inf(-1)), float32(math.Inf(-1)), -1
					for tok, l := range logits {
						if tok < FirstText {
							bannedMax = max(bannedMax, l)
						} else if tok != cur && l > textMax {
							textMax, textArg = l, tok
						}
					}
					minBanned = min(minBanned, float64(textMax-bannedMax))
					if cur >= FirstText {
						minSelf = min(minSelf, float64(textMax-logits[cur]))
					}
					if textMax-bannedMax < 50 {
						t.Fatalf("step %d: a non-text token is within %.1f of the best text token", i, textMax-bannedMax)
					}
					if cur >= FirstText && textMax-logits[cur] < 8 {
						t.Fatalf("step %d: repeating token %d is only %.1f below the best other", i, cur, textMax-logits[cur])
					}
					next := sample(rng, logits)
					if next < FirstText || next == cur {
						t.Fatalf("step %d: sampled %d after %d (best other %d)", i, next, cur, textArg)
					}
					distinct[next] = true
					cur = next
					logits = run.step(cur)
				}
			}
			t.Logf("smallest margins: non-text %.1f, repeat %.1f; %d distinct tokens", minBanned, minSelf, len(distinct))
			if len(distinct) < tt.distinct {
				t.Errorf("only %d distinct tokens generated; the text should vary", len(distinct))
			}
		})
	}
}

// sample draws a token from softmax(logits) at temperature 1, the most
// permissive sampler a client can ask for without raising the temperature.
func sample(rng *rand.Rand, logits []float32) int {
	m := slices.Max(logits)
	var sum float64
	p := make([]float64, len(logits))
	for i, l := range logits {
		p[i] = math.Exp(float64(l - m))
		sum += p[i]
	}
	u := rng.Float64() * sum
	for i, x := range p {
		if u -= x; u <= 0 {
			return i
		}
	}
	return len(p) - 1
}

// refModel is a plain Go llama forward pass with a KV cache, written from the
// architecture (RMS norm, RoPE, grouped-query causal attention, SwiGLU), to
// check the generated weights without an inference engine.
type refModel struct {
	m      Llama
	w      map[string][]float32
	keys   [][][]float32 // [layer][position] -> kvDim
	values [][][]float32
}

func newRefModel(m Llama, tensors []Tensor) *refModel {
	r := &refModel{m: m, w: map[string][]float32{}, keys: make([][][]float32, m.Layers), values: make([][][]float32, m.Layers)}
	for _, t := range tensors {
		v := make([]float32, len(t.Data)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		}
		r.w[t.Name] = v
	}
	return r
}

func matVec(w, x []float32, out int) []float32 {
	in := len(x)
	y := make([]float32, out)
	for o := range out {
		var s float32
		for i, xi := range x {
			s += w[o*in+i] * xi
		}
		y[o] = s
	}
	return y
}

func rmsNorm(x, g []float32) []float32 {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	inv := float32(1 / math.Sqrt(ss/float64(len(x))+normEps))
	y := make([]float32, len(x))
	for i := range x {
		y[i] = x[i] * inv * g[i]
	}
	return y
}

func rope(v []float32, headDim, pos int) {
	for h := 0; h < len(v); h += headDim {
		for i := 0; i < headDim; i += 2 {
			theta := float64(pos) * math.Pow(10000, -float64(i)/float64(headDim))
			c, s := float32(math.Cos(theta)), float32(math.Sin(theta))
			a, b := v[h+i], v[h+i+1]
			v[h+i], v[h+i+1] = a*c-b*s, a*s+b*c
		}
	}
}

// step feeds one token and returns the logits for the next.
func (r *refModel) step(tok int) []float32 {
	m := r.m
	d, hd := m.Width, m.Width/m.Heads
	kvDim, group := hd*m.KVHeads, m.Heads/m.KVHeads
	x := slices.Clone(r.w["token_embd.weight"][tok*d : (tok+1)*d])
	for l := range m.Layers {
		p := fmt.Sprintf("blk.%d.", l)
		h := rmsNorm(x, r.w[p+"attn_norm.weight"])
		q := matVec(r.w[p+"attn_q.weight"], h, d)
		k := matVec(r.w[p+"attn_k.weight"], h, kvDim)
		v := matVec(r.w[p+"attn_v.weight"], h, kvDim)
		pos := len(r.keys[l])
		rope(q, hd, pos)
		rope(k, hd, pos)
		r.keys[l] = append(r.keys[l], k)
		r.values[l] = append(r.values[l], v)
		att := make([]float32, d)
		for head := range m.Heads {
			kvh := head / group
			qh := q[head*hd : (head+1)*hd]
			scores := make([]float64, pos+1)
			best := math.Inf(-1)
			for j := range scores {
				var s float64
				for i, qi := range qh {
					s += float64(qi * r.keys[l][j][kvh*hd+i])
				}
				scores[j] = s / math.Sqrt(float64(hd))
				best = max(best, scores[j])
			}
			var sum float64
			for j := range scores {
				scores[j] = math.Exp(scores[j] - best)
				sum += scores[j]
			}
			for j := range scores {
				for i := range hd {
					att[head*hd+i] += float32(scores[j]/sum) * r.values[l][j][kvh*hd+i]
				}
			}
		}
		for i, o := range matVec(r.w[p+"attn_output.weight"], att, d) {
			x[i] += o
		}
		h = rmsNorm(x, r.w[p+"ffn_norm.weight"])
		gate := matVec(r.w[p+"ffn_gate.weight"], h, m.FFN)
		up := matVec(r.w[p+"ffn_up.weight"], h, m.FFN)
		for i, g := range gate {
			gate[i] = g / (1 + float32(math.Exp(-float64(g)))) * up[i]
		}
		for i, o := range matVec(r.w[p+"ffn_down.weight"], gate, d) {
			x[i] += o
		}
	}
	nVocab := len(r.w["output.weight"]) / d
	return matVec(r.w["output.weight"], rmsNorm(x, r.w["output_norm.weight"]), nVocab)
}
