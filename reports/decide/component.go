package decide

import (
	"fmt"

	"github.com/inferbench/inferbench/reports/internal/table"
)

// Component is one row of the build-vs-buy component matrix: a part of
// the product scored from 1 to 10 on how much it sets the product apart
// (Differentiation) and on how hard it is to build and run (Complexity).
// A suite file's `components:` and a scorecard plan's give them.
type Component struct {
	Name            string
	Differentiation int
	Complexity      int
}

// The matrix's rule: build what sets the product apart and is not too
// hard to build and run; buy the rest.
//
//	build  when differentiation > BuildAboveDifferentiation and complexity < BuildBelowComplexity
//	buy    otherwise
//
// So 6/6 is build, 5/6 (not different enough) and 6/7 (too hard) are buy.
const (
	BuildAboveDifferentiation = 5
	BuildBelowComplexity      = 7
)

// Verdicts of the component matrix.
const (
	VerdictBuild = "build"
	VerdictBuy   = "buy"
)

// ComponentRule is the rule in words, shown next to every rendering of
// the matrix.
var ComponentRule = fmt.Sprintf("build when differentiation > %d and complexity < %d, else buy",
	BuildAboveDifferentiation, BuildBelowComplexity)

// MinScore and MaxScore bound a component's scores.
const (
	MinScore = 1
	MaxScore = 10
)

// Verdict is build or buy by the rule (ComponentRule).
func (c Component) Verdict() string {
	if c.Differentiation > BuildAboveDifferentiation && c.Complexity < BuildBelowComplexity {
		return VerdictBuild
	}
	return VerdictBuy
}

// Problems says what is wrong with c, every problem: a name is required
// and both scores run from MinScore to MaxScore. The parsers of suite
// files and plans prefix each with the file and line.
func (c Component) Problems() []string {
	var out []string
	if c.Name == "" {
		out = append(out, "name is required")
	}
	for _, s := range []struct {
		key string
		v   int
	}{{"differentiation", c.Differentiation}, {"complexity", c.Complexity}} {
		if s.v < MinScore || s.v > MaxScore {
			out = append(out, fmt.Sprintf("%s %d: want a score from %d to %d", s.key, s.v, MinScore, MaxScore))
		}
	}
	return out
}

// componentTitle is the matrix's heading, the rule in it.
func componentTitle() string { return "Build-vs-buy component matrix (" + ComponentRule + ")" }

// componentTable is the matrix: a row per component, its two scores and
// its verdict.
func (d *Decision) componentTable() *table.Table {
	t := &table.Table{Head: []string{"differentiation", "complexity", "verdict"}}
	for _, c := range d.Components {
		t.Add(c.Name, []string{table.Itoa(int64(c.Differentiation)), table.Itoa(int64(c.Complexity)), c.Verdict()})
	}
	return t
}
