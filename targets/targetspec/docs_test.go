package targetspec_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/targets/targetspec"
)

// TestDocsListEveryFamily: docs/targets.md lists every model family of
// the rules table with its patterns and source, so the table and its
// documentation cannot drift apart.
func TestDocsListEveryFamily(t *testing.T) {
	b, err := os.ReadFile("../../docs/targets.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, f := range targetspec.Families() {
		row := ""
		for _, line := range strings.Split(doc, "\n") {
			if strings.HasPrefix(line, "| "+f.Name+" |") {
				row = line
			}
		}
		if row == "" {
			t.Errorf("docs/targets.md has no row for family %q", f.Name)
			continue
		}
		for _, want := range append([]string{"(" + f.Source + ")", f.Date}, f.Models...) {
			if !strings.Contains(row, want) {
				t.Errorf("family %q: its row lacks %q", f.Name, want)
			}
		}
	}
}

// TestDocsTargetsFileReferenceParses: the reference in docs/targets.md
// is a valid targets file (it once set a temperature with Anthropic's
// thinking, which the API refuses).
func TestDocsTargetsFileReferenceParses(t *testing.T) {
	b, err := os.ReadFile("../../docs/targets.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindSubmatch(b)
	if m == nil {
		t.Fatal("no yaml block")
	}
	if _, err := targetspec.ParseFile("docs/targets.md", m[1]); err != nil {
		t.Error(err)
	}
}
