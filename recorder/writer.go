package recorder

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/inferbench/inferbench/workloads"
)

// writer turns captured requests into native workload lines and writes
// them, rotating files. Only the proxy's writer goroutine calls write and
// flush.
type writer struct {
	cfg   Config
	tok   workloads.Tokenizer
	synth *workloads.Synthesizer
	salt  []byte

	mu      sync.Mutex // guards names
	names   []string
	f       *os.File
	bw      *bufio.Writer
	inFile  int
	bytes   int64
	firstNs int64
}

// safeExtra are the body fields kept when content is hashed or dropped:
// sampling settings, none of which carries user text or identity.
var safeExtra = map[string]bool{"top_p": true, "top_k": true, "min_p": true, "seed": true, "n": true,
	"presence_penalty": true, "frequency_penalty": true, "repetition_penalty": true, "logprobs": true,
	"top_logprobs": true, "reasoning_effort": true, "ignore_eos": true, "min_tokens": true}

func newWriter(cfg Config) (*writer, error) {
	w := &writer{cfg: cfg, salt: cfg.HashSalt}
	if cfg.Content != ContentKeep {
		tok, err := workloads.NewTokenizer(cfg.Tokenizer)
		if err != nil {
			return nil, err
		}
		w.tok = tok
		w.synth = workloads.NewSynthesizer(tok, 0)
		if w.salt == nil {
			w.salt = make([]byte, 32)
			rand.Read(w.salt)
		}
	}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *writer) rotating() bool { return w.cfg.RotateRequests > 0 || w.cfg.RotateBytes > 0 }

// open creates the next output file; it never overwrites one.
func (w *writer) open() error {
	name := w.cfg.Out
	if w.rotating() {
		ext := filepath.Ext(name)
		name = fmt.Sprintf("%s.%05d%s", strings.TrimSuffix(name, ext), len(w.names)+1, ext)
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	w.mu.Lock()
	w.names = append(w.names, name)
	w.mu.Unlock()
	w.f, w.bw, w.inFile, w.bytes = f, bufio.NewWriterSize(f, 256<<10), 0, 0
	return nil
}

func (w *writer) files() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.names...)
}

// write records one request; at_ms is its arrival after the first request
// of the same file, so every file replays on its own.
func (w *writer) write(c captured) error {
	req, err := workloads.ParseRequestBody(c.body, c.chat)
	if err != nil {
		return err
	}
	req.ID = strconv.FormatInt(c.seq, 10)
	if c.obs != nil {
		req.Observed = c.obs.result()
	}
	if err := w.private(&req, c.seq); err != nil {
		return err
	}
	if w.rotating() && w.inFile > 0 &&
		(w.cfg.RotateRequests > 0 && w.inFile >= w.cfg.RotateRequests || w.cfg.RotateBytes > 0 && w.bytes >= w.cfg.RotateBytes) {
		if err := w.closeFile(); err != nil {
			return err
		}
		if err := w.open(); err != nil {
			return err
		}
	}
	ns := c.arrival.UnixNano()
	if w.inFile == 0 {
		w.firstNs = ns
	}
	at := float64(max(ns-w.firstNs, 0)) / 1e6
	req.AtMs = &at
	line, err := json.Marshal(&req)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if _, err := w.bw.Write(line); err != nil {
		return err
	}
	w.inFile++
	w.bytes += int64(len(line))
	return nil
}

// private applies the content mode to req.
func (w *writer) private(req *workloads.Request, seq int64) error {
	if w.cfg.Content == ContentKeep {
		return nil
	}
	for k := range req.Extra {
		if !safeExtra[k] {
			delete(req.Extra, k)
		}
	}
	if len(req.Extra) == 0 {
		req.Extra = nil
	}
	if w.cfg.Content == ContentDrop {
		n := len(w.tok.Encode(req.Prompt))
		for _, m := range req.Messages {
			n += len(w.tok.Encode(m.Content))
		}
		text, err := w.synth.Prompt(uint64(seq), max(n, 1))
		if err != nil {
			return err
		}
		req.Messages, req.Prompt, req.InputTokens = nil, text, max(n, 1)
		return nil
	}
	// Hash: same-length synthetic text per message, keyed by the salted
	// hash of the text, so equal texts map to equal text.
	replace := func(s string) (string, int, error) {
		if s == "" {
			return "", 0, nil
		}
		n := len(w.tok.Encode(s))
		mac := hmac.New(sha256.New, w.salt)
		mac.Write([]byte(s))
		key := binary.BigEndian.Uint64(mac.Sum(nil))
		text, err := w.synth.Prompt(key, n)
		return text, n, err
	}
	total := 0
	if req.Prompt != "" {
		text, n, err := replace(req.Prompt)
		if err != nil {
			return err
		}
		req.Prompt, total = text, n
	}
	msgs := make([]workloads.Message, len(req.Messages))
	for i, m := range req.Messages {
		text, n, err := replace(m.Content)
		if err != nil {
			return err
		}
		msgs[i] = workloads.Message{Role: m.Role, Content: text}
		total += n
	}
	if len(msgs) > 0 {
		req.Messages = msgs
	}
	req.InputTokens = total
	return nil
}

func (w *writer) flush() error { return w.bw.Flush() }

func (w *writer) closeFile() error {
	if err := w.bw.Flush(); err != nil {
		w.f.Close()
		return err
	}
	return w.f.Close()
}

func (w *writer) close() error { return w.closeFile() }
