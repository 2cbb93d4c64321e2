package suite

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/targets/targetspec"
)

// TestDocsNameEveryKey: docs/suite.md names every key a suite file
// takes, so a key added to the code is documented.
func TestDocsNameEveryKey(t *testing.T) {
	b, err := os.ReadFile("../docs/suite.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	keys := yamlKeys(reflect.TypeFor[fileDoc]())
	for _, block := range []string{"workload", "load", "target"} {
		keys = append(keys, blockKeys(block)...)
	}
	for _, v := range []any{targetspec.Spec{}, targetspec.TimeoutSpec{}, targetspec.RetrySpec{}, targetspec.TelemetrySpec{},
		prices.Spec{}, prices.GPUSpec{}, gpuDoc{}, componentDoc{}} {
		keys = append(keys, yamlKeys(reflect.TypeOf(v))...)
	}
	keys = append(keys, simKeys()...)
	keys = append(keys, "ttft", "tpot", "e2e", "itl", "gpu", "sim")
	for _, k := range keys {
		if !strings.Contains(doc, "`"+k+"`") {
			t.Errorf("docs/suite.md does not name the key %s", k)
		}
	}
}

// TestDocsExampleParses: the example at the top of docs/suite.md is a
// valid suite.
func TestDocsExampleParses(t *testing.T) {
	s, err := Parse("docs/suite.md", firstYAML(t, "../docs/suite.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Entries) != 4 || len(s.Gates) != 2 || s.Scorecard == nil || len(s.Components) != 1 || len(s.Volumes) != 2 {
		t.Errorf("parsed %+v", s)
	}
	if sim := s.Entries[3].Run.Target.Sim; sim == nil || sim.Preset != "self-hosted" {
		t.Errorf("local: %+v", sim)
	}
	if v := s.Entries[2]; !v.Run.Load.Saturate || v.Run.Load.Concurrency.String() != "1,4,16,64" || v.Run.Price.Explicit.GPUHourly != 5 {
		t.Errorf("vllm-h100: %+v", v.Run.Load)
	}
}

// TestReadmeExample: README's suite file is a valid suite that plans
// with a key in the environment.
func TestReadmeExample(t *testing.T) {
	s, err := Parse("README.md", firstYAML(t, "../README.md"))
	if err != nil {
		t.Fatal(err)
	}
	env := Env{Getenv: func(k string) string { return map[string]string{"OPENAI_API_KEY": "sk-test"}[k] }}
	steps, err := s.Plan(Options{Out: t.TempDir(), Env: env})
	if err != nil || len(steps) != 2 || len(s.Gates) != 2 {
		t.Fatalf("%d steps: %v", len(steps), err)
	}
	if p := steps[1].Built.Plan.Prices; p == nil || p.GPUHourly != 2.5 {
		t.Errorf("local prices %+v", p)
	}
}

// firstYAML is the first YAML block of a Markdown file.
func firstYAML(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s: no yaml example", file)
	}
	return m[1]
}
