package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/inferbench/inferbench/workloads"
)

// loadWorkload reads the workload named by --workload: "sample" is the
// bundled sample; anything else is a file in any supported format (native
// JSON Lines, Azure, Mooncake, BurstGPT, ShareGPT, OpenAI Batch, prompt
// lists). A native file reports every bad line at once.
func loadWorkload(path string, o importFlags) (*loadedWorkload, error) {
	var (
		b    []byte
		name = workloads.SampleName
		err  error
	)
	if path == workloads.SampleName {
		if _, statErr := os.Stat(path); statErr == nil {
			return nil, fmt.Errorf(`--workload %q is ambiguous: a file of that name exists; use ./%s for the file`, path, path)
		}
		b = workloads.SampleBytes()
	} else {
		b, err = os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("--workload: %w", err)
		}
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	reqs, format, skipped, err := readWorkload(b, path, o)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	lw := &loadedWorkload{name: name, sha256: hex.EncodeToString(sum[:]), requests: reqs, format: string(format), skipped: skipped}
	if path != workloads.SampleName {
		lw.path = path
	}
	return lw, nil
}

func displayPath(p string) string {
	if p == workloads.SampleName {
		return "sample (bundled)"
	}
	return p
}

// sortForReplay orders requests by arrival offset (stable) and checks that
// every request has one.
func sortForReplay(reqs []workloads.Request) error {
	var missing []string
	for i := range reqs {
		if reqs[i].AtMs == nil {
			missing = append(missing, reqs[i].ID)
			if len(missing) == 5 {
				break
			}
		}
	}
	if len(missing) > 0 {
		return errors.New("requests without at_ms cannot be replayed (first: " + strings.Join(missing, ", ") + "); use --rate or --concurrency")
	}
	sort.SliceStable(reqs, func(i, j int) bool { return *reqs[i].AtMs < *reqs[j].AtMs })
	return nil
}

// readWorkload parses b (the bytes of path) in its detected or named format.
func readWorkload(b []byte, path string, o importFlags) ([]workloads.Request, workloads.Format, int, error) {
	opts := workloads.ImportOptions{Tokenizer: o.tokenizer, Seed: o.seed, KeepFailed: o.keepFailed, SkipInvalid: o.skipInvalid}
	if o.format != "" {
		f, err := workloads.ParseFormat(o.format)
		if err != nil {
			return nil, "", 0, fmt.Errorf("--workload-format: %w", err)
		}
		opts.Format = f
	}
	name := displayPath(path)
	r, err := workloads.NewReader(bytes.NewReader(b), name, opts)
	if err != nil {
		return nil, "", 0, err
	}
	defer r.Close()
	if r.Format() == workloads.FormatNative && !o.skipInvalid {
		reqs, err := workloads.ReadJSONL(bytes.NewReader(b), name)
		return reqs, workloads.FormatNative, 0, err
	}
	var reqs []workloads.Request
	for {
		req, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", 0, err
		}
		reqs = append(reqs, req)
	}
	if len(reqs) == 0 {
		return nil, "", 0, fmt.Errorf("%s: %w", name, workloads.ErrEmpty)
	}
	return reqs, r.Format(), int(r.Invalid()), nil
}
