package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/threshold"
)

// thresholdsFlag is --fail-on, repeatable: each value is parsed when it is
// given, so a bad expression is a usage error (exit 2) that points at its
// column before any run is read.
type thresholdsFlag struct {
	list []*threshold.Threshold
	// single is set for commands without a baseline (report), where
	// `base` cannot mean anything.
	single bool
}

func (f *thresholdsFlag) String() string {
	if f == nil {
		return ""
	}
	s := make([]string, len(f.list))
	for i, t := range f.list {
		s[i] = t.Expr
	}
	return strings.Join(s, "; ")
}

func (f *thresholdsFlag) Set(s string) error {
	t, err := threshold.Parse(s)
	if err == nil && f.single {
		err = t.NoBase()
	}
	var te *threshold.Error
	if errors.As(err, &te) {
		// The flag package quotes the value already.
		return errors.New(te.Detail())
	}
	if err != nil {
		return err
	}
	f.list = append(f.list, t)
	return nil
}

// gate checks the thresholds on every run of a report, prints one line
// per check to stderr, and returns exitThresholds when any failed.
func (f *thresholdsFlag) gate(e *env, cmd string, ss []reports.Summary) int {
	if len(f.list) == 0 {
		return exitOK
	}
	failed, total := 0, 0
	for i := range ss {
		for _, t := range f.list {
			r := t.Check(&ss[i], nil)
			total++
			status := "PASS"
			if r.Failed {
				status = "FAIL"
				failed++
			}
			fmt.Fprintf(e.stderr, "%s  %s  [%s] %s\n", status, r.Expr, r.RunID, r.Message)
		}
	}
	if failed > 0 {
		fmt.Fprintf(e.stderr, "inferbench %s: %d of %d threshold checks failed\n", cmd, failed, total)
		return exitThresholds
	}
	return exitOK
}
