// Command mkmodel writes a small llama-architecture GGUF model with random
// weights, deterministic from a seed, for running a real inference engine
// (Ollama, llama.cpp) in tests where no model can be downloaded.
//
//	go run ./cmd/mkmodel -seed 1 -out tiny.gguf            # width 128, 2 layers, ~2 MiB
//	go run ./cmd/mkmodel -seed 1 -large -out large.gguf    # width 512, 8 layers, GQA, ~93 MiB
//
// The model never samples EOS or byte tokens and never repeats a token back
// to back, so every request runs to exactly max_tokens (see gguf.Llama).
package main

import (
	"bufio"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/inferbench/inferbench/internal/gguf"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mkmodel", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives a byte-identical file")
	out := fs.String("out", "", "output file (required)")
	large := fs.Bool("large", false, "the larger variant: width 512, 8 layers, grouped-query attention")
	width := fs.Int("width", 0, "override the embedding width")
	layers := fs.Int("layers", 0, "override the number of layers")
	heads := fs.Int("heads", 0, "override the number of attention heads")
	kvHeads := fs.Int("kv-heads", 0, "override the number of KV heads (fewer than -heads means GQA)")
	ffn := fs.Int("ffn", 0, "override the feed-forward width")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: mkmodel -out FILE [-seed N] [-large] [-width N -layers N -heads N -kv-heads N -ffn N]")
		return 2
	}
	m := gguf.TinyLlama(*seed)
	if *large {
		m = gguf.LargeLlama(*seed)
	}
	for _, o := range []struct {
		v   int
		dst *int
	}{{*width, &m.Width}, {*layers, &m.Layers}, {*heads, &m.Heads}, {*kvHeads, &m.KVHeads}, {*ffn, &m.FFN}} {
		if o.v != 0 {
			*o.dst = o.v
		}
	}
	if err := m.Validate(); err != nil {
		fmt.Fprintln(stderr, "mkmodel:", err)
		return 2
	}
	sum, size, err := write(m, *out)
	if err != nil {
		fmt.Fprintln(stderr, "mkmodel:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s  %s  (%s, width %d, %d layers, %d/%d heads, %.1f MiB)\n",
		sum, *out, m.Name, m.Width, m.Layers, m.Heads, m.KVHeads, float64(size)/(1<<20))
	return 0
}

// write writes the model to a temporary file beside path and renames it, so
// a reader (or a concurrent make) never sees a half-written model.
func write(m gguf.Llama, path string) (sum string, size int64, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	bw := bufio.NewWriter(io.MultiWriter(tmp, h))
	if err := m.Write(bw); err != nil {
		tmp.Close()
		return "", 0, err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return "", 0, err
	}
	if size, err = tmp.Seek(0, io.SeekCurrent); err != nil {
		tmp.Close()
		return "", 0, err
	}
	if err := tmp.Close(); err != nil {
		return "", 0, err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", 0, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", 0, err
	}
	return fmt.Sprintf("%x", h.Sum(nil)), size, nil
}
