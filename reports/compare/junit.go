package compare

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/inferbench/inferbench/reports/threshold"
)

// JUnit XML, the test-report format most CI systems read (Jenkins, GitLab,
// GitHub test-report actions): one <testcase> per threshold, with a
// <failure> carrying the message when it failed. encoding/xml escapes
// every attribute and text, so expressions ("<", "&") and run names are
// safe.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes results as a JUnit XML test suite called suite: one
// test case per threshold result, named by its expression, in class
// "inferbench.<run_id>".
func writeJUnit(w io.Writer, suite string, props []junitProperty, results []threshold.Result) error {
	s := junitSuite{Name: suite, Tests: len(results), Time: "0", Cases: []junitCase{}}
	s.Properties = props
	for _, r := range results {
		c := junitCase{Name: r.Expr, Classname: "inferbench." + r.RunID, Time: "0"}
		if r.Failed {
			s.Failures++
			c.Failure = &junitFailure{Message: r.Message, Type: "threshold",
				Text: fmt.Sprintf("threshold %q failed: %s", r.Expr, r.Message)}
		} else {
			c.SystemOut = r.Message
		}
		s.Cases = append(s.Cases, c)
	}
	doc := junitSuites{Name: "inferbench", Tests: s.Tests, Failures: s.Failures, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// RenderJUnit writes c's thresholds as JUnit XML, with the verdict
// and both run ids as properties of the suite.
func RenderJUnit(w io.Writer, c *Comparison) error {
	props := []junitProperty{
		{"baseline", c.Base.RunID},
		{"candidate", c.Cand.RunID},
		{"verdict", string(c.Verdict)},
	}
	if len(c.Incomplete) > 0 {
		props = append(props, junitProperty{"incomplete", c.incompleteText()})
	}
	return writeJUnit(w, "inferbench compare "+c.Base.RunID+" -> "+c.Cand.RunID, props, c.Thresholds)
}
