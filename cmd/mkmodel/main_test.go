package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string // substring
		stderr   string // substring
		wantFile bool
	}{
		{"tiny", []string{"-seed", "1", "-out", filepath.Join(dir, "a.gguf")}, 0,
			"faf751fd2eea9123ffb97842dd143fd1d07bb9c8d3e03a5100355a44900e19ee", "", true},
		{"override", []string{"-out", filepath.Join(dir, "b.gguf"), "-width", "64", "-layers", "1", "-heads", "2", "-kv-heads", "1", "-ffn", "96"}, 0,
			"width 64, 1 layers, 2/1 heads", "", true},
		{"no out", []string{"-seed", "1"}, 2, "", "usage: mkmodel -out FILE", false},
		{"bad shape", []string{"-out", filepath.Join(dir, "c.gguf"), "-width", "130"}, 2, "", "not a multiple of 4 heads", false},
		{"bad flag", []string{"-nope"}, 2, "", "flag provided but not defined", false},
		{"unwritable", []string{"-out", filepath.Join(dir, "missing", "d.gguf")}, 1, "", "mkmodel:", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					code, stdout.String(), stderr.String(), tt.code, tt.stdout, tt.stderr)
			}
			if !tt.wantFile {
				return
			}
			out := tt.args[slices.Index(tt.args, "-out")+1]
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			// The printed checksum is the file's.
			if sum := fmt.Sprintf("%x", sha256.Sum256(data)); !strings.HasPrefix(stdout.String(), sum) {
				t.Errorf("printed %q, file sha256 %s", stdout.String(), sum)
			}
		})
	}
	// No temporary files are left beside the outputs.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("left behind %s", e.Name())
		}
	}
}
