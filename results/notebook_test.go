package results

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestNotebookUsesRealColumns keeps examples/notebook.ipynb honest: every
// column it names in quotes must be a column of Record.
func TestNotebookUsesRealColumns(t *testing.T) {
	b, err := os.ReadFile("../examples/notebook.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	var nb struct {
		Cells []struct {
			Type   string   `json:"cell_type"`
			Source []string `json:"source"`
		} `json:"cells"`
		Format int `json:"nbformat"`
	}
	if err := json.Unmarshal(b, &nb); err != nil || nb.Format != 4 {
		t.Fatalf("not an nbformat 4 notebook: %v", err)
	}
	cols := map[string]bool{}
	rt := reflect.TypeOf(Record{})
	for i := range rt.NumField() {
		cols[strings.Split(rt.Field(i).Tag.Get("parquet"), ",")[0]] = true
	}
	// Quoted snake_case names that look like columns ("ttft_ns", "status").
	quoted := regexp.MustCompile(`"([a-z][a-z0-9]*(?:_[a-z0-9]+)*)"`)
	derived := map[string]bool{"ttft_ms": true, "tpot_ms": true, "e2e_ms": true, "schedule_lag_ms": true,
		"req_per_s": true, "out_tok_per_s": true, "manifest.json": true, "requests": true,
		"target": true, "name": true, "kind": true, "stop_reason": true, "ok": true, "log": true}
	n := 0
	for _, c := range nb.Cells {
		if c.Type != "code" {
			continue
		}
		for _, m := range quoted.FindAllStringSubmatch(strings.Join(c.Source, ""), -1) {
			name := m[1]
			if derived[name] {
				continue
			}
			n++
			if !cols[name] {
				t.Errorf("notebook uses %q, which is not a column", name)
			}
		}
	}
	if n < 10 {
		t.Fatalf("found only %d column references; the check is not looking", n)
	}
}
