package decide

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

// TestComponentVerdictEdges: build only when differentiation > 5 and
// complexity < 7, at both edges of both scores.
func TestComponentVerdictEdges(t *testing.T) {
	for _, tc := range []struct {
		diff, cplx int
		want       string
	}{
		{6, 6, VerdictBuild},  // just inside both edges
		{5, 6, VerdictBuy},    // not different enough
		{6, 7, VerdictBuy},    // too hard to build and run
		{5, 7, VerdictBuy},    // both
		{10, 1, VerdictBuild}, // the far corner
		{1, 1, VerdictBuy},
		{10, 10, VerdictBuy},
	} {
		c := Component{Name: "x", Differentiation: tc.diff, Complexity: tc.cplx}
		if got := c.Verdict(); got != tc.want {
			t.Errorf("differentiation %d, complexity %d: %s, want %s", tc.diff, tc.cplx, got, tc.want)
		}
	}
	if ComponentRule != "build when differentiation > 5 and complexity < 7, else buy" {
		t.Errorf("rule %q", ComponentRule)
	}
}

func TestComponentProblems(t *testing.T) {
	if p := (Component{Name: "a", Differentiation: 1, Complexity: 10}).Problems(); len(p) != 0 {
		t.Errorf("1 and 10 are scores: %v", p)
	}
	p := (Component{Differentiation: 0, Complexity: 11}).Problems()
	want := []string{"name is required", "differentiation 0: want a score from 1 to 10", "complexity 11: want a score from 1 to 10"}
	if strings.Join(p, "|") != strings.Join(want, "|") {
		t.Errorf("problems %q, want %q", p, want)
	}
}

// TestParsePlanComponents: a plan's components: with every problem at
// its line, and the rows kept in order.
func TestParsePlanComponents(t *testing.T) {
	p, err := ParseScorecardPlan("plan.yaml", []byte(`components:
  - {name: LLM serving, differentiation: 2, complexity: 9}
  - {name: retrieval, differentiation: 8, complexity: 5}
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Components) != 2 || p.Components[1] != (Component{"retrieval", 8, 5}) {
		t.Errorf("components %+v", p.Components)
	}
	_, err = ParseScorecardPlan("plan.yaml", []byte(`weights: {cost: 1}
components:
  - {name: a, differentiation: 0, complexity: 11}
  - {name: b, differentiation: high, complexity: 3}
  - {differentiation: 6, complexity: 6, colour: red}
  - just a name
`))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`plan.yaml:3: components[0] (a): differentiation 0: want a score from 1 to 10`,
		`plan.yaml:3: components[0] (a): complexity 11: want a score from 1 to 10`,
		`plan.yaml:4: components[1]: differentiation "high": want a whole number from 1 to 10`,
		`plan.yaml:5: components[2]: unknown key "colour"`,
		`plan.yaml:5: components[2] (): name is required`,
		`plan.yaml:6: components[3]: want a mapping`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "differentiation 0: want a score from 1 to 10\nplan.yaml:4") ||
		strings.Count(err.Error(), "components[1]") != 1 {
		t.Errorf("a score that does not parse is said once:\n%v", err)
	}
	if _, err := ParseScorecardPlan("plan.yaml", []byte("components: {name: a}\n")); err == nil ||
		!strings.Contains(err.Error(), "plan.yaml:1: components: want a list") {
		t.Errorf("a mapping for the list: %v", err)
	}
}

// componentDecision is a priced target with a scorecard whose plan gives
// two components, and a third from the options (a suite's), one on each
// side of the rule and one at its edge.
func componentDecision(t *testing.T) ([]reports.Summary, *Decision) {
	t.Helper()
	plan, err := ParseScorecardPlan("plan.yaml", []byte(`components:
  - {name: LLM serving, differentiation: 2, complexity: 9}
  - {name: prompt routing, differentiation: 8, complexity: 4}
`))
	if err != nil {
		t.Fatal(err)
	}
	ss := []reports.Summary{mixSummary("gpt-4o", "api", rate1, &results.Prices{InputPer1M: 2.50, OutputPer1M: 10, Source: "example"},
		10, 500, 100, 100, 500, reports.Options{})}
	return ss, New(ss, Options{ScorecardPlan: plan, Components: []Component{{"evaluation harness", 6, 6}}})
}

// TestRenderComponents: the matrix in text, Markdown and JSON (the HTML
// page draws Sections too: reports/html tests it), after the scorecard,
// with the rule next to it.
func TestRenderComponents(t *testing.T) {
	ss, d := componentDecision(t)
	if len(d.Components) != 3 || d.Components[2].Name != "evaluation harness" {
		t.Fatalf("components %+v: the plan's, then the options'", d.Components)
	}
	var txt, md, js bytes.Buffer
	if err := RenderText(&txt, d); err != nil {
		t.Fatal(err)
	}
	if err := RenderMarkdown(&md, d); err != nil {
		t.Fatal(err)
	}
	if err := RenderReportJSON(&js, ss, d); err != nil {
		t.Fatal(err)
	}
	fixture.Golden(t, "components.txt", txt.Bytes())
	fixture.Golden(t, "components.md", md.Bytes())
	fixture.Golden(t, "components.json", js.Bytes())
	for name, out := range map[string]string{"text": txt.String(), "md": md.String()} {
		score, matrix := strings.Index(out, "Build-vs-buy scorecard"), strings.Index(out, "Build-vs-buy component matrix (build when differentiation > 5 and complexity < 7, else buy)")
		if score < 0 || matrix < score {
			t.Errorf("%s: the matrix, with its rule, does not follow the scorecard:\n%s", name, out)
		}
	}
	var got struct {
		Decision struct {
			Components struct {
				Rule string `json:"rule"`
				Rows []struct {
					Name    string `json:"name"`
					Verdict string `json:"verdict"`
				} `json:"rows"`
			} `json:"components"`
		} `json:"decision"`
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	c := got.Decision.Components
	if c.Rule != ComponentRule || len(c.Rows) != 3 || c.Rows[0].Verdict != "buy" || c.Rows[1].Verdict != "build" || c.Rows[2].Verdict != "build" {
		t.Errorf("JSON components %+v", c)
	}
}

// TestComponentsAloneAreADecision: a matrix without prices or a
// scorecard is still shown.
func TestComponentsAloneAreADecision(t *testing.T) {
	d := New([]reports.Summary{mixSummary("x", "api", rate1, nil, 2, 1, 1, 10, 10, reports.Options{})},
		Options{Components: []Component{{"serving", 2, 9}}})
	var b bytes.Buffer
	if err := RenderText(&b, d); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range strings.Split(b.String(), "\n") {
		found = found || strings.Join(strings.Fields(l), " ") == "serving 2 9 buy"
	}
	if !found {
		t.Errorf("no matrix row for serving:\n%s", b.String())
	}
}
