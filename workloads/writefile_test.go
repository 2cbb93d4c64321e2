package workloads

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFilterFile: the selection is written to out, and the format read and
// the rows skipped come back; a missing input is an error naming it.
func TestFilterFile(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "out.jsonl")
	_, err := WriteFile(in, nil, func(yield func(Request) error) error {
		for i := range 5 {
			if err := yield(Request{ID: string(rune('a' + i)), Prompt: "p", AtMs: at(float64(i) * 1000)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, format, skipped, err := FilterFile(in, ImportOptions{}, FilterOptions{Every: 2}, out, nil)
	if err != nil || n != 3 || format != FormatNative || skipped != "" {
		t.Fatalf("FilterFile: %d, %q, %q, %v; want 3 native requests, none skipped", n, format, skipped, err)
	}
	b, err := os.ReadFile(out)
	if err != nil || strings.Count(string(b), "\n") != 3 || !strings.Contains(string(b), `"id":"e"`) {
		t.Errorf("out: %v\n%s", err, b)
	}
	if _, _, _, err := FilterFile(filepath.Join(dir, "none.jsonl"), ImportOptions{}, FilterOptions{}, out, nil); err == nil || !strings.Contains(err.Error(), "none.jsonl") {
		t.Errorf("missing input: %v", err)
	}
}
