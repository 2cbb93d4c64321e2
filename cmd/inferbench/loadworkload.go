package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/inferbench/inferbench/workloads"
)

// loadWorkload reads the workload named by --workload: "sample" is the
// bundled sample; anything else is a file.
func loadWorkload(path string) (*loadedWorkload, error) {
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
	reqs, err := workloads.ReadJSONL(bytes.NewReader(b), displayPath(path))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	lw := &loadedWorkload{name: name, sha256: hex.EncodeToString(sum[:]), requests: reqs}
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
